//! The approval prompt: a call the policy asks about, shown over everything until answered.
//! The whole command is shown (wrapped, scrollable, never cut), with the reason and four
//! choices: approve once, approve for the session, deny with an optional note for the model,
//! deny and stop the turn. Ctrl+C (and Esc) deny. Requests that arrive while one is open wait
//! their turn.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Widget, Wrap};

use crate::agent::{ApprovalDecision, ApprovalKind};
use crate::tui::config::theme::Theme;

/// One request, as the agent sent it, and the prompt's own state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalPrompt {
    /// The submission (turn) it belongs to.
    pub submission: u64,
    pub call_id: String,
    pub tool: String,
    pub command: String,
    pub reason: String,
    pub kind: ApprovalKind,
    /// The highlighted choice, 0..4.
    pub choice: usize,
    /// First row of the command shown.
    pub scroll: usize,
    /// The note being typed after "deny" was chosen.
    pub note: Option<String>,
}

/// What a key did to the prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApprovalKey {
    /// Nothing to send yet (moved, scrolled, typed).
    Pending,
    /// The answer: the prompt closes.
    Answer(ApprovalDecision),
}

const CHOICES: usize = 4;

impl ApprovalPrompt {
    pub fn new(
        submission: u64,
        call_id: String,
        tool: String,
        command: String,
        reason: String,
        kind: ApprovalKind,
    ) -> Self {
        ApprovalPrompt {
            submission,
            call_id,
            tool,
            command,
            reason,
            kind,
            choice: 0,
            scroll: 0,
            note: None,
        }
    }

    /// The choices' labels and keys.
    fn choices(&self) -> [(&'static str, &'static str); CHOICES] {
        match self.kind {
            ApprovalKind::Policy => [
                ("Approve once", "y"),
                ("Approve this command for the session", "a"),
                ("Deny, with a note for the model", "n"),
                ("Deny and stop the turn", "s"),
            ],
            ApprovalKind::RetryUnsandboxed => [
                ("Run it again outside the sandbox", "y"),
                ("Run it outside the sandbox for the session", "a"),
                ("Keep the failure, with a note for the model", "n"),
                ("Keep the failure and stop the turn", "s"),
            ],
        }
    }

    /// Handles a key; `interrupt` is whether the keymap reads it as Ctrl+C's action.
    pub fn key(&mut self, key: KeyEvent, interrupt: bool) -> ApprovalKey {
        if interrupt {
            return ApprovalKey::Answer(ApprovalDecision::Deny { note: None });
        }
        if let Some(note) = &mut self.note {
            match key.code {
                KeyCode::Enter => {
                    let note = note.trim().to_string();
                    return ApprovalKey::Answer(ApprovalDecision::Deny {
                        note: (!note.is_empty()).then_some(note),
                    });
                }
                KeyCode::Esc => self.note = None,
                KeyCode::Backspace => {
                    note.pop();
                }
                KeyCode::Char(c)
                    if !key
                        .modifiers
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
                {
                    note.push(c);
                }
                _ => {}
            }
            return ApprovalKey::Pending;
        }
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => self.choice = self.choice.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') | KeyCode::Tab => {
                self.choice = (self.choice + 1).min(CHOICES - 1);
            }
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(5),
            KeyCode::PageDown => self.scroll = self.scroll.saturating_add(5),
            KeyCode::Home => self.scroll = 0,
            KeyCode::End => self.scroll = usize::MAX,
            KeyCode::Char('y') => return self.pick(0),
            KeyCode::Char('a') => return self.pick(1),
            KeyCode::Char('n') => return self.pick(2),
            KeyCode::Char('s') => return self.pick(3),
            KeyCode::Enter => return self.pick(self.choice),
            KeyCode::Esc => return ApprovalKey::Answer(ApprovalDecision::Deny { note: None }),
            _ => {}
        }
        ApprovalKey::Pending
    }

    fn pick(&mut self, choice: usize) -> ApprovalKey {
        self.choice = choice;
        match choice {
            0 => ApprovalKey::Answer(ApprovalDecision::Approve),
            1 => ApprovalKey::Answer(ApprovalDecision::ApproveForSession),
            2 => {
                self.note = Some(String::new());
                ApprovalKey::Pending
            }
            _ => ApprovalKey::Answer(ApprovalDecision::DenyAndStop { note: None }),
        }
    }

    /// Scrolls the command by `rows` (the mouse wheel).
    pub fn scroll_by(&mut self, rows: isize) {
        self.scroll = self.scroll.saturating_add_signed(rows);
    }

    fn title(&self) -> String {
        match self.kind {
            ApprovalKind::Policy => format!("Approve {}?", self.tool),
            ApprovalKind::RetryUnsandboxed => format!("{} failed in the sandbox", self.tool),
        }
    }
}

