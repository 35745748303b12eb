//! The modal prompt of the vim keymap, through `update`: Esc to normal mode, commands on the
//! text, back to insert mode, Enter sends; and Ctrl+H in every keymap.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use pretty_assertions::assert_eq;

use super::update;
use crate::tui::config::keymap::{Action, BUILTIN_KEYMAPS, Keymap};
use crate::tui::layout::areas;
use crate::tui::msg::{Effect, Msg};
use crate::tui::overlay::Overlay;
use crate::tui::pane_keys;
use crate::tui::panes::editor::Mode;
use crate::tui::state::{Pane, State};

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn typed(s: &mut State, text: &str) -> Vec<Effect> {
    let mut fx = Vec::new();
    for c in text.chars() {
        let mods = if c.is_ascii_uppercase() {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        fx.extend(update(s, Msg::Key(KeyEvent::new(KeyCode::Char(c), mods))));
    }
    fx
}

fn keymap(name: &str) -> Keymap {
    let Some((_, text)) = BUILTIN_KEYMAPS.iter().find(|(n, _)| *n == name) else {
        panic!("{name} is built in");
    };
    Keymap::parse(name, text).unwrap()
}

fn vim() -> State {
    let mut s = State::new(120, 40);
    s.keymap = keymap("vim");
    s
}

#[test]
fn esc_then_dw_u_and_a_then_typing_and_enter_sends() {
    let mut s = vim();
    assert!(typed(&mut s, "hello world").is_empty());
    assert_eq!(s.editor.vim.mode, Mode::Insert);

    // Esc: normal mode, the cursor on the last character; nothing else changes.
    let mut want = s.summary();
    let fx = update(&mut s, key(KeyCode::Esc));
    want.editor.mode = Mode::Normal;
    want.editor.cursor = (0, 10);
    assert_eq!((s.summary(), fx), (want, vec![]));

    // 0dw: the first word goes; letters are commands, never text.
    let fx = typed(&mut s, "0dw");
    let mut want_text = s.summary();
    want_text.editor.text = "world".into();
    want_text.editor.cursor = (0, 0);
    assert_eq!((s.summary(), fx), (want_text, vec![]));

    // u: it is back.
    let fx = typed(&mut s, "u");
    assert_eq!(
        (s.editor.text(), s.editor.cursor(), fx),
        ("hello world".into(), (0, 0), vec![])
    );
    assert_eq!(s.editor.vim.mode, Mode::Normal);

    // A: typing at the end of the line.
    typed(&mut s, "A");
    assert_eq!(s.editor.vim.mode, Mode::Insert);
    typed(&mut s, "!");
    assert_eq!(s.editor.text(), "hello world!");

    // Enter sends from either mode; the next prompt starts in insert mode.
    update(&mut s, key(KeyCode::Esc));
    let fx = update(&mut s, key(KeyCode::Enter));
    assert!(
        matches!(fx.as_slice(), [Effect::SubmitPrompt { text, .. }] if text == "hello world!"),
        "{fx:?}"
    );
    assert!(s.editor.is_empty());
    assert_eq!(s.editor.vim.mode, Mode::Insert);
}

#[test]
fn normal_mode_types_nothing_and_opens_nothing() {
    let mut s = vim();
    typed(&mut s, "ab");
    update(&mut s, key(KeyCode::Esc));
    let want = s.summary();
    // Letters with no vim meaning (and `?`, help in other panes) do nothing at all.
    let fx = typed(&mut s, "zqQ?!;gG ");
    assert_eq!((s.summary(), fx), (want.clone(), vec![]));
    assert!(s.overlay.is_none());
    // Esc again keeps the vim keymap's Esc (focus the prompt): nothing changes.
    let fx = update(&mut s, key(KeyCode::Esc));
    assert_eq!((s.summary(), fx), (want, vec![]));
    // Keys the keymap binds keep their meaning: F1 opens help.
    update(&mut s, key(KeyCode::F(1)));
    assert!(matches!(s.overlay, Some(Overlay::Help { .. })));
}

#[test]
fn the_prompt_comes_back_in_insert_mode() {
    let mut s = vim();
    typed(&mut s, "draft");
    update(&mut s, key(KeyCode::Esc));
    // To the conversation and back with `i` (the vim keymap's focus_editor).
    update(&mut s, key(KeyCode::Tab));
    assert_ne!(s.focus, Pane::Editor);
    typed(&mut s, "i");
    assert_eq!((s.focus, s.editor.vim.mode), (Pane::Editor, Mode::Insert));
    typed(&mut s, "x");
    assert_eq!(s.editor.text(), "drafxt");
    // A paste in normal mode is text too.
    update(&mut s, key(KeyCode::Esc));
    update(&mut s, Msg::Paste("P".into()));
    assert_eq!(s.editor.vim.mode, Mode::Insert);
}

#[test]
fn k_and_j_walk_the_history_from_the_edges_in_normal_mode() {
    let mut s = vim();
    typed(&mut s, "first prompt");
    update(&mut s, key(KeyCode::Enter));
    typed(&mut s, "draft");
    update(&mut s, key(KeyCode::Esc));
    typed(&mut s, "k");
    // The earlier prompt, the cursor on its last character (normal mode never rests past it).
    assert_eq!(
        (s.editor.text(), s.editor.cursor(), s.editor.vim.mode),
        ("first prompt".into(), (0, 11), Mode::Normal)
    );
    typed(&mut s, "j");
    assert_eq!(
        (s.editor.text(), s.editor.cursor()),
        ("draft".into(), (0, 4))
    );
}

#[test]
fn the_other_keymaps_are_not_modal() {
    for name in ["default", "emacs"] {
        let mut s = State::new(120, 40);
        s.keymap = keymap(name);
        typed(&mut s, "ab");
        update(&mut s, key(KeyCode::Esc));
        typed(&mut s, "dd");
        assert_eq!(s.editor.text(), "abdd", "{name}");
        assert_eq!(s.editor.vim.mode, Mode::Insert, "{name}");
    }
}

#[test]
fn ctrl_h_deletes_a_word_backwards_in_every_keymap() {
    for (name, _) in BUILTIN_KEYMAPS {
        let mut s = State::new(120, 40);
        s.keymap = keymap(name);
        typed(&mut s, "say hello world");
        let fx = update(
            &mut s,
            Msg::Key(KeyEvent::new(KeyCode::Char('h'), KeyModifiers::CONTROL)),
        );
        assert_eq!(s.editor.text(), "say hello ", "{name}");
        assert!(s.overlay.is_none(), "{name}: Ctrl+H is no longer help");
        assert!(fx.is_empty(), "{name}: {fx:?}");
        // Ctrl+Backspace as the kitty keyboard protocol reports it.
        update(
            &mut s,
            Msg::Key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::CONTROL)),
        );
        assert_eq!(s.editor.text(), "say ", "{name}");
    }
}

