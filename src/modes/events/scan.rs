//! Reading the events dir: every `NAME.json` directly in it (not hidden, not in subfolders)
//! is parsed; a bad file becomes a [`Problem`] and the others still load. Ids are unique:
//! the first file by name keeps an id, later ones with it are problems.
//!
//! Many files are read on several threads (`std::thread::scope`): reading and parsing
//! 10,000 small files is mostly system calls, which run in parallel.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::event::{Event, parse_event};

/// Largest event file read, in bytes; a prompt longer than this belongs in a file it names.
pub const MAX_EVENT_FILE_BYTES: u64 = 1024 * 1024;
/// Below this many files one thread is quicker than starting more.
const FILES_PER_THREAD: usize = 512;
/// Most threads a scan uses.
const MAX_THREADS: usize = 8;

/// A file that was skipped, and why (one line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file.
    pub file: PathBuf,
    /// Why it was skipped.
    pub reason: String,
}

/// What a scan found: events in file-name order, and the files skipped.
#[derive(Debug, Default)]
pub struct Scan {
    /// The events, in file-name order, ids unique.
    pub events: Vec<Event>,
    /// Files that could not be used, in file-name order.
    pub problems: Vec<Problem>,
}

/// Scans `dir`. Only a failure to list `dir` itself is an error (its message names the
/// folder); every file's trouble is a [`Problem`].
pub fn scan(dir: &Path) -> Result<Scan, String> {
    let files = event_files(dir)?;
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(MAX_THREADS)
        .min(files.len().div_ceil(FILES_PER_THREAD))
        .max(1);
    let parsed: Vec<Result<Event, Problem>> = if threads == 1 {
        files.iter().map(|f| read_event(f)).collect()
    } else {
        let chunk = files.len().div_ceil(threads);
        std::thread::scope(|s| {
            let handles: Vec<_> = files
                .chunks(chunk)
                .map(|part| s.spawn(move || part.iter().map(|f| read_event(f)).collect::<Vec<_>>()))
                .collect();
            let mut all = Vec::with_capacity(files.len());
            for (handle, part) in handles.into_iter().zip(files.chunks(chunk)) {
                match handle.join() {
                    Ok(results) => all.extend(results),
                    // A parser panic is a bug; the files it held are reported, not lost.
                    Err(_) => all.extend(part.iter().map(|f| {
                        Err(Problem {
                            file: f.clone(),
                            reason: "internal error while reading this file".into(),
                        })
                    })),
                }
            }
            all
        })
    };
    let mut out = Scan::default();
    let mut seen: HashSet<String> = HashSet::with_capacity(parsed.len());
    for result in parsed {
        match result {
            Ok(event) if seen.contains(&event.id) => {
                let first = out
                    .events
                    .iter()
                    .find(|e| e.id == event.id)
                    .map(|e| file_name(&e.file))
                    .unwrap_or_default();
                out.problems.push(Problem {
                    reason: format!("duplicate id {:?} (already used by {first})", event.id),
                    file: event.file,
                });
            }
            Ok(event) => {
                seen.insert(event.id.clone());
                out.events.push(event);
            }
            Err(problem) => out.problems.push(problem),
        }
    }
    Ok(out)
}

/// The event files in `dir`, sorted by name: `*.json`, not starting with `.`, regular files
/// (or links to them).
pub fn event_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot list the events dir {}: {e}", dir.display()))?;
    let mut names = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(text) = name.to_str() else { continue };
        if text.starts_with('.') || !text.ends_with(".json") {
            continue;
        }
        let is_file = match entry.file_type() {
            Ok(t) if t.is_symlink() => entry.path().is_file(),
            Ok(t) => t.is_file(),
            Err(_) => false,
        };
        if is_file {
            names.push(name);
        }
    }
    // Sorting names as bytes, not paths (which compare component by component), is a tenth
    // of the cost.
    names.sort_unstable();
    Ok(names.into_iter().map(|n| dir.join(n)).collect())
}

fn read_event(file: &Path) -> Result<Event, Problem> {
    let problem = |reason: String| Problem {
        file: file.to_path_buf(),
        reason,
    };
    let text = read_limited(file).map_err(problem)?;
    parse_event(&text, file).map_err(problem)
}

fn read_limited(file: &Path) -> Result<String, String> {
    use std::io::Read;
    let mut f = std::fs::File::open(file).map_err(|e| format!("cannot read it: {e}"))?;
    // Room for a typical event up front; a read that does not fill the room is the end of a
    // regular file, which saves the extra read (a tenth of a scan) that `read_to_end` makes.
    let mut bytes = vec![0; 8 * 1024];
    let mut len = 0;
    loop {
        if len == bytes.len() {
            if len as u64 > MAX_EVENT_FILE_BYTES {
                return Err(format!("over {MAX_EVENT_FILE_BYTES} bytes"));
            }
            bytes.resize(len * 2, 0);
        }
        match f.read(&mut bytes[len..]) {
            Ok(0) => break,
            Ok(n) => {
                len += n;
                if len < bytes.len() {
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("cannot read it: {e}")),
        }
    }
    if len as u64 > MAX_EVENT_FILE_BYTES {
        return Err(format!("over {MAX_EVENT_FILE_BYTES} bytes"));
    }
    bytes.truncate(len);
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text".into())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
#[path = "scan_tests.rs"]
mod tests;
