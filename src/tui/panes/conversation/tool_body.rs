//! What a finished tool call shows under its head line: an edit's changed lines with a
//! `+N −M` badge, a write's first lines highlighted by file type with its size, a read as
//! one line (range and size) until it is unfolded, bash's ANSI colours.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use serde_json::Value;

use super::cell::{ToolCell, ToolStatus};
use super::tool_view::{ansi_lines, output_lines};
use crate::tui::config::theme::Theme;
use crate::tui::render::highlight::highlight;
use crate::tui::render::{count, noun};

/// Context lines kept after each run of changes in a folded edit.
const EDIT_CONTEXT: usize = 2;
/// Lines of a write's content shown folded.
const WRITE_PREVIEW: usize = 6;

/// The badge after a tool's summary and the lines under it.
#[derive(Debug, Default)]
pub struct ToolBody {
    pub badge: Vec<Span<'static>>,
    pub lines: Vec<Line<'static>>,
}

/// The body of tool call `t`, folded or not.
pub fn body(t: &ToolCell, expanded: bool, theme: &Theme) -> ToolBody {
    if t.status != ToolStatus::Ok {
        return ToolBody {
            badge: Vec::new(),
            lines: output_lines(&t.name, &t.output, t.status == ToolStatus::Error, theme),
        };
    }
    match t.name.as_str() {
        "edit" => edit_body(&t.output, expanded, theme).unwrap_or_else(|| plain(&t.output)),
        "write" => write_body(t, expanded, theme),
        "read" => read_body(t, expanded),
        "bash" => ToolBody {
            badge: Vec::new(),
            lines: ansi_lines(&t.output),
        },
        _ => plain(&t.output),
    }
}

fn plain(output: &str) -> ToolBody {
    ToolBody {
        badge: Vec::new(),
        lines: output.lines().map(|l| Line::from(l.to_string())).collect(),
    }
}

/// One line of a unified diff, numbered in the file it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DiffLine {
    Hunk,
    Context(usize, String),
    Added(usize, String),
    Removed(usize, String),
}

impl DiffLine {
    fn is_change(&self) -> bool {
        matches!(self, DiffLine::Added(..) | DiffLine::Removed(..))
    }
}

/// The diff part of an edit's result (after "Successfully replaced …" and any note), its
/// headers dropped; `None` when the output holds no diff.
fn parse_diff(output: &str) -> Option<(Vec<String>, Vec<DiffLine>)> {
    let start = output
        .lines()
        .position(|l| l.starts_with("@@") || l.starts_with("--- "))?;
    let notes: Vec<String> = output
        .lines()
        .take(start)
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| l.find("Note:").map(|i| l[i..].to_string()))
        .collect();
    let (mut old, mut new) = (0usize, 0usize);
    let mut lines = Vec::new();
    for l in output.lines().skip(start) {
        if l.starts_with("--- ") || l.starts_with("+++ ") {
            continue;
        }
        if let Some(rest) = l.strip_prefix("@@") {
            (old, new) = hunk_starts(rest);
            lines.push(DiffLine::Hunk);
        } else if let Some(t) = l.strip_prefix('+') {
            lines.push(DiffLine::Added(new, t.to_string()));
            new += 1;
        } else if let Some(t) = l.strip_prefix('-') {
            lines.push(DiffLine::Removed(old, t.to_string()));
            old += 1;
        } else if l.starts_with('\\') {
            // "\ No newline at end of file"
        } else {
            let t = l.strip_prefix(' ').unwrap_or(l);
            lines.push(DiffLine::Context(new, t.to_string()));
            old += 1;
            new += 1;
        }
    }
    Some((notes, lines))
}

/// The old and new start lines of a hunk header (" -3,7 +3,8 @@").
fn hunk_starts(header: &str) -> (usize, usize) {
    let num = |prefix: char| {
        header
            .split_whitespace()
            .find_map(|w| w.strip_prefix(prefix))
            .and_then(|w| w.split(',').next())
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(1)
    };
    (num('-'), num('+'))
}

