//! One user turn: assistant → tools → assistant ... until the model stops, with automatic
//! compaction when the next request would not fit the context window, and one retry after
//! compacting when the provider reports an overflow anyway.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::compact::CompactError;
use super::overflow::is_context_overflow;
use super::protocol::{CompactionReason, Event, EventMsg, ImageInput};
use super::task::Agent;
use crate::ai::types::{
    AssistantMessage, ContentBlock, Message, StopReason, ToolResultMessage, Usage, UserContent,
    UserMessage, now_ms,
};
use crate::ai::{AiError, CompletionRequest, StreamEvent, mapping_note};

/// How one user turn ended.
enum TurnOutcome {
    Done {
        text: String,
        stop_reason: StopReason,
        turns: u32,
    },
    Cancelled,
    Failed(String),
}

impl Agent {
    pub(super) async fn user_turn(
        &mut self,
        id: u64,
        text: String,
        images: Vec<ImageInput>,
        cancel: CancellationToken,
    ) {
        self.emit(id, EventMsg::TurnStarted);
        let content = if images.is_empty() {
            UserContent::Text(text)
        } else {
            let mut blocks = vec![ContentBlock::text(text)];
            blocks.extend(images.into_iter().map(|i| ContentBlock::Image {
                data: i.data,
                mime_type: i.mime_type,
            }));
            UserContent::Blocks(blocks)
        };
        let user = Message::User(UserMessage {
            content,
            timestamp: now_ms(),
        });
        // A missing key fails the turn before anything is written.
        let started = self
            .cfg
            .client
            .check_model(&self.cfg.model)
            .map_err(|e| e.to_string())
            .and_then(|()| self.sync())
            .and_then(|()| self.ensure_model_recorded())
            .and_then(|()| self.push_message(user));
        if let Err(e) = started {
            self.emit_error(id, e);
            return;
        }

        let timeout_ms = self.cfg.turn_timeout_ms;
        let timer_cancel = cancel.clone();
        let outcome = {
            let turn = self.turn_loop(id, &cancel);
            tokio::pin!(turn);
            let mut timed_out = false;
            let timer = async {
                if timeout_ms == 0 {
                    std::future::pending::<()>().await;
                }
                tokio::time::sleep(Duration::from_millis(timeout_ms)).await;
            };
            tokio::pin!(timer);
            loop {
                tokio::select! {
                    o = &mut turn => break if timed_out {
                        TurnOutcome::Failed(format!(
                            "the turn took longer than --turn-timeout-ms {timeout_ms} and was stopped"
                        ))
                    } else { o },
                    () = &mut timer, if !timed_out => {
                        timed_out = true;
                        timer_cancel.cancel();
                    }
                }
            }
        };
        match outcome {
            TurnOutcome::Done {
                text,
                stop_reason,
                turns,
            } => self.emit(
                id,
                EventMsg::TurnFinished {
                    text,
                    stop_reason,
                    turns,
                },
            ),
            TurnOutcome::Cancelled => self.emit(id, EventMsg::TurnCancelled),
            TurnOutcome::Failed(message) => self.emit_error(id, message),
        }
    }

    fn request(&self) -> CompletionRequest {
        CompletionRequest {
            system_prompt: self.system_prompt(),
            messages: self.messages.clone(),
            tools: self.tools.clone(),
            max_output_tokens: self.cfg.max_output_tokens,
            thinking: self.cfg.thinking,
            stream: self.cfg.stream,
        }
    }

    /// Tells the user, once per model and level, when the thinking level is asked as another
    /// value because the model does not take it.
    fn note_effort_mapping(&mut self, id: u64) {
        let model = &self.cfg.model;
        let key = (model.to_string(), self.cfg.thinking);
        if self.effort_notes.contains(&key) {
            return;
        }
        let info = self.cfg.client.catalog().find(model);
        if let Some(message) = mapping_note(model, info, self.cfg.thinking) {
            self.emit(id, EventMsg::Notice { message });
        }
        self.effort_notes.insert(key);
    }

