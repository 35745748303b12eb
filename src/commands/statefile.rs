//! The project's JSON state files (`.pi/macros.json`, `.pi/profiles.json`): read leniently
//! (a missing file is empty), written atomically (temp file, fsync, rename), so a crash
//! leaves the old file or the new one, never half of one. A change (read, modify, write) holds
//! an exclusive lock on a sidecar `<file>.lock`, so two processes saving at once both land.

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::CommandError;

fn state_error(path: &Path, detail: impl Into<String>) -> CommandError {
    CommandError::StateFile {
        path: path.display().to_string(),
        detail: detail.into(),
    }
}

/// The file's contents, or the default when it does not exist.
pub fn read_json<T: DeserializeOwned + Default>(path: &Path) -> Result<T, CommandError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(T::default()),
        Err(e) => return Err(state_error(path, format!("cannot read it: {e}"))),
    };
    serde_json::from_str(&text).map_err(|e| {
        state_error(
            path,
            format!("is not valid ({e}); fix it or move it away to start a new one"),
        )
    })
}

/// Replaces the file with `value` as pretty JSON: a temp file in the same directory is
/// written, flushed to disk and renamed over the old file.
pub fn write_json_atomic<T: Serialize>(path: &Path, value: &T) -> Result<(), CommandError> {
    let mut bytes = serde_json::to_vec_pretty(value)
        .map_err(|e| state_error(path, format!("cannot serialize it: {e}")))?;
    bytes.push(b'\n');
    crate::private_fs::write_atomic(path, &bytes, None)
        .map_err(|e| state_error(path, format!("cannot write it: {e}")))?;
    Ok(())
}

/// Reads the file, applies `change` and writes the result, all under an exclusive lock on
/// `<file>.lock` (kept next to the file; the lock is the kernel's, so a crash cannot leave it
/// held). Nothing is written when `change` fails.
pub fn update_json<T, R>(
    path: &Path,
    change: impl FnOnce(&mut T) -> Result<R, CommandError>,
) -> Result<R, CommandError>
where
    T: Serialize + DeserializeOwned + Default,
{
    let _lock = lock_state(path)?;
    let mut value: T = read_json(path)?;
    let result = change(&mut value)?;
    write_json_atomic(path, &value)?;
    Ok(result)
}

/// Holds the exclusive lock of a state file until dropped.
struct StateLock(std::fs::File);

impl Drop for StateLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

fn lock_state(path: &Path) -> Result<StateLock, CommandError> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    let lock_path = path.with_file_name(name);
    if let Some(dir) = lock_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::private_fs::create_dir_all(dir)
            .map_err(|e| state_error(path, format!("cannot create {}: {e}", dir.display())))?;
    }
    let lock_err = |e: std::io::Error| {
        state_error(
            path,
            format!("cannot lock it through {}: {e}", lock_path.display()),
        )
    };
    let file = crate::private_fs::open_options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(lock_err)?;
    file.lock().map_err(lock_err)?;
    Ok(StateLock(file))
}

/// Whether `name` can name a macro or profile: letters, digits, `-`, `_`, `.`.
pub fn check_name(kind: &str, name: &str) -> Result<(), CommandError> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(CommandError::failed(format!(
            "'{name}' cannot name a {kind}: use letters, digits, '-', '_' and '.'"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn writes_atomically_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/state.json");
        let empty: BTreeMap<String, u32> = read_json(&path).unwrap();
        assert!(empty.is_empty());
        let mut m = BTreeMap::new();
        m.insert("a".to_string(), 1u32);
        write_json_atomic(&path, &m).unwrap();
        let back: BTreeMap<String, u32> = read_json(&path).unwrap();
        assert_eq!(back, m);
        // No temp file is left behind.
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(names.len(), 1);
        std::fs::write(&path, "{oops").unwrap();
        let err = read_json::<BTreeMap<String, u32>>(&path).unwrap_err();
        assert!(err.to_string().contains("is not valid"), "{err}");
    }

    #[test]
    fn concurrent_updates_all_land() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".pi/state.json");
        let threads: Vec<_> = (0..6)
            .map(|t| {
                let path = path.clone();
                std::thread::spawn(move || {
                    for i in 0..10 {
                        update_json(&path, |m: &mut BTreeMap<String, u32>| {
                            // Widen the window between the read and the write.
                            std::thread::sleep(std::time::Duration::from_micros(300));
                            m.insert(format!("{t}-{i}"), i);
                            Ok(())
                        })
                        .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let all: BTreeMap<String, u32> = read_json(&path).unwrap();
        assert_eq!(all.len(), 60);
        // A failed change writes nothing.
        let err = update_json(&path, |m: &mut BTreeMap<String, u32>| {
            m.clear();
            Err::<(), _>(CommandError::failed("no"))
        });
        assert!(err.is_err());
        assert_eq!(read_json::<BTreeMap<String, u32>>(&path).unwrap().len(), 60);
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("macro", "nightly-1.x").is_ok());
        assert!(check_name("macro", "two words").is_err());
        assert!(check_name("macro", "").is_err());
        assert!(check_name("macro", "../evil").is_err());
    }
}
