//! How a tool call reads on screen: a one-line summary of its arguments, and its output as
//! coloured diff (edit), ANSI-coloured text (bash) or plain lines.

use ansi_to_tui::IntoText;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use serde_json::Value;

use crate::tui::config::theme::Theme;

/// A short summary of a tool call's arguments ("ls -la", "src/main.rs").
pub fn summarize_args(name: &str, args: &Value) -> String {
    let field = |k: &str| args.get(k).and_then(Value::as_str).map(str::to_string);
    let s = match name {
        "bash" => field("command"),
        "read" | "write" | "edit" | "ls" => field("path"),
        "grep" => field("pattern").map(|p| match field("path") {
            Some(path) => format!("{p}  in {path}"),
            None => p,
        }),
        "find" => field("pattern").or_else(|| field("path")),
        _ => None,
    };
    let s = s.unwrap_or_else(|| match args {
        Value::Object(m) if m.is_empty() => String::new(),
        other => other.to_string(),
    });
    one_line(&s, 200)
}

/// The first line of `s`, at most `max` characters, with "…" when cut.
pub fn one_line(s: &str, max: usize) -> String {
    let mut lines = s.lines();
    let first = lines.next().unwrap_or_default();
    let more = lines.next().is_some();
    let mut out: String = first.chars().take(max).collect();
    if more || first.chars().count() > max {
        out.push('…');
    }
    out
}

/// The output lines of a tool, styled for its kind.
pub fn output_lines(name: &str, output: &str, is_error: bool, theme: &Theme) -> Vec<Line<'static>> {
    if is_error {
        return output
            .lines()
            .map(|l| Line::styled(l.to_string(), Style::default().fg(theme.tool_error)))
            .collect();
    }
    match name {
        "edit" => diff_lines(output, theme),
        "bash" => ansi_lines(output),
        _ => output.lines().map(|l| Line::from(l.to_string())).collect(),
    }
}

/// Unified diff lines coloured: additions, removals, hunk headers.
pub fn diff_lines(text: &str, theme: &Theme) -> Vec<Line<'static>> {
    text.lines()
        .map(|l| {
            let style = if l.starts_with("+++") || l.starts_with("---") {
                theme.dim()
            } else if l.starts_with('+') {
                Style::default().fg(theme.diff_add)
            } else if l.starts_with('-') {
                Style::default().fg(theme.diff_remove)
            } else if l.starts_with("@@") {
                Style::default().fg(theme.diff_hunk)
            } else {
                Style::default()
            };
            Line::from(Span::styled(l.to_string(), style))
        })
        .collect()
}

/// Text with ANSI colour codes as styled lines (the codes themselves never reach the screen).
pub fn ansi_lines(text: &str) -> Vec<Line<'static>> {
    match text.as_bytes().into_text() {
        Ok(t) => t.lines,
        Err(_) => text.lines().map(|l| Line::from(l.to_string())).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn summaries() {
        assert_eq!(
            summarize_args("bash", &json!({"command": "ls -la"})),
            "ls -la"
        );
        assert_eq!(summarize_args("read", &json!({"path": "a.rs"})), "a.rs");
        assert_eq!(
            summarize_args("grep", &json!({"pattern": "fn", "path": "src"})),
            "fn  in src"
        );
        assert_eq!(summarize_args("bash", &json!({"command": "a\nb"})), "a…");
        assert_eq!(summarize_args("x", &json!({})), "");
    }

    #[test]
    fn ansi_codes_become_styles() {
        let lines = ansi_lines("\u{1b}[31mred\u{1b}[0m plain\nnext");
        assert_eq!(lines.len(), 2);
        let text: String = lines[0].spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, "red plain");
    }
}
