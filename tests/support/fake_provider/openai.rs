//! OpenAI Chat Completions wire format (also Azure OpenAI and the OpenAI-compatible aliases).

use serde_json::{Value, json};

use super::script::{Part, StopReason, Turn, Usage};
use super::wire::{Frame, pieces};

const CREATED: u64 = 1_767_225_600;

fn finish_reason(stop: StopReason) -> &'static str {
    match stop {
        StopReason::Stop => "stop",
        StopReason::ToolUse => "tool_calls",
        StopReason::MaxTokens => "length",
    }
}

fn usage_json(usage: Usage) -> Value {
    let prompt = usage.input_tokens + usage.cache_read_tokens;
    json!({
        "prompt_tokens": prompt,
        "completion_tokens": usage.output_tokens,
        "total_tokens": prompt + usage.output_tokens,
        "prompt_tokens_details": { "cached_tokens": usage.cache_read_tokens, "audio_tokens": 0 },
        "completion_tokens_details": { "reasoning_tokens": 0, "audio_tokens": 0 },
    })
}

/// The tool call id of the `index`-th call in the `request_no`-th request.
pub(super) fn call_id(request_no: usize, index: usize) -> String {
    format!("call_fake{request_no:04}x{index:02}")
}

/// `data: {chat.completion.chunk}` events, a usage chunk when asked for, then `[DONE]`.
pub(super) fn stream(
    turn: &Turn,
    model: &str,
    request_no: usize,
    include_usage: bool,
) -> Vec<Frame> {
    let id = format!("chatcmpl-fake{request_no:04}");
    let chunk = |choices: Value| {
        let mut chunk = json!({
            "id": id,
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": model,
            "system_fingerprint": "fp_fake",
            "choices": choices,
        });
        if include_usage {
            chunk["usage"] = Value::Null;
        }
        chunk
    };
    let delta = |delta: Value, finish: Value| {
        chunk(json!([{ "index": 0, "delta": delta, "logprobs": null, "finish_reason": finish }]))
    };

    let mut out = vec![delta(
        json!({ "role": "assistant", "content": "", "refusal": null }),
        Value::Null,
    )];
    let mut tool_index = 0;
    for part in &turn.parts {
        match part {
            Part::Text(text) => {
                for piece in pieces(text) {
                    out.push(delta(json!({ "content": piece }), Value::Null));
                }
            }
            Part::Thinking(text) => {
                for piece in pieces(text) {
                    out.push(delta(json!({ "reasoning_content": piece }), Value::Null));
                }
            }
            Part::ToolCall { name, arguments } => {
                let start = json!({ "tool_calls": [{
                    "index": tool_index,
                    "id": call_id(request_no, tool_index),
                    "type": "function",
                    "function": { "name": name, "arguments": "" },
                }]});
                out.push(delta(start, Value::Null));
                for piece in pieces(&arguments.to_string()) {
                    let args = json!({ "tool_calls": [{
                        "index": tool_index,
                        "function": { "arguments": piece },
                    }]});
                    out.push(delta(args, Value::Null));
                }
                tool_index += 1;
            }
        }
    }
    out.push(delta(
        json!({}),
        json!(finish_reason(turn.effective_stop())),
    ));
    if include_usage {
        let mut last = chunk(json!([]));
        last["usage"] = usage_json(turn.effective_usage());
        out.push(last);
    }
    let mut frames: Vec<Frame> = out
        .into_iter()
        .map(|c| Frame::data(c.to_string()))
        .collect();
    frames.push(Frame::data("[DONE]".to_string()));
    frames
}

