//! `state.json`: the small state of one conversation, replaced atomically.

use std::collections::VecDeque;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::StoreError;

/// How many processed event keys are remembered (the newest are kept).
pub const SEEN_LIMIT: usize = 1000;

/// A message waiting for the conversation's run to finish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedMessage {
    /// The event key it came with.
    pub key: String,
    /// Who wrote it (login or user id).
    pub author: String,
    /// Its text.
    pub text: String,
    /// When it was received (RFC 3339).
    #[serde(default)]
    pub received: String,
}

/// Running totals of a conversation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Counters {
    /// Inbound events handled.
    pub inbound: u64,
    /// Outbound events sent.
    pub outbound: u64,
    /// Runs started.
    pub runs: u64,
    /// Inbound events dropped as duplicates.
    pub duplicates: u64,
}

/// The content of `state.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChannelState {
    /// Processed event keys, oldest first, at most [`SEEN_LIMIT`].
    pub seen: VecDeque<String>,
    /// Messages waiting for the active run to end, oldest first.
    pub queue: Vec<QueuedMessage>,
    /// The message whose run is in progress, if any (resumed after a restart).
    pub active_run: Option<QueuedMessage>,
    /// The transport's handle of the active run's visible reply (a comment id, a message
    /// ts), so a resumed run edits it instead of posting a second one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply: Option<serde_json::Value>,
    /// Running totals.
    pub counters: Counters,
}

impl ChannelState {
    /// True when `key` was processed.
    pub fn is_seen(&self, key: &str) -> bool {
        self.seen.iter().any(|k| k == key)
    }

    /// Records `key` (dropping the oldest past [`SEEN_LIMIT`]); false when already there.
    pub fn mark_seen(&mut self, key: &str) -> bool {
        if self.is_seen(key) {
            return false;
        }
        self.seen.push_back(key.to_string());
        while self.seen.len() > SEEN_LIMIT {
            self.seen.pop_front();
        }
        true
    }
}

pub(super) fn load(path: &Path) -> Result<ChannelState, StoreError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ChannelState::default()),
        Err(e) => return Err(StoreError::new(path, "read the state file", e)),
    };
    serde_json::from_slice(&bytes).map_err(|e| StoreError::new(path, "parse the state file", e))
}

pub(super) fn save(path: &Path, state: &ChannelState) -> Result<(), StoreError> {
    let mut bytes = serde_json::to_vec_pretty(state)
        .map_err(|e| StoreError::new(path, "encode the state", e))?;
    bytes.push(b'\n');
    crate::private_fs::write_atomic(path, &bytes, None)
        .map_err(|e| StoreError::new(path, "write the state file", e))
}
