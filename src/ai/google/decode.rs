//! Gemini responses: each stream event (and a whole response) is a `GenerateContentResponse`.

use serde_json::Value;

use super::request::SYNTHETIC_ID_PREFIX;
use crate::ai::convert::{cut_short, json_error_message, str_at, u64_at, with_total};
use crate::ai::error::AiError;
use crate::ai::event::StreamEvent;
use crate::ai::types::{StopReason, Usage};

#[derive(Debug)]
pub struct Decoder {
    provider: String,
    calls: usize,
    finish: Option<StopReason>,
    response_id: Option<String>,
    done: bool,
}

fn usage_from(u: &Value) -> Usage {
    let prompt = u64_at(u, "promptTokenCount");
    let cached = u64_at(u, "cachedContentTokenCount").min(prompt);
    with_total(Usage {
        input: prompt - cached,
        output: u64_at(u, "candidatesTokenCount") + u64_at(u, "thoughtsTokenCount"),
        cache_read: cached,
        cache_write: 0,
        total_tokens: u64_at(u, "totalTokenCount"),
        ..Default::default()
    })
}

impl Decoder {
    pub fn new(provider: &str) -> Self {
        Decoder {
            provider: provider.to_string(),
            calls: 0,
            finish: None,
            response_id: None,
            done: false,
        }
    }

    /// Gemini streams have no end marker: the response is complete at the end of the stream.
    pub fn is_done(&self) -> bool {
        self.done
    }

    fn blocked(&self, reason: &str) -> AiError {
        AiError::Blocked {
            provider: self.provider.clone(),
            reason: reason.to_string(),
        }
    }

    pub fn on_data(&mut self, data: &str, out: &mut Vec<StreamEvent>) -> Result<(), AiError> {
        let v: Value = serde_json::from_str(data).map_err(|e| AiError::MalformedResponse {
            provider: self.provider.clone(),
            message: format!("invalid JSON in a stream event ({e})"),
        })?;
        // A JSON array is what the endpoint sends without `alt=sse`.
        let items = match v {
            Value::Array(items) => items,
            other => vec![other],
        };
        for item in &items {
            self.on_response(item, out)?;
        }
        Ok(())
    }

    fn on_response(&mut self, v: &Value, out: &mut Vec<StreamEvent>) -> Result<(), AiError> {
        if v.get("error").is_some() {
            let retryable = v["error"]["code"]
                .as_u64()
                .is_some_and(|c| crate::ai::error::is_retryable_status(c as u16));
            return Err(AiError::Provider {
                provider: self.provider.clone(),
                message: json_error_message(v).unwrap_or_else(|| v.to_string()),
                retryable,
            });
        }
        if self.response_id.is_none() {
            self.response_id = str_at(v, "responseId").map(str::to_string);
        }
        if let Some(reason) = v
            .get("promptFeedback")
            .and_then(|f| str_at(f, "blockReason"))
        {
            return Err(self.blocked(reason));
        }
        let candidate = v.get("candidates").and_then(|c| c.get(0));
        let parts = candidate
            .and_then(|c| c.get("content"))
            .and_then(|c| c.get("parts"))
            .and_then(Value::as_array);
        for part in parts.into_iter().flatten() {
            self.on_part(part, out);
        }
        if let Some(u) = v.get("usageMetadata").filter(|u| u.is_object()) {
            out.push(StreamEvent::Usage {
                usage: usage_from(u),
            });
        }
        if let Some(reason) = candidate.and_then(|c| str_at(c, "finishReason")) {
            self.finish = Some(match reason {
                "MAX_TOKENS" => StopReason::Length,
                "STOP" | "FINISH_REASON_UNSPECIFIED" | "OTHER" | "LANGUAGE" => {
                    if self.calls > 0 {
                        StopReason::ToolUse
                    } else {
                        StopReason::Stop
                    }
                }
                "MALFORMED_FUNCTION_CALL" | "UNEXPECTED_TOOL_CALL" => {
                    return Err(AiError::Provider {
                        provider: self.provider.clone(),
                        message: format!("the model produced an invalid function call ({reason})"),
                        retryable: true,
                    });
                }
                blocked => return Err(self.blocked(blocked)),
            });
        }
        Ok(())
    }

    fn on_part(&mut self, part: &Value, out: &mut Vec<StreamEvent>) {
        let thought = part.get("thought").and_then(Value::as_bool) == Some(true);
        let signature = str_at(part, "thoughtSignature").filter(|s| !s.is_empty());
        // A signature on an answer part belongs before it (see request::model_parts).
        if let Some(sig) = signature.filter(|_| !thought) {
            out.push(StreamEvent::ThinkingSignature {
                signature: sig.into(),
            });
        }
        if let Some(text) = str_at(part, "text").filter(|t| !t.is_empty()) {
            let delta = text.to_string();
            out.push(if thought {
                StreamEvent::ThinkingDelta { delta }
            } else {
                StreamEvent::TextDelta { delta }
            });
        }
        if let Some(call) = part.get("functionCall") {
            let index = self.calls;
            self.calls += 1;
            let id = str_at(call, "id")
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .unwrap_or_else(|| {
                    format!("{SYNTHETIC_ID_PREFIX}{}", uuid::Uuid::now_v7().simple())
                });
            out.push(StreamEvent::ToolCallStart {
                index,
                id,
                name: str_at(call, "name").unwrap_or_default().into(),
            });
            let args = call.get("args").cloned().unwrap_or(Value::Null);
            if !args.is_null() {
                out.push(StreamEvent::ToolCallArgsDelta {
                    index,
                    delta: args.to_string(),
                });
            }
            out.push(StreamEvent::ToolCallEnd { index });
        }
        if let Some(sig) = signature.filter(|_| thought) {
            out.push(StreamEvent::ThinkingSignature {
                signature: sig.into(),
            });
        }
    }

