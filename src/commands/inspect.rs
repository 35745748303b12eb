//! `/session-search`, `/session-stats`, `/session-diff`, `/session-graph-export`.

use std::collections::BTreeMap;

use serde_json::json;

use super::engine::CommandEngine;
use super::error::CommandError;
use super::output::{CommandOutput, to_json};
use super::parse::Invocation;
use crate::ai::types::Usage;
use crate::session::DiffEntry;

type Result = std::result::Result<CommandOutput, CommandError>;

const DEFAULT_SEARCH_LIMIT: usize = 20;

pub fn search(engine: &CommandEngine, inv: &Invocation) -> Result {
    let mut words: Vec<&str> = inv.args.iter().map(String::as_str).collect();
    let mut limit = DEFAULT_SEARCH_LIMIT;
    if words.len() > 1
        && let Some(n) = words.last().and_then(|w| w.parse::<usize>().ok())
    {
        limit = n;
        words.pop();
    }
    let query = words.join(" ");
    if query.trim().is_empty() {
        return Err(inv.usage_error("the query is empty"));
    }
    let hits = engine.store().search(&query, limit)?;
    let mut lines: Vec<String> = hits
        .iter()
        .map(|h| format!("{}  {:<10}  {}", h.id, h.role, h.snippet))
        .collect();
    if lines.is_empty() {
        lines.push(format!("no message contains '{query}'"));
    }
    Ok(CommandOutput::with_json(lines, inv.json, || to_json(&hits)))
}

fn counts(map: &BTreeMap<String, u64>) -> String {
    if map.is_empty() {
        return "none".to_string();
    }
    map.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn usage_line(u: &Usage) -> String {
    format!(
        "input {}, output {}, cache read {}, cache write {}",
        u.input, u.output, u.cache_read, u.cache_write
    )
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

pub fn stats(engine: &CommandEngine, inv: &Invocation) -> Result {
    let s = engine.store().stats();
    let lines = vec![
        format!("entries    {} ({})", s.entries, counts(&s.entries_by_type)),
        format!("branches   {}", s.branches),
        format!(
            "depth      max {}, active branch {}",
            s.max_depth, s.active_depth
        ),
        format!("messages   {}", counts(&s.messages_by_role)),
        format!("tokens     {}", usage_line(&s.usage)),
        format!("  active   {}", usage_line(&s.active_usage)),
        format!(
            "cost       ${:.4} (active branch ${:.4})",
            s.usage.cost.total, s.active_usage.cost.total
        ),
        format!("file       {}", human_bytes(s.file_bytes)),
    ];
    Ok(CommandOutput::with_json(lines, inv.json, || to_json(&s)))
}

fn diff_lines(label: &str, head: &str, entries: &[DiffEntry], out: &mut Vec<String>) {
    out.push(format!(
        "only on {label} ({head}): {}",
        crate::text::count(entries.len(), "entry", "entries")
    ));
    for e in entries {
        match &e.preview {
            Some(p) => out.push(format!("  {}  {:<20}  {p}", e.id, e.kind)),
            None => out.push(format!("  {}  {}", e.id, e.kind)),
        }
    }
}

pub fn diff(engine: &CommandEngine, inv: &Invocation) -> Result {
    let store = engine.store();
    let d = match (inv.arg(0), inv.arg(1)) {
        (None, _) => store.diff_with_previous_head()?,
        (Some(a), Some(b)) => {
            let a = store.resolve_ref(a)?;
            let b = store.resolve_ref(b)?;
            store.diff(&a, &b)?
        }
        (Some(_), None) => {
            return Err(
                inv.usage_error("name two entries, or none to compare with the previous head")
            );
        }
    };
    let mut lines = vec![match &d.common_ancestor {
        Some(c) => format!("common ancestor {c}"),
        None => "no common ancestor: the lineages start at different roots".to_string(),
    }];
    diff_lines("a", &d.a, &d.only_a, &mut lines);
    diff_lines("b", &d.b, &d.only_b, &mut lines);
    Ok(CommandOutput::with_json(lines, inv.json, || to_json(&d)))
}

pub fn graph_export(engine: &CommandEngine, inv: &Invocation) -> Result {
    let file = inv
        .arg(0)
        .ok_or_else(|| inv.usage_error("missing <file>"))?;
    let dest = engine.resolve(file);
    super::maintain::refuse_overwrite(&dest, inv)?;
    let report = engine.store().export_graph(&dest)?;
    let format = match report.format {
        crate::session::GraphFormat::Dot => "Graphviz DOT",
        _ => "Mermaid",
    };
    Ok(CommandOutput::with_json(
        vec![format!(
            "wrote the session graph ({format}, {} nodes, {} edges) to {}",
            report.nodes,
            report.edges,
            report.path.display()
        )],
        inv.json,
        || json!(report),
    ))
}
