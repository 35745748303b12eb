//! Anthropic Messages request bodies.

use serde_json::{Map, Value, json};

use crate::ai::catalog::ModelInfo;
use crate::ai::convert::{same_origin, summary_text};
use crate::ai::event::CompletionRequest;
use crate::ai::model_ref::ModelRef;
use crate::ai::types::{ContentBlock, Message, ThinkingLevel};

/// Output limit when neither the request nor the catalog gives one.
const DEFAULT_MAX_TOKENS: u32 = 8192;
/// Cap on the catalog's limit: very long non-streamed answers are refused by the API.
const MAX_DEFAULT_TOKENS: u32 = 32_000;
const MIN_THINKING_BUDGET: u32 = 1024;

fn thinking_budget(level: ThinkingLevel) -> Option<u32> {
    match level {
        ThinkingLevel::Off => None,
        ThinkingLevel::Minimal => Some(1024),
        ThinkingLevel::Low => Some(4096),
        ThinkingLevel::Medium => Some(10_240),
        ThinkingLevel::High => Some(20_480),
        ThinkingLevel::Xhigh => Some(31_999),
    }
}

/// Anthropic tool-use ids allow letters, digits, `_` and `-` only.
fn tool_id(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn image(data: &str, mime_type: &str) -> Value {
    json!({"type": "image", "source": {"type": "base64", "media_type": mime_type, "data": data}})
}

fn user_blocks(blocks: &[ContentBlock]) -> Vec<Value> {
    blocks
        .iter()
        .filter_map(|b| match b {
            ContentBlock::Text { text } if !text.is_empty() => {
                Some(json!({"type": "text", "text": text}))
            }
            ContentBlock::Image { data, mime_type } => Some(image(data, mime_type)),
            _ => None,
        })
        .collect()
}

/// The JSON body of a Messages request.
pub fn body(model: &ModelRef, req: &CompletionRequest, info: Option<&ModelInfo>) -> Value {
    let max_tokens = req.max_output_tokens.unwrap_or_else(|| {
        info.map(|i| i.max_output_tokens.min(MAX_DEFAULT_TOKENS as u64) as u32)
            .unwrap_or(DEFAULT_MAX_TOKENS)
    });
    let mut body = Map::new();
    body.insert("model".into(), json!(model.id));
    body.insert("max_tokens".into(), json!(max_tokens));
    body.insert("stream".into(), json!(req.stream));
    if !req.system_prompt.is_empty() {
        body.insert(
            "system".into(),
            json!([{"type": "text", "text": req.system_prompt, "cache_control": {"type": "ephemeral"}}]),
        );
    }
    body.insert("messages".into(), Value::Array(messages(model, req)));
    if !req.tools.is_empty() {
        let tools: Vec<Value> = req
            .tools
            .iter()
            .map(|t| json!({"name": t.name, "description": t.description, "input_schema": t.parameters}))
            .collect();
        body.insert("tools".into(), Value::Array(tools));
    }
    let reasoning = info.is_none_or(|i| i.reasoning);
    if let Some(budget) = thinking_budget(req.thinking).filter(|_| reasoning) {
        let budget = budget.min(max_tokens.saturating_sub(1024));
        if budget >= MIN_THINKING_BUDGET {
            body.insert(
                "thinking".into(),
                json!({"type": "enabled", "budget_tokens": budget}),
            );
        }
    }
    Value::Object(body)
}

fn messages(model: &ModelRef, req: &CompletionRequest) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    // Results of one assistant message's tool calls go together in one user message.
    let mut results: Vec<Value> = Vec::new();
    for m in &req.messages {
        if !matches!(m, Message::ToolResult(_)) && !results.is_empty() {
            out.push(json!({"role": "user", "content": std::mem::take(&mut results)}));
        }
        match m {
            Message::User(u) => {
                let blocks = user_blocks(&u.content.blocks());
                if !blocks.is_empty() {
                    out.push(json!({"role": "user", "content": blocks}));
                }
            }
            Message::CompactionSummary(s) | Message::BranchSummary(s) => out.push(
                json!({"role": "user", "content": [{"type": "text", "text": summary_text(&s.summary)}]}),
            ),
            Message::Assistant(a) => {
                let keep_signatures = same_origin(a, model);
                let blocks: Vec<Value> = a
                    .content
                    .iter()
                    .filter_map(|b| match b {
                        ContentBlock::Text { text } if !text.is_empty() => {
                            Some(json!({"type": "text", "text": text}))
                        }
                        ContentBlock::Thinking {
                            thinking,
                            signature: Some(sig),
                        } if keep_signatures && !sig.is_empty() => Some(
                            json!({"type": "thinking", "thinking": thinking, "signature": sig}),
                        ),
                        ContentBlock::ToolCall {
                            id,
                            name,
                            arguments,
                        } => {
                            let input = if arguments.is_object() {
                                arguments.clone()
                            } else {
                                json!({})
                            };
                            Some(json!({"type": "tool_use", "id": tool_id(id), "name": name, "input": input}))
                        }
                        _ => None,
                    })
                    .collect();
                if !blocks.is_empty() {
                    out.push(json!({"role": "assistant", "content": blocks}));
                }
            }
            Message::ToolResult(r) => {
                let mut content = user_blocks(&r.content);
                if content.is_empty() {
                    content.push(json!({"type": "text", "text": "(no output)"}));
                }
                results.push(json!({
                    "type": "tool_result", "tool_use_id": tool_id(&r.tool_call_id),
                    "content": content, "is_error": r.is_error,
                }));
            }
        }
    }
    if !results.is_empty() {
        out.push(json!({"role": "user", "content": results}));
    }
    // Cache the conversation up to the newest user turn.
    if let Some(last) = out
        .iter_mut()
        .rev()
        .find(|m| m["role"] == "user")
        .and_then(|m| m["content"].as_array_mut())
        .and_then(|c| c.last_mut())
        .and_then(Value::as_object_mut)
    {
        last.insert("cache_control".into(), json!({"type": "ephemeral"}));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ai::types::{
        AssistantMessage, ToolResultMessage, ToolSpec, UserContent, UserMessage,
    };
    use pretty_assertions::assert_eq;

    fn request(thinking: ThinkingLevel) -> CompletionRequest {
        CompletionRequest {
            system_prompt: "sys".into(),
            messages: vec![
                Message::User(UserMessage {
                    content: UserContent::Blocks(vec![
                        ContentBlock::text("see"),
                        ContentBlock::Image {
                            data: "AAAA".into(),
                            mime_type: "image/png".into(),
                        },
                    ]),
                    timestamp: 0,
                }),
                Message::Assistant(AssistantMessage {
                    content: vec![
                        ContentBlock::Thinking {
                            thinking: "hm".into(),
                            signature: Some("sig".into()),
                        },
                        ContentBlock::ToolCall {
                            id: "call|1".into(),
                            name: "read".into(),
                            arguments: json!({"path": "a"}),
                        },
                        ContentBlock::ToolCall {
                            id: "c2".into(),
                            name: "ls".into(),
                            arguments: json!({}),
                        },
                    ],
                    api: "anthropic-messages".into(),
                    provider: "anthropic".into(),
                    ..Default::default()
                }),
                Message::ToolResult(ToolResultMessage {
                    tool_call_id: "call|1".into(),
                    tool_name: "read".into(),
                    content: vec![ContentBlock::text("body")],
                    is_error: false,
                    timestamp: 0,
                    details: None,
                    duration_ms: None,
                }),
                Message::ToolResult(ToolResultMessage {
                    tool_call_id: "c2".into(),
                    tool_name: "ls".into(),
                    content: vec![],
                    is_error: true,
                    timestamp: 0,
                    details: None,
                    duration_ms: None,
                }),
            ],
            tools: vec![ToolSpec {
                name: "read".into(),
                description: "d".into(),
                parameters: json!({"type": "object"}),
            }],
            max_output_tokens: None,
            thinking,
            stream: true,
        }
    }

    #[test]
    fn maps_messages_tools_thinking_and_cache() {
        let model: ModelRef = "anthropic/claude-sonnet-4-5".parse().unwrap();
        let info = crate::ai::catalog::Catalog::embedded().find(&model);
        let b = body(&model, &request(ThinkingLevel::Medium), info);
        assert_eq!(
            b,
            json!({
                "model": "claude-sonnet-4-5",
                "max_tokens": 32000,
                "stream": true,
                "system": [{"type": "text", "text": "sys", "cache_control": {"type": "ephemeral"}}],
                "tools": [{"name": "read", "description": "d", "input_schema": {"type": "object"}}],
                "thinking": {"type": "enabled", "budget_tokens": 10240},
                "messages": [
                    {"role": "user", "content": [
                        {"type": "text", "text": "see"},
                        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"}}]},
                    {"role": "assistant", "content": [
                        {"type": "thinking", "thinking": "hm", "signature": "sig"},
                        {"type": "tool_use", "id": "call_1", "name": "read", "input": {"path": "a"}},
                        {"type": "tool_use", "id": "c2", "name": "ls", "input": {}}]},
                    {"role": "user", "content": [
                        {"type": "tool_result", "tool_use_id": "call_1", "content": [{"type": "text", "text": "body"}], "is_error": false},
                        {"type": "tool_result", "tool_use_id": "c2", "content": [{"type": "text", "text": "(no output)"}], "is_error": true,
                         "cache_control": {"type": "ephemeral"}}]},
                ]
            })
        );
    }

    #[test]
    fn foreign_thinking_dropped_and_budget_fits_max_tokens() {
        let model: ModelRef = "anthropic/claude-x".parse().unwrap();
        let mut r = request(ThinkingLevel::Xhigh);
        if let Message::Assistant(a) = &mut r.messages[1] {
            a.api = "openai-completions".into();
        }
        r.max_output_tokens = Some(4000);
        let b = body(&model, &r, None);
        assert_eq!(b["messages"][1]["content"][0]["type"], "tool_use");
        assert_eq!(b["max_tokens"], 4000);
        assert_eq!(b["thinking"]["budget_tokens"], 2976);
        r.max_output_tokens = Some(1500);
        assert!(body(&model, &r, None).get("thinking").is_none());
    }
}