    /// One model request, compacting and retrying once if the provider says it is too long.
    async fn request_assistant(
        &mut self,
        id: u64,
        cancel: &CancellationToken,
    ) -> Result<AssistantMessage, TurnOutcome> {
        self.note_effort_mapping(id);
        let mut compacted_for_overflow = false;
        loop {
            let request = self.request();
            let events = self.events.clone();
            // What has streamed so far, kept if the turn is cancelled mid-answer.
            let partial = Arc::new(Mutex::new(self.cfg.client.message_builder(&self.cfg.model)));
            let sink = partial.clone();
            let forward = move |ev: &StreamEvent| {
                sink.lock().unwrap_or_else(PoisonError::into_inner).push(ev);
                if let Some(msg) = stream_event_to_msg(ev) {
                    let _ = events.send(Event { id, msg });
                }
            };
            let result = self
                .cfg
                .client
                .complete(&self.cfg.model, &request, cancel, forward)
                .await;
            match result {
                Ok(a) => return Ok(a),
                Err(AiError::Cancelled) => {
                    let so_far = partial
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .message()
                        .clone();
                    self.save_aborted(id, so_far);
                    return Err(TurnOutcome::Cancelled);
                }
                Err(e) if !compacted_for_overflow && is_context_overflow(&e) => {
                    compacted_for_overflow = true;
                    match self
                        .compact(id, CompactionReason::Overflow, None, cancel)
                        .await
                    {
                        Ok(true) => {}
                        Ok(false) => return Err(TurnOutcome::Failed(e.to_string())),
                        Err(CompactError::Cancelled) => return Err(TurnOutcome::Cancelled),
                        Err(CompactError::Failed(why)) => {
                            return Err(TurnOutcome::Failed(format!(
                                "{e}; compacting the conversation to make room failed: {why}"
                            )));
                        }
                    }
                }
                Err(e) => return Err(TurnOutcome::Failed(e.to_string())),
            }
        }
    }

    /// Assistant → tools → assistant ... until the model stops, fails or is cancelled.
    async fn turn_loop(&mut self, id: u64, cancel: &CancellationToken) -> TurnOutcome {
        // Once a compaction could not bring the context under the threshold, another one in
        // the same turn would only cost a request.
        let mut auto_compact = true;
        for turn in 1..=self.cfg.max_turns.max(1) {
            if cancel.is_cancelled() {
                return TurnOutcome::Cancelled;
            }
            if auto_compact && self.over_threshold() {
                match self
                    .compact(id, CompactionReason::Threshold, None, cancel)
                    .await
                {
                    Ok(_) if self.over_threshold() => {
                        auto_compact = false;
                        self.emit(
                            id,
                            EventMsg::Notice {
                                message: "the conversation is still near the context window after compaction; the provider may refuse the request".to_string(),
                            },
                        );
                    }
                    Ok(_) => {}
                    Err(CompactError::Cancelled) => return TurnOutcome::Cancelled,
                    Err(CompactError::Failed(why)) => {
                        auto_compact = false;
                        self.emit(
                            id,
                            EventMsg::Notice {
                                message: format!("automatic compaction failed ({why}); continuing"),
                            },
                        );
                    }
                }
            }
            self.emit(
                id,
                EventMsg::AssistantStarted {
                    model: self.cfg.model.to_string(),
                },
            );
            let assistant = match self.request_assistant(id, cancel).await {
                Ok(a) => a,
                Err(outcome) => return outcome,
            };
            if cancel.is_cancelled() {
                // Cancelled as the answer ended: kept like a cut-off one, its tool calls unrun.
                self.save_aborted(id, assistant);
                return TurnOutcome::Cancelled;
            }
            let entry_id = match self.push_message(Message::Assistant(assistant.clone())) {
                Ok(eid) => Some(eid),
                Err(e) => return TurnOutcome::Failed(e),
            };
            self.session_usage.add(&assistant.usage);
            self.emit(
                id,
                EventMsg::AssistantFinished {
                    text: assistant.text(),
                    stop_reason: assistant.stop_reason,
                    entry_id,
                },
            );
            self.emit(
                id,
                EventMsg::Usage {
                    turn: assistant.usage,
                    session: self.session_usage,
                },
            );
            let calls = assistant.tool_calls();
            if calls.is_empty() {
                return TurnOutcome::Done {
                    text: assistant.text(),
                    stop_reason: assistant.stop_reason,
                    turns: turn,
                };
            }
            let decided = self.decide_calls(id, &calls, cancel).await;
            let outputs = self.run_tools(id, &calls, &decided, cancel).await;
            for ((call_id, name, _), out) in calls.into_iter().zip(outputs) {
                let result = Message::ToolResult(ToolResultMessage {
                    tool_call_id: call_id,
                    tool_name: name,
                    content: out.content,
                    is_error: out.is_error,
                    timestamp: now_ms(),
                    details: out.details,
                    duration_ms: out.duration_ms,
                });
                if let Err(e) = self.push_message(result) {
                    return TurnOutcome::Failed(e);
                }
            }
            if cancel.is_cancelled() || decided.stopped {
                return TurnOutcome::Cancelled;
            }
        }
        TurnOutcome::Failed(format!(
            "stopped after {} model requests in one turn (--max-turns); ask again to continue",
            self.cfg.max_turns
        ))
    }

