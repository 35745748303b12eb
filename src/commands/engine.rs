//! `CommandEngine`: runs one slash command line against the shared session and returns its
//! output and what the front end must do next.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::error::CommandError;
use super::output::{CommandOutput, Outcome};
use super::parse::{Invocation, parse};
use super::{audit, doctor, help, inspect, macros, maintain, models, navigate, profiles, sessions};
use crate::agent::{EventMsg, RuntimeSettings};
use crate::ai::AiClient;
use crate::session::{ImportMode, SessionStore};
use crate::tools::ToolPolicy;
use crate::tools::policy::{PolicySources, policy_json};

/// The session shared by the agent task, the command engine and the TUI. It coerces to the
/// agent's `SharedSessionLog`: pass `session.clone()` to `spawn_agent`.
pub type SharedSession = Arc<Mutex<SessionStore>>;

/// Wraps an open session for sharing.
pub fn share_session(store: SessionStore) -> SharedSession {
    Arc::new(Mutex::new(store))
}

/// Locks the shared session (never across an `.await`). Every store operation leaves the
/// store consistent, so a poisoned lock is used as it is.
pub fn lock_session(session: &SharedSession) -> MutexGuard<'_, SessionStore> {
    session.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the engine needs besides the session.
#[derive(Debug, Clone)]
pub struct EngineContext {
    /// The working directory: relative paths resolve against it, and the project's state
    /// files (`.pi/macros.json`, `.pi/profiles.json`) live below it.
    pub cwd: PathBuf,
    /// For the catalog and the API-key checks of `/model`, `/models-list`, `/doctor`.
    pub client: Arc<AiClient>,
    /// The runtime settings in force (kept up to date through `CommandEngine::observe`).
    pub settings: RuntimeSettings,
    /// `/session-import`'s mode when the command names none (`--session-import-mode`).
    pub import_mode: ImportMode,
    /// The tool policy in force and where its values came from (`/policy`, `/doctor`).
    pub policy: Arc<ToolPolicy>,
    pub policy_sources: PolicySources,
    /// This run's `--tool-audit-log`: what `/audit-summary` reads when given no path.
    pub audit_log: Option<PathBuf>,
    /// The skills folders in use (`--skills-dir` or `skills-dir` in a config file, then the
    /// user's), which `/doctor` checks.
    pub skills: crate::skills::SkillsConfig,
    /// The events runner's files (`--events-dir`), for the `/events-*` commands.
    pub events: Option<std::sync::Arc<dyn super::events::EventsAccess>>,
}

/// Runs slash commands. One per front end; cheap to create.
pub struct CommandEngine {
    pub(super) session: SharedSession,
    pub(super) ctx: EngineContext,
}

impl CommandEngine {
    pub fn new(session: SharedSession, ctx: EngineContext) -> CommandEngine {
        CommandEngine { session, ctx }
    }

    pub fn session(&self) -> &SharedSession {
        &self.session
    }

    pub fn context(&self) -> &EngineContext {
        &self.ctx
    }

    /// The runtime settings the engine believes are in force.
    pub fn settings(&self) -> &RuntimeSettings {
        &self.ctx.settings
    }

    /// Keeps the engine's view of the settings in step with the agent: pass it every event.
    pub fn observe(&mut self, msg: &EventMsg) {
        match msg {
            EventMsg::ModelChanged { model } | EventMsg::SessionConfigured { model, .. } => {
                self.ctx.settings.model = Some(model.clone());
            }
            EventMsg::ThinkingChanged { level } => self.ctx.settings.thinking = Some(*level),
            EventMsg::SettingsApplied { settings } => {
                self.ctx.settings = self.ctx.settings.merged(settings);
            }
            _ => {}
        }
    }

    /// Parses and runs one command line (which starts with `/`).
    pub fn execute(&mut self, line: &str) -> Result<CommandOutput, CommandError> {
        let inv = parse(line)?;
        self.run(&inv)
    }

    /// Runs a parsed invocation.
    pub fn run(&mut self, inv: &Invocation) -> Result<CommandOutput, CommandError> {
        match inv.spec.name {
            "session" => navigate::session(self, inv),
            "branches" => navigate::branches(self, inv),
            "branch" => navigate::branch(self, inv),
            "resume" => navigate::resume(self),
            "new" => sessions::new_session(self),
            "clear" => sessions::clear(self),
            "session-open" => sessions::open(self, inv),
            "branch-alias" => navigate::branch_alias(self, inv),
            "session-bookmark" => navigate::bookmark(self, inv),
            "session-search" => inspect::search(self, inv),
            "session-stats" => inspect::stats(self, inv),
            "session-diff" => inspect::diff(self, inv),
            "session-graph-export" => inspect::graph_export(self, inv),
            "doctor" => doctor::doctor(self, inv),
            "audit-summary" => audit::audit_summary(self, inv),
            "session-repair" => maintain::repair(self, inv),
            "session-compact" => maintain::compact_file(self, inv),
            "session-export" => maintain::export(self, inv),
            "session-import" => maintain::import(self, inv),
            "compact" => models::compact(inv),
            "model" => models::model(self, inv),
            "models-list" => models::list(self, inv),
            "model-show" => models::show(self, inv),
            "macro" => macros::macro_command(self, inv),
            "profile" => profiles::profile_command(self, inv),
            "help" => help::help(inv),
            "policy" => Ok(self.policy()),
            "quit" => Ok(CommandOutput::lines(Vec::new()).then(Outcome::Quit)),
            name if name.starts_with("skills-") => super::skills::run(self, inv),
            name if name.starts_with("events-") => super::events::run(self, inv),
            other => Err(CommandError::failed(format!(
                "/{other} is declared but not implemented; please report this"
            ))),
        }
    }

    /// `/policy`: the effective tool policy as JSON, each value with its source.
    fn policy(&self) -> CommandOutput {
        let json = policy_json(&self.ctx.policy, &self.ctx.policy_sources);
        let text = serde_json::to_string_pretty(&json).unwrap_or_else(|_| json.to_string());
        CommandOutput::lines(text.lines().map(str::to_string).collect())
    }

    /// Locks the session for one operation.
    pub(super) fn store(&self) -> MutexGuard<'_, SessionStore> {
        lock_session(&self.session)
    }

    /// `path` resolved against the working directory.
    pub(super) fn resolve(&self, path: &str) -> PathBuf {
        let p = Path::new(path);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.ctx.cwd.join(p)
        }
    }

    /// The project's state directory, `.pi` below the working directory.
    pub(super) fn state_dir(&self) -> PathBuf {
        self.ctx.cwd.join(".pi")
    }
}
