//! What each action of the keymap does.

use super::prompt::{run_line, submit};
use super::{conversation_size, graph_rows, scroll_conversation};
use crate::agent::Op;
use crate::tui::config::keymap::{Action, Context};
use crate::tui::layout::{areas, inner};
use crate::tui::msg::{Effect, NameKind};
use crate::tui::overlay::{ListPicker, Overlay, PaletteKind, palette_items};
use crate::tui::panes::conversation::NoticeLevel;
use crate::tui::panes::conversation::ToolStatus;
use crate::tui::panes::graph::NamePrompt;
use crate::tui::state::{Pane, State};

/// How long a first Ctrl+C waits for the second.
const QUIT_WINDOW_MS: u64 = 2000;

pub fn do_action(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    match action {
        Action::Quit => quit(state, fx),
        Action::Interrupt => interrupt(state, fx),
        Action::Suspend => {
            let id = state.next_id();
            fx.push(Effect::Suspend { id });
        }
        Action::FocusNext => cycle_focus(state, 1),
        Action::FocusPrev => cycle_focus(state, -1),
        Action::FocusConversation => state.focus = Pane::Conversation,
        Action::FocusEditor => state.focus = Pane::Editor,
        Action::FocusGraph => focus_graph(state, fx),
        Action::FocusTrace => state.focus = Pane::Trace,
        Action::FocusSkills => focus_skills(state, fx),
        Action::InstallSkill => super::skills::open_registry(state, fx),
        Action::Zoom => state.zoom = !state.zoom,
        Action::SplitGrow => state.split = (state.split + 5).min(90),
        Action::SplitShrink => state.split = state.split.saturating_sub(5).max(30),
        Action::Help => state.overlay = Some(Overlay::Help { scroll: 0 }),
        Action::Palette => {
            let items = palette_items(&state.keymap, &state.editor.commands);
            state.overlay = Some(Overlay::Picker {
                kind: PaletteKind::Palette,
                list: ListPicker::new(items),
            });
        }
        Action::ModelPicker => open_models(state),
        Action::ToggleMouse => {
            state.mouse_capture = !state.mouse_capture;
            fx.push(Effect::SetMouseCapture(state.mouse_capture));
            let what = if state.mouse_capture {
                "mouse on: wheel scrolls"
            } else {
                "mouse off: the terminal selects text"
            };
            state.toast(what, 3000);
        }
        Action::CopyLastAnswer => copy_last(state, fx),
        Action::SelectPrev | Action::SelectNext => {
            let d = if action == Action::SelectPrev { -1 } else { 1 };
            let (w, h) = conversation_size(state);
            state.focus = Pane::Conversation;
            state.conversation.select_by(d, &state.theme, w, h);
        }
        Action::CopySelected => copy_selected(state, fx),
        Action::ToggleThinking => toggle_thinking(state, false),
        Action::ToggleSelectedThinking => toggle_thinking(state, true),
        Action::PageUp => page(state, -1),
        Action::PageDown => page(state, 1),
        Action::ScrollUp => scroll_conversation(state, -1),
        Action::ScrollDown => scroll_conversation(state, 1),
        Action::Top | Action::Bottom => top_bottom(state, action == Action::Top),
        Action::Submit => submit(state, fx),
        Action::Newline => {
            state.editor.textarea.insert_newline();
            super::keys::after_edit(state, fx);
        }
        Action::HistoryPrev => {
            state.editor.history_prev();
        }
        Action::HistoryNext => {
            state.editor.history_next();
        }
        Action::ExternalEditor => {
            let id = state.next_id();
            fx.push(Effect::ExternalEditor {
                id,
                text: state.editor.text(),
            });
        }
        Action::Clear => state.editor.clear(),
        Action::CompleteNext => state.editor.completion_move(1),
        Action::CompletePrev => state.editor.completion_move(-1),
        Action::CompleteAccept => {
            if !state.editor.completion_accept() && state.editor.completion.is_none() {
                submit(state, fx);
            }
            super::keys::after_edit(state, fx);
        }
        // Enter: a word already whole (`/session`) is sent; a partial one is completed.
        Action::CompleteOrSubmit => {
            if state.editor.completion_is_complete() {
                state.editor.completion = None;
                submit(state, fx);
            } else {
                do_action(state, Action::CompleteAccept, fx);
            }
        }
        Action::CompleteCancel => state.editor.completion = None,
        Action::Up | Action::Down => {
            let d = if action == Action::Up { -1 } else { 1 };
            match state.focus {
                Pane::Graph => {
                    let h = graph_rows(state);
                    state.graph.move_cursor(d, h);
                    preview(state, fx);
                }
                Pane::Trace => {
                    let h = trace_rows(state);
                    state.trace.move_cursor(d, h);
                }
                Pane::Skills => state.skills.move_cursor(d),
                _ => scroll_conversation(state, d),
            }
        }
        Action::Select => select(state, fx),
        Action::Close => state.overlay = None,
        Action::SetAlias | Action::SetBookmark => {
            if let Some(id) = state.graph.selected_id() {
                let kind = if action == Action::SetAlias {
                    NameKind::Alias
                } else {
                    NameKind::Bookmark
                };
                state.graph.prompt = Some(NamePrompt {
                    kind,
                    entry_id: id.to_string(),
                    input: String::new(),
                });
            }
        }
        Action::Refresh => match state.focus {
            Pane::Skills => load_skills(state, fx),
            _ => load_graph(state, fx),
        },
    }
}

