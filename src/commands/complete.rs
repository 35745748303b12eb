//! Completion of a partly typed command line, from the command table and the session.

use std::path::Path;

use super::engine::CommandEngine;
use super::macros::macro_names;
use super::profiles::profile_names;
use super::spec::{ArgKind, ArgSpec, FlagSpec};
use super::table::{self, COMMANDS};
use crate::ai::Provider;

/// One candidate for the word being typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The whole word to put in place of the one being typed.
    pub value: String,
    /// A short description (a command's summary), may be empty.
    pub description: String,
}

fn plain(values: impl IntoIterator<Item = String>, prefix: &str) -> Vec<Completion> {
    values
        .into_iter()
        .filter(|v| v.starts_with(prefix))
        .map(|value| Completion {
            value,
            description: String::new(),
        })
        .collect()
}

/// Files and directories (with a trailing `/`) matching a typed path.
fn files(cwd: &Path, typed: &str) -> Vec<String> {
    let (dir_part, name_part) = match typed.rfind('/') {
        Some(i) => (&typed[..=i], &typed[i + 1..]),
        None => ("", typed),
    };
    let dir = if Path::new(dir_part).is_absolute() {
        Path::new(dir_part).to_path_buf()
    } else {
        cwd.join(dir_part)
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.starts_with(name_part)
                || (name.starts_with('.') && !name_part.starts_with('.'))
            {
                return None;
            }
            let slash = if e.path().is_dir() { "/" } else { "" };
            Some(format!("{dir_part}{name}{slash}"))
        })
        .collect();
    out.sort();
    out
}

fn values_for(engine: &CommandEngine, kind: ArgKind, typed: &str) -> Vec<String> {
    match kind {
        ArgKind::EntryRef => {
            let store = engine.store();
            let mut v: Vec<String> = store
                .branch_aliases()
                .into_iter()
                .chain(store.bookmarks())
                .map(|n| n.name)
                .collect();
            if let Ok(branches) = store.branches() {
                v.extend(branches.into_iter().map(|b| b.leaf_id));
            }
            v
        }
        ArgKind::BranchAlias => engine
            .store()
            .branch_aliases()
            .into_iter()
            .map(|n| n.name)
            .collect(),
        ArgKind::Bookmark => engine
            .store()
            .bookmarks()
            .into_iter()
            .map(|n| n.name)
            .collect(),
        ArgKind::Macro => macro_names(engine),
        ArgKind::Profile => profile_names(engine),
        ArgKind::Skill => super::skills::skill_names(engine),
        ArgKind::Model => engine
            .ctx
            .client
            .catalog()
            .models
            .iter()
            .map(|m| format!("{}/{}", m.provider, m.id))
            .collect(),
        ArgKind::Provider => Provider::ALL.iter().map(|p| p.to_string()).collect(),
        ArgKind::Command => COMMANDS.iter().map(|c| c.name.to_string()).collect(),
        ArgKind::Bool => vec!["true".into(), "false".into()],
        ArgKind::ImportMode => vec!["merge".into(), "replace".into()],
        ArgKind::File => files(&engine.ctx.cwd, typed),
        ArgKind::Count | ArgKind::NewName | ArgKind::Text => Vec::new(),
    }
}

/// Candidates for the last word of `input` (a line starting with `/`). A trailing space
/// means a new word is being started.
pub fn completions(engine: &CommandEngine, input: &str) -> Vec<Completion> {
    let Some(rest) = input.strip_prefix('/') else {
        return Vec::new();
    };
    let mut words: Vec<&str> = rest.split_whitespace().collect();
    let typed = if rest.is_empty() || rest.ends_with(char::is_whitespace) {
        ""
    } else {
        words.pop().unwrap_or("")
    };
    if words.is_empty() {
        return table::matching(typed)
            .into_iter()
            .map(|c| Completion {
                value: format!("/{}", c.name),
                description: c.summary.to_string(),
            })
            .collect();
    }
    let Some(spec) = table::find(words[0]) else {
        return Vec::new();
    };
    let mut args: Vec<&str> = words[1..].to_vec();
    let (arg_specs, flag_specs): (&[ArgSpec], &[FlagSpec]) = if spec.subcommands.is_empty() {
        (spec.args, spec.flags)
    } else {
        if args.is_empty() {
            return spec
                .subcommands
                .iter()
                .filter(|s| s.name.starts_with(typed))
                .map(|s| Completion {
                    value: s.name.to_string(),
                    description: s.summary.to_string(),
                })
                .collect();
        }
        let Some(sub) = spec.subcommand(args.remove(0)) else {
            return Vec::new();
        };
        (sub.args, sub.flags)
    };
    // The value of a flag?
    if let Some(prev) = args.last().and_then(|w| w.strip_prefix("--"))
        && let Some((_, kind)) = flag_specs
            .iter()
            .find(|f| f.name == prev)
            .and_then(|f| f.value)
    {
        return plain(values_for(engine, kind, typed), typed);
    }
    if typed.starts_with("--") {
        let mut flags: Vec<String> = flag_specs.iter().map(|f| format!("--{}", f.name)).collect();
        if spec.json {
            flags.push("--json".to_string());
        }
        return plain(flags, typed);
    }
    // Count positionals typed so far, skipping flags and their values.
    let mut position = 0;
    let mut skip_value = false;
    for w in &args {
        if skip_value {
            skip_value = false;
        } else if let Some(f) = w.strip_prefix("--") {
            skip_value = flag_specs.iter().any(|s| s.name == f && s.value.is_some());
        } else {
            position += 1;
        }
    }
    let arg = arg_specs
        .get(position)
        .or_else(|| arg_specs.last().filter(|a| a.variadic));
    match arg {
        Some(a) if a.kind == ArgKind::EntryRef => entries(engine, typed),
        Some(a) => plain(values_for(engine, a.kind, typed), typed),
        None => Vec::new(),
    }
}

/// Entry references for `/branch` and the like: names first (with what they point at), then
/// the branch tips and the newest entries of the active branch, each with its role and
/// first words.
fn entries(engine: &CommandEngine, typed: &str) -> Vec<Completion> {
    let store = engine.store();
    let names: Vec<(String, String)> = store
        .branch_aliases()
        .into_iter()
        .chain(store.bookmarks())
        .map(|n| (n.name, n.target_id))
        .filter(|(name, _)| name.starts_with(typed))
        .collect();
    let mut ids: Vec<String> = store.recent_branch_ids(RECENT_ENTRIES);
    if let Ok(branches) = store.branches() {
        for b in branches {
            if !ids.contains(&b.leaf_id) {
                ids.push(b.leaf_id);
            }
        }
    }
    ids.retain(|id| id.starts_with(typed));
    let mut wanted: Vec<String> = ids.clone();
    wanted.extend(names.iter().map(|(_, t)| t.clone()));
    let described: std::collections::HashMap<String, String> = store
        .entry_descriptions(&wanted)
        .unwrap_or_default()
        .into_iter()
        .collect();
    let describe = |id: &str| described.get(id).cloned().unwrap_or_default();
    names
        .iter()
        .map(|(name, target)| Completion {
            value: name.clone(),
            description: format!("→ {target} {}", describe(target)),
        })
        .chain(ids.iter().map(|id| Completion {
            value: id.clone(),
            description: describe(id),
        }))
        .collect()
}

/// Entries of the active branch a completion offers, newest first.
const RECENT_ENTRIES: usize = 30;
