//! The one protocol between front ends and the agent task: `Submission` in, `Event` out.
//! JSON output mode prints `Event`s one per line, so these serde shapes are public.

use serde::{Deserialize, Serialize};

use crate::ai::types::{StopReason, ThinkingLevel, Usage};
use crate::tools::Verdict;

/// A request to the agent task. `id` is chosen by the front end; events answering it carry it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    pub id: u64,
    pub op: Op,
}

/// One image attached to a user turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageInput {
    pub mime_type: String,
    /// Base64 of the image bytes.
    pub data: String,
}

/// A skill to keep in the system prompt (`set_skills`): its name and its markdown body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillInput {
    pub name: String,
    pub content: String,
}

/// A skill listed in the system prompt by name, description and path only (`set_skills`'s
/// `index`): the model reads the file with the read tool when a task matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillIndexEntry {
    pub name: String,
    pub description: String,
    /// The skill's markdown file (`NAME.md` or `NAME/SKILL.md`), absolute.
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Op {
    /// Send a user message and run the turn loop until the model is done.
    UserTurn {
        text: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        images: Vec<ImageInput>,
    },
    /// Cancel the running turn; the session is left consistent.
    Interrupt,
    /// Switch model (`provider/id`) for the next turns; recorded in the session.
    SetModel { model: String },
    /// Change the thinking level for the next turns; recorded in the session.
    SetThinking { level: ThinkingLevel },
    /// Summarise the older part of the active branch with the current model and record a
    /// compaction entry; later turns send the summary plus the recent messages.
    Compact {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        instructions: Option<String>,
    },
    /// Apply runtime settings (a `/profile load`); fields left out keep their value.
    Configure { settings: RuntimeSettings },
    /// Replace the active skills and the index of the others: every later request's system
    /// prompt ends with the active skills whole, then the index (name, description, path).
    SetSkills {
        skills: Vec<SkillInput>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        index: Vec<SkillIndexEntry>,
    },
    /// Answer an `approval_requested` event of the running turn.
    Approve {
        call_id: String,
        decision: ApprovalDecision,
    },
    /// Stop the task after the running turn is cancelled.
    Shutdown,
}

/// A front end's answer to `approval_requested`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ApprovalDecision {
    /// Run this call.
    Approve,
    /// Run it, and run the same command (or the same tool on the same path) unasked for the
    /// rest of this run.
    ApproveForSession,
    /// Do not run it; `note` goes back to the model with the denial.
    Deny {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// Do not run it and end the turn (as a cancel does).
    DenyAndStop {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
}

/// What an approval is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalKind {
    /// The policy's verdict was `ask`.
    Policy,
    /// The command failed in the sandbox in a way the sandbox likely caused; approving runs
    /// it again outside the sandbox.
    RetryUnsandboxed,
}

/// How a call's `ask` was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalAnswer {
    Approved,
    ApprovedForSession,
    /// Approved earlier in this run for the session.
    RememberedForSession,
    Denied,
    DeniedAndStopped,
}

/// The policy's decision on one call, and how an `ask` was answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallDecision {
    pub verdict: Verdict,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<ApprovalAnswer>,
}

impl CallDecision {
    /// Whether the call runs.
    pub fn runs(&self) -> bool {
        match self.verdict {
            Verdict::Allow => true,
            Verdict::Deny => false,
            Verdict::Ask => matches!(
                self.answer,
                Some(
                    ApprovalAnswer::Approved
                        | ApprovalAnswer::ApprovedForSession
                        | ApprovalAnswer::RememberedForSession
                )
            ),
        }
    }
}

/// Why a compaction ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompactionReason {
    /// `/compact`.
    Manual,
    /// The next request would not fit the model's context window.
    Threshold,
    /// The provider refused the request as too long; it is retried once after compacting.
    Overflow,
}

/// Runtime defaults a front end can change mid-session (`/profile load`). In a `Configure`
/// op, `None` keeps the current value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeSettings {
    /// `provider/id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_models: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking: Option<ThinkingLevel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_turns: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn_timeout_ms: Option<u64>,
    /// Overrides the catalog's context window (tokens) for compaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_window: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_file_read_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_file_write_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tool_output_bytes: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bash_timeout_ms: Option<u64>,
}

impl RuntimeSettings {
    /// `self` with every field `other` sets replaced.
    pub fn merged(&self, other: &RuntimeSettings) -> RuntimeSettings {
        fn pick<T: Clone>(new: &Option<T>, old: &Option<T>) -> Option<T> {
            new.clone().or_else(|| old.clone())
        }
        RuntimeSettings {
            model: pick(&other.model, &self.model),
            fallback_models: pick(&other.fallback_models, &self.fallback_models),
            thinking: pick(&other.thinking, &self.thinking),
            max_turns: pick(&other.max_turns, &self.max_turns),
            max_output_tokens: pick(&other.max_output_tokens, &self.max_output_tokens),
            turn_timeout_ms: pick(&other.turn_timeout_ms, &self.turn_timeout_ms),
            context_window: pick(&other.context_window, &self.context_window),
            max_file_read_bytes: pick(&other.max_file_read_bytes, &self.max_file_read_bytes),
            max_file_write_bytes: pick(&other.max_file_write_bytes, &self.max_file_write_bytes),
            max_tool_output_bytes: pick(&other.max_tool_output_bytes, &self.max_tool_output_bytes),
            bash_timeout_ms: pick(&other.bash_timeout_ms, &self.bash_timeout_ms),
        }
    }
}

