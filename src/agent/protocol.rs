//! The one protocol between front ends and the agent task: `Submission` in, `Event` out.
//! JSON output mode prints `Event`s one per line, so these serde shapes are public.

use serde::{Deserialize, Serialize};

use crate::ai::types::{StopReason, ThinkingLevel, Usage};

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
    /// Stop the task after the running turn is cancelled.
    Shutdown,
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
    ToolCallStarted {
        call_id: String,
        name: String,
        arguments: serde_json::Value,
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
    },
    /// Token usage of one provider response and the session's running total.
    Usage {
        turn: Usage,
        session: Usage,
    },
    ModelChanged {
        model: String,
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
