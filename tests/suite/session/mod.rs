//! Session store tests: the pi fixture, append-only writes, torn and malformed lines, locks,
//! and several processes appending at once.

mod locking;
mod maintain;
mod navigate;
mod props;
mod store;
mod stress;

use std::path::{Path, PathBuf};

use pi_coding_agent::ai::types::{AssistantMessage, ContentBlock, Message, StopReason, Usage};
use pi_coding_agent::session::{LoadWarning, LockOptions, SessionStore};

/// pi 0.73.1's file: a write / parallel bash+read / edit turn, then a continued prompt.
pub const PI_FIXTURE: &str = include_str!("fixtures/linear-tools-v3.jsonl");

/// A temp dir holding a copy of the pi fixture as `s.jsonl`.
pub fn fixture_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.jsonl");
    std::fs::write(&path, PI_FIXTURE).unwrap();
    (dir, path)
}

pub fn quick_lock() -> LockOptions {
    LockOptions {
        wait_ms: 2_000,
        stale_ms: 30_000,
    }
}

pub fn open(path: &Path) -> (SessionStore, Vec<LoadWarning>) {
    SessionStore::open(path, Path::new("/work"), quick_lock()).unwrap()
}

pub fn assistant(text: &str, tokens: u64) -> Message {
    Message::Assistant(AssistantMessage {
        content: vec![ContentBlock::text(text)],
        provider: "p".into(),
        model: "m".into(),
        usage: Usage {
            input: tokens,
            output: 1,
            total_tokens: tokens + 1,
            ..Usage::default()
        },
        stop_reason: StopReason::Stop,
        ..AssistantMessage::default()
    })
}

pub fn texts(store: &SessionStore) -> Vec<String> {
    store
        .context()
        .unwrap()
        .messages
        .iter()
        .map(Message::text)
        .collect()
}