impl Op {
    /// Whether `msg` (with this submission's id) is the last event answering this op, so a
    /// front end waiting for the op to finish can stop there. `Interrupt` has no answer.
    pub fn is_answered_by(&self, msg: &EventMsg) -> bool {
        match self {
            Op::UserTurn { .. } => matches!(
                msg,
                EventMsg::TurnFinished { .. } | EventMsg::TurnCancelled | EventMsg::Error { .. }
            ),
            Op::Interrupt | Op::Approve { .. } => false,
            Op::SetModel { .. } => {
                matches!(msg, EventMsg::ModelChanged { .. } | EventMsg::Error { .. })
            }
            Op::SetThinking { .. } => {
                matches!(
                    msg,
                    EventMsg::ThinkingChanged { .. } | EventMsg::Error { .. }
                )
            }
            Op::Compact { .. } => matches!(
                msg,
                EventMsg::Compacted { .. }
                    | EventMsg::CompactionSkipped { .. }
                    | EventMsg::TurnCancelled
                    | EventMsg::Error { .. }
            ),
            Op::Configure { .. } => {
                matches!(
                    msg,
                    EventMsg::SettingsApplied { .. } | EventMsg::Error { .. }
                )
            }
            Op::SetSkills { .. } => matches!(msg, EventMsg::SkillsChanged { .. }),
            Op::Shutdown => matches!(msg, EventMsg::ShutdownComplete),
        }
    }
}

/// Something the agent task reports. `id` is the submission it answers (0 for none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: u64,
    #[serde(flatten)]
    pub msg: EventMsg,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventMsg {
    /// The task is ready: model in use and the session file (if any).
    SessionConfigured {
        model: String,
        session: Option<String>,
        head: Option<String>,
    },
    /// Whether bash runs in the OS sandbox, checked once at start when the policy wants one
    /// (`--os-sandbox-mode auto|force` without a launcher). `active` false under `auto` means
    /// bash runs unsandboxed; under `force`, that bash refuses to run.
    SandboxChecked {
        mode: crate::tools::SandboxMode,
        active: bool,
        /// `bwrap` at its path, or why it cannot run and how to fix it.
        detail: String,
    },
    TurnStarted,
    /// A new request to the model starts (one per assistant message of the turn loop).
    AssistantStarted {
        model: String,
    },
    TextDelta {
        delta: String,
    },
    ThinkingDelta {
        delta: String,
    },
    /// The provider is retried after a retryable failure.
    Retry {
        attempt: u32,
        max_retries: u32,
        delay_ms: u64,
        reason: String,
        model: String,
    },
    /// The primary model failed for good; the next fallback model is tried.
    Fallback {
        from: String,
        to: String,
        reason: String,
    },
    /// The assistant message is complete (text of its text blocks).
    AssistantFinished {
        text: String,
        stop_reason: StopReason,
        entry_id: Option<String>,
    },
    /// The policy needs the user's answer before `call_id` runs (or runs again outside the
    /// sandbox); the turn waits for `Op::Approve`. Headless front ends answer with a denial
    /// unless told to approve everything.
    ApprovalRequested {
        call_id: String,
        tool: String,
        arguments: serde_json::Value,
        /// What would run, whole: the command line of bash, else the tool and its path.
        command: String,
        reason: String,
        kind: ApprovalKind,
    },
    ToolCallStarted {
        call_id: String,
        name: String,
        arguments: serde_json::Value,
        /// The policy's decision (`None` from older producers).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        decision: Option<CallDecision>,
    },
    ToolOutputDelta {
        call_id: String,
        chunk: String,
    },
    ToolCallFinished {
        call_id: String,
        name: String,
        is_error: bool,
        /// Text content of the result as sent to the model.
        output: String,
        duration_ms: u64,
        /// bash's exit status, when it exited.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exit_code: Option<i32>,
        /// Bytes of output the tool produced (bash: all of it, not only what the model got).
        #[serde(default)]
        output_bytes: u64,
        /// Image blocks of the result (the `read` tool on an image file).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        images: Vec<ImageInput>,
    },
    /// Token usage of one provider response and the session's running total.
    Usage {
        turn: Usage,
        session: Usage,
    },
    ModelChanged {
        model: String,
    },
    ThinkingChanged {
        level: ThinkingLevel,
    },
    /// Runtime settings were applied; `settings` holds every value now in force.
    SettingsApplied {
        settings: RuntimeSettings,
    },
    /// After `set_skills`: the skills now in the system prompt, in order.
    SkillsChanged {
        names: Vec<String>,
    },
    /// The agent starts summarising older messages.
    CompactionStarted {
        reason: CompactionReason,
    },
    /// A compaction entry was recorded.
    Compacted {
        reason: CompactionReason,
        entry_id: String,
        /// Messages the summary stands for.
        summarized: usize,
        /// Messages sent as they are after the summary.
        kept: usize,
        /// Estimated tokens of the context before and after.
        tokens_before: u64,
        tokens_after: u64,
        /// What the summary request used (not part of the branch's usage total).
        usage: Usage,
    },
    /// `/compact` found nothing old enough to summarise.
    CompactionSkipped {
        reason: String,
    },
    /// The session's head moved: an entry was appended on the branch (a message, a model or
    /// thinking change, a compaction). Sent with id 0, whatever caused it.
    HeadMoved {
        entry_id: String,
    },
    /// A warning the user should see (torn session line, compaction, ...).
    Notice {
        message: String,
    },
    TurnFinished {
        /// Text of the final assistant message.
        text: String,
        stop_reason: StopReason,
        turns: u32,
    },
    TurnCancelled,
    /// The turn failed; `message` is one line for the user.
    Error {
        message: String,
    },
    ShutdownComplete,
}
