//! The agent task, reached only through the `Submission` / `Event` protocol. It reads and
//! appends the session through the `SessionLog` trait, which the session layer implements.

mod approval;
mod audit;
mod compact;
mod compact_plan;
mod log;
mod overflow;
pub mod prompt;
pub mod protocol;
mod settings;
mod task;
mod tool_run;
mod turn;

pub use compact_plan::{CompactionBudget, message_tokens, messages_tokens, plan_cut};
pub use log::{LogContext, LogError, SessionLog, SharedSessionLog, lock_log};
pub use overflow::is_context_overflow;
pub use protocol::{
    ApprovalAnswer, ApprovalDecision, ApprovalKind, CallDecision, CompactionReason, Event,
    EventMsg, ImageInput, Op, RuntimeSettings, SkillIndexEntry, SkillInput, Submission,
};
pub use settings::skills_section;
pub use task::{AgentConfig, AgentHandle, spawn_agent};
