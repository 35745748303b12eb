//! Folds [`StreamEvent`]s into the final [`AssistantMessage`].

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::event::StreamEvent;
use super::model_ref::{ModelRef, WireFormat};
use super::types::{AssistantMessage, ContentBlock, ReasoningItem, StopReason, Usage, now_ms};

/// Builds an assistant message from the events of one response.
#[derive(Debug)]
pub struct MessageBuilder {
    message: AssistantMessage,
    /// Tool-call stream index -> (position in `content`, argument JSON so far).
    calls: BTreeMap<usize, (usize, String)>,
    done: bool,
    /// A reasoning item ended: the next thinking text starts a block of its own.
    thinking_closed: bool,
}

impl MessageBuilder {
    pub fn new(model: &ModelRef) -> Self {
        let mut b = MessageBuilder {
            message: AssistantMessage {
                timestamp: now_ms(),
                ..Default::default()
            },
            calls: BTreeMap::new(),
            done: false,
            thinking_closed: false,
        };
        b.set_model(model);
        b
    }

    /// A builder for `model` spoken to in `wire` (the Responses API rather than its
    /// provider's usual format, for example).
    pub fn with_wire(model: &ModelRef, wire: WireFormat) -> Self {
        let mut b = MessageBuilder::new(model);
        b.message.api = wire.api_name().to_string();
        b
    }

    fn set_model(&mut self, model: &ModelRef) {
        self.message.api = model.provider.wire_format().api_name().to_string();
        self.message.provider = model.provider.as_str().to_string();
        self.message.model = model.id.clone();
    }

    /// Whether a `Done` event was seen.
    pub fn is_done(&self) -> bool {
        self.done
    }

    pub fn push(&mut self, event: &StreamEvent) {
        let content = &mut self.message.content;
        match event {
            StreamEvent::TextDelta { delta } => match content.last_mut() {
                Some(ContentBlock::Text { text }) => text.push_str(delta),
                _ => content.push(ContentBlock::text(delta.clone())),
            },
            StreamEvent::ThinkingDelta { delta } => match content.last_mut() {
                Some(ContentBlock::Thinking { thinking, .. }) if !self.thinking_closed => {
                    thinking.push_str(delta)
                }
                _ => {
                    self.thinking_closed = false;
                    content.push(ContentBlock::Thinking {
                        thinking: delta.clone(),
                        signature: None,
                    })
                }
            },
            // A signature belongs to the thinking block just streamed; without one (Gemini
            // signs answer parts) it starts an empty thinking block before the next part.
            StreamEvent::ThinkingSignature { signature: sig } => match content.last_mut() {
                Some(ContentBlock::Thinking { signature, .. }) => {
                    signature.get_or_insert_default().push_str(sig)
                }
                _ => content.push(ContentBlock::Thinking {
                    thinking: String::new(),
                    signature: Some(sig.clone()),
                }),
            },
            StreamEvent::ToolCallStart { index, id, name } => {
                content.push(ContentBlock::ToolCall {
                    id: id.clone(),
                    name: name.clone(),
                    arguments: Value::Object(Map::new()),
                });
                self.calls
                    .insert(*index, (content.len() - 1, String::new()));
            }
            StreamEvent::ToolCallArgsDelta { index, delta } => {
                if let Some((_, args)) = self.calls.get_mut(index) {
                    args.push_str(delta);
                }
            }
            StreamEvent::ToolCallEnd { index } => self.close_call(*index),
            StreamEvent::Usage { usage } => self.message.usage = *usage,
            StreamEvent::Retry { .. } => self.message.usage = Usage::default(),
            StreamEvent::Notice { .. } => {}
            StreamEvent::Fallback { to, api, .. } => {
                self.message.usage = Usage::default();
                if let Ok(m) = to.parse::<ModelRef>() {
                    self.set_model(&m);
                }
                if !api.is_empty() {
                    self.message.api.clone_from(api);
                }
            }
            StreamEvent::Reasoning { item } => {
                self.thinking_closed = true;
                self.message.reasoning_items.push(ReasoningItem {
                    at: content.len(),
                    item: item.clone(),
                });
            }
            StreamEvent::Done {
                stop_reason,
                response_id,
            } => {
                self.message.stop_reason = *stop_reason;
                self.message.response_id.clone_from(response_id);
                self.done = true;
            }
        }
    }

    fn close_call(&mut self, index: usize) {
        if let Some((pos, args)) = self.calls.remove(&index)
            && let Some(ContentBlock::ToolCall { arguments, .. }) =
                self.message.content.get_mut(pos)
        {
            *arguments = parse_tool_arguments(&args);
        }
    }

