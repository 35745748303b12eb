//! What a bridge's transport (GitHub comments, Slack messages) does for the shared runner:
//! post the visible reply of a run and keep it up to date, post plain replies, and turn an
//! inbound message into the prompt of a run (context, attachments).

use std::future::Future;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::super::step::Inbound;
use super::super::store::Channel;
use crate::agent::ImageInput;

/// How a run's visible reply starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin<H> {
    /// A "working…" message is up (new, or found again after a restart); edit it through
    /// `H` as the run goes.
    Reply(H),
    /// The message was already answered (its reply carries pi's marker): do not run it
    /// again.
    AlreadyAnswered,
}

/// The prompt of one run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Prompt {
    pub text: String,
    pub images: Vec<ImageInput>,
    /// The model for this run (`provider/id`), instead of the session's or the default.
    pub model: Option<String>,
}

/// How a run ended, as the reply shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The text to show (the model's answer, a command's output, or what went wrong).
    pub text: String,
    /// What the run cost, when the model ran.
    pub footer: Option<RunFooter>,
}

/// What a finished run cost.
#[derive(Debug, Clone, PartialEq)]
pub struct RunFooter {
    pub run_id: String,
    pub model: String,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: f64,
    pub duration_ms: u64,
}

/// A transport's side of the runner. Every method reports failures as one line; the runner
/// logs them and carries on (a reply that cannot be posted does not stop the bridge).
pub trait Transport: Send + Sync + 'static {
    /// What identifies a posted reply (saved in the channel's state, so it must serialize).
    type Handle: Clone + Send + Sync + Serialize + DeserializeOwned + 'static;

    /// Posts the "working…" reply of `inbound`, or finds the one posted before a restart
    /// (`saved`, or pi's marker on the other side).
    fn begin(
        &self,
        channel: &Channel,
        inbound: &Inbound,
        saved: Option<Self::Handle>,
    ) -> impl Future<Output = Result<Begin<Self::Handle>, String>> + Send;

    /// Shows the answer so far (called at most every few seconds).
    fn progress(
        &self,
        handle: &Self::Handle,
        partial: &str,
    ) -> impl Future<Output = Result<(), String>> + Send;

    /// Replaces the "working…" reply with the answer.
    fn finish(
        &self,
        handle: &Self::Handle,
        answer: &Answer,
    ) -> impl Future<Output = Result<(), String>> + Send;

    /// Posts a plain reply in `conversation` (a refusal, a full queue, `/pi status`).
    fn reply(
        &self,
        conversation: &str,
        reply_to: &Inbound,
        text: &str,
    ) -> impl Future<Output = Result<(), String>> + Send;

    /// The prompt of a run: the inbound's text with what the model should know around it
    /// (the issue and its comments; downloaded files).
    fn prompt(
        &self,
        channel: &Channel,
        inbound: &Inbound,
        first_run: bool,
    ) -> impl Future<Output = Result<Prompt, String>> + Send;
}
