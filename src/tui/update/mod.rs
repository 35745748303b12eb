//! `update`: the one function that changes the UI state. It is synchronous, reads no clock and
//! does no I/O; what must happen outside comes back as `Effect`s.

mod actions;
pub use actions::open_sessions;
mod agent;
mod history;
mod keys;
mod prompt;
mod results;
mod skills;

pub use history::cells_from_messages;

use crossterm::event::{MouseButton, MouseEventKind};

use crate::tui::config::keymap::Keymap;
use crate::tui::config::theme::Theme;
use crate::tui::layout::{areas, inner};
use crate::tui::msg::{Effect, Msg};
use crate::tui::panes::conversation::NoticeLevel;
use crate::tui::state::{Pane, State};

/// What the runtime does first: load the history, the branch tree (of a file or of an
/// in-memory session) and the skills list
/// (unfocused panes show them too); put the `--skill` skills into the system prompt (before
/// any prompt: the agent takes submissions in order).
pub fn startup(state: &mut State) -> Vec<Effect> {
    let id = state.next_id();
    let mut fx = vec![Effect::LoadHistory { id }];
    // An in-memory session (--no-session) has a tree too.
    actions::load_graph(state, &mut fx);
    actions::load_skills(state, &mut fx);
    actions::send_skills(state, &mut fx);
    fx
}

/// `update` for a message that arrives at `now_ms`: when the clock is `tick_ms` or more
/// behind (no ticks ran meanwhile), a `Tick` brings it up to date first. The effects of both
/// are returned: a tick can ask for graph labels, which are marked as asked for.
pub fn update_at(state: &mut State, msg: Msg, now_ms: u64, tick_ms: u64) -> Vec<Effect> {
    let mut fx = Vec::new();
    if now_ms >= state.now_ms + tick_ms {
        fx = update(state, Msg::Tick { now_ms });
    }
    fx.extend(update(state, msg));
    fx
}

/// Rows scrolled by one mouse wheel step.
const WHEEL_ROWS: isize = 3;

/// Applies `msg` to `state`; returns what the runtime must do.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    let mut fx = Vec::new();
    let focus = state.focus;
    match msg {
        Msg::Key(key) => keys::on_key(state, key, &mut fx),
        Msg::Paste(text) => on_paste(state, &text, &mut fx),
        Msg::Mouse(m) => on_mouse(state, m, &mut fx),
        Msg::Resize { width, height } => {
            state.width = width;
            state.height = height;
            let rows = graph_rows(state);
            state.graph.keep_visible(rows);
        }
        Msg::Tick { now_ms } => on_tick(state, now_ms),
        Msg::Agent(ev) => agent::on_event(state, ev, &mut fx),
        Msg::AgentGone => {
            if state.agent_ready {
                state.agent_ready = false;
                state
                    .conversation
                    .notice(NoticeLevel::Error, "the agent stopped; restart pi to go on");
            }
            state.busy = None;
        }
        Msg::Done { id, result } => results::on_result(state, id, result, &mut fx),
        Msg::ConfigChanged { kind, path, text } => on_config(state, kind, &path, text),
        Msg::SkillsChanged => actions::load_skills(state, &mut fx),
    }
    // Whoever comes back to the prompt comes to type: a modal prompt is in insert mode.
    if focus != Pane::Editor && state.focus == Pane::Editor {
        state.editor.vim.start_insert(&state.editor.textarea);
    }
    actions::request_labels(state, &mut fx);
    fx
}

fn on_paste(state: &mut State, text: &str, fx: &mut Vec<Effect>) {
    match state.focus {
        Pane::Skills => {
            state
                .skills
                .filter
                .push_str(text.lines().next().unwrap_or(""));
            state.skills.refilter();
        }
        _ => {
            state.focus = Pane::Editor;
            state.editor.paste(text);
            keys::after_edit(state, fx);
        }
    }
}

