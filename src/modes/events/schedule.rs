//! When events are due: pure functions over the schedule, the event's saved state and a clock
//! passed in as unix milliseconds, so tests step through days and DST changes without waiting.
//!
//! A cron slot is an occurrence of the pattern (whole minutes). A periodic event's state keeps
//! the newest slot it has handled (`last_slot_ms`, run or skipped); only slots after it are
//! due, so a restart never runs a slot twice. An event seen for the first time starts from
//! `now`: it does not run slots from before it existed.
//!
//! DST, as croner 4 does it (tested in `schedule_tests.rs`): a fixed-time job (one value in
//! each of minute and hour, like `30 2 * * *`) whose wall-clock
//! time falls in the spring-forward gap runs at the first minute after the gap that day (02:30
//! in Europe/Berlin on the last Sunday of March runs at 03:00 CEST); in the fall-back overlap it
//! runs once, at the first (summer-time) pass. Interval jobs (`*/15 * * * *`) skip the gap and
//! (and lists like `0,30 2 * * *`) run in both passes of the overlap.

use jiff::{Timestamp, Zoned};

use super::event::{CronSchedule, Schedule};
use super::state::EventState;

/// Most missed slots [`CatchUp::All`] runs after a downtime: the newest ones.
pub const MAX_CATCH_UP: usize = 100;

/// Which slots missed while the runner was down run when it starts again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CatchUp {
    /// None: only slots no older than the grace time run.
    None,
    /// The newest missed slot runs, once.
    #[default]
    Last,
    /// Every missed slot runs, oldest first, at most [`MAX_CATCH_UP`] (the newest ones).
    All,
}

impl CatchUp {
    /// Parses `none`, `last` or `all` (the `--events-catch-up` values).
    pub fn parse(text: &str) -> Result<CatchUp, String> {
        match text {
            "none" => Ok(CatchUp::None),
            "last" => Ok(CatchUp::Last),
            "all" => Ok(CatchUp::All),
            _ => Err(format!("unknown catch-up {text:?} (none, last or all)")),
        }
    }
}

/// A time outside what a schedule can compute (before 1970, past year 9999, or a pattern
/// that never matches).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cron {pattern:?} in {timezone}: {reason}")]
pub struct ScheduleError {
    /// The pattern.
    pub pattern: String,
    /// Its zone.
    pub timezone: String,
    /// What went wrong.
    pub reason: String,
}

/// The cron slots to run now, and the state's new `last_slot_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotPlan {
    /// Slots to run, oldest first (unix ms). May be empty while `last_slot_ms` still moves on
    /// (slots skipped by the catch-up mode, or the first sight of an event).
    pub run: Vec<i64>,
    /// Save this as the event's `last_slot_ms` before running, so a crash mid-run does not
    /// run the slot again.
    pub last_slot_ms: i64,
}

/// What to do with one event now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Due {
    /// Nothing runs now and the state is unchanged.
    Nothing,
    /// An immediate or `at` event runs once; mark it done when it succeeds.
    Once,
    /// A cron event: save `last_slot_ms`, then run the slots (perhaps none).
    Slots(SlotPlan),
}

/// What `schedule` asks for at `now_ms`, given the event's saved state. Retries of failed
/// runs are the runner's to schedule (see `EventState::next_retry_ms`); disabled events are
/// the caller's to skip.
pub fn due(
    schedule: &Schedule,
    state: &EventState,
    now_ms: i64,
    catch_up: CatchUp,
    grace_ms: i64,
) -> Result<Due, ScheduleError> {
    Ok(match schedule {
        Schedule::Immediate if !state.done => Due::Once,
        Schedule::At { unix_ms } if at_due(*unix_ms, state.done, now_ms) => Due::Once,
        Schedule::Immediate | Schedule::At { .. } => Due::Nothing,
        Schedule::Cron(cron) => {
            let plan = cron_slots(cron, state.last_slot_ms, now_ms, catch_up, grace_ms)?;
            if Some(plan.last_slot_ms) == state.last_slot_ms {
                Due::Nothing
            } else {
                Due::Slots(plan)
            }
        }
    })
}

/// An `at` event is due once: when `now_ms` has reached its time and it has not run.
pub fn at_due(at_ms: i64, done: bool, now_ms: i64) -> bool {
    !done && now_ms >= at_ms
}

