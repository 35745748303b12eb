//! Where each pane goes for a terminal size and the focus/zoom/split state. `update` uses it
//! (page sizes, mouse hits) and `view` draws into it, so both agree.

use ratatui::layout::{Constraint, Layout, Rect};

use crate::tui::state::{Pane, State};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Areas {
    /// The tab bar (compact mode only).
    pub tabs: Option<Rect>,
    pub conversation: Option<Rect>,
    pub editor: Option<Rect>,
    pub graph: Option<Rect>,
    pub trace: Option<Rect>,
    pub skills: Option<Rect>,
    pub status: Rect,
}

impl Areas {
    pub fn of(&self, pane: Pane) -> Option<Rect> {
        match pane {
            Pane::Conversation => self.conversation,
            Pane::Editor => self.editor,
            Pane::Graph => self.graph,
            Pane::Trace => self.trace,
            Pane::Skills => self.skills,
        }
    }

    /// The pane under a screen position.
    pub fn hit(&self, x: u16, y: u16) -> Option<Pane> {
        Pane::ALL.into_iter().find(|p| {
            self.of(*p)
                .is_some_and(|r| x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height)
        })
    }
}

/// The inside of a bordered pane.
pub fn inner(r: Rect) -> Rect {
    Rect::new(
        r.x.saturating_add(1),
        r.y.saturating_add(1),
        r.width.saturating_sub(2),
        r.height.saturating_sub(2),
    )
}

pub fn areas(state: &State) -> Areas {
    let area = Rect::new(0, 0, state.width, state.height);
    let [body, status] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
    let mut a = Areas {
        status,
        ..Areas::default()
    };
    let editor_h = (state.editor.wanted_rows() + 2).min(body.height / 2).max(3);
    let chat = |a: &mut Areas, r: Rect| {
        let [conv, ed] =
            Layout::vertical([Constraint::Min(0), Constraint::Length(editor_h)]).areas(r);
        a.conversation = Some(conv);
        a.editor = Some(ed);
    };
    let focus_side = matches!(state.focus, Pane::Graph | Pane::Trace | Pane::Skills);
    if state.compact() {
        let [tabs, rest] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(body);
        a.tabs = Some(tabs);
        match state.focus {
            Pane::Graph => a.graph = Some(rest),
            Pane::Trace => a.trace = Some(rest),
            Pane::Skills => a.skills = Some(rest),
            Pane::Conversation | Pane::Editor => chat(&mut a, rest),
        }
        return a;
    }
    if state.zoom {
        match state.focus {
            Pane::Conversation | Pane::Editor => chat(&mut a, body),
            Pane::Graph => a.graph = Some(body),
            Pane::Trace => a.trace = Some(body),
            Pane::Skills => a.skills = Some(body),
        }
        return a;
    }
    let _ = focus_side;
    let split = state.split.clamp(20, 100);
    let [main, side] = Layout::horizontal([
        Constraint::Percentage(split),
        Constraint::Percentage(100 - split),
    ])
    .areas(body);
    chat(&mut a, main);
    if side.width >= 20 {
        let [g, t, s] = Layout::vertical([
            Constraint::Percentage(45),
            Constraint::Percentage(30),
            Constraint::Percentage(25),
        ])
        .areas(side);
        a.graph = Some(g);
        a.trace = Some(t);
        a.skills = Some(s);
    }
    a
}
