//! Entry lines to model messages: pi's `message`, `custom_message` and `branch_summary`
//! entries, pi roles we do not model (`bashExecution`, `custom`), and the older rust-pi format.

use serde::Deserialize;
use serde_json::Value;

use crate::ai::types::{
    AssistantMessage, ContentBlock, Message, StopReason, SummaryMessage, ToolResultMessage,
    UserContent, UserMessage,
};

use super::kinds::EntryKind;
use super::scan::SessionFormat;

/// pi's ISO timestamp as Unix milliseconds (0 if it does not parse).
pub(crate) fn iso_to_ms(ts: Option<&str>) -> i64 {
    ts.and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map_or(0, |t| t.as_millisecond())
}

/// The message an entry line contributes to the context, if any. `Err` when the line does
/// not hold what its kind promises.
pub(crate) fn entry_message(
    format: SessionFormat,
    kind: EntryKind,
    line: &[u8],
) -> Result<Option<Message>, String> {
    if format == SessionFormat::LegacyV1 {
        return legacy_message(line);
    }
    match kind {
        EntryKind::Message => v3_message(line),
        EntryKind::CustomMessage => {
            #[derive(Deserialize)]
            struct E {
                content: UserContent,
                timestamp: Option<String>,
            }
            let e: E = serde_json::from_slice(line).map_err(|e| e.to_string())?;
            Ok(Some(Message::User(UserMessage {
                content: e.content,
                timestamp: iso_to_ms(e.timestamp.as_deref()),
            })))
        }
        EntryKind::BranchSummary => {
            #[derive(Deserialize)]
            struct E {
                #[serde(default)]
                summary: String,
                timestamp: Option<String>,
            }
            let e: E = serde_json::from_slice(line).map_err(|e| e.to_string())?;
            Ok((!e.summary.is_empty()).then(|| {
                Message::BranchSummary(SummaryMessage {
                    summary: e.summary,
                    timestamp: iso_to_ms(e.timestamp.as_deref()),
                })
            }))
        }
        _ => Ok(None),
    }
}

fn v3_message(line: &[u8]) -> Result<Option<Message>, String> {
    #[derive(Deserialize)]
    struct Typed {
        message: Message,
    }
    let typed_err = match serde_json::from_slice::<Typed>(line) {
        Ok(t) => return Ok(Some(t.message)),
        Err(e) => e.to_string(),
    };
    #[derive(Deserialize)]
    struct Raw {
        message: Value,
    }
    let raw: Raw = serde_json::from_slice(line).map_err(|e| e.to_string())?;
    let m = &raw.message;
    let timestamp = m.get("timestamp").and_then(Value::as_i64).unwrap_or(0);
    match m.get("role").and_then(Value::as_str) {
        Some("bashExecution") => {
            if m.get("excludeFromContext").and_then(Value::as_bool) == Some(true) {
                return Ok(None);
            }
            Ok(Some(Message::User(UserMessage {
                content: UserContent::Blocks(vec![ContentBlock::text(bash_execution_text(m))]),
                timestamp,
            })))
        }
        Some("custom" | "hookMessage") => {
            let content = m
                .get("content")
                .cloned()
                .and_then(|c| serde_json::from_value::<UserContent>(c).ok())
                .unwrap_or_else(|| UserContent::Text(String::new()));
            Ok(Some(Message::User(UserMessage { content, timestamp })))
        }
        Some("user" | "assistant" | "toolResult" | "compactionSummary" | "branchSummary") => {
            Err(typed_err)
        }
        other => {
            tracing::debug!(role = ?other, "message role not sent to the model");
            Ok(None)
        }
    }
}

/// pi's rendering of a `bashExecution` message for the model.
fn bash_execution_text(m: &Value) -> String {
    let s = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or_default();
    let mut text = format!("Ran `{}`\n", s("command"));
    let output = s("output");
    if output.is_empty() {
        text.push_str("(no output)");
    } else {
        text.push_str(&format!("```\n{output}\n```"));
    }
    if m.get("cancelled").and_then(Value::as_bool) == Some(true) {
        text.push_str("\n\n(command cancelled)");
    } else if let Some(code) = m.get("exitCode").and_then(Value::as_i64)
        && code != 0
    {
        text.push_str(&format!("\n\nCommand exited with code {code}"));
    }
    let full = s("fullOutputPath");
    if m.get("truncated").and_then(Value::as_bool) == Some(true) && !full.is_empty() {
        text.push_str(&format!("\n\n[Output truncated. Full output: {full}]"));
    }
    text
}

#[derive(Deserialize)]
struct LegacyLine {
    message: LegacyMessage,
}

