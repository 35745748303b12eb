//! The slash-command engine: every command against a temp session (in-process), and the
//! binary's `--command-file` and `--session-validate` modes against the fake provider.

mod complete;
mod context;
mod events;
mod file_mode;
mod inspect;
mod maintain;
mod navigate;
mod sessions;
mod state;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pi_coding_agent::agent::RuntimeSettings;
use pi_coding_agent::ai::types::{AssistantMessage, ContentBlock, Message, StopReason, Usage};
use pi_coding_agent::ai::{AiClient, ClientOptions, Provider};
use pi_coding_agent::commands::{
    CommandEngine, CommandError, CommandOutput, EngineContext, lock_session, share_session,
};
use pi_coding_agent::session::{ImportMode, LockOptions, SessionStore};

/// A temp project with a session holding two branches:
/// `u1 "fix the tests" → a1 → u2 "add a --verbose flag" → a2` and `a1 → u3 "try another idea" → a3`.
pub struct Bench {
    pub dir: tempfile::TempDir,
    pub engine: CommandEngine,
    /// u1, a1, u2, a2, u3, a3
    pub ids: Vec<String>,
}

pub fn user(text: &str) -> Message {
    Message::user_text(text, 1)
}

pub fn assistant(text: &str) -> Message {
    Message::Assistant(AssistantMessage {
        content: vec![ContentBlock::text(text)],
        provider: "anthropic".into(),
        model: "claude-sonnet-4-5".into(),
        usage: Usage {
            input: 100,
            output: 10,
            total_tokens: 110,
            ..Usage::default()
        },
        stop_reason: StopReason::Stop,
        ..AssistantMessage::default()
    })
}

impl Bench {
    pub fn new() -> Bench {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".pi/sessions/s.jsonl");
        let lock = LockOptions {
            wait_ms: 2_000,
            stale_ms: 30_000,
        };
        let (mut store, _) = SessionStore::open(&path, dir.path(), lock).unwrap();
        let mut ids = Vec::new();
        for m in [
            user("fix the tests"),
            assistant("done: the tests pass"),
            user("add a --verbose flag"),
            assistant("added --verbose"),
        ] {
            ids.push(store.append_message(&m).unwrap());
        }
        store.set_head(&ids[1]).unwrap();
        for m in [user("try another idea"), assistant("another idea done")] {
            ids.push(store.append_message(&m).unwrap());
        }
        let mut client = AiClient::new(ClientOptions::default()).unwrap();
        client.set_api_key(Provider::Anthropic, "test-key");
        let ctx = EngineContext {
            cwd: dir.path().to_path_buf(),
            client: Arc::new(client),
            settings: RuntimeSettings {
                model: Some("anthropic/claude-sonnet-4-5".into()),
                max_turns: Some(64),
                ..RuntimeSettings::default()
            },
            import_mode: ImportMode::Merge,
            policy: Arc::new(pi_coding_agent::tools::ToolPolicy::new(dir.path())),
            policy_sources: Default::default(),
            audit_log: None,
            skills: pi_coding_agent::skills::SkillsConfig {
                dir: dir.path().join(".pi/skills"),
                ..Default::default()
            },
            events: Some(Arc::new(
                pi_coding_agent::modes::events::access::EventsDir {
                    dir: dir.path().join("events"),
                    state: Some(dir.path().join("events-state.json")),
                },
            )),
        };
        let engine = CommandEngine::new(share_session(store), ctx);
        Bench { dir, engine, ids }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn session_file(&self) -> PathBuf {
        self.path().join(".pi/sessions/s.jsonl")
    }

    pub fn run(&mut self, line: &str) -> Result<CommandOutput, CommandError> {
        self.engine.execute(line)
    }

    /// Runs `line`, which must succeed; returns its text.
    pub fn ok(&mut self, line: &str) -> String {
        match self.engine.execute(line) {
            Ok(out) => out.render().join("\n"),
            Err(e) => panic!("{line}: {e}"),
        }
    }

    /// Runs `line` with `--json`-style output and parses it.
    pub fn json(&mut self, line: &str) -> serde_json::Value {
        let out = self.engine.execute(line).unwrap();
        out.json.unwrap_or_else(|| panic!("{line}: no JSON"))
    }

    /// Runs `line`, which must fail; returns the error's text.
    pub fn err(&mut self, line: &str) -> String {
        match self.engine.execute(line) {
            Ok(out) => panic!("{line} succeeded: {:?}", out.lines),
            Err(e) => e.to_string(),
        }
    }

    pub fn head(&self) -> Option<String> {
        lock_session(self.engine.session())
            .head()
            .map(str::to_string)
    }
}
