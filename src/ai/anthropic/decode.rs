//! Anthropic Messages responses: the event-typed stream and whole `message`s.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::ai::convert::{cut_short, json_error_message, str_at, with_total};
use crate::ai::error::AiError;
use crate::ai::event::StreamEvent;
use crate::ai::types::{StopReason, Usage};

/// Turns the events of a Messages stream into stream events.
#[derive(Debug)]
pub struct Decoder {
    provider: String,
    usage: Usage,
    /// Content-block indexes of tool_use blocks still open.
    open_tools: BTreeSet<usize>,
    stop: Option<StopReason>,
    response_id: Option<String>,
    done: bool,
}

/// Merges a usage object (message_start has all counts, message_delta the updated ones).
fn merge_usage(into: &mut Usage, u: &Value) {
    let set = |field: &mut u64, key: &str| {
        if let Some(n) = u.get(key).and_then(Value::as_u64) {
            *field = n;
        }
    };
    set(&mut into.input, "input_tokens");
    set(&mut into.output, "output_tokens");
    set(&mut into.cache_read, "cache_read_input_tokens");
    set(&mut into.cache_write, "cache_creation_input_tokens");
    into.total_tokens = 0;
    *into = with_total(*into);
}

fn stop_reason(provider: &str, reason: &str) -> Result<StopReason, AiError> {
    Ok(match reason {
        "max_tokens" | "model_context_window_exceeded" => StopReason::Length,
        "tool_use" => StopReason::ToolUse,
        "refusal" => {
            return Err(AiError::Blocked {
                provider: provider.to_string(),
                reason: "refusal".into(),
            });
        }
        _ => StopReason::Stop,
    })
}

/// The error of an `error` event or body; overload and server errors may be retried.
fn provider_error(provider: &str, v: &Value) -> AiError {
    let kind = v
        .get("error")
        .and_then(|e| str_at(e, "type"))
        .unwrap_or_default();
    AiError::Provider {
        provider: provider.to_string(),
        message: json_error_message(v).unwrap_or_else(|| v.to_string()),
        retryable: matches!(kind, "overloaded_error" | "api_error" | "rate_limit_error"),
    }
}

impl Decoder {
    pub fn new(provider: &str) -> Self {
        Decoder {
            provider: provider.to_string(),
            usage: Usage::default(),
            open_tools: BTreeSet::new(),
            stop: None,
            response_id: None,
            done: false,
        }
    }

    pub fn is_done(&self) -> bool {
        self.done
    }

    pub fn on_data(&mut self, data: &str, out: &mut Vec<StreamEvent>) -> Result<(), AiError> {
        if self.done {
            return Ok(());
        }
        let v: Value = serde_json::from_str(data).map_err(|e| AiError::MalformedResponse {
            provider: self.provider.clone(),
            message: format!("invalid JSON in a stream event ({e})"),
        })?;
        let index = v.get("index").and_then(Value::as_u64).unwrap_or(0) as usize;
        match str_at(&v, "type").unwrap_or_default() {
            "message_start" => {
                let msg = v.get("message").cloned().unwrap_or(Value::Null);
                self.response_id = str_at(&msg, "id").map(str::to_string);
                if let Some(u) = msg.get("usage") {
                    merge_usage(&mut self.usage, u);
                    out.push(StreamEvent::Usage { usage: self.usage });
                }
            }
            "content_block_start" => {
                let block = v.get("content_block").cloned().unwrap_or(Value::Null);
                match str_at(&block, "type").unwrap_or_default() {
                    "text" => push_nonempty(out, str_at(&block, "text"), false),
                    "thinking" => push_nonempty(out, str_at(&block, "thinking"), true),
                    "tool_use" => {
                        self.open_tools.insert(index);
                        out.push(StreamEvent::ToolCallStart {
                            index,
                            id: str_at(&block, "id").unwrap_or_default().into(),
                            name: str_at(&block, "name").unwrap_or_default().into(),
                        });
                    }
                    _ => {}
                }
            }
            "content_block_delta" => {
                let delta = v.get("delta").cloned().unwrap_or(Value::Null);
                match str_at(&delta, "type").unwrap_or_default() {
                    "text_delta" => push_nonempty(out, str_at(&delta, "text"), false),
                    "thinking_delta" => push_nonempty(out, str_at(&delta, "thinking"), true),
                    "signature_delta" => {
                        if let Some(s) = str_at(&delta, "signature").filter(|s| !s.is_empty()) {
                            out.push(StreamEvent::ThinkingSignature {
                                signature: s.into(),
                            });
                        }
                    }
                    "input_json_delta" => {
                        if let Some(p) = str_at(&delta, "partial_json").filter(|p| !p.is_empty()) {
                            out.push(StreamEvent::ToolCallArgsDelta {
                                index,
                                delta: p.into(),
                            });
                        }
                    }
                    _ => {}
                }
            }
            "content_block_stop" if self.open_tools.remove(&index) => {
                out.push(StreamEvent::ToolCallEnd { index });
            }
            "message_delta" => {
                if let Some(r) = v.get("delta").and_then(|d| str_at(d, "stop_reason")) {
                    self.stop = Some(stop_reason(&self.provider, r)?);
                }
                if let Some(u) = v.get("usage") {
                    merge_usage(&mut self.usage, u);
                    out.push(StreamEvent::Usage { usage: self.usage });
                }
            }
            "message_stop" => {
                for index in std::mem::take(&mut self.open_tools) {
                    out.push(StreamEvent::ToolCallEnd { index });
                }
                out.push(StreamEvent::Done {
                    stop_reason: self.stop.unwrap_or_default(),
                    response_id: self.response_id.clone(),
                });
                self.done = true;
            }
            "error" => return Err(provider_error(&self.provider, &v)),
            // `ping` and event types added later.
            _ => {}
        }
        Ok(())
    }

