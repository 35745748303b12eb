//! Effect results coming back.

use super::actions::{load_graph, preview};
use super::history::cells_from_messages;
use super::keys::refresh_completion;
use super::prompt::{run_line, send_prompt};
use crate::ai::types::Message;
use crate::tui::host::BranchHistory;
use crate::tui::msg::{Effect, EffectResult};
use crate::tui::overlay::Overlay;
use crate::tui::panes::conversation::{CellKind, NoticeLevel};
use crate::tui::state::State;

pub fn on_result(state: &mut State, id: u64, result: EffectResult, fx: &mut Vec<Effect>) {
    match result {
        EffectResult::Files(files) => {
            state.editor.files = Some(files);
            refresh_completion(state, fx);
        }
        EffectResult::ExternalEditor(Ok(text)) => {
            state.editor.set_text(text.trim_end_matches('\n'));
            refresh_completion(state, fx);
        }
        EffectResult::Arguments { line, items } => {
            state.editor.arg_cache.insert(line, items);
            refresh_completion(state, fx);
        }
        EffectResult::Resumed { width, height } => {
            state.width = width;
            state.height = height;
            state.quit_armed_until = None;
        }
        EffectResult::ExternalEditor(Err(e)) => {
            state.conversation.notice(NoticeLevel::Error, e);
        }
        EffectResult::Graph(r) => {
            if id != state.graph.request {
                return;
            }
            match r {
                Ok(snap) => {
                    let head = snap.head.clone().or(state.status.head.clone());
                    state.graph.set_snapshot(snap, head.as_deref());
                    let h = super::graph_rows(state);
                    state.graph.keep_visible(h);
                    preview(state, fx);
                }
                Err(e) => {
                    state.graph.loaded = true;
                    state.graph.error = Some(e);
                }
            }
        }
        EffectResult::EntryLabels(Ok(labels)) => {
            for (entry_id, label) in labels {
                state.graph.labels.insert(entry_id, Some(label));
            }
        }
        EffectResult::EntryLabels(Err(e)) => state.conversation.notice(NoticeLevel::Error, e),
        EffectResult::EntryPreview { entry_id, text } => {
            if id == state.graph.preview_request {
                let text = crate::tui::panes::graph::clip_preview(text.unwrap_or_else(|e| e));
                state.graph.preview = Some((entry_id, text));
            }
        }
        EffectResult::History(Ok(BranchHistory {
            messages,
            head,
            usage,
        })) => {
            state.conversation.clear();
            cells_from_messages(&mut state.conversation, &messages);
            state.trace.load_history(&messages);
            // At start (nothing typed yet) Up recalls the branch's earlier prompts.
            if state.editor.history.is_empty() {
                let mut prompts: Vec<String> = messages
                    .iter()
                    .filter(|m| matches!(m, Message::User(_)))
                    .map(Message::text)
                    .filter(|t| !t.trim().is_empty())
                    .collect();
                prompts.dedup();
                state.editor.history = prompts;
            }
            // The agent loads the branch lazily: until its first Usage event the status bar
            // shows the branch's total as the session reports it (the one the agent keeps).
            state.status.usage = usage;
            state.status.context_tokens = last_context(&messages);
            state.history_loaded = true;
            for (level, text) in std::mem::take(&mut state.pending_notices) {
                state.conversation.notice(level, text);
            }
            // The session's own head: none after /clear or in a new file.
            state.status.head = head;
        }
        EffectResult::History(Err(e)) => state.conversation.notice(NoticeLevel::Error, e),
        EffectResult::Skills(found, records) => {
            state.skills.records = records;
            super::actions::skills_loaded(state, id, found, fx)
        }
        EffectResult::Registry(entries) => super::skills::registry_loaded(state, id, entries),
        EffectResult::SkillInstalled(result) => super::skills::installed(state, result, fx),
        EffectResult::Command(Ok(reply)) => {
            let text = reply.lines.join("\n");
            if !text.trim().is_empty() {
                let level = if reply.ok {
                    NoticeLevel::Info
                } else {
                    NoticeLevel::Warning
                };
                if reply.session_changed {
                    // The history reloads: show the answer below it.
                    state.pending_notices.push((level, text));
                } else {
                    state.conversation.notice(level, text);
                }
            }
            if let Some(file) = reply.session_file {
                // Another file: what the bar, the graph and the trace showed was the old one's.
                state.status.session = Some(file);
                state.graph.loaded = false;
            }
            if reply.session_changed {
                state.editor.arg_cache.clear();
                let hid = state.next_id();
                fx.push(Effect::LoadHistory { id: hid });
                load_graph(state, fx);
            }
            if let Some(op) = reply.submit {
                let sid = state.next_id();
                fx.push(Effect::Submit { id: sid, op });
            }
            for line in reply.run {
                if line.trim_start().starts_with('/') {
                    run_line(state, line.trim(), fx);
                } else if state.busy.is_some() {
                    state.queue.push_back(line);
                } else {
                    send_prompt(state, line, fx);
                }
            }
            if reply.quit {
                state.quitting = true;
                fx.push(Effect::Quit);
            }
        }
        EffectResult::Command(Err(e)) => state.conversation.notice(NoticeLevel::Error, e),
        EffectResult::Image(Ok(info)) => {
            state.conversation.push(CellKind::Image {
                label: info.label.clone(),
                width: info.width,
                height: info.height,
                key: Some(info.key),
            });
            if info.overlay {
                state.conversation.follow();
                state.overlay = Some(Overlay::Image {
                    title: info.label,
                    key: info.key,
                    width: info.width,
                    height: info.height,
                });
            }
        }
        EffectResult::Image(Err(e)) => state.conversation.notice(NoticeLevel::Error, e),
        EffectResult::SubmitFailed(e) => {
            state.busy = None;
            state.conversation.notice(NoticeLevel::Error, e);
        }
        EffectResult::Copied(Ok(false)) => state.toast("copied to the clipboard (OSC 52)", 2000),
        EffectResult::Copied(Ok(true)) => state.conversation.notice(
            NoticeLevel::Warning,
            "copied only the first 75 KB: terminals drop longer OSC 52 copies",
        ),
        EffectResult::Copied(Err(e)) => state.conversation.notice(NoticeLevel::Error, e),
    }
}

/// The context the last answer used.
fn last_context(messages: &[Message]) -> u64 {
    let mut context = 0;
    for m in messages {
        if let Message::Assistant(a) = m {
            let u = &a.usage;
            let used = u.input + u.cache_read + u.cache_write + u.output;
            if used > 0 {
                context = used;
            }
        }
    }
    context
}
