//! `view`: draws the state. A pure function of `&State` (caches of rendered cells aside).

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};

use crate::tui::approval;
use crate::tui::config::keymap::{Action, Context};
use crate::tui::layout::{Areas, areas};
use crate::tui::overlay;
use crate::tui::pane_keys;
use crate::tui::panes::conversation;
use crate::tui::panes::editor::{CompletionKind, Editor};
use crate::tui::state::{Pane, State};
use crate::tui::status::{self, StatusExtras};

/// Draws the whole UI.
pub fn view(state: &State, frame: &mut Frame<'_>) {
    let buf = frame.buffer_mut();
    draw(state, buf);
}

/// Draws into a buffer (what `view` does; benches and tests call it directly).
pub fn draw(state: &State, buf: &mut Buffer) {
    let a = areas(state);
    let theme = &state.theme;
    if let Some(tabs) = a.tabs {
        draw_tabs(state, tabs, buf);
    }
    if let Some(r) = a.conversation {
        let title = match state.conversation.scroll {
            conversation::Scroll::Follow => " Conversation ".to_string(),
            conversation::Scroll::At { .. } => " Conversation (scrolled: End follows) ".to_string(),
        };
        let inner = pane_block(state, Pane::Conversation, &title, r, buf);
        if state.conversation.cells.is_empty() {
            welcome(state, inner, buf);
        } else {
            // The selection shows while the conversation has the focus.
            let selected = state
                .conversation
                .selected
                .filter(|_| state.focus == Pane::Conversation);
            conversation::render(&state.conversation, selected, theme, inner, buf);
        }
    }
    if let Some(r) = a.editor {
        let title = state.editor.title(state.keymap.modal, state.busy.is_some());
        let inner = pane_block(state, Pane::Editor, &title, r, buf);
        if state.editor.is_empty() {
            // The hint fits the prompt's width (a copy: an empty editor is cheap to clone).
            let mut empty = state.editor.textarea.clone();
            empty.set_placeholder_text(Editor::placeholder(inner.width));
            empty.render(inner, buf);
        } else {
            state.editor.textarea.render(inner, buf);
        }
    }
    if let Some(r) = a.graph {
        let inner = pane_block(state, Pane::Graph, " Branches ", r, buf);
        state
            .graph
            .render(theme, state.status.head.as_deref(), inner, buf);
    }
    if let Some(r) = a.trace {
        let title = format!(" Tools ({}) ", state.trace.rows.len());
        let inner = pane_block(state, Pane::Trace, &title, r, buf);
        state
            .trace
            .render(theme, state.focus == Pane::Trace, inner, buf);
    }
    if let Some(r) = a.skills {
        let mut title = format!(" Skills ({} active) ", state.skills.active.len());
        let registry = state
            .skills
            .config
            .as_ref()
            .is_some_and(|c| c.registry_url.is_some());
        if registry
            && let Some(keys) = state.keymap.keys_for(
                crate::tui::config::keymap::Context::Skills,
                crate::tui::config::keymap::Action::InstallSkill,
            )
        {
            title.push_str(&format!("· {keys} install "));
        }
        let inner = pane_block(state, Pane::Skills, &title, r, buf);
        state.skills.render(theme, inner, buf);
    }
    let extras = StatusExtras {
        busy_ms: state.busy.map(|b| state.now_ms.saturating_sub(b.since_ms)),
        spinner_frame: (state.now_ms / 80) as usize,
        queued: state.queue.len(),
        message: state.toast.as_ref().map(|t| t.text.as_str()),
        mouse: state.mouse_capture,
    };
    status::render(&state.status, &extras, theme, a.status, buf);
    if state.focus == Pane::Editor {
        draw_completion(state, &a, buf);
    }
    if let Some(o) = &state.overlay {
        overlay::render(o, &state.keymap, theme, buf.area, buf);
    }
    if let Some(p) = state.approvals.front() {
        approval::render(p, state.approvals.len() - 1, theme, buf.area, buf);
    }
}

fn pane_block(state: &State, pane: Pane, title: &str, r: Rect, buf: &mut Buffer) -> Rect {
    let focused = state.focus == pane;
    let theme = &state.theme;
    let mut title_style = Style::default().fg(if focused { theme.accent } else { theme.dim });
    if focused {
        title_style = title_style.add_modifier(Modifier::BOLD);
    }
    let block = Block::bordered()
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Rounded
        })
        .border_style(theme.border(focused))
        .title(Span::styled(title.to_string(), title_style));
    // The letters a focused pane binds show in its footer; other letters go to the prompt.
    let hints = if focused {
        pane_keys::footer(&state.keymap, pane, r.width)
    } else {
        Vec::new()
    };
    let block = if hints.is_empty() {
        block
    } else {
        block.title_bottom(Span::styled(
            format!(" {} ", pane_keys::footer_text(&hints)),
            theme.dim(),
        ))
    };
    let inner = block.inner(r);
    block.render(r, buf);
    inner
}

