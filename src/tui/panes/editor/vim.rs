//! The prompt's vim mode, on when the keymap says `modal = true` (the built-in vim keymap does).
//!
//! Insert mode types as in any keymap; Esc goes to normal mode, where printable keys are
//! commands and never text: `h j k l`, `w b e`, `0 $`, `x`, `d`/`c` with a motion or doubled
//! (`dd`, `dw`, `cw`, `cc`, `d$`, ...), `D C`, `i a A I o O`, `u`. A key the keymap binds (Enter,
//! Tab, Ctrl+C, F1, ↑/↓, ...) keeps its binding in normal mode; any other key is ignored there.
//! Everything here works on the text area alone, so it is tested key by key.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::{CursorMove, DataCursor, TextArea};

/// Changes `u` can take back, oldest dropped first.
const UNDO_DEPTH: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Insert,
    Normal,
}

impl Mode {
    /// The name shown in the prompt's border.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Insert => "INSERT",
            Mode::Normal => "NORMAL",
        }
    }
}

/// An operator waiting for its motion (`d` of `dw`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    Delete,
    Change,
}

/// What a key did in the modal prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VimKey {
    /// Not the vim mode's key: the keymap and the text area have it, as in any keymap.
    Pass,
    /// Taken: a command, a mode change, or a key with no meaning in normal mode (ignored).
    Taken {
        edited: bool,
    },
    /// `k` on the first row or `j` on the last: walk the prompt history, as ↑/↓ do.
    HistoryPrev,
    HistoryNext,
}

const TAKEN: VimKey = VimKey::Taken { edited: false };
const EDITED: VimKey = VimKey::Taken { edited: true };

/// Where a motion goes; an operator acts on the text between the cursor and there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Motion {
    Left,
    Right,
    Up,
    Down,
    WordForward,
    WordBack,
    WordEnd,
    LineStart,
    LineEnd,
}

impl Motion {
    fn of(c: char) -> Option<Motion> {
        Some(match c {
            'h' => Motion::Left,
            'l' => Motion::Right,
            'k' => Motion::Up,
            'j' => Motion::Down,
            'w' => Motion::WordForward,
            'b' => Motion::WordBack,
            'e' => Motion::WordEnd,
            '0' => Motion::LineStart,
            '$' => Motion::LineEnd,
            _ => return None,
        })
    }
}

/// What `u` goes back to: the text, and the cursor where the change began.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Change {
    lines: Vec<String>,
    cursor: (usize, usize),
}

impl Change {
    fn of(ta: &TextArea<'_>) -> Change {
        let DataCursor(r, c) = ta.cursor();
        Change {
            lines: ta.lines().to_vec(),
            cursor: (r, c),
        }
    }
}

/// The modal state: the mode, an operator typed but not yet applied, and what `u` restores.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vim {
    pub mode: Mode,
    pending: Option<Operator>,
    /// The text before each change and where the change began, newest last. A change is one
    /// normal-mode command or one stay in insert mode, as in vim (the text area's own undo
    /// steps are single characters).
    changes: Vec<Change>,
    /// The text and cursor when insert mode was entered (None: since the text area was made).
    insert_from: Option<Change>,
}

impl Vim {
    /// Handles `key`. `bound`: the keymap binds it (it then keeps that binding in normal mode).
    pub fn key(&mut self, ta: &mut TextArea<'_>, key: KeyEvent, bound: bool) -> VimKey {
        match self.mode {
            Mode::Insert if key.code == KeyCode::Esc => {
                self.leave_insert(ta);
                TAKEN
            }
            Mode::Insert => VimKey::Pass,
            Mode::Normal => self.normal(ta, key, bound),
        }
    }

    /// Insert mode from outside a command (text typed into a prompt in normal mode from
    /// another pane): the insert starts here.
    pub fn start_insert(&mut self, ta: &TextArea<'_>) {
        if self.mode == Mode::Normal {
            self.insert(Change::of(ta));
        }
    }

    /// The text area was replaced: its undo steps are gone.
    pub fn forget_changes(&mut self) {
        self.changes.clear();
        self.insert_from = None;
    }

    /// A fresh prompt (after sending) starts in insert mode with nothing to undo.
    pub fn reset(&mut self) {
        *self = Vim::default();
    }

    fn leave_insert(&mut self, ta: &mut TextArea<'_>) {
        self.mode = Mode::Normal;
        self.pending = None;
        // The text before this insert is one undo step, unless the insert changed nothing.
        let from = self.insert_from.take().unwrap_or_else(|| {
            let mut oldest = ta.clone();
            while oldest.undo() {}
            Change::of(&oldest)
        });
        if from.lines != ta.lines() {
            self.remember(from);
        }
        // Leaving insert mode steps back onto the last character typed, as vim does.
        if col(ta) > 0 {
            ta.move_cursor(CursorMove::Back);
        }
    }