    pub fn on_eof(&mut self, _out: &mut Vec<StreamEvent>) -> Result<(), AiError> {
        if self.done {
            return Ok(());
        }
        Err(cut_short(&self.provider))
    }
}

fn push_nonempty(out: &mut Vec<StreamEvent>, text: Option<&str>, thinking: bool) {
    if let Some(t) = text.filter(|t| !t.is_empty()) {
        let delta = t.to_string();
        out.push(if thinking {
            StreamEvent::ThinkingDelta { delta }
        } else {
            StreamEvent::TextDelta { delta }
        });
    }
}

/// The events of a whole (non-streamed) `message`.
pub fn decode_response(provider: &str, body: &str) -> Result<Vec<StreamEvent>, AiError> {
    let v: Value = serde_json::from_str(body).map_err(|e| AiError::MalformedResponse {
        provider: provider.to_string(),
        message: format!("invalid JSON response ({e})"),
    })?;
    if str_at(&v, "type") == Some("error") {
        return Err(provider_error(provider, &v));
    }
    let Some(content) = v.get("content").and_then(Value::as_array) else {
        return Err(AiError::MalformedResponse {
            provider: provider.to_string(),
            message: "the response has no content".into(),
        });
    };
    let mut out = Vec::new();
    for (index, block) in content.iter().enumerate() {
        match str_at(block, "type").unwrap_or_default() {
            "text" => push_nonempty(&mut out, str_at(block, "text"), false),
            "thinking" => {
                push_nonempty(&mut out, str_at(block, "thinking"), true);
                if let Some(s) = str_at(block, "signature").filter(|s| !s.is_empty()) {
                    out.push(StreamEvent::ThinkingSignature {
                        signature: s.into(),
                    });
                }
            }
            "tool_use" => {
                out.push(StreamEvent::ToolCallStart {
                    index,
                    id: str_at(block, "id").unwrap_or_default().into(),
                    name: str_at(block, "name").unwrap_or_default().into(),
                });
                let input = block.get("input").cloned().unwrap_or(Value::Null);
                out.push(StreamEvent::ToolCallArgsDelta {
                    index,
                    delta: input.to_string(),
                });
                out.push(StreamEvent::ToolCallEnd { index });
            }
            _ => {}
        }
    }
    if let Some(u) = v.get("usage") {
        let mut usage = Usage::default();
        merge_usage(&mut usage, u);
        out.push(StreamEvent::Usage { usage });
    }
    let stop = match str_at(&v, "stop_reason") {
        Some(r) => stop_reason(provider, r)?,
        None => StopReason::Stop,
    };
    out.push(StreamEvent::Done {
        stop_reason: stop,
        response_id: str_at(&v, "id").map(str::to_string),
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ai::builder::MessageBuilder;
    use crate::ai::types::ContentBlock;
    use serde_json::json;

    fn sse(events: &[Value]) -> String {
        events
            .iter()
            .map(|e| {
                format!(
                    "event: {}\r\ndata: {}\r\n\r\n",
                    e["type"].as_str().unwrap(),
                    e
                )
            })
            .collect()
    }

    fn stream() -> String {
        sse(&[
            json!({"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant", "content": [],
                "usage": {"input_tokens": 50, "output_tokens": 1, "cache_read_input_tokens": 10, "cache_creation_input_tokens": 5}}}),
            json!({"type": "ping"}),
            json!({"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}}),
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "Let me "}}),
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "look."}}),
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "EqQB"}}),
            json!({"type": "content_block_stop", "index": 0}),
            json!({"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}}),
            json!({"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "Reading é"}}),
            json!({"type": "content_block_stop", "index": 1}),
            json!({"type": "content_block_start", "index": 2, "content_block": {"type": "tool_use", "id": "toolu_1", "name": "read", "input": {}}}),
            json!({"type": "content_block_delta", "index": 2, "delta": {"type": "input_json_delta", "partial_json": ""}}),
            json!({"type": "content_block_delta", "index": 2, "delta": {"type": "input_json_delta", "partial_json": "{\"path\": \"src/"}}),
            json!({"type": "content_block_delta", "index": 2, "delta": {"type": "input_json_delta", "partial_json": "main.rs\"}"}}),
            json!({"type": "content_block_stop", "index": 2}),
            json!({"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": null}, "usage": {"output_tokens": 42}}),
            json!({"type": "message_stop"}),
        ])
    }

    fn run(bytes: &[u8], chunk: usize) -> Result<Vec<StreamEvent>, AiError> {
        crate::ai::adapter::decode_chunked("anthropic/claude-sonnet-4-5", bytes, chunk)
    }

    #[test]
    fn stream_in_small_chunks_builds_the_message() {
        let s = stream();
        for chunk in [1, 2, 5, 13, 100_000] {
            let events = run(s.as_bytes(), chunk).unwrap();
            let mut b = MessageBuilder::new(&"anthropic/claude-sonnet-4-5".parse().unwrap());
            events.iter().for_each(|e| b.push(e));
            let m = b.finish();
            assert_eq!(
                m.content,
                vec![
                    ContentBlock::Thinking {
                        thinking: "Let me look.".into(),
                        signature: Some("EqQB".into())
                    },
                    ContentBlock::text("Reading é"),
                    ContentBlock::ToolCall {
                        id: "toolu_1".into(),
                        name: "read".into(),
                        arguments: json!({"path": "src/main.rs"})
                    },
                ]
            );
            assert_eq!(m.stop_reason, StopReason::ToolUse);
            assert_eq!(m.response_id.as_deref(), Some("msg_1"));
            assert_eq!(
                (
                    m.usage.input,
                    m.usage.output,
                    m.usage.cache_read,
                    m.usage.cache_write
                ),
                (50, 42, 10, 5)
            );
            assert_eq!(m.usage.total_tokens, 107);
        }
    }

    #[test]
    fn error_event_truncation_and_bad_json() {
        let overloaded = sse(&[
            json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
        ]);
        let e = run(overloaded.as_bytes(), 7).unwrap_err();
        assert!(e.is_retryable());
        assert_eq!(e.to_string(), "anthropic reported an error: Overloaded");
        let s = stream();
        let cut = &s[..s.find("message_delta").unwrap()];
        assert!(matches!(
            run(cut.as_bytes(), 9),
            Err(AiError::Connection { .. })
        ));
        let bad = run(b"event: message_start\ndata: {oops\n\n", 3).unwrap_err();
        assert!(matches!(bad, AiError::MalformedResponse { .. }));
    }

    #[test]
    fn whole_message() {
        let body = json!({"id": "msg_2", "type": "message", "content": [
            {"type": "thinking", "thinking": "t", "signature": "s"},
            {"type": "text", "text": "Hi"},
            {"type": "tool_use", "id": "toolu_9", "name": "ls", "input": {"path": "."}}],
            "stop_reason": "tool_use", "usage": {"input_tokens": 3, "output_tokens": 4}});
        let events = decode_response("anthropic", &body.to_string()).unwrap();
        let mut b = MessageBuilder::new(&"anthropic/claude-x".parse().unwrap());
        events.iter().for_each(|e| b.push(e));
        let m = b.finish();
        assert_eq!(m.content.len(), 3);
        assert_eq!(m.tool_calls()[0].2, json!({"path": "."}));
        assert_eq!(m.usage.total_tokens, 7);
        let err = decode_response(
            "anthropic",
            r#"{"type":"error","error":{"type":"invalid_request_error","message":"bad"}}"#,
        )
        .unwrap_err();
        assert!(!err.is_retryable());
    }
}