/// `?` is help where the pane's footer shows it (else it is prompt text, as any letter a pane
/// does not show); in the prompt it is always text. F1 is help everywhere.
#[test]
fn question_mark_opens_help_where_the_footer_shows_it_and_is_text_in_the_prompt() {
    for (name, _) in BUILTIN_KEYMAPS {
        let mut s = State::new(120, 40);
        s.keymap = keymap(name);
        typed(&mut s, "why?");
        assert_eq!(s.editor.text(), "why?", "{name}");
        assert!(s.overlay.is_none(), "{name}");
        for pane in [Pane::Conversation, Pane::Graph, Pane::Trace] {
            s.focus = pane;
            s.overlay = None;
            s.editor.clear();
            let width = areas(&s).of(pane).map_or(0, |r| r.width);
            let shown = pane_keys::shown(&s.keymap, pane, width, Action::Help);
            typed(&mut s, "?");
            if shown {
                assert!(
                    matches!(s.overlay, Some(Overlay::Help { .. })),
                    "{name} {pane:?}"
                );
            } else {
                assert_eq!((s.focus, s.editor.text()), (Pane::Editor, "?".into()));
            }
            // The default keymap shows it in the conversation and the tools at 120×40.
            if name == "default" && pane != Pane::Graph {
                assert!(shown, "{pane:?}");
            }
        }
        s.overlay = None;
        s.focus = Pane::Editor;
        update(&mut s, key(KeyCode::F(1)));
        assert!(matches!(s.overlay, Some(Overlay::Help { .. })), "{name}");
    }
}
