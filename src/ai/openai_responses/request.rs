//! Responses API request bodies: `instructions`, `input` items, tools, reasoning.

use serde_json::{Map, Value, json};

use crate::ai::catalog::ModelInfo;
use crate::ai::convert::{summary_text, tool_images_message};
use crate::ai::effort::effort;
use crate::ai::event::CompletionRequest;
use crate::ai::model_ref::{ModelRef, WireFormat};
use crate::ai::types::{AssistantMessage, ContentBlock, Message, blocks_text};
use crate::ai::wire::ResponsesOptions;

/// The JSON body of a Responses request.
pub fn body(
    model: &ModelRef,
    req: &CompletionRequest,
    info: Option<&ModelInfo>,
    options: ResponsesOptions,
) -> Value {
    let mut body = Map::new();
    body.insert("model".into(), json!(model.id));
    if !req.system_prompt.is_empty() {
        body.insert("instructions".into(), json!(req.system_prompt));
    }
    body.insert(
        "input".into(),
        Value::Array(input(model, req, options.replay_reasoning)),
    );
    body.insert("stream".into(), json!(req.stream));
    // Nothing is kept on the service: reasoning comes back encrypted and is sent back by us.
    body.insert("store".into(), json!(false));
    if !req.tools.is_empty() {
        let tools: Vec<Value> = req
            .tools
            .iter()
            .map(|t| {
                json!({"type": "function", "name": t.name, "description": t.description,
                    "parameters": t.parameters, "strict": false})
            })
            .collect();
        body.insert("tools".into(), Value::Array(tools));
        body.insert("tool_choice".into(), json!("auto"));
        body.insert("parallel_tool_calls".into(), json!(true));
    }
    if let Some(max) = req.max_output_tokens {
        // The service refuses fewer than 16.
        body.insert("max_output_tokens".into(), json!(max.max(16)));
    }
    if reasons(model, info) {
        let mut reasoning = Map::new();
        if let Some(value) = effort(model, info, req.thinking).value {
            reasoning.insert("effort".into(), json!(value));
        }
        if let Some(s) = options.summary.wire_value() {
            reasoning.insert("summary".into(), json!(s));
        }
        if !reasoning.is_empty() {
            body.insert("reasoning".into(), Value::Object(reasoning));
        }
        body.insert("include".into(), json!(["reasoning.encrypted_content"]));
    }
    Value::Object(body)
}

/// Whether `model` reasons: the catalog's word, else the OpenAI reasoning families by name
/// (the service refuses reasoning options for other models).
fn reasons(model: &ModelRef, info: Option<&ModelInfo>) -> bool {
    match info {
        Some(i) => i.reasoning,
        None => {
            let id = model.id.rsplit('/').next().unwrap_or(&model.id);
            id.starts_with("gpt-5")
                || id.starts_with("codex")
                || id.starts_with("o1")
                || id.starts_with("o3")
                || id.starts_with("o4")
                || id.starts_with("gpt-oss")
        }
    }
}

fn image_part(data: &str, mime_type: &str) -> Value {
    json!({"type": "input_image", "image_url": format!("data:{mime_type};base64,{data}"), "detail": "auto"})
}

fn user_item(blocks: &[ContentBlock]) -> Value {
    let parts: Vec<Value> = blocks
        .iter()
        .filter_map(|b| match b {
            ContentBlock::Text { text } => Some(json!({"type": "input_text", "text": text})),
            ContentBlock::Image { data, mime_type } => Some(image_part(data, mime_type)),
            _ => None,
        })
        .collect();
    json!({"role": "user", "content": parts})
}

/// Whether `a` came from this very model through the Responses API, so its reasoning items
/// may be sent back (they are encrypted for the model that wrote them).
fn own_reasoning(a: &AssistantMessage, model: &ModelRef) -> bool {
    a.api == WireFormat::OpenAiResponses.api_name()
        && a.provider == model.provider.as_str()
        && a.model == model.id
}

