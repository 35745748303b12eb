//! Several processes appending to one session at once lose nothing and leave a valid tree.
//! The children are this test binary itself, re-run on `stress_child` with
//! `PI_SESSION_STRESS_CHILD=<path>|<child number>|<appends>`.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use pi_coding_agent::ai::types::Message;
use pi_coding_agent::session::{LoadWarning, LockOptions, SessionStore};

const ENV: &str = "PI_SESSION_STRESS_CHILD";
const CHILDREN: usize = 4;
const APPENDS: usize = 600;

/// In a child: open the session and append `APPENDS` messages as one chain.
#[test]
fn stress_child() {
    let Ok(spec) = std::env::var(ENV) else {
        return; // an ordinary run: nothing to do
    };
    let mut parts = spec.split('|');
    let path = Path::new(parts.next().unwrap());
    let child: usize = parts.next().unwrap().parse().unwrap();
    let n: usize = parts.next().unwrap().parse().unwrap();
    let lock = LockOptions {
        wait_ms: 60_000,
        stale_ms: 60_000,
    };
    let (mut store, warnings) = SessionStore::open(path, Path::new("/"), lock).unwrap();
    // Opening while others write may catch a line half-written; nothing else may be wrong.
    assert!(
        warnings
            .iter()
            .all(|w| matches!(w, LoadWarning::TornLastLine { .. })),
        "{warnings:?}"
    );
    for i in 0..n {
        store
            .append_message(&Message::user_text(format!("c{child}-{i}"), i as i64))
            .unwrap();
    }
}

#[test]
fn several_processes_appending_at_once_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // The children race to create the file, too.
    let path = dir.path().join("shared.jsonl");
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..CHILDREN)
        .map(|c| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "suite::session::stress::stress_child",
                    "--test-threads=1",
                ])
                .env(ENV, format!("{}|{c}|{APPENDS}", path.display()))
                .output_async()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "child failed: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }

    let (store, warnings) =
        SessionStore::open(&path, Path::new("/"), LockOptions::default()).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(store.entry_count(), CHILDREN * APPENDS);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 1 + CHILDREN * APPENDS);

    // Each child's chain is whole: its last entry's lineage ends with all its messages, in
    // order (a child that opened the file late starts on the entry that was last then).
    let mut last_of_child: HashMap<String, String> = HashMap::new();
    for line in text.lines().skip(1) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let body = v["message"]["content"].as_str().unwrap().to_string();
        let child = body.split('-').next().unwrap().to_string();
        last_of_child.insert(child, v["id"].as_str().unwrap().to_string());
    }
    assert_eq!(last_of_child.len(), CHILDREN);
    for (child, last) in last_of_child {
        let ctx = store.context_of(&last).unwrap();
        let got: Vec<String> = ctx.messages.iter().map(Message::text).collect();
        let want: Vec<String> = (0..APPENDS).map(|i| format!("{child}-{i}")).collect();
        assert!(got.len() >= APPENDS);
        assert!(
            got[got.len() - APPENDS..] == want[..],
            "chain of {child} broken"
        );
        let prefix = &got[..got.len() - APPENDS];
        assert!(prefix.iter().all(|m| !m.starts_with(&format!("{child}-"))));
    }
}

trait SpawnOutput {
    fn output_async(&mut self) -> std::process::Child;
}

impl SpawnOutput for Command {
    fn output_async(&mut self) -> std::process::Child {
        self.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    }
}