#[derive(Deserialize)]
struct LegacyMessage {
    role: String,
    #[serde(default)]
    content: LegacyContent,
    #[serde(default)]
    tool_call_id: Option<String>,
    #[serde(default)]
    tool_name: Option<String>,
    #[serde(default)]
    is_error: bool,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum LegacyContent {
    Text(String),
    Blocks(Vec<LegacyBlock>),
}

impl Default for LegacyContent {
    fn default() -> Self {
        LegacyContent::Blocks(Vec::new())
    }
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum LegacyBlock {
    Text {
        text: String,
    },
    ToolCall {
        id: String,
        name: String,
        #[serde(default)]
        arguments: Value,
    },
    #[serde(other)]
    Other,
}

/// A message of the older rust-pi format in today's shape (`system` messages are dropped:
/// the system prompt is not part of a session).
pub(crate) fn legacy_message(line: &[u8]) -> Result<Option<Message>, String> {
    let l: LegacyLine = serde_json::from_slice(line).map_err(|e| e.to_string())?;
    let m = l.message;
    let blocks: Vec<ContentBlock> = match m.content {
        LegacyContent::Text(t) => vec![ContentBlock::text(t)],
        LegacyContent::Blocks(b) => b
            .into_iter()
            .filter_map(|b| match b {
                LegacyBlock::Text { text } => Some(ContentBlock::Text { text }),
                LegacyBlock::ToolCall {
                    id,
                    name,
                    arguments,
                } => Some(ContentBlock::ToolCall {
                    id,
                    name,
                    arguments,
                }),
                LegacyBlock::Other => None,
            })
            .collect(),
    };
    Ok(match m.role.as_str() {
        "user" => Some(Message::User(UserMessage {
            content: UserContent::Blocks(blocks),
            timestamp: 0,
        })),
        "assistant" => {
            let calls = blocks
                .iter()
                .any(|b| matches!(b, ContentBlock::ToolCall { .. }));
            Some(Message::Assistant(AssistantMessage {
                content: blocks,
                stop_reason: if calls {
                    StopReason::ToolUse
                } else {
                    StopReason::Stop
                },
                ..AssistantMessage::default()
            }))
        }
        "tool" => Some(Message::ToolResult(ToolResultMessage {
            tool_call_id: m.tool_call_id.unwrap_or_default(),
            tool_name: m.tool_name.unwrap_or_default(),
            content: blocks,
            is_error: m.is_error,
            timestamp: 0,
            details: None,
            duration_ms: None,
        })),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v3(kind: EntryKind, line: &str) -> Option<Message> {
        entry_message(SessionFormat::PiV3, kind, line.as_bytes()).unwrap()
    }

    #[test]
    fn bash_execution_becomes_a_user_message_like_pi_sends_it() {
        let line = r#"{"type":"message","id":"a","parentId":null,"message":{"role":"bashExecution","command":"ls","output":"a.txt","exitCode":2,"cancelled":false,"truncated":false,"timestamp":5}}"#;
        let m = v3(EntryKind::Message, line).unwrap();
        assert_eq!(m.role(), "user");
        assert_eq!(
            m.text(),
            "Ran `ls`\n```\na.txt\n```\n\nCommand exited with code 2"
        );
        let excluded = line.replace(
            "\"timestamp\":5",
            "\"timestamp\":5,\"excludeFromContext\":true",
        );
        assert_eq!(v3(EntryKind::Message, &excluded), None);
    }

    #[test]
    fn custom_messages_and_branch_summaries_reach_the_model() {
        let cm = r#"{"type":"custom_message","id":"a","parentId":null,"timestamp":"2026-11-24T05:49:20.000Z","customType":"x","content":"note","display":true}"#;
        let m = v3(EntryKind::CustomMessage, cm).unwrap();
        assert_eq!((m.role(), m.text().as_str()), ("user", "note"));
        let bs = r#"{"type":"branch_summary","id":"b","parentId":"a","timestamp":"2026-11-24T05:49:20.000Z","fromId":"a","summary":"tried X"}"#;
        let m = v3(EntryKind::BranchSummary, bs).unwrap();
        assert_eq!((m.role(), m.text().as_str()), ("branchSummary", "tried X"));
        let role = r#"{"type":"message","id":"c","parentId":null,"message":{"role":"custom","customType":"x","content":[{"type":"text","text":"hook"}],"display":false,"timestamp":1}}"#;
        assert_eq!(v3(EntryKind::Message, role).unwrap().text(), "hook");
    }

    #[test]
    fn unknown_roles_are_left_out_and_broken_known_roles_are_errors() {
        let other =
            r#"{"type":"message","id":"a","parentId":null,"message":{"role":"future","x":1}}"#;
        assert_eq!(v3(EntryKind::Message, other), None);
        let broken = r#"{"type":"message","id":"a","parentId":null,"message":{"role":"user"}}"#;
        assert!(entry_message(SessionFormat::PiV3, EntryKind::Message, broken.as_bytes()).is_err());
        assert_eq!(
            v3(EntryKind::ModelChange, r#"{"type":"model_change"}"#),
            None
        );
    }

    #[test]
    fn iso_timestamps_to_millis() {
        assert_eq!(iso_to_ms(Some("1970-01-01T00:00:01.500Z")), 1500);
        assert_eq!(iso_to_ms(Some("garbage")), 0);
        assert_eq!(iso_to_ms(None), 0);
    }
}
