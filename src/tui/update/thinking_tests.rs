//! Controller tests of expanding thinking blocks: Ctrl+T toggles the selected block (while the
//! conversation shows the selection) or else all of them; Enter toggles the selected one.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use pretty_assertions::assert_eq;

use super::{conversation_size, update};
use crate::agent::{Event, EventMsg};
use crate::ai::types::StopReason;
use crate::tui::config::keymap::{Action, BUILTIN_KEYMAPS, Context, Keymap};
use crate::tui::msg::{Effect, Msg};
use crate::tui::panes::conversation::{CellKind, Scroll};
use crate::tui::state::{Pane, State};

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn with(code: KeyCode, m: KeyModifiers) -> Msg {
    Msg::Key(KeyEvent::new(code, m))
}

fn ctrl_t() -> Msg {
    with(KeyCode::Char('t'), KeyModifiers::CONTROL)
}

/// One turn as the agent reports it: thinking, then the answer.
fn turn(s: &mut State, id: u64, thinking: &str, answer: &str) {
    let mut agent = |msg| update(s, Msg::Agent(Event { id, msg }));
    agent(EventMsg::TurnStarted);
    agent(EventMsg::ThinkingDelta {
        delta: thinking.into(),
    });
    agent(EventMsg::AssistantFinished {
        text: answer.into(),
        stop_reason: StopReason::Stop,
        entry_id: None,
    });
    agent(EventMsg::TurnFinished {
        text: answer.into(),
        stop_reason: StopReason::Stop,
        turns: 1,
    });
}

/// Cells: thinking, answer, thinking, answer.
fn two_turns() -> State {
    let mut s = State::new(120, 40);
    turn(&mut s, 1, "first thought\nand more", "first answer");
    turn(&mut s, 2, "second thought", "second answer");
    s
}

/// Whether each cell is expanded.
fn expanded(s: &State) -> Vec<bool> {
    s.conversation.cells.iter().map(|c| c.expanded).collect()
}

fn toast(s: &State) -> Option<&str> {
    s.toast.as_ref().map(|t| t.text.as_str())
}

#[test]
fn without_a_selection_ctrl_t_toggles_every_thinking_block_and_new_ones_follow() {
    let mut s = two_turns();
    assert_eq!(expanded(&s), [false, false, false, false]);
    assert_eq!(update(&mut s, ctrl_t()), vec![]);
    assert_eq!(expanded(&s), [true, false, true, false]);
    assert!(s.conversation.show_thinking);
    turn(&mut s, 3, "third thought", "third answer");
    assert_eq!(expanded(&s), [true, false, true, false, true, false]);
    update(&mut s, ctrl_t());
    assert_eq!(expanded(&s), [false; 6]);
    assert!(!s.conversation.show_thinking);
}

#[test]
fn a_selected_thinking_block_toggles_alone_with_ctrl_t_or_enter() {
    let mut s = two_turns();
    update(&mut s, with(KeyCode::Char('1'), KeyModifiers::ALT));
    assert_eq!(s.focus, Pane::Conversation);
    update(&mut s, with(KeyCode::Up, KeyModifiers::SHIFT));
    update(&mut s, with(KeyCode::Up, KeyModifiers::SHIFT));
    assert_eq!(s.conversation.selected, Some(2));
    assert_eq!(update(&mut s, ctrl_t()), vec![]);
    assert_eq!(expanded(&s), [false, false, true, false]);
    // The global default did not change.
    assert!(!s.conversation.show_thinking);
    assert_eq!(update(&mut s, key(KeyCode::Enter)), vec![]);
    assert_eq!(expanded(&s), [false; 4]);
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(expanded(&s), [false, false, true, false]);
    assert_eq!(toast(&s), None);
    // A new thinking block follows the global default, not the selected one.
    turn(&mut s, 3, "third thought", "third answer");
    assert_eq!(expanded(&s), [false, false, true, false, false, false]);
    // The editor has the focus: the selection is not shown, so Ctrl+T toggles all.
    update(&mut s, with(KeyCode::Char('2'), KeyModifiers::ALT));
    assert_eq!(s.focus, Pane::Editor);
    update(&mut s, ctrl_t());
    assert_eq!(expanded(&s), [true, false, true, false, true, false]);
    assert!(s.conversation.show_thinking);
    assert_eq!(s.conversation.selected, Some(2));
}

#[test]
fn enter_on_a_message_that_is_not_thinking_says_so_and_ctrl_t_toggles_all() {
    let mut s = two_turns();
    s.focus = Pane::Conversation;
    assert_eq!(update(&mut s, key(KeyCode::Enter)), vec![]);
    assert_eq!(
        toast(&s),
        Some("select a thinking block first (shift-up / [)")
    );
    update(&mut s, with(KeyCode::Up, KeyModifiers::SHIFT));
    assert_eq!(s.conversation.selected, Some(3));
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(
        toast(&s),
        Some("the selected message is not a thinking block")
    );
    assert_eq!(expanded(&s), [false; 4]);
    update(&mut s, ctrl_t());
    assert_eq!(expanded(&s), [true, false, true, false]);
}

