//! The pure half of compaction: token estimates, where to cut the branch, and the transcript
//! the summariser reads.

use crate::ai::types::{ContentBlock, Message, UserContent};

/// A rough token count: about four bytes a token, an image as a fixed cost.
const BYTES_PER_TOKEN: u64 = 4;
const IMAGE_TOKENS: u64 = 1_200;
const MESSAGE_OVERHEAD_TOKENS: u64 = 4;
/// Most characters of one tool result shown to the summariser.
const TOOL_RESULT_CHARS: usize = 2_000;

/// The compaction limits for a context window (pi's defaults, scaled down for small windows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompactionBudget {
    /// Tokens kept free for the answer: compaction starts above `window - reserve`.
    pub reserve: u64,
    /// Recent tokens kept verbatim after the summary.
    pub keep_recent: u64,
}

impl CompactionBudget {
    pub fn for_window(window: u64) -> CompactionBudget {
        CompactionBudget {
            reserve: (window / 5).min(16_384),
            keep_recent: (window / 4).min(20_000),
        }
    }
}

fn block_tokens(b: &ContentBlock) -> u64 {
    match b {
        ContentBlock::Text { text, .. } => text.len() as u64 / BYTES_PER_TOKEN,
        ContentBlock::Thinking { thinking, .. } => thinking.len() as u64 / BYTES_PER_TOKEN,
        ContentBlock::ToolCall {
            name, arguments, ..
        } => (name.len() + arguments.to_string().len()) as u64 / BYTES_PER_TOKEN,
        ContentBlock::Image { .. } => IMAGE_TOKENS,
    }
}

/// Estimated tokens of one message.
pub fn message_tokens(m: &Message) -> u64 {
    let body = match m {
        Message::User(u) => match &u.content {
            UserContent::Text(t) => t.len() as u64 / BYTES_PER_TOKEN,
            UserContent::Blocks(b) => b.iter().map(block_tokens).sum(),
        },
        Message::Assistant(a) => a.content.iter().map(block_tokens).sum(),
        Message::ToolResult(t) => t.content.iter().map(block_tokens).sum(),
        Message::CompactionSummary(s) | Message::BranchSummary(s) => {
            s.summary.len() as u64 / BYTES_PER_TOKEN
        }
    };
    body + MESSAGE_OVERHEAD_TOKENS
}

pub fn messages_tokens(messages: &[Message]) -> u64 {
    messages.iter().map(message_tokens).sum()
}

/// Where to cut `messages` so that what follows fits `keep_tokens`: the index of the first
/// kept message, never 0 (something must be summarised) and never a tool result (a result
/// stays with its call). A user message is preferred; if no cut fits, the latest one is used.
/// `None` when there is nothing to summarise.
pub fn plan_cut(messages: &[Message], keep_tokens: u64) -> Option<usize> {
    let start = usize::from(matches!(
        messages.first(),
        Some(Message::CompactionSummary(_))
    ));
    let mut suffix = vec![0u64; messages.len() + 1];
    for i in (0..messages.len()).rev() {
        suffix[i] = suffix[i + 1] + message_tokens(&messages[i]);
    }
    let (users, assistants): (Vec<usize>, Vec<usize>) = (start + 1..messages.len())
        .filter(|&i| matches!(messages[i], Message::User(_) | Message::Assistant(_)))
        .partition(|&i| matches!(messages[i], Message::User(_)));
    let fits = |i: &&usize| suffix[**i] <= keep_tokens;
    users
        .iter()
        .find(fits)
        .or_else(|| assistants.iter().find(fits))
        .or_else(|| users.last())
        .or_else(|| assistants.last())
        .copied()
}

fn shorten(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let cut: String = text.chars().take(max_chars).collect();
    format!("{cut}\n[... truncated]")
}

