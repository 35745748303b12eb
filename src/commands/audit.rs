//! `/audit-summary [PATH]`: per-tool counts, error rates and durations from a tool audit log
//! (this run's `--tool-audit-log` when no path is given).

use std::path::Path;

use serde_json::json;
use unicode_width::UnicodeWidthStr;

use super::engine::CommandEngine;
use super::error::CommandError;
use super::output::{CommandOutput, to_json};
use super::parse::Invocation;
use crate::tools::audit::{AuditSummary, summarize_file};

type Result = std::result::Result<CommandOutput, CommandError>;

const HEADER: [&str; 9] = [
    "tool",
    "calls",
    "errors",
    "error rate",
    "denied",
    "asked",
    "p50 ms",
    "p95 ms",
    "output bytes",
];

pub fn audit_summary(engine: &CommandEngine, inv: &Invocation) -> Result {
    let path = match (inv.arg(0), &engine.ctx.audit_log) {
        (Some(p), _) => engine.resolve(p),
        (None, Some(p)) => p.clone(),
        (None, None) => {
            return Err(CommandError::failed(
                "no tool audit log to read: name one (/audit-summary PATH) or start pi with --tool-audit-log PATH",
            ));
        }
    };
    let summary = summarize_file(&path).map_err(|e| CommandError::failed(e.to_string()))?;
    let lines = summary_lines(&path, &summary);
    Ok(CommandOutput::with_json(lines, inv.json, || {
        let mut value = to_json(&summary);
        value["path"] = json!(path.display().to_string());
        value
    }))
}

/// The summary as text: a table with a row per tool, then the lines that were skipped.
pub fn summary_lines(path: &Path, summary: &AuditSummary) -> Vec<String> {
    let mut lines = Vec::new();
    if summary.tools.is_empty() {
        lines.push(format!("no tool calls in {}", path.display()));
    } else {
        lines.push(format!("{}: {} records", path.display(), summary.records));
        let dash = || "-".to_string();
        let rows: Vec<Vec<String>> = summary
            .tools
            .iter()
            .map(|t| {
                vec![
                    t.tool.clone(),
                    t.calls.to_string(),
                    t.errors.to_string(),
                    t.error_rate
                        .map_or_else(dash, |r| format!("{:.1}%", r * 100.0)),
                    t.denied.to_string(),
                    t.asked.to_string(),
                    t.p50_ms.map_or_else(dash, |v| v.to_string()),
                    t.p95_ms.map_or_else(dash, |v| v.to_string()),
                    t.output_bytes.to_string(),
                ]
            })
            .collect();
        lines.extend(table(&HEADER, &rows));
    }
    if summary.unfinished > 0 {
        lines.push(format!(
            "{} without an end (still running, or pi stopped mid-call)",
            count(summary.unfinished, "call", "calls")
        ));
    }
    lines.push(format!(
        "{} skipped",
        count(summary.skipped_lines, "torn line", "torn lines")
    ));
    lines
}

fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Rows under a header, columns two spaces apart: the first left-aligned, the numbers right.
fn table(header: &[&str], rows: &[Vec<String>]) -> Vec<String> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let render = |cells: &mut dyn Iterator<Item = &str>| {
        let mut line = String::new();
        for (i, (cell, width)) in cells.zip(&widths).enumerate() {
            let pad = " ".repeat(width.saturating_sub(cell.width()));
            if i == 0 {
                line.push_str(cell);
                line.push_str(&pad);
            } else {
                line.push_str("  ");
                line.push_str(&pad);
                line.push_str(cell);
            }
        }
        line.trim_end().to_string()
    };
    let mut out = vec![render(&mut header.iter().copied())];
    out.extend(
        rows.iter()
            .map(|r| render(&mut r.iter().map(String::as_str))),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::audit::ToolSummary;

    fn tool(name: &str, calls: u64, rate: Option<f64>, p50: Option<u64>) -> ToolSummary {
        ToolSummary {
            tool: name.into(),
            calls,
            errors: 1,
            error_rate: rate,
            denied: 2,
            asked: 3,
            p50_ms: p50,
            p95_ms: p50.map(|v| v * 10),
            output_bytes: 12_345,
        }
    }

    #[test]
    fn the_table_aligns_names_left_and_numbers_right() {
        let summary = AuditSummary {
            tools: vec![
                tool("bash", 120, Some(1.0 / 3.0), Some(15)),
                tool("read", 4, None, None),
            ],
            records: 250,
            skipped_lines: 2,
            unfinished: 1,
        };
        let lines = summary_lines(Path::new("/tmp/audit.jsonl"), &summary);
        assert_eq!(
            lines,
            [
                "/tmp/audit.jsonl: 250 records",
                "tool  calls  errors  error rate  denied  asked  p50 ms  p95 ms  output bytes",
                "bash    120       1       33.3%       2      3      15     150         12345",
                "read      4       1           -       2      3       -       -         12345",
                "1 call without an end (still running, or pi stopped mid-call)",
                "2 torn lines skipped",
            ]
        );
    }

    #[test]
    fn an_empty_log_says_so() {
        let summary = AuditSummary {
            tools: Vec::new(),
            records: 0,
            skipped_lines: 1,
            unfinished: 0,
        };
        let lines = summary_lines(Path::new("a.jsonl"), &summary);
        assert_eq!(lines, ["no tool calls in a.jsonl", "1 torn line skipped"]);
    }

    #[test]
    fn a_wide_cell_widens_its_column() {
        let rows = vec![vec!["edit-with-long-name".to_string(), "7".to_string()]];
        let out = table(&["tool", "n"], &rows);
        assert_eq!(out, ["tool                 n", "edit-with-long-name  7"]);
    }
}
