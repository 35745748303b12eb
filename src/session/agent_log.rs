//! `SessionStore` as the agent's `SessionLog`.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;

use super::store::SessionStore;
use crate::agent::{LogContext, LogError, SessionLog};
use crate::ai::types::{Message, ThinkingLevel};

/// Runs an append, which may wait up to `--session-lock-wait-ms` for another process's lock,
/// without stalling the runtime: on the multi-thread runtime the worker hands its other tasks
/// to another thread meanwhile. (A current-thread runtime, as in tests, just runs it.)
fn may_block<T>(append: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(append),
        _ => append(),
    }
}

impl SessionLog for SessionStore {
    fn append_message(&mut self, message: &Message) -> Result<String, LogError> {
        Ok(may_block(|| SessionStore::append_message(self, message))?)
    }

    fn append_model_change(&mut self, provider: &str, model_id: &str) -> Result<String, LogError> {
        Ok(may_block(|| {
            SessionStore::append_model_change(self, provider, model_id)
        })?)
    }

    fn append_thinking_level(&mut self, level: ThinkingLevel) -> Result<String, LogError> {
        Ok(may_block(|| {
            SessionStore::append_thinking_level(self, level)
        })?)
    }

    fn append_compaction(
        &mut self,
        summary: &str,
        first_kept_entry_id: &str,
        tokens_before: u64,
    ) -> Result<String, LogError> {
        Ok(may_block(|| {
            SessionStore::append_compaction(self, summary, first_kept_entry_id, tokens_before)
        })?)
    }

    fn context(&self) -> Result<LogContext, LogError> {
        let ctx = SessionStore::context(self)?;
        Ok(LogContext {
            messages: ctx.messages,
            entry_ids: ctx.entry_ids,
            model: ctx.model,
            thinking: ctx.thinking,
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
}