/// The input items of one assistant message: its reasoning items where they came in the
/// answer, its text, its function calls. A reasoning item goes back only when an item of the
/// same answer follows it (the service refuses a dangling one).
fn assistant_items(a: &AssistantMessage, model: &ModelRef, replay: bool, out: &mut Vec<Value>) {
    let reasoning: Vec<(usize, Value)> = if replay && own_reasoning(a, model) {
        reasoning_of(a)
    } else {
        Vec::new()
    };
    let mut items: Vec<(bool, Value)> = Vec::new();
    let mut text = String::new();
    let flush_text = |text: &mut String, items: &mut Vec<(bool, Value)>| {
        if !text.is_empty() {
            items.push((
                false,
                json!({"role": "assistant", "content": std::mem::take(text)}),
            ));
        }
    };
    for (i, block) in a.content.iter().enumerate() {
        let here: Vec<_> = reasoning.iter().filter(|(at, _)| *at == i).collect();
        if !here.is_empty() {
            flush_text(&mut text, &mut items);
            items.extend(here.into_iter().map(|(_, item)| (true, item.clone())));
        }
        match block {
            ContentBlock::Text { text: t } => text.push_str(t),
            ContentBlock::ToolCall {
                id,
                name,
                arguments,
            } => {
                flush_text(&mut text, &mut items);
                items.push((
                    false,
                    json!({"type": "function_call", "call_id": call_id(id), "name": name,
                        "arguments": arguments.to_string()}),
                ));
            }
            ContentBlock::Thinking { .. } | ContentBlock::Image { .. } => {}
        }
    }
    flush_text(&mut text, &mut items);
    // Keep a reasoning item only when the next item is not reasoning and exists.
    let keep: Vec<bool> = (0..items.len())
        .map(|i| !items[i].0 || items.get(i + 1).is_some_and(|next| !next.0))
        .collect();
    out.extend(
        items
            .into_iter()
            .zip(keep)
            .filter(|(_, k)| *k)
            .map(|((_, v), _)| v),
    );
}

/// The reasoning items of `a` with their places: rust-pi's `reasoningItems`, else (a session
/// written by the TypeScript pi) thinking blocks whose signature is a reasoning item's JSON.
fn reasoning_of(a: &AssistantMessage) -> Vec<(usize, Value)> {
    let kept: Vec<(usize, Value)> = if !a.reasoning_items.is_empty() {
        a.reasoning_items
            .iter()
            .map(|r| (r.at, r.item.clone()))
            .collect()
    } else {
        signed_reasoning(a)
    };
    kept.into_iter()
        .filter_map(|(at, item)| replayable(item).map(|item| (at, item)))
        .collect()
}

/// A kept reasoning item as it is sent back: its type, summary and encrypted content. Without
/// `store`, the service knows no item by id (it answers 404 for one) and restores the reasoning
/// from the encrypted content alone, so an item without it cannot go back; raw reasoning text
/// (`content`, from compatible servers) is not sent either.
fn replayable(item: Value) -> Option<Value> {
    let encrypted = item
        .get("encrypted_content")
        .filter(|e| e.is_string())?
        .clone();
    let summary = item.get("summary").cloned().unwrap_or_else(|| json!([]));
    Some(json!({"type": "reasoning", "summary": summary, "encrypted_content": encrypted}))
}

/// Reasoning items the TypeScript pi keeps as a thinking block's signature.
fn signed_reasoning(a: &AssistantMessage) -> Vec<(usize, Value)> {
    a.content
        .iter()
        .enumerate()
        .filter_map(|(i, b)| match b {
            ContentBlock::Thinking {
                signature: Some(sig),
                ..
            } => serde_json::from_str::<Value>(sig)
                .ok()
                .filter(|v| v["type"] == "reasoning")
                .map(|v| (i, v)),
            _ => None,
        })
        .collect()
}

/// The `call_id` of a tool call: the TypeScript pi writes `call_id|item_id`.
fn call_id(id: &str) -> &str {
    id.split('|').next().unwrap_or(id)
}

fn input(model: &ModelRef, req: &CompletionRequest, replay: bool) -> Vec<Value> {
    let mut out = Vec::new();
    // A function call's output is text; its images follow in one user item after the run of
    // outputs, as in Chat Completions.
    let mut pending_images: Vec<Value> = Vec::new();
    for m in &req.messages {
        if !matches!(m, Message::ToolResult(_)) && !pending_images.is_empty() {
            out.push(tool_images_message("input_text", &mut pending_images));
        }
        match m {
            Message::User(u) => out.push(user_item(&u.content.blocks())),
            Message::CompactionSummary(s) | Message::BranchSummary(s) => out.push(
                json!({"role": "user", "content": [{"type": "input_text", "text": summary_text(&s.summary)}]}),
            ),
            Message::Assistant(a) => assistant_items(a, model, replay, &mut out),
            Message::ToolResult(r) => {
                let mut text = blocks_text(&r.content);
                let images: Vec<Value> = r
                    .content
                    .iter()
                    .filter_map(|b| match b {
                        ContentBlock::Image { data, mime_type } => Some(image_part(data, mime_type)),
                        _ => None,
                    })
                    .collect();
                if text.is_empty() && !images.is_empty() {
                    text = "(image attached below)".into();
                }
                pending_images.extend(images);
                out.push(json!({"type": "function_call_output", "call_id": call_id(&r.tool_call_id), "output": text}));
            }
        }
    }
    if !pending_images.is_empty() {
        out.push(tool_images_message("input_text", &mut pending_images));
    }
    out
}
