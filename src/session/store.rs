//! `SessionStore`: an open session file (or an in-memory one for `--no-session`). It keeps only
//! the index in memory; each append is one locked `write` of one line at the end of the file.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::entry::{EntryData, render_line};
use super::error::{LoadWarning, SessionError};
use super::id;
use super::index::Index;
use super::load::{self, Tail};
use super::lock::{self, LockOptions};
use super::scan::{self, SessionFormat, SessionHeader};
use crate::ai::types::{Message, ThinkingLevel};

/// An open session.
pub struct SessionStore {
    pub(super) backend: Backend,
    /// The path shown in messages (`<in-memory session>` without a file).
    pub(super) label: PathBuf,
    pub(super) header: SessionHeader,
    pub(super) index: Index,
    pub(super) head: Option<u32>,
    /// The head before the last `set_head` (for the default diff).
    pub(super) previous_head: Option<Box<str>>,
    pub(super) tail: Tail,
    pub(super) lock: LockOptions,
}

pub(super) enum Backend {
    File(FileBackend),
    /// The lines of an in-memory session, header included, exactly as a file would hold them.
    Memory(Vec<u8>),
}

pub(super) struct FileBackend {
    pub path: PathBuf,
    pub file: File,
    pub writable: bool,
    /// (device, inode) of the open file, to notice a file replaced by another process.
    pub identity: Option<(u64, u64)>,
}

#[derive(Serialize)]
struct HeaderLine<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    version: u32,
    id: &'a str,
    timestamp: &'a str,
    cwd: &'a str,
    #[serde(rename = "parentSession", skip_serializing_if = "Option::is_none")]
    parent_session: Option<&'a str>,
}

/// The header line of a new session, `\n` included.
pub(crate) fn header_line(session_id: &str, cwd: &Path) -> Vec<u8> {
    header_line_with(session_id, cwd, None)
}

/// The header line of a session forked from `parent_session`, `\n` included.
pub(crate) fn header_line_with(
    session_id: &str,
    cwd: &Path,
    parent_session: Option<&str>,
) -> Vec<u8> {
    let cwd = cwd.to_string_lossy();
    let mut line = serde_json::to_vec(&HeaderLine {
        kind: "session",
        version: 3,
        id: session_id,
        timestamp: &id::now_iso(),
        cwd: &cwd,
        parent_session,
    })
    .unwrap_or_default();
    line.push(b'\n');
    line
}

pub(super) fn identity(meta: &fs::Metadata) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

/// Opens `path` for reading and appending, read-only if we may not write it.
pub(super) fn open_file(path: &Path) -> Result<(File, bool), SessionError> {
    match crate::private_fs::open_options()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
    {
        Ok(f) => Ok((f, true)),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied && path.exists() => {
            let f =
                File::open(path).map_err(|e| SessionError::io(path, "open the session file", e))?;
            Ok((f, false))
        }
        Err(e) => Err(SessionError::io(path, "open the session file", e)),
    }
}

/// The previous head recorded by the last head entry, if that entry set today's head.
pub(super) fn recorded_previous_head(index: &Index, head: Option<u32>) -> Option<Box<str>> {
    let last = index.heads.last()?;
    (index.head_target(last.entry) == head && head.is_some())
        .then(|| last.name.clone())
        .flatten()
}

