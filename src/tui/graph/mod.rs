//! The session branch graph pane: the whole tree as lanes, the head, branch points, aliases and
//! bookmarks marked; the cursor previews its entry; Enter makes it the head.

mod lanes;
mod snapshot;

pub use lanes::{GraphRow, LaneCell, glyphs, layout};
pub use snapshot::{
    GraphNode, GraphSnapshot, NodeRole, read_entry_text, read_snapshot, snapshot_from_lines,
};

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use super::msg::NameKind;
use super::theme::Theme;

/// A name being typed for the entry at the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamePrompt {
    pub kind: NameKind,
    pub entry_id: String,
    pub input: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct GraphPane {
    pub snapshot: GraphSnapshot,
    pub rows: Vec<GraphRow>,
    /// Row index of the cursor.
    pub cursor: usize,
    /// First row shown.
    pub offset: usize,
    pub loaded: bool,
    pub error: Option<String>,
    /// The id of the latest load request; older answers are dropped.
    pub request: u64,
    pub preview_request: u64,
    /// (entry id, its text) for the entry at the cursor.
    pub preview: Option<(String, String)>,
    pub prompt: Option<NamePrompt>,
}

impl GraphPane {
    /// Takes a fresh snapshot, keeping the cursor on the same entry (or the head).
    pub fn set_snapshot(&mut self, snap: GraphSnapshot, head: Option<&str>) {
        let keep = self.selected_id().map(str::to_string);
        self.rows = layout(&snap);
        self.snapshot = snap;
        self.loaded = true;
        self.error = None;
        let want = keep.as_deref().or(head);
        self.cursor = want
            .and_then(|id| self.row_of(id))
            .unwrap_or(self.rows.len().saturating_sub(1));
    }

    pub fn row_of(&self, id: &str) -> Option<usize> {
        self.rows
            .iter()
            .position(|r| self.snapshot.nodes[r.node].id == id)
    }

    pub fn selected(&self) -> Option<&GraphNode> {
        self.rows
            .get(self.cursor)
            .and_then(|r| self.snapshot.nodes.get(r.node))
    }

    pub fn selected_id(&self) -> Option<&str> {
        self.selected().map(|n| n.id.as_str())
    }

    /// Moves the cursor by `delta` rows; keeps it within a view of `height` rows.
    pub fn move_cursor(&mut self, delta: isize, height: usize) {
        if self.rows.is_empty() {
            return;
        }
        let max = self.rows.len() - 1;
        self.cursor = self.cursor.saturating_add_signed(delta).min(max);
        self.keep_visible(height);
    }

    pub fn keep_visible(&mut self, height: usize) {
        let h = height.max(1);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + h {
            self.offset = self.cursor + 1 - h;
        }
    }

    /// Draws the pane (inside its border) into `area`.
    pub fn render(&self, theme: &Theme, head: Option<&str>, area: Rect, buf: &mut Buffer) {
        if area.height == 0 {
            return;
        }
        let preview_h = if area.height >= 12 {
            area.height / 3
        } else {
            0
        };
        let [list, preview] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(preview_h)]).areas(area);
        if let Some(e) = &self.error {
            Paragraph::new(Line::styled(e.clone(), Style::default().fg(theme.error)))
                .wrap(Wrap { trim: false })
                .render(list, buf);
            return;
        }
        if !self.loaded {
            Line::styled("loading the session tree…", theme.dim()).render(list, buf);
            return;
        }
        if self.rows.is_empty() {
            Line::styled("no entries yet: send a prompt", theme.dim()).render(list, buf);
            return;
        }
        let h = list.height as usize;
        let offset = self.offset.min(self.rows.len().saturating_sub(1));
        for (i, row) in self.rows.iter().enumerate().skip(offset).take(h) {
            let node = &self.snapshot.nodes[row.node];
            let is_head = head == Some(node.id.as_str());
            let mut spans: Vec<Span<'static>> = glyphs(&row.cells, is_head)
                .into_iter()
                .map(|(lane, g)| {
                    let color = if g == "◉" {
                        theme.head
                    } else {
                        theme.lane(lane)
                    };
                    Span::styled(g, Style::default().fg(color))
                })
                .collect();
            let (mark, color) = match node.role {
                NodeRole::User => ("› ", theme.user),
                NodeRole::Assistant => ("", theme.assistant),
                NodeRole::Tool => ("⚙ ", theme.tool),
                NodeRole::Summary => ("≡ ", theme.notice),
                NodeRole::Other => ("", theme.dim),
            };
            if is_head {
                spans.push(Span::styled(
                    "HEAD ",
                    Style::default().fg(theme.head).add_modifier(Modifier::BOLD),
                ));
            }
            for a in &node.aliases {
                spans.push(Span::styled(
                    format!("[{a}] "),
                    Style::default()
                        .fg(theme.alias)
                        .add_modifier(Modifier::BOLD),
                ));
            }
            for b in &node.bookmarks {
                spans.push(Span::styled(
                    format!("★{b} "),
                    Style::default().fg(theme.bookmark),
                ));
            }
            if row.branch_point {
                spans.push(Span::styled("⑂ ", theme.dim()));
            }
            spans.push(Span::styled(
                format!("{mark}{}", node.label),
                Style::default().fg(color),
            ));
            let mut line = Line::from(spans);
            if i == self.cursor {
                line = line.style(Style::default().add_modifier(Modifier::REVERSED));
            }
            let y = list.y + (i - offset) as u16;
            line.render(Rect::new(list.x, y, list.width, 1), buf);
        }
        if preview_h > 0 {
            let block = Block::new()
                .borders(Borders::TOP)
                .border_style(theme.border(false))
                .title(Span::styled(
                    match self.selected_id() {
                        Some(id) => format!(" {id} "),
                        None => String::new(),
                    },
                    theme.dim(),
                ));
            let inner = block.inner(preview);
            block.render(preview, buf);
            let text = match (&self.prompt, &self.preview) {
                (Some(p), _) => {
                    let what = match p.kind {
                        NameKind::Alias => "alias",
                        NameKind::Bookmark => "bookmark",
                    };
                    format!(
                        "{what} name for {}: {}▏\n(Enter sets it, Esc cancels)",
                        p.entry_id, p.input
                    )
                }
                (None, Some((id, text))) if Some(id.as_str()) == self.selected_id() => text.clone(),
                _ => self.selected().map(|n| n.label.clone()).unwrap_or_default(),
            };
            Paragraph::new(text)
                .wrap(Wrap { trim: false })
                .render(inner, buf);
        }
    }
}
