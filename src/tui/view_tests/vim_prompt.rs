//! The vim keymap's modal prompt: its mode in the border.

use crossterm::event::KeyCode;

use super::{key, snap, typed};
use crate::tui::config::keymap::{BUILTIN_KEYMAPS, Keymap};
use crate::tui::state::State;
use crate::tui::update::update;

fn vim(s: &mut State) {
    let Some((_, text)) = BUILTIN_KEYMAPS.iter().find(|(n, _)| *n == "vim") else {
        panic!("vim is built in");
    };
    s.keymap = Keymap::parse("vim", text).unwrap();
}

#[test]
fn the_prompt_in_normal_mode() {
    snap("vim_normal", |s| {
        vim(s);
        typed(s, "hello world");
        update(s, key(KeyCode::Esc));
    });
}

#[test]
fn the_border_names_the_mode_only_in_a_modal_keymap() {
    let mut s = super::base(120, 40);
    let top = |s: &State| {
        super::draw(s)
            .lines()
            .find(|l| l.contains("Prompt"))
            .map(str::to_string)
    };
    assert!(!top(&s).unwrap_or_default().contains("INSERT"));
    vim(&mut s);
    assert!(top(&s).unwrap_or_default().contains("Prompt — INSERT"));
    update(&mut s, key(KeyCode::Esc));
    assert!(top(&s).unwrap_or_default().contains("Prompt — NORMAL"));
    typed(&mut s, "a");
    assert!(top(&s).unwrap_or_default().contains("Prompt — INSERT"));
}