fn edit_body(output: &str, expanded: bool, theme: &Theme) -> Option<ToolBody> {
    let (notes, diff) = parse_diff(output)?;
    let added = diff
        .iter()
        .filter(|l| matches!(l, DiffLine::Added(..)))
        .count();
    let removed = diff
        .iter()
        .filter(|l| matches!(l, DiffLine::Removed(..)))
        .count();
    let badge = vec![
        Span::styled(format!("+{added}"), Style::default().fg(theme.diff_add)),
        Span::raw(" "),
        Span::styled(
            format!("−{removed}"),
            Style::default().fg(theme.diff_remove),
        ),
    ];
    let shown = if expanded {
        diff.clone()
    } else {
        changes_first(&diff)
    };
    let width = diff
        .iter()
        .filter_map(|l| match l {
            DiffLine::Context(n, _) | DiffLine::Added(n, _) | DiffLine::Removed(n, _) => Some(*n),
            DiffLine::Hunk => None,
        })
        .max()
        .unwrap_or(1)
        .to_string()
        .len();
    let mut lines: Vec<Line<'static>> = notes
        .into_iter()
        .map(|n| Line::styled(n, theme.dim()))
        .collect();
    let mut first = true;
    for l in shown {
        let (n, mark, text, style) = match l {
            DiffLine::Hunk => {
                if !first {
                    lines.push(Line::styled("⋯", theme.dim()));
                }
                continue;
            }
            DiffLine::Context(n, t) => (n, ' ', t, Style::default()),
            DiffLine::Added(n, t) => (n, '+', t, Style::default().fg(theme.diff_add)),
            DiffLine::Removed(n, t) => (n, '-', t, Style::default().fg(theme.diff_remove)),
        };
        first = false;
        lines.push(Line::from(vec![
            Span::styled(format!("{n:>width$} "), theme.dim()),
            Span::styled(format!("{mark} {text}"), style),
        ]));
    }
    Some(ToolBody { badge, lines })
}

/// A folded diff: each run of changes, then at most [`EDIT_CONTEXT`] lines of context; the
/// context before a change and the hunk headers are left out (a `Hunk` marks a gap).
fn changes_first(diff: &[DiffLine]) -> Vec<DiffLine> {
    let mut out = Vec::new();
    let mut after_change = usize::MAX;
    let mut gap = false;
    for l in diff {
        if l.is_change() {
            if gap && !out.is_empty() {
                out.push(DiffLine::Hunk);
            }
            gap = false;
            out.push(l.clone());
            after_change = 0;
        } else if matches!(l, DiffLine::Context(..)) && after_change < EDIT_CONTEXT {
            out.push(l.clone());
            after_change += 1;
        } else {
            gap = true;
            after_change = usize::MAX;
        }
    }
    out
}

/// "1.2 KB", "840 B".
pub fn size(bytes: usize) -> String {
    match bytes {
        b if b < 1000 => format!("{b} B"),
        b if b < 1_000_000 => format!("{:.1} KB", b as f64 / 1000.0),
        b => format!("{:.1} MB", b as f64 / 1_000_000.0),
    }
}

fn write_body(t: &ToolCell, expanded: bool, theme: &Theme) -> ToolBody {
    let Some(content) = t.args.get("content").and_then(Value::as_str) else {
        return plain(&t.output);
    };
    let n = content.lines().count();
    let badge = vec![Span::styled(
        format!("{} · {}", count(n, "line", "lines"), size(content.len())),
        theme.dim(),
    )];
    let path = t.args.get("path").and_then(Value::as_str).unwrap_or("");
    let ext = std::path::Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("");
    let take = if expanded { n } else { WRITE_PREVIEW };
    let head: Vec<&str> = content.lines().take(take).collect();
    let mut lines = highlight(&head.join("\n"), ext, &theme.code_theme);
    if content.is_empty() {
        lines.clear();
    }
    if !expanded && n > take {
        lines.push(Line::styled(
            format!("… {} more {}", n - take, noun(n - take, "line", "lines")),
            theme.dim(),
        ));
    }
    ToolBody { badge, lines }
}

fn read_body(t: &ToolCell, expanded: bool) -> ToolBody {
    let text = t.output.as_str();
    // The read tool ends a cut read with a bracketed hint: the range is in it.
    let hint = text
        .rsplit_once("\n\n[")
        .filter(|(_, h)| h.ends_with(']'))
        .map(|(_, h)| h.trim_end_matches(']'));
    let body = text
        .rsplit_once("\n\n[")
        .filter(|(_, h)| h.ends_with(']'))
        .map_or(text, |(b, _)| b);
    let n = body.lines().count();
    let start = t
        .args
        .get("offset")
        .and_then(Value::as_u64)
        .map_or(1, |o| o.max(1) as usize);
    let range = match hint.and_then(shown_range) {
        Some((a, b)) => format!("lines {a}–{b}"),
        None if n == 0 => "empty".to_string(),
        None if start == 1 => count(n, "line", "lines"),
        None => format!("lines {start}–{}", start + n - 1),
    };
    let badge = vec![Span::raw(format!("{range} · {}", size(body.len())))];
    let lines = if expanded {
        text.lines().map(|l| Line::from(l.to_string())).collect()
    } else {
        Vec::new()
    };
    ToolBody { badge, lines }
}

/// The range in "Showing lines 3-5 of 100 …".
fn shown_range(hint: &str) -> Option<(usize, usize)> {
    let rest = hint.strip_prefix("Showing lines ")?;
    let range = rest.split_whitespace().next()?;
    let (a, b) = range.split_once('-')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

#[cfg(test)]
#[path = "tool_body_tests.rs"]
mod tests;
