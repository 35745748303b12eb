//! Entry payloads in pi's shape, and how one is written as a line.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ai::types::{Message, ThinkingLevel, UserContent};

/// What an entry says, by pi's `type` (the field names are pi's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
pub enum EntryData {
    Message {
        message: Message,
    },
    ModelChange {
        provider: String,
        model_id: String,
    },
    ThinkingLevelChange {
        thinking_level: ThinkingLevel,
    },
    Compaction {
        summary: String,
        first_kept_entry_id: String,
        tokens_before: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        details: Option<Value>,
    },
    BranchSummary {
        from_id: String,
        summary: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        details: Option<Value>,
    },
    /// A bookmark on `target_id`; `label: None` clears it.
    Label {
        target_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<String>,
    },
    SessionInfo {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    /// Never sent to the model.
    Custom {
        custom_type: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data: Option<Value>,
    },
    /// Sent to the model as a user message.
    CustomMessage {
        custom_type: String,
        content: UserContent,
        display: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        details: Option<Value>,
    },
}

impl EntryData {
    /// pi's `type` of this entry.
    pub fn type_name(&self) -> &'static str {
        match self {
            EntryData::Message { .. } => "message",
            EntryData::ModelChange { .. } => "model_change",
            EntryData::ThinkingLevelChange { .. } => "thinking_level_change",
            EntryData::Compaction { .. } => "compaction",
            EntryData::BranchSummary { .. } => "branch_summary",
            EntryData::Label { .. } => "label",
            EntryData::SessionInfo { .. } => "session_info",
            EntryData::Custom { .. } => "custom",
            EntryData::CustomMessage { .. } => "custom_message",
        }
    }
}

/// The line for an entry, `\n` included:
/// `{"type":..,"id":..,"parentId":..,"timestamp":..,<payload fields>}` (pi's field order).
pub(crate) fn render_line(
    data: &EntryData,
    id: &str,
    parent_id: Option<&str>,
    timestamp: &str,
) -> Result<Vec<u8>, serde_json::Error> {
    let body = serde_json::to_vec(data)?;
    // serde writes an internally tagged enum's tag first: `{"type":"<name>"`.
    let tag = serde_json::to_vec(&serde_json::json!({ "type": data.type_name() }))?;
    let tag_prefix = &tag[..tag.len() - 1];
    let rest = body.strip_prefix(tag_prefix).ok_or_else(|| {
        serde::ser::Error::custom("entry serialization does not start with its type")
    })?;
    let mut out = Vec::with_capacity(body.len() + 96);
    out.extend_from_slice(tag_prefix);
    out.extend_from_slice(b",\"id\":");
    serde_json::to_writer(&mut out, id)?;
    out.extend_from_slice(b",\"parentId\":");
    serde_json::to_writer(&mut out, &parent_id)?;
    out.extend_from_slice(b",\"timestamp\":");
    serde_json::to_writer(&mut out, timestamp)?;
    out.extend_from_slice(rest);
    out.push(b'\n');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_use_pi_field_order() {
        let data = EntryData::ModelChange {
            provider: "anthropic".into(),
            model_id: "claude".into(),
        };
        let line = render_line(&data, "abcd1234", None, "2026-01-01T00:00:00.000Z").unwrap();
        assert_eq!(
            String::from_utf8(line).unwrap(),
            "{\"type\":\"model_change\",\"id\":\"abcd1234\",\"parentId\":null,\"timestamp\":\"2026-01-01T00:00:00.000Z\",\"provider\":\"anthropic\",\"modelId\":\"claude\"}\n"
        );
    }

    #[test]
    fn a_message_line_round_trips() {
        let data = EntryData::Message {
            message: Message::user_text("hi\nthere", 5),
        };
        let line = render_line(&data, "a", Some("b"), "t").unwrap();
        assert_eq!(line.iter().filter(|&&b| b == b'\n').count(), 1);
        let back: EntryData = serde_json::from_slice(&line).unwrap();
        assert_eq!(back, data);
        let v: Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(v["parentId"], "b");
        assert_eq!(v["message"]["role"], "user");
    }

    #[test]
    fn thinking_and_compaction_field_names() {
        let line = render_line(
            &EntryData::ThinkingLevelChange {
                thinking_level: ThinkingLevel::High,
            },
            "a",
            None,
            "t",
        )
        .unwrap();
        let v: Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(v["thinkingLevel"], "high");
        let line = render_line(
            &EntryData::Compaction {
                summary: "s".into(),
                first_kept_entry_id: "k".into(),
                tokens_before: 9,
                details: None,
            },
            "a",
            None,
            "t",
        )
        .unwrap();
        let v: Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(v["firstKeptEntryId"], "k");
        assert_eq!(v["tokensBefore"], 9);
    }
}
