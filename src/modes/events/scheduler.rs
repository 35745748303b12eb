//! The events runner's source of work: it scans the events dir (on every change the watcher
//! reports, and every poll interval), asks the schedule what is due, records the slot in
//! the state file before anything runs, and hands due events to the shared runner as
//! inbound messages of their channel. It hears back when each run ends: successes and
//! failures are recorded (failures retried with backoff), and an immediate event's file is
//! removed once it has run.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{CatchUp, Due, Event, RunnerState, Schedule, due, scan};
use crate::modes::bridge::runner::RunEnd;
use crate::modes::bridge::step::Inbound;

/// Where the scheduler reads the time (unix ms): the system clock, or a test's.
#[derive(Clone)]
pub struct Clock(std::sync::Arc<dyn Fn() -> i64 + Send + Sync>);

impl Clock {
    pub fn system() -> Clock {
        Clock(std::sync::Arc::new(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64)
        }))
    }

    /// A clock that reads `now`.
    pub fn from_fn(now: impl Fn() -> i64 + Send + Sync + 'static) -> Clock {
        Clock(std::sync::Arc::new(now))
    }

    fn now(&self) -> i64 {
        (self.0)()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clock")
    }
}

/// The runner's settings.
#[derive(Debug, Clone)]
pub struct Scheduler {
    pub dir: PathBuf,
    pub state_path: PathBuf,
    pub poll: Duration,
    pub catch_up: CatchUp,
    /// Runs handed to the runner and not yet finished, at most.
    pub queue_limit: usize,
    /// Where an event's own model is left for its run.
    pub models: super::deliver::Models,
    pub clock: Clock,
}

/// A run handed to the runner.
struct Outstanding {
    id: String,
    once: bool,
    immediate_file: Option<PathBuf>,
}

struct Loop {
    cfg: Scheduler,
    state: RunnerState,
    outstanding: HashMap<String, Outstanding>,
    reported: HashSet<String>,
    queue_full_said: bool,
}

impl Loop {
    fn new(cfg: Scheduler, state: RunnerState) -> Loop {
        Loop {
            cfg,
            state,
            outstanding: HashMap::new(),
            reported: HashSet::new(),
            queue_full_said: false,
        }
    }

    fn save(&self) {
        if let Err(e) = self.state.save(&self.cfg.state_path) {
            tracing::warn!("{e}");
        }
    }