/// The messages as plain text for the summariser, at most `max_chars` (the oldest part is
/// dropped first).
pub fn transcript(messages: &[Message], max_chars: usize) -> String {
    let mut parts: Vec<String> = Vec::with_capacity(messages.len());
    for m in messages {
        let part = match m {
            Message::User(u) => format!("[user]\n{}", u.content.plain_text()),
            Message::Assistant(a) => {
                let mut s = String::from("[assistant]");
                for b in &a.content {
                    match b {
                        ContentBlock::Text { text, .. } => {
                            s.push('\n');
                            s.push_str(text);
                        }
                        ContentBlock::ToolCall {
                            name, arguments, ..
                        } => {
                            s.push_str(&format!("\n(tool call) {name} {arguments}"));
                        }
                        ContentBlock::Thinking { .. } | ContentBlock::Image { .. } => {}
                    }
                }
                s
            }
            Message::ToolResult(t) => {
                let status = if t.is_error { "error" } else { "result" };
                format!(
                    "[tool {status}: {}]\n{}",
                    t.tool_name,
                    shorten(&m.text(), TOOL_RESULT_CHARS)
                )
            }
            Message::CompactionSummary(s) | Message::BranchSummary(s) => {
                format!("[summary of earlier conversation]\n{}", s.summary)
            }
        };
        parts.push(part);
    }
    let mut total = 0usize;
    let mut first = parts.len();
    for (i, p) in parts.iter().enumerate().rev() {
        if total + p.len() > max_chars && first < parts.len() {
            break;
        }
        total += p.len() + 2;
        first = i;
    }
    let mut body = parts[first..].join("\n\n");
    if body.len() > max_chars {
        // One message alone is too long: keep its end.
        let skip = body.chars().count().saturating_sub(max_chars);
        body = body.chars().skip(skip).collect();
    }
    if first > 0 || body.len() < parts.iter().map(String::len).sum::<usize>() {
        body.insert_str(0, "[earlier messages omitted]\n\n");
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ai::types::{AssistantMessage, SummaryMessage, ToolResultMessage};

    fn user(t: &str) -> Message {
        Message::user_text(t, 0)
    }

    fn assistant(t: &str) -> Message {
        Message::Assistant(AssistantMessage {
            content: vec![ContentBlock::text(t)],
            ..AssistantMessage::default()
        })
    }

    fn result(t: &str) -> Message {
        Message::ToolResult(ToolResultMessage {
            tool_call_id: "c".into(),
            tool_name: "read".into(),
            content: vec![ContentBlock::text(t)],
            is_error: false,
            timestamp: 0,
            details: None,
            duration_ms: None,
        })
    }

    #[test]
    fn cuts_at_the_earliest_user_message_whose_tail_fits() {
        let m = [user("a"), assistant("b"), user("c"), assistant("d")];
        assert_eq!(plan_cut(&m, 1_000), Some(2));
        // Nothing fits: the latest user message.
        let big = "x".repeat(4_000);
        let m = [user(&big), assistant(&big), user(&big), assistant(&big)];
        assert_eq!(plan_cut(&m, 10), Some(2));
    }

    #[test]
    fn never_cuts_before_a_tool_result_or_at_the_start() {
        let big = "x".repeat(4_000);
        let m = [
            user("do it"),
            assistant(&big),
            result(&big),
            assistant("done"),
        ];
        // The only user message is first: cut at an assistant message.
        assert_eq!(plan_cut(&m, 100), Some(3));
        assert_eq!(plan_cut(&[user("only")], 100), None);
        let summary = Message::CompactionSummary(SummaryMessage {
            summary: "s".into(),
            timestamp: 0,
        });
        assert_eq!(plan_cut(&[summary.clone(), user("x")], 100), None);
        assert_eq!(
            plan_cut(&[summary, user("x"), assistant("y"), user("z")], 100),
            Some(3)
        );
    }

    #[test]
    fn transcript_keeps_the_newest_part() {
        let m = [user(&"a".repeat(100)), assistant("second"), user("third")];
        let t = transcript(&m, 40);
        assert!(t.starts_with("[earlier messages omitted]"), "{t}");
        assert!(t.contains("third"));
        assert!(!t.contains("aaaa"));
        let full = transcript(&m, 10_000);
        assert!(full.starts_with("[user]\naaa"));
        assert!(full.contains("[assistant]\nsecond"));
    }

    #[test]
    fn estimates_grow_with_text() {
        assert!(messages_tokens(&[user(&"x".repeat(400))]) >= 100);
        assert!(message_tokens(&user("")) > 0);
    }
}
