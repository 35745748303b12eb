//! Overlays drawn above the panes: the help (every key of the keymap in use), the command
//! palette, the model picker, a full tool output, an image preview.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Widget, Wrap};

use crate::tui::config::keymap::{Action, Context, Keymap};
use crate::tui::config::theme::Theme;
use crate::tui::fuzzy;
use crate::tui::render::wrap::wrap_all;

/// A filterable list (palette, model picker).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListPicker {
    pub query: String,
    /// (value, description).
    pub items: Vec<(String, String)>,
    pub matches: Vec<usize>,
    pub cursor: usize,
}

impl ListPicker {
    /// A picker with the cursor on the item whose value is `value` (the current choice).
    pub fn at(items: Vec<(String, String)>, value: &str) -> ListPicker {
        let mut p = ListPicker::new(items);
        if let Some(pos) = p.matches.iter().position(|&i| p.items[i].0 == value) {
            p.cursor = pos;
        }
        p
    }

    pub fn new(items: Vec<(String, String)>) -> ListPicker {
        let mut p = ListPicker {
            items,
            ..ListPicker::default()
        };
        p.refilter();
        p
    }

    pub fn refilter(&mut self) {
        let hay: Vec<String> = self.items.iter().map(|(v, d)| format!("{v} {d}")).collect();
        let names: Vec<&str> = self.items.iter().map(|(v, _)| v.as_str()).collect();
        self.matches = fuzzy::filter_named(&hay, &names, &self.query, false, usize::MAX);
        self.cursor = 0;
    }

    pub fn move_cursor(&mut self, delta: isize) {
        if !self.matches.is_empty() {
            let n = self.matches.len() as isize;
            self.cursor = (self.cursor as isize + delta).rem_euclid(n) as usize;
        }
    }

    pub fn selected(&self) -> Option<&(String, String)> {
        self.matches
            .get(self.cursor)
            .and_then(|&i| self.items.get(i))
    }
}

/// What the palette runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaletteKind {
    Palette,
    Models,
    /// This directory's sessions (`pi --resume`): picking one opens it.
    Sessions,
    /// The registry's skills: picking one installs it.
    RegistrySkills,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help {
        scroll: usize,
    },
    Picker {
        kind: PaletteKind,
        list: ListPicker,
    },
    /// A long text (a tool's full output, a command's answer).
    Text {
        title: String,
        text: String,
        scroll: usize,
        /// An edit's diff: coloured as one (other text keeps its ANSI colours).
        diff: bool,
    },
    Image {
        title: String,
        key: u64,
        width: u32,
        height: u32,
    },
}

/// A centred rectangle of at most `w` × `h`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width.saturating_sub(2)).max(1);
    let h = h.min(area.height.saturating_sub(2)).max(1);
    Rect::new(
        area.x + (area.width.saturating_sub(w)) / 2,
        area.y + (area.height.saturating_sub(h)) / 2,
        w,
        h,
    )
}

fn frame(title: &str, theme: &Theme, area: Rect, buf: &mut Buffer) -> Rect {
    Clear.render(area, buf);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(Span::styled(
            format!(" {title} "),
            Style::default()
                .fg(theme.accent)
                .add_modifier(Modifier::BOLD),
        ))
        .title_bottom(Span::styled(" Esc closes ", theme.dim()));
    let inner = block.inner(area);
    block.render(area, buf);
    inner
}

/// The help text: every context of the keymap with its actions and keys.
pub fn help_lines(keymap: &Keymap, theme: &Theme) -> Vec<(Line<'static>, Vec<Span<'static>>)> {
    let mut out = vec![(
        Line::from(vec![
            Span::styled("keymap ", theme.dim()),
            Span::styled(keymap.name.clone(), Style::default().fg(theme.accent)),
            Span::styled(
                "  ·  slash commands: type / in the prompt  ·  @ completes files",
                theme.dim(),
            ),
        ]),
        Vec::new(),
    )];
    // The key column is as wide as the longest binding up to 20 columns; a longer one
    // pushes its description right, still two spaces away.
    let width = keymap
        .listing()
        .values()
        .flatten()
        .map(|(_, keys)| keys.join(" / ").chars().count())
        .max()
        .unwrap_or(0)
        .min(20);
    for ctx in Context::ALL {
        let Some(list) = keymap.listing().get(&ctx) else {
            continue;
        };
        out.push((Line::default(), Vec::new()));
        out.push((
            Line::styled(
                format!("[{}]", ctx.name()),
                Style::default()
                    .fg(theme.heading)
                    .add_modifier(Modifier::BOLD),
            ),
            Vec::new(),
        ));
        // A wrapped description continues under itself.
        let hang = vec![Span::raw(" ".repeat(width + 4))];
        for (action, keys) in list {
            out.push((
                Line::from(vec![
                    Span::styled(
                        format!("  {:<width$}  ", keys.join(" / ")),
                        Style::default().fg(theme.accent),
                    ),
                    Span::raw(action.help()),
                ]),
                hang.clone(),
            ));
        }
    }
    out
}

