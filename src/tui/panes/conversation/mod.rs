//! The conversation pane: the active branch as history cells, streamed into as the agent
//! reports. Scrolling is an anchor (the cell and row at the top of the view) or "follow the
//! bottom", so appending never moves what a user scrolled to.

mod cell;
mod doc;
mod select;
mod tool_body;
pub mod tool_view;
mod view;

use std::collections::HashMap;

pub use cell::{Block, Cell, CellKind, NoticeLevel, ToolCell, ToolStatus, duration, image_rows};
pub use view::render;

use crate::tui::config::theme::Theme;

/// Where the conversation view is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scroll {
    /// Show the newest rows and keep showing them as more arrive.
    Follow,
    /// Row `row` of cell `cell` is the top row of the view.
    At { cell: usize, row: usize },
}

/// One visible piece of a cell: skip `skip` rows of it, show `rows`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slice {
    pub cell: usize,
    pub skip: usize,
    pub rows: usize,
}

#[derive(Debug)]
pub struct Conversation {
    pub cells: Vec<Cell>,
    pub scroll: Scroll,
    /// Bumped when the theme or a display toggle changes: every cache re-renders.
    pub style_gen: u64,
    /// Whether thinking cells are expanded: new ones follow it, and toggling it sets every one
    /// (a selected cell also toggles alone, see `toggle_selected`).
    pub show_thinking: bool,
    /// The cell selected in the conversation pane (to copy it).
    pub selected: Option<usize>,
    /// The answer and the thinking being streamed, if any.
    streaming_answer: Option<usize>,
    streaming_thinking: Option<usize>,
    /// The current assistant message already showed text (split by tool calls).
    message_had_text: bool,
    tools: HashMap<String, usize>,
}

impl Default for Conversation {
    fn default() -> Self {
        Conversation {
            cells: Vec::new(),
            scroll: Scroll::Follow,
            style_gen: 0,
            show_thinking: false,
            selected: None,
            streaming_answer: None,
            streaming_thinking: None,
            message_had_text: false,
            tools: HashMap::new(),
        }
    }
}

impl Conversation {
    pub fn push(&mut self, kind: CellKind) -> usize {
        let mut cell = Cell::new(kind);
        cell.expanded = matches!(cell.kind, CellKind::Thinking { .. }) && self.show_thinking;
        self.cells.push(cell);
        self.cells.len() - 1
    }

    pub fn notice(&mut self, level: NoticeLevel, text: impl Into<String>) {
        self.push(CellKind::Notice {
            level,
            text: text.into(),
        });
    }

    pub fn text_delta(&mut self, delta: &str) {
        self.end_thinking();
        self.message_had_text = true;
        let idx = match self.streaming_answer {
            Some(i) => i,
            None => {
                let i = self.push(CellKind::Assistant {
                    source: String::new(),
                    streaming: true,
                });
                self.streaming_answer = Some(i);
                i
            }
        };
        if let Some(c) = self.cells.get_mut(idx) {
            if let CellKind::Assistant { source, .. } = &mut c.kind {
                source.push_str(delta);
            }
            c.touch();
        }
    }

    pub fn thinking_delta(&mut self, delta: &str) {
        let idx = match self.streaming_thinking {
            Some(i) => i,
            None => {
                let i = self.push(CellKind::Thinking {
                    text: String::new(),
                    streaming: true,
                });
                self.streaming_thinking = Some(i);
                i
            }
        };
        if let Some(c) = self.cells.get_mut(idx) {
            if let CellKind::Thinking { text, .. } = &mut c.kind {
                text.push_str(delta);
            }
            c.touch();
        }
    }

    fn end_thinking(&mut self) {
        if let Some(i) = self.streaming_thinking.take()
            && let Some(c) = self.cells.get_mut(i)
        {
            if let CellKind::Thinking { streaming, .. } = &mut c.kind {
                *streaming = false;
            }
            c.touch();
        }
    }