    fn insert(&mut self, before: Change) {
        self.mode = Mode::Insert;
        self.pending = None;
        self.insert_from = Some(before);
    }

    fn remember(&mut self, before: Change) {
        if self.changes.len() == UNDO_DEPTH {
            self.changes.remove(0);
        }
        self.changes.push(before);
    }

    fn normal(&mut self, ta: &mut TextArea<'_>, key: KeyEvent, bound: bool) -> VimKey {
        let typed = match key.code {
            KeyCode::Char(c)
                if !key
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                Some(c)
            }
            _ => None,
        };
        if let Some(c) = typed {
            return match self.pending.take() {
                Some(op) => self.operate(ta, op, c),
                None => self.command(ta, c),
            };
        }
        // Esc cancels a pending operator; otherwise keys keep the keymap's meaning.
        if self.pending.take().is_some() && key.code == KeyCode::Esc {
            return TAKEN;
        }
        if bound {
            return VimKey::Pass;
        }
        // Unbound keys with a vim meaning in normal mode; any other is ignored, never text.
        let c = match key.code {
            KeyCode::Left | KeyCode::Backspace => 'h',
            KeyCode::Right => 'l',
            KeyCode::Home => '0',
            KeyCode::End => '$',
            KeyCode::Delete => 'x',
            KeyCode::Up | KeyCode::Down => return VimKey::Pass,
            _ => return TAKEN,
        };
        self.command(ta, c)
    }

    fn command(&mut self, ta: &mut TextArea<'_>, c: char) -> VimKey {
        if let Some(m) = Motion::of(c) {
            return motion(ta, m);
        }
        let before = Change::of(ta);
        match c {
            'x' => {
                if col(ta) < line_len(ta) {
                    ta.delete_next_char();
                }
            }
            'd' => self.pending = Some(Operator::Delete),
            'c' => self.pending = Some(Operator::Change),
            'D' => return self.operate(ta, Operator::Delete, '$'),
            'C' => return self.operate(ta, Operator::Change, '$'),
            'i' => {}
            'a' if col(ta) < line_len(ta) => ta.move_cursor(CursorMove::Forward),
            'a' => {}
            'A' => ta.move_cursor(CursorMove::End),
            'I' => ta.move_cursor(CursorMove::Head),
            'o' => {
                ta.move_cursor(CursorMove::End);
                ta.insert_newline();
            }
            'O' => {
                ta.move_cursor(CursorMove::Head);
                ta.insert_newline();
                jump(ta, row(ta).saturating_sub(1), 0);
            }
            'u' => return self.undo(ta),
            _ => return TAKEN,
        }
        if matches!(c, 'i' | 'a' | 'A' | 'I' | 'o' | 'O') {
            self.insert(before);
            return VimKey::Taken {
                edited: matches!(c, 'o' | 'O'),
            };
        }
        self.finish(ta, before)
    }

    /// After a normal-mode command: the change is one undo step; the cursor rests on a
    /// character.
    fn finish(&mut self, ta: &mut TextArea<'_>, before: Change) -> VimKey {
        rest(ta);
        if before.lines == ta.lines() {
            return TAKEN;
        }
        self.remember(before);
        EDITED
    }

    fn operate(&mut self, ta: &mut TextArea<'_>, op: Operator, c: char) -> VimKey {
        let before = Change::of(ta);
        let doubled = matches!((op, c), (Operator::Delete, 'd') | (Operator::Change, 'c'));
        if doubled {
            match op {
                Operator::Delete => delete_line(ta),
                Operator::Change => {
                    ta.move_cursor(CursorMove::Head);
                    cut_to(ta, Motion::LineEnd, false);
                }
            }
        } else {
            let Some(m) = Motion::of(c).filter(|m| !matches!(m, Motion::Up | Motion::Down)) else {
                // d or c then a key that is no motion here: the operator is dropped.
                return TAKEN;
            };
            cut_to(ta, m, op == Operator::Change);
        }
        if op == Operator::Change {
            let edited = before.lines != ta.lines();
            self.insert(before);
            return VimKey::Taken { edited };
        }
        self.finish(ta, before)
    }

    /// `u`: back to the text before the last change.
    fn undo(&mut self, ta: &mut TextArea<'_>) -> VimKey {
        match self.changes.pop() {
            Some(before) => {
                while ta.lines() != before.lines.as_slice() && ta.undo() {}
                // Where the change began, as vim does (the text area puts it at its end).
                jump(ta, before.cursor.0, before.cursor.1);
            }
            // Nothing recorded (changes made by other keys): one step of the text area.
            None => {
                ta.undo();
            }
        }
        rest(ta);
        EDITED
    }
}

