//! A comparable picture of the whole UI state, for controller tests: `State` itself holds
//! render caches (`RefCell`s), the text area widget and other things that cannot be compared,
//! so tests compare `state.summary()` after each message instead (docs/tui.md, Tests).
//!
//! It covers everything a user sees or that changes what a later message does. Left out:
//! render caches (each cell's blocks and wrapped heights, its `rev` and the conversation's
//! `style_gen`, which only key those caches), the graph's `rows` (always `layout` of the
//! tree), and private bookkeeping no `pub` field or method shows (the id counter, which the
//! effects' ids show; the conversation's streaming indices, which the cells' `streaming`
//! flags show; the editor's history draft and argument cache).

use std::collections::BTreeMap;
use std::fmt;

use crate::session::TreeNode;
use crate::tui::approval::ApprovalPrompt;
use crate::tui::config::keymap::Keymap;
use crate::tui::config::theme::Theme;
use crate::tui::overlay::{Overlay, PaletteKind};
use crate::tui::panes::conversation::{CellKind, NoticeLevel, Scroll, ToolStatus};
use crate::tui::panes::editor::{Completion, Mode, Paste};
use crate::tui::panes::graph::{GraphPane, NamePrompt};
use crate::tui::panes::skills::SkillBrowser;
use crate::tui::panes::trace::ToolTrace;
use crate::tui::state::{Busy, Pane, State, Toast};
use crate::tui::status::StatusInfo;

