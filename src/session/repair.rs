//! `/session-repair` (rewrites a clean copy, keeps a backup) and `--session-validate`
//! (reads only).

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::error::{LoadWarning, SessionError};
use super::kinds::EntryKind;
use super::load::{self, AtReader};
use super::lock::{self, LockOptions};
use super::rewrite::{replace_file, write_err};
use super::scan::{self, SessionFormat};
use super::store::SessionStore;

/// An entry dropped by a repair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DroppedEntry {
    pub line: u64,
    pub id: String,
}

/// What a repair changed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RepairReport {
    pub path: PathBuf,
    /// False: the file was already clean and was not touched.
    pub changed: bool,
    pub backup: Option<PathBuf>,
    pub kept: usize,
    pub malformed_lines: Vec<u64>,
    pub torn_last_line: Option<u64>,
    pub blank_lines: usize,
    pub duplicate_ids: Vec<DroppedEntry>,
    pub missing_parents: Vec<DroppedEntry>,
    pub cycles: Vec<DroppedEntry>,
    /// Entries dropped because an ancestor was (the tree must stay whole).
    pub descendants_dropped: usize,
}

impl fmt::Display for RepairReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.changed {
            return write!(
                f,
                "{}: nothing to repair ({})",
                self.path.display(),
                crate::text::count(self.kept, "entry", "entries")
            );
        }
        let ids = |v: &[DroppedEntry]| {
            v.iter()
                .map(|d| format!("{} (line {})", d.id, d.line))
                .collect::<Vec<_>>()
                .join(", ")
        };
        writeln!(
            f,
            "{}: repaired, {} kept",
            self.path.display(),
            crate::text::count(self.kept, "entry", "entries")
        )?;
        if let Some(line) = self.torn_last_line {
            writeln!(f, "  removed the torn last line {line}")?;
        }
        if !self.malformed_lines.is_empty() {
            let lines: Vec<String> = self.malformed_lines.iter().map(u64::to_string).collect();
            writeln!(f, "  removed malformed lines {}", lines.join(", "))?;
        }
        if self.blank_lines > 0 {
            writeln!(
                f,
                "  removed {}",
                crate::text::count(self.blank_lines, "blank line", "blank lines")
            )?;
        }
        if !self.duplicate_ids.is_empty() {
            writeln!(f, "  dropped duplicate ids: {}", ids(&self.duplicate_ids))?;
        }
        if !self.missing_parents.is_empty() {
            writeln!(
                f,
                "  dropped entries with a missing parent: {}",
                ids(&self.missing_parents)
            )?;
        }
        if !self.cycles.is_empty() {
            writeln!(
                f,
                "  dropped entries in parent cycles: {}",
                ids(&self.cycles)
            )?;
        }
        if self.descendants_dropped > 0 {
            writeln!(
                f,
                "  dropped {} below those",
                crate::text::count(self.descendants_dropped, "entry", "entries")
            )?;
        }
        match &self.backup {
            Some(b) => write!(f, "  backup: {}", b.display()),
            None => write!(f, "  no backup"),
        }
    }
}

struct Rec {
    line: u64,
    id: Box<str>,
    parent: Option<Box<str>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Unknown,
    Visiting,
    Good,
    Bad,
}

