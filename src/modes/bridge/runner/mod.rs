//! The runner both bridges share: it feeds inbound messages through the pure [`step`], keeps
//! each conversation's `state.json` in line with it (seen keys, queue, active run, reply
//! handle), starts runs as tasks, answers `/pi status` and `/pi stop`, and on shutdown
//! stops taking work, gives running turns the grace period, cancels the rest and returns.
//! A restart resumes what the state files say was running or waiting.

mod commands;
mod hub;
mod run;
mod serve;
mod status;
mod transport;

use std::path::PathBuf;
use std::time::Duration;

pub use hub::run_hub;
pub use run::{RunEnd, working_text};
pub use serve::serve;
pub use transport::{Answer, Begin, Prompt, RunFooter, Transport};

use super::step::Limits;
use super::store::{Channel, ChannelState, Direction, Event};
use crate::agent::AgentConfig;
use crate::commands::EngineContext;

/// What every run needs.
pub struct RunContext {
    /// The agent's configuration; each run clones it (with the session's model).
    pub agent: AgentConfig,
    /// The command engine's context for queued `/pi` commands.
    pub engine: EngineContext,
    /// The working directory tools run in.
    pub cwd: PathBuf,
    /// How often the "working…" reply is updated, at most.
    pub progress_every: Duration,
    /// Serialises read-modify-write of the channels' state files between the runner and
    /// its runs.
    pub state_lock: std::sync::Mutex<()>,
    /// Told the key, the end and the answer's text (or why it failed) of every run (the
    /// events runner records them).
    pub finished: Option<tokio::sync::mpsc::UnboundedSender<(String, RunEnd, String)>>,
}

/// The runner's settings.
#[derive(Debug, Clone, Copy)]
pub struct HubOptions {
    pub limits: Limits,
    /// After SIGINT/SIGTERM, how long running turns may go on before they are cancelled.
    pub shutdown_grace: Duration,
}

/// What a bridge did, for its exit summary.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct HubReport {
    pub messages: u64,
    pub runs: u64,
    pub cancelled: u64,
}

/// Appends to a channel's `log.jsonl`; a failed append is logged, never fatal.
pub fn log_event(
    channel: &Channel,
    dir: Direction,
    kind: &str,
    key: &str,
    payload: serde_json::Value,
) {
    let key = (!key.is_empty()).then_some(key);
    if let Err(e) = channel.append_log(&Event::new(dir, kind, key, payload)) {
        tracing::warn!("{e}");
    }
}

/// Reads, changes and atomically saves a channel's state. A state file that cannot be read
/// was set aside at start; one that breaks later is replaced by the change applied to a
/// fresh state.
pub fn update_state(ctx: &RunContext, channel: &Channel, change: impl FnOnce(&mut ChannelState)) {
    let _guard = ctx
        .state_lock
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut state = channel.state().unwrap_or_default();
    change(&mut state);
    if let Err(e) = channel.save_state(&state) {
        tracing::warn!("{e}");
    }
}
