//! The active model of a session, found without building the context: a walk up the index
//! and the body of at most one entry.

use super::error::SessionError;
use super::kinds::{EntryKind, Role};
use super::store::SessionStore;

impl SessionStore {
    /// (provider, model id) of the latest `model_change` on the active lineage, else of the
    /// lineage's last assistant message; `None` for a session that names no model. Reads the
    /// body of one entry, whatever the session's size.
    pub fn active_model(&self) -> Result<Option<(String, String)>, SessionError> {
        let Some(head) = self.head else {
            return Ok(None);
        };
        let lineage = self.index.lineage(head);
        let mut last_assistant = None;
        for &i in &lineage {
            let node = self.index.node(i);
            if node.kind == EntryKind::ModelChange {
                return self.read_model(i, "provider", "modelId", false);
            }
            if last_assistant.is_none() && node.role == Some(Role::Assistant) {
                last_assistant = Some(i);
            }
        }
        match last_assistant {
            Some(i) => self.read_model(i, "provider", "model", true),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ai::types::{AssistantMessage, Message};
    use crate::session::SessionStore;

    fn assistant(provider: &str, model: &str) -> Message {
        Message::Assistant(AssistantMessage {
            provider: provider.to_string(),
            model: model.to_string(),
            ..AssistantMessage::default()
        })
    }

    #[test]
    fn latest_model_change_else_last_assistant_matches_the_context() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SessionStore::in_memory(dir.path());
        assert_eq!(s.active_model().unwrap(), None);
        s.append_message(&assistant("openai", "gpt-4o")).unwrap();
        s.append_message(&assistant("anthropic", "claude-sonnet-4-5"))
            .unwrap();
        let want = Some(("anthropic".to_string(), "claude-sonnet-4-5".to_string()));
        assert_eq!(s.active_model().unwrap(), want);
        assert_eq!(s.context().unwrap().model, want);
        s.append_model_change("google", "gemini-2.5-flash").unwrap();
        s.append_message(&assistant("openai", "gpt-4o")).unwrap();
        let want = Some(("google".to_string(), "gemini-2.5-flash".to_string()));
        assert_eq!(s.active_model().unwrap(), want);
        assert_eq!(s.context().unwrap().model, want);
    }
}