#[test]
fn a_toggled_block_is_laid_out_at_its_new_height() {
    let mut s = State::new(80, 24);
    turn(&mut s, 1, "one\ntwo\nthree\nfour\nfive", "the answer");
    s.focus = Pane::Conversation;
    let (w, h) = conversation_size(&s);
    let height = |s: &State| s.conversation.cells[0].height(&s.theme, s.conversation.style_gen, w);
    let rows = |s: &State| -> usize {
        let v = s.conversation.visible(&s.theme, w, h);
        v.iter().filter(|v| v.cell == 0).map(|v| v.rows).sum()
    };
    // The header and a blank row, cached at this width by the layout.
    assert_eq!((height(&s), rows(&s)), (2, 2));
    update(&mut s, key(KeyCode::Char('[')));
    update(&mut s, key(KeyCode::Char('[')));
    assert_eq!(s.conversation.selected, Some(0));
    update(&mut s, key(KeyCode::Enter));
    // The header, five lines and a blank row: the cached height was dropped.
    assert_eq!((height(&s), rows(&s)), (7, 7));
    update(&mut s, key(KeyCode::Enter));
    assert_eq!((height(&s), rows(&s)), (2, 2));
}

#[test]
fn opening_a_long_block_near_the_bottom_keeps_its_top_in_view() {
    let mut s = State::new(80, 24);
    turn(&mut s, 1, "early", "early answer");
    let long: Vec<String> = (0..60).map(|i| format!("step {i}")).collect();
    turn(&mut s, 2, &long.join("\n"), "late answer");
    s.focus = Pane::Conversation;
    update(&mut s, key(KeyCode::Char('[')));
    update(&mut s, key(KeyCode::Char('[')));
    assert_eq!(s.conversation.selected, Some(2));
    update(&mut s, key(KeyCode::Enter));
    assert!(s.conversation.cells[2].expanded);
    // Following the bottom would show only the block's last lines; the view stops at its top.
    assert_eq!(s.conversation.scroll, Scroll::At { cell: 2, row: 0 });
    // Closing it again: the view still starts at the block.
    update(&mut s, key(KeyCode::Enter));
    let (w, h) = conversation_size(&s);
    let first = s.conversation.visible(&s.theme, w, h);
    assert!(
        first.iter().any(|v| v.cell == 2 && v.skip == 0),
        "{first:?}"
    );
}

#[test]
fn every_builtin_keymap_binds_both_toggles_and_help_lists_them() {
    let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
    let space = KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE);
    for (name, text) in BUILTIN_KEYMAPS {
        let k = Keymap::parse(name, text).unwrap();
        assert_eq!(
            k.keys_for(Context::Global, Action::ToggleThinking)
                .as_deref(),
            Some("ctrl-t"),
            "{name}"
        );
        let listed = k.listing()[&Context::Conversation]
            .iter()
            .any(|(a, _)| *a == Action::ToggleSelectedThinking);
        assert!(listed, "{name}'s help lists toggle_selected_thinking");
        let toggle = k.keys_for(Context::Conversation, Action::ToggleSelectedThinking);
        // Vim's Enter copies the selected message; Space toggles there.
        let (keys, on_enter, on_space) = if name == "vim" {
            (
                "space",
                Action::CopySelected,
                Some(Action::ToggleSelectedThinking),
            )
        } else {
            ("enter", Action::ToggleSelectedThinking, None)
        };
        assert_eq!(toggle.as_deref(), Some(keys), "{name}");
        assert_eq!(
            k.lookup(Context::Conversation, &enter),
            Some(on_enter),
            "{name}"
        );
        assert_eq!(k.lookup(Context::Conversation, &space), on_space, "{name}");
    }
}

#[test]
fn with_the_vim_keymap_space_toggles_and_enter_still_copies() {
    let mut s = two_turns();
    let Some((_, vim)) = BUILTIN_KEYMAPS.iter().find(|(n, _)| *n == "vim") else {
        panic!("vim is built in");
    };
    s.keymap = Keymap::parse("vim", vim).unwrap();
    s.focus = Pane::Conversation;
    update(&mut s, with(KeyCode::Char('K'), KeyModifiers::SHIFT));
    update(&mut s, with(KeyCode::Char('K'), KeyModifiers::SHIFT));
    assert_eq!(s.conversation.selected, Some(2));
    assert_eq!(update(&mut s, key(KeyCode::Char(' '))), vec![]);
    assert_eq!(expanded(&s), [false, false, true, false]);
    assert_eq!(s.focus, Pane::Conversation);
    let fx = update(&mut s, key(KeyCode::Enter));
    assert!(
        matches!(fx.as_slice(), [Effect::Copy { text, .. }] if text == "second thought"),
        "{fx:?}"
    );
    assert!(matches!(
        s.conversation.cells[2].kind,
        CellKind::Thinking { .. }
    ));
}
