//! Compaction: the older part of the active branch is summarised by the current model and a
//! compaction entry records the summary and the first message kept, so later requests send
//! the summary plus the recent messages (the session's context building honours it).

use tokio_util::sync::CancellationToken;

use super::compact_plan::{CompactionBudget, messages_tokens, plan_cut, transcript};
use super::protocol::{CompactionReason, Event, EventMsg};
use super::task::Agent;
use super::turn::stream_event_to_msg;
use crate::ai::types::{Message, ThinkingLevel};
use crate::ai::{AiError, CompletionRequest, StreamEvent};

/// Recent tokens kept when the context window is unknown.
const DEFAULT_KEEP_RECENT: u64 = 20_000;
/// Transcript characters sent to the summariser when the context window is unknown.
const DEFAULT_TRANSCRIPT_CHARS: usize = 400_000;

const SUMMARY_SYSTEM_PROMPT: &str = "You summarise a conversation between a user and a coding \
agent so the agent can continue the work without the original messages. Write a concise, \
structured summary: the user's goals and constraints, decisions made, files read or changed \
(with paths), commands run and their outcomes, errors met, and what remains to be done. Keep \
exact names, paths, identifiers and numbers. Do not invent anything. Answer with the summary \
only.";

pub(super) enum CompactError {
    Cancelled,
    Failed(String),
}

impl Agent {
    /// The model's context window: the override, else the catalog's.
    fn context_window(&self) -> Option<u64> {
        self.cfg.context_window.or_else(|| {
            self.cfg
                .client
                .catalog()
                .find(&self.cfg.model)
                .map(|m| m.context_window)
        })
    }

    /// Estimated tokens of the next request (system prompt, tools and messages).
    pub(super) fn request_tokens(&self) -> u64 {
        (self.cfg.system_prompt.len() + self.skills_section.len() + self.tools_bytes) as u64 / 4
            + messages_tokens(&self.messages)
    }

    /// Whether the next request would not leave room for an answer in the context window.
    pub(super) fn over_threshold(&self) -> bool {
        let Some(window) = self.context_window() else {
            return false;
        };
        let budget = CompactionBudget::for_window(window);
        self.request_tokens() > window.saturating_sub(budget.reserve)
    }

    /// `/compact`: compacts and reports how it went.
    pub(super) async fn compact_op(
        &mut self,
        id: u64,
        instructions: Option<String>,
        cancel: CancellationToken,
    ) {
        if let Err(e) = self.sync() {
            self.emit_error(id, e);
            return;
        }
        let instructions = instructions.filter(|i| !i.trim().is_empty());
        match self
            .compact(
                id,
                CompactionReason::Manual,
                instructions.as_deref(),
                &cancel,
            )
            .await
        {
            Ok(true) => {}
            Ok(false) => self.emit(
                id,
                EventMsg::CompactionSkipped {
                    reason: "nothing to compact: the branch holds no turn before the latest one"
                        .to_string(),
                },
            ),
            Err(CompactError::Cancelled) => self.emit(id, EventMsg::TurnCancelled),
            Err(CompactError::Failed(message)) => self.emit_error(id, message),
        }
    }

    /// Summarises the older part of the cached branch and records a compaction entry.
    /// `Ok(false)`: nothing to summarise.
    pub(super) async fn compact(
        &mut self,
        id: u64,
        reason: CompactionReason,
        instructions: Option<&str>,
        cancel: &CancellationToken,
    ) -> Result<bool, CompactError> {
        let window = self.context_window();
        let tokens_before = self.request_tokens();
        let keep = match (reason, window) {
            (CompactionReason::Overflow, Some(w)) => {
                CompactionBudget::for_window(w).keep_recent / 2
            }
            (CompactionReason::Overflow, None) => (tokens_before / 4).min(DEFAULT_KEEP_RECENT),
            (_, Some(w)) => CompactionBudget::for_window(w).keep_recent,
            (_, None) => DEFAULT_KEEP_RECENT,
        };
        let Some(cut) = plan_cut(&self.messages, keep) else {
            return Ok(false);
        };
        let Some(first_kept) = self.entry_ids.get(cut).cloned() else {
            return Err(CompactError::Failed(
                "the branch's entries are out of step; run /resume and retry".to_string(),
            ));
        };
        self.emit(id, EventMsg::CompactionStarted { reason });

        let max_chars = window.map_or(DEFAULT_TRANSCRIPT_CHARS, |w| {
            let budget = CompactionBudget::for_window(w);
            let room = w.saturating_sub(budget.reserve) * 4 * 3 / 4;
            usize::try_from(room).unwrap_or(usize::MAX).max(4_000)
        });
        let mut prompt = format!(
            "Summarise this conversation so far:\n\n<conversation>\n{}\n</conversation>",
            transcript(&self.messages[..cut], max_chars)
        );
        if let Some(extra) = instructions {
            prompt.push_str(&format!("\n\nAlso follow these instructions: {extra}"));
        }
        let request = CompletionRequest {
            system_prompt: SUMMARY_SYSTEM_PROMPT.to_string(),
            messages: vec![Message::user_text(prompt, crate::ai::types::now_ms())],
            tools: Vec::new(),
            max_output_tokens: self.cfg.max_output_tokens,
            thinking: ThinkingLevel::Off,
            stream: self.cfg.stream,
        };
        // Only retries and fallbacks are shown; the summary's text is not the answer.
        let events = self.events.clone();
        let forward = move |ev: &StreamEvent| {
            if matches!(ev, StreamEvent::Retry { .. } | StreamEvent::Fallback { .. })
                && let Some(msg) = stream_event_to_msg(ev)
            {
                let _ = events.send(Event { id, msg });
            }
        };
        let answer = match self
            .cfg
            .client
            .complete(&self.cfg.model, &request, cancel, forward)
            .await
        {
            Ok(a) => a,
            Err(AiError::Cancelled) => return Err(CompactError::Cancelled),
            Err(e) => return Err(CompactError::Failed(e.to_string())),
        };
        if cancel.is_cancelled() {
            return Err(CompactError::Cancelled);
        }
        let summary = answer.text();
        if summary.trim().is_empty() {
            return Err(CompactError::Failed(
                "the model returned an empty summary; retry /compact or switch models".to_string(),
            ));
        }
        // The summary's cost is reported with the compaction, not added to the branch's
        // total: the session records no usage for it, so a reload could not count it.
        let entry_id = self
            .append(|log| log.append_compaction(summary.trim(), &first_kept, tokens_before))
            .map_err(CompactError::Failed)?;
        // The branch now reads: summary, then the kept messages.
        self.revision = None;
        self.sync().map_err(CompactError::Failed)?;
        self.emit(
            id,
            EventMsg::Compacted {
                reason,
                entry_id,
                summarized: cut,
                kept: self.messages.len().saturating_sub(1),
                tokens_before,
                tokens_after: self.request_tokens(),
                usage: answer.usage,
            },
        );
        Ok(true)
    }
}
