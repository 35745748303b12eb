//! Chat Completions responses: `chat.completion.chunk` stream events and whole `chat.completion`s.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::ai::convert::{cut_short, json_error_message, openai_usage, str_at};
use crate::ai::error::AiError;
use crate::ai::event::StreamEvent;
use crate::ai::types::{StopReason, Usage};

/// Turns the `data:` payloads of a Chat Completions stream into events.
#[derive(Debug)]
pub struct Decoder {
    provider: String,
    /// Stream index -> call id of the tool calls started and not yet ended.
    open_calls: BTreeMap<usize, String>,
    seen_calls: usize,
    finish: Option<StopReason>,
    response_id: Option<String>,
    done: bool,
    /// Whether any text, thinking or tool call arrived: `[DONE]` alone is no answer.
    content_seen: bool,
}

fn usage_from(u: &Value) -> Usage {
    openai_usage(
        u,
        "prompt_tokens",
        "prompt_tokens_details",
        "completion_tokens",
    )
}

fn stop_reason(provider: &str, reason: &str) -> Result<StopReason, AiError> {
    Ok(match reason {
        "length" => StopReason::Length,
        "tool_calls" | "function_call" => StopReason::ToolUse,
        "content_filter" => {
            return Err(AiError::Blocked {
                provider: provider.to_string(),
                reason: "content_filter".into(),
            });
        }
        _ => StopReason::Stop,
    })
}

impl Decoder {
    pub fn new(provider: &str) -> Self {
        Decoder {
            provider: provider.to_string(),
            open_calls: BTreeMap::new(),
            seen_calls: 0,
            finish: None,
            response_id: None,
            done: false,
            content_seen: false,
        }
    }

    pub fn is_done(&self) -> bool {
        self.done
    }

    fn malformed(&self, message: String) -> AiError {
        AiError::MalformedResponse {
            provider: self.provider.clone(),
            message,
        }
    }

    pub fn on_data(&mut self, data: &str, out: &mut Vec<StreamEvent>) -> Result<(), AiError> {
        if self.done {
            return Ok(());
        }
        if data.trim() == "[DONE]" {
            if !self.content_seen && self.finish.is_none() {
                return Err(self.malformed(
                    "empty response from the provider: the stream ended with [DONE] before any content or finish reason".into(),
                ));
            }
            self.finish_stream(out);
            return Ok(());
        }
        let v: Value = serde_json::from_str(data)
            .map_err(|e| self.malformed(format!("invalid JSON in a stream event ({e})")))?;
        if v.get("error").is_some_and(|e| !e.is_null()) {
            let message = json_error_message(&v).unwrap_or_else(|| v.to_string());
            return Err(AiError::Provider {
                provider: self.provider.clone(),
                message,
                retryable: false,
            });
        }
        if self.response_id.is_none() {
            self.response_id = str_at(&v, "id").map(str::to_string);
        }
        let choice = v.get("choices").and_then(|c| c.get(0));
        if let Some(delta) = choice.and_then(|c| c.get("delta")) {
            let before = out.len();
            self.on_delta(delta, out);
            self.content_seen |= out.len() > before;
        }
        if let Some(reason) = choice.and_then(|c| str_at(c, "finish_reason")) {
            self.close_calls(out);
            self.finish = Some(stop_reason(&self.provider, reason)?);
        }
        let usage = v
            .get("usage")
            .filter(|u| u.is_object())
            .or_else(|| v.get("x_groq").and_then(|x| x.get("usage")));
        if let Some(u) = usage.filter(|u| u.is_object()) {
            out.push(StreamEvent::Usage {
                usage: usage_from(u),
            });
        }
        Ok(())
    }

