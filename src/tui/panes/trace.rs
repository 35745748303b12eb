//! The tool trace pane: one row per tool call of the session (tool, argument summary,
//! duration, status, output size), newest last; Enter shows the full output.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use unicode_width::UnicodeWidthStr;

use crate::tui::config::theme::Theme;
use crate::tui::panes::conversation::{ToolStatus, duration, tool_view::summarize_args};

#[derive(Debug, Clone, PartialEq)]
pub struct TraceRow {
    pub call_id: String,
    pub name: String,
    pub summary: String,
    pub status: ToolStatus,
    pub duration_ms: Option<u64>,
    pub output: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ToolTrace {
    pub rows: Vec<TraceRow>,
    pub cursor: usize,
    pub offset: usize,
    /// The cursor stays on the newest row until the user moves it.
    pub pinned: bool,
}

impl ToolTrace {
    pub fn started(&mut self, call_id: &str, name: &str, args: &serde_json::Value) {
        self.rows.push(TraceRow {
            call_id: call_id.to_string(),
            name: name.to_string(),
            summary: summarize_args(name, args),
            status: ToolStatus::Running,
            duration_ms: None,
            output: String::new(),
        });
        if !self.pinned {
            self.cursor = self.rows.len() - 1;
        }
    }

    pub fn output(&mut self, call_id: &str, chunk: &str) {
        if let Some(r) = self.rows.iter_mut().rev().find(|r| r.call_id == call_id) {
            r.output.push_str(chunk);
        }
    }

    pub fn finished(&mut self, call_id: &str, is_error: bool, output: &str, ms: u64) {
        if let Some(r) = self.rows.iter_mut().rev().find(|r| r.call_id == call_id) {
            r.output = output.to_string();
            r.duration_ms = Some(ms);
            r.status = if is_error {
                ToolStatus::Error
            } else {
                ToolStatus::Ok
            };
        }
    }

    /// Rows for the tool calls of loaded history (a resumed session or another branch):
    /// status, output and duration come from the results (no duration in results written
    /// before pi stored them).
    pub fn load_history(&mut self, messages: &[crate::ai::types::Message]) {
        use crate::ai::types::{ContentBlock, Message};
        *self = ToolTrace::default();
        for m in messages {
            match m {
                Message::Assistant(a) => {
                    for b in &a.content {
                        if let ContentBlock::ToolCall {
                            id,
                            name,
                            arguments,
                        } = b
                        {
                            self.started(id, name, arguments);
                        }
                    }
                }
                Message::ToolResult(r) => {
                    let out = crate::ai::types::blocks_text(&r.content);
                    if let Some(row) = self
                        .rows
                        .iter_mut()
                        .rev()
                        .find(|x| x.call_id == r.tool_call_id)
                    {
                        row.output = out;
                        row.duration_ms = r.duration_ms;
                        row.status = if r.is_error {
                            ToolStatus::Error
                        } else {
                            ToolStatus::Ok
                        };
                    }
                }
                _ => {}
            }
        }
        // Calls without a result were cut off.
        self.turn_ended();
    }

    /// A turn ended: calls still running were cut off.
    pub fn turn_ended(&mut self) {
        for r in &mut self.rows {
            if r.status == ToolStatus::Running {
                r.status = ToolStatus::Error;
            }
        }
    }

    pub fn move_cursor(&mut self, delta: isize, height: usize) {
        if self.rows.is_empty() {
            return;
        }
        self.cursor = self
            .cursor
            .saturating_add_signed(delta)
            .min(self.rows.len() - 1);
        self.pinned = self.cursor + 1 != self.rows.len();
        let h = height.max(1);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + h {
            self.offset = self.cursor + 1 - h;
        }
    }

    pub fn selected(&self) -> Option<&TraceRow> {
        self.rows.get(self.cursor)
    }

