//! What the interactive mode gives the UI runtime besides the agent: the slash-command engine
//! and reads of the session. A trait, so the UI does not depend on how the session is shared.

use std::path::PathBuf;

use crate::agent::EventMsg;
use crate::ai::types::{Message, Usage};
use crate::session::SessionTree;
use crate::tui::msg::CommandReply;

/// The active branch as the UI shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BranchHistory {
    /// What the model sees: a compaction's summary first, then the kept messages.
    pub messages: Vec<Message>,
    pub head: Option<String>,
    /// What the whole branch has used, the turns a compaction summarised included.
    pub usage: Usage,
}

pub trait Host: Send {
    /// Runs one slash command line.
    fn run_command(&mut self, line: &str) -> Result<CommandReply, String>;

    /// Sees every agent event (to keep the command engine's settings in step).
    fn observe(&mut self, _msg: &EventMsg) {}

    /// The active branch's messages, head and usage.
    fn history(&mut self) -> Result<BranchHistory, String>;

    /// The session file, if there is one.
    fn session_path(&self) -> Option<PathBuf>;

    /// The session tree for the graph pane (from the session's index: cheap).
    fn graph(&mut self) -> Result<SessionTree, String> {
        Err("no session".into())
    }

    /// One-line labels of these entries.
    fn entry_labels(&mut self, _ids: &[String]) -> Result<Vec<(String, String)>, String> {
        Err("no session".into())
    }

    /// Candidates (value, description) for the last word of a `/` command line.
    fn complete(&mut self, _line: &str) -> Vec<(String, String)> {
        Vec::new()
    }

    /// The full text of one entry.
    fn entry_text(&mut self, _id: &str) -> Result<String, String> {
        Err("no session".into())
    }
}

/// A host with no session and no command engine (set-up failed).
pub struct NoHost;

impl Host for NoHost {
    fn run_command(&mut self, line: &str) -> Result<CommandReply, String> {
        Err(format!("{line}: commands need a running agent"))
    }

    fn history(&mut self) -> Result<BranchHistory, String> {
        Ok(BranchHistory::default())
    }

    fn session_path(&self) -> Option<PathBuf> {
        None
    }
}
