use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::{Arc, Barrier};

use super::super::{
    Algorithm, DEFAULT_MAX_SKEW_SECS, Refusal, ReplayGuard, Verified, replay_window_secs, sign,
    verify,
};

const SECRET: &[u8] = b"replay-test-secret";
const T0: i64 = 1_700_000_000;
const WINDOW: u64 = 300;

/// A verified GitHub-style signature over `body`.
fn github(body: &str) -> Verified {
    let sig = sign(Algorithm::GithubSha256, SECRET, body.as_bytes(), None).unwrap();
    verify(
        Algorithm::GithubSha256,
        SECRET,
        &sig,
        body.as_bytes(),
        None,
        T0,
        0,
    )
    .unwrap()
}

fn record(path: &Path) -> serde_json::Map<String, serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn a_signature_is_accepted_once_inside_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("replay.json");
    let mut guard = ReplayGuard::open(&path).unwrap();
    let v = github("deploy done");
    assert_eq!(guard.check_and_record(&v, T0, WINDOW), Ok(()));
    let again = guard.check_and_record(&v, T0 + 42, WINDOW);
    assert_eq!(again, Err(Refusal::Replayed { age_secs: 42 }));
    assert_eq!(
        again.unwrap_err().to_string(),
        "webhook signature was already accepted 42 s ago: refused as a replay"
    );
    // Still refused at the window's edge; past it the entry is gone and it is accepted.
    assert!(
        guard
            .check_and_record(&v, T0 + WINDOW as i64, WINDOW)
            .is_err()
    );
    assert_eq!(
        guard.check_and_record(&v, T0 + WINDOW as i64 + 1, WINDOW),
        Ok(())
    );
    // Other signatures are unaffected.
    assert_eq!(
        guard.check_and_record(&github("other"), T0 + 1, WINDOW),
        Ok(())
    );
    assert!(guard.take_warnings().is_empty());
}

#[test]
fn the_record_survives_a_new_guard_and_holds_only_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state").join("replay.json");
    let v = github("payload");
    ReplayGuard::open(&path)
        .unwrap()
        .check_and_record(&v, T0, WINDOW)
        .unwrap();
    // A second process (a fresh guard) sees the first one's entry.
    let mut second = ReplayGuard::open(&path).unwrap();
    assert_eq!(
        second.check_and_record(&v, T0 + 1, WINDOW),
        Err(Refusal::Replayed { age_secs: 1 })
    );
    let stored = record(&path);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored.get(&v.replay_key()), Some(&serde_json::json!(T0)));
    let text = std::fs::read_to_string(&path).unwrap();
    let sig = sign(Algorithm::GithubSha256, SECRET, b"payload", None).unwrap();
    assert!(!text.contains(&sig["sha256=".len()..]), "{text}");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(
        mode(&dir.path().join("state").join("replay.json.lock")),
        0o600
    );
    assert_eq!(second.path(), path.as_path());
}

#[test]
fn old_entries_are_pruned_on_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("replay.json");
    let mut guard = ReplayGuard::open(&path).unwrap();
    for i in 0..5 {
        let v = github(&format!("old {i}"));
        guard.check_and_record(&v, T0 + i, WINDOW).unwrap();
    }
    assert_eq!(record(&path).len(), 5);
    let late = T0 + 4 + WINDOW as i64 + 1;
    guard
        .check_and_record(&github("new"), late, WINDOW)
        .unwrap();
    let stored = record(&path);
    assert_eq!(stored.len(), 1);
    assert!(stored.contains_key(&github("new").replay_key()));
}

