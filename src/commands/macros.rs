//! `/macro save|list|show|run|delete`: command lists kept in the project's `.pi/macros.json`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::engine::CommandEngine;
use super::error::CommandError;
use super::output::{CommandOutput, Outcome};
use super::parse::Invocation;
use super::script::{check_script, script_lines};
use super::statefile::{check_name, read_json, update_json};
use crate::session::now_iso;

type Result = std::result::Result<CommandOutput, CommandError>;

pub const MACROS_FILE: &str = "macros.json";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct MacroFile {
    #[serde(default = "version_one")]
    version: u32,
    #[serde(default)]
    macros: BTreeMap<String, Macro>,
}

fn version_one() -> u32 {
    1
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Macro {
    commands: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source: Option<String>,
    #[serde(default)]
    saved_at: String,
}

fn unknown(name: &str) -> CommandError {
    CommandError::failed(format!(
        "no macro named '{name}'; /macro list shows the saved ones"
    ))
}

/// The saved macro names (for completion).
pub fn macro_names(engine: &CommandEngine) -> Vec<String> {
    read_json::<MacroFile>(&engine.state_dir().join(MACROS_FILE))
        .map(|f| f.macros.into_keys().collect())
        .unwrap_or_default()
}

pub fn macro_command(engine: &CommandEngine, inv: &Invocation) -> Result {
    let path = engine.state_dir().join(MACROS_FILE);
    let mut file: MacroFile = read_json(&path)?;
    match inv.sub.map_or("", |s| s.name) {
        "save" => {
            let name = inv.required_arg(0)?;
            check_name("macro", name)?;
            let source = inv.required_arg(1)?;
            let src = engine.resolve(source);
            let text = std::fs::read_to_string(&src)
                .map_err(|e| CommandError::failed(format!("cannot read {}: {e}", src.display())))?;
            check_script(source, &text)?;
            let commands: Vec<String> = script_lines(&text)
                .into_iter()
                .map(|(_, l)| l.to_string())
                .collect();
            if commands.is_empty() {
                return Err(CommandError::failed(format!(
                    "{source} holds no commands (only blank lines and # comments)"
                )));
            }
            let count = commands.len();
            let saved = Macro {
                commands,
                source: Some(source.to_string()),
                saved_at: now_iso(),
            };
            let replaced = update_json(&path, |file: &mut MacroFile| {
                Ok(file.macros.insert(name.to_string(), saved))
            })?;
            let verb = if replaced.is_some() {
                "replaced"
            } else {
                "saved"
            };
            Ok(CommandOutput::with_json(
                vec![format!(
                    "{verb} macro '{name}' ({}) in {}",
                    crate::text::count(count, "line", "lines"),
                    path.display()
                )],
                inv.json,
                || json!({ "name": name, "lines": count, "file": path }),
            ))
        }
        "list" => {
            let mut lines: Vec<String> = file
                .macros
                .iter()
                .map(|(name, m)| {
                    format!(
                        "{name}  ({})",
                        crate::text::count(m.commands.len(), "line", "lines")
                    )
                })
                .collect();
            if lines.is_empty() {
                lines.push(
                    "no macros yet; /macro save <name> <commands-file> creates one".to_string(),
                );
            }
            Ok(CommandOutput::with_json(lines, inv.json, || {
                json!(file.macros)
            }))
        }
        "show" => {
            let name = inv.required_arg(0)?;
            let m = file.macros.get(name).ok_or_else(|| unknown(name))?;
            Ok(CommandOutput::with_json(
                m.commands.clone(),
                inv.json,
                || json!({ "name": name, "commands": m.commands }),
            ))
        }
        "run" => {
            let name = inv.required_arg(0)?;
            let m = file.macros.remove(name).ok_or_else(|| unknown(name))?;
            let dry_run = inv.has_flag("dry-run");
            if dry_run {
                let mut lines = vec![format!(
                    "macro '{name}' would run {}:",
                    crate::text::count(m.commands.len(), "line", "lines")
                )];
                lines.extend(
                    m.commands
                        .iter()
                        .enumerate()
                        .map(|(i, c)| format!("  {}. {c}", i + 1)),
                );
                return Ok(CommandOutput::with_json(
                    lines,
                    inv.json,
                    || json!({ "name": name, "dry_run": true, "commands": m.commands }),
                ));
            }
            let out = CommandOutput::with_json(
                vec![format!(
                    "running macro '{name}' ({})",
                    crate::text::count(m.commands.len(), "line", "lines")
                )],
                inv.json,
                || json!({ "name": name, "dry_run": false, "commands": m.commands }),
            );
            Ok(out.then(Outcome::Run {
                name: name.to_string(),
                lines: m.commands,
            }))
        }
        "delete" => {
            let name = inv.required_arg(0)?;
            update_json(&path, |file: &mut MacroFile| {
                file.macros.remove(name).ok_or_else(|| unknown(name))
            })?;
            Ok(CommandOutput::with_json(
                vec![format!("deleted macro '{name}'")],
                inv.json,
                || json!({ "deleted": name }),
            ))
        }
        _ => Err(inv.usage_error("unknown subcommand")),
    }
}
