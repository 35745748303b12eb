//! Completion in the editor: `@` files (fuzzy, .gitignore respected) and `/` commands.

use super::Editor;
use crate::tui::fuzzy;

const MAX_ITEMS: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionKind {
    File,
    Command,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub kind: CompletionKind,
    /// What is typed after `@` or `/`.
    pub query: String,
    /// (text to insert, help shown beside it).
    pub items: Vec<(String, String)>,
    pub selected: usize,
    /// Where the word being completed starts: (row, char column of the `@` or `/`).
    pub start: (usize, usize),
}

impl Editor {
    /// The `@word` or leading `/word` at the cursor, if any: (kind, start column, query).
    fn completion_word(&self) -> Option<(CompletionKind, usize, String)> {
        let (row, col) = self.cursor();
        let line = self.textarea.lines().get(row)?;
        let before: Vec<char> = line.chars().take(col).collect();
        let start = before
            .iter()
            .rposition(|c| c.is_whitespace())
            .map_or(0, |i| i + 1);
        let word: String = before[start..].iter().collect();
        if let Some(q) = word.strip_prefix('@') {
            return Some((CompletionKind::File, start, q.to_string()));
        }
        if row == 0
            && start == 0
            && let Some(q) = word.strip_prefix('/')
        {
            return Some((CompletionKind::Command, 0, q.to_string()));
        }
        None
    }

    /// Recomputes the completion list after an edit. Returns true when the file list is
    /// needed and not requested yet.
    pub fn refresh_completion(&mut self) -> bool {
        let Some((kind, start, query)) = self.completion_word() else {
            self.completion = None;
            return false;
        };
        let row = self.cursor().0;
        let mut need_files = false;
        let items: Vec<(String, String)> = match kind {
            CompletionKind::File => match &self.files {
                Some(files) => fuzzy::filter(files, &query, true, MAX_ITEMS)
                    .into_iter()
                    .map(|i| (files[i].clone(), String::new()))
                    .collect(),
                None => {
                    need_files = !self.files_requested;
                    self.files_requested = true;
                    Vec::new()
                }
            },
            CompletionKind::Command => {
                let names: Vec<&str> = self.commands.iter().map(|(n, _)| n.as_str()).collect();
                let prefixed: Vec<usize> = (0..names.len())
                    .filter(|&i| names[i].starts_with(&query))
                    .collect();
                let order = if prefixed.is_empty() {
                    fuzzy::filter(&names, &query, false, MAX_ITEMS)
                } else {
                    prefixed
                };
                order
                    .into_iter()
                    .take(MAX_ITEMS)
                    .map(|i| self.commands[i].clone())
                    .collect()
            }
        };
        let selected = match &self.completion {
            Some(c) if c.kind == kind && c.start == (row, start) => {
                c.selected.min(items.len().saturating_sub(1))
            }
            _ => 0,
        };
        // A finished command word (exactly one match, fully typed) needs no list.
        let done = kind == CompletionKind::Command && items.len() == 1 && items[0].0 == query;
        self.completion = if done || (items.is_empty() && !need_files && self.files.is_some()) {
            None
        } else {
            Some(Completion {
                kind,
                query,
                items,
                selected,
                start: (row, start),
            })
        };
        need_files
    }

    pub fn completion_move(&mut self, delta: isize) {
        if let Some(c) = &mut self.completion
            && !c.items.is_empty()
        {
            let n = c.items.len() as isize;
            c.selected = ((c.selected as isize + delta).rem_euclid(n)) as usize;
        }
    }

    /// Replaces the word being completed with the selected item. Returns false when there
    /// was nothing to accept.
    pub fn completion_accept(&mut self) -> bool {
        let Some(c) = self.completion.take() else {
            return false;
        };
        let Some((value, _)) = c.items.get(c.selected) else {
            return false;
        };
        let (row, col) = self.cursor();
        if row != c.start.0 || col < c.start.1 {
            return false;
        }
        let typed = col - c.start.1;
        for _ in 0..typed {
            self.textarea.delete_char();
        }
        let lead = match c.kind {
            CompletionKind::File => "@",
            CompletionKind::Command => "/",
        };
        self.textarea.insert_str(format!("{lead}{value} "));
        true
    }
}