fn trace_rows(state: &State) -> usize {
    areas(state).trace.map_or(10, |r| inner(r).height as usize)
}

pub(super) fn quit(state: &mut State, fx: &mut Vec<Effect>) {
    state.quitting = true;
    fx.push(Effect::Quit);
}

/// Ctrl+C: cancel the turn; else clear the prompt; else arm, and quit on the second press.
fn interrupt(state: &mut State, fx: &mut Vec<Effect>) {
    if state.busy.is_some() {
        let id = state.next_id();
        fx.push(Effect::Submit {
            id,
            op: Op::Interrupt,
        });
        let n = state.unqueue_into_editor();
        if n > 0 {
            let note = format!("{n} queued prompt(s) put back in the editor");
            state.conversation.notice(NoticeLevel::Info, note);
        }
        state.toast("cancelling the turn…", 3000);
    } else if !state.editor.is_empty() {
        state.editor.clear();
    } else if state.quit_armed_until.is_some() {
        quit(state, fx);
    } else {
        state.quit_armed_until = Some(state.now_ms + QUIT_WINDOW_MS);
        state.toast("press Ctrl+C again to quit", QUIT_WINDOW_MS);
    }
}

fn cycle_focus(state: &mut State, d: isize) {
    let order = Pane::ALL;
    let i = order.iter().position(|p| *p == state.focus).unwrap_or(0) as isize;
    let n = order.len() as isize;
    state.focus = order[((i + d).rem_euclid(n)) as usize];
}

pub(super) fn focus_graph(state: &mut State, fx: &mut Vec<Effect>) {
    state.focus = Pane::Graph;
    if !state.graph.loaded {
        load_graph(state, fx);
    }
}

pub(super) fn focus_skills(state: &mut State, fx: &mut Vec<Effect>) {
    state.focus = Pane::Skills;
    if !state.skills.loaded && state.skills.dir.is_some() {
        load_skills(state, fx);
    }
}

pub fn load_graph(state: &mut State, fx: &mut Vec<Effect>) {
    let id = state.next_id();
    state.graph.request = id;
    fx.push(Effect::LoadGraph { id });
}

pub fn load_skills(state: &mut State, fx: &mut Vec<Effect>) {
    if state.skills.dir.is_some() {
        let id = state.next_id();
        state.skills.request = id;
        fx.push(Effect::LoadSkills { id });
    }
}

/// The skills folders were read (at start, on focus, or after a change on disk): the pane
/// shows them, and the agent gets the new active skills and index if they changed.
pub fn skills_loaded(
    state: &mut State,
    id: u64,
    found: crate::skills::discover::Discovery,
    fx: &mut Vec<Effect>,
) {
    if id != state.skills.request {
        return;
    }
    state.skills.set_discovery(found);
    send_skills(state, fx);
}

/// Sends the agent the skills of the system prompt, if they changed since the last time.
pub fn send_skills(state: &mut State, fx: &mut Vec<Effect>) {
    if let Some(op) = state.skills.take_op() {
        let id = state.next_id();
        fx.push(Effect::Submit { id, op });
    }
}

/// Asks for the labels of graph entries coming into view.
pub fn request_labels(state: &mut State, fx: &mut Vec<Effect>) {
    if !state.graph.loaded || state.graph.error.is_some() || areas(state).graph.is_none() {
        return;
    }
    let h = graph_rows(state);
    let ids = state.graph.take_missing_labels(h);
    if !ids.is_empty() {
        let id = state.next_id();
        fx.push(Effect::LoadEntryLabels { id, ids });
    }
}

/// Asks for the text of the graph entry at the cursor.
pub fn preview(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(entry_id) = state.graph.selected_id().map(str::to_string) else {
        return;
    };
    if state
        .graph
        .preview
        .as_ref()
        .is_some_and(|(id, _)| *id == entry_id)
    {
        return;
    }
    let id = state.next_id();
    state.graph.preview_request = id;
    fx.push(Effect::PreviewEntry { id, entry_id });
}

