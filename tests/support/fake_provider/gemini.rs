//! Google Gemini `generateContent` / `streamGenerateContent` wire format.

use serde_json::{Value, json};

use super::script::{Part, StopReason, Turn, Usage};
use super::wire::{Frame, pieces};

fn finish_reason(stop: StopReason) -> &'static str {
    match stop {
        StopReason::Stop | StopReason::ToolUse => "STOP",
        StopReason::MaxTokens => "MAX_TOKENS",
    }
}

fn usage_json(usage: Usage) -> Value {
    let prompt = usage.input_tokens + usage.cache_read_tokens;
    let mut out = json!({
        "promptTokenCount": prompt,
        "candidatesTokenCount": usage.output_tokens,
        "totalTokenCount": prompt + usage.output_tokens,
    });
    if usage.cache_read_tokens > 0 {
        out["cachedContentTokenCount"] = json!(usage.cache_read_tokens);
    }
    out
}

fn response(
    parts: Vec<Value>,
    finish: Option<&str>,
    usage: Usage,
    model: &str,
    request_no: usize,
) -> Value {
    let mut candidate = json!({ "content": { "parts": parts, "role": "model" }, "index": 0 });
    if let Some(finish) = finish {
        candidate["finishReason"] = json!(finish);
    }
    json!({
        "candidates": [candidate],
        "usageMetadata": usage_json(usage),
        "modelVersion": model,
        "responseId": format!("fake{request_no:04}"),
    })
}

/// The parts of a turn as Gemini streams them: text in pieces, function calls whole.
fn streamed_parts(turn: &Turn) -> Vec<Value> {
    let mut out = Vec::new();
    for part in &turn.parts {
        match part {
            Part::Text(text) => out.extend(pieces(text).into_iter().map(|p| json!({ "text": p }))),
            Part::Thinking(text) => {
                out.extend(
                    pieces(text)
                        .into_iter()
                        .map(|p| json!({ "text": p, "thought": true })),
                );
            }
            Part::ToolCall { name, arguments } => {
                out.push(json!({ "functionCall": { "name": name, "args": arguments } }));
            }
        }
    }
    out
}

/// The `GenerateContentResponse` documents of a stream, one part each; the last one carries
/// `finishReason`. Every one carries `usageMetadata`, as the real API does.
pub(super) fn stream_documents(turn: &Turn, model: &str, request_no: usize) -> Vec<Value> {
    let usage = turn.effective_usage();
    let mut parts = streamed_parts(turn);
    if parts.is_empty() {
        parts.push(json!({ "text": "" }));
    }
    let last = parts.len() - 1;
    parts
        .into_iter()
        .enumerate()
        .map(|(i, part)| {
            let finish = (i == last).then(|| finish_reason(turn.effective_stop()));
            response(vec![part], finish, usage, model, request_no)
        })
        .collect()
}

/// `data: {GenerateContentResponse}` events (framed with CRLF by the caller).
pub(super) fn stream(turn: &Turn, model: &str, request_no: usize) -> Vec<Frame> {
    stream_documents(turn, model, request_no)
        .into_iter()
        .map(|doc| Frame::data(doc.to_string()))
        .collect()
}

/// The single `GenerateContentResponse` of a non-streaming request.
pub(super) fn complete(turn: &Turn, model: &str, request_no: usize) -> Value {
    let parts: Vec<Value> = turn
        .parts
        .iter()
        .map(|part| match part {
            Part::Text(text) => json!({ "text": text }),
            Part::Thinking(text) => json!({ "text": text, "thought": true }),
            Part::ToolCall { name, arguments } => {
                json!({ "functionCall": { "name": name, "args": arguments } })
            }
        })
        .collect();
    let finish = finish_reason(turn.effective_stop());
    response(
        parts,
        Some(finish),
        turn.effective_usage(),
        model,
        request_no,
    )
}

/// Google's error document: `{"error":{"code","message","status"}}`; a 429 with `retry_after`
/// also carries a `RetryInfo` detail.
pub(super) fn error(status: u16, message: Option<&str>, retry_after: Option<u64>) -> Value {
    let (kind, default) = match status {
        400 => ("INVALID_ARGUMENT", "Request contains an invalid argument."),
        401 => (
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials.",
        ),
        403 => ("PERMISSION_DENIED", "The caller does not have permission."),
        404 => ("NOT_FOUND", "Requested entity was not found."),
        429 => (
            "RESOURCE_EXHAUSTED",
            "Resource has been exhausted (e.g. check quota).",
        ),
        503 => (
            "UNAVAILABLE",
            "The model is overloaded. Please try again later.",
        ),
        504 => (
            "DEADLINE_EXCEEDED",
            "The request timed out. Please try again.",
        ),
        s if s >= 500 => (
            "INTERNAL",
            "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
        ),
        _ => ("FAILED_PRECONDITION", "The request failed."),
    };
    let mut body = json!({ "error": {
        "code": status,
        "message": message.unwrap_or(default),
        "status": kind,
    }});
    if let Some(secs) = retry_after {
        body["error"]["details"] = json!([{
            "@type": "type.googleapis.com/google.rpc.RetryInfo",
            "retryDelay": format!("{secs}s"),
        }]);
    }
    body
}

/// Checks the `x-goog-api-key` header or the `key` query parameter: a missing key is a 403 and a
/// wrong one a 400 `API_KEY_INVALID`, as generativelanguage.googleapis.com answers.
pub(super) fn check_auth(
    header: Option<&str>,
    query_key: Option<&str>,
    key: &str,
) -> Result<(), (u16, Value)> {
    match header.or(query_key) {
        Some(given) if given == key => Ok(()),
        Some(_) => {
            let mut body = error(
                400,
                Some("API key not valid. Please pass a valid API key."),
                None,
            );
            body["error"]["details"] = json!([{
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": { "service": "generativelanguage.googleapis.com" },
            }]);
            Err((400, body))
        }
        None => {
            let message = "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.";
            Err((403, error(403, Some(message), None)))
        }
    }
}

/// The text of the last user content that has text (function responses do not count).
pub(super) fn last_user_text(body: &Value) -> Option<String> {
    let contents = body.get("contents")?.as_array()?;
    contents
        .iter()
        .rev()
        .filter(|c| c.get("role").is_none_or(|r| r == "user"))
        .find_map(|c| {
            let text: Vec<&str> = c["parts"]
                .as_array()?
                .iter()
                .filter_map(|p| p["text"].as_str())
                .collect();
            (!text.is_empty()).then(|| text.join("\n"))
        })
}
