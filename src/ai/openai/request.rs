//! Chat Completions request bodies.

use serde_json::{Map, Value, json};

use crate::ai::catalog::ModelInfo;
use crate::ai::convert::{summary_text, tool_images_message};
use crate::ai::effort::effort;
use crate::ai::event::CompletionRequest;
use crate::ai::model_ref::{ModelRef, Provider};
use crate::ai::types::{ContentBlock, Message, ToolResultMessage};

/// The JSON body of a Chat Completions request.
pub fn body(model: &ModelRef, req: &CompletionRequest, info: Option<&ModelInfo>) -> Value {
    let mut body = Map::new();
    body.insert("model".into(), json!(model.id));
    body.insert(
        "messages".into(),
        Value::Array(messages(model, req, system_role(model, info))),
    );
    body.insert("stream".into(), json!(req.stream));
    // Mistral refuses unknown fields; it reports usage in the last chunk anyway.
    if req.stream && model.provider != Provider::Mistral {
        body.insert("stream_options".into(), json!({"include_usage": true}));
    }
    if !req.tools.is_empty() {
        let tools: Vec<Value> = req
            .tools
            .iter()
            .map(|t| {
                json!({"type": "function", "function": {
                    "name": t.name, "description": t.description, "parameters": t.parameters,
                }})
            })
            .collect();
        body.insert("tools".into(), Value::Array(tools));
    }
    if let Some(max) = req.max_output_tokens {
        let key = match model.provider {
            Provider::OpenAi | Provider::Azure => "max_completion_tokens",
            _ => "max_tokens",
        };
        body.insert(key.into(), json!(max));
    }
    if let Some(effort) = effort(model, info, req.thinking).value {
        body.insert("reasoning_effort".into(), json!(effort));
    }
    Value::Object(body)
}

/// The role of the system prompt: OpenAI's reasoning models (o1 and newer, the gpt-5 family)
/// take it as `developer`; everything else, and every OpenAI-compatible provider, as
/// `system`. (o1-mini and o1-preview take neither; they keep `system`, which the service
/// reports clearly.)
pub(crate) fn system_role(model: &ModelRef, info: Option<&ModelInfo>) -> &'static str {
    if !matches!(model.provider, Provider::OpenAi | Provider::Azure) {
        return "system";
    }
    let id = model.id.as_str();
    let family = id.starts_with("gpt-5")
        || ((id.starts_with("o1") || id.starts_with("o3") || id.starts_with("o4"))
            && !id.starts_with("o1-mini")
            && !id.starts_with("o1-preview"));
    if family && info.is_none_or(|i| i.reasoning) {
        "developer"
    } else {
        "system"
    }
}

/// A tool-call id the provider accepts: Mistral wants exactly nine letters and digits.
fn call_id(model: &ModelRef, id: &str) -> String {
    if model.provider != Provider::Mistral
        || (id.len() == 9 && id.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return id.to_string();
    }
    // FNV-1a, so the same id maps to the same short id in the call and in its result.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..9)
        .map(|i| ALPHABET[((h >> (i * 6)) % ALPHABET.len() as u64) as usize] as char)
        .collect()
}

fn image_part(data: &str, mime_type: &str) -> Value {
    json!({"type": "image_url", "image_url": {"url": format!("data:{mime_type};base64,{data}")}})
}

fn user_parts(blocks: &[ContentBlock]) -> Value {
    let only_text = blocks
        .iter()
        .all(|b| matches!(b, ContentBlock::Text { .. }));
    if only_text {
        return json!(crate::ai::types::blocks_text(blocks));
    }
    let parts: Vec<Value> = blocks
        .iter()
        .filter_map(|b| match b {
            ContentBlock::Text { text } => Some(json!({"type": "text", "text": text})),
            ContentBlock::Image { data, mime_type } => Some(image_part(data, mime_type)),
            _ => None,
        })
        .collect();
    Value::Array(parts)
}

fn tool_message(model: &ModelRef, r: &ToolResultMessage) -> Value {
    let mut text = crate::ai::types::blocks_text(&r.content);
    if text.is_empty()
        && r.content
            .iter()
            .any(|b| matches!(b, ContentBlock::Image { .. }))
    {
        text = "(image attached below)".into();
    }
    json!({"role": "tool", "tool_call_id": call_id(model, &r.tool_call_id), "content": text})
}

