//! The vim mode key by key. A text is written with `|` before the character under the cursor
//! ("hel|lo": the cursor is on the second `l`).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use pretty_assertions::assert_eq;
use ratatui_textarea::{CursorMove, DataCursor, TextArea};

use super::{Mode, Vim, VimKey};

/// A text area holding `text` (without the `|`), the cursor where the `|` is.
fn area(text: &str) -> TextArea<'static> {
    let (at_row, line) = text
        .split('\n')
        .enumerate()
        .find(|(_, l)| l.contains('|'))
        .expect("a | marks the cursor");
    let at_col = line.chars().position(|c| c == '|').unwrap_or(0);
    let plain = text.replace('|', "");
    let mut ta = TextArea::new(plain.split('\n').map(str::to_string).collect());
    ta.move_cursor(CursorMove::Jump(at_row as u16, at_col as u16));
    ta
}

fn show(ta: &TextArea<'_>) -> String {
    let DataCursor(r, c) = ta.cursor();
    let mut lines: Vec<String> = ta.lines().to_vec();
    let at = lines[r]
        .char_indices()
        .nth(c)
        .map_or(lines[r].len(), |(i, _)| i);
    lines[r].insert(at, '|');
    lines.join("\n")
}

fn char_key(c: char) -> KeyEvent {
    let mods = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    KeyEvent::new(KeyCode::Char(c), mods)
}

fn normal() -> Vim {
    Vim {
        mode: Mode::Normal,
        ..Vim::default()
    }
}

/// Types `keys` in normal mode from `text`; the text and the mode after.
fn run(text: &str, keys: &str) -> (String, Mode) {
    let mut ta = area(text);
    let mut vim = normal();
    for c in keys.chars() {
        vim.key(&mut ta, char_key(c), false);
    }
    (show(&ta), vim.mode)
}

/// Each row: the text before, the keys typed in normal mode, the text after, the mode after.
#[test]
fn each_command_key_by_key() {
    use Mode::{Insert, Normal};
    let rows: &[(&str, &str, &str, Mode)] = &[
        // h and l stay on the line and on a character.
        ("hel|lo", "h", "he|llo", Normal),
        ("|hello", "h", "|hello", Normal),
        ("he|llo", "l", "hel|lo", Normal),
        ("hell|o", "l", "hell|o", Normal),
        // j and k keep the column where the line has it.
        ("ab|c\ndef", "j", "abc\nde|f", Normal),
        ("abc\nd|ef", "k", "a|bc\ndef", Normal),
        ("abcdef\nx|y", "k", "a|bcdef\nxy", Normal),
        ("abc|def\nxy", "j", "abcdef\nx|y", Normal),
        // Words: w to the next start, b back to a start, e to an end; punctuation is a word.
        ("|hello world", "w", "hello |world", Normal),
        ("hello |world", "w", "hello worl|d", Normal),
        ("|foo.bar", "w", "foo|.bar", Normal),
        ("|one\ntwo", "w", "one\n|two", Normal),
        ("hello wor|ld", "b", "hello |world", Normal),
        ("hello wor|ld", "bb", "|hello world", Normal),
        ("|hello world", "e", "hell|o world", Normal),
        ("|hello world", "ee", "hello worl|d", Normal),
        // 0 and $: the line's first and last character.
        ("hello wor|ld", "0", "|hello world", Normal),
        ("|hello world", "$", "hello worl|d", Normal),
        ("a\n|bc\nd", "$", "a\nb|c\nd", Normal),
        // x deletes under the cursor, which then rests on a character; never joins lines.
        ("hel|lo", "x", "hel|o", Normal),
        ("hell|o", "x", "hel|l", Normal),
        ("|\nnext", "x", "|\nnext", Normal),
        // dd: the line goes, the cursor on the one taking its place.
        ("one\ntw|o\nthree", "dd", "one\n|three", Normal),
        ("one\ntw|o", "dd", "|one", Normal),
        ("he|llo", "dd", "|", Normal),
        // dw: to the next word's start; the last word of a line only to the line's end.
        ("|hello world", "dw", "|world", Normal),
        ("hello |world", "dw", "hello| ", Normal),
        ("|one\ntwo", "dw", "|\ntwo", Normal),
        ("|hello world", "0dw", "|world", Normal),
        // Other motions after d.
        ("|hello world", "de", "| world", Normal),
        ("hello |world", "db", "|world", Normal),
        ("hello |world", "d0", "|world", Normal),
        ("hello |world", "d$", "hello| ", Normal),
        ("hello |world", "D", "hello| ", Normal),
        ("hel|lo", "dl", "hel|o", Normal),
        ("hel|lo", "dh", "he|lo", Normal),
        // cw on a word changes to its end (not the blank after it), then types.
        ("|hello world", "cw", "| world", Insert),
        ("hel|lo world", "cw", "hel| world", Insert),
        ("hello| world", "cw", "hello|world", Insert),
        ("hello |world", "C", "hello |", Insert),
        ("one\nt|wo", "cc", "one\n|", Insert),
        // Into insert mode: i before, a after, A at the end, I at the start, o and O on a new
        // line below and above.
        ("hel|lo", "i", "hel|lo", Insert),
        ("hel|lo", "a", "hell|o", Insert),
        ("hell|o", "a", "hello|", Insert),
        ("|", "a", "|", Insert),
        ("h|ello", "A", "hello|", Insert),
        ("hel|lo", "I", "|hello", Insert),
        ("he|llo\nnext", "o", "hello\n|\nnext", Insert),
        ("first\nhe|llo", "O", "first\n|\nhello", Insert),
        // Keys with no meaning in normal mode are ignored, never typed.
        ("hel|lo", "z", "hel|lo", Normal),
        ("hel|lo", "q?!Z ", "hel|lo", Normal),
        // An operator followed by no motion is dropped; the next key is a command again.
        ("|hello world", "dzw", "hello |world", Normal),
        ("|hello world", "dj", "|hello world", Normal),
    ];
    for (before, keys, after, mode) in rows {
        assert_eq!(
            run(before, keys),
            (after.to_string(), *mode),
            "{before:?} then {keys:?}"
        );
    }
}

