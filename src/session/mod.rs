//! The session store: an append-only JSONL tree in pi's session format (version 3), see
//! docs/session-format.md. Opening a file scans it once into a compact index (id, parent,
//! where each line is); message bodies are read back only for the entries an operation needs.

mod agent_log;
mod context;
mod convert;
mod entry;
mod error;
mod generate;
mod graph;
mod id;
mod index;
mod kinds;
mod lenient;
mod load;
mod lock;
mod model;
mod nav;
mod recent;
mod repair;
mod rewrite;
mod scan;
mod search;
mod stats;
mod store;
mod sync;
mod transfer;
mod tree;

pub use context::SessionContext;
pub use entry::EntryData;
pub use error::{LoadWarning, SessionError};
pub use generate::{GeneratedSession, generate_session};
pub use graph::{GraphFormat, GraphReport};
pub use id::{new_entry_id, new_session_id, now_iso};
pub use kinds::{ALIAS_CUSTOM_TYPE, EntryKind, HEAD_CUSTOM_TYPE, Role};
pub use lock::{LockHolder, LockOptions, lock_holder, lock_path};
pub use nav::{BranchInfo, NamedEntry, SessionSummary};
pub use recent::{RecentSession, age, new_session_path, recent_sessions, sessions_dir};
pub use repair::{DroppedEntry, RepairReport, ValidationReport, repair_file, validate_file};
pub use scan::{SessionFormat, SessionHeader};
pub use search::SearchHit;
pub use stats::{DiffEntry, LineageDiff, SessionStats};
pub use store::SessionStore;
pub use transfer::{CompactReport, ExportReport, ImportMode, ImportReport};
pub use tree::{SessionTree, TreeNode};
