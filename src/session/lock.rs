//! The append lock: `<session>.lock`, created with `create_new` and holding the holder's pid
//! and a timestamp. A lock whose pid is dead, or that is older than `stale_ms`, is reclaimed.
//! Every removal of a lock file (release or reclaim) happens under an advisory `flock` on the
//! session file itself, so a reclaimer can never delete a lock someone else just took; the
//! kernel drops that `flock` when a process dies, so it can never go stale.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use super::error::SessionError;

/// How long to wait for the append lock, and when a held lock counts as abandoned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockOptions {
    /// `--session-lock-wait-ms`: give up after this long (0 = try once).
    pub wait_ms: u64,
    /// `--session-lock-stale-ms`: a lock older than this is reclaimed even if its pid is alive
    /// (0 = only locks of dead processes are reclaimed). An append holds the lock for
    /// microseconds, so anything this old belongs to a hung process or a reused pid.
    pub stale_ms: u64,
}

impl Default for LockOptions {
    fn default() -> Self {
        LockOptions {
            wait_ms: 5_000,
            stale_ms: 30_000,
        }
    }
}

/// The lock file of a session file.
pub fn lock_path(session: &Path) -> PathBuf {
    let mut name = session.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    session.with_file_name(name)
}

/// Who holds a lock, as read from its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockHolder {
    pub pid: Option<u32>,
    /// How long ago the lock file was written.
    pub age: Duration,
    pub alive: bool,
}

impl LockHolder {
    fn describe(&self) -> String {
        let who = match self.pid {
            Some(pid) if self.alive => format!("pid {pid}"),
            Some(pid) => format!("pid {pid} (not running)"),
            None => "an unknown process".to_string(),
        };
        format!("{who} for {:.1} s", self.age.as_secs_f64())
    }
}

/// Reads the lock file of `session`, if there is one.
pub fn lock_holder(session: &Path) -> Option<LockHolder> {
    read_holder(&lock_path(session)).map(|(h, _)| h)
}

/// A held lock; dropping it releases the lock.
pub(crate) struct LockGuard {
    session: PathBuf,
    path: PathBuf,
    token: String,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        // Remove the file only if it is still ours (it may have been reclaimed as stale).
        let _flock = SessionFlock::take(&self.session);
        if fs::read_to_string(&self.path).is_ok_and(|c| c == self.token)
            && let Err(e) = fs::remove_file(&self.path)
        {
            tracing::warn!(path = %self.path.display(), error = %e, "cannot remove session lock");
        }
    }
}

/// An exclusive `flock` on the session file (opened by path, so a file replaced by a repair
/// is the one locked), held while a lock file is removed.
struct SessionFlock(Option<File>);

impl SessionFlock {
    fn take(session: &Path) -> Self {
        let Ok(file) = File::open(session) else {
            return SessionFlock(None);
        };
        match file.lock() {
            Ok(()) => SessionFlock(Some(file)),
            Err(e) => {
                tracing::warn!(error = %e, "flock on the session file failed");
                SessionFlock(None)
            }
        }
    }
}

impl Drop for SessionFlock {
    fn drop(&mut self) {
        if let Some(f) = &self.0 {
            let _ = f.unlock();
        }
    }
}

