//! The prompt editor: a multi-line text area (ratatui-textarea) with prompt history, `@` file
//! and `/` command completion, collapsed large pastes, and a queue of prompts sent while a turn
//! runs. With a modal keymap (`modal = true`, as in the vim keymap) it has vim's insert and
//! normal modes (`vim.rs`).

mod completion;
mod vim;

pub use completion::{ArgCache, Completion, CompletionKind, CompletionNeeds};
pub use vim::{Mode, Vim, VimKey};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Modifier, Style};
use ratatui_textarea::{CursorMove, TextArea, WrapMode};

use crate::tui::config::keymap::{Context, Keymap};
use crate::tui::config::theme::Theme;

/// A paste longer than this many lines (or characters) is shown as a marker.
const PASTE_MAX_LINES: usize = 10;
const PASTE_MAX_CHARS: usize = 1000;

/// A collapsed paste: the marker in the text and what it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paste {
    pub marker: String,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Editor {
    pub textarea: TextArea<'static>,
    pub history: Vec<String>,
    /// Where Up/Down is in the history (None: editing a new prompt).
    pub history_pos: Option<usize>,
    draft: String,
    pub pastes: Vec<Paste>,
    pub completion: Option<Completion>,
    /// The project's files for `@` completion, once listed.
    pub files: Option<Vec<String>>,
    pub files_requested: bool,
    /// `/` commands: (name, one-line help).
    pub commands: Vec<(String, String)>,
    /// Argument candidates from the command engine, per word position.
    pub arg_cache: ArgCache,
    /// The vim mode, used while the keymap is modal.
    pub vim: Vim,
}

impl Default for Editor {
    fn default() -> Self {
        Editor::new(Vec::new())
    }
}

impl Editor {
    pub fn new(commands: Vec<(String, String)>) -> Editor {
        let mut e = Editor {
            textarea: TextArea::default(),
            history: Vec::new(),
            history_pos: None,
            draft: String::new(),
            pastes: Vec::new(),
            completion: None,
            files: None,
            files_requested: false,
            commands,
            arg_cache: ArgCache::default(),
            vim: Vim::default(),
        };
        e.style(&Theme::plain());
        e
    }

    pub fn style(&mut self, theme: &Theme) {
        self.textarea.set_cursor_line_style(Style::default());
        self.textarea
            .set_cursor_style(Style::default().add_modifier(Modifier::REVERSED));
        self.textarea.set_placeholder_style(theme.dim());
        self.textarea.set_wrap_mode(WrapMode::WordOrGlyph);
    }

    /// The hint an empty prompt shows, shortened to `width` columns by priority.
    pub fn placeholder(width: u16) -> String {
        crate::tui::render::fit(
            &[
                ("Ask pi…", 0),
                ("Enter sends", 1),
                ("Shift+Enter newline", 5),
                ("@ file", 3),
                ("/ command", 4),
                ("F1 help", 2),
            ],
            " · ",
            usize::from(width).saturating_sub(1),
        )
    }

    /// The prompt's border title: its mode when the keymap is modal, and what Enter does while
    /// a turn runs.
    pub fn title(&self, modal: bool, busy: bool) -> String {
        let mode = if modal {
            format!(" — {}", self.vim.mode.name())
        } else {
            String::new()
        };
        let busy = if busy {
            " (Enter queues while the turn runs · Ctrl+C cancels)"
        } else {
            ""
        };
        format!(" Prompt{mode}{busy} ")
    }

    /// A key for the vim mode, when `keymap` is modal; true when the vim mode took it (the
    /// keymap then never sees it).
    pub fn vim_key(&mut self, key: KeyEvent, keymap: &Keymap) -> bool {
        if !keymap.modal {
            return false;
        }
        let bound = keymap
            .resolve(&[Context::Editor, Context::Global], &key, true)
            .is_some();
        let walked = self.vim.key(&mut self.textarea, key, bound);
        match walked {
            VimKey::Pass => return false,
            VimKey::Taken { edited } => {
                if edited {
                    self.history_pos = None;
                }
            }
            VimKey::HistoryPrev | VimKey::HistoryNext => {
                if walked == VimKey::HistoryPrev {
                    self.history_prev();
                } else {
                    self.history_next();
                }
                vim::rest(&mut self.textarea);
            }
        }
        // Completion is for typing; normal mode closes it.
        self.completion = None;
        true
    }

