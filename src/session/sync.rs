//! Keeping an open store in step with its file: other processes' appends, a file replaced
//! by a rewrite, and in-memory sessions rebuilt after a rewrite.

use std::fs;

use super::error::SessionError;
use super::index::Index;
use super::load::{self, Tail};
use super::scan::SessionFormat;
use super::store::{Backend, FileBackend, SessionStore, identity, open_file};

impl SessionStore {
    /// Catches up with the file under the lock: reads entries other processes appended, or
    /// reloads if the file was replaced or shrank. Keeps our head.
    pub(super) fn refresh(&mut self, head_id: Option<&str>) -> Result<(), SessionError> {
        let Backend::File(f) = &self.backend else {
            return Ok(());
        };
        let meta = fs::metadata(&f.path).map_err(|e| SessionError::Invalid {
            path: f.path.clone(),
            detail: format!(
                "the session file went away while open ({e}); restart to start a new one"
            ),
        })?;
        if identity(&meta) != f.identity || meta.len() < self.tail.len {
            return self.reload(head_id);
        }
        // Also re-read an unterminated fragment: it may have been a write in progress.
        if meta.len() > self.tail.len || self.tail.scanned < self.tail.len {
            let mut warnings = Vec::new();
            load::scan_from(
                &f.file,
                &f.path,
                self.header.format,
                &mut self.tail,
                &mut self.index,
                false,
                &mut warnings,
            )
            .map_err(|e| SessionError::io(&f.path, "read the session file", e))?;
            for w in warnings {
                tracing::warn!("{w}");
            }
        }
        Ok(())
    }

    pub(super) fn reload(&mut self, head_id: Option<&str>) -> Result<(), SessionError> {
        let Backend::File(f) = &self.backend else {
            return Ok(());
        };
        let path = f.path.clone();
        tracing::info!(path = %path.display(), "session file replaced or truncated; reloading");
        let (file, writable) = open_file(&path)?;
        let meta = file
            .metadata()
            .map_err(|e| SessionError::io(&path, "read the session file", e))?;
        let loaded = load::load(&file, &path)?;
        for w in &loaded.warnings {
            tracing::warn!("{w}");
        }
        self.backend = Backend::File(FileBackend {
            path,
            file,
            writable,
            identity: identity(&meta),
        });
        self.header = loaded.header;
        self.index = loaded.index;
        self.tail = loaded.tail;
        self.head = head_id
            .and_then(|id| self.index.get(id))
            .or_else(|| self.index.default_head());
        Ok(())
    }

    /// Replaces an in-memory session's lines with `bytes` (header included) and re-indexes.
    pub(super) fn reload_memory(
        &mut self,
        bytes: Vec<u8>,
        head_id: Option<&str>,
    ) -> Result<(), SessionError> {
        let header_len = memchr::memchr(b'\n', &bytes).map_or(bytes.len(), |n| n + 1);
        let mut tail = Tail {
            len: header_len as u64,
            scanned: header_len as u64,
            lines: 1,
            ends_with_newline: true,
        };
        let mut index = Index::default();
        let mut warnings = Vec::new();
        load::scan_reader(
            &mut std::io::Cursor::new(&bytes[header_len..]),
            &self.label,
            SessionFormat::PiV3,
            &mut tail,
            &mut index,
            true,
            &mut warnings,
        )
        .map_err(|e| SessionError::io(&self.label, "index the session", e))?;
        index.finish(&self.label, &mut warnings);
        for w in warnings {
            tracing::warn!("{w}");
        }
        self.backend = Backend::Memory(bytes);
        self.index = index;
        self.tail = tail;
        self.head = head_id
            .and_then(|id| self.index.get(id))
            .or_else(|| self.index.default_head());
        Ok(())
    }
}
