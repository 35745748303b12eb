//! Coming back to earlier work: `pi --continue`, `pi --resume`, `/new` and `/clear`, in a
//! pseudo-terminal as a user would run them.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::Tui;
use crate::suite::oneshot::{Run, stderr};
use crate::support::fake_provider::{FakeProvider, Reply};

const MODEL: &str = "openai/gpt-4o-mini";

/// A session file in the run's `.pi/sessions` with one exchange, last touched `age` ago.
fn session(run: &Run, name: &str, question: &str, answer: &str, age: u64) -> PathBuf {
    let dir = run.path().join(".pi/sessions");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let cwd = run.path().display().to_string();
    let lines = [
        serde_json::json!({"type": "session", "version": 3, "id": name, "timestamp": "2026-12-01T10:00:00.000Z", "cwd": cwd}),
        serde_json::json!({"type": "message", "id": format!("{name}-u"), "parentId": null, "timestamp": "2026-12-01T10:00:01.000Z",
            "message": {"role": "user", "content": [{"type": "text", "text": question}], "timestamp": 1}}),
        serde_json::json!({"type": "message", "id": format!("{name}-a"), "parentId": format!("{name}-u"), "timestamp": "2026-12-01T10:00:02.000Z",
            "message": {"role": "assistant", "content": [{"type": "text", "text": answer}], "api": "openai-completions",
                "provider": "openai", "model": "gpt-4o-mini", "usage": {"input": 1, "output": 1, "cacheRead": 0, "cacheWrite": 0, "totalTokens": 2,
                "cost": {"input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0, "total": 0}}, "stopReason": "stop", "timestamp": 2}}),
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&path, text).unwrap();
    let t = SystemTime::now() - Duration::from_secs(age);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(t)
        .unwrap();
    path
}

fn has(path: &Path, text: &str) -> bool {
    std::fs::read_to_string(path).unwrap().contains(text)
}

fn spawn(run: &Run, fake: &FakeProvider, args: &[&str]) -> Tui {
    let mut cmd = run.pi(fake, MODEL);
    cmd.args(args);
    cmd.stdin(std::process::Stdio::inherit());
    Tui::spawn(cmd, 120, 40)
}

#[test]
fn continue_opens_the_most_recent_session() {
    let run = Run::new();
    let fake = FakeProvider::builder()
        .reply(Reply::text("more from the newest"))
        .reply(Reply::text("one-shot follow-up"))
        .start_blocking();
    let old = session(
        &run,
        "old.jsonl",
        "the old question",
        "the old answer",
        7200,
    );
    let new = session(
        &run,
        "new.jsonl",
        "the newest question",
        "the newest answer",
        60,
    );
    let mut tui = spawn(&run, &fake, &["-c"]);
    tui.wait_for("the newest answer", 10);
    tui.send("and then?\r");
    tui.wait_for("more from the newest", 20);
    tui.send("\x04");
    tui.wait_exit(10);
    assert!(has(&new, "and then?"));
    assert!(!has(&old, "and then?"));
    // One-shot runs continue the same way.
    let out = run
        .pi(&fake, MODEL)
        .args(["--continue", "--prompt", "once more"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(has(&new, "once more"));
    // Nothing to continue is a clear error.
    let empty = Run::new();
    let out = empty
        .pi(&fake, MODEL)
        .args(["-c", "--prompt", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no session to continue"),
        "{}",
        stderr(&out)
    );
    // A picker needs the interactive mode.
    let out = run
        .pi(&fake, MODEL)
        .args(["-r", "--prompt", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--resume opens a picker"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn resume_picks_one_of_this_directorys_sessions() {
    let run = Run::new();
    let fake = FakeProvider::builder()
        .reply(Reply::text("back on the old one"))
        .start_blocking();
    let old = session(
        &run,
        "old.jsonl",
        "the old question",
        "the old answer",
        3 * 86_400,
    );
    session(
        &run,
        "new.jsonl",
        "the newest question",
        "the newest answer",
        300,
    );
    let mut tui = spawn(&run, &fake, &["-r"]);
    let screen = tui.wait_for("Resume a session", 10);
    // Newest first, each with its age and first prompt.
    let newest = screen.find("the newest question").unwrap();
    let oldest = screen.find("the old question").unwrap();
    assert!(newest < oldest, "{screen}");
    assert!(
        screen.contains("5 min ago") && screen.contains("3 days ago"),
        "{screen}"
    );
    tui.send("old");
    tui.send("\r");
    tui.wait_for("the old answer", 10);
    tui.send("follow up\r");
    tui.wait_for("back on the old one", 20);
    tui.send("\x04");
    tui.wait_exit(10);
    assert!(has(&old, "follow up"));
}

#[test]
fn new_and_clear_start_over_without_losing_anything() {
    let run = Run::new();
    let fake = FakeProvider::builder()
        .reply(Reply::text("answer in a new root"))
        .reply(Reply::text("answer in a new file"))
        .start_blocking();
    let first = session(&run, "first.jsonl", "first question", "first answer", 60);
    let mut tui = spawn(&run, &fake, &["--session", ".pi/sessions/first.jsonl"]);
    tui.wait_for("first answer", 10);
    tui.send("/clear\r");
    let screen = tui.wait_for("cleared: the next prompt", 10);
    // The conversation (the left column) starts over; the graph still has the old one.
    let left: String = screen
        .lines()
        .map(|l| l.chars().take(70).collect::<String>() + "\n")
        .collect();
    assert!(!left.contains("first answer"), "{screen}");
    tui.send("fresh start\r");
    tui.wait_for("answer in a new root", 20);
    tui.send("/new\r");
    let screen = tui.wait_for("new session:", 10);
    assert!(
        screen.contains("first.jsonl"),
        "the old file is named: {screen}"
    );
    tui.send("in the new file\r");
    tui.wait_for("answer in a new file", 20);
    tui.send("\x04");
    tui.wait_exit(10);
    // /clear: a new root in the same file, the old exchange kept.
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&first)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let fresh = lines
        .iter()
        .find(|l| l.to_string().contains("fresh start"))
        .unwrap();
    // Its ancestors (the model the new branch records first, perhaps) reach a root without
    // passing through the old conversation.
    let mut cur = fresh.clone();
    while !cur["parentId"].is_null() {
        assert!(
            !cur["parentId"].as_str().unwrap().starts_with("first.jsonl"),
            "{cur}"
        );
        let parent = cur["parentId"].clone();
        cur = lines.iter().find(|l| l["id"] == parent).unwrap().clone();
    }
    assert!(has(&first, "first answer"));
    assert!(!has(&first, "in the new file"));
    // /new: another file beside it.
    let others: Vec<PathBuf> = std::fs::read_dir(run.path().join(".pi/sessions"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p != &first && has(p, "in the new file"))
        .collect();
    assert_eq!(others.len(), 1);
}