    /// A key that types or edits. Ctrl+H deletes the word before the cursor: terminals send it
    /// for Ctrl+Backspace (which the kitty protocol reports as itself). Typed text means insert
    /// mode.
    pub fn input(&mut self, key: KeyEvent) {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('h') | KeyCode::Backspace if ctrl => {
                self.textarea.delete_word();
            }
            code => {
                if matches!(code, KeyCode::Char(_))
                    && !ctrl
                    && !key.modifiers.contains(KeyModifiers::ALT)
                {
                    self.vim.start_insert(&self.textarea);
                }
                self.textarea.input(key);
            }
        }
    }

    /// The text as typed (paste markers included).
    pub fn text(&self) -> String {
        self.textarea.lines().join("\n")
    }

    pub fn is_empty(&self) -> bool {
        self.textarea.lines().iter().all(String::is_empty)
    }

    /// The text with paste markers replaced by what they stand for.
    pub fn expanded_text(&self) -> String {
        let mut text = self.text();
        for p in &self.pastes {
            text = text.replacen(&p.marker, &p.text, 1);
        }
        text
    }

    pub fn set_text(&mut self, text: &str) {
        let lines: Vec<String> = text.split('\n').map(str::to_string).collect();
        let mut ta = TextArea::new(lines);
        std::mem::swap(&mut self.textarea, &mut ta);
        // Keep the styles of the old text area.
        self.textarea.set_cursor_line_style(ta.cursor_line_style());
        self.textarea.set_cursor_style(ta.cursor_style());
        self.textarea
            .set_placeholder_text(ta.placeholder_text().to_string());
        if let Some(s) = ta.placeholder_style() {
            self.textarea.set_placeholder_style(s);
        }
        self.textarea.set_wrap_mode(ta.wrap_mode());
        self.textarea.move_cursor(CursorMove::Bottom);
        self.textarea.move_cursor(CursorMove::End);
        // The vim mode's undo steps were the old text area's.
        self.vim.forget_changes();
    }

    /// Empties the editor (after sending).
    pub fn clear(&mut self) {
        self.set_text("");
        self.pastes.clear();
        self.completion = None;
        self.history_pos = None;
    }

    /// Takes the prompt out: remembers it in the history and empties the editor.
    pub fn take(&mut self) -> String {
        let typed = self.text();
        let text = self.expanded_text();
        if !typed.trim().is_empty() && self.history.last() != Some(&typed) {
            self.history.push(typed);
        }
        self.clear();
        // A fresh prompt starts in insert mode, as the next command line of a vi-mode shell.
        self.vim.reset();
        text
    }

    /// Inserts pasted text; a large paste becomes a marker.
    pub fn paste(&mut self, text: &str) {
        self.vim.start_insert(&self.textarea);
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        let lines = text.lines().count();
        if lines > PASTE_MAX_LINES || text.chars().count() > PASTE_MAX_CHARS {
            let n = self.pastes.len() + 1;
            let marker = format!(
                "[paste #{n} +{}]",
                crate::text::count(lines, "line", "lines")
            );
            self.textarea.insert_str(&marker);
            self.pastes.push(Paste { marker, text });
        } else {
            self.textarea.insert_str(&text);
        }
    }

    pub fn cursor(&self) -> (usize, usize) {
        let c = self.textarea.cursor();
        (c.0, c.1)
    }

    pub fn on_first_line(&self) -> bool {
        self.cursor().0 == 0
    }

    pub fn on_last_line(&self) -> bool {
        self.cursor().0 + 1 >= self.textarea.lines().len()
    }

    /// Up at the first line: the previous prompt of the history.
    pub fn history_prev(&mut self) -> bool {
        if self.history.is_empty() {
            return false;
        }
        let pos = match self.history_pos {
            None => {
                self.draft = self.text();
                self.history.len() - 1
            }
            Some(0) => return false,
            Some(p) => p - 1,
        };
        self.history_pos = Some(pos);
        let text = self.history[pos].clone();
        self.set_text(&text);
        true
    }

    /// Down at the last line: the next prompt, then back to the draft.
    pub fn history_next(&mut self) -> bool {
        let Some(pos) = self.history_pos else {
            return false;
        };
        if pos + 1 < self.history.len() {
            self.history_pos = Some(pos + 1);
            let text = self.history[pos + 1].clone();
            self.set_text(&text);
        } else {
            self.history_pos = None;
            let draft = std::mem::take(&mut self.draft);
            self.set_text(&draft);
        }
        true
    }

    /// Rows the editor wants (its lines, at least one).
    pub fn wanted_rows(&self) -> u16 {
        self.textarea.lines().len().clamp(1, 8) as u16
    }

    /// `@path` words of `text` that name image files, for attaching.
    pub fn image_refs(text: &str) -> Vec<String> {
        text.split_whitespace()
            .filter_map(|w| w.strip_prefix('@'))
            .map(|w| w.trim_end_matches([',', '.', ';', ':', ')']))
            .filter(|w| {
                let lower = w.to_ascii_lowercase();
                [".png", ".jpg", ".jpeg", ".gif", ".webp"]
                    .iter()
                    .any(|e| lower.ends_with(e))
            })
            .map(str::to_string)
            .collect()
    }
}

#[cfg(test)]
mod tests;