/// Moves the cursor in normal mode.
fn motion(ta: &mut TextArea<'_>, m: Motion) -> VimKey {
    let at = ta.cursor();
    match m {
        Motion::Left if col(ta) > 0 => ta.move_cursor(CursorMove::Back),
        Motion::Right if col(ta) + 1 < line_len(ta) => ta.move_cursor(CursorMove::Forward),
        Motion::Left | Motion::Right => {}
        Motion::Up | Motion::Down => {
            ta.move_cursor(if m == Motion::Up {
                CursorMove::Up
            } else {
                CursorMove::Down
            });
            if ta.cursor() == at {
                return if m == Motion::Up {
                    VimKey::HistoryPrev
                } else {
                    VimKey::HistoryNext
                };
            }
        }
        Motion::WordForward => ta.move_cursor(CursorMove::WordForward),
        Motion::WordBack => ta.move_cursor(CursorMove::WordBack),
        Motion::WordEnd => ta.move_cursor(CursorMove::WordEnd),
        Motion::LineStart => ta.move_cursor(CursorMove::Head),
        Motion::LineEnd => ta.move_cursor(CursorMove::End),
    }
    rest(ta);
    TAKEN
}

/// Cuts from the cursor to where `m` goes, within the line. `change`: `cw` on a word stops
/// at the word's end, without the blanks after it (vim's own exception).
fn cut_to(ta: &mut TextArea<'_>, m: Motion, change: bool) {
    let DataCursor(r, c) = ta.cursor();
    let len = line_len(ta);
    ta.start_selection();
    match m {
        Motion::Left if c > 0 => ta.move_cursor(CursorMove::Back),
        Motion::Right if c < len => ta.move_cursor(CursorMove::Forward),
        Motion::WordForward
            if change && char_at(ta, r, c).is_some_and(|ch| !ch.is_whitespace()) =>
        {
            jump(ta, r, word_end(&ta.lines()[r], c));
        }
        Motion::WordForward => {
            ta.move_cursor(CursorMove::WordForward);
            // The last word of a line: `dw` stops at the line's end, it does not join lines.
            if row(ta) != r {
                jump(ta, r, len);
            }
        }
        Motion::WordBack => ta.move_cursor(CursorMove::WordBack),
        Motion::WordEnd => {
            ta.move_cursor(CursorMove::WordEnd);
            // `de` takes the word's last character too.
            if row(ta) == r && col(ta) < len {
                ta.move_cursor(CursorMove::Forward);
            }
        }
        Motion::LineStart => ta.move_cursor(CursorMove::Head),
        Motion::LineEnd => ta.move_cursor(CursorMove::End),
        Motion::Left | Motion::Right | Motion::Up | Motion::Down => {}
    }
    if ta.cursor() == (r, c) {
        ta.cancel_selection();
    } else {
        ta.cut();
    }
}

/// `dd`: the cursor's line goes (its text to the yank buffer), the cursor to the line that
/// takes its place.
fn delete_line(ta: &mut TextArea<'_>) {
    let r = row(ta);
    let rows = ta.lines().len();
    if rows == 1 {
        ta.move_cursor(CursorMove::Head);
        cut_to(ta, Motion::LineEnd, false);
        return;
    }
    if r + 1 < rows {
        jump(ta, r, 0);
        ta.start_selection();
        jump(ta, r + 1, 0);
        ta.cut();
    } else {
        let above = r - 1;
        jump(ta, above, ta.lines()[above].chars().count());
        ta.start_selection();
        jump(ta, r, usize::MAX);
        ta.cut();
        ta.move_cursor(CursorMove::Head);
    }
}

/// In normal mode the cursor sits on a character, never past the last one.
pub(super) fn rest(ta: &mut TextArea<'_>) {
    if col(ta) > 0 && col(ta) >= line_len(ta) {
        jump(ta, row(ta), line_len(ta) - 1);
    }
}

fn jump(ta: &mut TextArea<'_>, r: usize, c: usize) {
    let clamp = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
    ta.move_cursor(CursorMove::Jump(clamp(r), clamp(c)));
}

fn row(ta: &TextArea<'_>) -> usize {
    ta.cursor().0
}

fn col(ta: &TextArea<'_>) -> usize {
    ta.cursor().1
}

fn line_len(ta: &TextArea<'_>) -> usize {
    ta.lines()[row(ta)].chars().count()
}

fn char_at(ta: &TextArea<'_>, r: usize, c: usize) -> Option<char> {
    ta.lines().get(r)?.chars().nth(c)
}

/// Words as the text area splits them: a run of letters, digits and `_`, or of punctuation.
fn kind(c: char) -> u8 {
    if c.is_whitespace() {
        0
    } else if c == '_' || !c.is_ascii_punctuation() {
        1
    } else {
        2
    }
}

/// The column just past the word at `c`.
fn word_end(line: &str, c: usize) -> usize {
    let mut chars = line.chars().skip(c);
    let Some(first) = chars.next() else {
        return c;
    };
    c + 1 + chars.take_while(|ch| kind(*ch) == kind(first)).count()
}

#[cfg(test)]
mod tests;
