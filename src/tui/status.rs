//! The status bar: model, thinking level, tokens in/out and cost, context window used, the
//! session file and head, and a spinner while a turn runs.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use unicode_width::UnicodeWidthStr;

use super::theme::Theme;
use crate::ai::types::{ThinkingLevel, Usage};

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatusInfo {
    pub model: String,
    pub thinking: ThinkingLevel,
    /// The session's running total.
    pub usage: Usage,
    /// Tokens the last request sent and got back (how full the context is).
    pub context_tokens: u64,
    pub context_window: Option<u64>,
    pub session: Option<String>,
    pub head: Option<String>,
}

impl StatusInfo {
    pub fn context_percent(&self) -> Option<u64> {
        let w = self.context_window.filter(|w| *w > 0)?;
        Some((self.context_tokens * 100).div_ceil(w).min(999))
    }
}

/// "1.2k", "3.4M".
pub fn tokens(n: u64) -> String {
    if n < 1000 {
        n.to_string()
    } else if n < 1_000_000 {
        format!("{:.1}k", n as f64 / 1000.0)
    } else {
        format!("{:.1}M", n as f64 / 1_000_000.0)
    }
}

/// What the right end of the bar says besides the fixed fields.
pub struct StatusExtras<'a> {
    pub busy_ms: Option<u64>,
    pub spinner_frame: usize,
    pub queued: usize,
    pub message: Option<&'a str>,
    pub mouse: bool,
}

pub fn render(
    info: &StatusInfo,
    extra: &StatusExtras<'_>,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let base = theme.status();
    buf.set_style(area, base);
    let sep = Span::styled(" │ ", base.fg(theme.dim));
    let mut left: Vec<Span<'static>> = Vec::new();
    match extra.busy_ms {
        Some(ms) => left.push(Span::styled(
            format!(
                " {} {:.0}s ",
                SPINNER[extra.spinner_frame % SPINNER.len()],
                ms as f64 / 1000.0
            ),
            base.fg(theme.accent).add_modifier(Modifier::BOLD),
        )),
        None => left.push(Span::styled(" ● ", base.fg(theme.tool_ok))),
    }
    left.push(Span::styled(
        if info.model.is_empty() {
            "no model".to_string()
        } else {
            info.model.clone()
        },
        base.add_modifier(Modifier::BOLD),
    ));
    // "thinking off" says it is off rather than leaving it to be guessed.
    let thinking = match info.thinking {
        ThinkingLevel::Off => " (thinking off)".to_string(),
        t => format!(" ({})", ThinkingLevel::name(t)),
    };
    left.push(Span::styled(thinking, base.fg(theme.thinking)));
    left.push(sep.clone());
    left.push(Span::styled(
        format!(
            "↑{} ↓{} ${:.3}",
            tokens(info.usage.input + info.usage.cache_read + info.usage.cache_write),
            tokens(info.usage.output),
            info.usage.cost.total
        ),
        base,
    ));
    if let Some(p) = info.context_percent() {
        let color = if p >= 90 {
            theme.error
        } else if p >= 70 {
            theme.notice
        } else {
            theme.status_fg
        };
        left.push(sep.clone());
        left.push(Span::styled(format!("ctx {p}%"), base.fg(color)));
    }
    if extra.queued > 0 {
        left.push(sep.clone());
        left.push(Span::styled(
            format!("{} queued", extra.queued),
            base.fg(theme.notice),
        ));
    }
    if !extra.mouse {
        left.push(sep.clone());
        left.push(Span::styled("mouse off", base.fg(theme.dim)));
    }
    if let Some(m) = extra.message {
        left.push(sep.clone());
        left.push(Span::styled(m.to_string(), base.fg(theme.notice)));
    }
    let session = match (&info.session, &info.head) {
        (Some(s), Some(h)) => format!("{s} @ {h} "),
        (Some(s), None) => format!("{s} "),
        (None, _) => "no session file ".to_string(),
    };
    let left_w: usize = left.iter().map(|s| s.content.width()).sum();
    let room = (area.width as usize).saturating_sub(left_w + 1);
    let right = if session.width() <= room {
        session
    } else if room > 2 {
        let tail: String = session
            .chars()
            .rev()
            .take(room - 1)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("…{tail}")
    } else {
        String::new()
    };
    let pad = (area.width as usize).saturating_sub(left_w + right.width());
    left.push(Span::raw(" ".repeat(pad)));
    left.push(Span::styled(right, base.fg(theme.dim)));
    Line::from(left).style(base).render(area, buf);
}
