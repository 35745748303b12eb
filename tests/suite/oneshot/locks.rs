//! The session lock flags: --session-lock-wait-ms and --session-lock-stale-ms, and a wait
//! that leaves Ctrl+C working.

use std::time::{Duration, Instant, SystemTime};

use super::{Run, stderr, stdout};
use crate::support::fake_provider::FakeProvider;

const MODEL: &str = "openai/gpt-4o-mini";

/// Writes a lock file for the default session holding `pid`, modified `age` ago.
fn hold_lock(run: &Run, pid: u32, age: Duration) -> std::path::PathBuf {
    let dir = run.path().join(".pi/sessions");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("default.jsonl"), "").unwrap();
    let lock = dir.join("default.jsonl.lock");
    std::fs::write(
        &lock,
        format!("{{\"pid\":{pid},\"timestamp\":\"2020-01-01T00:00:00Z\"}}\n"),
    )
    .unwrap();
    let f = std::fs::File::options().write(true).open(&lock).unwrap();
    f.set_modified(SystemTime::now() - age).unwrap();
    lock
}

#[test]
fn session_lock_wait_ms_gives_up_on_a_live_lock_naming_it() {
    let fake = FakeProvider::echo().start_blocking();
    let run = Run::new();
    let lock = hold_lock(&run, std::process::id(), Duration::ZERO);
    let started = Instant::now();
    let out = run
        .pi(&fake, MODEL)
        .args(["--session-lock-wait-ms", "300", "--prompt", "hi"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(err.contains("default.jsonl.lock"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(lock.exists(), "a live lock is never removed");
    assert!(fake.requests().is_empty());
}

#[test]
fn session_lock_stale_ms_reclaims_dead_and_old_locks() {
    let fake = FakeProvider::echo().start_blocking();
    let run = Run::new();
    // A pid that cannot be running.
    let lock = hold_lock(&run, 4_000_000, Duration::ZERO);
    let out = run
        .pi(&fake, MODEL)
        .args(["--session-lock-wait-ms", "0", "--prompt", "dead"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!lock.exists());

    // A live pid whose lock is older than --session-lock-stale-ms.
    let lock = hold_lock(&run, std::process::id(), Duration::from_secs(3600));
    let out = run
        .pi(&fake, MODEL)
        .args([
            "--session-lock-wait-ms",
            "0",
            "--session-lock-stale-ms",
            "1000",
        ])
        .args(["--prompt", "old"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!lock.exists());
    assert_eq!(stdout(&out), "old\n");

    // With staleness by age off, the same old live lock is respected.
    let lock = hold_lock(&run, std::process::id(), Duration::from_secs(3600));
    let out = run
        .pi(&fake, MODEL)
        .args([
            "--session-lock-wait-ms",
            "0",
            "--session-lock-stale-ms",
            "0",
        ])
        .args(["--prompt", "kept"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(lock.exists());
}

/// Waiting for another process's session lock must not stall the runtime: Ctrl+C is
/// answered at once, and a second one exits.
#[test]
fn ctrl_c_is_answered_while_waiting_for_the_session_lock() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    use std::io::BufRead;

    let fake = FakeProvider::echo().start_blocking();
    let run = Run::new();
    let out = run.pi(&fake, MODEL).args(["-p", "first"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let lock = run.path().join(".pi/sessions/default.jsonl.lock");
    std::fs::write(&lock, format!("{{\"pid\":{}}}\n", std::process::id())).unwrap();

    let mut child = run
        .pi(&fake, MODEL)
        .args(["--session-lock-wait-ms", "30000", "-p", "second"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let err = std::io::BufReader::new(child.stderr.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in err.lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    std::thread::sleep(Duration::from_millis(700));
    let pid = Pid::from_raw(child.id() as i32);
    kill(pid, Signal::SIGINT).unwrap();
    let line = rx.recv_timeout(Duration::from_secs(5));
    assert!(
        line.as_deref().is_ok_and(|l| l.contains("cancelling")),
        "no answer to Ctrl+C while waiting for the lock: {line:?}"
    );
    kill(pid, Signal::SIGINT).unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "pi did not exit after a second Ctrl+C"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(130));
    assert!(lock.exists(), "the other process's lock is left alone");
}