    /// Records an answer cut off by a cancel, as pi does: its text and thinking so far, with
    /// stop reason `aborted` (tool calls, perhaps half-streamed, are dropped; they never ran).
    /// Nothing is written when no text had come yet.
    fn save_aborted(&mut self, id: u64, mut message: AssistantMessage) {
        keep_said(&mut message);
        let said = message
            .content
            .iter()
            .any(|b| matches!(b, ContentBlock::Text { text } if !text.trim().is_empty()));
        if !said {
            return;
        }
        message.stop_reason = StopReason::Aborted;
        let text = message.text();
        let usage = message.usage;
        match self.push_message(Message::Assistant(message)) {
            Ok(entry_id) => {
                self.session_usage.add(&usage);
                self.emit(
                    id,
                    EventMsg::AssistantFinished {
                        text,
                        stop_reason: StopReason::Aborted,
                        entry_id: Some(entry_id),
                    },
                );
                // Most providers report usage only at the end of a response.
                if usage != Usage::default() {
                    self.emit(
                        id,
                        EventMsg::Usage {
                            turn: usage,
                            session: self.session_usage,
                        },
                    );
                }
            }
            Err(e) => tracing::warn!("the cancelled answer was not saved: {e}"),
        }
    }
}

/// The protocol event a provider stream event shows to front ends, if any.
pub(super) fn stream_event_to_msg(ev: &StreamEvent) -> Option<EventMsg> {
    match ev {
        StreamEvent::TextDelta { delta } => Some(EventMsg::TextDelta {
            delta: delta.clone(),
        }),
        StreamEvent::ThinkingDelta { delta } => Some(EventMsg::ThinkingDelta {
            delta: delta.clone(),
        }),
        StreamEvent::Retry {
            attempt,
            max_retries,
            delay_ms,
            reason,
            model,
        } => Some(EventMsg::Retry {
            attempt: *attempt,
            max_retries: *max_retries,
            delay_ms: *delay_ms,
            reason: reason.clone(),
            model: model.clone(),
        }),
        StreamEvent::Notice { message } => Some(EventMsg::Notice {
            message: message.clone(),
        }),
        StreamEvent::Fallback {
            from, to, reason, ..
        } => Some(EventMsg::Fallback {
            from: from.clone(),
            to: to.clone(),
            reason: reason.clone(),
        }),
        _ => None,
    }
}

/// Of a cut-off answer, what was said: its text and thinking (tool calls never ran). Each
/// kept reasoning item keeps its place among what is left, and one whose following block was
/// removed goes too (it led to a call that is not there).
fn keep_said(message: &mut AssistantMessage) {
    let said =
        |b: &ContentBlock| matches!(b, ContentBlock::Text { .. } | ContentBlock::Thinking { .. });
    let kept_before: Vec<usize> = message
        .content
        .iter()
        .scan(0, |n, b| {
            let before = *n;
            *n += usize::from(said(b));
            Some(before)
        })
        .collect();
    let content = &message.content;
    message
        .reasoning_items
        .retain_mut(|r| match content.get(r.at) {
            Some(next) if said(next) => {
                r.at = kept_before[r.at];
                true
            }
            _ => false,
        });
    message.content.retain(said);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ai::types::ReasoningItem;
    use serde_json::json;

    #[test]
    fn a_cut_off_answer_keeps_its_reasoning_in_place() {
        let call = ContentBlock::ToolCall {
            id: "c".into(),
            name: "ls".into(),
            arguments: json!({}),
        };
        let item = |at: usize, id: &str| ReasoningItem {
            at,
            item: json!({"id": id}),
        };
        // [reasoning a] call, [reasoning b] text: a led to the call (gone), b to the text.
        let mut m = AssistantMessage {
            content: vec![call, ContentBlock::text("partial")],
            reasoning_items: vec![item(0, "a"), item(1, "b")],
            ..Default::default()
        };
        keep_said(&mut m);
        assert_eq!(m.content, vec![ContentBlock::text("partial")]);
        assert_eq!(m.reasoning_items, vec![item(0, "b")]);
    }
}
