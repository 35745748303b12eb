//! Gemini `generateContent` request bodies.

use serde_json::{Map, Value, json};

use super::schema;
use crate::ai::catalog::ModelInfo;
use crate::ai::convert::{same_origin, summary_text};
use crate::ai::effort::effort;
use crate::ai::event::CompletionRequest;
use crate::ai::model_ref::ModelRef;
use crate::ai::types::{AssistantMessage, ContentBlock, Message, ThinkingLevel, blocks_text};

/// Prefix of the tool-call ids we make up when Gemini sends none; they are not sent back.
pub const SYNTHETIC_ID_PREFIX: &str = "gcall_";

fn thinking_budget(level: ThinkingLevel) -> Option<u32> {
    match level {
        ThinkingLevel::Off => None,
        ThinkingLevel::Minimal => Some(1024),
        ThinkingLevel::Low => Some(2048),
        ThinkingLevel::Medium => Some(8192),
        ThinkingLevel::High => Some(16_384),
        ThinkingLevel::Xhigh => Some(24_576),
    }
}

/// Gemini 3 models take a thinking level (they cannot stop thinking: `off` is their lowest
/// level); earlier ones a token budget, never more than half the output limit (the budget
/// counts against it, and the answer needs room).
fn thinking_config(
    model: &ModelRef,
    req: &CompletionRequest,
    info: Option<&ModelInfo>,
) -> Option<Value> {
    if info.is_some_and(|i| !i.reasoning) {
        return None;
    }
    if model.id.contains("gemini-3") {
        let level = effort(model, info, req.thinking).value?;
        return Some(json!({"thinkingLevel": level, "includeThoughts": true}));
    }
    match thinking_budget(req.thinking) {
        Some(budget) => {
            let budget = match req.max_output_tokens {
                Some(max) => budget.min(max / 2).max(MIN_BUDGET.min(max)),
                None => budget,
            };
            Some(json!({"thinkingBudget": budget, "includeThoughts": true}))
        }
        // Flash models think by default; "off" means off.
        None if model.id.contains("2.5-flash") => Some(json!({"thinkingBudget": 0})),
        None => None,
    }
}

/// The smallest budget every thinking Gemini model takes.
const MIN_BUDGET: u32 = 128;

fn inline_data(data: &str, mime_type: &str) -> Value {
    json!({"inlineData": {"mimeType": mime_type, "data": data}})
}

fn user_parts(blocks: &[ContentBlock]) -> Vec<Value> {
    blocks
        .iter()
        .filter_map(|b| match b {
            ContentBlock::Text { text } if !text.is_empty() => Some(json!({"text": text})),
            ContentBlock::Image { data, mime_type } => Some(inline_data(data, mime_type)),
            _ => None,
        })
        .collect()
}

/// The JSON body of a `generateContent` / `streamGenerateContent` request.
pub fn body(model: &ModelRef, req: &CompletionRequest, info: Option<&ModelInfo>) -> Value {
    let mut body = Map::new();
    body.insert("contents".into(), Value::Array(contents(model, req)));
    if !req.system_prompt.is_empty() {
        body.insert(
            "systemInstruction".into(),
            json!({"parts": [{"text": req.system_prompt}]}),
        );
    }
    if !req.tools.is_empty() {
        let declarations: Vec<Value> = req
            .tools
            .iter()
            .map(|t| {
                let mut d = json!({"name": t.name, "description": t.description});
                let params = schema::reduce(&t.parameters);
                if !schema::is_empty_object(&params) {
                    d["parameters"] = params;
                }
                d
            })
            .collect();
        body.insert(
            "tools".into(),
            json!([{"functionDeclarations": declarations}]),
        );
    }
    let mut config = Map::new();
    if let Some(max) = req.max_output_tokens {
        config.insert("maxOutputTokens".into(), json!(max));
    }
    if let Some(thinking) = thinking_config(model, req, info) {
        config.insert("thinkingConfig".into(), thinking);
    }
    if !config.is_empty() {
        body.insert("generationConfig".into(), Value::Object(config));
    }
    Value::Object(body)
}