fn draw_tabs(state: &State, r: Rect, buf: &mut Buffer) {
    let theme = &state.theme;
    let mut spans = Vec::new();
    for (p, action) in [
        (Pane::Conversation, Action::FocusConversation),
        (Pane::Graph, Action::FocusGraph),
        (Pane::Trace, Action::FocusTrace),
        (Pane::Skills, Action::FocusSkills),
    ] {
        let active = state.focus == p || (p == Pane::Conversation && state.focus == Pane::Editor);
        let name = if p == Pane::Conversation {
            "Chat"
        } else {
            p.title()
        };
        // The key that focuses the pane, as the keymap has it (the first if several).
        let key = state.keymap.keys_for(Context::Global, action);
        let label = match key.as_deref().and_then(|k| k.split(" / ").next()) {
            Some(k) => format!(" {k} {name} "),
            None => format!(" {name} "),
        };
        spans.push(if active {
            Span::styled(label, theme.selected())
        } else {
            Span::styled(label, theme.dim())
        });
    }
    let used: usize = spans.iter().map(Span::width).sum();
    let room = usize::from(r.width).saturating_sub(used + 1);
    let hint = crate::tui::render::fit(&[("Tab switches", 1), ("F1 keys", 0)], " · ", room);
    if !hint.is_empty() {
        spans.push(Span::styled(format!(" {hint}"), theme.dim()));
    }
    Line::from(spans).render(r, buf);
}

fn welcome(state: &State, r: Rect, buf: &mut Buffer) {
    let theme = &state.theme;
    let mut lines = vec![
        Line::styled(
            "pi — a terminal coding agent",
            Style::default()
                .fg(theme.accent)
                .add_modifier(Modifier::BOLD),
        ),
        Line::default(),
        Line::styled("Type a prompt below and press Enter.", theme.dim()),
        Line::styled(
            crate::tui::render::fit(
                &[
                    ("@ completes files", 1),
                    ("/ runs commands", 2),
                    ("Tab moves between panes", 3),
                    ("F1 lists every key", 0),
                ],
                " · ",
                usize::from(r.width.saturating_sub(1)),
            ),
            theme.dim(),
        ),
    ];
    if !state.agent_ready {
        lines.push(Line::default());
        lines.push(Line::styled(
            "The agent is not running: see the message below.",
            Style::default().fg(theme.error),
        ));
    }
    for (i, l) in lines.into_iter().enumerate() {
        if (i as u16) < r.height {
            l.render(
                Rect::new(r.x + 1, r.y + i as u16, r.width.saturating_sub(1), 1),
                buf,
            );
        }
    }
}

/// Where the completion list goes: just above the editor (none when it does not fit).
fn completion_area(state: &State, a: &Areas) -> Option<Rect> {
    let (Some(c), Some(ed)) = (&state.editor.completion, a.editor) else {
        return None;
    };
    if state.focus != Pane::Editor {
        return None;
    }
    let rows = c.items.len().clamp(1, 8) as u16;
    let h = rows + 2;
    if ed.y < h {
        return None;
    }
    Some(Rect::new(ed.x, ed.y - h, ed.width.min(70), h))
}

/// Everything drawn above the panes (completion, palette, pickers, help, approvals): inline
/// pictures under any of them are left out, so a popup is never covered by an image.
pub fn popups(state: &State) -> Vec<Rect> {
    let full = Rect::new(0, 0, state.width, state.height);
    let mut out = Vec::new();
    out.extend(completion_area(state, &areas(state)));
    if state.overlay.is_some() {
        // Overlays are centred boxes of various sizes: the whole screen is theirs.
        out.push(full);
    }
    if let Some(p) = state.approvals.front() {
        out.push(approval::area_of(p, full));
    }
    out
}

/// The inline pictures to draw in the conversation area `r`: those no popup overlaps.
pub fn inline_images(state: &State, r: Rect) -> Vec<(u64, Rect)> {
    let covers = popups(state);
    state
        .conversation
        .image_slots(&state.theme, r)
        .into_iter()
        .filter(|(_, slot)| !covers.iter().any(|c| c.intersects(*slot)))
        .collect()
}

/// The completion list, just above the editor.
fn draw_completion(state: &State, a: &Areas, buf: &mut Buffer) {
    let (Some(c), Some(r)) = (&state.editor.completion, completion_area(state, a)) else {
        return;
    };
    let theme = &state.theme;
    Clear.render(r, buf);
    let title = match c.kind {
        CompletionKind::File => " files (Tab accepts) ",
        CompletionKind::Command => " commands (Tab accepts) ",
        CompletionKind::Argument => " arguments (Tab accepts) ",
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(Span::styled(title, theme.dim()));
    let inner = block.inner(r);
    block.render(r, buf);
    if c.items.is_empty() {
        Line::styled(
            if state.editor.files.is_none() {
                "listing files…"
            } else {
                "no match"
            },
            theme.dim(),
        )
        .render(inner, buf);
        return;
    }
    let offset = (c.selected + 1).saturating_sub(inner.height as usize);
    for (i, (value, help)) in c
        .items
        .iter()
        .enumerate()
        .skip(offset)
        .take(inner.height as usize)
    {
        let mut line = Line::from(vec![
            Span::raw(value.clone()),
            Span::styled(format!("  {help}"), theme.dim()),
        ]);
        if i == c.selected {
            line = line.style(theme.selected());
        }
        let y = inner.y + (i - offset) as u16;
        line.render(Rect::new(inner.x, y, inner.width, 1), buf);
    }
}
