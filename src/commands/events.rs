//! The events commands (`table_events.rs` declares them; docs/events.md). The event files and
//! the runner's state belong to the events runner (a higher layer), reached through
//! [`EventsAccess`], which the front end puts in the engine's context.

use serde::Serialize;
use serde_json::json;

use super::engine::CommandEngine;
use super::error::CommandError;
use super::output::CommandOutput;
use super::parse::Invocation;

type Result = std::result::Result<CommandOutput, CommandError>;

/// One event as `/events-list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRow {
    pub id: String,
    pub channel: String,
    pub schedule: String,
    pub enabled: bool,
    pub runs: u64,
    pub failures: u32,
    pub last_error: Option<String>,
    /// When it runs next (RFC 3339), `now`, or `never`.
    pub next: String,
}

/// What the events commands need from the events runner's files.
pub trait EventsAccess: Send + Sync + std::fmt::Debug {
    /// Every event, and the files that could not be read (`file: reason`).
    fn list(&self) -> std::result::Result<(Vec<EventRow>, Vec<String>), String>;
    /// One event's details as `name: value` lines.
    fn show(&self, id: &str) -> std::result::Result<Vec<(String, String)>, String>;
    /// Queues an immediate copy; returns the copy's id.
    fn run_now(&self, id: &str) -> std::result::Result<String, String>;
    /// Disables the event in its file.
    fn disable(&self, id: &str) -> std::result::Result<(), String>;
}

fn access(engine: &CommandEngine) -> std::result::Result<&dyn EventsAccess, CommandError> {
    engine.ctx.events.as_deref().ok_or_else(|| {
        CommandError::failed("no events dir: start pi with --events-dir DIR (and --events-state-path FILE for the runs)")
    })
}

fn arg(inv: &Invocation) -> &str {
    inv.args.first().map_or("", String::as_str)
}

/// Runs an `/events-*` command.
pub fn run(engine: &mut CommandEngine, inv: &Invocation) -> Result {
    let events = access(engine)?;
    match inv.spec.name {
        "events-list" => {
            let (rows, problems) = events.list().map_err(CommandError::failed)?;
            let mut lines: Vec<String> = rows
                .iter()
                .map(|r| {
                    format!(
                        "{}  {}  {}  {}  runs {}  failures {}  next {}",
                        r.id,
                        r.channel,
                        r.schedule,
                        if r.enabled { "enabled" } else { "disabled" },
                        r.runs,
                        r.failures,
                        r.next
                    )
                })
                .collect();
            if rows.is_empty() {
                lines.push("no events".into());
            }
            lines.extend(problems.iter().map(|p| format!("skipped: {p}")));
            Ok(CommandOutput::with_json(
                lines,
                inv.json,
                || json!({ "events": rows, "problems": problems }),
            ))
        }
        "events-show" => {
            let fields = events.show(arg(inv)).map_err(CommandError::failed)?;
            let lines = fields.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            Ok(CommandOutput::with_json(lines, inv.json, || {
                serde_json::Value::Object(
                    fields.iter().map(|(k, v)| (k.clone(), json!(v))).collect(),
                )
            }))
        }
        "events-run" => {
            let copy = events.run_now(arg(inv)).map_err(CommandError::failed)?;
            Ok(CommandOutput::line(format!(
                "queued {copy}: the events runner runs it at once"
            )))
        }
        "events-disable" => {
            events.disable(arg(inv)).map_err(CommandError::failed)?;
            Ok(CommandOutput::line(format!("disabled {}", arg(inv))))
        }
        other => Err(CommandError::failed(format!(
            "/{other} is not an events command"
        ))),
    }
}