    /// The message so far (tool arguments of open calls are not assembled yet).
    pub fn message(&self) -> &AssistantMessage {
        &self.message
    }

    /// The final message: open tool calls are closed, and a `Stop` with tool calls becomes
    /// `ToolUse`.
    pub fn finish(mut self) -> AssistantMessage {
        let open: Vec<usize> = self.calls.keys().copied().collect();
        for index in open {
            self.close_call(index);
        }
        let has_calls = self
            .message
            .content
            .iter()
            .any(|b| matches!(b, ContentBlock::ToolCall { .. }));
        if has_calls && self.message.stop_reason == StopReason::Stop {
            self.message.stop_reason = StopReason::ToolUse;
        }
        self.message
    }
}

/// The arguments of a tool call from its streamed JSON text. Empty text is `{}`; text that is
/// not a JSON object is kept as `{"_raw": text}` so the tool layer can reject it with a message
/// the model understands.
pub fn parse_tool_arguments(text: &str) -> Value {
    if text.trim().is_empty() {
        return Value::Object(Map::new());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Value::Object(map),
        Ok(Value::Null) => Value::Object(Map::new()),
        _ => {
            let mut map = Map::new();
            map.insert("_raw".into(), Value::String(text.to_string()));
            Value::Object(map)
        }
    }
}

