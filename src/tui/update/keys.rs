//! Keys: the keymap turns them into actions for the overlay, the focused pane or the whole
//! app; keys no binding claims are text for the editor (or the filter being typed).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::actions::do_action;
use super::prompt::run_line;
use crate::agent::Op;
use crate::tui::approval::{self, ApprovalKey};
use crate::tui::config::keymap::{Action, Context};
use crate::tui::msg::{Effect, NameKind};
use crate::tui::panes::graph::NamePrompt;
use ratatui::layout::Rect;

use crate::tui::layout::areas;
use crate::tui::overlay::{self, Overlay, PaletteKind};
use crate::tui::pane_keys;
use crate::tui::state::{Pane, State};

pub fn on_key(state: &mut State, key: KeyEvent, fx: &mut Vec<Effect>) {
    if key.kind == KeyEventKind::Release {
        return;
    }
    // An approval is answered before anything else gets a key.
    if let Some(prompt) = state.approvals.front_mut() {
        let interrupt =
            state.keymap.resolve(&[Context::Global], &key, false) == Some(Action::Interrupt);
        if let ApprovalKey::Answer(decision) = prompt.key(key, interrupt) {
            let call_id = prompt.call_id.clone();
            state.approvals.pop_front();
            let id = state.next_id();
            fx.push(Effect::Submit {
                id,
                op: Op::Approve { call_id, decision },
            });
        } else {
            let max = approval::max_scroll(prompt, Rect::new(0, 0, state.width, state.height));
            prompt.scroll = prompt.scroll.min(max);
        }
        return;
    }
    if state.overlay.is_some() {
        overlay_key(state, key, fx);
        return;
    }
    // A modal prompt (the vim keymap) takes Esc in insert mode and its keys in normal mode.
    if state.focus == Pane::Editor && state.editor.vim_key(key, &state.keymap) {
        state.quit_armed_until = None;
        return;
    }
    if state.graph.prompt.is_some() && state.focus == Pane::Graph {
        name_prompt_key(state, key, fx);
        return;
    }
    let (contexts, typing): (Vec<Context>, bool) = match state.focus {
        Pane::Editor if state.editor.completion.is_some() => (
            vec![Context::Completion, Context::Editor, Context::Global],
            true,
        ),
        Pane::Editor => (vec![Context::Editor, Context::Global], true),
        Pane::Conversation => (vec![Context::Conversation, Context::Global], false),
        Pane::Graph => (vec![Context::Graph, Context::Global], false),
        Pane::Trace => (vec![Context::Trace, Context::Global], false),
        Pane::Skills => (vec![Context::Skills, Context::Global], true),
    };
    let mut action = state.keymap.resolve(&contexts, &key, typing);
    // A letter does a pane's action only when the pane shows it; else it is prompt text.
    if !typing && pane_keys::is_printable(&key) {
        let width = areas(state).of(state.focus).map_or(0, |r| r.width);
        if action.is_some_and(|a| !pane_keys::shown(&state.keymap, state.focus, width, a)) {
            action = None;
        }
    }
    // Ctrl+D on a non-empty prompt deletes, as in a shell.
    let action = match action {
        Some(Action::Quit) if state.focus == Pane::Editor && !state.editor.is_empty() => None,
        // Up/Down inside a multi-line prompt move the cursor; at the edges they walk history.
        Some(Action::HistoryPrev) if !state.editor.on_first_line() => None,
        Some(Action::HistoryNext) if !state.editor.on_last_line() => None,
        other => other,
    };
    if let Some(a) = action {
        if a != Action::Interrupt {
            state.quit_armed_until = None;
        }
        do_action(state, a, fx);
        return;
    }
    state.quit_armed_until = None;
    text_key(state, key, fx);
}

/// A key no binding claimed: text for whatever takes text.
fn text_key(state: &mut State, key: KeyEvent, fx: &mut Vec<Effect>) {
    let plain_char = matches!(key.code, KeyCode::Char(_))
        && !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    match state.focus {
        Pane::Editor => {
            state.editor.input(key);
            after_edit(state, fx);
        }
        Pane::Skills => {
            match key.code {
                KeyCode::Char(c) if plain_char => state.skills.filter.push(c),
                KeyCode::Backspace => {
                    state.skills.filter.pop();
                }
                _ => return,
            }
            state.skills.refilter();
        }
        // Typing anywhere else goes to the prompt.
        Pane::Conversation | Pane::Graph | Pane::Trace if plain_char => {
            state.focus = Pane::Editor;
            state.editor.input(key);
            after_edit(state, fx);
        }
        _ => {}
    }
}

/// After the prompt changed: completion follows, and the file list is asked for once.
pub fn after_edit(state: &mut State, fx: &mut Vec<Effect>) {
    state.editor.history_pos = None;
    refresh_completion(state, fx);
}

