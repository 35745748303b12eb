//! Everything that can happen to the UI (`Msg`) and everything the UI asks the outside world
//! to do (`Effect`). `update` turns one into the other; effect results come back as `Msg::Done`
//! with the id of the request they answer.

use std::path::PathBuf;

use crossterm::event::{KeyEvent, MouseEvent};

use crate::agent::{Event, Op};
use crate::session::SessionTree;
use crate::skills::discover::Discovery;
use crate::tui::config::ConfigKind;
use crate::tui::host::BranchHistory;

/// One thing that happened.
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    /// Bracketed paste: the pasted text in one piece.
    Paste(String),
    Mouse(MouseEvent),
    Resize {
        width: u16,
        height: u16,
    },
    /// Time passes: milliseconds since the UI started.
    Tick {
        now_ms: u64,
    },
    /// The agent task reported something.
    Agent(Event),
    /// The agent task is gone (its channel closed).
    AgentGone,
    /// An effect finished.
    Done {
        id: u64,
        result: EffectResult,
    },
    /// A theme or keymap file in use changed on disk: its new text, or why it cannot be read.
    ConfigChanged {
        kind: ConfigKind,
        /// The watched file, named in an error notice.
        path: std::path::PathBuf,
        text: Result<String, String>,
    },
    /// Something changed in a skills folder: read the skills again.
    SkillsChanged,
}

/// What an effect produced.
#[derive(Debug, Clone)]
pub enum EffectResult {
    /// The project's files for `@` completion (relative paths, .gitignore respected).
    Files(Vec<String>),
    /// The text back from `$VISUAL` / `$EDITOR`.
    ExternalEditor(Result<String, String>),
    Graph(Result<SessionTree, String>),
    /// One-line labels of graph entries (entry id, label).
    EntryLabels(Result<Vec<(String, String)>, String>),
    /// The messages of the active branch, its head and usage.
    History(Result<BranchHistory, String>),
    /// The preview text of a graph entry.
    EntryPreview {
        entry_id: String,
        text: Result<String, String>,
    },
    /// The skills folders read again (missing folders are simply empty), and the install
    /// records of the project's folder.
    Skills(Discovery, crate::skills::record::InstallRecords),
    /// The registry's skills that may be installed: (`NAME@VERSION`, what signed it), newest
    /// first per name; or why the registry could not be read or was refused.
    Registry(Result<Vec<(String, String)>, String>),
    /// A skill install finished: its one-line summary, or why nothing was installed.
    SkillInstalled(Result<String, String>),
    /// A slash command ran: lines to show; an error is shown as one.
    Command(Result<CommandReply, String>),
    Image(Result<ImageInfo, String>),
    /// A prompt could not be sent (an attachment could not be read).
    SubmitFailed(String),
    /// `Ok(true)`: the text was cut to fit the OSC 52 limit.
    Copied(Result<bool, String>),
    /// Candidates for the word after `line` (a `/` command line up to that word).
    Arguments {
        line: String,
        items: Vec<(String, String)>,
    },
    /// Back from Ctrl+Z: the terminal's size now (it may have changed meanwhile).
    Resumed {
        width: u16,
        height: u16,
    },
}

/// The output of a slash command as the UI needs it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommandReply {
    pub lines: Vec<String>,
    pub ok: bool,
    /// Something for the agent to do next.
    pub submit: Option<Op>,
    pub quit: bool,
    /// Lines to run next as if typed (a macro).
    pub run: Vec<String>,
    /// The session changed (head, names): the conversation and graph reload.
    pub session_changed: bool,
    /// Another session file is open now (`/new`, `/session-open`): its path.
    pub session_file: Option<String>,
}

/// An image decoded by an effect, ready to show.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageInfo {
    /// The file, or what produced the image.
    pub label: String,
    pub width: u32,
    pub height: u32,
    /// Key into the runtime's decoded images.
    pub key: u64,
    /// Also open it in the image overlay (`/image`).
    pub overlay: bool,
}

/// Where an image to show comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum ImageSource {
    /// A file (relative to the working directory).
    File(PathBuf),
    /// Base64 data, e.g. from a tool result.
    Data {
        label: String,
        mime_type: String,
        data: String,
    },
}

/// Which name to give an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    Alias,
    Bookmark,
}

/// Something for the runtime to do. Every variant that produces a result carries the id its
/// `Msg::Done` will answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send an op to the agent as submission `id`.
    Submit {
        id: u64,
        op: Op,
    },
    /// Send a prompt: `@file` images named in it are read and attached.
    SubmitPrompt {
        id: u64,
        text: String,
        attachments: Vec<PathBuf>,
    },
    Quit,
    /// Ctrl+Z: give the terminal back until the shell resumes us; answers `Resumed`.
    Suspend {
        id: u64,
    },
    SetMouseCapture(bool),
    /// Copy to the system clipboard with OSC 52.
    Copy {
        id: u64,
        text: String,
    },
    ListFiles {
        id: u64,
    },
    ExternalEditor {
        id: u64,
        text: String,
    },
    LoadGraph {
        id: u64,
    },
    /// Read the active branch again (after the head moved).
    LoadHistory {
        id: u64,
    },
    PreviewEntry {
        id: u64,
        entry_id: String,
    },
    /// Read the one-line labels of these graph entries.
    LoadEntryLabels {
        id: u64,
        ids: Vec<String>,
    },
    /// Run a slash command line through the command engine.
    RunCommand {
        id: u64,
        line: String,
    },
    LoadSkills {
        id: u64,
    },
    /// Fetch and verify the skill registry (`--skill-registry-url`) for the install picker.
    LoadRegistry {
        id: u64,
    },
    /// Install a skill (`registry:NAME@VERSION`, a path, or `URL#sha256=HEX`).
    InstallSkill {
        id: u64,
        source: String,
    },
    /// Ask the command engine for the candidates of the word after `line`.
    CompleteArguments {
        id: u64,
        line: String,
    },
    /// Decode an image and show it inline in the conversation (and in the overlay).
    LoadImage {
        id: u64,
        source: ImageSource,
        overlay: bool,
    },
}