impl SessionStore {
    /// Opens (or creates, with its parent directories and a v3 header) the session at `path`.
    /// Problems that do not stop loading (a torn last line, a malformed line, ...) come back
    /// as warnings.
    pub fn open(
        path: &Path,
        cwd: &Path,
        lock: LockOptions,
    ) -> Result<(SessionStore, Vec<LoadWarning>), SessionError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            crate::private_fs::create_dir_all(parent)
                .map_err(|e| SessionError::io(parent, "create the session directory", e))?;
        }
        let (file, writable) = open_file(path)?;
        let meta = file
            .metadata()
            .map_err(|e| SessionError::io(path, "read the session file", e))?;
        if meta.len() == 0 && writable {
            let _guard = lock::acquire(path, lock)?;
            let len = file
                .metadata()
                .map_err(|e| SessionError::io(path, "read the session file", e))?
                .len();
            if len == 0 {
                (&file)
                    .write_all(&header_line(&id::new_session_id(), cwd))
                    .map_err(|e| SessionError::io(path, "write the session header", e))?;
            }
        }
        let loaded = load::load(&file, path)?;
        let head = loaded.index.default_head();
        let store = SessionStore {
            backend: Backend::File(FileBackend {
                path: path.to_path_buf(),
                identity: identity(&meta),
                file,
                writable,
            }),
            label: path.to_path_buf(),
            header: loaded.header,
            head,
            previous_head: recorded_previous_head(&loaded.index, head),
            index: loaded.index,
            tail: loaded.tail,
            lock,
        };
        Ok((store, loaded.warnings))
    }

    /// Opens an existing session without creating or writing anything (appends fail).
    pub fn open_read_only(path: &Path) -> Result<(SessionStore, Vec<LoadWarning>), SessionError> {
        let file =
            File::open(path).map_err(|e| SessionError::io(path, "open the session file", e))?;
        let meta = file
            .metadata()
            .map_err(|e| SessionError::io(path, "read the session file", e))?;
        if meta.is_dir() {
            return Err(SessionError::io(
                path,
                "open the session file",
                std::io::ErrorKind::IsADirectory.into(),
            ));
        }
        let loaded = load::load(&file, path)?;
        let head = loaded.index.default_head();
        let store = SessionStore {
            backend: Backend::File(FileBackend {
                path: path.to_path_buf(),
                identity: identity(&meta),
                file,
                writable: false,
            }),
            label: path.to_path_buf(),
            header: loaded.header,
            head,
            previous_head: recorded_previous_head(&loaded.index, head),
            index: loaded.index,
            tail: loaded.tail,
            lock: LockOptions::default(),
        };
        Ok((store, loaded.warnings))
    }

    /// A session kept in memory only (`--no-session`).
    pub fn in_memory(cwd: &Path) -> SessionStore {
        let header = header_line(&id::new_session_id(), cwd);
        let line = &header[..header.len() - 1];
        let parsed = scan::parse_header(line).unwrap_or(SessionHeader {
            format: SessionFormat::PiV3,
            id: String::new(),
            version: 3,
            timestamp: String::new(),
            cwd: cwd.to_string_lossy().into_owned(),
            parent_session: None,
            first_line_is_entry: false,
        });
        let tail = Tail {
            len: header.len() as u64,
            scanned: header.len() as u64,
            lines: 1,
            ends_with_newline: true,
        };
        SessionStore {
            backend: Backend::Memory(header),
            label: PathBuf::from("<in-memory session>"),
            header: parsed,
            index: Index::default(),
            head: None,
            previous_head: None,
            tail,
            lock: LockOptions::default(),
        }
    }

    /// The session file, `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        match &self.backend {
            Backend::File(f) => Some(&f.path),
            Backend::Memory(_) => None,
        }
    }

    /// How appends to this session wait for its lock.
    pub fn lock_options(&self) -> LockOptions {
        self.lock
    }

    /// The header (line 1) of the session.
    pub fn header(&self) -> &SessionHeader {
        &self.header
    }

    /// The id of the active head; `None` for an empty session.
    pub fn head(&self) -> Option<&str> {
        self.head.map(|h| &*self.index.node(h).id)
    }

    /// Entries in the session (every entry line except the header).
    pub fn entry_count(&self) -> usize {
        self.index.len()
    }

    /// Whether the session holds an entry with this id.
    pub fn contains(&self, id: &str) -> bool {
        self.index.get(id).is_some()
    }

    pub fn append_message(&mut self, msg: &Message) -> Result<String, SessionError> {
        self.append(EntryData::Message {
            message: msg.clone(),
        })
    }

    pub fn append_model_change(
        &mut self,
        provider: &str,
        model_id: &str,
    ) -> Result<String, SessionError> {
        self.append(EntryData::ModelChange {
            provider: provider.to_string(),
            model_id: model_id.to_string(),
        })
    }

    pub fn append_thinking_level(&mut self, level: ThinkingLevel) -> Result<String, SessionError> {
        self.append(EntryData::ThinkingLevelChange {
            thinking_level: level,
        })
    }

    /// Records a compaction: later contexts send `summary`, then the messages from
    /// `first_kept_entry_id` on.
    pub fn append_compaction(
        &mut self,
        summary: &str,
        first_kept_entry_id: &str,
        tokens_before: u64,
    ) -> Result<String, SessionError> {
        if !self.contains(first_kept_entry_id) {
            return Err(self.unknown(first_kept_entry_id));
        }
        self.append(EntryData::Compaction {
            summary: summary.to_string(),
            first_kept_entry_id: first_kept_entry_id.to_string(),
            tokens_before,
            details: None,
        })
    }

    /// Appends any entry as a child of the head and moves the head to it.
    pub fn append(&mut self, data: EntryData) -> Result<String, SessionError> {
        let parent = self.head().map(str::to_string);
        let id = self.append_line(&data, parent.as_deref())?;
        self.head = self.index.get(&id);
        Ok(id)
    }

    pub(super) fn unknown(&self, id: &str) -> SessionError {
        SessionError::UnknownEntry {
            path: self.label.clone(),
            id: id.to_string(),
        }
    }

    /// Writes one entry line with parent `parent_id` (which must exist) and indexes it; the
    /// head is left to the caller. Returns the new id.
    pub(super) fn append_line(
        &mut self,
        data: &EntryData,
        parent_id: Option<&str>,
    ) -> Result<String, SessionError> {
        let _guard = self.begin_write()?;
        if let Some(p) = parent_id
            && self.index.get(p).is_none()
        {
            return Err(self.unknown(p));
        }
        let id = id::new_entry_id(|c| self.index.by_id.contains_key(c));
        let rendered = render_line(data, &id, parent_id, &id::now_iso()).map_err(|e| {
            SessionError::Invalid {
                path: self.label.clone(),
                detail: format!("cannot serialize the entry: {e}"),
            }
        })?;
        self.write_lines(&rendered)?;
        if self.index.get(&id).is_none() {
            return Err(SessionError::Invalid {
                path: self.label.clone(),
                detail: "the new entry does not read back; please report this".into(),
            });
        }
        Ok(id)
    }

    /// Takes the append lock (none in memory) and catches up with the file. Writes happen
    /// while the returned guard lives.
    pub(super) fn begin_write(&mut self) -> Result<Option<lock::LockGuard>, SessionError> {
        if self.header.format == SessionFormat::LegacyV1 {
            return Err(SessionError::LegacyReadOnly {
                path: self.label.clone(),
            });
        }
        let head_id = self.head().map(str::to_string);
        let (path, writable) = match &self.backend {
            Backend::File(f) => (f.path.clone(), f.writable),
            Backend::Memory(_) => return Ok(None),
        };
        if !writable {
            return Err(SessionError::io(
                &path,
                "append to the session file",
                std::io::ErrorKind::PermissionDenied.into(),
            ));
        }
        let guard = lock::acquire(&path, self.lock)?;
        self.refresh(head_id.as_deref())?;
        Ok(Some(guard))
    }

    /// Appends complete lines (each ending in `\n`) with ONE write and indexes them. Call
    /// under `begin_write`.
    pub(super) fn write_lines(&mut self, lines: &[u8]) -> Result<(), SessionError> {
        // Never glue onto a torn last line: finish it with a newline first (still an append).
        let prefix = usize::from(!self.tail.ends_with_newline);
        let mut buf = Vec::with_capacity(prefix + lines.len());
        if prefix == 1 {
            buf.push(b'\n');
        }
        buf.extend_from_slice(lines);
        match &mut self.backend {
            Backend::File(f) => (&f.file)
                .write_all(&buf)
                .map_err(|e| SessionError::io(&f.path, "append to the session file", e))?,
            Backend::Memory(m) => m.extend_from_slice(&buf),
        }
        if self.tail.scanned < self.tail.len {
            // The torn fragment became a (malformed) line of its own.
            self.tail.lines += 1;
        }
        let start = self.tail.len + prefix as u64;
        self.tail.scanned = start;
        self.tail.len = start;
        let mut warnings = Vec::new();
        load::scan_reader(
            &mut std::io::Cursor::new(lines),
            &self.label,
            SessionFormat::PiV3,
            &mut self.tail,
            &mut self.index,
            false,
            &mut warnings,
        )
        .map_err(|e| SessionError::io(&self.label, "index the appended lines", e))?;
        for w in warnings {
            tracing::warn!("{w}");
        }
        Ok(())
    }

    /// The bytes of entry `i`'s line (without `\n`).
    pub(super) fn entry_bytes(&self, i: u32) -> Result<Vec<u8>, SessionError> {
        let node = self.index.node(i);
        self.read_range(node.offset, node.len as usize, u64::from(node.line))
    }

    /// `len` bytes at `offset` of the backing file or buffer.
    pub(super) fn read_range(
        &self,
        offset: u64,
        len: usize,
        line: u64,
    ) -> Result<Vec<u8>, SessionError> {
        match &self.backend {
            Backend::File(f) => {
                let mut buf = vec![0u8; len];
                load::read_exact_at(&f.file, &mut buf, offset).map_err(|e| {
                    SessionError::CorruptEntry {
                        path: f.path.clone(),
                        line,
                        detail: format!("cannot read it back: {e}"),
                    }
                })?;
                Ok(buf)
            }
            Backend::Memory(m) => {
                let start = usize::try_from(offset).unwrap_or(usize::MAX);
                m.get(start..start.saturating_add(len))
                    .map(<[u8]>::to_vec)
                    .ok_or_else(|| SessionError::CorruptEntry {
                        path: self.label.clone(),
                        line,
                        detail: "out of range".into(),
                    })
            }
        }
    }
}
