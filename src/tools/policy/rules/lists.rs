//! `--allow-command` and `--deny-command` patterns: one or more words matched against a
//! command's leading words; a trailing `*` makes the last word a prefix (`git status`, `py*`).

use crate::tools::policy::shell::Cmd;

/// Whether a command matches one of a list's patterns.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Match<'a> {
    Yes(&'a str),
    /// It would match if a word computed at run time came out that way.
    Maybe(&'a str),
    No,
}

pub(super) fn matches<'a>(patterns: &'a [String], cmd: &Cmd) -> Match<'a> {
    let mut maybe = None;
    for p in patterns {
        match one(p, cmd) {
            Some(true) => return Match::Yes(p),
            None => maybe = maybe.or(Some(p.as_str())),
            Some(false) => {}
        }
    }
    maybe.map_or(Match::No, Match::Maybe)
}

/// `Some(true)` on a match, `None` when a word it depends on is not known.
fn one(pattern: &str, cmd: &Cmd) -> Option<bool> {
    let words: Vec<&str> = pattern.split_whitespace().collect();
    let Some((first, rest)) = words.split_first() else {
        return Some(false);
    };
    let name = cmd.name.as_deref()?;
    let pattern_name = first.rsplit('/').next().unwrap_or(first);
    if !word_matches(pattern_name, name, rest.is_empty()) {
        return Some(false);
    }
    for (i, w) in rest.iter().enumerate() {
        let Some(arg) = cmd.args.get(i) else {
            // Fewer words than the pattern: only arguments added at run time could match.
            return if cmd.more_args { None } else { Some(false) };
        };
        let last = i + 1 == rest.len();
        if arg.known && !arg.expands {
            if !word_matches(w, &arg.text, last) {
                return Some(false);
            }
        } else {
            // The known beginning already rules it out, or it might match.
            let want = w.trim_end_matches('*');
            let prefix = &arg.prefix;
            if !(want.starts_with(prefix.as_str()) || prefix.starts_with(want)) {
                return Some(false);
            }
            return None;
        }
    }
    Some(true)
}

fn word_matches(pattern: &str, word: &str, last: bool) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) if last => word.starts_with(prefix),
        _ => pattern == word,
    }
}