/// Where the prompt goes: centred, as wide as reads well, as tall as it needs (at most the
/// screen less a margin).
fn prompt_area(p: &ApprovalPrompt, area: Rect) -> (Rect, u16) {
    let w = area.width.saturating_sub(4).clamp(20, 100).min(area.width);
    let inner_w = w.saturating_sub(2).max(1);
    let command_rows = command_paragraph(p, &Theme::default()).line_count(inner_w) as u16;
    let reason_rows = Paragraph::new(p.reason.as_str())
        .wrap(Wrap { trim: false })
        .line_count(inner_w) as u16;
    // Reason, a gap, the command, a gap, the choices (or the note line), the borders.
    let fixed = reason_rows + 1 + 1 + CHOICES as u16 + 2;
    let max_h = area.height.saturating_sub(2).max(3);
    let want = fixed + command_rows.max(1);
    let h = want.min(max_h);
    let r = Rect::new(
        area.x + area.width.saturating_sub(w) / 2,
        area.y + area.height.saturating_sub(h) / 2,
        w,
        h,
    );
    (r, command_rows)
}

fn command_paragraph<'a>(p: &'a ApprovalPrompt, theme: &Theme) -> Paragraph<'a> {
    let lines: Vec<Line> = p
        .command
        .split('\n')
        .enumerate()
        .map(|(i, l)| {
            let lead = if i == 0 { "$ " } else { "  " };
            Line::from(vec![
                Span::styled(lead, theme.dim()),
                Span::styled(l, Style::default().fg(theme.text)),
            ])
        })
        .collect();
    Paragraph::new(lines).wrap(Wrap { trim: false })
}

/// The furthest the command can scroll in a frame of `area`.
pub fn max_scroll(p: &ApprovalPrompt, area: Rect) -> usize {
    let (r, command_rows) = prompt_area(p, area);
    let reason_rows = Paragraph::new(p.reason.as_str())
        .wrap(Wrap { trim: false })
        .line_count(r.width.saturating_sub(2).max(1)) as u16;
    let visible = r
        .height
        .saturating_sub(2 + reason_rows + 2 + CHOICES as u16);
    usize::from(command_rows.saturating_sub(visible.max(1)))
}

/// Where the prompt box goes in `area`.
pub fn area_of(p: &ApprovalPrompt, area: Rect) -> Rect {
    prompt_area(p, area).0
}

