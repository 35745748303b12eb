//! Progress lines for stderr (tool calls, retries, notices, compaction), shared by the
//! headless modes.

use crate::agent::{CompactionReason, EventMsg};

/// The stderr line an event shows as progress, if any.
pub fn progress_line(msg: &EventMsg) -> Option<String> {
    match msg {
        EventMsg::ToolCallStarted {
            name, arguments, ..
        } => Some(format!("→ {name} {}", summarize_args(arguments))),
        EventMsg::ToolCallFinished {
            name,
            is_error: true,
            output,
            ..
        } => Some(format!("✗ {name}: {}", first_line(output))),
        EventMsg::Retry {
            attempt,
            max_retries,
            delay_ms,
            reason,
            model,
        } => Some(format!(
            "retry {attempt}/{max_retries} of {model} in {:.1}s: {reason}",
            *delay_ms as f64 / 1000.0
        )),
        EventMsg::Fallback { from, to, reason } => {
            Some(format!("falling back from {from} to {to}: {reason}"))
        }
        EventMsg::Notice { message } => Some(format!("warning: {message}")),
        EventMsg::SandboxChecked {
            active: false,
            detail,
            ..
        } => Some(format!("warning: {detail}")),
        EventMsg::CompactionStarted { reason } => Some(
            match reason {
                CompactionReason::Manual => "compacting the conversation…",
                CompactionReason::Threshold => {
                    "the conversation is near the context window; compacting older messages…"
                }
                CompactionReason::Overflow => {
                    "the provider reported a context overflow; compacting and retrying…"
                }
            }
            .to_string(),
        ),
        _ => None,
    }
}

pub fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// A one-line summary of a tool call's arguments for progress output.
fn summarize_args(args: &serde_json::Value) -> String {
    let main = ["command", "path", "pattern"]
        .iter()
        .find_map(|k| args.get(*k).and_then(|v| v.as_str()));
    let text = match main {
        Some(s) => s.to_string(),
        None => args.to_string(),
    };
    let line = first_line(&text);
    if line.chars().count() > 100 {
        let cut: String = line.chars().take(99).collect();
        format!("{cut}…")
    } else {
        line.to_string()
    }
}
