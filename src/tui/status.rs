//! The status bar: model, thinking level, tokens in/out and cost, context window used, the
//! session file and head, and a spinner while a turn runs.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use unicode_width::UnicodeWidthStr;

use crate::ai::types::{ThinkingLevel, Usage};
use crate::tui::config::theme::Theme;

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
    /// Set when the policy wants the OS sandbox and it cannot run: "unsandboxed" (auto) or
    /// "bash off: no sandbox" (force). Shown in every width.
    pub sandbox_warning: Option<String>,
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
    // The fields shrink as the bar narrows, the session file down to its name; what is
    // happening now (spinner, queue, notice) is not shortened, only cut at the right edge
    // when even the barest bar is too wide (below about 60 columns).
    let width = area.width as usize;
    let wide = |spans: &[Span<'static>]| spans.iter().map(|s| s.content.width()).sum::<usize>();
    let (full, short, shortest) = match (&info.session, &info.head) {
        (Some(s), head) => {
            let at = head.as_ref().map(|h| format!(" @ {h}")).unwrap_or_default();
            let name = std::path::Path::new(s)
                .file_name()
                .map_or(s.clone(), |n| n.to_string_lossy().into_owned());
            (
                format!("{s}{at} "),
                format!("{name}{at} "),
                format!("{} ", at.trim_start()),
            )
        }
        (None, _) => (
            "no session file ".to_string(),
            "no file ".to_string(),
            String::new(),
        ),
    };
    // In order of preference: the token counts go before the file's name does.
    let candidates = [
        (Compact::None, &full),
        (Compact::None, &short),
        (Compact::Model, &full),
        (Compact::Model, &short),
        (Compact::Model, &shortest),
        (Compact::Tokens, &short),
        (Compact::Tokens, &shortest),
        (Compact::Bare, &shortest),
    ];
    let chosen = candidates.into_iter().find_map(|(level, right)| {
        let left = left_fields(info, extra, theme, level);
        (wide(&left) + 1 + right.width() <= width).then(|| (left, right.clone()))
    });
    let (mut left, right) = chosen.unwrap_or_else(|| {
        let left = left_fields(info, extra, theme, Compact::Bare);
        (left, String::new())
    });
    let left_w = wide(&left);
    let pad = (area.width as usize).saturating_sub(left_w + right.width());
    left.push(Span::raw(" ".repeat(pad)));
    left.push(Span::styled(right, base.fg(theme.dim)));
    Line::from(left).style(base).render(area, buf);
}

/// How much the left fields give up to fit a narrow bar.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Compact {
    None,
    /// The model without its provider; no "(thinking off)".
    Model,
    /// Also the cost alone, without the token counts.
    Tokens,
    /// Also no thinking level and no context use.
    Bare,
}

fn left_fields(
    info: &StatusInfo,
    extra: &StatusExtras<'_>,
    theme: &Theme,
    level: Compact,
) -> Vec<Span<'static>> {
    let base = theme.status();
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
    let model = match info.model.as_str() {
        "" => "no model",
        m if level >= Compact::Model => m.split_once('/').map_or(m, |(_, id)| id),
        m => m,
    };
    left.push(Span::styled(
        model.to_string(),
        base.add_modifier(Modifier::BOLD),
    ));
    // "thinking off" says it is off rather than leaving it to be guessed.
    let thinking = match info.thinking {
        _ if level >= Compact::Bare => String::new(),
        ThinkingLevel::Off if level >= Compact::Model => String::new(),
        ThinkingLevel::Off => " (thinking off)".to_string(),
        t => format!(" ({})", ThinkingLevel::name(t)),
    };
    left.push(Span::styled(thinking, base.fg(theme.thinking)));
    left.push(sep.clone());
    let cost = format!("${:.3}", info.usage.cost.total);
    left.push(Span::styled(
        if level >= Compact::Tokens {
            cost
        } else {
            format!(
                "↑{} ↓{} {cost}",
                tokens(info.usage.input + info.usage.cache_read + info.usage.cache_write),
                tokens(info.usage.output),
            )
        },
        base,
    ));
    if let Some(p) = info.context_percent().filter(|_| level < Compact::Bare) {
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
    if let Some(w) = &info.sandbox_warning {
        left.push(sep.clone());
        left.push(Span::styled(
            w.clone(),
            base.fg(theme.notice).add_modifier(Modifier::BOLD),
        ));
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
        left.push(sep);
        left.push(Span::styled(m.to_string(), base.fg(theme.notice)));
    }
    left
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(width: u16, extra: &StatusExtras<'_>) -> String {
        bar_with(width, extra, None)
    }

    fn bar_with(width: u16, extra: &StatusExtras<'_>, sandbox: Option<&str>) -> String {
        let info = StatusInfo {
            model: "anthropic/claude-sonnet-4-5".into(),
            thinking: ThinkingLevel::High,
            usage: Usage::default(),
            context_tokens: 0,
            context_window: Some(200_000),
            session: Some("/home/me/project/.pi/sessions/default.jsonl".into()),
            head: Some("a1b2c3d4".into()),
            sandbox_warning: sandbox.map(str::to_string),
        };
        let area = Rect::new(0, 0, width, 1);
        let mut buf = Buffer::empty(area);
        render(&info, extra, &Theme::default(), area, &mut buf);
        (0..width).map(|x| buf[(x, 0)].symbol()).collect()
    }

    #[test]
    fn a_narrow_bar_shortens_the_fields_but_keeps_what_is_happening() {
        let idle = StatusExtras {
            busy_ms: None,
            spinner_frame: 0,
            queued: 0,
            message: None,
            mouse: true,
        };
        let wide = bar(160, &idle);
        assert!(
            wide.contains("anthropic/claude-sonnet-4-5 (high)"),
            "{wide}"
        );
        assert!(wide.contains("/home/me/project/.pi/sessions/default.jsonl @ a1b2c3d4"));
        let narrow = bar(80, &idle);
        assert!(narrow.contains("default.jsonl @ a1b2c3d4"), "{narrow}");
        let busy = StatusExtras {
            busy_ms: Some(3000),
            queued: 2,
            message: Some("copied to the clipboard"),
            ..idle
        };
        let tight = bar(80, &busy);
        assert!(tight.contains("2 queued"), "{tight}");
        assert!(tight.contains("copied to the clipboard"), "{tight}");
        assert!(tight.contains("claude-sonnet-4-5"), "{tight}");
    }

    #[test]
    fn an_unsandboxed_run_says_so_at_every_width() {
        let idle = StatusExtras {
            busy_ms: None,
            spinner_frame: 0,
            queued: 0,
            message: None,
            mouse: true,
        };
        for width in [160, 80, 60] {
            let b = bar_with(width, &idle, Some("unsandboxed"));
            assert!(b.contains("│ unsandboxed"), "{width}: {b}");
        }
        assert!(!bar(160, &idle).contains("unsandboxed"));
    }
}
