//! The replay record: which verified signatures were accepted lately, so the same signed
//! payload sent again inside the window is refused, also when each payload is ingested by a
//! separate `pi` process.
//!
//! On disk it is a JSON object `{"<replay key>": <first seen, Unix seconds>}`, where the key
//! is a SHA-256 of the decoded signature ([`Verified::replay_key`]), never the signature. Each
//! check is one read-modify-write under an exclusive lock on `<path>.lock`, and the file is
//! replaced atomically (mode 0600). Entries older than the window are dropped on each write,
//! so the file holds at most a window's worth of accepted payloads.
//!
//! A missing file is an empty record. An unreadable one (not JSON, wrong shape) is also taken
//! as empty, with a warning for the caller to log: a damaged file must not block every
//! webhook. A file or lock that cannot be opened or written refuses the payload, since a
//! replay could then not be ruled out.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use super::Refusal;
use super::signature::{Algorithm, Verified};
use crate::private_fs;

/// The record's contents: replay key → Unix seconds it was first accepted.
type Seen = BTreeMap<String, i64>;

/// How long to remember an accepted signature for a scheme, given the timestamp skew allowed.
///
/// - slack-v0: twice the skew. A timestamp may be up to `max_skew` in the future, and the
///   signature then stays acceptable until `max_skew` after it, so `2 × max_skew` after it was
///   first seen; past that, [`super::verify`] refuses it as stale anyway.
/// - github-sha256: the skew itself. The scheme signs no time, so any window is a choice; a
///   delivery replayed after it is accepted again. Pick a longer one (for example a day) if
///   that matters more than the record's size.
pub fn replay_window_secs(alg: Algorithm, max_skew_secs: u64) -> u64 {
    match alg {
        Algorithm::SlackV0 => max_skew_secs.saturating_mul(2),
        Algorithm::GithubSha256 => max_skew_secs,
    }
}

/// The replay record at one path, shared by every process that opens the same path.
#[derive(Debug)]
pub struct ReplayGuard {
    path: PathBuf,
    lock: File,
    warnings: Vec<String>,
}

impl ReplayGuard {
    /// Opens the record at `path`, creating its directory (0700) and `<path>.lock` (0600) if
    /// missing. The record itself is read at each check, under the lock.
    pub fn open(path: &Path) -> io::Result<ReplayGuard> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            private_fs::create_dir_all(dir)?;
        }
        let lock = private_fs::open_options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(lock_path(path))?;
        Ok(ReplayGuard {
            path: path.to_path_buf(),
            lock,
            warnings: Vec::new(),
        })
    }

    /// The record's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Refuses `verified` if the same signature was accepted within `window_secs` before
    /// `now_unix`; otherwise records it as seen now. Entries older than the window are
    /// dropped. Holds the lock from the read to the write, so of two processes checking the
    /// same signature at once exactly one succeeds.
    pub fn check_and_record(
        &mut self,
        verified: &Verified,
        now_unix: i64,
        window_secs: u64,
    ) -> Result<(), Refusal> {
        if let Err(e) = self.lock.lock() {
            return Err(Refusal::ReplayRecord {
                reason: format!("cannot lock {}: {e}", lock_path(&self.path).display()),
            });
        }
        let outcome = self.check_and_record_locked(verified, now_unix, window_secs);
        // Closing the descriptor would release the lock too; unlocking now lets another
        // process in without waiting for this guard to drop.
        let _ = self.lock.unlock();
        outcome
    }

    /// Warnings gathered since the last call (a damaged record taken as empty), one line
    /// each, for the caller to log. Leaves none behind.
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    fn check_and_record_locked(
        &mut self,
        verified: &Verified,
        now_unix: i64,
        window_secs: u64,
    ) -> Result<(), Refusal> {
        let mut seen = self.load()?;
        let in_window = |first: i64| {
            let age = i128::from(now_unix) - i128::from(first);
            age <= i128::from(window_secs)
        };
        seen.retain(|_, first| in_window(*first));
        let key = verified.replay_key();
        if let Some(&first) = seen.get(&key) {
            let age = now_unix.saturating_sub(first).max(0);
            return Err(Refusal::Replayed { age_secs: age });
        }
        seen.insert(key, now_unix);
        let bytes = serde_json::to_vec(&seen).map_err(|e| Refusal::ReplayRecord {
            reason: format!("{}: {e}", self.path.display()),
        })?;
        private_fs::write_atomic(&self.path, &bytes, Some(private_fs::FILE_MODE))
            .map_err(|e| self.record_error("write", &e))
    }

    /// The record as stored; empty when missing, and empty with a warning when damaged.
    fn load(&mut self) -> Result<Seen, Refusal> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Seen::new()),
            Err(e) => return Err(self.record_error("read", &e)),
        };
        match serde_json::from_slice::<Seen>(&bytes) {
            Ok(seen) => Ok(seen),
            Err(e) => {
                self.warnings.push(format!(
                    "webhook replay record {} was unreadable ({e}); started it again empty",
                    self.path.display()
                ));
                Ok(Seen::new())
            }
        }
    }

    fn record_error(&self, what: &str, e: &io::Error) -> Refusal {
        Refusal::ReplayRecord {
            reason: format!(
                "cannot {what} {}: {e}; check that the directory is writable by this user",
                self.path.display()
            ),
        }
    }
}

/// `<path>.lock`, next to the record.
fn lock_path(path: &Path) -> PathBuf {
    let mut s = OsString::from(path.as_os_str());
    s.push(".lock");
    PathBuf::from(s)
}