#[test]
fn a_corrupt_record_is_taken_as_empty_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("replay.json");
    for junk in ["{not json", "[1,2,3]", "{\"k\":\"not a number\"}", ""] {
        std::fs::write(&path, junk).unwrap();
        let mut guard = ReplayGuard::open(&path).unwrap();
        let v = github(junk);
        assert_eq!(guard.check_and_record(&v, T0, WINDOW), Ok(()), "{junk:?}");
        let warnings = guard.take_warnings();
        assert_eq!(warnings.len(), 1, "{junk:?}");
        assert!(
            warnings[0].starts_with("webhook replay record "),
            "{}",
            warnings[0]
        );
        assert!(warnings[0].contains("started it again empty"));
        assert!(!warnings[0].contains('\n'));
        assert!(guard.take_warnings().is_empty());
        // The rewritten record works again.
        assert_eq!(record(&path).len(), 1);
        assert!(guard.check_and_record(&v, T0 + 1, WINDOW).is_err());
        assert!(guard.take_warnings().is_empty());
    }
}

#[test]
fn an_unwritable_record_refuses_rather_than_risk_a_replay() {
    let dir = tempfile::tempdir().unwrap();
    // The record's path is a directory: it can be neither read nor replaced.
    let path = dir.path().join("replay.json");
    std::fs::create_dir(&path).unwrap();
    let mut guard = ReplayGuard::open(&path).unwrap();
    let r = guard.check_and_record(&github("x"), T0, WINDOW);
    match r {
        Err(Refusal::ReplayRecord { reason }) => {
            assert!(reason.contains("replay.json"), "{reason}");
        }
        other => panic!("expected ReplayRecord, got {other:?}"),
    }
}

#[test]
fn two_guards_racing_on_one_signature_accept_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = Arc::new(dir.path().join("replay.json"));
    let threads = 8;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (path, barrier) = (Arc::clone(&path), Arc::clone(&barrier));
            std::thread::spawn(move || {
                // Each guard has its own lock-file descriptor, as separate processes would.
                let mut guard = ReplayGuard::open(&path).unwrap();
                barrier.wait();
                guard.check_and_record(&github("same"), T0, WINDOW)
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .all(|r| r.is_ok() || matches!(r, Err(Refusal::Replayed { .. })))
    );
}

#[test]
fn concurrent_distinct_signatures_are_all_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = Arc::new(dir.path().join("replay.json"));
    let threads = 8;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let (path, barrier) = (Arc::clone(&path), Arc::clone(&barrier));
            std::thread::spawn(move || {
                let mut guard = ReplayGuard::open(&path).unwrap();
                barrier.wait();
                for j in 0..5 {
                    guard
                        .check_and_record(&github(&format!("{i}/{j}")), T0, WINDOW)
                        .unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    // No read-modify-write lost another's entry.
    assert_eq!(record(&path).len(), threads * 5);
}

#[test]
fn slack_replays_are_remembered_as_long_as_the_signature_stays_valid() {
    let dir = tempfile::tempdir().unwrap();
    let mut guard = ReplayGuard::open(&dir.path().join("replay.json")).unwrap();
    let skew = DEFAULT_MAX_SKEW_SECS;
    let window = replay_window_secs(Algorithm::SlackV0, skew);
    assert_eq!(window, 2 * skew);
    assert_eq!(replay_window_secs(Algorithm::GithubSha256, skew), skew);
    // A timestamp at the future edge: first seen at ts - skew, still valid until ts + skew.
    let ts = T0 + skew as i64;
    let ts_text = ts.to_string();
    let body = b"{\"type\":\"event_callback\"}";
    let sig = sign(Algorithm::SlackV0, SECRET, body, Some(&ts_text)).unwrap();
    let check = |now: i64| {
        verify(
            Algorithm::SlackV0,
            SECRET,
            &sig,
            body,
            Some(&ts_text),
            now,
            skew,
        )
    };
    let first = check(T0).unwrap();
    guard.check_and_record(&first, T0, window).unwrap();
    let last_valid = ts + skew as i64;
    let replay = check(last_valid).unwrap();
    assert_eq!(
        guard.check_and_record(&replay, last_valid, window),
        Err(Refusal::Replayed {
            age_secs: 2 * skew as i64
        })
    );
    // One second later verify itself refuses it as stale.
    assert!(matches!(
        check(last_valid + 1),
        Err(Refusal::StaleTimestamp { .. })
    ));
}