    /// The assistant message is complete: `text` is its final text.
    pub fn answer_finished(&mut self, text: &str) {
        self.end_thinking();
        let had_text = std::mem::take(&mut self.message_had_text);
        match self.streaming_answer.take() {
            Some(i) => {
                if let Some(c) = self.cells.get_mut(i) {
                    if let CellKind::Assistant { source, streaming } = &mut c.kind {
                        // The final text is authoritative when this cell holds all of it.
                        if !text.is_empty() && text.starts_with(source.as_str()) {
                            *source = text.to_string();
                        }
                        *streaming = false;
                    }
                    c.touch();
                }
            }
            // Without streaming, the text arrives only here.
            None if !had_text && !text.trim().is_empty() => {
                self.push(CellKind::Assistant {
                    source: text.to_string(),
                    streaming: false,
                });
            }
            None => {}
        }
    }

    /// The turn ended (finished, cancelled or failed): nothing streams any more.
    pub fn turn_ended(&mut self) {
        self.end_thinking();
        if let Some(i) = self.streaming_answer.take()
            && let Some(c) = self.cells.get_mut(i)
        {
            if let CellKind::Assistant { streaming, .. } = &mut c.kind {
                *streaming = false;
            }
            c.touch();
        }
        for &i in self.tools.values() {
            if let Some(c) = self.cells.get_mut(i)
                && let CellKind::Tool(t) = &mut c.kind
                && t.status == ToolStatus::Running
            {
                t.status = ToolStatus::Error;
                c.touch();
            }
        }
    }

    pub fn tool_started(&mut self, call_id: &str, name: &str, args: serde_json::Value) {
        self.end_thinking();
        // Text before a tool call is a finished answer of its own.
        if let Some(i) = self.streaming_answer.take()
            && let Some(c) = self.cells.get_mut(i)
        {
            if let CellKind::Assistant { streaming, .. } = &mut c.kind {
                *streaming = false;
            }
            c.touch();
        }
        let i = self.push(CellKind::Tool(ToolCell {
            call_id: call_id.to_string(),
            name: name.to_string(),
            args,
            output: String::new(),
            status: ToolStatus::Running,
            duration_ms: None,
        }));
        self.tools.insert(call_id.to_string(), i);
    }

    pub fn tool_output(&mut self, call_id: &str, chunk: &str) {
        if let Some(c) = self.tools.get(call_id).and_then(|&i| self.cells.get_mut(i)) {
            if let CellKind::Tool(t) = &mut c.kind {
                t.output.push_str(chunk);
            }
            c.touch();
        }
    }

    pub fn tool_finished(&mut self, call_id: &str, is_error: bool, output: &str, ms: u64) {
        if let Some(c) = self.tools.get(call_id).and_then(|&i| self.cells.get_mut(i)) {
            if let CellKind::Tool(t) = &mut c.kind {
                t.output = output.to_string();
                t.status = if is_error {
                    ToolStatus::Error
                } else {
                    ToolStatus::Ok
                };
                t.duration_ms = Some(ms);
            }
            c.touch();
        }
    }

    /// The text of the last cell when it is a notice.
    pub fn last_notice(&self) -> Option<&str> {
        match self.cells.last().map(|c| &c.kind) {
            Some(CellKind::Notice { text, .. }) => Some(text),
            _ => None,
        }
    }

    /// Sets (or clears) the duration a tool call shows.
    pub fn set_tool_duration(&mut self, call_id: &str, ms: Option<u64>) {
        if let Some(c) = self.tools.get(call_id).and_then(|&i| self.cells.get_mut(i)) {
            if let CellKind::Tool(t) = &mut c.kind {
                t.duration_ms = ms;
            }
            c.touch();
        }
    }

    /// Drops every cell (the branch changed); the view follows the bottom again.
    pub fn clear(&mut self) {
        *self = Conversation {
            style_gen: self.style_gen + 1,
            show_thinking: self.show_thinking,
            ..Conversation::default()
        };
    }

    pub fn restyle(&mut self) {
        self.style_gen += 1;
    }

    pub fn toggle_thinking(&mut self) {
        self.show_thinking = !self.show_thinking;
        for c in &mut self.cells {
            if matches!(c.kind, CellKind::Thinking { .. }) {
                c.expanded = self.show_thinking;
                c.touch();
            }
        }
    }

    /// The text of the last finished answer.
    pub fn last_answer(&self) -> Option<&str> {
        self.cells.iter().rev().find_map(|c| match &c.kind {
            CellKind::Assistant { source, .. } if !source.trim().is_empty() => {
                Some(source.as_str())
            }
            _ => None,
        })
    }