#[test]
fn esc_leaves_insert_mode_onto_the_last_character_typed() {
    let mut ta = area("hello|");
    let mut vim = Vim::default();
    assert_eq!(vim.mode, Mode::Insert);
    let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(vim.key(&mut ta, esc, true), VimKey::Taken { edited: false });
    assert_eq!((show(&ta), vim.mode), ("hell|o".to_string(), Mode::Normal));
    // Insert mode lets every other key through to the keymap and the text area.
    vim.key(&mut ta, char_key('i'), false);
    assert_eq!(vim.key(&mut ta, char_key('x'), false), VimKey::Pass);
    assert_eq!(
        vim.key(
            &mut ta,
            KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE),
            true
        ),
        VimKey::Pass
    );
}

#[test]
fn esc_cancels_a_pending_operator() {
    let mut ta = area("|hello world");
    let mut vim = normal();
    vim.key(&mut ta, char_key('d'), false);
    let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(vim.key(&mut ta, esc, true), VimKey::Taken { edited: false });
    vim.key(&mut ta, char_key('w'), false);
    assert_eq!(show(&ta), "hello |world");
    // Without one, Esc is the keymap's (in the vim keymap: focus the prompt, a no-op here).
    assert_eq!(vim.key(&mut ta, esc, true), VimKey::Pass);
}

#[test]
fn keys_the_keymap_binds_keep_their_binding_others_are_ignored() {
    let mut ta = area("hel|lo");
    let mut vim = normal();
    let k = |code, mods| KeyEvent::new(code, mods);
    let none = KeyModifiers::NONE;
    let ctrl = KeyModifiers::CONTROL;
    assert_eq!(
        vim.key(&mut ta, k(KeyCode::Enter, none), true),
        VimKey::Pass
    );
    assert_eq!(vim.key(&mut ta, k(KeyCode::Tab, none), true), VimKey::Pass);
    assert_eq!(
        vim.key(&mut ta, k(KeyCode::Char('c'), ctrl), true),
        VimKey::Pass
    );
    // Unbound editing keys do nothing in normal mode (Ctrl+W, Ctrl+K, Tab, Enter).
    for (code, mods) in [
        (KeyCode::Char('w'), ctrl),
        (KeyCode::Char('k'), ctrl),
        (KeyCode::Tab, none),
        (KeyCode::Enter, none),
    ] {
        assert_eq!(
            vim.key(&mut ta, k(code, mods), false),
            VimKey::Taken { edited: false }
        );
    }
    assert_eq!(show(&ta), "hel|lo");
    // Backspace and ← move left, → right, Delete is x, Home and End are 0 and $.
    vim.key(&mut ta, k(KeyCode::Backspace, none), false);
    vim.key(&mut ta, k(KeyCode::Left, none), false);
    assert_eq!(show(&ta), "h|ello");
    vim.key(&mut ta, k(KeyCode::Right, none), false);
    vim.key(&mut ta, k(KeyCode::Delete, none), false);
    assert_eq!(show(&ta), "he|lo");
    vim.key(&mut ta, k(KeyCode::End, none), false);
    assert_eq!(show(&ta), "hel|o");
    vim.key(&mut ta, k(KeyCode::Home, none), false);
    assert_eq!(show(&ta), "|helo");
}