fn on_mouse(state: &mut State, m: crossterm::event::MouseEvent, fx: &mut Vec<Effect>) {
    // The wheel scrolls an open approval's command; clicks do not reach the panes under it.
    if let Some(p) = state.approvals.front_mut() {
        let d = match m.kind {
            MouseEventKind::ScrollUp => -WHEEL_ROWS,
            MouseEventKind::ScrollDown => WHEEL_ROWS,
            _ => return,
        };
        p.scroll_by(d);
        let max = crate::tui::approval::max_scroll(
            p,
            ratatui::layout::Rect::new(0, 0, state.width, state.height),
        );
        p.scroll = p.scroll.min(max);
        return;
    }
    let a = areas(state);
    let Some(pane) = a.hit(m.column, m.row) else {
        return;
    };
    match m.kind {
        MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => {
            let d = if m.kind == MouseEventKind::ScrollUp {
                -WHEEL_ROWS
            } else {
                WHEEL_ROWS
            };
            match pane {
                Pane::Conversation | Pane::Editor => scroll_conversation(state, d),
                Pane::Graph => {
                    let h = graph_rows(state);
                    state.graph.move_cursor(d.signum(), h);
                }
                Pane::Trace => {
                    let h = a.trace.map_or(1, |r| inner(r).height as usize);
                    state.trace.move_cursor(d.signum(), h);
                }
                Pane::Skills => state.skills.move_cursor(d.signum()),
            }
        }
        // A click focuses like the pane's key: the same lazy loads run.
        MouseEventKind::Down(MouseButton::Left) => match pane {
            Pane::Graph => actions::focus_graph(state, fx),
            Pane::Skills => actions::focus_skills(state, fx),
            _ => state.focus = pane,
        },
        _ => {}
    }
}

/// Scrolls the conversation by `rows` (negative: up).
pub(crate) fn scroll_conversation(state: &mut State, rows: isize) {
    let (w, h) = conversation_size(state);
    state.conversation.scroll_by(rows, &state.theme, w, h);
}

/// The conversation's inner size now.
pub(crate) fn conversation_size(state: &State) -> (u16, usize) {
    areas(state)
        .conversation
        .map(inner)
        .map_or((state.width.max(1), state.height as usize), |r| {
            (r.width.max(1), r.height as usize)
        })
}

pub(crate) fn graph_rows(state: &State) -> usize {
    areas(state).graph.map_or(10, |r| {
        let h = inner(r).height;
        let preview = if h >= 12 { h / 3 } else { 0 };
        (h - preview) as usize
    })
}

fn on_tick(state: &mut State, now_ms: u64) {
    state.now_ms = now_ms;
    if state.toast.as_ref().is_some_and(|t| now_ms >= t.until_ms) {
        state.toast = None;
    }
    if state.quit_armed_until.is_some_and(|t| now_ms >= t) {
        state.quit_armed_until = None;
    }
}

fn on_config(
    state: &mut State,
    kind: crate::tui::config::ConfigKind,
    path: &std::path::Path,
    text: Result<String, String>,
) {
    use crate::tui::config::ConfigKind;
    let label = kind.label();
    let file = path.display();
    let text = match text {
        Ok(t) => t,
        Err(e) => {
            state.conversation.notice(
                NoticeLevel::Error,
                format!("{label} not reloaded: {e}; keeping the last good one"),
            );
            return;
        }
    };
    match kind {
        ConfigKind::Theme => match Theme::parse(&text) {
            Ok(t) => {
                let name = t.name.clone();
                state.set_theme(t);
                state.toast(format!("theme {name} reloaded"), 3000);
            }
            Err(e) => state.conversation.notice(
                NoticeLevel::Error,
                format!("theme {file}: {e}; keeping the last good theme"),
            ),
        },
        ConfigKind::Keymap => match Keymap::parse(&state.keymap.name.clone(), &text) {
            Ok(k) => {
                state.keymap = k;
                state.toast("keymap reloaded", 3000);
            }
            Err(e) => state.conversation.notice(
                NoticeLevel::Error,
                format!("keymap {file}: {e}; keeping the last good keymap"),
            ),
        },
    }
}

#[cfg(test)]
mod editor_tests;
#[cfg(test)]
mod focus_tests;
#[cfg(test)]
mod media_tests;
#[cfg(test)]
mod reload_tests;
#[cfg(test)]
mod select_tests;
#[cfg(test)]
mod session_tests;
#[cfg(test)]
mod skills_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod thinking_tests;
#[cfg(test)]
mod vim_tests;
#[cfg(test)]
mod whole_state_tests;
