//! The built `pi` binary in one-shot mode against the fake provider.

mod audit;
mod cancel;
mod config;
mod edges;
mod errors;
mod faults;
mod flags;
mod history;
mod locks;
mod providers;
mod replies;
mod responses;
mod safety;
mod session;
mod usage;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::support::fake_provider::FakeProvider;

/// Provider key variables cleared for every run so the developer's own keys never leak in.
const KEY_VARS: [&str; 18] = [
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "GEMINI_API_KEY",
    "OPENROUTER_API_KEY",
    "GROQ_API_KEY",
    "XAI_API_KEY",
    "MISTRAL_API_KEY",
    "AZURE_OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "ANTHROPIC_BASE_URL",
    "GEMINI_BASE_URL",
    "PI_MODEL",
    "PI_LOG_FILE",
    "PI_LOG",
    "PI_THEME",
    "PI_KEYMAP",
    "PI_CONFIG_DIR",
    "XDG_CONFIG_HOME",
];

/// A temporary working directory and a `pi` command rooted in it.
pub struct Run {
    pub dir: tempfile::TempDir,
}

impl Run {
    pub fn new() -> Run {
        Run {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The roles of the session's messages, in order.
    pub fn session_roles(&self) -> Vec<String> {
        self.session_messages()
            .iter()
            .map(|m| m["role"].as_str().unwrap_or("?").to_string())
            .collect()
    }

    pub fn session_file(&self) -> PathBuf {
        self.path().join(".pi/sessions/default.jsonl")
    }

    /// `pi` in this directory with no provider configured.
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_pi"));
        c.current_dir(self.path());
        for v in KEY_VARS {
            c.env_remove(v);
        }
        c.env("PI_LOG_FILE", self.path().join("pi.log"));
        // The developer's own ~/.config/pi/config.toml never reaches a test.
        c.env("XDG_CONFIG_HOME", self.path().join(".xdg"));
        c.stdin(Stdio::null());
        c
    }

    /// `pi` for `model` with its key and base URL pointing at `fake`.
    pub fn pi(&self, fake: &FakeProvider, model: &str) -> Command {
        let mut c = self.cmd();
        let provider = model.split('/').next().unwrap();
        match provider {
            "openai" => {
                c.env("OPENAI_API_KEY", "test-key");
                c.env("OPENAI_BASE_URL", fake.openai_base_url());
            }
            "anthropic" => {
                c.env("ANTHROPIC_API_KEY", "test-key");
                c.env("ANTHROPIC_BASE_URL", fake.base_url());
            }
            "google" => {
                c.env("GEMINI_API_KEY", "test-key");
                c.env("GEMINI_BASE_URL", fake.base_url());
            }
            "azure" => {
                c.env("AZURE_OPENAI_API_KEY", "test-key");
                c.args([
                    "--api-base",
                    &format!("{}/openai/deployments/dep1", fake.base_url()),
                ]);
            }
            other => {
                let var = format!("{}_API_KEY", other.to_uppercase());
                c.env(var, "test-key");
                c.args(["--api-base", &fake.openai_base_url()]);
            }
        }
        c.args(["--model", model]);
        c
    }

    /// The session file's lines as JSON.
    pub fn session_lines(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(self.session_file()).unwrap();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// The `message` payloads of the session, in file order.
    pub fn session_messages(&self) -> Vec<Value> {
        self.session_lines()
            .into_iter()
            .filter(|l| l["type"] == "message")
            .map(|l| l["message"].clone())
            .collect()
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The scripted 4-turn task of the benchmark: write; bash and read in parallel; edit; answer.
pub fn four_turn_script(fake: crate::support::fake_provider::FakeProviderBuilder) -> FakeProvider {
    fake.four_turn_task().start_blocking()
}

/// Checks the session and the files after the 4-turn task.
pub fn assert_four_turn_outcome(run: &Run, out: &Output) {
    assert!(out.status.success(), "stderr: {}", stderr(out));
    assert_eq!(stdout(out), "All done: hello.txt now says hello rust.\n");
    assert_eq!(
        std::fs::read_to_string(run.path().join("hello.txt")).unwrap(),
        "hello rust\n"
    );
    let msgs = run.session_messages();
    let roles = run.session_roles();
    assert_eq!(
        roles,
        [
            "user",
            "assistant",
            "toolResult",
            "assistant",
            "toolResult",
            "toolResult",
            "assistant",
            "toolResult",
            "assistant"
        ]
    );
    // Parallel results come back in call order: bash first, then read.
    assert_eq!(msgs[4]["toolName"], "bash");
    assert_eq!(msgs[5]["toolName"], "read");
    assert!(
        msgs[4]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("BASH_OK")
    );
    assert_eq!(msgs[5]["content"][0]["text"], "hello world\n");
    assert_eq!(msgs[7]["isError"], false);
    // Every result carries how long its call ran (an extra field pi's readers ignore).
    for i in [2, 4, 5, 7] {
        assert!(msgs[i]["durationMs"].is_u64(), "{}", msgs[i]);
    }
    // Each result answers the call id of its assistant message.
    let call_ids: Vec<&str> = msgs[3]["content"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["type"] == "toolCall")
        .map(|b| b["id"].as_str().unwrap())
        .collect();
    assert_eq!(call_ids.len(), 2);
    assert_eq!(msgs[4]["toolCallId"], call_ids[0]);
    assert_eq!(msgs[5]["toolCallId"], call_ids[1]);
    // Every entry's parent is the entry before it (one linear branch).
    let lines = run.session_lines();
    assert_eq!(lines[0]["type"], "session");
    assert_eq!(lines[0]["version"], 3);
    for pair in lines[1..].windows(2) {
        assert_eq!(pair[1]["parentId"], pair[0]["id"]);
    }
}
