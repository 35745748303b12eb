//! Appends audit records: each line is one `write` on a file opened with `O_APPEND`, so lines
//! from several pi processes sharing a log never interleave inside a line.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::error::AuditError;
use super::record::AuditRecord;

/// The log file is readable by its owner only: arguments can hold private paths and text.
const FILE_MODE: u32 = 0o600;
/// A directory pi creates for the log.
const DIR_MODE: u32 = 0o700;

/// An open audit log.
#[derive(Debug)]
pub struct AuditWriter {
    file: File,
    path: PathBuf,
    /// The file does not end with a newline (a line torn by a crash, or a short write): the
    /// next line starts with one, so the torn piece stays a line of its own.
    needs_newline: bool,
}

impl AuditWriter {
    /// Opens `path` for appending, creating it (0600) and any missing directories (0700).
    /// An existing file keeps its mode and its content.
    pub fn open(path: &Path) -> Result<AuditWriter, AuditError> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
            && !dir.exists()
        {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(DIR_MODE)
                .create(dir)
                .map_err(|source| AuditError::CreateDir {
                    path: dir.to_path_buf(),
                    source,
                })?;
        }
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .mode(FILE_MODE)
            .open(path)
            .map_err(|source| AuditError::Open {
                path: path.to_path_buf(),
                source,
            })?;
        let needs_newline = !ends_with_newline(&file).map_err(|source| AuditError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(AuditWriter {
            file,
            path: path.to_path_buf(),
            needs_newline,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `record` as one line with a single `write`. A short write is an error (a second
    /// `write` could land after another process's line); the torn line is left for the reader
    /// to skip.
    pub fn append(&mut self, record: &AuditRecord) -> Result<(), AuditError> {
        let mut line = Vec::new();
        if self.needs_newline {
            line.push(b'\n');
        }
        line.extend(record.to_line()?);
        let written = self.file.write(&line).map_err(|source| AuditError::Write {
            path: self.path.clone(),
            source,
        })?;
        if written < line.len() {
            self.needs_newline = written > 0 || self.needs_newline;
            return Err(AuditError::ShortWrite {
                path: self.path.clone(),
                written,
                len: line.len(),
            });
        }
        self.needs_newline = false;
        Ok(())
    }
}

/// Whether the file is empty or its last byte is a newline.
fn ends_with_newline(file: &File) -> std::io::Result<bool> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(true);
    }
    let mut last = [0u8; 1];
    file.read_exact_at(&mut last, len - 1)?;
    Ok(last[0] == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::audit::{AuditPhase, AuditSession, AuditTime, read_audit_log};
    use std::os::unix::fs::PermissionsExt;

    fn end(call_id: &str) -> AuditRecord {
        AuditRecord::new(
            &AuditTime::now(),
            AuditSession::default(),
            call_id,
            "ls",
            AuditPhase::End {
                duration_ms: 1,
                exit_code: None,
                is_error: false,
                output_bytes: 10,
            },
        )
    }

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn creates_the_file_0600_in_new_directories_0700_and_appends_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logs/audit/tools.jsonl");
        let mut w = AuditWriter::open(&path).unwrap();
        w.append(&end("a")).unwrap();
        w.append(&end("b")).unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("logs")), 0o700);
        assert_eq!(mode(&dir.path().join("logs/audit")), 0o700);
        // A second writer (another run) appends after the first's lines.
        AuditWriter::open(&path).unwrap().append(&end("c")).unwrap();
        let read = read_audit_log(&path).unwrap();
        let ids: Vec<&str> = read.records.iter().map(|r| r.call_id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(read.skipped, 0);
    }

    #[test]
    fn an_existing_file_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        std::fs::write(&path, "").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        AuditWriter::open(&path).unwrap().append(&end("a")).unwrap();
        assert_eq!(mode(&path), 0o640);
    }

    #[test]
    fn a_torn_last_line_is_left_alone_and_the_next_line_starts_fresh() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let mut first = end("a").to_line().unwrap();
        let torn = &end("b").to_line().unwrap()[..30];
        first.extend_from_slice(torn);
        std::fs::write(&path, &first).unwrap();
        AuditWriter::open(&path).unwrap().append(&end("c")).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        // The torn piece is still there, byte for byte, on a line of its own.
        assert!(bytes.starts_with(&first));
        let read = read_audit_log(&path).unwrap();
        let ids: Vec<&str> = read.records.iter().map(|r| r.call_id.as_str()).collect();
        assert_eq!(ids, ["a", "c"]);
        assert_eq!(read.skipped, 1);
    }

    #[test]
    fn a_path_under_a_file_is_an_error_naming_the_flag() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("plain-file");
        std::fs::write(&blocker, "x").unwrap();
        let err = AuditWriter::open(&blocker.join("audit.jsonl")).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("--tool-audit-log"), "{text}");
        assert!(!text.contains('\n'), "{text}");
    }
}
