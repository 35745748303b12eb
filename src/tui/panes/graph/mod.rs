//! The session branch graph pane: the whole tree as lanes, the head, branch points, aliases and
//! bookmarks marked; the cursor previews its entry; Enter makes it the head.

mod lanes;

pub use lanes::{GraphRow, LaneCell, glyphs, layout};

use std::collections::HashMap;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use crate::session::{EntryKind, Role, SessionTree, TreeNode};
use crate::tui::config::theme::Theme;
use crate::tui::msg::NameKind;

/// A name being typed for the entry at the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamePrompt {
    pub kind: NameKind,
    pub entry_id: String,
    pub input: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct GraphPane {
    /// The tree from the session index (`SessionStore::tree`).
    pub snapshot: SessionTree,
    /// One-line labels of entries, read lazily for the rows in view (entries never change,
    /// so they are kept across reloads); `None` while asked for.
    pub labels: HashMap<String, Option<String>>,
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
    /// Takes a fresh snapshot, keeping the cursor on the same entry; a cursor on the old head
    /// (or none yet) follows the head, so the newest entries stay in view as a turn goes on.
    pub fn set_snapshot(&mut self, snap: SessionTree, head: Option<&str>) {
        let on_head =
            self.selected_id().is_none() || self.selected_id() == self.snapshot.head.as_deref();
        let keep = if on_head {
            None
        } else {
            self.selected_id().map(str::to_string)
        };
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

    pub fn selected(&self) -> Option<&TreeNode> {
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

    /// Ids of entries near the view (the rows shown and a screen either side) whose labels
    /// were never asked for; they are marked as asked.
    pub fn take_missing_labels(&mut self, height: usize) -> Vec<String> {
        let h = height.max(1);
        let from = self.offset.saturating_sub(h);
        let mut out = Vec::new();
        for row in self.rows.iter().skip(from).take(3 * h) {
            let id = &self.snapshot.nodes[row.node].id;
            if !self.labels.contains_key(id) {
                out.push(id.clone());
            }
        }
        for id in &out {
            self.labels.insert(id.clone(), None);
        }
        out
    }

    /// The label of an entry, `…` until it is read.
    pub fn label(&self, id: &str) -> &str {
        self.labels
            .get(id)
            .and_then(Option::as_deref)
            .unwrap_or("…")
    }

    /// Scrolls so the cursor is in a view of `height` rows, with no blank rows below the last
    /// entry while earlier ones are hidden above (after a resize, say).
    pub fn keep_visible(&mut self, height: usize) {
        let h = height.max(1);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + h {
            self.offset = self.cursor + 1 - h;
        }
        self.offset = self.offset.min(self.rows.len().saturating_sub(h));
    }

    /// Draws the pane (inside its border) into `area`.
    /// Draws the graph with `head` marked: the head the status bar shows (the session's own
    /// mark when none is known yet), so the two never disagree.
    pub fn render(&self, theme: &Theme, head: Option<&str>, area: Rect, buf: &mut Buffer) {
        let head = head
            .filter(|h| self.row_of(h).is_some())
            .or(self.snapshot.head.as_deref());
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
            let (mark, color) = match (node.kind, node.role) {
                (EntryKind::Message, Some(Role::User)) => ("› ", theme.user),
                (EntryKind::Message, Some(Role::Assistant)) => ("", theme.assistant),
                (EntryKind::Message, Some(Role::ToolResult | Role::BashExecution)) => {
                    ("⚙ ", theme.tool)
                }
                (EntryKind::Message, Some(Role::CompactionSummary | Role::BranchSummary))
                | (EntryKind::Compaction | EntryKind::BranchSummary, _) => ("≡ ", theme.notice),
                _ => ("", theme.dim),
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
                format!("{mark}{}", self.label(&node.id)),
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
                _ => self
                    .selected()
                    .map(|n| self.label(&n.id).to_string())
                    .unwrap_or_default(),
            };
            Paragraph::new(text)
                .wrap(Wrap { trim: false })
                .render(inner, buf);
        }
    }
}

/// The preview keeps what its small pane can show (the first lines of a long message), so a
/// huge entry costs nothing on every frame.
pub fn clip_preview(mut text: String) -> String {
    const LINES: usize = 60;
    const BYTES: usize = 8 << 10;
    let by_lines = text.match_indices('\n').nth(LINES - 1).map(|(i, _)| i);
    let mut cut = by_lines.unwrap_or(text.len()).min(BYTES);
    if cut < text.len() {
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("\n…");
    }
    text
}

/// A graph pane loaded from session lines through the real session store, labels included.
#[cfg(test)]
pub(crate) fn pane_from_lines(lines: &[&str]) -> GraphPane {
    let (tree, labels) = tree_from_lines(lines);
    let mut pane = GraphPane::default();
    let head = tree.head.clone();
    pane.set_snapshot(tree, head.as_deref());
    pane.labels = labels.into_iter().map(|(id, l)| (id, Some(l))).collect();
    pane
}

/// The tree and every label of a session made of `lines` (the header is added).
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) fn tree_from_lines(lines: &[&str]) -> (SessionTree, Vec<(String, String)>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.jsonl");
    let header =
        r#"{"type":"session","version":3,"id":"s","timestamp":"2026-01-01T00:00:00Z","cwd":"/"}"#;
    let text = std::iter::once(header)
        .chain(lines.iter().copied())
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&path, text + "\n").unwrap();
    let (store, _) =
        crate::session::SessionStore::open(&path, dir.path(), Default::default()).unwrap();
    let tree = store.tree();
    let ids: Vec<String> = tree.nodes.iter().map(|n| n.id.clone()).collect();
    let labels = store.entry_labels(&ids).unwrap();
    (tree, labels)
}

