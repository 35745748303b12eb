//! `SessionStore` as the agent's `SessionLog`.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;

use super::store::SessionStore;
use crate::agent::{LogContext, LogError, SessionLog};
use crate::ai::types::{Message, ThinkingLevel};

impl SessionLog for SessionStore {
    fn append_message(&mut self, message: &Message) -> Result<String, LogError> {
        Ok(SessionStore::append_message(self, message)?)
    }

    fn append_model_change(&mut self, provider: &str, model_id: &str) -> Result<String, LogError> {
        Ok(SessionStore::append_model_change(self, provider, model_id)?)
    }

    fn append_thinking_level(&mut self, level: ThinkingLevel) -> Result<String, LogError> {
        Ok(SessionStore::append_thinking_level(self, level)?)
    }

    fn append_compaction(
        &mut self,
        summary: &str,
        first_kept_entry_id: &str,
        tokens_before: u64,
    ) -> Result<String, LogError> {
        Ok(SessionStore::append_compaction(
            self,
            summary,
            first_kept_entry_id,
            tokens_before,
        )?)
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