/// The cron slots due in `(last_slot_ms, now_ms]` under `catch_up`. A slot no older than
/// `grace_ms` is on time (a poll just after it), not missed: it runs in every mode. With no
/// `last_slot_ms` (an event seen for the first time) nothing runs and `now_ms` becomes the
/// mark.
pub fn cron_slots(
    cron: &CronSchedule,
    last_slot_ms: Option<i64>,
    now_ms: i64,
    catch_up: CatchUp,
    grace_ms: i64,
) -> Result<SlotPlan, ScheduleError> {
    let Some(last) = last_slot_ms else {
        return Ok(SlotPlan {
            run: Vec::new(),
            last_slot_ms: now_ms,
        });
    };
    let unchanged = SlotPlan {
        run: Vec::new(),
        last_slot_ms: last,
    };
    if now_ms <= last {
        return Ok(unchanged);
    }
    // Walk back from now: the newest slots are the ones every mode cares about.
    let mut cursor = zoned(cron, floor_second(now_ms))?;
    let mut inclusive = true;
    let mut newest_first = Vec::new();
    loop {
        let slot = match cron.cron.find_previous_occurrence(&cursor, inclusive) {
            Ok(slot) => slot,
            // No earlier occurrence at all (a pattern limited to later years).
            Err(_) => break,
        };
        let ms = slot.timestamp().as_millisecond();
        if ms <= last {
            break;
        }
        let keep = match catch_up {
            CatchUp::None => now_ms - ms <= grace_ms,
            CatchUp::Last => newest_first.is_empty() || now_ms - ms <= grace_ms,
            CatchUp::All => true,
        };
        let is_newest = newest_first.is_empty();
        if !keep && !is_newest {
            break;
        }
        newest_first.push((ms, keep));
        if newest_first.len() >= MAX_CATCH_UP {
            break;
        }
        cursor = slot;
        inclusive = false;
    }
    let Some(&(newest, _)) = newest_first.first() else {
        return Ok(unchanged);
    };
    let mut run: Vec<i64> = newest_first
        .into_iter()
        .filter(|(_, keep)| *keep)
        .map(|(ms, _)| ms)
        .collect();
    run.reverse();
    Ok(SlotPlan {
        run,
        last_slot_ms: newest,
    })
}

/// The first slot strictly after `now_ms`, or `None` when the pattern never matches again.
pub fn next_slot(cron: &CronSchedule, now_ms: i64) -> Result<Option<i64>, ScheduleError> {
    let now = zoned(cron, floor_second(now_ms))?;
    Ok(cron
        .cron
        .find_next_occurrence(&now, false)
        .ok()
        .map(|z| z.timestamp().as_millisecond()))
}

/// When the runner should next look at this event: `now_ms` for an immediate event not yet
/// done, the time of an `at` event not yet done, a cron event's next slot, or a pending
/// retry when that is sooner; `None` when nothing is left to run.
pub fn next_wake(
    schedule: &Schedule,
    state: &EventState,
    now_ms: i64,
) -> Result<Option<i64>, ScheduleError> {
    let planned = match schedule {
        Schedule::Immediate if !state.done => Some(now_ms),
        Schedule::At { unix_ms } if !state.done => Some((*unix_ms).max(now_ms)),
        Schedule::Immediate | Schedule::At { .. } => None,
        Schedule::Cron(cron) => next_slot(cron, now_ms)?,
    };
    let retry = state.next_retry_ms.filter(|_| !state.done);
    Ok(match (planned, retry) {
        (Some(a), Some(b)) => Some(a.min(b.max(now_ms))),
        (a, b) => a.or(b.map(|b| b.max(now_ms))),
    })
}

/// Milliseconds rounded down to a whole second: slots are whole minutes, and croner steps in
/// seconds, so a sub-second part must not move a search past a slot.
fn floor_second(ms: i64) -> i64 {
    ms.div_euclid(1000) * 1000
}

fn zoned(cron: &CronSchedule, ms: i64) -> Result<Zoned, ScheduleError> {
    Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(cron.zone.clone()))
        .map_err(|e| ScheduleError {
            pattern: cron.pattern.clone(),
            timezone: cron.timezone.clone(),
            reason: e.to_string(),
        })
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