    /// One pass: what is due now goes to the runner.
    async fn pass(&mut self, tx: &mpsc::Sender<Inbound>) -> bool {
        let found = match scan(&self.cfg.dir) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("events dir: {e}");
                return true;
            }
        };
        for p in &found.problems {
            let said = format!("{}: {}", p.file.display(), p.reason);
            if self.reported.insert(said.clone()) {
                tracing::warn!("event skipped: {said}");
            }
        }
        let now = self.cfg.clock.now();
        let busy: HashSet<String> = self.outstanding.values().map(|o| o.id.clone()).collect();
        let mut waiting = 0usize;
        for event in found.events.iter().filter(|e| e.enabled) {
            if busy.contains(&event.id) {
                continue;
            }
            if self.outstanding.len() >= self.cfg.queue_limit {
                waiting += 1;
                continue;
            }
            for inbound in self.due_runs(event, now) {
                let key = inbound.key.clone();
                if let Some(model) = &event.model {
                    let mut models = self
                        .cfg
                        .models
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    // Runs that never started leave their entry; keep the map bounded.
                    if models.len() >= 10_000 {
                        models.clear();
                    }
                    models.insert(key.clone(), model.clone());
                }
                self.outstanding.insert(
                    key,
                    Outstanding {
                        id: event.id.clone(),
                        once: !matches!(event.schedule, Schedule::Cron(_)),
                        immediate_file: matches!(event.schedule, Schedule::Immediate)
                            .then(|| event.file.clone()),
                    },
                );
                self.state.event_mut(&event.id).record_start();
                self.save();
                if tx.send(inbound).await.is_err() {
                    return false;
                }
            }
        }
        if waiting > 0 && !self.queue_full_said {
            tracing::warn!(
                waiting,
                limit = self.cfg.queue_limit,
                "events queue full: due events wait for runs to finish"
            );
        }
        self.queue_full_said = waiting > 0;
        true
    }

    /// The runs `event` needs now (the slot is saved before they start).
    fn due_runs(&mut self, event: &Event, now: i64) -> Vec<Inbound> {
        let inbound = |key: String| Inbound {
            key,
            conversation: event.channel.to_string(),
            author: format!("event {}", event.id),
            allowed: true,
            text: event.prompt.clone(),
        };
        let st = self
            .state
            .events
            .get(&event.id)
            .cloned()
            .unwrap_or_default();
        if st.retry_due(now) {
            return vec![inbound(format!(
                "event:{}:retry:{}:{}",
                event.id, st.failures, st.runs
            ))];
        }
        if st.next_retry_ms.is_some() {
            // A failed run waits for its retry.
            return Vec::new();
        }
        let grace = (self.cfg.poll.as_millis() as i64)
            .saturating_mul(2)
            .max(2_000);
        match due(&event.schedule, &st, now, self.cfg.catch_up, grace) {
            Ok(Due::Nothing) => Vec::new(),
            Ok(Due::Once) => vec![inbound(format!("event:{}:once", event.id))],
            Ok(Due::Slots(plan)) => {
                self.state.event_mut(&event.id).last_slot_ms = Some(plan.last_slot_ms);
                self.save();
                plan.run
                    .iter()
                    .map(|slot| inbound(format!("event:{}:{slot}", event.id)))
                    .collect()
            }
            Err(e) => {
                let said = format!("{}: {e}", event.id);
                if self.reported.insert(said.clone()) {
                    tracing::warn!("event skipped: {said}");
                }
                Vec::new()
            }
        }
    }

    fn finished(&mut self, key: &str, end: RunEnd, detail: &str) {
        let Some(o) = self.outstanding.remove(key) else {
            return;
        };
        let now = self.cfg.clock.now();
        let st = self.state.event_mut(&o.id);
        match end {
            RunEnd::Answered | RunEnd::AlreadyAnswered => {
                st.record_success(o.once);
                if let Some(file) = o.immediate_file
                    && let Err(e) = std::fs::remove_file(&file)
                {
                    tracing::warn!("cannot remove the done event {}: {e}", file.display());
                }
            }
            RunEnd::Failed | RunEnd::Cancelled => {
                let reason = if detail.trim().is_empty() {
                    format!("the run {} (see the channel's log.jsonl)", end_word(end))
                } else {
                    detail.trim().to_string()
                };
                st.record_failure(&reason, now);
            }
        }
        self.save();
    }
}

fn end_word(end: RunEnd) -> &'static str {
    match end {
        RunEnd::Cancelled => "was cancelled",
        _ => "failed",
    }
}

impl Scheduler {
    /// Feeds `tx` until `stop` fires; `finished` reports each run's end.
    pub async fn run(
        self,
        state: RunnerState,
        tx: mpsc::Sender<Inbound>,
        mut finished: mpsc::UnboundedReceiver<(String, RunEnd, String)>,
        stop: CancellationToken,
    ) {
        let (changed_tx, mut changed) = mpsc::unbounded_channel::<()>();
        // The watcher wakes the loop at once when a file appears; polling is the fallback.
        let _watcher = watch(&self.dir, changed_tx);
        let mut lp = Loop::new(self, state);
        loop {
            if !lp.pass(&tx).await {
                return;
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(lp.cfg.poll) => {}
                Some(()) = changed.recv() => {
                    // A burst of changes is one scan.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    while changed.try_recv().is_ok() {}
                }
                Some((key, end, detail)) = finished.recv() => {
                    lp.finished(&key, end, &detail);
                    while let Ok((key, end, detail)) = finished.try_recv() {
                        lp.finished(&key, end, &detail);
                    }
                }
            }
        }
    }
}

/// Watches `dir` (not recursively); `None` when the platform's watcher cannot start (polling
/// still works).
fn watch(
    dir: &std::path::Path,
    tx: mpsc::UnboundedSender<()>,
) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher;
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if res.is_ok() {
            let _ = tx.send(());
        }
    })
    .ok()?;
    match watcher.watch(dir, notify::RecursiveMode::NonRecursive) {
        Ok(()) => Some(watcher),
        Err(e) => {
            tracing::warn!("cannot watch {}: {e}; polling only", dir.display());
            None
        }
    }
}

#[cfg(test)]
#[path = "scheduler_tests.rs"]
mod tests;