/// Recomputes the completion list and asks for what it lacks (the file list, the candidates
/// for a command's argument).
pub fn refresh_completion(state: &mut State, fx: &mut Vec<Effect>) {
    let needs = state.editor.refresh_completion();
    if needs.files {
        let id = state.next_id();
        fx.push(Effect::ListFiles { id });
    }
    if let Some(line) = needs.arguments {
        let id = state.next_id();
        fx.push(Effect::CompleteArguments { id, line });
    }
}

fn name_prompt_key(state: &mut State, key: KeyEvent, fx: &mut Vec<Effect>) {
    let Some(p) = &mut state.graph.prompt else {
        return;
    };
    match key.code {
        KeyCode::Esc => state.graph.prompt = None,
        KeyCode::Backspace => {
            p.input.pop();
        }
        KeyCode::Char(c) if !c.is_whitespace() => p.input.push(c),
        KeyCode::Enter => {
            let Some(NamePrompt {
                kind,
                entry_id,
                input,
            }) = state.graph.prompt.take()
            else {
                return;
            };
            if input.is_empty() {
                return;
            }
            let line = match kind {
                NameKind::Alias => format!("/branch-alias set {input} {entry_id}"),
                NameKind::Bookmark => format!("/session-bookmark set {input} {entry_id}"),
            };
            let id = state.next_id();
            fx.push(Effect::RunCommand { id, line });
        }
        _ => {}
    }
}

fn overlay_key(state: &mut State, key: KeyEvent, fx: &mut Vec<Effect>) {
    let list_action = state.keymap.resolve(&[Context::List], &key, true);
    let global = state.keymap.resolve(&[Context::Global], &key, false);
    let Some(overlay) = &mut state.overlay else {
        return;
    };
    // Ctrl+C and Esc always close an overlay.
    if matches!(list_action, Some(Action::Close))
        || matches!(global, Some(Action::Interrupt))
        || key.code == KeyCode::Esc
    {
        state.overlay = None;
        return;
    }
    match overlay {
        Overlay::Help { scroll } | Overlay::Text { scroll, .. } => match key.code {
            KeyCode::Up | KeyCode::Char('k') => *scroll = scroll.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => *scroll += 1,
            KeyCode::PageUp => *scroll = scroll.saturating_sub(10),
            KeyCode::PageDown | KeyCode::Char(' ') => *scroll += 10,
            KeyCode::Home => *scroll = 0,
            KeyCode::End => *scroll = usize::MAX,
            KeyCode::Char('q') | KeyCode::Enter => state.overlay = None,
            _ if global == Some(Action::Help) => state.overlay = None,
            _ => {}
        },
        Overlay::Image { .. } => state.overlay = None,
        Overlay::Picker { kind, list } => match list_action {
            Some(Action::Up) => list.move_cursor(-1),
            Some(Action::Down) => list.move_cursor(1),
            Some(Action::Select) => {
                let kind = *kind;
                let chosen = list.selected().map(|(v, _)| v.clone());
                state.overlay = None;
                if let Some(v) = chosen {
                    picked(state, kind, &v, fx);
                }
            }
            _ => match key.code {
                KeyCode::Char(c)
                    if !key
                        .modifiers
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
                {
                    list.query.push(c);
                    list.refilter();
                }
                KeyCode::Backspace => {
                    list.query.pop();
                    list.refilter();
                }
                _ => {}
            },
        },
    }
    clamp_overlay_scroll(state);
}

/// Keeps a scrolling overlay's last row at the bottom at most (no scrolling into nothing).
fn clamp_overlay_scroll(state: &mut State) {
    let area = Rect::new(0, 0, state.width, state.height);
    let Some(o) = &state.overlay else { return };
    let max = overlay::max_scroll(o, &state.keymap, &state.theme, area);
    if let Some(Overlay::Help { scroll } | Overlay::Text { scroll, .. }) = &mut state.overlay {
        *scroll = (*scroll).min(max);
    }
}

fn picked(state: &mut State, kind: PaletteKind, value: &str, fx: &mut Vec<Effect>) {
    match kind {
        PaletteKind::Models => run_line(state, &format!("/model {value}"), fx),
        PaletteKind::RegistrySkills => super::skills::install_picked(state, value, fx),
        PaletteKind::Sessions => {
            let quoted = value.replace('\\', "\\\\").replace('"', "\\\"");
            run_line(state, &format!("/session-open \"{quoted}\""), fx);
        }
        PaletteKind::Palette => {
            if let Some(cmd) = value.strip_prefix('/') {
                // Commands with arguments go to the prompt to be completed.
                let takes_args = state
                    .editor
                    .commands
                    .iter()
                    .find(|(n, _)| n == cmd)
                    .is_some_and(|(_, help)| help.contains('<') || help.contains('['));
                if takes_args {
                    state.editor.set_text(&format!("/{cmd} "));
                    state.focus = Pane::Editor;
                } else {
                    run_line(state, value, fx);
                }
            } else if let Some(a) = Action::ALL.iter().copied().find(|a| a.title() == value) {
                do_action(state, a, fx);
            }
        }
    }
}
