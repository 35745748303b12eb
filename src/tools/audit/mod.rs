//! The tool audit log (`--tool-audit-log PATH`): one JSON line when a tool call starts and one
//! when it ends, appended to a file the user names; read back by `/audit-summary`.
//!
//! This module knows nothing of the agent: the records, the writer, the reader and the
//! summary. The agent side (`agent::audit`) turns its events into records. The line format is
//! documented in docs/audit.md.

mod error;
mod record;
mod summary;
mod writer;

pub use error::AuditError;
pub use record::{
    AUDIT_FORMAT_VERSION, AuditDecision, AuditPhase, AuditRecord, AuditSession, AuditTime,
    MAX_ARGUMENT_STRING_BYTES, redact_arguments,
};
pub use summary::{
    AuditLines, AuditSummary, ToolSummary, nearest_rank, read_audit_log, read_records, summarize,
    summarize_file,
};
pub use writer::AuditWriter;
