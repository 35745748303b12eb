//! `/session-repair`, `/session-compact`, `/session-export`, `/session-import`.

use super::engine::CommandEngine;
use super::error::CommandError;
use super::output::{CommandOutput, to_json};
use super::parse::Invocation;
use crate::session::ImportMode;

type Result = std::result::Result<CommandOutput, CommandError>;

pub fn repair(engine: &CommandEngine, inv: &Invocation) -> Result {
    let report = engine.store().repair()?;
    let lines = report.to_string().lines().map(str::to_string).collect();
    Ok(CommandOutput::with_json(lines, inv.json, || {
        to_json(&report)
    }))
}

pub fn compact_file(engine: &CommandEngine, inv: &Invocation) -> Result {
    let report = engine.store().compact_to_active()?;
    let mut lines = vec![format!(
        "kept the active lineage: {} kept, {} dropped",
        crate::text::count(report.kept, "entry", "entries"),
        report.dropped
    )];
    if let Some(b) = &report.backup {
        lines.push(format!("backup: {}", b.display()));
    }
    Ok(CommandOutput::with_json(lines, inv.json, || {
        to_json(&report)
    }))
}

pub fn export(engine: &CommandEngine, inv: &Invocation) -> Result {
    let file = inv
        .arg(0)
        .ok_or_else(|| inv.usage_error("missing <file>"))?;
    let dest = engine.resolve(file);
    refuse_overwrite(&dest, inv)?;
    let report = engine.store().export_active(&dest)?;
    let head = report.head.as_deref().unwrap_or("none");
    Ok(CommandOutput::with_json(
        vec![format!(
            "exported the active lineage ({}, head {head}) to {}",
            crate::text::count(report.entries, "entry", "entries"),
            report.path.display()
        )],
        inv.json,
        || to_json(&report),
    ))
}

pub fn import(engine: &CommandEngine, inv: &Invocation) -> Result {
    let file = inv
        .arg(0)
        .ok_or_else(|| inv.usage_error("missing <file>"))?;
    let mode = match inv.arg(1) {
        Some(m) => m.parse::<ImportMode>().map_err(|e| inv.usage_error(e))?,
        None => engine.ctx.import_mode,
    };
    let src = engine.resolve(file);
    let report = engine.store().import(&src, mode)?;
    let mode_name = match report.mode {
        ImportMode::Merge => "merged",
        ImportMode::Replace => "replaced this session's entries with",
    };
    let mut lines = vec![format!(
        "{mode_name} {} from {}",
        crate::text::count(report.imported, "entry", "entries"),
        report.source.display()
    )];
    if !report.remapped.is_empty() {
        lines.push(format!(
            "{} colliding ids were given new ones:",
            report.remapped.len()
        ));
        lines.extend(
            report
                .remapped
                .iter()
                .map(|(from, to)| format!("  {from} → {to}")),
        );
    }
    if let Some(h) = &report.imported_head {
        match report.mode {
            ImportMode::Merge => lines.push(format!(
                "the imported session's head is {h}; /branch {h} continues it"
            )),
            ImportMode::Replace => lines.push(format!("head: {h}")),
        }
    }
    if let Some(b) = &report.backup {
        lines.push(format!("backup: {}", b.display()));
    }
    Ok(CommandOutput::with_json(lines, inv.json, || {
        to_json(&report)
    }))
}

/// An export never replaces a file the user already has, unless told to with `--force`.
pub(super) fn refuse_overwrite(
    dest: &std::path::Path,
    inv: &Invocation,
) -> std::result::Result<(), CommandError> {
    if dest.exists() && !inv.has_flag("force") {
        return Err(CommandError::failed(format!(
            "{} already exists; pass --force to overwrite it, or name another file",
            dest.display()
        )));
    }
    Ok(())
}
