//! The real APIs refuse a history in which a tool call has no result (or a result answers no
//! call) with a 400; so does the fake, with each provider's own wording. The Responses API
//! also refuses reasoning items it cannot resolve or that lead nowhere.

use serde_json::Value;

use super::Wire;

/// `Err(message)` when the request's history would be refused by the real API.
pub fn check_tool_pairing(wire: Wire, body: &Value) -> Result<(), String> {
    match wire {
        Wire::OpenAi | Wire::Azure => openai(body),
        Wire::Responses | Wire::AzureResponses => responses(body),
        Wire::Anthropic => anthropic(body),
        Wire::Gemini => gemini(body),
    }
}

fn openai(body: &Value) -> Result<(), String> {
    let empty = Vec::new();
    let messages = body["messages"].as_array().unwrap_or(&empty);
    let mut pending: Vec<String> = Vec::new();
    let mut answerable = false;
    for m in messages {
        let role = m["role"].as_str().unwrap_or("");
        if role == "tool" {
            let id = m["tool_call_id"].as_str().unwrap_or("");
            if !answerable || !pending.iter().any(|p| p == id) {
                return Err("Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.".to_string());
            }
            pending.retain(|p| p != id);
            continue;
        }
        if !pending.is_empty() {
            return Err(format!(
                "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: {}",
                pending.join(", ")
            ));
        }
        answerable = false;
        if role == "assistant"
            && let Some(calls) = m["tool_calls"].as_array()
        {
            pending = calls
                .iter()
                .filter_map(|c| c["id"].as_str().map(str::to_string))
                .collect();
            answerable = true;
        }
    }
    if pending.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: {}",
            pending.join(", ")
        ))
    }
}

/// The Responses API's input items: every `function_call_output` answers an earlier
/// `function_call` and every call is answered; a `reasoning` item needs its
/// `encrypted_content` when nothing is stored, and must be followed by what it led to (an
/// assistant message or a function call).
fn responses(body: &Value) -> Result<(), String> {
    let Some(items) = body["input"].as_array() else {
        return Ok(());
    };
    let kind = |item: &Value| match item["type"].as_str() {
        Some(kind) => kind.to_string(),
        None if item.get("role").is_some() => "message".to_string(),
        None => String::new(),
    };
    let stored = body["store"] != false;
    let mut calls: Vec<&str> = Vec::new();
    let mut unanswered: Vec<&str> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let call_id = item["call_id"].as_str().unwrap_or("");
        match kind(item).as_str() {
            "function_call" => {
                calls.push(call_id);
                unanswered.push(call_id);
            }
            "function_call_output" => {
                if !calls.contains(&call_id) {
                    return Err(format!(
                        "No tool call found for function call output with call_id {call_id}."
                    ));
                }
                unanswered.retain(|c| *c != call_id);
            }
            "reasoning" => {
                let id = item["id"].as_str().unwrap_or("");
                if !stored && item["encrypted_content"].as_str().is_none() {
                    return Err(format!(
                        "Item with id '{id}' not found. Items are not persisted when `store` is set to false."
                    ));
                }
                let next = items.get(i + 1);
                let followed = next.is_some_and(|next| match kind(next).as_str() {
                    "reasoning" => false,
                    "message" => {
                        !matches!(next["role"].as_str(), Some("user" | "system" | "developer"))
                    }
                    _ => true,
                });
                if !followed {
                    return Err(format!(
                        "Item '{id}' of type 'reasoning' was provided without its required following item."
                    ));
                }
            }
            _ => {}
        }
    }
    match unanswered.first() {
        Some(call_id) => Err(format!("No tool output found for function call {call_id}.")),
        None => Ok(()),
    }
}

fn blocks_of<'a>(m: &'a Value, kind: &str) -> Vec<&'a Value> {
    m["content"]
        .as_array()
        .map(|bs| bs.iter().filter(|b| b["type"] == kind).collect())
        .unwrap_or_default()
}

fn anthropic(body: &Value) -> Result<(), String> {
    let empty = Vec::new();
    let messages = body["messages"].as_array().unwrap_or(&empty);
    let mut pending: Vec<String> = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        let results: Vec<String> = blocks_of(m, "tool_result")
            .iter()
            .filter_map(|b| b["tool_use_id"].as_str().map(str::to_string))
            .collect();
        for id in &results {
            if !pending.contains(id) {
                return Err(format!(
                    "messages.{i}.content: unexpected `tool_use_id` found in `tool_result` blocks: {id}. Each `tool_result` block must have a corresponding `tool_use` block in the previous message."
                ));
            }
        }
        pending.retain(|p| !results.contains(p));
        if !pending.is_empty() {
            return Err(format!(
                "messages.{}: `tool_use` ids were found without `tool_result` blocks immediately after: {}. Each `tool_use` block must have a corresponding `tool_result` block in the next message.",
                i.saturating_sub(1),
                pending.join(", ")
            ));
        }
        pending = blocks_of(m, "tool_use")
            .iter()
            .filter_map(|b| b["id"].as_str().map(str::to_string))
            .collect();
    }
    if pending.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "messages.{}: `tool_use` ids were found without `tool_result` blocks immediately after: {}. Each `tool_use` block must have a corresponding `tool_result` block in the next message.",
            messages.len().saturating_sub(1),
            pending.join(", ")
        ))
    }
}

fn gemini(body: &Value) -> Result<(), String> {
    let empty = Vec::new();
    let contents = body["contents"].as_array().unwrap_or(&empty);
    let count = |c: &Value, key: &str| {
        c["parts"]
            .as_array()
            .map(|ps| ps.iter().filter(|p| p.get(key).is_some()).count())
            .unwrap_or(0)
    };
    let mut calls = 0usize;
    for c in contents {
        let responses = count(c, "functionResponse");
        if responses != calls {
            return Err("Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.".to_string());
        }
        calls = count(c, "functionCall");
    }
    if calls == 0 {
        Ok(())
    } else {
        Err("Please ensure that function call turn comes immediately after a user turn or after a function response turn.".to_string())
    }
}