    pub fn on_eof(&mut self, out: &mut Vec<StreamEvent>) -> Result<(), AiError> {
        if self.done {
            return Ok(());
        }
        let Some(stop) = self.finish else {
            return Err(cut_short(&self.provider));
        };
        out.push(StreamEvent::Done {
            stop_reason: stop,
            response_id: self.response_id.clone(),
        });
        self.done = true;
        Ok(())
    }
}

/// The events of a whole `generateContent` response.
pub fn decode_response(provider: &str, body: &str) -> Result<Vec<StreamEvent>, AiError> {
    let mut d = Decoder::new(provider);
    let mut out = Vec::new();
    d.on_data(body, &mut out)?;
    d.on_eof(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ai::builder::MessageBuilder;
    use crate::ai::types::ContentBlock;
    use serde_json::json;

    fn stream() -> String {
        [
            json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "Thinking about it", "thought": true}]}}], "responseId": "r-1"}),
            json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "Let me "}]}}]}),
            json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "check."}]}}]}),
            json!({"candidates": [{"content": {"role": "model", "parts": [
                {"functionCall": {"name": "read", "args": {"path": "a.rs"}}, "thoughtSignature": "SIG"},
                {"functionCall": {"name": "ls", "args": {}}}]}, "finishReason": "STOP"}],
                "usageMetadata": {"promptTokenCount": 30, "candidatesTokenCount": 8, "thoughtsTokenCount": 4, "cachedContentTokenCount": 10, "totalTokenCount": 42}}),
        ]
        .iter()
        .map(|v| format!("data: {v}\r\n\r\n"))
        .collect()
    }

    fn run(bytes: &[u8], chunk: usize) -> Result<Vec<StreamEvent>, AiError> {
        crate::ai::adapter::decode_chunked("google/gemini-2.5-pro", bytes, chunk)
    }

    #[test]
    fn stream_in_small_chunks_builds_the_message() {
        let s = stream();
        for chunk in [1, 4, 11, 1 << 20] {
            let events = run(s.as_bytes(), chunk).unwrap();
            let mut b = MessageBuilder::new(&"google/gemini-2.5-pro".parse().unwrap());
            events.iter().for_each(|e| b.push(e));
            let m = b.finish();
            assert_eq!(m.stop_reason, StopReason::ToolUse);
            assert_eq!(m.response_id.as_deref(), Some("r-1"));
            assert_eq!(m.content.len(), 5, "{:?}", m.content);
            assert_eq!(m.content[1], ContentBlock::text("Let me check."));
            assert_eq!(
                m.content[2],
                ContentBlock::Thinking {
                    thinking: String::new(),
                    signature: Some("SIG".into())
                }
            );
            let calls = m.tool_calls();
            assert_eq!(calls[0].1, "read");
            assert_eq!(calls[0].2, json!({"path": "a.rs"}));
            assert!(calls[0].0.starts_with(SYNTHETIC_ID_PREFIX));
            assert_ne!(calls[0].0, calls[1].0);
            assert_eq!(
                (
                    m.usage.input,
                    m.usage.output,
                    m.usage.cache_read,
                    m.usage.total_tokens
                ),
                (20, 12, 10, 42)
            );
        }
    }

    #[test]
    fn finish_reasons_errors_and_truncation() {
        let blocked = format!(
            "data: {}\n\n",
            json!({"candidates": [{"finishReason": "SAFETY"}]})
        );
        assert!(matches!(
            run(blocked.as_bytes(), 5),
            Err(AiError::Blocked { .. })
        ));
        let long = format!(
            "data: {}\n\n",
            json!({"candidates": [{"content": {"parts": [{"text": "x"}]}, "finishReason": "MAX_TOKENS"}]})
        );
        let events = run(long.as_bytes(), 5).unwrap();
        assert!(matches!(
            events.last(),
            Some(StreamEvent::Done {
                stop_reason: StopReason::Length,
                ..
            })
        ));
        let cut = format!(
            "data: {}\n\n",
            json!({"candidates": [{"content": {"parts": [{"text": "x"}]}}]})
        );
        assert!(matches!(
            run(cut.as_bytes(), 5),
            Err(AiError::Connection { .. })
        ));
        let err = format!(
            "data: {}\n\n",
            json!({"error": {"code": 503, "message": "overloaded", "status": "UNAVAILABLE"}})
        );
        let e = run(err.as_bytes(), 5).unwrap_err();
        assert!(e.is_retryable());
        assert!(matches!(
            run(b"data: {\"candidates\":[\n\n", 5),
            Err(AiError::MalformedResponse { .. })
        ));
    }

    #[test]
    fn whole_response_and_id_from_gemini() {
        let body = json!({"candidates": [{"content": {"parts": [{"functionCall": {"id": "fc-9", "name": "ls", "args": {"path": "."}}}]}, "finishReason": "STOP"}]});
        let events = decode_response("google", &body.to_string()).unwrap();
        assert_eq!(
            events[0],
            StreamEvent::ToolCallStart {
                index: 0,
                id: "fc-9".into(),
                name: "ls".into()
            }
        );
    }
}
