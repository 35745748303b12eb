//! Drawing the conversation: only the visible slices of cells are wrapped and drawn.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::Conversation;
use crate::tui::config::theme::Theme;

/// Draws the conversation into `area`; `selected` (a cell) gets the selection background.
pub fn render(
    conv: &Conversation,
    selected: Option<usize>,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let mut y = area.y;
    for slice in conv.visible(theme, area.width, area.height as usize) {
        let Some(cell) = conv.cells.get(slice.cell) else {
            continue;
        };
        let top = y;
        let (x, width) = (area.x, area.width);
        cell.with_rows(
            theme,
            conv.style_gen,
            width,
            slice.skip,
            slice.rows,
            |b, skip, take| {
                let rect = Rect::new(x, y, width, take as u16);
                let scroll = (skip.min(u16::MAX as usize) as u16, 0);
                match b.wrapped(width) {
                    Some(rows) => Paragraph::new(rows).scroll(scroll).render(rect, buf),
                    None => Paragraph::new(b.lines.clone())
                        .wrap(Wrap { trim: false })
                        .scroll(scroll)
                        .render(rect, buf),
                }
                y += take as u16;
            },
        );
        if selected == Some(slice.cell) {
            let band = Rect::new(area.x, top, area.width, y.saturating_sub(top));
            buf.set_style(band, Style::default().bg(theme.selection_bg));
        }
    }
}
