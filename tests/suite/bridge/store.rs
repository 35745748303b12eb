//! `--channel-store-inspect` and `--channel-store-repair` on a channel written with the
//! library.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use pi_coding_agent::modes::bridge::store::{
    Channel, ChannelState, ChannelStore, Direction, Event, QueuedMessage, Transport,
};
use serde_json::json;

/// Runs `pi` with HOME, XDG dirs and the log inside `dir`, and `--channel-store-root root`
/// unless `root` is `None`.
fn pi(dir: &Path, root: Option<&Path>, args: &[&str]) -> Output {
    let home = dir.join("home");
    let mut c = Command::new(env!("CARGO_BIN_EXE_pi"));
    c.current_dir(dir)
        .env_remove("PI_CONFIG_DIR")
        .env_remove("PI_LOG")
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("PI_LOG_FILE", dir.join("pi.log"))
        .stdin(Stdio::null());
    if let Some(root) = root {
        c.arg("--channel-store-root").arg(root);
    }
    c.args(args).output().unwrap()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A GitHub conversation with a session, 7 log events (4 in, 3 out), context and state.
fn channel(dir: &Path) -> Channel {
    let store = ChannelStore::open(&dir.join("store"));
    let ch = store.channel(Transport::Github, "o/r#5").unwrap();
    ch.open_session(dir).unwrap();
    for i in 0..7 {
        let d = if i % 2 == 0 {
            Direction::In
        } else {
            Direction::Out
        };
        let key = format!("comment-{i}");
        ch.append_log(&Event::new(d, "comment", Some(&key), json!({ "n": i })))
            .unwrap();
    }
    ch.append_context(&json!({"role": "issue", "body": "it breaks"}))
        .unwrap();
    let mut state = ChannelState::default();
    state.mark_seen("comment-0");
    state.mark_seen("comment-2");
    state.active_run = Some(QueuedMessage {
        key: "comment-7".into(),
        author: "bob".into(),
        text: "fix it".into(),
        received: String::new(),
    });
    state.queue.push(QueuedMessage {
        key: "comment-9".into(),
        author: "ann".into(),
        text: "and this".into(),
        received: String::new(),
    });
    ch.save_state(&state).unwrap();
    ch
}

#[test]
fn inspect_prints_session_counts_last_events_queue_and_run() {
    let dir = tempfile::tempdir().unwrap();
    let ch = channel(dir.path());
    let root = dir.path().join("store");
    let out = pi(
        dir.path(),
        Some(&root),
        &["--channel-store-inspect", "github/o/r#5"],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("channel github/o/r#5"), "{stdout}");
    assert!(stdout.contains("head none, 0 entries"), "{stdout}");
    assert!(stdout.contains("log: 7 events (4 in, 3 out)"), "{stdout}");
    let events: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains(" comment key="))
        .collect();
    assert_eq!(events.len(), 5, "the last 5 events: {stdout}");
    assert!(events[0].contains("key=comment-2") && events[4].contains("key=comment-6"));
    assert!(stdout.contains("queue: 1\n"), "{stdout}");
    assert!(
        stdout.contains("active run: comment-7 from bob\n"),
        "{stdout}"
    );
    assert!(stdout.contains("dedupe keys: 2\n"), "{stdout}");
    let session = ch.session_path();
    let out = pi(
        dir.path(),
        None,
        &["--session", session.to_str().unwrap(), "--session-validate"],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "pi opens the channel's session: {stderr}"
    );
    assert!(stdout.contains(": ok (0 entries"), "{stdout}");
}

#[test]
fn unknown_channel_fails_and_a_missing_root_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    channel(dir.path());
    let root = dir.path().join("store");
    let out = pi(
        dir.path(),
        Some(&root),
        &["--channel-store-inspect", "slack/C1"],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no channel slack/C1"), "{stderr}");
    for flag in ["--channel-store-inspect", "--channel-store-repair"] {
        let out = pi(dir.path(), None, &[flag, "github/o/r#5"]);
        assert_eq!(out.status.code(), Some(2), "{flag}");
        assert!(
            text(&out).1.contains("needs --channel-store-root"),
            "{flag}"
        );
    }
    let out = pi(
        dir.path(),
        Some(&root),
        &["--channel-store-repair", "irc/x"],
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn repair_removes_malformed_lines_keeps_backups_and_then_finds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ch = channel(dir.path());
    let root = dir.path().join("store");
    let clean = pi(
        dir.path(),
        Some(&root),
        &["--channel-store-repair", "github/o/r#5"],
    );
    assert_eq!(clean.status.code(), Some(0));
    assert_eq!(text(&clean).0, "github/o/r#5: nothing to repair\n");

    let log_before = std::fs::read_to_string(ch.log_path()).unwrap();
    let mut lines: Vec<&str> = log_before.lines().collect();
    lines.insert(2, "{\"ts\": oops");
    let corrupted = format!("{}\n", lines.join("\n"));
    std::fs::write(ch.log_path(), &corrupted).unwrap();
    let mut ctx = std::fs::OpenOptions::new()
        .append(true)
        .open(ch.context_path())
        .unwrap();
    std::io::Write::write_all(&mut ctx, b"garbage").unwrap();
    let mut session = std::fs::OpenOptions::new()
        .append(true)
        .open(ch.session_path())
        .unwrap();
    std::io::Write::write_all(&mut session, b"not an entry\n").unwrap();

    let out = pi(
        dir.path(),
        Some(&root),
        &["--channel-store-repair", "github/o/r#5"],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains("log.jsonl: removed line 3: {\\\"ts\\\": oops"),
        "{stdout}"
    );
    assert!(
        stdout.contains("context.jsonl: removed line 2: garbage"),
        "{stdout}"
    );
    assert!(stdout.contains("session.jsonl: repaired"), "{stdout}");
    assert!(stdout.contains("removed malformed lines 2"), "{stdout}");
    assert_eq!(std::fs::read_to_string(ch.log_path()).unwrap(), log_before);
    assert_eq!(ch.read_log().unwrap().events.len(), 7);
    let backups: Vec<String> = std::fs::read_dir(ch.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains(".bak-"))
        .collect();
    assert_eq!(backups.len(), 3, "{backups:?}");
    assert!(backups.iter().any(|n| n.starts_with("session.jsonl.bak-")));
    let log_backup = backups
        .iter()
        .find(|n| n.starts_with("log.jsonl.bak-"))
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(ch.dir().join(log_backup)).unwrap(),
        corrupted
    );
    assert!(stdout.contains(&format!("backup: {}", ch.dir().join(log_backup).display())));

    let again = pi(
        dir.path(),
        Some(&root),
        &["--channel-store-repair", "github/o/r#5"],
    );
    assert_eq!(text(&again).0, "github/o/r#5: nothing to repair\n");
}