/// A best-effort parse of incomplete JSON (for showing arguments while they stream): closes an
/// open string, drops a dangling key or separator, closes open brackets. `None` if that fails.
pub fn parse_partial_json(text: &str) -> Option<Value> {
    if let Ok(v) = serde_json::from_str(text) {
        return Some(v);
    }
    let mut stack = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' => stack.push('}'),
            '[' => stack.push(']'),
            '}' | ']' if stack.pop() != Some(c) => return None,
            _ => {}
        }
    }
    let mut fixed = text.to_string();
    if in_string {
        if escaped {
            fixed.pop();
        }
        // A trailing partial `\uXX` escape cannot be closed; drop it.
        if let Some(pos) = fixed.rfind("\\u")
            && fixed.len() - pos < 6
        {
            fixed.truncate(pos);
        }
        fixed.push('"');
    }
    for _ in 0..4 {
        let trimmed = fixed.trim_end();
        let mut candidate = trimmed.to_string();
        for close in stack.iter().rev() {
            candidate.push(*close);
        }
        if let Ok(v) = serde_json::from_str(&candidate) {
            return Some(v);
        }
        // Drop what cannot end a value: a separator, a dangling key, a partial literal.
        let p = trimmed.rfind([',', ':', '{', '['])?;
        let sep = trimmed.as_bytes()[p];
        fixed.truncate(p);
        match sep {
            b'{' | b'[' => fixed.push(sep as char),
            b':' => {
                // Drop the key too: `{"a": 1, "b":` -> `{"a": 1`.
                let t = fixed.trim_end();
                let end = t.strip_suffix('"')?.len();
                let start = t[..end].rfind('"')?;
                fixed.truncate(start);
                let t = fixed.trim_end().trim_end_matches(',').len();
                fixed.truncate(t);
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ai::model_ref::Provider;
    use proptest::prelude::*;
    use serde_json::json;

    fn model() -> ModelRef {
        ModelRef::new(Provider::Anthropic, "claude-x")
    }

    #[test]
    fn assembles_text_thinking_and_tool_calls() {
        let mut b = MessageBuilder::new(&model());
        let events = [
            StreamEvent::ThinkingDelta { delta: "hm".into() },
            StreamEvent::ThinkingSignature {
                signature: "sig".into(),
            },
            StreamEvent::TextDelta {
                delta: "Hel".into(),
            },
            StreamEvent::TextDelta { delta: "lo".into() },
            StreamEvent::ToolCallStart {
                index: 2,
                id: "a".into(),
                name: "read".into(),
            },
            StreamEvent::ToolCallArgsDelta {
                index: 2,
                delta: "{\"pa".into(),
            },
            StreamEvent::ToolCallStart {
                index: 3,
                id: "b".into(),
                name: "ls".into(),
            },
            StreamEvent::ToolCallArgsDelta {
                index: 2,
                delta: "th\":\"x\"}".into(),
            },
            StreamEvent::ToolCallEnd { index: 2 },
            StreamEvent::Usage {
                usage: Usage {
                    input: 3,
                    output: 4,
                    total_tokens: 7,
                    ..Default::default()
                },
            },
            StreamEvent::Done {
                stop_reason: StopReason::Stop,
                response_id: Some("r1".into()),
            },
        ];
        for e in &events {
            b.push(e);
        }
        let m = b.finish();
        assert_eq!(m.api, "anthropic-messages");
        assert_eq!(m.provider, "anthropic");
        assert_eq!(m.model, "claude-x");
        assert_eq!(m.stop_reason, StopReason::ToolUse);
        assert_eq!(m.response_id.as_deref(), Some("r1"));
        assert_eq!(m.usage.total_tokens, 7);
        assert_eq!(
            m.content,
            vec![
                ContentBlock::Thinking {
                    thinking: "hm".into(),
                    signature: Some("sig".into())
                },
                ContentBlock::text("Hello"),
                ContentBlock::ToolCall {
                    id: "a".into(),
                    name: "read".into(),
                    arguments: json!({"path": "x"})
                },
                ContentBlock::ToolCall {
                    id: "b".into(),
                    name: "ls".into(),
                    arguments: json!({})
                },
            ]
        );
    }

    #[test]
    fn retry_resets_usage_and_fallback_switches_model() {
        let mut b = MessageBuilder::new(&model());
        b.push(&StreamEvent::Usage {
            usage: Usage {
                input: 9,
                ..Default::default()
            },
        });
        b.push(&StreamEvent::Fallback {
            from: "anthropic/claude-x".into(),
            to: "google/gemini-2.5-flash".into(),
            reason: "x".into(),
            api: String::new(),
        });
        let m = b.finish();
        assert_eq!(m.usage.input, 0);
        assert_eq!(m.api, "google-generative-ai");
        assert_eq!(m.model, "gemini-2.5-flash");
    }

    #[test]
    fn bad_arguments_are_kept_raw() {
        assert_eq!(parse_tool_arguments(""), json!({}));
        assert_eq!(parse_tool_arguments("null"), json!({}));
        assert_eq!(parse_tool_arguments("{\"a\":1}"), json!({"a": 1}));
        assert_eq!(parse_tool_arguments("{\"a\":"), json!({"_raw": "{\"a\":"}));
        assert_eq!(parse_tool_arguments("[1]"), json!({"_raw": "[1]"}));
    }

    #[test]
    fn partial_json_previews() {
        assert_eq!(
            parse_partial_json("{\"path\":\"src/ma"),
            Some(json!({"path": "src/ma"}))
        );
        assert_eq!(parse_partial_json("{\"a\":1,\"b\":"), Some(json!({"a": 1})));
        assert_eq!(
            parse_partial_json("{\"a\":[1,2,"),
            Some(json!({"a": [1, 2]}))
        );
        assert_eq!(parse_partial_json("{\"a\":\"x\\"), Some(json!({"a": "x"})));
        assert_eq!(parse_partial_json("{"), Some(json!({})));
        assert_eq!(parse_partial_json("}"), None);
    }

    proptest! {
        #[test]
        fn any_prefix_of_valid_json_never_panics(
            path in "[a-zA-Z0-9 /._\\\\\"é-]{0,20}",
            n in 0i64..1000,
            flag: bool,
            cut in 0usize..200,
        ) {
            let full = serde_json::to_string(&json!({"path": path, "n": n, "items": [flag, null, "x"]})).unwrap();
            let mut cut = cut.min(full.len());
            while !full.is_char_boundary(cut) {
                cut -= 1;
            }
            let prefix = &full[..cut];
            let args = parse_tool_arguments(prefix);
            prop_assert!(args.is_object());
            let _ = parse_partial_json(prefix);
            prop_assert_eq!(parse_partial_json(&full), Some(serde_json::from_str::<Value>(&full).unwrap()));
        }

        #[test]
        fn split_deltas_assemble_to_the_same_arguments(cuts in proptest::collection::vec(0usize..60, 0..6)) {
            let full = r#"{"path":"a/b.rs","content":"fn main() {\n}\n","n":[1,2]}"#;
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(full.len())).collect();
            cuts.sort_unstable();
            let mut b = MessageBuilder::new(&model());
            b.push(&StreamEvent::ToolCallStart { index: 0, id: "x".into(), name: "write".into() });
            let mut start = 0;
            for c in cuts.into_iter().chain([full.len()]) {
                b.push(&StreamEvent::ToolCallArgsDelta { index: 0, delta: full[start..c].to_string() });
                start = c;
            }
            let m = b.finish();
            prop_assert_eq!(&m.tool_calls()[0].2, &serde_json::from_str::<Value>(full).unwrap());
        }
    }
}
