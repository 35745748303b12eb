//! Selecting a history cell (to copy it, or to open one thinking block): the selection moves
//! through the cells and the view scrolls to keep it in sight.

use super::{CellKind, Conversation, Scroll};
use crate::tui::config::theme::Theme;

impl Conversation {
    /// Moves the selection by `delta` cells (negative: up); with nothing selected, up picks
    /// the last cell and down the first. Scrolls so the selected cell's top is in view.
    pub fn select_by(&mut self, delta: isize, theme: &Theme, width: u16, height: usize) {
        let n = self.cells.len();
        if n == 0 {
            return;
        }
        let next = match self.selected {
            None if delta < 0 => n - 1,
            None => 0,
            Some(i) => i.saturating_add_signed(delta).min(n - 1),
        };
        self.selected = Some(next);
        self.reveal(next, theme, width, height);
    }

    /// The selected cell's text, if a cell is selected.
    pub fn selected_text(&self) -> Option<String> {
        self.cells.get(self.selected?).map(|c| c.copy_text())
    }

    /// Expands or collapses the selected cell if it is a thinking block (false if not). The
    /// cell re-renders (its cached blocks and wrapped heights are keyed by its revision) and
    /// the view keeps its top in sight.
    pub fn toggle_selected(&mut self, theme: &Theme, width: u16, height: usize) -> bool {
        let Some(i) = self.selected else {
            return false;
        };
        let Some(cell) = self.cells.get_mut(i) else {
            return false;
        };
        if !matches!(cell.kind, CellKind::Thinking { .. } | CellKind::Tool(_)) {
            return false;
        }
        cell.expanded = !cell.expanded;
        cell.touch();
        self.reveal(i, theme, width, height);
        true
    }

    /// Scrolls the least needed to show the top of `cell` (or as much of it as fits).
    fn reveal(&mut self, cell: usize, theme: &Theme, width: u16, height: usize) {
        let visible = self.visible(theme, width, height);
        let shown = visible
            .iter()
            .any(|s| s.cell == cell && (s.skip == 0 || s.rows == height));
        if shown {
            return;
        }
        let below = visible.last().is_some_and(|s| cell > s.cell);
        let h = self.h(cell, theme, width);
        self.scroll = if below && h < height {
            // Bring it up from the bottom: the anchor is the row `height - h` above it.
            let mut anchor = (cell, 0);
            let mut need = height - h;
            while need > 0 && anchor.0 > 0 {
                let prev = self.h(anchor.0 - 1, theme, width);
                if prev >= need {
                    anchor = (anchor.0 - 1, prev - need);
                    need = 0;
                } else {
                    need -= prev;
                    anchor = (anchor.0 - 1, 0);
                }
            }
            Scroll::At {
                cell: anchor.0,
                row: anchor.1,
            }
        } else {
            Scroll::At { cell, row: 0 }
        };
        let bottom = self.bottom_anchor(theme, width, height);
        if let Scroll::At { cell, row } = self.scroll
            && (cell > bottom.0 || (cell == bottom.0 && row >= bottom.1))
        {
            self.scroll = Scroll::Follow;
        }
    }
}
