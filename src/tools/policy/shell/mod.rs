//! What a bash command line would run, read from a real parse (brush-parser), never from the
//! first word.
//!
//! [`commands`] walks the syntax tree: lists, pipelines, subshells, compound commands,
//! function bodies, `$(...)` and backticks, process substitution, here-documents fed to a
//! shell, and the wrappers that run another command (`env`, `sudo`, `xargs`, `nice`,
//! `timeout`, `sh -c`, `eval`, `find -exec`, ...). Variables assigned earlier in the line and
//! `cd` are followed, so `X=rm; $X -rf /` and `cd / && rm -rf x` are seen for what they are.
//! Anything computed at run time is marked unknown, never guessed.

mod walk;
mod words;
mod wrappers;

pub(crate) use wrappers::SHELLS;

use std::path::PathBuf;

/// One word of a command after quote removal and the expansions known before it runs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Arg {
    /// The value where known; unknown parts are left out (see `known`).
    pub text: String,
    /// The value up to the first part computed at run time.
    pub prefix: String,
    /// The whole value is known: no unknown variable, substitution or expansion.
    pub known: bool,
    /// Unquoted glob or brace characters: the word may become other words.
    pub expands: bool,
    /// Programs whose output is part of the word (`$(curl ...)`, `<(wget ...)`).
    pub from: Vec<String>,
}

impl Arg {
    pub(crate) fn literal(text: impl Into<String>) -> Self {
        let text = text.into();
        Arg {
            prefix: text.clone(),
            text,
            known: true,
            expands: false,
            from: Vec::new(),
        }
    }

    /// The exact word, when nothing about it is left to run time.
    pub(crate) fn exact(&self) -> Option<&str> {
        (self.known && !self.expands).then_some(self.text.as_str())
    }
}

/// One command the line would run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cmd {
    /// The program's name (its last path component); `None` when computed at run time.
    pub name: Option<String>,
    /// The name as written (`/bin/rm`, `./build.sh`).
    pub path: String,
    pub args: Vec<Arg>,
    /// `NAME=value` given to this command alone (prefix assignments, `env NAME=value`).
    pub env: Vec<(String, Arg)>,
    /// The wrappers it runs under, outermost first (`sudo`, `env`, `xargs`).
    pub via: Vec<String>,
    /// More arguments arrive at run time (`xargs`).
    pub more_args: bool,
    /// Where it runs; `None` after a `cd` to a place computed at run time.
    pub cwd: Option<PathBuf>,
    /// Programs earlier in the same pipeline (their output is this command's input).
    pub piped_from: Vec<String>,
    /// Its standard input when known: a here-document, a here-string, `echo ... |`.
    pub stdin_text: Option<String>,
    /// It reads a script computed at run time (`sh -c "$X"`, `eval "$X"`).
    pub dynamic_script: bool,
}

impl Cmd {
    /// The command as a short line for reasons: `rm -rf /tmp/x`.
    pub(crate) fn display(&self) -> String {
        let mut out = self.path.clone();
        for a in &self.args {
            out.push(' ');
            if a.known {
                out.push_str(&a.text);
            } else {
                out.push_str(&a.prefix);
                out.push('…');
            }
        }
        const MAX: usize = 80;
        if out.chars().count() > MAX {
            let cut: String = out.chars().take(MAX - 1).collect();
            return format!("{cut}…");
        }
        out
    }

    /// The known arguments, as plain strings (unknown ones as their known prefix).
    pub(crate) fn words(&self) -> impl Iterator<Item = &str> {
        self.args.iter().map(|a| a.text.as_str())
    }
}

/// A file a redirection writes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Write {
    pub target: Arg,
    pub cwd: Option<PathBuf>,
}

/// Everything a line would run and write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Line {
    pub cmds: Vec<Cmd>,
    pub writes: Vec<Write>,
    /// Functions defined in the line that call themselves (`:(){ :|:& };:`).
    pub recursive: Vec<String>,
}

/// Why a line could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseFailure(pub String);

/// Deepest nesting of `$(...)`, `sh -c` and `eval` followed before giving up.
const MAX_DEPTH: usize = 12;

/// Every command `line` would run in `cwd`, and every file its redirections write.
pub(crate) fn commands(line: &str, cwd: &std::path::Path) -> Result<Line, ParseFailure> {
    let mut walker = walk::Walker::default();
    let mut scope = walk::Scope::new(cwd);
    walker.script(line, &mut scope, 0)?;
    Ok(walker.into_line())
}

#[cfg(test)]
mod tests;
