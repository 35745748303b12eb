//! Anthropic Messages wire format.

use serde_json::{Value, json};

use super::script::{Part, StopReason, Turn, Usage};
use super::wire::{Frame, pieces};

fn stop_reason(stop: StopReason) -> &'static str {
    match stop {
        StopReason::Stop => "end_turn",
        StopReason::ToolUse => "tool_use",
        StopReason::MaxTokens => "max_tokens",
    }
}

fn usage_json(usage: Usage, output_tokens: u64) -> Value {
    json!({
        "input_tokens": usage.input_tokens,
        "cache_creation_input_tokens": usage.cache_write_tokens,
        "cache_read_input_tokens": usage.cache_read_tokens,
        "output_tokens": output_tokens,
    })
}

/// The tool use id of the `index`-th call in the `request_no`-th request.
pub(super) fn tool_use_id(request_no: usize, index: usize) -> String {
    format!("toolu_fake{request_no:04}x{index:02}")
}

fn signature(request_no: usize, index: usize) -> String {
    format!("c2lnbmF0dXJl{request_no:04}{index:02}")
}

fn message_id(request_no: usize) -> String {
    format!("msg_fake{request_no:04}")
}

/// `message_start`, `ping`, one block per part, `message_delta`, `message_stop`.
pub(super) fn stream(turn: &Turn, model: &str, request_no: usize) -> Vec<Frame> {
    let usage = turn.effective_usage();
    let ev = |name: &'static str, data: Value| Frame::event(name, data.to_string());
    let mut out = vec![
        ev(
            "message_start",
            json!({ "type": "message_start", "message": {
                "id": message_id(request_no),
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [],
                "stop_reason": null,
                "stop_sequence": null,
                "usage": usage_json(usage, 1),
            }}),
        ),
        ev("ping", json!({ "type": "ping" })),
    ];
    let mut tools = 0;
    for (index, part) in turn.parts.iter().enumerate() {
        let delta = |delta: Value| {
            ev(
                "content_block_delta",
                json!({ "type": "content_block_delta", "index": index, "delta": delta }),
            )
        };
        let (block, deltas) = match part {
            Part::Text(text) => (
                json!({ "type": "text", "text": "" }),
                pieces(text)
                    .into_iter()
                    .map(|p| json!({ "type": "text_delta", "text": p }))
                    .collect(),
            ),
            Part::Thinking(text) => {
                let mut deltas: Vec<Value> = pieces(text)
                    .into_iter()
                    .map(|p| json!({ "type": "thinking_delta", "thinking": p }))
                    .collect();
                deltas.push(
                    json!({ "type": "signature_delta", "signature": signature(request_no, index) }),
                );
                (
                    json!({ "type": "thinking", "thinking": "", "signature": "" }),
                    deltas,
                )
            }
            Part::ToolCall { name, arguments } => {
                let block = json!({
                    "type": "tool_use",
                    "id": tool_use_id(request_no, tools),
                    "name": name,
                    "input": {},
                });
                tools += 1;
                let json_text = arguments.to_string();
                let deltas = std::iter::once("")
                    .chain(pieces(&json_text))
                    .map(|p| json!({ "type": "input_json_delta", "partial_json": p }))
                    .collect();
                (block, deltas)
            }
        };
        out.push(ev(
            "content_block_start",
            json!({ "type": "content_block_start", "index": index, "content_block": block }),
        ));
        out.extend(deltas.into_iter().map(delta));
        out.push(ev(
            "content_block_stop",
            json!({ "type": "content_block_stop", "index": index }),
        ));
    }
    out.push(ev(
        "message_delta",
        json!({
            "type": "message_delta",
            "delta": { "stop_reason": stop_reason(turn.effective_stop()), "stop_sequence": null },
            "usage": { "output_tokens": usage.output_tokens },
        }),
    ));
    out.push(ev("message_stop", json!({ "type": "message_stop" })));
    out
}

/// The `message` document of a non-streaming request.
pub(super) fn complete(turn: &Turn, model: &str, request_no: usize) -> Value {
    let mut tools = 0;
    let content: Vec<Value> = turn
        .parts
        .iter()
        .enumerate()
        .map(|(index, part)| match part {
            Part::Text(text) => json!({ "type": "text", "text": text }),
            Part::Thinking(text) => {
                json!({ "type": "thinking", "thinking": text, "signature": signature(request_no, index) })
            }
            Part::ToolCall { name, arguments } => {
                tools += 1;
                json!({ "type": "tool_use", "id": tool_use_id(request_no, tools - 1), "name": name, "input": arguments })
            }
        })
        .collect();
    let usage = turn.effective_usage();
    json!({
        "id": message_id(request_no),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason(turn.effective_stop()),
        "stop_sequence": null,
        "usage": usage_json(usage, usage.output_tokens),
    })
}

/// Anthropic's error document: `{"type":"error","error":{"type","message"}}`.
pub(super) fn error(status: u16, message: Option<&str>) -> Value {
    let (kind, default) = match status {
        400 => ("invalid_request_error", "Invalid request."),
        401 => ("authentication_error", "invalid x-api-key"),
        403 => (
            "permission_error",
            "Your API key does not have permission to use the specified resource.",
        ),
        404 => (
            "not_found_error",
            "The requested resource could not be found.",
        ),
        413 => (
            "request_too_large",
            "Request exceeds the maximum allowed number of bytes.",
        ),
        429 => (
            "rate_limit_error",
            "This request would exceed your organization's rate limit. Please try again later.",
        ),
        529 => ("overloaded_error", "Overloaded"),
        504 => ("timeout_error", "Request timed out."),
        s if s >= 500 => ("api_error", "Internal server error"),
        _ => ("invalid_request_error", "The request failed."),
    };
    json!({
        "type": "error",
        "error": { "type": kind, "message": message.unwrap_or(default) },
        "request_id": "req_fake",
    })
}

/// The payload of an in-stream `event: error` (it carries no request id).
pub(super) fn stream_error(status: u16) -> Value {
    let mut body = error(status, None);
    if let Some(map) = body.as_object_mut() {
        map.remove("request_id");
    }
    body
}

/// Checks `x-api-key` and `anthropic-version` the way api.anthropic.com does.
pub(super) fn check_auth(
    api_key: Option<&str>,
    version: Option<&str>,
    key: &str,
) -> Result<(), (u16, Value)> {
    match api_key {
        None => Err((401, error(401, Some("x-api-key header is required")))),
        Some(given) if given != key => Err((401, error(401, Some("invalid x-api-key")))),
        Some(_) if version.is_none() => Err((
            400,
            error(400, Some("anthropic-version: header is required")),
        )),
        Some(_) => Ok(()),
    }
}

/// The text of the last user message that has text (tool results do not count).
pub(super) fn last_user_text(body: &Value) -> Option<String> {
    let messages = body.get("messages")?.as_array()?;
    messages
        .iter()
        .rev()
        .filter(|m| m["role"] == "user")
        .find_map(|m| match &m["content"] {
            Value::String(s) => Some(s.clone()),
            Value::Array(blocks) => {
                let text: Vec<&str> = blocks
                    .iter()
                    .filter(|b| b["type"] == "text")
                    .filter_map(|b| b["text"].as_str())
                    .collect();
                (!text.is_empty()).then(|| text.join("\n"))
            }
            _ => None,
        })
}
