//! Writing a file's new content whole: a temp file in the same directory, renamed over the
//! target, so a reader (or a crash mid-write) never sees half a file. An existing file keeps
//! its permissions, and a symlink keeps pointing at its target, which is the file replaced.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Replaces (or creates) `path` with `bytes`. No fsync: the rename is for readers and torn
/// writes; the tools' latency budget has no room for a disk flush per write.
pub(crate) async fn replace_file(path: &Path, bytes: Vec<u8>) -> std::io::Result<()> {
    let path = path.to_path_buf();
    match tokio::task::spawn_blocking(move || replace_file_blocking(&path, &bytes)).await {
        Ok(result) => result,
        Err(e) => Err(std::io::Error::other(e)),
    }
}

fn replace_file_blocking(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let target = resolve_symlink(path);
    let existing = std::fs::metadata(&target).ok();
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(&dir)?;
    tmp.write_all(bytes)?;
    // An existing file keeps its mode; a new one gets what the umask allows (the temp file
    // was created 0600).
    let permissions = match existing {
        Some(meta) => meta.permissions(),
        None => {
            use std::os::unix::fs::PermissionsExt;
            std::fs::Permissions::from_mode(0o666 & !process_umask())
        }
    };
    tmp.as_file().set_permissions(permissions)?;
    tmp.persist(&target).map_err(|e| e.error)?;
    Ok(())
}

/// The process's umask, read without changing it (`umask(2)` can only be read by setting it,
/// which races with other threads creating files). 0o022 when the kernel does not say.
fn process_umask() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        })
        .unwrap_or(0o022)
}

/// The file a symlink at `path` ends at (the path itself when it is no symlink or dangles).
fn resolve_symlink(path: &Path) -> PathBuf {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn replaces_keeping_permissions_and_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("run.sh");
        std::fs::write(&file, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o750)).unwrap();
        }
        let before = std::fs::metadata(&file).unwrap();
        replace_file(&file, b"new".to_vec()).await.unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "new");
        let after = std::fs::metadata(&file).unwrap();
        assert_eq!(after.permissions(), before.permissions());
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            // A new inode: the content was renamed in, not written in place.
            assert_ne!(after.ino(), before.ino());
            let link = dir.path().join("link.sh");
            std::os::unix::fs::symlink(&file, &link).unwrap();
            replace_file(&link, b"via link".to_vec()).await.unwrap();
            assert!(
                std::fs::symlink_metadata(&link)
                    .unwrap()
                    .file_type()
                    .is_symlink()
            );
            assert_eq!(std::fs::read_to_string(&file).unwrap(), "via link");
        }
        // No temp files are left behind.
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
        replace_file(&dir.path().join("fresh.txt"), b"x".to_vec())
            .await
            .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("fresh.txt"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o666 & !process_umask(), "{mode:o}");
            assert_ne!(mode & 0o777, 0o600, "a new file is not left 0600");
        }
        assert_eq!(
            std::fs::read_to_string(dir.path().join("fresh.txt")).unwrap(),
            "x"
        );
    }
}
