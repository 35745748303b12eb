//! Agent events: the conversation streams, the trace and status follow, the turn ends.

use super::actions::load_graph;
use super::prompt::send_prompt;
use crate::agent::{CompactionReason, Event, EventMsg};
use crate::tools::SandboxMode;
use crate::tui::approval::ApprovalPrompt;
use crate::tui::msg::{Effect, ImageSource};
use crate::tui::panes::conversation::NoticeLevel;
use crate::tui::state::{Busy, State};

pub fn on_event(state: &mut State, ev: Event, fx: &mut Vec<Effect>) {
    match ev.msg {
        EventMsg::SessionConfigured {
            model,
            session,
            head,
        } => {
            set_model(state, &model);
            state.status.session = session;
            state.status.head = head;
        }
        EventMsg::SandboxChecked {
            mode,
            active: false,
            detail,
        } => {
            state.status.sandbox_warning = Some(
                match mode {
                    SandboxMode::Force => "bash off: no sandbox",
                    _ => "unsandboxed",
                }
                .to_string(),
            );
            state.notice(NoticeLevel::Warning, detail);
        }
        EventMsg::TurnStarted if state.busy.is_none() => {
            state.busy = Some(Busy {
                submission: ev.id,
                since_ms: state.now_ms,
                compacting: false,
            });
        }
        // The entries before this request (the prompt, tool results) are in the session now:
        // the graph shows them as the turn goes on.
        EventMsg::AssistantStarted { .. } if state.graph.loaded => load_graph(state, fx),
        EventMsg::AssistantStarted { .. } => {}
        EventMsg::TextDelta { delta } => state.conversation.text_delta(&delta),
        EventMsg::ThinkingDelta { delta } => state.conversation.thinking_delta(&delta),
        EventMsg::Retry {
            attempt,
            max_retries,
            delay_ms,
            reason,
            model,
        } => state.conversation.notice(
            NoticeLevel::Warning,
            format!(
                "{model}: {reason}; retry {attempt}/{max_retries} in {:.1} s",
                delay_ms as f64 / 1000.0
            ),
        ),
        EventMsg::Fallback { from, to, reason } => state.conversation.notice(
            NoticeLevel::Warning,
            format!("{from} failed ({reason}); falling back to {to}"),
        ),
        EventMsg::AssistantFinished { text, entry_id, .. } => {
            state.conversation.answer_finished(&text);
            if entry_id.is_some() {
                state.status.head = entry_id;
                if state.graph.loaded {
                    load_graph(state, fx);
                }
            }
        }
        EventMsg::ApprovalRequested {
            call_id,
            tool,
            command,
            reason,
            kind,
            ..
        } => {
            state.approvals.push_back(ApprovalPrompt::new(
                ev.id, call_id, tool, command, reason, kind,
            ));
        }
        EventMsg::ToolCallStarted {
            call_id,
            name,
            arguments,
            ..
        } => {
            state.trace.started(&call_id, &name, &arguments);
            state.conversation.tool_started(&call_id, &name, arguments);
        }
        EventMsg::ToolOutputDelta { call_id, chunk } => {
            state.trace.output(&call_id, &chunk);
            state.conversation.tool_output(&call_id, &chunk);
        }
        EventMsg::ToolCallFinished {
            call_id,
            name,
            is_error,
            output,
            duration_ms,
            images,
            ..
        } => {
            state
                .trace
                .finished(&call_id, is_error, &output, duration_ms);
            state
                .conversation
                .tool_finished(&call_id, is_error, &output, duration_ms);
            // Images the tool returned show inline below its cell once decoded.
            let n = images.len();
            for (i, img) in images.into_iter().enumerate() {
                let label = if n > 1 {
                    format!("{name} result {}/{n}", i + 1)
                } else {
                    format!("{name} result")
                };
                let id = state.next_id();
                fx.push(Effect::LoadImage {
                    id,
                    source: ImageSource::Data {
                        label,
                        mime_type: img.mime_type,
                        data: img.data,
                    },
                    overlay: false,
                });
            }
        }
        EventMsg::Usage { turn, session } => {
            state.status.usage = session;
            state.status.context_tokens =
                turn.input + turn.cache_read + turn.cache_write + turn.output;
        }
        EventMsg::ModelChanged { model } => {
            set_model(state, &model);
            // `/model` (and the picker) already said "switching to …": say it once.
            if !state
                .conversation
                .last_notice()
                .is_some_and(|t| t.contains(&format!("switching to {model}")))
            {
                state
                    .conversation
                    .notice(NoticeLevel::Info, format!("model: {model}"));
            }
        }
        EventMsg::Notice { message } => state.conversation.notice(NoticeLevel::Warning, message),
        EventMsg::TurnFinished { .. } => turn_over(state, fx),
        EventMsg::HeadMoved { entry_id } => state.status.head = Some(entry_id),
        EventMsg::TurnCancelled => {
            state
                .conversation
                .notice(NoticeLevel::Warning, "turn cancelled");
            turn_over(state, fx);
        }
        EventMsg::Error { message } => {
            state.conversation.notice(NoticeLevel::Error, message);
            if state
                .busy
                .is_some_and(|b| b.submission == ev.id || ev.id == 0)
            {
                turn_over(state, fx);
            }
        }
        EventMsg::CompactionStarted { reason } => compaction_started(state, ev.id, reason),
        EventMsg::Compacted {
            entry_id,
            summarized,
            kept,
            tokens_before,
            tokens_after,
            usage,
            ..
        } => {
            let text = format!(
                "compacted: {} summarised, {kept} kept; context about {} → {} tokens (the summary cost ${:.4})",
                crate::text::count(summarized, "message", "messages"),
                tokens_before,
                tokens_after,
                usage.cost.total
            );
            state.status.head = Some(entry_id);
            state.status.context_tokens = tokens_after;
            if own_submission(state, ev.id) {
                // `/compact` between turns: the conversation becomes what the model sees now,
                // the summary first, with this notice below it.
                state.pending_notices.push((NoticeLevel::Info, text));
                let id = state.next_id();
                fx.push(Effect::LoadHistory { id });
                turn_over(state, fx);
            } else {
                state.conversation.notice(NoticeLevel::Info, text);
            }
        }
        EventMsg::CompactionSkipped { reason } => {
            state.conversation.notice(NoticeLevel::Info, reason);
            if own_submission(state, ev.id) {
                turn_over(state, fx);
            }
        }
        EventMsg::ShutdownComplete => state.agent_ready = false,
        // The toggle already said so.
        EventMsg::SkillsChanged { .. } => {}
        #[allow(unreachable_patterns)]
        _ => {}
    }
}

