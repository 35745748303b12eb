//! Every provider refuses a history in which a tool call has no result, or a result answers no
//! call. Such histories happen: a process killed during a tool call, a branch made at an
//! assistant entry, a pi file with an aborted turn. This pass makes any history acceptable
//! before it is sent, without touching the session file.

use std::borrow::Cow;
use std::collections::HashSet;

use super::types::{ContentBlock, Message, StopReason, ToolResultMessage};

/// The text of a result made up for a call that has none.
pub const MISSING_RESULT_TEXT: &str =
    "No result: the tool call was interrupted before it finished.";

/// `messages` with a result for every tool call (made-up error results where the real one is
/// missing), no result that answers no call, and no empty failed assistant messages.
/// Borrows when nothing needs fixing, which is the common case.
pub fn well_formed(messages: &[Message]) -> Cow<'_, [Message]> {
    if is_well_formed(messages) {
        Cow::Borrowed(messages)
    } else {
        Cow::Owned(repair(messages))
    }
}

/// An assistant message that failed or was aborted before it said anything.
fn is_empty_failure(m: &Message) -> bool {
    match m {
        Message::Assistant(a) => {
            matches!(a.stop_reason, StopReason::Error | StopReason::Aborted)
                && a.content.iter().all(|b| match b {
                    ContentBlock::Text { text } => text.trim().is_empty(),
                    ContentBlock::Thinking { .. } => true,
                    _ => false,
                })
        }
        _ => false,
    }
}

fn call_ids(m: &Message) -> Vec<String> {
    match m {
        Message::Assistant(a) => a.tool_calls().into_iter().map(|(id, _, _)| id).collect(),
        _ => Vec::new(),
    }
}

fn is_well_formed(messages: &[Message]) -> bool {
    let mut pending: HashSet<String> = HashSet::new();
    for m in messages {
        if is_empty_failure(m) {
            return false;
        }
        if let Message::ToolResult(r) = m {
            if !pending.remove(&r.tool_call_id) {
                return false;
            }
            continue;
        }
        if !pending.is_empty() {
            return false;
        }
        pending = call_ids(m).into_iter().collect();
    }
    pending.is_empty()
}

fn missing_result(id: &str, name: &str) -> Message {
    Message::ToolResult(ToolResultMessage {
        tool_call_id: id.to_string(),
        tool_name: name.to_string(),
        content: vec![ContentBlock::text(MISSING_RESULT_TEXT)],
        is_error: true,
        timestamp: 0,
        details: None,
        duration_ms: None,
    })
}

fn repair(messages: &[Message]) -> Vec<Message> {
    let mut out = Vec::with_capacity(messages.len() + 2);
    // Calls of the latest assistant message still waiting for a result: (id, name).
    let mut pending: Vec<(String, String)> = Vec::new();
    let flush = |pending: &mut Vec<(String, String)>, out: &mut Vec<Message>| {
        for (id, name) in pending.drain(..) {
            out.push(missing_result(&id, &name));
        }
    };
    for m in messages {
        if is_empty_failure(m) {
            continue;
        }
        if let Message::ToolResult(r) = m {
            if let Some(pos) = pending.iter().position(|(id, _)| *id == r.tool_call_id) {
                pending.remove(pos);
                out.push(m.clone());
            }
            // A result that answers no open call is dropped.
            continue;
        }
        flush(&mut pending, &mut out);
        if let Message::Assistant(a) = m {
            pending = a
                .tool_calls()
                .into_iter()
                .map(|(id, name, _)| (id, name))
                .collect();
        }
        out.push(m.clone());
    }
    flush(&mut pending, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ai::types::AssistantMessage;
    use serde_json::json;

    fn call(ids: &[&str]) -> Message {
        Message::Assistant(AssistantMessage {
            content: ids
                .iter()
                .map(|id| ContentBlock::ToolCall {
                    id: (*id).to_string(),
                    name: "bash".into(),
                    arguments: json!({}),
                })
                .collect(),
            stop_reason: StopReason::ToolUse,
            ..Default::default()
        })
    }

    fn result(id: &str) -> Message {
        Message::ToolResult(ToolResultMessage {
            tool_call_id: id.into(),
            tool_name: "bash".into(),
            content: vec![ContentBlock::text("ok")],
            is_error: false,
            timestamp: 0,
            details: None,
            duration_ms: None,
        })
    }

    fn shape(ms: &[Message]) -> Vec<String> {
        ms.iter()
            .map(|m| match m {
                Message::ToolResult(r) if r.is_error => format!("missing:{}", r.tool_call_id),
                Message::ToolResult(r) => format!("result:{}", r.tool_call_id),
                other => other.role().to_string(),
            })
            .collect()
    }

    #[test]
    fn a_whole_history_is_borrowed() {
        let ms = vec![
            Message::user_text("hi", 0),
            call(&["a", "b"]),
            result("b"),
            result("a"),
        ];
        assert!(matches!(well_formed(&ms), Cow::Borrowed(_)));
    }

    #[test]
    fn missing_results_are_made_up_in_call_order() {
        let ms = vec![
            Message::user_text("hi", 0),
            call(&["a", "b", "c"]),
            result("b"),
            Message::user_text("again", 0),
        ];
        assert_eq!(
            shape(&well_formed(&ms)),
            [
                "user",
                "assistant",
                "result:b",
                "missing:a",
                "missing:c",
                "user"
            ]
        );
    }

    #[test]
    fn a_trailing_call_gets_results_and_orphans_go() {
        let ms = vec![result("zz"), Message::user_text("hi", 0), call(&["a"])];
        assert_eq!(shape(&well_formed(&ms)), ["user", "assistant", "missing:a"]);
    }

    #[test]
    fn empty_aborted_assistant_messages_are_dropped() {
        let aborted = Message::Assistant(AssistantMessage {
            stop_reason: StopReason::Aborted,
            ..Default::default()
        });
        let ms = vec![
            Message::user_text("hi", 0),
            aborted,
            Message::user_text("x", 0),
        ];
        assert_eq!(shape(&well_formed(&ms)), ["user", "user"]);
    }

    #[test]
    fn repair_is_idempotent_and_always_well_formed() {
        use proptest::prelude::*;
        let step = prop_oneof![
            Just(0u8), // user
            Just(1u8), // call a,b
            Just(2u8), // result a
            Just(3u8), // result b
            Just(4u8), // result x (orphan)
        ];
        proptest!(|(steps in proptest::collection::vec(step, 0..24))| {
            let ms: Vec<Message> = steps
                .iter()
                .map(|s| match s {
                    0 => Message::user_text("u", 0),
                    1 => call(&["a", "b"]),
                    2 => result("a"),
                    3 => result("b"),
                    _ => result("x"),
                })
                .collect();
            let fixed = well_formed(&ms).into_owned();
            prop_assert!(is_well_formed(&fixed));
            prop_assert!(matches!(well_formed(&fixed), Cow::Borrowed(_)));
        });
    }
}
