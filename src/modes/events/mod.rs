//! The events runner's foundation (issue 12): event files, when they are due, the scan of
//! the events dir, and the runner's state file and lock. Everything here is pure or plain
//! file I/O with the clock passed in; the runner loop lives elsewhere.

pub mod access;
pub mod deliver;
pub mod event;
pub mod ingest;
pub mod listen;
pub mod receive;
pub mod scan;
pub mod schedule;
pub mod scheduler;
pub mod state;
pub mod webhook;

pub use event::{CronSchedule, Event, Schedule, check_id, parse_event};
pub use scan::{MAX_EVENT_FILE_BYTES, Problem, Scan, event_files, scan};
pub use schedule::{
    CatchUp, Due, MAX_CATCH_UP, ScheduleError, SlotPlan, at_due, cron_slots, due, next_slot,
    next_wake,
};
pub use state::{
    EventState, RETRY_FIRST_MS, RETRY_MAX_MS, RunnerState, StateError, StateLock, lock_path,
    retry_delay_ms,
};