#[test]
fn k_on_the_first_row_and_j_on_the_last_walk_the_history() {
    let mut ta = area("o|ne\ntwo");
    let mut vim = normal();
    assert_eq!(vim.key(&mut ta, char_key('k'), false), VimKey::HistoryPrev);
    assert_eq!(
        vim.key(&mut ta, char_key('j'), false),
        VimKey::Taken { edited: false }
    );
    assert_eq!(vim.key(&mut ta, char_key('j'), false), VimKey::HistoryNext);
}

/// Types `text` into `ta` in insert mode, one key at a time as a user does.
fn type_text(ta: &mut TextArea<'_>, text: &str) {
    for c in text.chars() {
        ta.input(char_key(c));
    }
}

#[test]
fn u_takes_back_a_whole_command_or_a_whole_insert() {
    let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
    let mut ta = TextArea::default();
    let mut vim = Vim::default();
    type_text(&mut ta, "hello world");
    vim.key(&mut ta, esc, true);
    for c in "0dw".chars() {
        vim.key(&mut ta, char_key(c), false);
    }
    assert_eq!(show(&ta), "|world");
    assert_eq!(
        vim.key(&mut ta, char_key('u'), false),
        VimKey::Taken { edited: true }
    );
    // The cursor where the change began.
    assert_eq!(show(&ta), "|hello world");
    // A second insert, then u: only it goes.
    vim.key(&mut ta, char_key('A'), false);
    type_text(&mut ta, "!!");
    vim.key(&mut ta, esc, true);
    assert_eq!(ta.lines(), ["hello world!!"]);
    vim.key(&mut ta, char_key('u'), false);
    assert_eq!(ta.lines(), ["hello world"]);
    // Then the first insert, whole: the empty prompt.
    vim.key(&mut ta, char_key('u'), false);
    assert_eq!(show(&ta), "|");
    // x and dd are one step each too.
    let (mut ta, mut vim) = (area("one\ntw|o"), normal());
    for c in "xdd".chars() {
        vim.key(&mut ta, char_key(c), false);
    }
    assert_eq!(ta.lines(), ["one"]);
    vim.key(&mut ta, char_key('u'), false);
    assert_eq!(ta.lines(), ["one", "tw"]);
    vim.key(&mut ta, char_key('u'), false);
    assert_eq!(ta.lines(), ["one", "two"]);
}

#[test]
fn cw_then_typing_is_one_change() {
    let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
    let (mut ta, mut vim) = (area("|hello world"), normal());
    vim.key(&mut ta, char_key('c'), false);
    vim.key(&mut ta, char_key('w'), false);
    type_text(&mut ta, "bye");
    vim.key(&mut ta, esc, true);
    assert_eq!(show(&ta), "by|e world");
    vim.key(&mut ta, char_key('u'), false);
    assert_eq!(ta.lines(), ["hello world"]);
}

#[test]
fn an_insert_that_changed_nothing_is_no_undo_step() {
    let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
    let (mut ta, mut vim) = (area("|abc"), normal());
    vim.key(&mut ta, char_key('x'), false);
    vim.key(&mut ta, char_key('i'), false);
    vim.key(&mut ta, esc, true);
    vim.key(&mut ta, char_key('u'), false);
    assert_eq!(ta.lines(), ["abc"]);
}
