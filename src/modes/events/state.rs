//! The events runner's state file: what each event has run, its failures and retries, and the
//! outbox path; plus the lock that keeps a second runner off the same state.
//!
//! The file is JSON, replaced atomically (0600) on every save, so a crash leaves the old
//! state or the new one. A missing file is an empty state; a file that does not parse is an
//! error naming it, never silently reset (that could run every `at` event again).

use std::collections::BTreeMap;
use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::private_fs;

/// First retry delay after a failure.
pub const RETRY_FIRST_MS: i64 = 30_000;
/// Longest retry delay.
pub const RETRY_MAX_MS: i64 = 3_600_000;
/// Longest error kept in the state, in bytes.
const MAX_ERROR_LEN: usize = 2_000;

/// What the runner remembers of one event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventState {
    /// A cron event's newest handled slot (run or skipped), or when the runner first saw it.
    pub last_slot_ms: Option<i64>,
    /// Runs started.
    pub runs: u64,
    /// Failures in a row; reset by a success.
    pub failures: u32,
    /// The reason of the newest failure, kept after a success for `/events-show`.
    pub last_error: Option<String>,
    /// When to retry a failed run; `None` when nothing is to be retried.
    pub next_retry_ms: Option<i64>,
    /// An immediate or `at` event that has run successfully.
    pub done: bool,
}

impl EventState {
    /// A run starts: counted before it runs, so a crash still shows it.
    pub fn record_start(&mut self) {
        self.runs += 1;
    }

    /// The run succeeded: no retry pending; a one-off event (`once`) is done.
    pub fn record_success(&mut self, once: bool) {
        self.failures = 0;
        self.next_retry_ms = None;
        if once {
            self.done = true;
        }
    }

    /// The run failed with `reason` at `now_ms`: retried after [`retry_delay_ms`].
    pub fn record_failure(&mut self, reason: &str, now_ms: i64) {
        self.failures = self.failures.saturating_add(1);
        let mut reason = reason.to_string();
        if reason.len() > MAX_ERROR_LEN {
            let mut cut = MAX_ERROR_LEN;
            while !reason.is_char_boundary(cut) {
                cut -= 1;
            }
            reason.truncate(cut);
            reason.push('…');
        }
        self.last_error = Some(reason);
        self.next_retry_ms = Some(now_ms.saturating_add(retry_delay_ms(self.failures)));
    }

    /// A pending retry whose time has come.
    pub fn retry_due(&self, now_ms: i64) -> bool {
        !self.done && self.next_retry_ms.is_some_and(|t| now_ms >= t)
    }
}

/// The delay before retry number `failures` (1 for the first failure): 30 s, doubling each
/// time, at most an hour.
pub fn retry_delay_ms(failures: u32) -> i64 {
    let doublings = failures.saturating_sub(1).min(20);
    (RETRY_FIRST_MS << doublings).min(RETRY_MAX_MS)
}

/// The whole state file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunnerState {
    /// Per event id.
    pub events: BTreeMap<String, EventState>,
    /// Where answers for `local/…` channels are appended.
    pub outbox: Option<PathBuf>,
}

/// The state file could not be read, parsed, written or locked.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Reading or writing failed.
    #[error("events state {path}: cannot {action}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done.
        action: &'static str,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a state file; move it aside to start afresh.
    #[error(
        "events state {path} is corrupt ({reason}); fix it or move it aside to start afresh \
         (at events would run again)"
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The parse error.
        reason: String,
    },
    /// Another runner holds the lock.
    #[error(
        "another events runner is using {state} (lock {lock} is held); stop it or give this \
         one another --events-state-path"
    )]
    Locked {
        /// The state file.
        state: PathBuf,
        /// The lock file.
        lock: PathBuf,
    },
}

impl RunnerState {
    /// Reads the state at `path`; a missing file is an empty state.
    pub fn load(path: &Path) -> Result<RunnerState, StateError> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(RunnerState::default());
            }
            Err(source) => {
                return Err(StateError::Io {
                    path: path.to_path_buf(),
                    action: "read it",
                    source,
                });
            }
        };
        serde_json::from_slice(&bytes).map_err(|e| StateError::Corrupt {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
    }

    /// Replaces the state at `path` atomically, mode 0600.
    pub fn save(&self, path: &Path) -> Result<(), StateError> {
        let io = |source| StateError::Io {
            path: path.to_path_buf(),
            action: "save it",
            source,
        };
        let mut bytes = serde_json::to_vec_pretty(self).map_err(|e| io(e.into()))?;
        bytes.push(b'\n');
        private_fs::write_atomic(path, &bytes, Some(0o600)).map_err(io)
    }

    /// The state of event `id`, created empty when missing.
    pub fn event_mut(&mut self, id: &str) -> &mut EventState {
        self.events.entry(id.to_string()).or_default()
    }
}

/// An exclusive lock on `<state path>.lock`, held while the value lives (the OS drops it
/// when the file closes, so a crashed runner leaves no stale lock).
#[derive(Debug)]
pub struct StateLock {
    path: PathBuf,
    _file: File,
}

impl StateLock {
    /// Takes the lock for `state_path`, or fails at once with [`StateError::Locked`] when
    /// another runner (in this process or another) holds it.
    pub fn acquire(state_path: &Path) -> Result<StateLock, StateError> {
        let path = lock_path(state_path);
        let io = |action, source| StateError::Io {
            path: path.clone(),
            action,
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            private_fs::create_dir_all(dir).map_err(|e| io("create its folder", e))?;
        }
        let file = private_fs::open_options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io("open it", e))?;
        match file.try_lock() {
            Ok(()) => Ok(StateLock { path, _file: file }),
            Err(TryLockError::WouldBlock) => Err(StateError::Locked {
                state: state_path.to_path_buf(),
                lock: path,
            }),
            Err(TryLockError::Error(e)) => Err(io("lock it", e)),
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// `<state path>.lock`.
pub fn lock_path(state_path: &Path) -> PathBuf {
    let mut name = state_path.as_os_str().to_os_string();
    name.push(".lock");
    PathBuf::from(name)
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