    fn on_delta(&mut self, delta: &Value, out: &mut Vec<StreamEvent>) {
        for key in ["reasoning_content", "reasoning"] {
            if let Some(t) = str_at(delta, key).filter(|t| !t.is_empty()) {
                out.push(StreamEvent::ThinkingDelta {
                    delta: t.to_string(),
                });
                break;
            }
        }
        if let Some(t) = str_at(delta, "content").filter(|t| !t.is_empty()) {
            out.push(StreamEvent::TextDelta {
                delta: t.to_string(),
            });
        }
        let Some(calls) = delta.get("tool_calls").and_then(Value::as_array) else {
            return;
        };
        for call in calls {
            let id = str_at(call, "id").filter(|s| !s.is_empty());
            let index = match call.get("index").and_then(Value::as_u64) {
                Some(i) => i as usize,
                // No index (some compatible servers): a new id is a new call.
                None => match (id, self.open_calls.iter().next_back()) {
                    (Some(id), Some((i, open))) if open == id => *i,
                    (None, Some((i, _))) => *i,
                    _ => self.seen_calls,
                },
            };
            let function = call.get("function");
            if let std::collections::btree_map::Entry::Vacant(slot) = self.open_calls.entry(index) {
                let id = id
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("call_{}", uuid::Uuid::now_v7().simple()));
                let name = function
                    .and_then(|f| str_at(f, "name"))
                    .unwrap_or_default()
                    .to_string();
                slot.insert(id.clone());
                self.seen_calls = self.seen_calls.max(index + 1);
                out.push(StreamEvent::ToolCallStart { index, id, name });
            }
            if let Some(args) = function
                .and_then(|f| str_at(f, "arguments"))
                .filter(|a| !a.is_empty())
            {
                out.push(StreamEvent::ToolCallArgsDelta {
                    index,
                    delta: args.to_string(),
                });
            }
        }
    }

    fn close_calls(&mut self, out: &mut Vec<StreamEvent>) {
        for (index, _) in std::mem::take(&mut self.open_calls) {
            out.push(StreamEvent::ToolCallEnd { index });
        }
    }

    fn finish_stream(&mut self, out: &mut Vec<StreamEvent>) {
        self.close_calls(out);
        out.push(StreamEvent::Done {
            stop_reason: self.finish.unwrap_or_default(),
            response_id: self.response_id.clone(),
        });
        self.done = true;
    }

    /// The byte stream ended. Without `[DONE]` the response counts as complete only if a
    /// finish reason was seen (some compatible servers omit `[DONE]`).
    pub fn on_eof(&mut self, out: &mut Vec<StreamEvent>) -> Result<(), AiError> {
        if self.done {
            return Ok(());
        }
        if self.finish.is_some() {
            self.finish_stream(out);
            return Ok(());
        }
        Err(cut_short(&self.provider))
    }
}

