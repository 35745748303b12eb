//! Controller tests of selecting a message in the conversation and copying it (OSC 52).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use pretty_assertions::assert_eq;

use super::update;
use crate::tui::config::keymap::{Action, BUILTIN_KEYMAPS, Context, Keymap};
use crate::tui::msg::{Effect, Msg};
use crate::tui::panes::conversation::{CellKind, NoticeLevel};
use crate::tui::state::{Pane, State};

fn shift(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::SHIFT))
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn with_history() -> State {
    let mut s = State::new(120, 40);
    s.conversation.push(CellKind::User {
        text: "first question".into(),
    });
    s.conversation.answer_finished("first **answer**");
    s.conversation.push(CellKind::User {
        text: "second question".into(),
    });
    s.conversation.answer_finished("second answer");
    s.conversation.turn_ended();
    s.focus = Pane::Conversation;
    s
}

#[test]
fn shift_up_selects_messages_from_the_bottom_and_c_copies_the_selected_one() {
    let mut s = with_history();
    // Nothing selected yet: copying says how to select.
    assert_eq!(update(&mut s, key(KeyCode::Char('c'))), vec![]);
    assert_eq!(
        s.toast.as_ref().map(|t| t.text.as_str()),
        Some("select a message first (shift-up / [)")
    );
    assert_eq!(update(&mut s, shift(KeyCode::Up)), vec![]);
    assert_eq!(s.conversation.selected, Some(3));
    update(&mut s, shift(KeyCode::Up));
    update(&mut s, shift(KeyCode::Up));
    assert_eq!(s.conversation.selected, Some(1));
    let fx = update(&mut s, key(KeyCode::Char('c')));
    let id = match fx.as_slice() {
        [Effect::Copy { id, .. }] => *id,
        other => panic!("one copy expected, got {other:?}"),
    };
    assert_eq!(
        fx,
        vec![Effect::Copy {
            id,
            text: "first **answer**".into()
        }]
    );
    // The selection stops at the ends.
    for _ in 0..5 {
        update(&mut s, key(KeyCode::Char('[')));
    }
    assert_eq!(s.conversation.selected, Some(0));
    for _ in 0..5 {
        update(&mut s, shift(KeyCode::Down));
    }
    assert_eq!(s.conversation.selected, Some(3));
    assert_eq!(s.focus, Pane::Conversation);
    // A new branch drops the selection.
    s.conversation.clear();
    assert_eq!(s.conversation.selected, None);
}

#[test]
fn a_copied_tool_output_has_no_ansi_colours() {
    let mut s = with_history();
    s.conversation
        .tool_started("c1", "bash", serde_json::json!({"command": "ls"}));
    s.conversation
        .tool_finished("c1", false, "\u{1b}[31mred\u{1b}[0m\nplain", 3);
    update(&mut s, shift(KeyCode::Up));
    let fx = update(&mut s, key(KeyCode::Char('c')));
    assert!(
        matches!(fx.as_slice(), [Effect::Copy { text, .. }] if text == "red\nplain"),
        "{fx:?}"
    );
}

#[test]
fn selecting_above_the_screen_scrolls_to_the_selected_message() {
    let mut s = with_history();
    s.height = 12;
    for i in 0..30 {
        s.conversation
            .notice(NoticeLevel::Info, format!("notice {i}"));
    }
    let (w, h) = super::conversation_size(&s);
    for _ in 0..34 {
        update(&mut s, shift(KeyCode::Up));
    }
    assert_eq!(s.conversation.selected, Some(0));
    let first = s.conversation.visible(&s.theme, w, h)[0];
    assert_eq!((first.cell, first.skip), (0, 0));
    // And back down to the end: the view follows the bottom again.
    for _ in 0..40 {
        update(&mut s, shift(KeyCode::Down));
    }
    let last = s.conversation.visible(&s.theme, w, h);
    assert_eq!(last.last().map(|v| v.cell), Some(33));
}

#[test]
fn every_builtin_keymap_binds_selection_and_copy_and_help_lists_them() {
    for (name, text) in BUILTIN_KEYMAPS {
        let k = Keymap::parse(name, text).unwrap();
        for a in [Action::SelectPrev, Action::SelectNext, Action::CopySelected] {
            assert!(
                k.keys_for(Context::Conversation, a).is_some(),
                "{name} binds {}",
                a.name()
            );
            let listed = k.listing()[&Context::Conversation]
                .iter()
                .any(|(act, _)| *act == a);
            assert!(listed, "{name}'s help lists {}", a.name());
        }
    }
}