/// A compaction starts: a `/compact` makes the app busy (spinner, Ctrl+C cancels it); one the
/// agent starts during a turn says why.
fn compaction_started(state: &mut State, id: u64, reason: CompactionReason) {
    if state.busy.is_none() {
        state.busy = Some(Busy {
            submission: id,
            since_ms: state.now_ms,
            compacting: true,
        });
    }
    let why = match reason {
        CompactionReason::Manual => return,
        CompactionReason::Threshold => "the context is near the model's window",
        CompactionReason::Overflow => "the provider refused the context as too long",
    };
    state.conversation.notice(
        NoticeLevel::Info,
        format!("{why}: summarising the older part of the branch…"),
    );
}

/// Whether the busy state belongs to the compaction submission `id` (not to a turn).
fn own_submission(state: &State, id: u64) -> bool {
    state
        .busy
        .is_some_and(|b| b.submission == id && b.compacting)
}

fn set_model(state: &mut State, model: &str) {
    state.status.model = model.to_string();
    state.status.context_window = state
        .models
        .iter()
        .find(|m| m.name == model)
        .map(|m| m.context_window);
}

/// The turn is over: the next queued prompt goes out, the graph catches up.
fn turn_over(state: &mut State, fx: &mut Vec<Effect>) {
    state.busy = None;
    // Nothing waits for an answer once the turn is over.
    state.approvals.clear();
    // "cancelling the turn…" is done.
    if state
        .toast
        .as_ref()
        .is_some_and(|t| t.text.starts_with("cancelling"))
    {
        state.toast = None;
    }
    state.conversation.turn_ended();
    state.trace.turn_ended();
    if state.graph.loaded {
        load_graph(state, fx);
    }
    if let Some(next) = state.queue.pop_front() {
        send_prompt(state, next, fx);
    }
}
