//! The folder where bash output over the limit is kept in full: one per agent run
//! (`$TMPDIR/pi-<uid>/run-<pid>-<random>/`, 0700, files 0600), capped per file and in all
//! (oldest files go first), removed when its owner drops it. The read tool may open it.

use std::collections::VecDeque;
use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use nix::sys::signal::kill;
use nix::unistd::{Pid, getuid};

/// Most bytes kept of one call's output.
pub const SPILL_FILE_CAP: u64 = 50 * 1024 * 1024;
/// Most bytes kept in one run's folder.
pub const SPILL_FOLDER_CAP: u64 = 500 * 1024 * 1024;

/// One agent run's spill folder. Created on first use; removed on drop.
pub struct SpillFolder {
    path: PathBuf,
    file_cap: u64,
    folder_cap: u64,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    created: bool,
    /// The files kept, oldest first, with their sizes.
    files: VecDeque<(PathBuf, u64)>,
    total: u64,
    next: u64,
}

impl SpillFolder {
    /// A folder under `$TMPDIR/pi-<uid>` with the standard caps.
    pub fn new() -> SpillFolder {
        let base = std::env::temp_dir().join(format!("pi-{}", getuid()));
        SpillFolder::with_caps(base, SPILL_FILE_CAP, SPILL_FOLDER_CAP)
    }

    /// A folder `run-<pid>-<random>` under `base` (created 0700 if missing), keeping at most
    /// `file_cap` bytes a file and `folder_cap` in all.
    pub fn with_caps(base: impl Into<PathBuf>, file_cap: u64, folder_cap: u64) -> SpillFolder {
        let tag = uuid::Uuid::new_v4().simple().to_string();
        let name = format!("run-{}-{}", std::process::id(), &tag[..12]);
        SpillFolder {
            path: base.into().join(name),
            file_cap,
            folder_cap,
            state: Mutex::new(State::default()),
        }
    }

    /// Where the folder is (or will be, before the first spill).
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A new, empty file for one call's output.
    pub(crate) fn create_file(self: &Arc<Self>) -> io::Result<SpillFile> {
        let mut state = self.state();
        if !state.created {
            self.create_folder()?;
            state.created = true;
        }
        state.next += 1;
        let path = self.path.join(format!("bash-{}.log", state.next));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)?;
        state.files.push_back((path.clone(), 0));
        Ok(SpillFile {
            folder: self.clone(),
            file,
            path,
            written: 0,
            dropped: 0,
        })
    }

    fn create_folder(&self) -> io::Result<()> {
        let base = self.path.parent().unwrap_or(Path::new("/"));
        private_dir(base)?;
        sweep_dead_runs(base);
        DirBuilder::new().mode(0o700).create(&self.path)
    }

    /// Counts `bytes` more in `path`, then removes the oldest other files while the folder is
    /// over its cap.
    fn account(&self, path: &Path, bytes: u64) {
        let mut state = self.state();
        let Some(entry) = state.files.iter_mut().find(|(p, _)| p == path) else {
            // Already removed as the oldest: its bytes no longer count.
            return;
        };
        entry.1 += bytes;
        state.total += bytes;
        while state.total > self.folder_cap {
            let Some(i) = state.files.iter().position(|(p, _)| p != path) else {
                break;
            };
            let Some((old, size)) = state.files.remove(i) else {
                break;
            };
            state.total -= size;
            if let Err(e) = std::fs::remove_file(&old) {
                tracing::warn!(error = %e, path = %old.display(), "could not remove an old bash output file");
            }
        }
    }
}

impl Default for SpillFolder {
    fn default() -> Self {
        SpillFolder::new()
    }
}

impl std::fmt::Debug for SpillFolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpillFolder")
            .field("path", &self.path)
            .finish()
    }
}

impl Drop for SpillFolder {
    fn drop(&mut self) {
        if !self.state().created {
            return;
        }
        match std::fs::remove_dir_all(&self.path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(error = %e, path = %self.path.display(), "could not remove the bash output folder");
            }
        }
    }
}