    pub fn render(&self, theme: &Theme, focused: bool, area: Rect, buf: &mut Buffer) {
        if area.height == 0 {
            return;
        }
        if self.rows.is_empty() {
            Line::styled("no tool calls yet", theme.dim()).render(area, buf);
            return;
        }
        let h = area.height as usize;
        // Follow the newest row unless the user moved the cursor.
        let offset = if self.pinned {
            self.offset.min(self.rows.len().saturating_sub(1))
        } else {
            self.rows.len().saturating_sub(h)
        };
        // The outcome column (a bash exit code, what a failed call said) is as wide as the
        // widest visible outcome, within a quarter of the pane.
        let cap = (area.width as usize / 4).clamp(8, 24);
        let ow = self
            .rows
            .iter()
            .skip(offset)
            .take(h)
            .map(|r| outcome(r).width().min(cap))
            .max()
            .unwrap_or(0);
        for (i, r) in self.rows.iter().enumerate().skip(offset).take(h) {
            let (mark, color) = match r.status {
                ToolStatus::Running => ("◌", theme.tool),
                ToolStatus::Ok => ("✓", theme.tool_ok),
                ToolStatus::Error => ("✗", theme.tool_error),
            };
            let out = fit(&outcome(r), ow);
            let out = if ow == 0 {
                String::new()
            } else {
                format!(" {out}{}", " ".repeat(ow.saturating_sub(out.width())))
            };
            let right = format!(
                "{out} {:>8} {:>7}",
                match (r.duration_ms, r.status) {
                    (Some(ms), _) => duration(ms),
                    (None, ToolStatus::Running) => "…".into(),
                    // Loaded from history: the duration was not recorded.
                    (None, _) => "–".into(),
                },
                size(r.output.len())
            );
            let left_w = (area.width as usize).saturating_sub(right.width());
            let mut left = format!("{} {:<5} {}", mark, r.name, r.summary);
            if left.width() > left_w {
                left = left
                    .chars()
                    .take(left_w.saturating_sub(1))
                    .collect::<String>()
                    + "…";
            }
            let pad = left_w.saturating_sub(left.width());
            let mut line = Line::from(vec![
                Span::styled(left, Style::default().fg(color)),
                Span::raw(" ".repeat(pad)),
                Span::styled(right, theme.dim()),
            ]);
            if i == self.cursor && focused {
                line = line.style(Style::default().add_modifier(Modifier::REVERSED));
            }
            let y = area.y + (i - offset) as u16;
            line.render(Rect::new(area.x, y, area.width, 1), buf);
        }
    }
}

/// The outcome of a finished call: `exit N` (or how it ended) for bash, the first line of
/// the output for other failed calls, nothing for running or successful ones.
pub fn outcome(r: &TraceRow) -> String {
    if r.status == ToolStatus::Running {
        return String::new();
    }
    if r.name == "bash" {
        // bash.rs appends its status line after the output; search from the end.
        for line in r.output.lines().rev() {
            let line = line.trim();
            if let Some(code) = line.strip_prefix("Command exited with code ") {
                return format!("exit {code}");
            }
            if let Some(sig) = line.strip_prefix("Command was killed by signal ") {
                return format!("signal {sig}");
            }
            if line.starts_with("Command timed out") {
                return "timed out".into();
            }
            if line.starts_with("Command cancelled") {
                return "cancelled".into();
            }
        }
        if r.status == ToolStatus::Ok {
            return "exit 0".into();
        }
    }
    if r.status == ToolStatus::Error {
        let first = r.output.lines().map(str::trim).find(|l| !l.is_empty());
        return first.unwrap_or("failed").to_string();
    }
    String::new()
}

/// `s` cut to `w` columns, with an ellipsis when cut.
fn fit(s: &str, w: usize) -> String {
    if s.width() <= w {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        if out.width() + unicode_width::UnicodeWidthChar::width(c).unwrap_or(0) + 1 > w {
            break;
        }
        out.push(c);
    }
    out + "…"
}

/// "812 B", "4.2 KB", "1.3 MB".
pub fn size(bytes: usize) -> String {
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < 1024 * 1024 {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, status: ToolStatus, output: &str) -> TraceRow {
        TraceRow {
            call_id: "c".into(),
            name: name.into(),
            summary: String::new(),
            status,
            duration_ms: None,
            output: output.into(),
        }
    }

    #[test]
    fn the_outcome_column_names_exit_codes_and_errors() {
        let cases = [
            row(
                "bash",
                ToolStatus::Error,
                "boom\n\nCommand exited with code 101",
            ),
            row("bash", ToolStatus::Ok, "done"),
            row("bash", ToolStatus::Error, "Command was killed by signal 9"),
            row(
                "bash",
                ToolStatus::Error,
                "x\n\nCommand timed out after 5 seconds; ...",
            ),
            row(
                "bash",
                ToolStatus::Error,
                "Command cancelled; its process group was killed.",
            ),
            row("read", ToolStatus::Error, "\ncancelled\nmore"),
            row("read", ToolStatus::Ok, "text"),
            row("read", ToolStatus::Running, ""),
        ];
        let got: Vec<String> = cases.iter().map(outcome).collect();
        assert_eq!(
            got,
            [
                "exit 101",
                "exit 0",
                "signal 9",
                "timed out",
                "cancelled",
                "cancelled",
                "",
                ""
            ]
        );
        assert_eq!(fit("File not found: src/main.rs", 10), "File not …");
        assert_eq!(fit("exit 1", 10), "exit 1");
    }
}
