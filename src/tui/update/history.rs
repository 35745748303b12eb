//! The active branch's messages as history cells (at start and after the head moves).

use crate::ai::types::{ContentBlock, Message, StopReason, UserContent};
use crate::tui::panes::conversation::{CellKind, Conversation, NoticeLevel};

/// Fills `conv` with the cells of `messages`.
pub fn cells_from_messages(conv: &mut Conversation, messages: &[Message]) {
    for m in messages {
        match m {
            Message::User(u) => {
                let text = match &u.content {
                    UserContent::Text(t) => t.clone(),
                    UserContent::Blocks(blocks) => {
                        let mut t = String::new();
                        let mut images = 0;
                        for b in blocks {
                            match b {
                                ContentBlock::Text { text } => {
                                    if !t.is_empty() {
                                        t.push('\n');
                                    }
                                    t.push_str(text);
                                }
                                ContentBlock::Image { .. } => images += 1,
                                _ => {}
                            }
                        }
                        if images > 0 {
                            t.push_str(&format!("\n[{images} image(s) attached]"));
                        }
                        t
                    }
                };
                conv.push(CellKind::User { text });
            }
            Message::Assistant(a) => {
                let mut text = String::new();
                for b in &a.content {
                    match b {
                        ContentBlock::Thinking { thinking, .. } if !thinking.trim().is_empty() => {
                            conv.push(CellKind::Thinking {
                                text: thinking.clone(),
                                streaming: false,
                            });
                        }
                        ContentBlock::Text { text: t } => {
                            if !text.is_empty() {
                                text.push('\n');
                            }
                            text.push_str(t);
                        }
                        ContentBlock::ToolCall {
                            id,
                            name,
                            arguments,
                        } => {
                            if !text.trim().is_empty() {
                                conv.answer_finished(&std::mem::take(&mut text));
                            }
                            conv.tool_started(id, name, arguments.clone());
                        }
                        _ => {}
                    }
                }
                if !text.trim().is_empty() {
                    conv.answer_finished(&text);
                }
                if let Some(e) = &a.error_message {
                    conv.notice(NoticeLevel::Error, e.clone());
                } else if a.stop_reason == StopReason::Aborted {
                    conv.notice(NoticeLevel::Warning, "turn cancelled");
                }
            }
            Message::ToolResult(r) => {
                let out = crate::ai::types::blocks_text(&r.content);
                conv.tool_finished(&r.tool_call_id, r.is_error, &out, 0);
                // The stored duration; results written before pi stored them have none.
                conv.set_tool_duration(&r.tool_call_id, r.duration_ms);
            }
            Message::CompactionSummary(s) | Message::BranchSummary(s) => {
                conv.notice(
                    NoticeLevel::Info,
                    format!("summary of the earlier conversation:\n{}", s.summary),
                );
            }
        }
    }
    conv.turn_ended();
}
