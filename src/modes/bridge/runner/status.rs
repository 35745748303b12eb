//! `/pi status` and what happens to a state file that cannot be read.

use super::super::store::{Channel, Direction};
use super::{RunContext, log_event};

/// Moves an unreadable `state.json` aside (`state.json.corrupt-<unix seconds>`) so the
/// conversation starts with a fresh state; the event is logged in the channel and the
/// bridge's log.
pub fn set_aside(channel: &Channel, reason: &str) {
    let path = channel.state_path();
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let aside = path.with_file_name(format!("state.json.corrupt-{secs}"));
    match std::fs::rename(&path, &aside) {
        Ok(()) => tracing::warn!(
            "{reason}; set aside as {} and started afresh (pi's reply markers still prevent double answers)",
            aside.display()
        ),
        Err(e) => tracing::warn!("{reason}; cannot set it aside: {e}"),
    }
    log_event(
        channel,
        Direction::In,
        "state_reset",
        "",
        serde_json::json!({ "reason": reason, "moved_to": aside.display().to_string() }),
    );
}

/// The answer to `/pi status` in one conversation.
pub fn status_text(
    ctx: &RunContext,
    channel: Option<&Channel>,
    active: Option<&str>,
    queued: usize,
    running_everywhere: usize,
) -> String {
    let mut lines = vec![match active {
        Some(key) => format!("running: {key}"),
        None => "running: nothing".to_string(),
    }];
    lines.push(format!("waiting here: {queued}"));
    lines.push(format!(
        "runs going in all conversations: {running_everywhere}"
    ));
    let mut model = ctx.agent.model.to_string();
    if let Some(ch) = channel {
        if let Ok(state) = ch.state() {
            let c = state.counters;
            lines.push(format!(
                "messages: {} · runs: {} · duplicates dropped: {}",
                c.inbound, c.runs, c.duplicates
            ));
        }
        // The session is read without taking its lock: a run may hold it.
        if ch.session_path().exists()
            && let Ok((session, _)) =
                crate::session::SessionStore::open_read_only(&ch.session_path())
        {
            if let Ok(Some((provider, id))) = session.active_model() {
                model = format!("{provider}/{id}");
            }
            lines.push(format!("session entries: {}", session.entry_count()));
        }
    }
    lines.insert(0, format!("model: {model}"));
    format!("```\n{}\n```", lines.join("\n"))
}
