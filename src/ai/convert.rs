//! Helpers shared by the adapters: history preparation and small JSON readers.

use serde_json::Value;

use super::model_ref::ModelRef;
use super::types::{AssistantMessage, Usage};

/// How a compaction or branch summary is shown to a model (as a user message).
pub fn summary_text(summary: &str) -> String {
    format!(
        "The conversation history before this point was summarized as follows:\n<summary>\n{summary}\n</summary>"
    )
}

/// Whether `message` was produced by the same provider and model family as `model`, so its
/// provider-specific parts (thinking signatures) may be sent back.
pub fn same_origin(message: &AssistantMessage, model: &ModelRef) -> bool {
    message.api == model.provider.wire_format().api_name()
        && message.provider == model.provider.as_str()
}

/// The user message that carries the images of a run of tool results (OpenAI's tool results
/// hold text only); `text_type` is the format's text part (`text`, `input_text`). Empties
/// `images`.
pub fn tool_images_message(text_type: &str, images: &mut Vec<Value>) -> Value {
    let mut parts = vec![
        serde_json::json!({"type": text_type, "text": "Images returned by the tool calls above:"}),
    ];
    parts.append(images);
    serde_json::json!({"role": "user", "content": parts})
}

/// A JSON number field as `u64` (missing, negative or non-numeric is 0).
pub fn u64_at(v: &Value, key: &str) -> u64 {
    v.get(key).and_then(Value::as_u64).unwrap_or(0)
}

/// A string field, if present and a string.
pub fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The usage of an OpenAI-style report: `input_key` tokens include the cached ones, which
/// `details_key.cached_tokens` counts (they become cache reads).
pub fn openai_usage(u: &Value, input_key: &str, details_key: &str, output_key: &str) -> Usage {
    let prompt = u64_at(u, input_key);
    let cached = u
        .get(details_key)
        .map(|d| u64_at(d, "cached_tokens"))
        .unwrap_or(0)
        .min(prompt);
    with_total(Usage {
        input: prompt - cached,
        output: u64_at(u, output_key),
        cache_read: cached,
        cache_write: 0,
        total_tokens: u64_at(u, "total_tokens"),
        ..Default::default()
    })
}

/// The error of a stream that ended before the response was complete.
pub fn cut_short(provider: &str) -> super::error::AiError {
    super::error::AiError::Connection {
        provider: provider.to_string(),
        message: "the stream ended before the response was complete".into(),
    }
}

/// Total tokens when the provider did not report them.
pub fn with_total(mut usage: Usage) -> Usage {
    if usage.total_tokens == 0 {
        usage.total_tokens = usage.input + usage.output + usage.cache_read + usage.cache_write;
    }
    usage
}

/// The provider's own error message from an HTTP error body, in any of the formats we speak
/// (OpenAI, Anthropic, Gemini, and the plain `message` / `detail` / `error` of local servers).
pub fn error_message_from_body(body: &str) -> String {
    let parsed: Option<Value> = serde_json::from_str(body.trim()).ok();
    let from_json = parsed.as_ref().and_then(|v| {
        let v = match v {
            Value::Array(items) => items.first()?,
            other => other,
        };
        json_error_message(v)
    });
    let text = from_json.unwrap_or_else(|| body.trim().to_string());
    one_line(&text, 400)
}

/// The message of a JSON error object (`{"error": {"message": ...}}` and friends).
pub fn json_error_message(v: &Value) -> Option<String> {
    let err = v.get("error");
    let candidates = [
        err.and_then(|e| e.get("message")),
        err.filter(|e| e.is_string()),
        v.get("message"),
        v.get("detail"),
    ];
    for c in candidates.into_iter().flatten() {
        match c {
            Value::String(s) if !s.trim().is_empty() => return Some(s.clone()),
            Value::String(_) | Value::Null => {}
            other => return Some(other.to_string()),
        }
    }
    None
}

/// `text` on one line, at most `max` characters.
pub fn one_line(text: &str, max: usize) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() <= max {
        return joined;
    }
    let mut cut: String = joined.chars().take(max).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_of_each_format() {
        assert_eq!(
            error_message_from_body(
                r#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}"#
            ),
            "Incorrect API key provided"
        );
        assert_eq!(
            error_message_from_body(
                r#"{"type":"error","error":{"type":"not_found_error","message":"model: x"}}"#
            ),
            "model: x"
        );
        assert_eq!(
            error_message_from_body(
                r#"[{"error":{"code":400,"message":"API key not valid","status":"INVALID_ARGUMENT"}}]"#
            ),
            "API key not valid"
        );
        assert_eq!(
            error_message_from_body(r#"{"error":"model 'x' not found"}"#),
            "model 'x' not found"
        );
        assert_eq!(error_message_from_body(r#"{"detail":"nope"}"#), "nope");
        assert_eq!(
            error_message_from_body("<html>\n bad gateway\n</html>"),
            "<html> bad gateway </html>"
        );
        assert_eq!(one_line(&"x".repeat(10), 4), "xxxx…");
    }
}