    fn h(&self, i: usize, theme: &Theme, width: u16) -> usize {
        self.cells
            .get(i)
            .map_or(0, |c| c.height(theme, self.style_gen, width))
    }

    /// The anchor of the top row when following the bottom.
    fn bottom_anchor(&self, theme: &Theme, width: u16, height: usize) -> (usize, usize) {
        let mut need = height;
        for i in (0..self.cells.len()).rev() {
            let h = self.h(i, theme, width);
            if h >= need {
                return (i, h - need);
            }
            need -= h;
        }
        (0, 0)
    }

    /// What the view shows at `width` × `height`: only these cells are laid out.
    pub fn visible(&self, theme: &Theme, width: u16, height: usize) -> Vec<Slice> {
        let (mut cell, mut skip) = match self.scroll {
            Scroll::Follow => self.bottom_anchor(theme, width, height),
            Scroll::At { cell, row } => (cell, row),
        };
        let mut out = Vec::new();
        let mut left = height;
        while left > 0 && cell < self.cells.len() {
            let h = self.h(cell, theme, width);
            let rows = h.saturating_sub(skip).min(left);
            if rows > 0 {
                out.push(Slice { cell, skip, rows });
            }
            left -= rows;
            cell += 1;
            skip = 0;
        }
        out
    }

    /// Scrolls by `delta` rows (negative: up). Reaching the bottom follows it again.
    pub fn scroll_by(&mut self, delta: isize, theme: &Theme, width: u16, height: usize) {
        if self.cells.is_empty() {
            return;
        }
        let (mut cell, mut row) = match self.scroll {
            Scroll::Follow => {
                if delta >= 0 {
                    return;
                }
                self.bottom_anchor(theme, width, height)
            }
            Scroll::At { cell, row } => (cell.min(self.cells.len() - 1), row),
        };
        if delta < 0 {
            let mut up = delta.unsigned_abs();
            while up > 0 {
                if row >= up {
                    row -= up;
                    up = 0;
                } else if cell == 0 {
                    row = 0;
                    up = 0;
                } else {
                    up -= row + 1;
                    cell -= 1;
                    row = self.h(cell, theme, width).saturating_sub(1);
                }
            }
        } else {
            let mut down = delta.unsigned_abs();
            while down > 0 && cell < self.cells.len() {
                let h = self.h(cell, theme, width);
                if row + down < h {
                    row += down;
                    down = 0;
                } else {
                    down -= h - row;
                    cell += 1;
                    row = 0;
                }
            }
        }
        self.scroll = Scroll::At { cell, row };
        // Past the bottom anchor: follow again.
        let bottom = self.bottom_anchor(theme, width, height);
        if cell > bottom.0 || (cell == bottom.0 && row >= bottom.1) || cell >= self.cells.len() {
            self.scroll = Scroll::Follow;
        }
    }

    /// Where inline images are on screen (fully visible ones only): (key, area) inside `area`.
    pub fn image_slots(
        &self,
        theme: &Theme,
        area: ratatui::layout::Rect,
    ) -> Vec<(u64, ratatui::layout::Rect)> {
        let mut out = Vec::new();
        let mut y = area.y;
        for slice in self.visible(theme, area.width, area.height as usize) {
            if let Some(CellKind::Image {
                key: Some(key),
                width,
                height,
                ..
            }) = self.cells.get(slice.cell).map(|c| &c.kind)
            {
                let rows = image_rows(*width, *height);
                // The label row, then the picture's rows.
                if slice.skip == 0 && slice.rows > rows {
                    out.push((
                        *key,
                        ratatui::layout::Rect::new(
                            area.x + 2,
                            y + 1,
                            area.width.saturating_sub(2).min(40),
                            rows as u16,
                        ),
                    ));
                }
            }
            y += slice.rows as u16;
        }
        out
    }

    pub fn scroll_top(&mut self) {
        if !self.cells.is_empty() {
            self.scroll = Scroll::At { cell: 0, row: 0 };
        }
    }

    pub fn follow(&mut self) {
        self.scroll = Scroll::Follow;
    }
}

#[cfg(test)]
mod tests;
