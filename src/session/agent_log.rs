//! `SessionStore` as the agent's `SessionLog`.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;

use super::error::SessionError;
use super::store::SessionStore;
use crate::agent::{LogContext, LogError, SessionLog};
use crate::ai::types::{Message, ThinkingLevel};

/// Runs an append. The lock is tried once first; only when another process holds it does
/// the wait (up to `--session-lock-wait-ms`) run under `block_in_place`, so the runtime's
/// other tasks (Ctrl+C, the UI) go on meanwhile. The common case starts no thread.
fn append_with<T>(
    store: &mut SessionStore,
    append: impl Fn(&mut SessionStore) -> Result<T, SessionError>,
) -> Result<T, SessionError> {
    use tokio::runtime::{Handle, RuntimeFlavor};
    let configured = store.lock;
    store.lock.wait_ms = 0;
    let first = append(store);
    store.lock = configured;
    match first {
        Err(SessionError::Locked { .. }) if configured.wait_ms > 0 => {
            match Handle::try_current().map(|h| h.runtime_flavor()) {
                Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(|| append(store)),
                // A current-thread runtime (tests) cannot hand its tasks over: just wait.
                _ => append(store),
            }
        }
        other => other,
    }
}

impl SessionLog for SessionStore {
    fn append_message(&mut self, message: &Message) -> Result<String, LogError> {
        Ok(append_with(self, |s| s.append_message(message))?)
    }

    fn append_model_change(&mut self, provider: &str, model_id: &str) -> Result<String, LogError> {
        Ok(append_with(self, |s| {
            s.append_model_change(provider, model_id)
        })?)
    }

    fn append_thinking_level(&mut self, level: ThinkingLevel) -> Result<String, LogError> {
        Ok(append_with(self, |s| s.append_thinking_level(level))?)
    }

    fn append_compaction(
        &mut self,
        summary: &str,
        first_kept_entry_id: &str,
        tokens_before: u64,
    ) -> Result<String, LogError> {
        Ok(append_with(self, |s| {
            s.append_compaction(summary, first_kept_entry_id, tokens_before)
        })?)
    }

    fn context(&self) -> Result<LogContext, LogError> {
        let ctx = SessionStore::context(self)?;
        Ok(LogContext {
            messages: ctx.messages,
            entry_ids: ctx.entry_ids,
            model: ctx.model,
            thinking: ctx.thinking,
            usage: ctx.usage,
        })
    }

    fn revision(&self) -> u64 {
        // Every append grows the file and the index; every head move appends a head entry;
        // a rewrite (repair, compact, import) changes the length, the count or the head.
        let mut h = DefaultHasher::new();
        self.tail.len.hash(&mut h);
        self.index.len().hash(&mut h);
        SessionStore::head(self).hash(&mut h);
        self.header.id.hash(&mut h);
        h.finish()
    }

    fn path(&self) -> Option<PathBuf> {
        SessionStore::path(self).map(PathBuf::from)
    }

    fn head(&self) -> Option<String> {
        SessionStore::head(self).map(str::to_string)
    }

    fn session_id(&self) -> Option<String> {
        let id = &self.header.id;
        (!id.is_empty()).then(|| id.clone())
    }
}