/// The events of a whole (non-streamed) `chat.completion`.
pub fn decode_response(provider: &str, body: &str) -> Result<Vec<StreamEvent>, AiError> {
    let malformed = |message: String| AiError::MalformedResponse {
        provider: provider.to_string(),
        message,
    };
    let v: Value = serde_json::from_str(body)
        .map_err(|e| malformed(format!("invalid JSON response ({e})")))?;
    if v.get("error").is_some_and(|e| !e.is_null()) {
        return Err(AiError::Provider {
            provider: provider.to_string(),
            message: json_error_message(&v).unwrap_or_else(|| v.to_string()),
            retryable: false,
        });
    }
    let choice = v
        .get("choices")
        .and_then(|c| c.get(0))
        .ok_or_else(|| malformed("the response has no choices".into()))?;
    let message = choice.get("message").cloned().unwrap_or(Value::Null);
    let mut out = Vec::new();
    for key in ["reasoning_content", "reasoning"] {
        if let Some(t) = str_at(&message, key).filter(|t| !t.is_empty()) {
            out.push(StreamEvent::ThinkingDelta { delta: t.into() });
            break;
        }
    }
    if let Some(t) = str_at(&message, "content").filter(|t| !t.is_empty()) {
        out.push(StreamEvent::TextDelta { delta: t.into() });
    }
    let calls = message.get("tool_calls").and_then(Value::as_array);
    for (index, call) in calls.into_iter().flatten().enumerate() {
        let function = call.get("function").cloned().unwrap_or(Value::Null);
        let id = str_at(call, "id")
            .map(str::to_string)
            .unwrap_or_else(|| format!("call_{}", uuid::Uuid::now_v7().simple()));
        out.push(StreamEvent::ToolCallStart {
            index,
            id,
            name: str_at(&function, "name").unwrap_or_default().into(),
        });
        let args = match function.get("arguments") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        };
        out.push(StreamEvent::ToolCallArgsDelta { index, delta: args });
        out.push(StreamEvent::ToolCallEnd { index });
    }
    if let Some(u) = v.get("usage").filter(|u| u.is_object()) {
        out.push(StreamEvent::Usage {
            usage: usage_from(u),
        });
    }
    let stop = match str_at(choice, "finish_reason") {
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

    const STREAM: &str = concat!(
        "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n",
        "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi \"}}]}\n\n",
        "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"read\",\"arguments\":\"\"}}]}}]}\n\n",
        "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"path\\\":\"}}]}}]}\n\n",
        "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"call_b\",\"function\":{\"name\":\"ls\",\"arguments\":\"{}\"}}]}}]}\n\n",
        "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"a.rs\\\"}\"}}]}}]}\n\n",
        "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n",
        "data: {\"id\":\"chatcmpl-1\",\"choices\":[],\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":20,\"total_tokens\":120,\"prompt_tokens_details\":{\"cached_tokens\":40}}}\n\n",
        "data: [DONE]\n\n",
    );

    fn run(bytes: &[u8], chunk: usize) -> Result<Vec<StreamEvent>, AiError> {
        crate::ai::adapter::decode_chunked("openai/gpt-4o", bytes, chunk)
    }

    #[test]
    fn stream_in_small_chunks_builds_the_message() {
        for chunk in [1, 3, 7, 64, 4096] {
            let events = run(STREAM.as_bytes(), chunk).unwrap();
            let mut b = MessageBuilder::new(&"openai/gpt-4o".parse().unwrap());
            events.iter().for_each(|e| b.push(e));
            let m = b.finish();
            assert_eq!(m.text(), "Hi ");
            assert_eq!(m.stop_reason, StopReason::ToolUse);
            assert_eq!(m.response_id.as_deref(), Some("chatcmpl-1"));
            assert_eq!(
                m.tool_calls(),
                vec![
                    ("call_a".into(), "read".into(), json!({"path": "a.rs"})),
                    ("call_b".into(), "ls".into(), json!({})),
                ]
            );
            assert_eq!(m.usage.input, 60);
            assert_eq!(m.usage.cache_read, 40);
            assert_eq!(m.usage.output, 20);
            assert_eq!(m.usage.total_tokens, 120);
        }
    }

    #[test]
    fn truncated_stream_and_errors() {
        let cut = &STREAM[..STREAM.find("\"finish_reason\"").unwrap()];
        assert!(matches!(
            run(cut.as_bytes(), 5),
            Err(AiError::Connection { .. })
        ));
        let no_done = &STREAM[..STREAM.find("data: [DONE]").unwrap()];
        assert!(
            run(no_done.as_bytes(), 5).is_ok(),
            "finish reason without [DONE] is complete"
        );
        let bad = run(
            b"data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}\n\n",
            4,
        )
        .unwrap_err();
        assert!(matches!(bad, AiError::MalformedResponse { .. }), "{bad}");
        let err = run(b"data: {\"error\":{\"message\":\"quota exceeded\"}}\n\n", 4).unwrap_err();
        assert_eq!(err.to_string(), "openai reported an error: quota exceeded");
    }

    #[test]
    fn a_stream_of_only_done_is_an_empty_response() {
        let err = run(b"data: [DONE]\n\n", 3).unwrap_err();
        assert!(
            err.to_string().contains("empty response from the provider"),
            "{err}"
        );
        let usage_only =
            "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1}}\n\ndata: [DONE]\n\n";
        assert!(run(usage_only.as_bytes(), 7).is_err());
        let finished =
            "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
        assert!(
            run(finished.as_bytes(), 7).is_ok(),
            "a finish reason is an answer"
        );
    }

    #[test]
    fn reasoning_fields_are_thinking() {
        let s = "data: {\"choices\":[{\"delta\":{\"reasoning_content\":\"hmm\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"ok\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
        let events = run(s.as_bytes(), 10).unwrap();
        assert_eq!(
            events[0],
            StreamEvent::ThinkingDelta {
                delta: "hmm".into()
            }
        );
    }

    #[test]
    fn whole_response() {
        let body = json!({"id": "c1", "choices": [{"message": {"role": "assistant", "content": "Hello",
            "tool_calls": [{"id": "call_x", "type": "function", "function": {"name": "read", "arguments": "{\"path\":\"b\"}"}}]},
            "finish_reason": "tool_calls"}], "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}});
        let events = decode_response("openai", &body.to_string()).unwrap();
        let mut b = MessageBuilder::new(&"openai/gpt-4o".parse().unwrap());
        events.iter().for_each(|e| b.push(e));
        let m = b.finish();
        assert_eq!(m.content[0], ContentBlock::text("Hello"));
        assert_eq!(m.tool_calls()[0].2, json!({"path": "b"}));
        assert_eq!(m.usage.total_tokens, 7);
        assert_eq!(m.response_id.as_deref(), Some("c1"));
        assert!(decode_response("openai", "{}").is_err());
        let err = decode_response("openai", r#"{"error":{"message":"model not loaded"}}"#);
        assert_eq!(
            err.unwrap_err().to_string(),
            "openai reported an error: model not loaded"
        );
        assert!(decode_response("openai", "nope").is_err());
    }
}
