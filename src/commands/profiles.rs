//! `/profile save|list|show|load|delete`: runtime defaults (model, fallback models, thinking,
//! limits) kept in the project's `.pi/profiles.json`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::engine::CommandEngine;
use super::error::CommandError;
use super::output::{CommandOutput, Outcome};
use super::parse::Invocation;
use super::statefile::{check_name, read_json, update_json};
use crate::agent::{Op, RuntimeSettings};
use crate::session::now_iso;

type Result = std::result::Result<CommandOutput, CommandError>;

pub const PROFILES_FILE: &str = "profiles.json";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct ProfileFile {
    #[serde(default = "version_one")]
    version: u32,
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
    /// Keys this version does not know (the user's own, or a newer pi's): written back as read.
    #[serde(flatten)]
    other: BTreeMap<String, Value>,
}

fn version_one() -> u32 {
    1
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Profile {
    #[serde(flatten)]
    settings: RuntimeSettings,
    #[serde(default)]
    saved_at: String,
    /// Keys of the profile this version does not know; kept, also when the profile is saved
    /// again. After `settings`, which takes its own keys first.
    #[serde(flatten)]
    other: BTreeMap<String, Value>,
}

fn unknown(name: &str) -> CommandError {
    CommandError::failed(format!(
        "no profile named '{name}'; /profile list shows the saved ones"
    ))
}

/// The saved profile names (for completion).
pub fn profile_names(engine: &CommandEngine) -> Vec<String> {
    read_json::<ProfileFile>(&engine.state_dir().join(PROFILES_FILE))
        .map(|f| f.profiles.into_keys().collect())
        .unwrap_or_default()
}

/// The settings a profile names, one per line.
pub fn settings_lines(s: &RuntimeSettings) -> Vec<String> {
    let mut lines = Vec::new();
    let mut push = |name: &str, value: Option<String>| {
        if let Some(v) = value {
            lines.push(format!("{name:<22}{v}"));
        }
    };
    push("model", s.model.clone());
    push(
        "fallback models",
        s.fallback_models.as_ref().map(|f| {
            if f.is_empty() {
                "(none)".to_string()
            } else {
                f.join(", ")
            }
        }),
    );
    push(
        "thinking",
        s.thinking
            .and_then(|t| serde_json::to_value(t).ok())
            .and_then(|v| v.as_str().map(str::to_string)),
    );
    push("max turns", s.max_turns.map(|v| v.to_string()));
    push(
        "max output tokens",
        s.max_output_tokens.map(|v| v.to_string()),
    );
    push("turn timeout ms", s.turn_timeout_ms.map(|v| v.to_string()));
    push("context window", s.context_window.map(|v| v.to_string()));
    push(
        "max file read bytes",
        s.max_file_read_bytes.map(|v| v.to_string()),
    );
    push(
        "max file write bytes",
        s.max_file_write_bytes.map(|v| v.to_string()),
    );
    push(
        "max tool output bytes",
        s.max_tool_output_bytes.map(|v| v.to_string()),
    );
    push("bash timeout ms", s.bash_timeout_ms.map(|v| v.to_string()));
    lines
}

pub fn profile_command(engine: &CommandEngine, inv: &Invocation) -> Result {
    let path = engine.state_dir().join(PROFILES_FILE);
    let mut file: ProfileFile = read_json(&path)?;
    match inv.sub.map_or("", |s| s.name) {
        "save" => {
            let name = inv.required_arg(0)?;
            check_name("profile", name)?;
            let settings = engine.ctx.settings.clone();
            let replaced = update_json(&path, |file: &mut ProfileFile| {
                let other = file
                    .profiles
                    .get(name)
                    .map(|p| p.other.clone())
                    .unwrap_or_default();
                let saved = Profile {
                    settings: settings.clone(),
                    saved_at: now_iso(),
                    other,
                };
                Ok(file.profiles.insert(name.to_string(), saved))
            })?;
            let verb = if replaced.is_some() {
                "replaced"
            } else {
                "saved"
            };
            let mut lines = vec![format!("{verb} profile '{name}' in {}", path.display())];
            lines.extend(
                settings_lines(&settings)
                    .into_iter()
                    .map(|l| format!("  {l}")),
            );
            Ok(CommandOutput::with_json(
                lines,
                inv.json,
                || json!({ "name": name, "settings": settings }),
            ))
        }
        "list" => {
            let mut lines: Vec<String> = file
                .profiles
                .iter()
                .map(|(name, p)| {
                    let model = p.settings.model.as_deref().unwrap_or("(model unchanged)");
                    format!("{name}  {model}")
                })
                .collect();
            if lines.is_empty() {
                lines.push(
                    "no profiles yet; /profile save <name> saves the settings in force".to_string(),
                );
            }
            Ok(CommandOutput::with_json(lines, inv.json, || {
                json!(file.profiles)
            }))
        }
        "show" => {
            let name = inv.required_arg(0)?;
            let p = file.profiles.get(name).ok_or_else(|| unknown(name))?;
            Ok(CommandOutput::with_json(
                settings_lines(&p.settings),
                inv.json,
                || json!({ "name": name, "settings": p.settings, "savedAt": p.saved_at }),
            ))
        }
        "load" => {
            let name = inv.required_arg(0)?;
            let p = file.profiles.remove(name).ok_or_else(|| unknown(name))?;
            // The engine's view changes when the agent reports `settings_applied` (`observe`).
            let out = CommandOutput::with_json(
                vec![format!("loading profile '{name}'")],
                inv.json,
                || json!({ "name": name, "settings": p.settings }),
            );
            Ok(out.then(Outcome::Submit(Op::Configure {
                settings: p.settings,
            })))
        }
        "delete" => {
            let name = inv.required_arg(0)?;
            update_json(&path, |file: &mut ProfileFile| {
                file.profiles.remove(name).ok_or_else(|| unknown(name))
            })?;
            Ok(CommandOutput::with_json(
                vec![format!("deleted profile '{name}'")],
                inv.json,
                || json!({ "deleted": name }),
            ))
        }
        _ => Err(inv.usage_error("unknown subcommand")),
    }
}