/// The picker of `pi --resume`: (path, "age · first prompt") of each session, newest first.
pub fn open_sessions(state: &mut State, sessions: Vec<(String, String)>) {
    if sessions.is_empty() {
        state.toast("no earlier session in this directory", 3000);
        return;
    }
    state.overlay = Some(Overlay::Picker {
        kind: PaletteKind::Sessions,
        list: ListPicker::new(sessions),
    });
}

pub(super) fn open_models(state: &mut State) {
    let mut items: Vec<(String, String)> = state
        .models
        .iter()
        .map(|m| {
            let mark = if m.name == state.status.model {
                "● "
            } else {
                ""
            };
            let key = m
                .missing_key
                .as_deref()
                .map(|var| format!("  · {var} not set"))
                .unwrap_or_default();
            (
                m.name.clone(),
                format!("{mark}{}  {}k ctx{key}", m.label, m.context_window / 1000),
            )
        })
        .collect();
    // The model in use is always there, even one the catalog does not know.
    if !state.status.model.is_empty() && !items.iter().any(|(n, _)| *n == state.status.model) {
        items.insert(
            0,
            (
                state.status.model.clone(),
                "● in use (not in the model catalog)".to_string(),
            ),
        );
    }
    state.overlay = Some(Overlay::Picker {
        kind: PaletteKind::Models,
        list: ListPicker::at(items, &state.status.model),
    });
}

pub(super) fn copy_last(state: &mut State, fx: &mut Vec<Effect>) {
    match state.conversation.last_answer() {
        Some(text) => {
            let text = text.to_string();
            let id = state.next_id();
            fx.push(Effect::Copy { id, text });
        }
        None => state.toast("no answer to copy yet", 2000),
    }
}

fn copy_selected(state: &mut State, fx: &mut Vec<Effect>) {
    match state.conversation.selected_text() {
        Some(text) => {
            let id = state.next_id();
            fx.push(Effect::Copy { id, text });
        }
        None => {
            let keys = select_keys(state);
            state.toast(format!("select a message first ({keys})"), 3000);
        }
    }
}

/// Ctrl+T opens or closes the selected thinking block while the conversation shows the
/// selection, else every one (new ones follow); `only_selected` (Enter) never toggles all.
fn toggle_thinking(state: &mut State, only_selected: bool) {
    let (w, h) = conversation_size(state);
    let selection_shown = only_selected || state.focus == Pane::Conversation;
    if selection_shown && state.conversation.toggle_selected(&state.theme, w, h) {
        return;
    }
    if !only_selected {
        state.conversation.toggle_thinking();
        return;
    }
    if state.conversation.selected.is_some() {
        state.toast("the selected message is not a thinking block", 3000);
    } else {
        let keys = select_keys(state);
        state.toast(format!("select a thinking block first ({keys})"), 3000);
    }
}

/// The keys that select a message, for hints.
fn select_keys(state: &State) -> String {
    state
        .keymap
        .keys_for(Context::Conversation, Action::SelectPrev)
        .unwrap_or_else(|| "select_prev".into())
}

fn page(state: &mut State, dir: isize) {
    let (_, h) = conversation_size(state);
    scroll_conversation(state, dir * (h.saturating_sub(2).max(1) as isize));
}

fn top_bottom(state: &mut State, top: bool) {
    match state.focus {
        Pane::Graph => {
            let h = graph_rows(state);
            let n = state.graph.rows.len() as isize;
            state.graph.move_cursor(if top { -n } else { n }, h);
        }
        Pane::Trace => {
            let h = trace_rows(state);
            let n = state.trace.rows.len() as isize;
            state.trace.move_cursor(if top { -n } else { n }, h);
        }
        _ if top => state.conversation.scroll_top(),
        _ => state.conversation.follow(),
    }
}

fn select(state: &mut State, fx: &mut Vec<Effect>) {
    match state.focus {
        Pane::Graph => {
            if let Some(id) = state.graph.selected_id().map(str::to_string) {
                if state.busy.is_some() {
                    state.toast(
                        "wait for the turn to end (or Ctrl+C) to move the head",
                        3000,
                    );
                    return;
                }
                run_line(state, &format!("/branch {id}"), fx);
                // Moving the head is done with the graph: what comes next is a prompt.
                state.focus = Pane::Editor;
            }
        }
        Pane::Trace => {
            if let Some(r) = state.trace.selected() {
                state.overlay = Some(Overlay::Text {
                    title: format!("{} {}", r.name, r.summary),
                    text: if r.output.is_empty() {
                        "(no output)".into()
                    } else {
                        r.output.clone()
                    },
                    scroll: 0,
                    diff: r.name == "edit" && r.status == ToolStatus::Ok,
                });
            }
        }
        Pane::Skills => {
            if let Some((name, on)) = state.skills.toggle() {
                let what = if on { "active" } else { "off" };
                state.toast(format!("skill {name} {what} from the next request"), 3000);
                send_skills(state, fx);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod skills_reload_tests;
