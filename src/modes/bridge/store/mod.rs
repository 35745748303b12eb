//! The channel store: per conversation a folder with its session, event log, context and
//! attachments, plus a small `state.json` (dedupe keys, queue, active run, counters). The
//! layout is described in docs/bridges.md.
//!
//! Appends to the JSONL files are one `write` of a whole line on an `O_APPEND` file; the state
//! file is replaced atomically (temp file in the same folder, fsync, rename). Files are 0600,
//! folders 0700.

mod id;
mod log;
mod repair;
mod state;

use std::path::{Path, PathBuf};

pub use id::{ConversationKey, Transport, decode_id, encode_id};
pub use log::{Direction, Event, LogRead};
pub use repair::{JsonlRepair, RemovedLine, repair_jsonl};
pub use state::{ChannelState, Counters, QueuedMessage, SEEN_LIMIT};

use crate::session::{LockOptions, SessionStore};

/// A failure of the channel store: the file and what could not be done, in one line.
#[derive(Debug, thiserror::Error)]
#[error("{path}: cannot {action}: {reason}")]
pub struct StoreError {
    /// The file or folder concerned.
    pub path: PathBuf,
    /// What was being done ("write the state file", ...).
    pub action: &'static str,
    /// Why it failed.
    pub reason: String,
}

impl StoreError {
    pub(crate) fn new(path: &Path, action: &'static str, reason: impl ToString) -> StoreError {
        StoreError {
            path: path.to_path_buf(),
            action,
            reason: reason.to_string(),
        }
    }
}

/// The root of a channel store: `<root>/<transport>/<encoded id>/`.
#[derive(Debug, Clone)]
pub struct ChannelStore {
    root: PathBuf,
}

impl ChannelStore {
    /// A store rooted at `root` (created 0700 on the first write).
    pub fn open(root: &Path) -> ChannelStore {
        ChannelStore {
            root: root.to_path_buf(),
        }
    }

    /// The root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The conversation `id` of `transport`; nothing is created until it is written to.
    pub fn channel(&self, transport: Transport, id: &str) -> Result<Channel, String> {
        let key = ConversationKey::new(transport, id)?;
        Ok(self.channel_for(&key))
    }

    /// The conversation named by `key`.
    pub fn channel_for(&self, key: &ConversationKey) -> Channel {
        let dir = self
            .root
            .join(key.transport.as_str())
            .join(encode_id(&key.id));
        Channel {
            key: key.clone(),
            dir,
        }
    }

    /// Every conversation with a folder in the store, sorted by transport then id. Folders
    /// whose names are not an encoded id are skipped.
    pub fn list(&self) -> Result<Vec<ConversationKey>, StoreError> {
        let mut out = Vec::new();
        for transport in Transport::ALL {
            let dir = self.root.join(transport.as_str());
            let entries = match std::fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(StoreError::new(&dir, "list the conversations", e)),
            };
            for entry in entries.flatten() {
                if !entry.path().is_dir() {
                    continue;
                }
                let name = entry.file_name();
                match name.to_str().and_then(decode_id) {
                    Some(id) => out.push(ConversationKey { transport, id }),
                    None => {
                        tracing::warn!(folder = %entry.path().display(), "not a channel folder")
                    }
                }
            }
        }
        out.sort();
        Ok(out)
    }
}

/// One conversation's folder.
#[derive(Debug, Clone)]
pub struct Channel {
    key: ConversationKey,
    dir: PathBuf,
}

impl Channel {
    /// Which conversation this is.
    pub fn key(&self) -> &ConversationKey {
        &self.key
    }

    /// The conversation's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// True when the conversation's folder exists.
    pub fn exists(&self) -> bool {
        self.dir.is_dir()
    }

    /// `session.jsonl`: an ordinary pi session (`pi --session` opens it).
    pub fn session_path(&self) -> PathBuf {
        self.dir.join("session.jsonl")
    }

    /// `log.jsonl`: every inbound and outbound event.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("log.jsonl")
    }

    /// `context.jsonl`: context lines the bridge gathered (issue body, earlier comments, ...).
    pub fn context_path(&self) -> PathBuf {
        self.dir.join("context.jsonl")
    }

    /// `state.json`: dedupe keys, queue, active run, counters.
    pub fn state_path(&self) -> PathBuf {
        self.dir.join("state.json")
    }

    /// `attachments/`: files downloaded for this conversation.
    pub fn attachments_dir(&self) -> PathBuf {
        self.dir.join("attachments")
    }

    /// Creates the folder, `attachments/` and the session file (through the session store,
    /// with a header whose working directory is `cwd`) if missing; returns the open session.
    pub fn open_session(&self, cwd: &Path) -> Result<SessionStore, StoreError> {
        let attachments = self.attachments_dir();
        crate::private_fs::create_dir_all(&attachments)
            .map_err(|e| StoreError::new(&attachments, "create the channel folder", e))?;
        let path = self.session_path();
        let (store, warnings) = SessionStore::open(&path, cwd, LockOptions::default())
            .map_err(|e| StoreError::new(&path, "open the session", e))?;
        for w in warnings {
            tracing::warn!(session = %path.display(), "{w}");
        }
        Ok(store)
    }

    /// Appends one event to `log.jsonl` as a single write of a whole line.
    pub fn append_log(&self, event: &Event) -> Result<(), StoreError> {
        log::append_line(&self.log_path(), event)
    }

    /// Appends one JSON value to `context.jsonl` as a single write of a whole line.
    pub fn append_context(&self, value: &serde_json::Value) -> Result<(), StoreError> {
        log::append_line(&self.context_path(), value)
    }

    /// Reads `log.jsonl` (missing: empty). A torn last line (a crash mid-append) and
    /// malformed lines are skipped and reported in the result.
    pub fn read_log(&self) -> Result<LogRead, StoreError> {
        log::read(&self.log_path())
    }

    /// The saved state (missing file: the default state). A state file that is not valid
    /// JSON is an error naming the file.
    pub fn state(&self) -> Result<ChannelState, StoreError> {
        state::load(&self.state_path())
    }

    /// Replaces `state.json` atomically with `state`.
    pub fn save_state(&self, state: &ChannelState) -> Result<(), StoreError> {
        state::save(&self.state_path(), state)
    }

    /// True when the event `key` was already processed (persisted dedupe).
    pub fn seen(&self, key: &str) -> Result<bool, StoreError> {
        Ok(self.state()?.is_seen(key))
    }

    /// Records `key` as processed and saves the state (only the newest [`SEEN_LIMIT`] keys
    /// are kept). Returns false when it was already recorded.
    pub fn mark_seen(&self, key: &str) -> Result<bool, StoreError> {
        let mut state = self.state()?;
        if !state.mark_seen(key) {
            return Ok(false);
        }
        self.save_state(&state)?;
        Ok(true)
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
