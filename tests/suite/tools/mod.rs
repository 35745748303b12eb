//! The tools layer through its public entry point, `run_tool`, on temporary directories.

mod bash;
mod files;
mod policy;
mod sandbox;
mod search;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pi_coding_agent::tools::{ToolContext, ToolOutput, ToolPolicy, run_tool};
use serde_json::Value;
use tempfile::TempDir;

/// A temporary working directory and a tool context rooted at it.
pub(super) struct Fixture {
    pub dir: TempDir,
    pub ctx: ToolContext,
}

impl Fixture {
    pub fn new() -> Self {
        Self::with_policy(|_| {})
    }

    pub fn with_policy(change: impl FnOnce(&mut ToolPolicy)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut policy = ToolPolicy::new(dir.path());
        change(&mut policy);
        let ctx = ToolContext::new(Arc::new(policy));
        Fixture { dir, ctx }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }

    pub async fn call(&self, tool: &str, args: Value) -> ToolOutput {
        run_tool(tool, &args, &self.ctx).await
    }

    /// Runs a call that must succeed and returns its text.
    pub async fn ok(&self, tool: &str, args: Value) -> String {
        let out = self.call(tool, args).await;
        assert!(!out.is_error, "{tool} failed: {}", out.text_content());
        out.text_content()
    }

    /// Runs a call that must fail and returns its message.
    pub async fn err(&self, tool: &str, args: Value) -> String {
        let out = self.call(tool, args).await;
        assert!(
            out.is_error,
            "{tool} should have failed: {}",
            out.text_content()
        );
        out.text_content()
    }
}

/// True once `pid` no longer runs (gone, or a zombie nobody has reaped yet).
pub(super) fn process_gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z') || rest.starts_with('X')),
    }
}

/// Waits up to `secs` for `pid` to be gone.
pub(super) async fn wait_gone(pid: i32, secs: u64) -> bool {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < until {
        if process_gone(pid) {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    process_gone(pid)
}

/// The number after `key=` in `text`.
pub(super) fn number_after(text: &str, key: &str) -> i32 {
    let start = text
        .find(key)
        .unwrap_or_else(|| panic!("no {key} in {text}"))
        + key.len();
    text[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

pub(super) fn real(p: &Path) -> PathBuf {
    p.canonicalize().unwrap()
}

#[tokio::test]
async fn specs_list_the_seven_tools() {
    let names: Vec<String> = pi_coding_agent::tools::tool_specs()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(
        names,
        ["read", "write", "edit", "bash", "grep", "find", "ls"]
    );
}

#[tokio::test]
async fn unknown_tool_and_bad_arguments_are_model_errors() {
    let fx = Fixture::new();
    let msg = fx.err("nope", serde_json::json!({})).await;
    assert!(
        msg.contains("Unknown tool `nope`") && msg.contains("read, write"),
        "{msg}"
    );
    let msg = fx.err("write", serde_json::json!({"path": "a"})).await;
    assert!(msg.contains("missing field `content`"), "{msg}");
    assert!(
        msg.contains("write {path: string, content: string}"),
        "{msg}"
    );
    let msg = fx.err("read", serde_json::json!({"path": 5})).await;
    assert!(msg.contains("field `path`"), "{msg}");
    let msg = fx.err("bash", serde_json::json!("not json")).await;
    assert!(msg.contains("Invalid arguments for bash"), "{msg}");
}

#[tokio::test]
async fn a_cancelled_context_stops_every_tool() {
    let fx = Fixture::new();
    fx.write("a.txt", "x");
    fx.ctx.cancel.cancel();
    for (tool, args) in [
        ("read", serde_json::json!({"path": "a.txt"})),
        (
            "write",
            serde_json::json!({"path": "b.txt", "content": "y"}),
        ),
        (
            "edit",
            serde_json::json!({"path": "a.txt", "oldText": "x", "newText": "z"}),
        ),
        ("bash", serde_json::json!({"command": "touch c.txt"})),
        ("grep", serde_json::json!({"pattern": "x"})),
        ("find", serde_json::json!({"pattern": "*"})),
        ("ls", serde_json::json!({})),
    ] {
        let msg = fx.err(tool, args).await;
        assert!(msg.contains("cancelled"), "{tool}: {msg}");
    }
    assert_eq!(fx.read("a.txt"), "x");
    assert!(!fx.path("b.txt").exists() && !fx.path("c.txt").exists());
}
