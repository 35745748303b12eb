//! The scheduler's loop driven by a test clock: no sleeping through real minutes. Each test
//! writes event files, sets the time, runs one pass and looks at what was handed to the
//! runner and what the state file says.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use pretty_assertions::assert_eq;
use tokio::sync::mpsc;

use super::*;

fn ms(iso: &str) -> i64 {
    iso.parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

struct Harness {
    dir: tempfile::TempDir,
    now: Arc<AtomicI64>,
    catch_up: CatchUp,
}

impl Harness {
    fn new(start: &str) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("events")).unwrap();
        Harness {
            dir,
            now: Arc::new(AtomicI64::new(ms(start))),
            catch_up: CatchUp::Last,
        }
    }

    fn event(&self, name: &str, json: serde_json::Value) {
        std::fs::write(self.dir.path().join("events").join(name), json.to_string()).unwrap();
    }

    fn set(&self, iso: &str) {
        self.now.store(ms(iso), Ordering::SeqCst);
    }

    fn state_path(&self) -> PathBuf {
        self.dir.path().join("state.json")
    }

    /// A scheduler as a (re)started runner has it: its state loaded from the file.
    fn start(&self) -> Loop {
        let now = self.now.clone();
        let cfg = Scheduler {
            dir: self.dir.path().join("events"),
            state_path: self.state_path(),
            poll: Duration::from_millis(1000),
            catch_up: self.catch_up,
            queue_limit: 1000,
            models: Default::default(),
            clock: Clock::from_fn(move || now.load(Ordering::SeqCst)),
        };
        let state = RunnerState::load(&self.state_path()).unwrap();
        Loop::new(cfg, state)
    }
}

/// One pass; the keys handed to the runner.
async fn pass(lp: &mut Loop) -> Vec<String> {
    let (tx, mut rx) = mpsc::channel(10_000);
    assert!(lp.pass(&tx).await);
    drop(tx);
    let mut keys = Vec::new();
    while let Some(i) = rx.recv().await {
        keys.push(i.key);
    }
    keys
}

#[tokio::test]
async fn a_daily_job_across_the_spring_gap_runs_once_and_a_restart_never_repeats_it() {
    let h = Harness::new("2026-03-28T12:00:00Z");
    h.event(
        "daily.json",
        serde_json::json!({"id": "daily", "channel": "local/x", "prompt": "go",
                           "schedule": {"cron": "30 2 * * *", "timezone": "Europe/Berlin"}}),
    );
    let mut lp = h.start();
    assert!(pass(&mut lp).await.is_empty(), "first sight runs nothing");
    // 02:30 does not exist on 2026-03-29 in Berlin: the job runs at 03:00 CEST (01:00Z).
    h.set("2026-03-29T01:00:30Z");
    let keys = pass(&mut lp).await;
    assert_eq!(
        keys,
        [format!("event:daily:{}", ms("2026-03-29T01:00:00Z"))]
    );
    // The runner dies mid-slot and starts again: the slot was saved before the run.
    let mut restarted = h.start();
    assert!(pass(&mut restarted).await.is_empty());
    h.set("2026-03-29T12:00:00Z");
    assert!(pass(&mut restarted).await.is_empty(), "once that day");
    h.set("2026-03-30T00:30:10Z");
    assert_eq!(
        pass(&mut restarted).await,
        [format!("event:daily:{}", ms("2026-03-30T00:30:00Z"))]
    );
}

#[tokio::test]
async fn the_autumn_overlap_runs_a_daily_job_once() {
    let h = Harness::new("2026-10-24T12:00:00Z");
    h.event(
        "daily.json",
        serde_json::json!({"id": "daily", "channel": "local/x", "prompt": "go",
                           "schedule": {"cron": "30 2 * * *", "timezone": "Europe/Berlin"}}),
    );
    let mut lp = h.start();
    assert!(pass(&mut lp).await.is_empty());
    // 02:30 CEST (00:30Z), then the clock falls back and 02:30 CET (01:30Z) comes again.
    let mut all = Vec::new();
    for t in [
        "2026-10-25T00:30:05Z",
        "2026-10-25T01:30:05Z",
        "2026-10-25T03:00:00Z",
    ] {
        h.set(t);
        all.extend(pass(&mut lp).await);
    }
    assert_eq!(all.len(), 1, "{all:?}");
}

#[tokio::test]
async fn missed_slots_follow_the_catch_up_mode() {
    for (mode, expect) in [(CatchUp::None, 0), (CatchUp::Last, 1), (CatchUp::All, 72)] {
        let mut h = Harness::new("2026-06-01T00:00:30Z");
        h.catch_up = mode;
        h.event(
            "hourly.json",
            serde_json::json!({"id": "hourly", "channel": "local/x", "prompt": "go",
                               "schedule": {"cron": "0 * * * *"}}),
        );
        let mut lp = h.start();
        assert!(pass(&mut lp).await.is_empty());
        // Down for three days; the runner starts again 30 minutes after a slot.
        h.set("2026-06-04T00:30:00Z");
        let mut restarted = h.start();
        let keys = pass(&mut restarted).await;
        assert_eq!(keys.len(), expect, "{mode:?}: {keys:?}");
    }
}

#[tokio::test]
async fn a_failed_run_is_retried_after_its_backoff_and_an_immediate_file_goes_when_done() {
    let h = Harness::new("2026-06-01T10:00:00Z");
    h.event(
        "now.json",
        serde_json::json!({"id": "now", "channel": "local/x", "prompt": "go",
                           "schedule": "immediate"}),
    );
    let mut lp = h.start();
    let keys = pass(&mut lp).await;
    assert_eq!(keys, ["event:now:once"]);
    assert!(pass(&mut lp).await.is_empty(), "one run at a time");
    lp.finished(
        "event:now:once",
        RunEnd::Failed,
        "HTTP 500 from the provider",
    );
    let st = RunnerState::load(&h.state_path()).unwrap();
    let e = &st.events["now"];
    assert_eq!(e.failures, 1);
    assert_eq!(e.last_error.as_deref(), Some("HTTP 500 from the provider"));
    h.set("2026-06-01T10:00:20Z");
    assert!(pass(&mut lp).await.is_empty(), "the retry waits 30 s");
    h.set("2026-06-01T10:00:31Z");
    let retry = pass(&mut lp).await;
    assert_eq!(retry.len(), 1, "{retry:?}");
    assert!(retry[0].starts_with("event:now:retry:1"), "{retry:?}");
    lp.finished(&retry[0], RunEnd::Answered, "");
    let st = RunnerState::load(&h.state_path()).unwrap();
    assert!(st.events["now"].done);
    assert_eq!(st.events["now"].failures, 0);
    assert!(!h.dir.path().join("events/now.json").exists());
    h.set("2026-06-02T10:00:00Z");
    assert!(pass(&mut lp).await.is_empty(), "done is done");
}