#[cfg(test)]
mod tests {
    use super::{clip_preview, tree_from_lines};

    fn user(id: &str, parent: Option<&str>) -> String {
        let parent = parent.map_or("null".to_string(), |p| format!("\"{p}\""));
        format!(
            r#"{{"type":"message","id":"{id}","parentId":{parent},"message":{{"role":"user","content":"{id}"}}}}"#
        )
    }

    #[test]
    fn a_cursor_on_the_head_follows_it_and_one_elsewhere_stays() {
        let lines: Vec<String> = (0..30)
            .map(|i| {
                user(
                    &format!("e{i}"),
                    (i > 0).then(|| format!("e{}", i - 1)).as_deref(),
                )
            })
            .collect();
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let mut pane = super::GraphPane::default();
        let (snap, _) = tree_from_lines(&refs[..10]);
        pane.set_snapshot(snap, Some("e9"));
        pane.keep_visible(5);
        assert_eq!(pane.selected_id(), Some("e9"));
        // The session grows: the cursor was on the head, so it moves to the new head, in view.
        let (snap, _) = tree_from_lines(&refs[..30]);
        pane.set_snapshot(snap, Some("e29"));
        pane.keep_visible(5);
        assert_eq!(pane.selected_id(), Some("e29"));
        assert_eq!(pane.offset, 25);
        // A cursor the user moved stays where it was.
        pane.move_cursor(-10, 5);
        assert_eq!(pane.selected_id(), Some("e19"));
        let (snap, _) = tree_from_lines(&refs[..30]);
        pane.set_snapshot(snap, Some("e29"));
        assert_eq!(pane.selected_id(), Some("e19"));
        // A taller view after a resize shows rows above rather than blank rows below.
        pane.offset = 25;
        pane.cursor = 29;
        pane.keep_visible(20);
        assert_eq!(pane.offset, 10);
    }

    #[test]
    fn a_long_preview_keeps_its_first_lines_and_says_it_is_cut() {
        let long: String = (0..1000).map(|i| format!("line {i}\n")).collect();
        let clipped = clip_preview(long);
        assert_eq!(clipped.lines().count(), 61);
        assert!(clipped.starts_with("line 0\nline 1\n"));
        assert!(clipped.ends_with("line 59\n…"), "{clipped}");
        // One huge line is cut by size, on a character boundary.
        let wide = "é".repeat(10_000);
        let clipped = clip_preview(wide);
        assert!(clipped.len() <= (8 << 10) + 4);
        assert!(clipped.ends_with('…'));
        assert_eq!(clip_preview("short".into()), "short");
    }
}
