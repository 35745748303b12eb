use std::os::unix::fs::PermissionsExt;

use super::*;

#[test]
fn a_missing_file_is_an_empty_state() {
    let dir = tempfile::tempdir().unwrap();
    let state = RunnerState::load(&dir.path().join("state.json")).unwrap();
    assert_eq!(state, RunnerState::default());
}

#[test]
fn save_and_load_round_trip_private() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/state.json");
    let mut state = RunnerState {
        outbox: Some(dir.path().join("outbox.jsonl")),
        ..RunnerState::default()
    };
    let e = state.event_mut("daily");
    e.last_slot_ms = Some(1_767_225_600_000);
    e.record_start();
    e.record_failure("provider said 500", 1_000);
    state.event_mut("once").done = true;
    state.save(&path).unwrap();
    assert_eq!(RunnerState::load(&path).unwrap(), state);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // Saving again replaces the file whole.
    state.events.remove("once");
    state.save(&path).unwrap();
    assert_eq!(RunnerState::load(&path).unwrap(), state);
}

#[test]
fn missing_fields_take_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    std::fs::write(&path, r#"{"events": {"a": {"runs": 3}}}"#).unwrap();
    let state = RunnerState::load(&path).unwrap();
    assert_eq!(state.events["a"].runs, 3);
    assert_eq!(state.events["a"].last_slot_ms, None);
    assert!(!state.events["a"].done);
    assert_eq!(state.outbox, None);
}

#[test]
fn a_corrupt_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    for text in [
        "{\"events\": ",
        "42",
        "{\"events\": {\"a\": {\"runs\": -1}}}",
    ] {
        std::fs::write(&path, text).unwrap();
        let err = RunnerState::load(&path).unwrap_err();
        assert!(matches!(err, StateError::Corrupt { .. }), "{text}: {err}");
        let msg = err.to_string();
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(msg.contains("corrupt"), "{msg}");
        assert!(!msg.contains('\n'), "{msg}");
    }
}

#[test]
fn an_unreadable_path_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    // A directory where the file should be.
    let err = RunnerState::load(dir.path()).unwrap_err();
    assert!(matches!(err, StateError::Io { .. }), "{err}");
}

#[test]
fn failures_back_off_and_a_success_clears_the_retry() {
    let mut e = EventState::default();
    e.record_start();
    e.record_failure("timeout", 0);
    assert_eq!((e.failures, e.next_retry_ms), (1, Some(30_000)));
    assert!(!e.retry_due(29_999));
    assert!(e.retry_due(30_000));
    e.record_failure("timeout again", 30_000);
    assert_eq!((e.failures, e.next_retry_ms), (2, Some(90_000)));
    assert_eq!(e.last_error.as_deref(), Some("timeout again"));
    e.record_success(true);
    assert_eq!((e.failures, e.next_retry_ms, e.done), (0, None, true));
    assert_eq!(e.last_error.as_deref(), Some("timeout again"));
    assert!(!e.retry_due(i64::MAX));
    assert_eq!(e.runs, 1);
    let mut periodic = EventState::default();
    periodic.record_success(false);
    assert!(!periodic.done);
}

#[test]
fn long_errors_are_cut_on_a_char_boundary() {
    let mut e = EventState::default();
    e.record_failure(&"é".repeat(5_000), 0);
    let kept = e.last_error.unwrap();
    assert!(kept.len() <= MAX_ERROR_LEN + '…'.len_utf8());
    assert!(kept.ends_with('…'));
}

#[test]
fn retry_delay_doubles_up_to_an_hour() {
    let delays: Vec<i64> = (0..=9).map(retry_delay_ms).collect();
    assert_eq!(
        delays,
        [
            30_000, 30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000,
            3_600_000
        ]
    );
    assert_eq!(retry_delay_ms(u32::MAX), RETRY_MAX_MS);
    let mut e = EventState::default();
    for _ in 0..1_000 {
        e.record_failure("x", i64::MAX - 10);
    }
    assert_eq!(e.next_retry_ms, Some(i64::MAX));
}

#[test]
fn a_second_lock_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let first = StateLock::acquire(&state).unwrap();
    assert_eq!(first.path(), dir.path().join("state.json.lock"));
    let err = StateLock::acquire(&state).unwrap_err();
    assert!(matches!(err, StateError::Locked { .. }));
    let msg = err.to_string();
    let expected = format!(
        "another events runner is using {} (lock {} is held)",
        state.display(),
        first.path().display()
    );
    assert!(msg.contains(&expected), "{msg}");
    // Released when dropped.
    drop(first);
    let again = StateLock::acquire(&state).unwrap();
    drop(again);
}

#[test]
fn the_lock_is_held_against_another_process() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let _held = StateLock::acquire(&state).unwrap();
    // flock(1) from util-linux, when present: a separate process must fail to take it.
    let Ok(out) = std::process::Command::new("flock")
        .args(["-n", "-E", "75"])
        .arg(lock_path(&state))
        .arg("true")
        .output()
    else {
        return;
    };
    assert_eq!(out.status.code(), Some(75), "{out:?}");
}

#[test]
fn lock_path_appends_to_the_name() {
    assert_eq!(
        lock_path(Path::new("/x/s.json")),
        Path::new("/x/s.json.lock")
    );
    assert_eq!(lock_path(Path::new("state")), Path::new("state.lock"));
}
