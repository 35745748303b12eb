//! The append lock: stale locks are reclaimed, live ones time out with a clear error.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use pi_coding_agent::ai::types::Message;
use pi_coding_agent::session::{LockOptions, SessionError, SessionStore, lock_holder, lock_path};

use super::fixture_copy;

fn open_with(path: &Path, wait_ms: u64, stale_ms: u64) -> SessionStore {
    SessionStore::open(path, Path::new("/"), LockOptions { wait_ms, stale_ms })
        .unwrap()
        .0
}

/// The pid of a process that has exited and been reaped.
fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

#[test]
fn a_stale_lock_of_a_dead_process_is_reclaimed() {
    let (_dir, path) = fixture_copy();
    let lock = lock_path(&path);
    std::fs::write(&lock, format!("{{\"pid\":{}}}\n", dead_pid())).unwrap();
    let holder = lock_holder(&path).unwrap();
    assert!(!holder.alive);
    let mut store = open_with(&path, 1_000, 60_000);
    let started = Instant::now();
    store.append_message(&Message::user_text("x", 1)).unwrap();
    assert!(started.elapsed() < Duration::from_millis(900));
    assert!(!lock.exists(), "our own lock is released after the append");
}

#[test]
fn a_live_lock_times_out_naming_the_lock_file_and_the_pid() {
    let (_dir, path) = fixture_copy();
    let mut sleeper = Command::new("sleep")
        .arg("30")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let lock = lock_path(&path);
    std::fs::write(&lock, format!("{}\n", sleeper.id())).unwrap();
    let mut store = open_with(&path, 300, 60_000);
    let before = std::fs::read(&path).unwrap();
    let started = Instant::now();
    let err = store
        .append_message(&Message::user_text("x", 1))
        .unwrap_err();
    let waited = started.elapsed();
    sleeper.kill().unwrap();
    sleeper.wait().unwrap();
    assert!(waited >= Duration::from_millis(300), "{waited:?}");
    assert!(waited < Duration::from_secs(3), "{waited:?}");
    match &err {
        SessionError::Locked { pid, lock_path, .. } => {
            assert_eq!(*pid, Some(sleeper.id()));
            assert_eq!(lock_path, &lock);
        }
        other => panic!("{other:?}"),
    }
    let shown = err.to_string();
    assert!(shown.contains(&lock.display().to_string()), "{shown}");
    assert!(shown.contains(&format!("pid {}", sleeper.id())), "{shown}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "nothing written");
    assert!(lock.exists(), "someone else's live lock is left alone");
}

#[test]
fn a_lock_older_than_stale_ms_is_reclaimed_even_if_its_pid_lives() {
    let (_dir, path) = fixture_copy();
    let lock = lock_path(&path);
    std::fs::write(&lock, format!("{}\n", std::process::id())).unwrap();
    let old = SystemTime::now() - Duration::from_secs(120);
    std::fs::File::options()
        .write(true)
        .open(&lock)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let mut store = open_with(&path, 200, 60_000);
    store.append_message(&Message::user_text("x", 1)).unwrap();
    assert!(!lock.exists());
}

#[test]
fn a_lock_released_while_waiting_is_taken() {
    let (_dir, path) = fixture_copy();
    let lock = lock_path(&path);
    std::fs::write(&lock, format!("{}\n", std::process::id())).unwrap();
    let remover = {
        let lock = lock.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(150));
            std::fs::remove_file(lock).unwrap();
        })
    };
    let mut store = open_with(&path, 5_000, 60_000);
    store.append_message(&Message::user_text("x", 1)).unwrap();
    remover.join().unwrap();
    assert_eq!(store.entry_count(), 14);
}
