//! Removing malformed lines from a JSONL file, with a backup first.

use std::path::{Path, PathBuf};

use super::StoreError;

/// A line a repair removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovedLine {
    /// 1-based line number.
    pub line: u64,
    /// The start of the line (at most 60 characters, control characters escaped).
    pub excerpt: String,
}

/// What [`repair_jsonl`] did to a file that needed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonlRepair {
    /// The file repaired.
    pub path: PathBuf,
    /// The copy of the file as it was.
    pub backup: PathBuf,
    /// The lines removed.
    pub removed: Vec<RemovedLine>,
}

fn excerpt(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line);
    let mut out: String = text
        .chars()
        .take(60)
        .flat_map(char::escape_default)
        .collect();
    if text.chars().count() > 60 {
        out.push('…');
    }
    out
}

/// Removes the lines of `path` that are not JSON objects (blank lines are dropped silently).
/// The old file is first copied to `<file>.bak-<unix seconds>` (`-1`, `-2`, ... appended if
/// that exists), then the clean content
/// replaces it atomically. `Ok(None)`: missing or already clean, left untouched.
pub fn repair_jsonl(path: &Path, now_unix: i64) -> Result<Option<JsonlRepair>, StoreError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StoreError::new(path, "read the file", e)),
    };
    let mut kept = Vec::with_capacity(bytes.len());
    let mut removed = Vec::new();
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        match serde_json::from_slice::<serde_json::Value>(line) {
            Ok(v) if v.is_object() => {
                kept.extend_from_slice(line);
                kept.push(b'\n');
            }
            _ => removed.push(RemovedLine {
                line: i as u64 + 1,
                excerpt: excerpt(line),
            }),
        }
    }
    if kept == bytes {
        return Ok(None);
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut backup = path.with_file_name(format!("{name}.bak-{now_unix}"));
    let mut n = 1;
    while backup.exists() {
        // Two repairs in the same second never overwrite the first backup.
        backup = path.with_file_name(format!("{name}.bak-{now_unix}-{n}"));
        n += 1;
    }
    crate::private_fs::write_atomic(&backup, &bytes, None)
        .map_err(|e| StoreError::new(&backup, "write the backup", e))?;
    crate::private_fs::write_atomic(path, &kept, None)
        .map_err(|e| StoreError::new(path, "write the repaired file", e))?;
    Ok(Some(JsonlRepair {
        path: path.to_path_buf(),
        backup,
        removed,
    }))
}