/// Rewrites the session at `path` without torn, malformed, blank or duplicate lines, and
/// without entries whose parent is missing or that sit in a parent cycle (and everything
/// below them). Runs under the append lock; a clean file is left untouched.
pub fn repair_file(path: &Path, lock_opts: LockOptions) -> Result<RepairReport, SessionError> {
    let _guard = lock::acquire(path, lock_opts)?;
    let file = File::open(path).map_err(|e| SessionError::io(path, "open the session file", e))?;
    let (line1, terminated) =
        load::first_line(&file).map_err(|e| SessionError::io(path, "read the session file", e))?;
    let header = scan::parse_header(&line1).map_err(|detail| SessionError::NotASession {
        path: path.to_path_buf(),
        line: 1,
        detail,
    })?;
    if header.format == SessionFormat::LegacyV1 {
        return Err(SessionError::LegacyReadOnly {
            path: path.to_path_buf(),
        });
    }
    let mut report = RepairReport {
        path: path.to_path_buf(),
        ..RepairReport::default()
    };
    let mut recs: Vec<Rec> = Vec::new();
    let mut line_no = 1u64;
    let mut ends_with_newline = terminated;
    let start = line1.len() as u64 + u64::from(terminated);
    let mut reader = AtReader {
        file: &file,
        pos: start,
    };
    scan::for_each_line(&mut reader, start, |_, line, terminated| {
        line_no += 1;
        ends_with_newline = terminated;
        if scan::is_blank(line) {
            report.blank_lines += 1;
            return;
        }
        match scan::scan_line(SessionFormat::PiV3, line) {
            Ok(e) => recs.push(Rec {
                line: line_no,
                id: e.id,
                parent: e.parent,
            }),
            Err(_) if terminated => report.malformed_lines.push(line_no),
            Err(_) => report.torn_last_line = Some(line_no),
        }
    })
    .map_err(|e| SessionError::io(path, "read the session file", e))?;

    // First entry with an id wins; later copies go.
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    let mut state = vec![State::Unknown; recs.len()];
    for (i, r) in recs.iter().enumerate() {
        if by_id.contains_key(&*r.id) {
            state[i] = State::Bad;
            report.duplicate_ids.push(DroppedEntry {
                line: r.line,
                id: r.id.to_string(),
            });
        } else {
            by_id.insert(&r.id, i);
        }
    }
    let parent_of = |i: usize| -> Result<Option<usize>, ()> {
        match &recs[i].parent {
            None => Ok(None),
            Some(p) => by_id.get(&**p).copied().map(Some).ok_or(()),
        }
    };
    for i in 0..recs.len() {
        if state[i] != State::Unknown {
            continue;
        }
        let mut stack = vec![i];
        state[i] = State::Visiting;
        let verdict = loop {
            let top = *stack.last().unwrap_or(&i);
            match parent_of(top) {
                Ok(None) => break State::Good,
                Err(()) => {
                    report.missing_parents.push(dropped(&recs[top]));
                    stack.pop();
                    state[top] = State::Bad;
                    break State::Bad;
                }
                Ok(Some(p)) => match state[p] {
                    State::Good => break State::Good,
                    State::Bad => break State::Bad,
                    State::Unknown => {
                        state[p] = State::Visiting;
                        stack.push(p);
                    }
                    State::Visiting => {
                        // A cycle: p and everything above it on the stack.
                        while let Some(c) = stack.pop() {
                            report.cycles.push(dropped(&recs[c]));
                            state[c] = State::Bad;
                            if c == p {
                                break;
                            }
                        }
                        break State::Bad;
                    }
                },
            }
        };
        for c in stack {
            state[c] = verdict;
            if verdict == State::Bad {
                report.descendants_dropped += 1;
            }
        }
    }
    let dropped_lines: std::collections::HashSet<u64> = recs
        .iter()
        .zip(&state)
        .filter(|(_, s)| **s != State::Good)
        .map(|(r, _)| r.line)
        .collect();
    report.kept = recs.len() - dropped_lines.len();
    report.changed = !dropped_lines.is_empty()
        || !report.malformed_lines.is_empty()
        || report.torn_last_line.is_some()
        || report.blank_lines > 0
        || !ends_with_newline;
    if !report.changed {
        return Ok(report);
    }
    report.backup = replace_file(path, true, |out| {
        out.write_all(&line1).map_err(write_err(path))?;
        out.write_all(b"\n").map_err(write_err(path))?;
        let mut n = 1u64;
        let mut reader = AtReader {
            file: &file,
            pos: start,
        };
        let mut result = Ok(());
        scan::for_each_line(&mut reader, start, |_, line, _| {
            n += 1;
            let keep = !scan::is_blank(line)
                && !dropped_lines.contains(&n)
                && !report.malformed_lines.contains(&n)
                && report.torn_last_line != Some(n);
            if keep && result.is_ok() {
                result = out
                    .write_all(line)
                    .and_then(|()| out.write_all(b"\n"))
                    .map_err(write_err(path));
            }
        })
        .map_err(|e| SessionError::io(path, "read the session file", e))?;
        result
    })?;
    Ok(report)
}

fn dropped(r: &Rec) -> DroppedEntry {
    DroppedEntry {
        line: r.line,
        id: r.id.to_string(),
    }
}