fn messages(model: &ModelRef, req: &CompletionRequest, system_role: &str) -> Vec<Value> {
    let mut out = Vec::new();
    if !req.system_prompt.is_empty() {
        out.push(json!({"role": system_role, "content": req.system_prompt}));
    }
    // Tool messages may hold text only: their images follow in one user message after the
    // run of tool messages.
    let mut pending_images: Vec<Value> = Vec::new();
    for m in &req.messages {
        if !matches!(m, Message::ToolResult(_)) && !pending_images.is_empty() {
            out.push(tool_images_message("text", &mut pending_images));
        }
        match m {
            Message::User(u) => {
                out.push(json!({"role": "user", "content": user_parts(&u.content.blocks())}))
            }
            Message::CompactionSummary(s) | Message::BranchSummary(s) => {
                out.push(json!({"role": "user", "content": summary_text(&s.summary)}))
            }
            Message::Assistant(a) => {
                let mut text = String::new();
                let mut calls = Vec::new();
                for b in &a.content {
                    match b {
                        ContentBlock::Text { text: t } => text.push_str(t),
                        ContentBlock::ToolCall {
                            id,
                            name,
                            arguments,
                        } => calls.push(json!({
                            "id": call_id(model, id), "type": "function",
                            "function": {"name": name, "arguments": arguments.to_string()},
                        })),
                        // Reasoning is not sent back in Chat Completions.
                        ContentBlock::Thinking { .. } | ContentBlock::Image { .. } => {}
                    }
                }
                if text.is_empty() && calls.is_empty() {
                    continue;
                }
                let mut msg = json!({"role": "assistant", "content": if text.is_empty() { Value::Null } else { json!(text) }});
                if !calls.is_empty() {
                    msg["tool_calls"] = Value::Array(calls);
                }
                out.push(msg);
            }
            Message::ToolResult(r) => {
                out.push(tool_message(model, r));
                for b in &r.content {
                    if let ContentBlock::Image { data, mime_type } = b {
                        pending_images.push(image_part(data, mime_type));
                    }
                }
            }
        }
    }
    if !pending_images.is_empty() {
        out.push(tool_images_message("text", &mut pending_images));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ai::types::{AssistantMessage, ThinkingLevel, ToolSpec, UserContent, UserMessage};
    use pretty_assertions::assert_eq;

    fn req(messages: Vec<Message>) -> CompletionRequest {
        CompletionRequest {
            system_prompt: "be brief".into(),
            messages,
            tools: vec![ToolSpec {
                name: "read".into(),
                description: "Read a file".into(),
                parameters: json!({"type": "object", "properties": {"path": {"type": "string"}}}),
            }],
            max_output_tokens: Some(100),
            thinking: ThinkingLevel::Off,
            stream: true,
        }
    }

    fn history() -> Vec<Message> {
        vec![
            Message::User(UserMessage {
                content: UserContent::Blocks(vec![
                    ContentBlock::text("look"),
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
                        signature: None,
                    },
                    ContentBlock::text("reading"),
                    ContentBlock::ToolCall {
                        id: "call_1".into(),
                        name: "read".into(),
                        arguments: json!({"path": "a"}),
                    },
                ],
                ..Default::default()
            }),
            Message::ToolResult(ToolResultMessage {
                tool_call_id: "call_1".into(),
                tool_name: "read".into(),
                content: vec![
                    ContentBlock::text("data"),
                    ContentBlock::Image {
                        data: "BBBB".into(),
                        mime_type: "image/jpeg".into(),
                    },
                ],
                is_error: false,
                timestamp: 0,
                details: None,
                duration_ms: None,
            }),
            Message::user_text("thanks", 0),
        ]
    }

    #[test]
    fn maps_messages_tools_and_options() {
        let model: ModelRef = "openai/gpt-4o".parse().unwrap();
        let b = body(&model, &req(history()), None);
        assert_eq!(
            b,
            json!({
                "model": "gpt-4o",
                "stream": true,
                "stream_options": {"include_usage": true},
                "max_completion_tokens": 100,
                "tools": [{"type": "function", "function": {"name": "read", "description": "Read a file",
                    "parameters": {"type": "object", "properties": {"path": {"type": "string"}}}}}],
                "messages": [
                    {"role": "system", "content": "be brief"},
                    {"role": "user", "content": [
                        {"type": "text", "text": "look"},
                        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]},
                    {"role": "assistant", "content": "reading", "tool_calls": [
                        {"id": "call_1", "type": "function", "function": {"name": "read", "arguments": "{\"path\":\"a\"}"}}]},
                    {"role": "tool", "tool_call_id": "call_1", "content": "data"},
                    {"role": "user", "content": [
                        {"type": "text", "text": "Images returned by the tool calls above:"},
                        {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,BBBB"}}]},
                    {"role": "user", "content": "thanks"},
                ]
            })
        );
    }

    #[test]
    fn provider_quirks() {
        let mistral: ModelRef = "mistral/mistral-large-latest".parse().unwrap();
        let b = body(&mistral, &req(history()), None);
        assert!(b.get("stream_options").is_none());
        assert_eq!(b["max_tokens"], 100);
        let id = b["messages"][2]["tool_calls"][0]["id"].as_str().unwrap();
        assert_eq!(id.len(), 9);
        assert_eq!(b["messages"][3]["tool_call_id"], id);

        let o3: ModelRef = "openai/o3".parse().unwrap();
        let mut r = req(vec![]);
        r.thinking = ThinkingLevel::High;
        let info = crate::ai::catalog::Catalog::embedded().find(&o3);
        assert_eq!(body(&o3, &r, info)["reasoning_effort"], "high");
        let gpt4o: ModelRef = "openai/gpt-4o".parse().unwrap();
        let info = crate::ai::catalog::Catalog::embedded().find(&gpt4o);
        assert!(body(&gpt4o, &r, info).get("reasoning_effort").is_none());
        r.stream = false;
        assert!(body(&gpt4o, &r, info).get("stream_options").is_none());
    }

    #[test]
    fn reasoning_models_get_the_developer_role() {
        let mut r = req(vec![]);
        r.system_prompt = "be brief".into();
        let role = |name: &str| {
            let m: ModelRef = name.parse().unwrap();
            let info = crate::ai::catalog::Catalog::embedded().find(&m);
            body(&m, &r, info)["messages"][0]["role"].clone()
        };
        for name in ["openai/o3", "openai/o4-mini", "openai/gpt-5", "openai/o1"] {
            assert_eq!(role(name), "developer", "{name}");
        }
        for name in [
            "openai/gpt-4o",
            "openai/gpt-4.1",
            "openai/o1-mini",
            "openrouter/openai/gpt-5",
            "groq/llama-3.3-70b-versatile",
        ] {
            assert_eq!(role(name), "system", "{name}");
        }
    }
}