/// `dir` as a directory only this user can enter: created 0700, or checked to be ours (not a
/// link someone else planted in a shared `/tmp`) and narrowed to 0700.
fn private_dir(dir: &Path) -> io::Result<()> {
    match DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => return Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    let meta = std::fs::symlink_metadata(dir)?;
    if !meta.is_dir() || meta.uid() != getuid().as_raw() {
        return Err(io::Error::other(format!(
            "{} is not a directory of this user",
            dir.display()
        )));
    }
    if meta.mode() & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Removes the folders of runs whose process is gone (pi killed before it could clean up).
fn sweep_dead_runs(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("run-"))
            .and_then(|n| n.split('-').next())
            .and_then(|p| p.parse::<i32>().ok())
        else {
            continue;
        };
        let gone = kill(Pid::from_raw(pid), None) == Err(nix::errno::Errno::ESRCH);
        if gone && let Err(e) = std::fs::remove_dir_all(entry.path()) {
            tracing::debug!(error = %e, "could not remove a stale bash output folder");
        }
    }
}

/// One call's output file; writes past the file cap are dropped and counted.
pub(crate) struct SpillFile {
    folder: Arc<SpillFolder>,
    file: File,
    path: PathBuf,
    written: u64,
    dropped: u64,
}

impl SpillFile {
    pub(crate) fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        let room = self.folder.file_cap.saturating_sub(self.written);
        let n = usize::try_from(room).unwrap_or(usize::MAX).min(chunk.len());
        self.dropped += (chunk.len() - n) as u64;
        if n == 0 {
            return Ok(());
        }
        self.file.write_all(&chunk[..n])?;
        self.written += n as u64;
        self.folder.account(&self.path, n as u64);
        Ok(())
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes left out because the file reached its cap.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }

    pub(crate) fn cap(&self) -> u64 {
        self.folder.file_cap
    }

    pub(crate) fn sync(&self) {
        let _ = self.file.sync_data();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn folder_and_files_are_private_and_removed_on_drop() {
        let base = tempfile::tempdir().unwrap();
        let folder = Arc::new(SpillFolder::with_caps(base.path().join("pi-x"), 100, 1000));
        let path = folder.path().to_path_buf();
        assert!(!path.exists(), "created only on first use");
        let mut f = folder.create_file().unwrap();
        f.write(b"hello").unwrap();
        assert_eq!(mode(&base.path().join("pi-x")), 0o700);
        assert_eq!(mode(&path), 0o700);
        assert_eq!(mode(f.path()), 0o600);
        assert_eq!(std::fs::read(f.path()).unwrap(), b"hello");
        drop(f);
        drop(folder);
        assert!(!path.exists());
    }

    #[test]
    fn a_file_keeps_its_cap_and_counts_the_rest() {
        let base = tempfile::tempdir().unwrap();
        let folder = Arc::new(SpillFolder::with_caps(base.path(), 10, 1000));
        let mut f = folder.create_file().unwrap();
        f.write(b"0123456").unwrap();
        f.write(b"789abcdef").unwrap();
        f.write(b"xyz").unwrap();
        assert_eq!(std::fs::read(f.path()).unwrap(), b"0123456789");
        assert_eq!(f.dropped(), 9);
    }

    #[test]
    fn the_folder_cap_removes_the_oldest_files_first() {
        let base = tempfile::tempdir().unwrap();
        let folder = Arc::new(SpillFolder::with_caps(base.path(), 40, 100));
        let mut files: Vec<SpillFile> = (0..3).map(|_| folder.create_file().unwrap()).collect();
        for f in &mut files {
            f.write(&[b'a'; 40]).unwrap();
        }
        // 120 bytes > 100: the first file went.
        assert!(!files[0].path().exists());
        assert!(files[1].path().exists() && files[2].path().exists());
        let mut fourth = folder.create_file().unwrap();
        fourth.write(&[b'b'; 30]).unwrap();
        assert!(!files[1].path().exists() && files[2].path().exists());
        assert!(fourth.path().exists());
    }

    #[test]
    fn a_shared_base_that_is_not_ours_is_refused() {
        let base = tempfile::tempdir().unwrap();
        let target = tempfile::tempdir().unwrap();
        let link = base.path().join("pi-0");
        std::os::unix::fs::symlink(target.path(), &link).unwrap();
        let folder = Arc::new(SpillFolder::with_caps(&link, 10, 100));
        assert!(folder.create_file().is_err());
    }

    #[test]
    fn folders_of_dead_runs_are_swept() {
        let base = tempfile::tempdir().unwrap();
        // No process has a pid this large (pid_max is at most 2^22).
        let stale = base.path().join("run-99999999-abc");
        std::fs::create_dir(&stale).unwrap();
        let mine = base.path().join(format!("run-{}-live", std::process::id()));
        std::fs::create_dir(&mine).unwrap();
        let folder = Arc::new(SpillFolder::with_caps(base.path(), 10, 100));
        folder.create_file().unwrap();
        assert!(!stale.exists());
        assert!(mine.exists());
    }
}
