//! `/pi` commands in a bridge: which engine commands stay off (they read or write files on
//! the bridge's host, or end the process), and how an agent's answer to a command reads.

use crate::agent::EventMsg;
use crate::commands::settings_lines;

/// Engine commands a bridge runs: they read or change the conversation's own session and
/// model, nothing else on the host. Everything else (skills installs and the trust file,
/// files named by the sender, macros, profiles, quitting) is refused: the bridge runs for
/// other people.
const ALLOWED: &[&str] = &[
    "compact",
    "model",
    "models-list",
    "model-show",
    "session",
    "session-stats",
    "session-search",
    "session-diff",
    "branches",
    "branch",
    "new",
    "clear",
    "policy",
    "help",
];

/// Why `line` is refused in a bridge, if it is.
pub fn blocked(line: &str) -> Option<String> {
    let name = line.trim().strip_prefix('/')?.split_whitespace().next()?;
    if ALLOWED.contains(&name) {
        return None;
    }
    Some(format!(
        "`/pi {name}` does not run from a bridge: only the conversation's own session and model can be changed here ({}).",
        ALLOWED
            .iter()
            .map(|c| format!("/pi {c}"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// The lines an agent's answer to a command adds to its output.
pub fn describe_answer(msg: &EventMsg) -> Vec<String> {
    match msg {
        EventMsg::ModelChanged { model } => vec![format!("model: {model}")],
        EventMsg::ThinkingChanged { level } => vec![format!("thinking: {level:?}").to_lowercase()],
        EventMsg::Compacted {
            entry_id,
            summarized,
            kept,
            tokens_before,
            tokens_after,
            ..
        } => vec![format!(
            "compacted: {} summarised in entry {entry_id}, {kept} kept; about {tokens_before} → {tokens_after} tokens",
            crate::text::count(*summarized, "message", "messages")
        )],
        EventMsg::CompactionSkipped { reason } => vec![reason.clone()],
        EventMsg::SettingsApplied { settings } => {
            let mut lines = vec!["settings applied:".to_string()];
            lines.extend(
                settings_lines(settings)
                    .into_iter()
                    .map(|l| format!("  {l}")),
            );
            lines
        }
        EventMsg::TurnFinished { text, .. } => vec![text.clone()],
        EventMsg::TurnCancelled => vec!["cancelled".into()],
        EventMsg::Error { message } => vec![format!("error: {message}")],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_file_commands_are_refused_and_the_rest_pass() {
        assert!(blocked("/session-export /tmp/x").is_some());
        assert!(blocked("/skills-install https://evil/skill").is_some());
        assert!(blocked("/skills-lock-write /etc/x").is_some());
        assert!(blocked("/skills-trust-add k").is_some());
        assert!(blocked("/quit").is_some());
        assert!(blocked("/macro save x").is_some());
        assert_eq!(blocked("/compact"), None);
        assert_eq!(blocked("/model openai/gpt-4.1"), None);
        assert_eq!(blocked("/session-stats"), None);
        assert_eq!(blocked("not a command"), None);
        assert_eq!(blocked("/help"), None);
    }

    #[test]
    fn answers_read_as_lines() {
        let lines = describe_answer(&EventMsg::ModelChanged {
            model: "openai/gpt-4.1".into(),
        });
        assert_eq!(lines, ["model: openai/gpt-4.1"]);
        assert!(describe_answer(&EventMsg::TurnStarted).is_empty());
    }
}
