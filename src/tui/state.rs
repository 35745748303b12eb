//! The whole UI state. `update` changes it; `view` draws it; nothing else touches it.

use std::collections::VecDeque;

use crate::tui::approval::ApprovalPrompt;
use crate::tui::config::keymap::Keymap;
use crate::tui::config::theme::Theme;
use crate::tui::overlay::Overlay;
use crate::tui::panes::conversation::{Conversation, NoticeLevel};
use crate::tui::panes::editor::Editor;
use crate::tui::panes::graph::GraphPane;
use crate::tui::panes::skills::SkillBrowser;
use crate::tui::panes::trace::ToolTrace;
use crate::tui::status::StatusInfo;

/// The panes, in focus order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Conversation,
    Editor,
    Graph,
    Trace,
    Skills,
}

impl Pane {
    pub const ALL: [Pane; 5] = [
        Pane::Conversation,
        Pane::Editor,
        Pane::Graph,
        Pane::Trace,
        Pane::Skills,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Conversation => "Conversation",
            Pane::Editor => "Prompt",
            Pane::Graph => "Branches",
            Pane::Trace => "Tools",
            Pane::Skills => "Skills",
        }
    }
}

/// A model the picker offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelChoice {
    /// `provider/id`.
    pub name: String,
    pub context_window: u64,
    pub label: String,
    /// The variable holding the provider's key, when it is not set (the picker says so).
    pub missing_key: Option<String>,
}

/// A running turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    pub submission: u64,
    pub since_ms: u64,
    /// A `/compact` runs (not a turn).
    pub compacting: bool,
}

/// A transient message in the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    pub text: String,
    pub until_ms: u64,
}

#[derive(Debug)]
pub struct State {
    pub width: u16,
    pub height: u16,
    /// Milliseconds since the UI started, from the last `Msg::Tick`.
    pub now_ms: u64,
    pub focus: Pane,
    pub zoom: bool,
    /// Width of the conversation column in percent (the rest shows the side panes).
    pub split: u16,
    pub conversation: Conversation,
    pub editor: Editor,
    pub trace: ToolTrace,
    pub graph: GraphPane,
    pub skills: SkillBrowser,
    pub status: StatusInfo,
    pub overlay: Option<Overlay>,
    /// Calls waiting for the user's approval; the first is shown, over everything.
    pub approvals: VecDeque<ApprovalPrompt>,
    pub busy: Option<Busy>,
    /// Prompts sent while a turn ran, sent one by one after it.
    pub queue: VecDeque<String>,
    /// A first Ctrl+C on an idle, empty editor: quit if the second comes before this time.
    pub quit_armed_until: Option<u64>,
    pub toast: Option<Toast>,
    pub keymap: Keymap,
    pub theme: Theme,
    pub mouse_capture: bool,
    /// The agent runs (false when set-up failed, e.g. no API key).
    pub agent_ready: bool,
    pub models: Vec<ModelChoice>,
    /// The UI is done; the runtime shuts down.
    pub quitting: bool,
    /// Notices to show once the history (re)loads: start-up problems, a command's answer.
    pub pending_notices: Vec<(NoticeLevel, String)>,
    /// The branch's history has been shown once (until then notices wait in
    /// `pending_notices`, or the first load would wipe them).
    pub history_loaded: bool,
    next_id: u64,
}

impl State {
    pub fn new(width: u16, height: u16) -> State {
        State {
            width,
            height,
            now_ms: 0,
            focus: Pane::Editor,
            zoom: false,
            split: 62,
            conversation: Conversation::default(),
            editor: Editor::default(),
            trace: ToolTrace::default(),
            graph: GraphPane::default(),
            skills: SkillBrowser::default(),
            status: StatusInfo::default(),
            overlay: None,
            approvals: VecDeque::new(),
            busy: None,
            queue: VecDeque::new(),
            quit_armed_until: None,
            toast: None,
            keymap: Keymap::default(),
            theme: Theme::default(),
            mouse_capture: true,
            agent_ready: true,
            models: Vec::new(),
            quitting: false,
            pending_notices: Vec::new(),
            history_loaded: false,
            next_id: 100,
        }
    }

    /// A fresh id for a submission or an effect.
    pub fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Whether the runtime should send ticks (something animates or expires).
    pub fn wants_ticks(&self) -> bool {
        self.busy.is_some() || self.toast.is_some() || self.quit_armed_until.is_some()
    }

    /// Tabs instead of side-by-side panes at 80×24 and smaller.
    pub fn compact(&self) -> bool {
        self.width <= 80 || self.height <= 24
    }

    /// Moves the queued prompts back into the editor, after any text there (a cancelled turn
    /// must not drop them); returns how many there were.
    pub fn unqueue_into_editor(&mut self) -> usize {
        let n = self.queue.len();
        if n == 0 {
            return 0;
        }
        let mut parts: Vec<String> = Vec::with_capacity(n + 1);
        if !self.editor.is_empty() {
            parts.push(self.editor.text());
        }
        parts.extend(self.queue.drain(..));
        self.editor.set_text(&parts.join("\n"));
        n
    }

    /// Shows a notice now, or once the history has loaded if it has not yet.
    pub fn notice(&mut self, level: NoticeLevel, text: impl Into<String>) {
        if self.history_loaded {
            self.conversation.notice(level, text);
        } else {
            self.pending_notices.push((level, text.into()));
        }
    }

    pub fn toast(&mut self, text: impl Into<String>, ms: u64) {
        self.toast = Some(Toast {
            text: text.into(),
            until_ms: self.now_ms + ms,
        });
    }

    pub fn set_theme(&mut self, theme: Theme) {
        self.editor.style(&theme);
        self.theme = theme;
        self.conversation.restyle();
    }
}
