//! Errors and load warnings of the session store. Each renders as one line that names the
//! file (and the line where it matters) and says what to do.

use std::path::PathBuf;

/// A session operation that failed.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("{}: cannot {action}: {source}; check the path and its permissions", .path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "{}:{line}: not a session file ({detail}); pass the path of a session .jsonl file",
        .path.display()
    )]
    NotASession {
        path: PathBuf,
        line: u64,
        detail: String,
    },

    #[error(
        "{}: an older rust-pi session (schema_version 1) is read-only; start a new session and run /session-import {} to convert it",
        .path.display(),
        .path.display()
    )]
    LegacyReadOnly { path: PathBuf },

    #[error(
        "{}: session is locked by {holder} (waited {waited_ms} ms); retry when it finishes, raise --session-lock-wait-ms, or delete the lock file if that process is gone",
        .lock_path.display()
    )]
    Locked {
        lock_path: PathBuf,
        /// Who holds it, e.g. `pid 1234 for 2.1 s`.
        holder: String,
        pid: Option<u32>,
        waited_ms: u64,
    },

    #[error("{}: no entry with id '{id}'; list entries with /branches or /session-search", .path.display())]
    UnknownEntry { path: PathBuf, id: String },

    #[error("{}: no {kind} named '{name}'; list them with {list_command}", .path.display())]
    UnknownName {
        path: PathBuf,
        kind: &'static str,
        name: String,
        list_command: &'static str,
    },

    #[error("{}:{line}: cannot read this entry ({detail}); run /session-repair", .path.display())]
    CorruptEntry {
        path: PathBuf,
        line: u64,
        detail: String,
    },

    #[error("{}: {detail}", .path.display())]
    Invalid { path: PathBuf, detail: String },
}

impl SessionError {
    pub(crate) fn io(
        path: impl Into<PathBuf>,
        action: &'static str,
        source: std::io::Error,
    ) -> Self {
        SessionError::Io {
            path: path.into(),
            action,
            source,
        }
    }
}

/// Something wrong in a session file that did not stop it from loading.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadWarning {
    #[error(
        "{}:{line}: the last line is incomplete (an interrupted write); it is skipped, and /session-repair removes it",
        .path.display()
    )]
    TornLastLine { path: PathBuf, line: u64 },

    #[error(
        "{}:{line}: malformed line skipped ({error}); /session-repair removes it",
        .path.display()
    )]
    MalformedLine {
        path: PathBuf,
        line: u64,
        error: String,
    },

    #[error(
        "{}:{line}: duplicate entry id '{id}' (first used on line {first_line}); this copy is ignored, /session-repair removes it",
        .path.display()
    )]
    DuplicateId {
        path: PathBuf,
        line: u64,
        id: String,
        first_line: u64,
    },

    #[error(
        "{}:{line}: entry '{id}' points to a missing parent '{parent_id}'; it is treated as a root, /session-repair removes it",
        .path.display()
    )]
    MissingParent {
        path: PathBuf,
        line: u64,
        id: String,
        parent_id: String,
    },

    #[error(
        "{}:{line}: entry '{id}' is part of a parent cycle; it is treated as a root, /session-repair removes it",
        .path.display()
    )]
    Cycle {
        path: PathBuf,
        line: u64,
        id: String,
    },
}

impl LoadWarning {
    /// The line number the warning is about.
    pub fn line(&self) -> u64 {
        match self {
            LoadWarning::TornLastLine { line, .. }
            | LoadWarning::MalformedLine { line, .. }
            | LoadWarning::DuplicateId { line, .. }
            | LoadWarning::MissingParent { line, .. }
            | LoadWarning::Cycle { line, .. } => *line,
        }
    }
}