/// The whole state, field by field, in the order a reader scans it.
#[derive(Debug, Clone, PartialEq)]
pub struct StateSummary {
    pub width: u16,
    pub height: u16,
    pub now_ms: u64,
    pub focus: Pane,
    pub zoom: bool,
    pub split: u16,
    pub overlay: Option<OverlaySummary>,
    /// Approval prompts: the shown one first.
    pub approvals: Vec<ApprovalPrompt>,
    pub busy: Option<Busy>,
    pub queue: Vec<String>,
    pub toast: Option<Toast>,
    pub quit_armed_until: Option<u64>,
    pub quitting: bool,
    pub mouse_capture: bool,
    pub agent_ready: bool,
    pub pending_notices: Vec<(NoticeLevel, String)>,
    pub history_loaded: bool,
    /// The picker's models, `provider/id` (their labels and windows come from the registry).
    pub models: Vec<String>,
    pub status: StatusInfo,
    pub editor: EditorSummary,
    pub conversation: ConversationSummary,
    pub trace: ToolTrace,
    pub graph: GraphSummary,
    pub skills: SkillBrowser,
    pub keymap: Named<Keymap>,
    pub theme: Named<Theme>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum OverlaySummary {
    Help {
        scroll: usize,
    },
    /// The items come from the keymap, the commands or the models, all summarised elsewhere.
    Picker {
        kind: PaletteKind,
        query: String,
        items: usize,
        shown: usize,
        cursor: usize,
        selected: Option<String>,
    },
    Text {
        title: String,
        text: String,
        scroll: usize,
    },
    Image {
        title: String,
        key: u64,
        width: u32,
        height: u32,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct EditorSummary {
    pub text: String,
    /// (row, column).
    pub cursor: (usize, usize),
    pub selection: Option<((usize, usize), (usize, usize))>,
    pub history: Vec<String>,
    pub history_pos: Option<usize>,
    pub pastes: Vec<Paste>,
    pub completion: Option<Completion>,
    pub files: Option<Vec<String>>,
    pub files_requested: bool,
    /// How many `/` commands complete (set once at start).
    pub commands: usize,
    /// The prompt's vim mode (insert unless the keymap is modal and Esc was pressed).
    pub mode: Mode,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConversationSummary {
    pub cells: Vec<CellSummary>,
    pub scroll: Scroll,
    pub selected: Option<usize>,
    pub show_thinking: bool,
}

/// One history cell; `expanded` is drawn only for thinking and tool cells but compared for all.
#[derive(Debug, Clone, PartialEq)]
pub enum CellSummary {
    User {
        text: String,
        expanded: bool,
    },
    Assistant {
        text: String,
        streaming: bool,
        expanded: bool,
    },
    Thinking {
        text: String,
        streaming: bool,
        expanded: bool,
    },
    Tool {
        call_id: String,
        name: String,
        /// The arguments as compact JSON.
        args: String,
        status: ToolStatus,
        output: String,
        duration_ms: Option<u64>,
        expanded: bool,
    },
    Notice {
        level: NoticeLevel,
        text: String,
        expanded: bool,
    },
    Image {
        label: String,
        width: u32,
        height: u32,
        key: Option<u64>,
        expanded: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct GraphSummary {
    pub loaded: bool,
    pub error: Option<String>,
    pub request: u64,
    pub preview_request: u64,
    /// One line per shown entry, parents first: `id ← parent kind/role *head alias:… #bookmark`.
    pub tree: Vec<String>,
    pub head: Option<String>,
    pub cursor: usize,
    pub offset: usize,
    /// The entry at the cursor.
    pub selected: Option<String>,
    /// `None`: asked for, not read yet.
    pub labels: BTreeMap<String, Option<String>>,
    /// (entry id, its text).
    pub preview: Option<(String, String)>,
    pub prompt: Option<NamePrompt>,
}

/// A value compared in full but shown by its name (a whole keymap or theme would drown the
/// snapshot). A failing comparison that shows no difference here is a change of bindings or
/// colours under the same name.
#[derive(Clone, PartialEq)]
pub struct Named<T> {
    pub name: String,
    pub value: T,
}

impl<T> fmt::Debug for Named<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.name)
    }
}

impl From<&Theme> for Named<Theme> {
    fn from(t: &Theme) -> Self {
        Named {
            name: t.name.clone(),
            value: t.clone(),
        }
    }
}

impl From<&Keymap> for Named<Keymap> {
    fn from(k: &Keymap) -> Self {
        Named {
            name: k.name.clone(),
            value: k.clone(),
        }
    }
}

impl State {
    /// The whole state as comparable data (see the module comment for what is left out).
    pub fn summary(&self) -> StateSummary {
        StateSummary {
            width: self.width,
            height: self.height,
            now_ms: self.now_ms,
            focus: self.focus,
            zoom: self.zoom,
            split: self.split,
            overlay: self.overlay.as_ref().map(overlay_summary),
            approvals: self.approvals.iter().cloned().collect(),
            busy: self.busy,
            queue: self.queue.iter().cloned().collect(),
            toast: self.toast.clone(),
            quit_armed_until: self.quit_armed_until,
            quitting: self.quitting,
            mouse_capture: self.mouse_capture,
            agent_ready: self.agent_ready,
            pending_notices: self.pending_notices.clone(),
            history_loaded: self.history_loaded,
            models: self.models.iter().map(|m| m.name.clone()).collect(),
            status: self.status.clone(),
            editor: editor_summary(self),
            conversation: ConversationSummary {
                cells: self
                    .conversation
                    .cells
                    .iter()
                    .map(|c| cell_summary(&c.kind, c.expanded))
                    .collect(),
                scroll: self.conversation.scroll,
                selected: self.conversation.selected,
                show_thinking: self.conversation.show_thinking,
            },
            trace: self.trace.clone(),
            graph: graph_summary(&self.graph),
            skills: self.skills.clone(),
            keymap: Named::from(&self.keymap),
            theme: Named::from(&self.theme),
        }
    }
}

fn overlay_summary(o: &Overlay) -> OverlaySummary {
    match o {
        Overlay::Help { scroll } => OverlaySummary::Help { scroll: *scroll },
        Overlay::Picker { kind, list } => OverlaySummary::Picker {
            kind: *kind,
            query: list.query.clone(),
            items: list.items.len(),
            shown: list.matches.len(),
            cursor: list.cursor,
            selected: list.selected().map(|(v, _)| v.clone()),
        },
        Overlay::Text {
            title,
            text,
            scroll,
            ..
        } => OverlaySummary::Text {
            title: title.clone(),
            text: text.clone(),
            scroll: *scroll,
        },
        Overlay::Image {
            title,
            key,
            width,
            height,
        } => OverlaySummary::Image {
            title: title.clone(),
            key: *key,
            width: *width,
            height: *height,
        },
    }
}

fn editor_summary(state: &State) -> EditorSummary {
    let e = &state.editor;
    EditorSummary {
        text: e.text(),
        cursor: e.cursor(),
        selection: e.textarea.selection_range(),
        history: e.history.clone(),
        history_pos: e.history_pos,
        pastes: e.pastes.clone(),
        completion: e.completion.clone(),
        files: e.files.clone(),
        files_requested: e.files_requested,
        commands: e.commands.len(),
        mode: e.vim.mode,
    }
}

fn cell_summary(kind: &CellKind, expanded: bool) -> CellSummary {
    match kind {
        CellKind::User { text } => CellSummary::User {
            text: text.clone(),
            expanded,
        },
        CellKind::Assistant { source, streaming } => CellSummary::Assistant {
            text: source.clone(),
            streaming: *streaming,
            expanded,
        },
        CellKind::Thinking { text, streaming } => CellSummary::Thinking {
            text: text.clone(),
            streaming: *streaming,
            expanded,
        },
        CellKind::Tool(t) => CellSummary::Tool {
            call_id: t.call_id.clone(),
            name: t.name.clone(),
            args: t.args.to_string(),
            status: t.status,
            output: t.output.clone(),
            duration_ms: t.duration_ms,
            expanded,
        },
        CellKind::Notice { level, text } => CellSummary::Notice {
            level: *level,
            text: text.clone(),
            expanded,
        },
        CellKind::Image {
            label,
            width,
            height,
            key,
        } => CellSummary::Image {
            label: label.clone(),
            width: *width,
            height: *height,
            key: *key,
            expanded,
        },
    }
}

fn graph_summary(g: &GraphPane) -> GraphSummary {
    // Every field named: a new one fails to compile here until it is summarised.
    let GraphPane {
        snapshot,
        labels,
        rows: _,
        cursor,
        offset,
        loaded,
        error,
        request,
        preview_request,
        preview,
        prompt,
    } = g;
    GraphSummary {
        loaded: *loaded,
        error: error.clone(),
        request: *request,
        preview_request: *preview_request,
        tree: snapshot.nodes.iter().map(node_line).collect(),
        head: snapshot.head.clone(),
        cursor: *cursor,
        offset: *offset,
        selected: g.selected_id().map(str::to_string),
        labels: labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        preview: preview.clone(),
        prompt: prompt.clone(),
    }
}

/// `a1 ← u1 message/assistant *head alias:main #start`.
fn node_line(n: &TreeNode) -> String {
    let TreeNode {
        id,
        parent_id,
        kind,
        role,
        is_head,
        aliases,
        bookmarks,
    } = n;
    let mut line = id.clone();
    if let Some(p) = parent_id {
        line.push_str(" ← ");
        line.push_str(p);
    }
    line.push(' ');
    line.push_str(kind.as_str());
    if let Some(r) = role {
        line.push('/');
        line.push_str(r.as_str());
    }
    if *is_head {
        line.push_str(" *head");
    }
    for a in aliases {
        line.push_str(" alias:");
        line.push_str(a);
    }
    for b in bookmarks {
        line.push_str(" #");
        line.push_str(b);
    }
    line
}