pub fn render(p: &ApprovalPrompt, waiting: usize, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let (r, _) = prompt_area(p, area);
    Clear.render(r, buf);
    let hint = if p.note.is_some() {
        " Enter denies · Esc goes back ".to_string()
    } else {
        " ↑↓ Enter · y a n s · PgUp/PgDn scroll · Ctrl+C denies ".to_string()
    };
    let mut block = Block::bordered()
        .border_type(BorderType::Thick)
        .border_style(Style::default().fg(theme.notice))
        .title(Span::styled(
            format!(" {} ", p.title()),
            Style::default()
                .fg(theme.notice)
                .add_modifier(Modifier::BOLD),
        ))
        .title_bottom(Span::styled(hint, theme.dim()));
    if waiting > 0 {
        block = block.title(
            Line::from(Span::styled(format!(" +{waiting} waiting "), theme.dim())).right_aligned(),
        );
    }
    let inner = block.inner(r);
    block.render(r, buf);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let reason =
        Paragraph::new(Line::styled(p.reason.clone(), theme.dim())).wrap(Wrap { trim: false });
    let reason_rows = (reason.line_count(inner.width) as u16).min(inner.height);
    reason.render(Rect::new(inner.x, inner.y, inner.width, reason_rows), buf);
    let bottom_rows = (CHOICES as u16).min(inner.height.saturating_sub(reason_rows));
    let command_top = inner.y + reason_rows + 1;
    let command_h = inner.height.saturating_sub(reason_rows + 2 + bottom_rows);
    let para = command_paragraph(p, theme);
    let total = para.line_count(inner.width);
    let top = p.scroll.min(total.saturating_sub(command_h as usize));
    if command_h > 0 {
        para.scroll((top as u16, 0))
            .render(Rect::new(inner.x, command_top, inner.width, command_h), buf);
    }
    // Say when part of the command is out of view: it must never look whole when it is not.
    if total > command_h as usize && command_h > 0 {
        let more = format!(
            " rows {}-{} of {} ",
            top + 1,
            (top + command_h as usize).min(total),
            total
        );
        let w = (more.chars().count() as u16).min(inner.width);
        Span::styled(more, Style::default().fg(theme.notice)).render(
            Rect::new(inner.x + inner.width - w, command_top + command_h, w, 1),
            buf,
        );
    }
    let choices_top = inner.y + inner.height - bottom_rows;
    if let Some(note) = &p.note {
        let line = Line::from(vec![
            Span::styled("Note for the model (optional): ", theme.dim()),
            Span::raw(note.clone()),
            Span::styled("▏", Style::default().fg(theme.accent)),
        ]);
        Paragraph::new(line).wrap(Wrap { trim: false }).render(
            Rect::new(inner.x, choices_top, inner.width, bottom_rows),
            buf,
        );
        return;
    }
    for (i, (label, key)) in p.choices().iter().enumerate().take(bottom_rows as usize) {
        let selected = i == p.choice;
        let mut line = Line::from(vec![
            Span::styled(
                if selected { "› " } else { "  " },
                Style::default().fg(theme.accent),
            ),
            Span::styled(format!("{key}  "), Style::default().fg(theme.accent)),
            Span::raw(*label),
        ]);
        if selected {
            line = line.style(theme.selected());
        }
        line.render(
            Rect::new(inner.x, choices_top + i as u16, inner.width, 1),
            buf,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prompt() -> ApprovalPrompt {
        ApprovalPrompt::new(
            7,
            "c1".into(),
            "bash".into(),
            "sudo rm -rf /var/cache/x".into(),
            "`sudo rm -rf /var/cache/x`: runs sudo".into(),
            ApprovalKind::Policy,
        )
    }

    fn k(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn keys_pick_and_deny() {
        let mut p = prompt();
        assert_eq!(p.key(k(KeyCode::Down), false), ApprovalKey::Pending);
        assert_eq!(p.choice, 1);
        assert_eq!(
            p.key(k(KeyCode::Enter), false),
            ApprovalKey::Answer(ApprovalDecision::ApproveForSession)
        );
        let mut p = prompt();
        assert_eq!(
            p.key(k(KeyCode::Char('y')), false),
            ApprovalKey::Answer(ApprovalDecision::Approve)
        );
        // Ctrl+C's action denies, even while a note is typed.
        let mut p = prompt();
        p.key(k(KeyCode::Char('n')), false);
        assert_eq!(p.note.as_deref(), Some(""));
        assert_eq!(
            p.key(k(KeyCode::Char('c')), true),
            ApprovalKey::Answer(ApprovalDecision::Deny { note: None })
        );
    }

    #[test]
    fn a_note_goes_with_the_denial() {
        let mut p = prompt();
        p.key(k(KeyCode::Char('n')), false);
        for c in "use docker ".chars() {
            assert_eq!(p.key(k(KeyCode::Char(c)), false), ApprovalKey::Pending);
        }
        p.key(k(KeyCode::Backspace), false);
        assert_eq!(
            p.key(k(KeyCode::Enter), false),
            ApprovalKey::Answer(ApprovalDecision::Deny {
                note: Some("use docker".into())
            })
        );
        // Esc leaves the note and goes back to the choices; an empty note is no note.
        let mut p = prompt();
        p.key(k(KeyCode::Char('n')), false);
        p.key(k(KeyCode::Esc), false);
        assert_eq!(p.note, None);
        assert_eq!(
            p.key(k(KeyCode::Char('s')), false),
            ApprovalKey::Answer(ApprovalDecision::DenyAndStop { note: None })
        );
        let mut p = prompt();
        p.key(k(KeyCode::Char('n')), false);
        assert_eq!(
            p.key(k(KeyCode::Enter), false),
            ApprovalKey::Answer(ApprovalDecision::Deny { note: None })
        );
    }

    #[test]
    fn a_long_command_scrolls_and_is_never_cut() {
        let mut p = prompt();
        p.command = (0..80)
            .map(|i| format!("echo line {i}"))
            .collect::<Vec<_>>()
            .join(" && \\\n");
        let area = Rect::new(0, 0, 80, 24);
        let max = max_scroll(&p, area);
        assert!(max > 50, "{max}");
        let mut buf = Buffer::empty(area);
        p.scroll = usize::MAX;
        render(&p, 0, &Theme::default(), area, &mut buf);
        let text: String = (0..area.height)
            .map(|y| {
                (0..area.width)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n");
        assert!(text.contains("echo line 79"), "{text}");
        assert!(text.contains("of 80"), "{text}");
    }
}
