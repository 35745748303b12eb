//! Whole-file writes, for the few operations that must rewrite (repair, compact, replace
//! import) or that write another file (export, graph): a temp file in the same directory,
//! fsync, then an atomic rename. The old file is kept as a backup first (a hard link, so
//! the path never goes missing).

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::error::SessionError;

/// Replaces `dest` with what `write` produces. With `backup`, an existing `dest` is kept as
/// `<dest>.bak-<UTC time>` first; its path comes back.
pub(crate) fn replace_file(
    dest: &Path,
    backup: bool,
    write: impl FnOnce(&mut dyn Write) -> Result<(), SessionError>,
) -> Result<Option<PathBuf>, SessionError> {
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    crate::private_fs::create_dir_all(&dir)
        .map_err(|e| SessionError::io(&dir, "create the directory", e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".pi-session-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|e| SessionError::io(&dir, "create a temporary file", e))?;
    {
        let mut out = BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
        write(&mut out)?;
        out.flush()
            .map_err(|e| SessionError::io(dest, "write the new file", e))?;
    }
    tmp.as_file()
        .sync_all()
        .map_err(|e| SessionError::io(dest, "write the new file", e))?;
    let old_meta = fs::metadata(dest).ok();
    if let Some(meta) = &old_meta {
        // Keep the permissions the old file had (a temp file starts private).
        let _ = tmp.as_file().set_permissions(meta.permissions());
    }
    let backup_path = match (&old_meta, backup) {
        (Some(_), true) => Some(make_backup(dest)?),
        _ => None,
    };
    tmp.persist(dest)
        .map_err(|e| SessionError::io(dest, "replace the file", e.error))?;
    #[cfg(unix)]
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(backup_path)
}

fn make_backup(path: &Path) -> Result<PathBuf, SessionError> {
    let stamp = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%S%.3fZ");
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".bak-{stamp}"));
    let mut backup = path.with_file_name(&name);
    for n in 1.. {
        if !backup.exists() {
            break;
        }
        let mut numbered = name.clone();
        numbered.push(format!("-{n}"));
        backup = path.with_file_name(numbered);
    }
    if fs::hard_link(path, &backup).is_err() {
        fs::copy(path, &backup).map_err(|e| SessionError::io(&backup, "write the backup", e))?;
    }
    Ok(backup)
}

/// Maps an I/O error while writing a new file.
pub(crate) fn write_err(dest: &Path) -> impl Fn(std::io::Error) -> SessionError + '_ {
    move |e| SessionError::io(dest, "write the new file", e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_atomically_and_keeps_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        fs::write(&path, "old\n").unwrap();
        let backup = replace_file(&path, true, |w| {
            w.write_all(b"new\n").map_err(write_err(&path))
        })
        .unwrap()
        .unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
        assert_eq!(fs::read_to_string(&backup).unwrap(), "old\n");
        let second = replace_file(&path, true, |_| Ok(())).unwrap().unwrap();
        assert_ne!(second, backup);
        let leftovers = fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".tmp")
            })
            .count();
        assert_eq!(leftovers, 0);
    }

    #[test]
    fn a_failed_write_leaves_the_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        fs::write(&path, "old\n").unwrap();
        let err = replace_file(&path, true, |_| {
            Err(SessionError::Invalid {
                path: path.clone(),
                detail: "boom".into(),
            })
        });
        assert!(err.is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), "old\n");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
