//! Files and directories only their owner may read: session files, lock files, logs and state
//! files pi creates are mode 0600, and the directories pi creates for them 0700. Existing
//! files and directories keep the mode they have. A leaf module: every layer may use it.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

/// Mode of a file pi creates.
pub const FILE_MODE: u32 = 0o600;
/// Mode of a directory pi creates.
pub const DIR_MODE: u32 = 0o700;

/// `create_dir_all`, each directory created 0700 (existing ones untouched).
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    DirBuilder::new().recursive(true).mode(DIR_MODE).create(dir)
}

/// Options that create a missing file 0600.
pub fn open_options() -> OpenOptions {
    let mut o = OpenOptions::new();
    o.mode(FILE_MODE);
    o
}

/// Opens `path` for appending, creating it 0600 (and its directory 0700) if missing.
pub fn open_append(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_dir_all(dir)?;
    }
    open_options().create(true).append(true).open(path)
}

/// Replaces `path` with `bytes` atomically: a temp file in the same directory (created 0700
/// if missing) is written, synced and renamed over it, then the directory is synced. A crash
/// leaves the old file or the new one, never a torn one. The file gets `mode`, or 0600 when
/// `None`.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: Option<u32>) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode.unwrap_or(FILE_MODE)))?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    if let Ok(d) = File::open(dir) {
        // The rename is durable once the directory is synced; a failure here loses nothing.
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn created_files_and_dirs_are_private_existing_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let file = dir.path().join("a/b/log.txt");
        open_append(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        assert_eq!(mode(&dir.path().join("a/b")), 0o700);
        assert_eq!(
            mode(dir.path()),
            0o755,
            "an existing directory keeps its mode"
        );
        let shared = dir.path().join("shared.txt");
        std::fs::write(&shared, "x").unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o644)).unwrap();
        open_append(&shared).unwrap();
        assert_eq!(mode(&shared), 0o644, "an existing file keeps its mode");
    }
}