/// Items of the command palette: every action of the global context, then slash commands.
pub fn palette_items(keymap: &Keymap, commands: &[(String, String)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Action::ALL
        .iter()
        .filter(|a| keymap.keys_for(Context::Global, **a).is_some() || matches!(a, Action::Quit))
        .map(|a| {
            let keys = keymap.keys_for(Context::Global, *a).unwrap_or_default();
            (a.title().to_string(), format!("{}  {keys}", a.help()))
        })
        .collect();
    out.extend(commands.iter().map(|(n, h)| (format!("/{n}"), h.clone())));
    out
}

pub fn render(overlay: &Overlay, keymap: &Keymap, theme: &Theme, area: Rect, buf: &mut Buffer) {
    match overlay {
        Overlay::Help { scroll } => {
            let inner = frame("Keys", theme, help_area(area), buf);
            let lines = wrap_all(&help_lines(keymap, theme), inner.width);
            let top = (*scroll).min(lines.len().saturating_sub(inner.height as usize));
            Paragraph::new(lines)
                .scroll((top as u16, 0))
                .render(inner, buf);
        }
        Overlay::Picker { kind, list } => {
            let title = match kind {
                PaletteKind::Palette => "Command palette",
                PaletteKind::Models => "Models",
                PaletteKind::Sessions => "Resume a session (Esc keeps this one)",
                PaletteKind::RegistrySkills => "Install a skill from the registry",
            };
            let r = centered(area, 80, 20);
            let inner = frame(title, theme, r, buf);
            if inner.height == 0 {
                return;
            }
            Line::from(vec![
                Span::styled("› ", Style::default().fg(theme.accent)),
                Span::raw(list.query.clone()),
                Span::styled("▏", Style::default().fg(theme.accent)),
            ])
            .render(Rect::new(inner.x, inner.y, inner.width, 1), buf);
            let h = inner.height.saturating_sub(1) as usize;
            let offset = (list.cursor + 1).saturating_sub(h);
            for (row, &i) in list.matches.iter().enumerate().skip(offset).take(h) {
                let (v, d) = &list.items[i];
                let mut line = Line::from(vec![
                    Span::styled(
                        format!("{v:<28} "),
                        Style::default().add_modifier(Modifier::BOLD),
                    ),
                    Span::styled(d.clone(), theme.dim()),
                ]);
                if row == list.cursor {
                    line = line.style(theme.selected());
                }
                let y = inner.y + 1 + (row - offset) as u16;
                line.render(Rect::new(inner.x, y, inner.width, 1), buf);
            }
        }
        Overlay::Text {
            title,
            text,
            scroll,
            diff,
        } => {
            let inner = frame(title, theme, text_area(area), buf);
            let para = text_paragraph(text, *diff, theme);
            let rows = para.line_count(inner.width);
            let top = (*scroll).min(rows.saturating_sub(inner.height as usize));
            para.scroll((top as u16, 0)).render(inner, buf);
        }
        Overlay::Image {
            title,
            width,
            height,
            ..
        } => {
            // The picture itself is drawn by the runtime (it owns the decoded image).
            let r = image_area(area);
            let inner = frame(title, theme, r, buf);
            Line::styled(format!("{width}×{height}"), theme.dim()).render(
                Rect::new(
                    inner.x,
                    inner.y + inner.height.saturating_sub(1),
                    inner.width,
                    1,
                ),
                buf,
            );
        }
    }
}

pub fn help_area(area: Rect) -> Rect {
    centered(area, 90, area.height.saturating_sub(4))
}

fn text_area(area: Rect) -> Rect {
    centered(
        area,
        area.width.saturating_sub(6),
        area.height.saturating_sub(4),
    )
}

fn text_paragraph(text: &str, diff: bool, theme: &Theme) -> Paragraph<'static> {
    use crate::tui::panes::conversation::tool_view::{ansi_lines, diff_lines};
    let lines = if diff {
        diff_lines(text, theme)
    } else {
        ansi_lines(text)
    };
    Paragraph::new(lines).wrap(Wrap { trim: false })
}

/// The furthest a scrolling overlay can scroll in a frame of `area`: its last row at the
/// bottom of the box. Zero for overlays that do not scroll.
pub fn max_scroll(overlay: &Overlay, keymap: &Keymap, theme: &Theme, area: Rect) -> usize {
    // The box's border takes a row above and below and a column each side.
    let inner = |r: Rect| {
        (
            r.width.saturating_sub(2),
            r.height.saturating_sub(2) as usize,
        )
    };
    match overlay {
        Overlay::Help { .. } => {
            let (w, h) = inner(help_area(area));
            wrap_all(&help_lines(keymap, theme), w)
                .len()
                .saturating_sub(h)
        }
        Overlay::Text { text, diff, .. } => {
            let (w, h) = inner(text_area(area));
            text_paragraph(text, *diff, theme)
                .line_count(w)
                .saturating_sub(h)
        }
        Overlay::Picker { .. } | Overlay::Image { .. } => 0,
    }
}

/// Where an image overlay goes.
pub fn image_area(area: Rect) -> Rect {
    centered(
        area,
        area.width.saturating_sub(8),
        area.height.saturating_sub(4),
    )
}
