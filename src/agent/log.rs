//! What the agent needs from a session: append entries and read the active branch back.
//! The session layer sits above the agent, so it implements this trait (see
//! `session::agent_log`) rather than the agent importing the store.
//!
//! The log is shared: the agent task and a front end (TUI, command engine) hold the same
//! `Arc<Mutex<..>>`. Nobody holds the lock across an `.await`. A front end may move the head
//! (`/branch`, `/resume`, an import) between turns; `revision` tells the agent to reload the
//! messages it caches.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::ai::types::{Message, ThinkingLevel, Usage};

/// A failed session operation; its `Display` is one line for the user.
pub type LogError = Box<dyn std::error::Error + Send + Sync>;

/// The active branch as the model sees it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogContext {
    /// A compaction's summary first (if any), then the messages in order.
    pub messages: Vec<Message>,
    /// The entry id of each message (the compaction's id for its summary).
    pub entry_ids: Vec<String>,
    /// (provider, model id) last recorded on the branch.
    pub model: Option<(String, String)>,
    /// The thinking level last recorded on the branch.
    pub thinking: Option<ThinkingLevel>,
    /// The usage of every assistant message on the branch, also those a compaction
    /// summarised away.
    pub usage: Usage,
}

/// A session the agent appends to. Every append goes after the head and moves the head to it.
pub trait SessionLog: Send {
    fn append_message(&mut self, message: &Message) -> Result<String, LogError>;
    fn append_model_change(&mut self, provider: &str, model_id: &str) -> Result<String, LogError>;
    fn append_thinking_level(&mut self, level: ThinkingLevel) -> Result<String, LogError>;
    /// Records that `summary` stands for everything on the branch before `first_kept_entry_id`.
    fn append_compaction(
        &mut self,
        summary: &str,
        first_kept_entry_id: &str,
        tokens_before: u64,
    ) -> Result<String, LogError>;
    /// The active branch's context.
    fn context(&self) -> Result<LogContext, LogError>;
    /// Changes whenever the head moves or the session is appended to or rewritten, so a
    /// holder of cached messages knows to reload them.
    fn revision(&self) -> u64;
    /// The session file, `None` in memory.
    fn path(&self) -> Option<PathBuf>;
    /// The active head's entry id.
    fn head(&self) -> Option<String>;
    /// The session's id (its header's), for the audit log.
    fn session_id(&self) -> Option<String> {
        None
    }
}

/// The session shared by the agent task and a front end.
pub type SharedSessionLog = Arc<Mutex<dyn SessionLog>>;

/// Locks a shared log. A panic while it was held cannot leave the store half-updated (each
/// append is one write), so a poisoned lock is used as it is.
pub fn lock_log(log: &SharedSessionLog) -> MutexGuard<'_, dyn SessionLog + 'static> {
    log.lock().unwrap_or_else(PoisonError::into_inner)
}