/// Takes the lock of `session_path`, waiting up to `opts.wait_ms`.
pub(crate) fn acquire(session_path: &Path, opts: LockOptions) -> Result<LockGuard, SessionError> {
    let path = lock_path(session_path);
    let started = Instant::now();
    let mut pause = Duration::from_micros(200);
    loop {
        match crate::private_fs::open_options()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                let token = format!(
                    "{{\"pid\":{},\"timestamp\":\"{}\",\"nonce\":\"{}\"}}\n",
                    std::process::id(),
                    super::id::now_iso(),
                    super::id::new_entry_id(|_| false)
                );
                if let Err(e) = f.write_all(token.as_bytes()) {
                    let _ = fs::remove_file(&path);
                    return Err(SessionError::io(&path, "write the lock file", e));
                }
                return Ok(LockGuard {
                    session: session_path.to_path_buf(),
                    path,
                    token,
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(SessionError::io(&path, "create the lock file", e)),
        }
        let holder = read_holder(&path);
        match &holder {
            None if !path.exists() => continue,
            Some((h, content)) if is_stale(h, opts) && reclaim(session_path, &path, content) => {
                continue;
            }
            _ => {}
        }
        let waited = started.elapsed();
        if waited >= Duration::from_millis(opts.wait_ms) {
            let holder = holder.map(|(h, _)| h);
            return Err(SessionError::Locked {
                lock_path: path,
                holder: holder
                    .as_ref()
                    .map_or_else(|| "another process".to_string(), LockHolder::describe),
                pid: holder.and_then(|h| h.pid),
                waited_ms: waited.as_millis() as u64,
            });
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

fn is_stale(h: &LockHolder, opts: LockOptions) -> bool {
    let dead = h.pid.is_some_and(|p| p != std::process::id()) && !h.alive;
    let old = opts.stale_ms > 0 && h.age >= Duration::from_millis(opts.stale_ms);
    dead || old
}

/// Removes the stale lock whose content was `seen`, unless it changed hands meanwhile.
/// False when the file could not be removed (then we wait like for a live lock).
fn reclaim(session: &Path, path: &Path, seen: &str) -> bool {
    let _flock = SessionFlock::take(session);
    match fs::read_to_string(path) {
        Ok(c) if c == seen => {
            tracing::warn!(path = %path.display(), holder = seen.trim(), "reclaiming a stale session lock");
            fs::remove_file(path).is_ok()
        }
        // Changed hands or already gone: look again.
        Ok(_) => true,
        Err(e) => e.kind() == std::io::ErrorKind::NotFound,
    }
}

fn read_holder(path: &Path) -> Option<(LockHolder, String)> {
    let content = fs::read_to_string(path).ok()?;
    let modified = fs::metadata(path).and_then(|m| m.modified()).ok();
    let age = modified
        .and_then(|m| SystemTime::now().duration_since(m).ok())
        .unwrap_or_default();
    let pid = parse_pid(&content);
    let alive = pid.is_none_or(pid_alive);
    Some((LockHolder { pid, age, alive }, content))
}

/// The pid in a lock file: our JSON, or the first number (hand-written lock files).
fn parse_pid(content: &str) -> Option<u32> {
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(content)
        && let Some(pid) = v.get("pid").and_then(serde_json::Value::as_u64)
    {
        return u32::try_from(pid).ok();
    }
    let digits: String = content
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Whether a process with this pid runs (a zombie counts as dead: it holds nothing).
pub(crate) fn pid_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    #[cfg(target_os = "linux")]
    {
        match fs::read_to_string(format!("/proc/{pid}/stat")) {
            // The state follows the parenthesised command name.
            Ok(stat) => !matches!(
                stat.rsplit_once(')')
                    .and_then(|(_, rest)| rest.trim_start().chars().next()),
                Some('Z' | 'X')
            ),
            Err(_) => false,
        }
    }
    #[cfg(all(unix, not(target_os = "linux")))]
    {
        let Ok(raw) = i32::try_from(pid) else {
            return false;
        };
        match nix::sys::signal::kill(nix::unistd::Pid::from_raw(raw), None) {
            Ok(()) => true,
            Err(nix::errno::Errno::ESRCH) => false,
            Err(_) => true,
        }
    }
    #[cfg(not(unix))]
    {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pid_from_json_or_plain_text() {
        assert_eq!(parse_pid("{\"pid\":42,\"timestamp\":\"x\"}"), Some(42));
        assert_eq!(parse_pid("4242\n"), Some(4242));
        assert_eq!(parse_pid("pid=7 at noon"), Some(7));
        assert_eq!(parse_pid(""), None);
    }

    #[test]
    fn own_pid_is_alive_and_a_huge_pid_is_not() {
        assert!(pid_alive(std::process::id()));
        assert!(!pid_alive(u32::MAX - 1));
    }

    #[test]
    fn lock_file_sits_next_to_the_session() {
        assert_eq!(
            lock_path(Path::new("/a/b/s.jsonl")),
            PathBuf::from("/a/b/s.jsonl.lock")
        );
    }

    #[test]
    fn staleness_rules() {
        let opts = LockOptions {
            wait_ms: 0,
            stale_ms: 1000,
        };
        let young = Duration::from_millis(10);
        let old = Duration::from_millis(5000);
        let dead = |age| LockHolder {
            pid: Some(999_999),
            age,
            alive: false,
        };
        let live = |age| LockHolder {
            pid: Some(1),
            age,
            alive: true,
        };
        assert!(is_stale(&dead(young), opts));
        assert!(!is_stale(&live(young), opts));
        assert!(is_stale(&live(old), opts));
        let never_by_age = LockOptions {
            wait_ms: 0,
            stale_ms: 0,
        };
        assert!(!is_stale(&live(old), never_by_age));
    }
}
