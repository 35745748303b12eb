//! Changing the model, the thinking level and the runtime limits between turns.

use std::sync::Arc;

use super::protocol::{EventMsg, RuntimeSettings, SkillIndexEntry, SkillInput};
use super::task::{Agent, AgentConfig};
use crate::ai::types::ThinkingLevel;
use crate::ai::{AiClient, ModelRef};
use crate::tools::ToolPolicy;

/// The system prompt section for the active `skills` (whole) and the `index` of the others
/// (name, description and path, for the model to read when a task matches); empty without
/// either.
pub fn skills_section(skills: &[SkillInput], index: &[SkillIndexEntry]) -> String {
    let mut out = String::new();
    if !skills.is_empty() {
        out.push_str("\n\n# Active skills\n");
        for s in skills {
            out.push_str(&format!(
                "\n<skill name=\"{}\">\n{}\n</skill>\n",
                attribute(&s.name),
                s.content.trim()
            ));
        }
    }
    if !index.is_empty() {
        out.push_str(
            "\n\n# Other skills\n\nThese skills are available but not loaded. When a task \
             matches one's description, read its file with the read tool first and follow it \
             (files a skill mentions are relative to its file's folder).\n\n",
        );
        for s in index {
            let description = s
                .description
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            out.push_str(&format!("- {}: {} ({})\n", s.name, description, s.path));
        }
    }
    out
}

/// `text` for a double-quoted attribute.
fn attribute(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl Agent {
    /// Replaces the active skills and the index; later requests carry them in the system
    /// prompt.
    pub(super) fn set_skills(&mut self, id: u64, skills: &[SkillInput], index: &[SkillIndexEntry]) {
        self.skills_section = skills_section(skills, index);
        let names = skills.iter().map(|s| s.name.clone()).collect();
        self.emit(id, EventMsg::SkillsChanged { names });
    }

    /// Parses `model` and checks its key.
    fn resolve_model(&self, model: &str) -> Result<ModelRef, String> {
        let parsed = model
            .trim()
            .parse::<ModelRef>()
            .map_err(|e| e.to_string())?;
        self.cfg
            .client
            .check_model(&parsed)
            .map_err(|e| e.to_string())?;
        Ok(parsed)
    }

    /// Switches to `model` and records a `model_change` on the branch.
    fn switch_model(&mut self, model: ModelRef) -> Result<(), String> {
        let _ = self.sync();
        let (provider, id) = (model.provider.as_str().to_string(), model.id.clone());
        self.append(|log| log.append_model_change(&provider, &id))?;
        self.branch_model = Some((provider, id));
        self.cfg.model = model;
        Ok(())
    }

    pub(super) fn set_model(&mut self, id: u64, model: &str) {
        let switched = self.resolve_model(model).and_then(|m| self.switch_model(m));
        match switched {
            Ok(()) => self.emit(
                id,
                EventMsg::ModelChanged {
                    model: self.cfg.model.to_string(),
                },
            ),
            Err(e) => self.emit_error(id, e),
        }
    }

    pub(super) fn set_thinking(&mut self, id: u64, level: ThinkingLevel) {
        let _ = self.sync();
        match self.append(|log| log.append_thinking_level(level)) {
            Ok(_) => {
                self.cfg.thinking = level;
                self.emit(id, EventMsg::ThinkingChanged { level });
            }
            Err(e) => self.emit_error(id, e),
        }
    }

    /// Applies `settings` (a `/profile load`): everything is checked before anything changes.
    pub(super) fn configure(&mut self, id: u64, settings: &RuntimeSettings) {
        match self.apply_settings(id, settings) {
            Ok(()) => self.emit(
                id,
                EventMsg::SettingsApplied {
                    settings: self.cfg.settings(),
                },
            ),
            Err(e) => self.emit_error(id, e),
        }
    }

    fn apply_settings(&mut self, id: u64, s: &RuntimeSettings) -> Result<(), String> {
        let model = match &s.model {
            Some(m) => Some(self.resolve_model(m)?),
            None => None,
        };
        let fallbacks = match &s.fallback_models {
            Some(list) => Some(
                list.iter()
                    .filter(|m| !m.trim().is_empty())
                    .map(|m| {
                        m.trim()
                            .parse::<ModelRef>()
                            .map_err(|e| format!("fallback model: {e}"))
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            None => None,
        };
        if let Some(fallbacks) = fallbacks
            && fallbacks != self.cfg.client.options().fallback_models
        {
            let mut options = self.cfg.client.options().clone();
            options.fallback_models = fallbacks;
            let mut client = AiClient::new(options).map_err(|e| e.to_string())?;
            client.set_catalog(self.cfg.client.catalog().clone());
            self.cfg.client = Arc::new(client);
        }
        if let Some(m) = model
            && m != self.cfg.model
        {
            self.switch_model(m)?;
            self.emit(
                id,
                EventMsg::ModelChanged {
                    model: self.cfg.model.to_string(),
                },
            );
        }
        if let Some(level) = s.thinking
            && level != self.cfg.thinking
        {
            self.append(|log| log.append_thinking_level(level))?;
            self.cfg.thinking = level;
        }
        if let Some(n) = s.max_turns {
            self.cfg.max_turns = n;
        }
        if s.max_output_tokens.is_some() {
            self.cfg.max_output_tokens = s.max_output_tokens;
        }
        if let Some(ms) = s.turn_timeout_ms {
            self.cfg.turn_timeout_ms = ms;
        }
        if s.context_window.is_some() {
            self.cfg.context_window = s.context_window;
        }
        let mut policy = ToolPolicy::clone(&self.cfg.policy);
        if let Some(v) = s.max_file_read_bytes {
            policy.max_file_read_bytes = v;
        }
        if let Some(v) = s.max_file_write_bytes {
            policy.max_file_write_bytes = v;
        }
        if let Some(v) = s.max_tool_output_bytes {
            policy.max_tool_output_bytes = v;
        }
        if let Some(v) = s.bash_timeout_ms {
            policy.bash_timeout_ms = v;
        }
        if policy != *self.cfg.policy {
            self.cfg.policy = Arc::new(policy);
        }
        Ok(())
    }
}

impl AgentConfig {
    /// Every runtime setting in force.
    pub fn settings(&self) -> RuntimeSettings {
        let policy = &self.policy;
        RuntimeSettings {
            model: Some(self.model.to_string()),
            fallback_models: Some(
                self.client
                    .options()
                    .fallback_models
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
            ),
            thinking: Some(self.thinking),
            max_turns: Some(self.max_turns),
            max_output_tokens: self.max_output_tokens,
            turn_timeout_ms: Some(self.turn_timeout_ms),
            context_window: self.context_window,
            max_file_read_bytes: Some(policy.max_file_read_bytes),
            max_file_write_bytes: Some(policy.max_file_write_bytes),
            max_tool_output_bytes: Some(policy.max_tool_output_bytes),
            bash_timeout_ms: Some(policy.bash_timeout_ms),
        }
    }
}