impl SessionStore {
    /// Repairs this session's file (see `repair_file`) and reloads it.
    pub fn repair(&mut self) -> Result<RepairReport, SessionError> {
        let Some(path) = self.path().map(Path::to_path_buf) else {
            return Ok(RepairReport {
                path: self.label.clone(),
                kept: self.entry_count(),
                ..RepairReport::default()
            });
        };
        let head = self.head().map(str::to_string);
        let report = repair_file(&path, self.lock)?;
        if report.changed {
            self.reload(head.as_deref())?;
        }
        Ok(report)
    }
}

/// The result of `--session-validate`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidationReport {
    pub path: PathBuf,
    pub ok: bool,
    pub entries: usize,
    pub branches: usize,
    pub problems: Vec<String>,
}

impl fmt::Display for ValidationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.ok { "ok" } else { "FAILED" };
        write!(
            f,
            "{}: {verdict} ({}, {}, {})",
            self.path.display(),
            crate::text::count(self.entries, "entry", "entries"),
            crate::text::count(self.branches, "branch", "branches"),
            crate::text::count(self.problems.len(), "problem", "problems")
        )?;
        for p in &self.problems {
            write!(f, "\n  {p}")?;
        }
        Ok(())
    }
}

/// The lines of `path` (1-based) that are not valid UTF-8, each with the byte offset of the
/// first bad byte. The fast scan skips message bodies, so it cannot see them.
fn invalid_utf8_lines(path: &Path) -> std::io::Result<Vec<(u64, usize)>> {
    use std::io::BufRead;
    let mut reader = std::io::BufReader::new(File::open(path)?);
    let mut bad = Vec::new();
    let mut line = Vec::new();
    let mut number = 0u64;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(bad);
        }
        number += 1;
        if let Err(e) = std::str::from_utf8(&line) {
            bad.push((number, e.valid_up_to()));
        }
    }
}

/// Checks a session file without changing it: every line parses, ids are unique, parents
/// exist, no cycles, labels / aliases / head moves and compactions point at entries that exist,
/// every line is UTF-8.
pub fn validate_file(path: &Path) -> Result<ValidationReport, SessionError> {
    let (store, warnings) = match SessionStore::open_read_only(path) {
        Ok(opened) => opened,
        Err(e @ SessionError::NotASession { .. }) => {
            return Ok(ValidationReport {
                path: path.to_path_buf(),
                ok: false,
                entries: 0,
                branches: 0,
                problems: vec![e.to_string()],
            });
        }
        Err(e) => return Err(e),
    };
    let mut problems: Vec<String> = warnings.iter().map(LoadWarning::to_string).collect();
    let reported: std::collections::HashSet<u64> = warnings.iter().map(LoadWarning::line).collect();
    let bad_lines = invalid_utf8_lines(path).map_err(|e| SessionError::io(path, "read", e))?;
    for (line, at) in bad_lines {
        if !reported.contains(&line) {
            problems.push(format!(
                "{}:{line}: invalid UTF-8 {at} bytes into the line; its text cannot be read as written",
                path.display()
            ));
        }
    }
    let index = &store.index;
    let markers = [
        ("label", &index.labels),
        ("branch alias", &index.aliases),
        ("head move", &index.heads),
    ];
    for (what, list) in markers {
        for m in list {
            if let Some(t) = &m.target
                && index.get(t).is_none()
            {
                let line = index.node(m.entry).line;
                problems.push(format!(
                    "{}:{line}: {what} points to a missing entry '{t}'",
                    path.display()
                ));
            }
        }
    }
    for (i, n) in index.nodes.iter().enumerate() {
        if n.kind != EntryKind::Compaction {
            continue;
        }
        let v: serde_json::Value = store.parse_line(i as u32)?;
        let first = v["firstKeptEntryId"].as_str().unwrap_or_default();
        let on_path = index
            .get(first)
            .is_some_and(|k| index.lineage(i as u32).contains(&k));
        if !on_path {
            problems.push(format!(
                "{}:{}: compaction keeps from '{first}', which is not before it on its branch",
                path.display(),
                n.line
            ));
        }
    }
    Ok(ValidationReport {
        path: path.to_path_buf(),
        ok: problems.is_empty(),
        entries: store.entry_count(),
        branches: store.branch_count(),
        problems,
    })
}
