//! Moving entries between files: `/session-export` (the active lineage as a new session),
//! `/session-import` (merge with remapped ids, or replace) and `/session-compact` (keep only
//! the active lineage). Lines are copied byte for byte unless an id they mention changes.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Serialize;
use serde_json::{Map, Value};

use super::convert::legacy_message;
use super::entry::{EntryData, render_line};
use super::error::SessionError;
use super::id::{self, new_entry_id};
use super::kinds::{ALIAS_CUSTOM_TYPE, EntryKind};
use super::rewrite::{replace_file, write_err};
use super::scan::SessionFormat;
use super::store::{SessionStore, header_line_with};

/// How `/session-import` combines the files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ImportMode {
    /// Add the other session's entries; ids that collide get new ones.
    #[default]
    Merge,
    /// Replace this session's entries with the other's (a backup is kept).
    Replace,
}

impl FromStr for ImportMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "merge" => Ok(ImportMode::Merge),
            "replace" => Ok(ImportMode::Replace),
            other => Err(format!(
                "unknown import mode '{other}'; use merge or replace"
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportReport {
    pub mode: ImportMode,
    pub source: PathBuf,
    pub imported: usize,
    /// (id in the source, id given here) for every id that collided.
    pub remapped: Vec<(String, String)>,
    /// Where the imported session's head is now (`/branch` there to continue it).
    pub imported_head: Option<String>,
    pub backup: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportReport {
    pub path: PathBuf,
    pub entries: usize,
    pub head: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompactReport {
    pub kept: usize,
    pub dropped: usize,
    pub backup: Option<PathBuf>,
}

/// One line to copy: its bytes (no `\n`) and what the index knows of it.
struct SourceLine {
    bytes: Vec<u8>,
    id: String,
    parent: Option<String>,
    kind: EntryKind,
}

/// The lines of `idxs` in today's format: verbatim for pi files; converted (with `system`
/// messages left out and their children re-parented) for the older rust-pi format.
fn source_lines(src: &SessionStore, idxs: &[u32]) -> Result<Vec<SourceLine>, SessionError> {
    let legacy = src.header.format == SessionFormat::LegacyV1;
    let now = id::now_iso();
    let mut skipped: HashMap<String, Option<String>> = HashMap::new();
    let mut out = Vec::with_capacity(idxs.len());
    src.read_lines(idxs, |i, line| {
        let node = src.index.node(i);
        let id = node.id.to_string();
        let mut parent = src
            .index
            .parent(i)
            .map(|p| src.index.node(p).id.to_string());
        if !legacy {
            out.push(SourceLine {
                bytes: line.to_vec(),
                id,
                parent,
                kind: node.kind,
            });
            return Ok(());
        }
        while let Some(p) = parent.as_ref().and_then(|p| skipped.get(p)) {
            parent = p.clone();
        }
        let message = legacy_message(line).map_err(|detail| SessionError::CorruptEntry {
            path: src.label.clone(),
            line: u64::from(node.line),
            detail,
        })?;
        let Some(message) = message else {
            skipped.insert(id, parent);
            return Ok(());
        };
        let mut bytes = render_line(
            &EntryData::Message { message },
            &id,
            parent.as_deref(),
            &now,
        )
        .map_err(|e| SessionError::Invalid {
            path: src.label.clone(),
            detail: format!("cannot convert line {}: {e}", node.line),
        })?;
        bytes.pop();
        out.push(SourceLine {
            bytes,
            id,
            parent,
            kind: EntryKind::Message,
        });
        Ok(())
    })?;
    Ok(out)
}

/// Rewrites the ids a line mentions through `remap`; a parent outside `known` becomes null.
fn remap_line(
    line: &SourceLine,
    remap: &HashMap<String, String>,
    known: &HashSet<&str>,
) -> Result<Option<Vec<u8>>, serde_json::Error> {
    let touches = |id: &str| remap.contains_key(id);
    let parent_lost = line.parent.as_deref().is_some_and(|p| !known.contains(p));
    let simple = !touches(&line.id)
        && !line.parent.as_deref().is_some_and(touches)
        && !parent_lost
        && !matches!(
            line.kind,
            EntryKind::Label
                | EntryKind::Head
                | EntryKind::BranchAlias
                | EntryKind::Compaction
                | EntryKind::BranchSummary
        );
    if simple {
        return Ok(None);
    }
    let mut v: Map<String, Value> = serde_json::from_slice(&line.bytes)?;
    let fix = |v: &mut Value| {
        if let Some(new) = v.as_str().and_then(|s| remap.get(s)) {
            *v = Value::String(new.clone());
        }
    };
    for key in ["id", "parentId", "targetId", "firstKeptEntryId", "fromId"] {
        if let Some(x) = v.get_mut(key) {
            fix(x);
        }
    }
    if parent_lost {
        v.insert("parentId".into(), Value::Null);
    }
    if let Some(Value::Object(data)) = v.get_mut("data") {
        for key in ["headId", "previousHeadId", "targetId"] {
            if let Some(x) = data.get_mut(key) {
                fix(x);
            }
        }
    }
    // pi's field order first, then the rest.
    let mut out = b"{".to_vec();
    let mut first = true;
    let mut put = |k: &str, val: &Value, out: &mut Vec<u8>| -> Result<(), serde_json::Error> {
        if !first {
            out.push(b',');
        }
        first = false;
        serde_json::to_writer(&mut *out, k)?;
        out.push(b':');
        serde_json::to_writer(&mut *out, val)
    };
    for key in ["type", "id", "parentId", "timestamp"] {
        if let Some(val) = v.remove(key) {
            put(key, &val, &mut out)?;
        }
    }
    for (k, val) in &v {
        put(k, val, &mut out)?;
    }
    out.push(b'}');
    Ok(Some(out))
}

impl SessionStore {
    fn io_error(&self, e: serde_json::Error) -> SessionError {
        SessionError::Invalid {
            path: self.label.clone(),
            detail: format!("cannot rewrite an entry: {e}"),
        }
    }

    /// Writes the active lineage as a new, standalone session file at `dest`.
    pub fn export_active(&self, dest: &Path) -> Result<ExportReport, SessionError> {
        if let Some(own) = self.path()
            && same_file(own, dest)
        {
            return Err(SessionError::Invalid {
                path: dest.to_path_buf(),
                detail: "is this session's own file; export to another path".into(),
            });
        }
        let mut lineage = self.head.map(|h| self.index.lineage(h)).unwrap_or_default();
        lineage.reverse();
        let lines = source_lines(self, &lineage)?;
        let parent = self.path().map(|p| p.display().to_string());
        let header = header_line_with(
            &id::new_session_id(),
            Path::new(&self.header.cwd),
            parent.as_deref(),
        );
        replace_file(dest, false, |out| {
            out.write_all(&header).map_err(write_err(dest))?;
            for l in &lines {
                out.write_all(&l.bytes).map_err(write_err(dest))?;
                out.write_all(b"\n").map_err(write_err(dest))?;
            }
            Ok(())
        })?;
        Ok(ExportReport {
            path: dest.to_path_buf(),
            entries: lines.len(),
            head: lines.last().map(|l| l.id.clone()),
        })
    }

    /// Imports the session at `src` (pi's format or the older rust-pi one). A file that is
    /// not a session is refused before anything changes.
    pub fn import(&mut self, src: &Path, mode: ImportMode) -> Result<ImportReport, SessionError> {
        if let Some(own) = self.path()
            && same_file(own, src)
        {
            return Err(SessionError::Invalid {
                path: src.to_path_buf(),
                detail: "is this session's own file; import another session".into(),
            });
        }
        let (source, _warnings) = SessionStore::open_read_only(src)?;
        let all: Vec<u32> = (0..source.index.len() as u32)
            .filter(|&i| {
                mode == ImportMode::Replace || source.index.node(i).kind != EntryKind::Head
            })
            .collect();
        let lines = source_lines(&source, &all)?;
        let source_head = source.head.map(|h| source.index.node(h).id.to_string());
        match mode {
            ImportMode::Merge => self.merge_lines(src, lines, source_head),
            ImportMode::Replace => self.replace_with(src, lines),
        }
    }

    fn merge_lines(
        &mut self,
        src: &Path,
        lines: Vec<SourceLine>,
        source_head: Option<String>,
    ) -> Result<ImportReport, SessionError> {
        let guard = self.begin_write()?;
        let src_ids: HashSet<&str> = lines.iter().map(|l| l.id.as_str()).collect();
        let mut remap: HashMap<String, String> = HashMap::new();
        let mut assigned: HashSet<String> = HashSet::new();
        let mut remapped = Vec::new();
        for l in &lines {
            if self.contains(&l.id) {
                let new = new_entry_id(|c| {
                    self.contains(c) || src_ids.contains(c) || assigned.contains(c)
                });
                assigned.insert(new.clone());
                remapped.push((l.id.clone(), new.clone()));
                remap.insert(l.id.clone(), new);
            }
        }
        let mut buf = Vec::new();
        for l in &lines {
            match remap_line(l, &remap, &src_ids).map_err(|e| self.io_error(e))? {
                Some(b) => buf.extend_from_slice(&b),
                None => buf.extend_from_slice(&l.bytes),
            }
            buf.push(b'\n');
        }
        self.write_lines(&buf)?;
        drop(guard);
        let imported_head = source_head.map(|h| remap.get(&h).cloned().unwrap_or(h));
        // Reopening should land on our head, not on the last imported entry.
        match self.head().map(str::to_string) {
            Some(h) => {
                let data = EntryData::Custom {
                    custom_type: super::kinds::HEAD_CUSTOM_TYPE.to_string(),
                    data: Some(serde_json::json!({ "headId": h, "previousHeadId": h })),
                };
                self.append_line(&data, Some(&h))?;
            }
            None => self.head = imported_head.as_deref().and_then(|h| self.index.get(h)),
        }
        Ok(ImportReport {
            mode: ImportMode::Merge,
            source: src.to_path_buf(),
            imported: lines.len(),
            remapped,
            imported_head,
            backup: None,
        })
    }

    fn replace_with(
        &mut self,
        src: &Path,
        lines: Vec<SourceLine>,
    ) -> Result<ImportReport, SessionError> {
        let guard = self.begin_write()?;
        let header = self.read_header_line()?;
        let backup = self.rewrite_file(|out, dest| {
            out.write_all(&header).map_err(write_err(dest))?;
            for l in &lines {
                out.write_all(&l.bytes).map_err(write_err(dest))?;
                out.write_all(b"\n").map_err(write_err(dest))?;
            }
            Ok(())
        })?;
        drop(guard);
        self.head = self.index.default_head();
        Ok(ImportReport {
            mode: ImportMode::Replace,
            source: src.to_path_buf(),
            imported: lines.len(),
            remapped: Vec::new(),
            imported_head: self.head().map(str::to_string),
            backup,
        })
    }

    /// Keeps only the active lineage (and the bookmarks and aliases on it); a backup of the
    /// old file is kept.
    pub fn compact_to_active(&mut self) -> Result<CompactReport, SessionError> {
        let guard = self.begin_write()?;
        let mut lineage = self.head.map(|h| self.index.lineage(h)).unwrap_or_default();
        lineage.reverse();
        let kept_ids: HashSet<String> = lineage
            .iter()
            .map(|&i| self.index.node(i).id.to_string())
            .collect();
        let mut markers: HashMap<String, Vec<EntryData>> = HashMap::new();
        for b in self.bookmarks() {
            if kept_ids.contains(&b.target_id) {
                markers
                    .entry(b.target_id.clone())
                    .or_default()
                    .push(EntryData::Label {
                        target_id: b.target_id,
                        label: Some(b.name),
                    });
            }
        }
        for a in self.branch_aliases() {
            if kept_ids.contains(&a.target_id) {
                markers
                    .entry(a.target_id.clone())
                    .or_default()
                    .push(EntryData::Custom {
                        custom_type: ALIAS_CUSTOM_TYPE.to_string(),
                        data: Some(serde_json::json!({ "name": a.name, "targetId": a.target_id })),
                    });
            }
        }
        let lines = source_lines(self, &lineage)?;
        let header = self.read_header_line()?;
        let now = id::now_iso();
        let mut taken: HashSet<String> = kept_ids.clone();
        let mut body = Vec::new();
        for l in &lines {
            body.extend_from_slice(&l.bytes);
            body.push(b'\n');
            for data in markers.remove(&l.id).unwrap_or_default() {
                let id = new_entry_id(|c| taken.contains(c));
                taken.insert(id.clone());
                body.extend(
                    render_line(&data, &id, Some(&l.id), &now).map_err(|e| self.io_error(e))?,
                );
            }
        }
        let dropped = self.entry_count().saturating_sub(lines.len());
        let kept = taken.len();
        let backup = self.rewrite_file(|out, dest| {
            out.write_all(&header).map_err(write_err(dest))?;
            out.write_all(&body).map_err(write_err(dest))
        })?;
        drop(guard);
        Ok(CompactReport {
            kept,
            dropped,
            backup,
        })
    }

    /// Line 1 with its `\n`.
    fn read_header_line(&self) -> Result<Vec<u8>, SessionError> {
        let len = self
            .index
            .nodes
            .first()
            .map_or(self.tail.scanned, |n| n.offset);
        let mut bytes = self.read_range(0, len as usize, 1)?;
        while bytes.last().is_some_and(u8::is_ascii_whitespace) {
            bytes.pop();
        }
        bytes.push(b'\n');
        Ok(bytes)
    }

    /// Replaces the whole session (file or memory) with what `write` produces and reloads.
    fn rewrite_file(
        &mut self,
        write: impl FnOnce(&mut dyn Write, &Path) -> Result<(), SessionError>,
    ) -> Result<Option<PathBuf>, SessionError> {
        let head = self.head().map(str::to_string);
        match self.path().map(Path::to_path_buf) {
            Some(path) => {
                let backup = replace_file(&path, true, |out| write(out, &path))?;
                self.reload(head.as_deref())?;
                Ok(backup)
            }
            None => {
                let mut bytes = Vec::new();
                write(&mut bytes, &self.label.clone())?;
                self.reload_memory(bytes, head.as_deref())?;
                Ok(None)
            }
        }
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}