/// The `chat.completion` document of a non-streaming request.
pub(super) fn complete(turn: &Turn, model: &str, request_no: usize) -> Value {
    let mut text = String::new();
    let mut reasoning = String::new();
    let mut calls = Vec::new();
    for part in &turn.parts {
        match part {
            Part::Text(t) => text.push_str(t),
            Part::Thinking(t) => reasoning.push_str(t),
            Part::ToolCall { name, arguments } => calls.push(json!({
                "id": call_id(request_no, calls.len()),
                "type": "function",
                "function": { "name": name, "arguments": arguments.to_string() },
            })),
        }
    }
    let mut message = json!({
        "role": "assistant",
        "content": if text.is_empty() && !calls.is_empty() { Value::Null } else { json!(text) },
        "refusal": null,
    });
    if !reasoning.is_empty() {
        message["reasoning_content"] = json!(reasoning);
    }
    if !calls.is_empty() {
        message["tool_calls"] = json!(calls);
    }
    json!({
        "id": format!("chatcmpl-fake{request_no:04}"),
        "object": "chat.completion",
        "created": CREATED,
        "model": model,
        "system_fingerprint": "fp_fake",
        "choices": [{
            "index": 0,
            "message": message,
            "logprobs": null,
            "finish_reason": finish_reason(turn.effective_stop()),
        }],
        "usage": usage_json(turn.effective_usage()),
    })
}

/// OpenAI's error document: `{"error":{"message","type","param","code"}}`.
pub(super) fn error(status: u16, message: Option<&str>) -> Value {
    let (kind, code, default) = match status {
        400 => ("invalid_request_error", Value::Null, "Invalid request."),
        401 => (
            "invalid_request_error",
            json!("invalid_api_key"),
            "Incorrect API key provided.",
        ),
        403 => (
            "invalid_request_error",
            json!("unsupported_country_region_territory"),
            "Forbidden.",
        ),
        404 => (
            "invalid_request_error",
            json!("model_not_found"),
            "The model does not exist or you do not have access to it.",
        ),
        429 => (
            "requests",
            json!("rate_limit_exceeded"),
            "Rate limit reached for requests per min (RPM). Please try again later.",
        ),
        503 => (
            "server_error",
            Value::Null,
            "The engine is currently overloaded, please try again later.",
        ),
        s if s >= 500 => (
            "server_error",
            Value::Null,
            "The server had an error while processing your request. Sorry about that!",
        ),
        _ => ("invalid_request_error", Value::Null, "The request failed."),
    };
    json!({ "error": {
        "message": message.unwrap_or(default),
        "type": kind,
        "param": null,
        "code": code,
    }})
}

/// Checks `Authorization: Bearer <key>` the way api.openai.com does.
pub(super) fn check_auth(authorization: Option<&str>, key: &str) -> Result<(), (u16, Value)> {
    match authorization.and_then(|a| a.strip_prefix("Bearer ")) {
        Some(given) if given == key => Ok(()),
        Some(given) => {
            let shown: String = given.chars().take(3).collect();
            let message = format!(
                "Incorrect API key provided: {shown}***. You can find your API key at https://platform.openai.com/account/api-keys."
            );
            Err((401, error(401, Some(&message))))
        }
        None => {
            let message = "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
            let mut body = error(401, Some(message));
            body["error"]["code"] = Value::Null;
            Err((401, body))
        }
    }
}

/// Azure OpenAI: the `api-key` header, and an `api-version` query parameter.
pub(super) fn check_azure(
    api_key: Option<&str>,
    has_api_version: bool,
    key: &str,
) -> Result<(), (u16, Value)> {
    if api_key != Some(key) {
        let message = "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.";
        return Err((
            401,
            json!({ "error": { "code": "401", "message": message } }),
        ));
    }
    if !has_api_version {
        return Err((
            404,
            json!({ "error": { "code": "404", "message": "Resource not found" } }),
        ));
    }
    Ok(())
}

/// The text of the last user message that has text.
pub(super) fn last_user_text(body: &Value) -> Option<String> {
    let messages = body.get("messages")?.as_array()?;
    messages
        .iter()
        .rev()
        .filter(|m| m["role"] == "user")
        .find_map(|m| match &m["content"] {
            Value::String(s) => Some(s.clone()),
            Value::Array(parts) => {
                let text: Vec<&str> = parts
                    .iter()
                    .filter(|p| p["type"] == "text")
                    .filter_map(|p| p["text"].as_str())
                    .collect();
                (!text.is_empty()).then(|| text.join("\n"))
            }
            _ => None,
        })
}
