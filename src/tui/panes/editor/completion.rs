//! Completion in the editor: `@` files (fuzzy, .gitignore respected), `/` commands, and the
//! arguments of a command (subcommands, flags, entry ids, aliases ...) from the command engine.
//! Argument candidates are asked for once per word position (the line up to the word) and
//! filtered here as the word is typed, so a huge session is not walked on every keystroke.

use std::collections::HashMap;

use super::Editor;
use crate::tui::fuzzy;

const MAX_ITEMS: usize = 50;
/// Word positions whose argument candidates are kept.
const MAX_CACHED: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionKind {
    File,
    Command,
    /// An argument of a `/` command.
    Argument,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub kind: CompletionKind,
    /// What is typed after `@` or `/` (or the argument word).
    pub query: String,
    /// (text to insert, help shown beside it).
    pub items: Vec<(String, String)>,
    pub selected: usize,
    /// Where the word being completed starts: (row, char column of the `@` or `/`).
    pub start: (usize, usize),
}

/// Argument candidates per word position: the key is the line up to the word (and up to the
/// last `/` of a path being typed); `None` while asked for.
#[derive(Debug, Clone, Default)]
pub struct ArgCache {
    entries: HashMap<String, Option<Vec<(String, String)>>>,
}

impl ArgCache {
    /// Forgets everything (the session changed: ids and names may be new).
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Stores the answer for `key`.
    pub fn insert(&mut self, key: String, items: Vec<(String, String)>) {
        if self.entries.len() >= MAX_CACHED && !self.entries.contains_key(&key) {
            self.entries.clear();
        }
        self.entries.insert(key, Some(items));
    }
}

/// What the editor needs from outside after an edit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompletionNeeds {
    /// The project's file list (asked for once).
    pub files: bool,
    /// Argument candidates for this line prefix.
    pub arguments: Option<String>,
}

impl Editor {
    /// The word at the cursor if it completes: (kind, start column, query).
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
        if row == 0 && start == 0 {
            return word
                .strip_prefix('/')
                .map(|q| (CompletionKind::Command, 0, q.to_string()));
        }
        if row == 0 && self.textarea.lines().len() == 1 && line.starts_with('/') {
            return Some((CompletionKind::Argument, start, word));
        }
        None
    }

    /// The cache key for an argument word: the line up to it, plus the directory part of a
    /// path being typed (so `src/m` lists `src/`).
    fn argument_key(&self, start: usize, query: &str) -> String {
        let line = self.textarea.lines().first().map_or("", String::as_str);
        let head: String = line.chars().take(start).collect();
        let dir = query.rfind('/').map_or("", |i| &query[..=i]);
        format!("{head}{dir}")
    }

    /// Recomputes the completion list after an edit; says what must be fetched.
    pub fn refresh_completion(&mut self) -> CompletionNeeds {
        let mut needs = CompletionNeeds::default();
        let Some((kind, start, query)) = self.completion_word() else {
            self.completion = None;
            return needs;
        };
        let row = self.cursor().0;
        let mut waiting = false;
        let items: Vec<(String, String)> = match kind {
            CompletionKind::File => match &self.files {
                Some(files) => fuzzy::filter(files, &query, true, MAX_ITEMS)
                    .into_iter()
                    .map(|i| (files[i].clone(), String::new()))
                    .collect(),
                None => {
                    needs.files = !self.files_requested;
                    self.files_requested = true;
                    waiting = true;
                    Vec::new()
                }
            },
            CompletionKind::Command => self.command_items(&query),
            CompletionKind::Argument => {
                let key = self.argument_key(start, &query);
                match self.arg_cache.entries.get(&key) {
                    Some(Some(all)) => all
                        .iter()
                        .filter(|(v, _)| v.starts_with(&query))
                        .take(MAX_ITEMS)
                        .cloned()
                        .collect(),
                    Some(None) => Vec::new(),
                    None => {
                        self.arg_cache.entries.insert(key.clone(), None);
                        needs.arguments = Some(key);
                        Vec::new()
                    }
                }
            }
        };
        let selected = match &self.completion {
            Some(c) if c.kind == kind && c.start == (row, start) => {
                c.selected.min(items.len().saturating_sub(1))
            }
            _ => 0,
        };
        // A finished word (exactly one match, fully typed) needs no list.
        let done = kind != CompletionKind::File && items.len() == 1 && items[0].0 == query;
        self.completion = if done || (items.is_empty() && !waiting) {
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
        needs
    }

    fn command_items(&self, query: &str) -> Vec<(String, String)> {
        let names: Vec<&str> = self.commands.iter().map(|(n, _)| n.as_str()).collect();
        let prefixed: Vec<usize> = (0..names.len())
            .filter(|&i| names[i].starts_with(query))
            .collect();
        let order = if prefixed.is_empty() {
            fuzzy::filter(&names, query, false, MAX_ITEMS)
        } else {
            prefixed
        };
        order
            .into_iter()
            .take(MAX_ITEMS)
            .map(|i| self.commands[i].clone())
            .collect()
    }

    /// Whether Enter should send rather than accept: the word typed already is a whole
    /// command name, the selected candidate is exactly what is typed, or no argument word is
    /// begun (the list only suggests what may come next).
    pub fn completion_is_complete(&self) -> bool {
        let Some(c) = &self.completion else {
            return true;
        };
        if c.kind == CompletionKind::Argument && c.query.is_empty() {
            return true;
        }
        let names_command =
            c.kind == CompletionKind::Command && self.commands.iter().any(|(n, _)| *n == c.query);
        names_command || c.items.get(c.selected).is_some_and(|(v, _)| *v == c.query)
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
            CompletionKind::Argument => "",
        };
        // A directory goes on being typed; anything else ends the word.
        let space = if value.ends_with('/') { "" } else { " " };
        self.textarea.insert_str(format!("{lead}{value}{space}"));
        true
    }
}