/// The parts of an assistant message. Thought text is not sent back; a thinking block's
/// signature goes on the part that follows it, where Gemini put it.
fn model_parts(a: &AssistantMessage, model: &ModelRef) -> Vec<Value> {
    let own = same_origin(a, model);
    let mut parts = Vec::new();
    let mut signature: Option<&String> = None;
    for b in &a.content {
        let mut part = match b {
            ContentBlock::Thinking { signature: s, .. } => {
                if own {
                    signature = s.as_ref().filter(|s| !s.is_empty()).or(signature);
                }
                continue;
            }
            ContentBlock::Text { text } if !text.is_empty() => json!({"text": text}),
            ContentBlock::ToolCall {
                id,
                name,
                arguments,
            } => {
                let args = if arguments.is_object() {
                    arguments.clone()
                } else {
                    json!({})
                };
                let mut call = json!({"name": name, "args": args});
                if own && !id.starts_with(SYNTHETIC_ID_PREFIX) && !id.is_empty() {
                    call["id"] = json!(id);
                }
                json!({"functionCall": call})
            }
            _ => continue,
        };
        if let Some(sig) = signature.take() {
            part["thoughtSignature"] = json!(sig);
        }
        parts.push(part);
    }
    parts
}

fn contents(model: &ModelRef, req: &CompletionRequest) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    // Function responses of one model turn go together in one user turn.
    let mut responses: Vec<Value> = Vec::new();
    let mut images: Vec<Value> = Vec::new();
    // Ids of the calls in the last model turn that Gemini itself assigned.
    let mut gemini_ids: Vec<String> = Vec::new();
    for m in &req.messages {
        if !matches!(m, Message::ToolResult(_)) && !responses.is_empty() {
            responses.append(&mut images);
            out.push(json!({"role": "user", "parts": std::mem::take(&mut responses)}));
        }
        match m {
            Message::User(u) => {
                let parts = user_parts(&u.content.blocks());
                if !parts.is_empty() {
                    out.push(json!({"role": "user", "parts": parts}));
                }
            }
            Message::CompactionSummary(s) | Message::BranchSummary(s) => {
                out.push(json!({"role": "user", "parts": [{"text": summary_text(&s.summary)}]}))
            }
            Message::Assistant(a) => {
                let parts = model_parts(a, model);
                gemini_ids = parts
                    .iter()
                    .filter_map(|p| p["functionCall"]["id"].as_str().map(str::to_string))
                    .collect();
                if !parts.is_empty() {
                    out.push(json!({"role": "model", "parts": parts}));
                }
            }
            Message::ToolResult(r) => {
                let text = blocks_text(&r.content);
                let response = if r.is_error {
                    json!({"error": text})
                } else {
                    json!({"output": text})
                };
                let mut fr = json!({"name": r.tool_name, "response": response});
                if gemini_ids.contains(&r.tool_call_id) {
                    fr["id"] = json!(r.tool_call_id);
                }
                responses.push(json!({"functionResponse": fr}));
                for b in &r.content {
                    if let ContentBlock::Image { data, mime_type } = b {
                        images.push(inline_data(data, mime_type));
                    }
                }
            }
        }
    }
    if !responses.is_empty() {
        responses.append(&mut images);
        out.push(json!({"role": "user", "parts": responses}));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ai::types::{ToolResultMessage, ToolSpec};
    use pretty_assertions::assert_eq;

    fn assistant(api: &str) -> AssistantMessage {
        AssistantMessage {
            content: vec![
                ContentBlock::Thinking {
                    thinking: "plan".into(),
                    signature: Some("SIG".into()),
                },
                ContentBlock::ToolCall {
                    id: "gcall_1".into(),
                    name: "read".into(),
                    arguments: json!({"path": "a"}),
                },
                ContentBlock::ToolCall {
                    id: "g2".into(),
                    name: "ls".into(),
                    arguments: json!({}),
                },
            ],
            api: api.into(),
            provider: "google".into(),
            ..Default::default()
        }
    }

    fn result(id: &str, name: &str, is_error: bool) -> Message {
        Message::ToolResult(ToolResultMessage {
            tool_call_id: id.into(),
            tool_name: name.into(),
            content: vec![
                ContentBlock::text("out"),
                ContentBlock::Image {
                    data: "AA".into(),
                    mime_type: "image/png".into(),
                },
            ],
            is_error,
            timestamp: 0,
            details: None,
            duration_ms: None,
        })
    }

    #[test]
    fn maps_contents_system_tools_and_config() {
        let model: ModelRef = "google/gemini-2.5-pro".parse().unwrap();
        let req = CompletionRequest {
            system_prompt: "sys".into(),
            messages: vec![
                Message::user_text("hi", 0),
                Message::Assistant(assistant("google-generative-ai")),
                result("gcall_1", "read", false),
                result("g2", "ls", true),
            ],
            tools: vec![
                ToolSpec {
                    name: "read".into(),
                    description: "r".into(),
                    parameters: json!({"type": "object", "additionalProperties": false, "properties": {"path": {"type": "string"}}}),
                },
                ToolSpec {
                    name: "now".into(),
                    description: "n".into(),
                    parameters: json!({"type": "object", "properties": {}}),
                },
            ],
            max_output_tokens: Some(5000),
            thinking: ThinkingLevel::Low,
            stream: true,
        };
        let b = body(&model, &req, None);
        assert_eq!(
            b,
            json!({
                "systemInstruction": {"parts": [{"text": "sys"}]},
                "tools": [{"functionDeclarations": [
                    {"name": "read", "description": "r", "parameters": {"type": "object", "properties": {"path": {"type": "string"}}}},
                    {"name": "now", "description": "n"}]}],
                "generationConfig": {"maxOutputTokens": 5000, "thinkingConfig": {"thinkingBudget": 2048, "includeThoughts": true}},
                "contents": [
                    {"role": "user", "parts": [{"text": "hi"}]},
                    {"role": "model", "parts": [
                        {"functionCall": {"name": "read", "args": {"path": "a"}}, "thoughtSignature": "SIG"},
                        {"functionCall": {"name": "ls", "args": {}, "id": "g2"}}]},
                    {"role": "user", "parts": [
                        {"functionResponse": {"name": "read", "response": {"output": "out"}}},
                        {"functionResponse": {"name": "ls", "response": {"error": "out"}, "id": "g2"}},
                        {"inlineData": {"mimeType": "image/png", "data": "AA"}},
                        {"inlineData": {"mimeType": "image/png", "data": "AA"}}]},
                ]
            })
        );
    }

    #[test]
    fn foreign_signatures_dropped_and_flash_thinking_off() {
        let model: ModelRef = "google/gemini-2.5-flash".parse().unwrap();
        let req = CompletionRequest {
            messages: vec![Message::Assistant(assistant("anthropic-messages"))],
            ..Default::default()
        };
        let b = body(&model, &req, None);
        assert!(
            b["contents"][0]["parts"][0]
                .get("thoughtSignature")
                .is_none()
        );
        assert!(
            b["contents"][0]["parts"][1]["functionCall"]
                .get("id")
                .is_none()
        );
        assert_eq!(b["generationConfig"]["thinkingConfig"]["thinkingBudget"], 0);
        assert!(b.get("systemInstruction").is_none());
    }

    #[test]
    fn gemini_3_takes_a_level_and_budgets_fit_the_output_limit() {
        let config = |name: &str, thinking: ThinkingLevel, max: Option<u32>| {
            let model: ModelRef = name.parse().unwrap();
            let req = CompletionRequest {
                thinking,
                max_output_tokens: max,
                ..Default::default()
            };
            let info = crate::ai::catalog::Catalog::embedded().find(&model);
            body(&model, &req, info)["generationConfig"]["thinkingConfig"].clone()
        };
        let pro3 = "google/gemini-3-pro-preview";
        assert_eq!(
            config(pro3, ThinkingLevel::High, Some(8000)),
            json!({"thinkingLevel": "high", "includeThoughts": true})
        );
        // Gemini 3 cannot stop thinking: off is its lowest level, minimal maps to low.
        assert_eq!(
            config(pro3, ThinkingLevel::Off, None)["thinkingLevel"],
            "low"
        );
        assert_eq!(
            config(pro3, ThinkingLevel::Minimal, None)["thinkingLevel"],
            "low"
        );
        assert!(
            config(pro3, ThinkingLevel::High, None)
                .get("thinkingBudget")
                .is_none()
        );
        // A budget never exceeds the output limit (half of it is left for the answer).
        let pro25 = "google/gemini-2.5-pro";
        assert_eq!(
            config(pro25, ThinkingLevel::High, Some(4000))["thinkingBudget"],
            2000
        );
        assert_eq!(
            config(pro25, ThinkingLevel::High, Some(100))["thinkingBudget"],
            100
        );
        assert_eq!(
            config(pro25, ThinkingLevel::High, None)["thinkingBudget"],
            16_384
        );
        assert_eq!(
            config(pro25, ThinkingLevel::Low, Some(65_536))["thinkingBudget"],
            2048
        );
        assert_eq!(
            config("google/gemini-2.0-flash", ThinkingLevel::High, None),
            Value::Null
        );
    }
}
