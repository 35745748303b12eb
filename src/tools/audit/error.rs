//! What can go wrong writing or reading the audit log; each message is one line that says
//! what to check.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(
        "cannot create the directory {} for the tool audit log: {source}; check its parent's permissions or pass another --tool-audit-log path",
        path.display()
    )]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "cannot open the tool audit log {}: {source}; check the path and its permissions or pass another --tool-audit-log path",
        path.display()
    )]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "cannot append to the tool audit log {}: {source}; check the disk and the file's permissions",
        path.display()
    )]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the tool audit log {} took {written} of {len} bytes of a line (disk full?); the reader skips the torn line",
        path.display()
    )]
    ShortWrite {
        path: PathBuf,
        written: usize,
        len: usize,
    },
    #[error("cannot encode a tool audit record: {0}")]
    Encode(#[from] serde_json::Error),
    #[error(
        "cannot read the tool audit log {}: {source}; check the path (relative paths start at the working directory)",
        path.display()
    )]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}
