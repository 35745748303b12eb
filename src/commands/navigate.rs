//! `/session`, `/branches`, `/branch`, `/resume`, `/branch-alias`, `/session-bookmark`.

use serde_json::json;

use super::engine::CommandEngine;
use super::error::CommandError;
use super::output::{CommandOutput, to_json};
use super::parse::Invocation;
use crate::session::{NamedEntry, SessionError, SessionStore};

type Result = std::result::Result<CommandOutput, CommandError>;

pub fn session(engine: &CommandEngine, inv: &Invocation) -> Result {
    let summary = engine.store().summary();
    let path = summary.path.as_ref().map_or_else(
        || "<in-memory session>".to_string(),
        |p| p.display().to_string(),
    );
    let mut lines = vec![
        format!("session   {path}"),
        format!("id        {}", summary.session_id),
        format!("cwd       {}", summary.cwd),
        format!("entries   {}", summary.entries),
        format!(
            "head      {}",
            summary.head.as_deref().unwrap_or("(empty session)")
        ),
        format!("branches  {}", summary.branches),
    ];
    if summary.legacy_format {
        lines.push(
            "format    older rust-pi format (read-only; /session-import it into a new session)"
                .to_string(),
        );
    }
    Ok(CommandOutput::with_json(lines, inv.json, || {
        to_json(&summary)
    }))
}

pub fn branches(engine: &CommandEngine, inv: &Invocation) -> Result {
    let list = engine.store().branches()?;
    let mut lines = Vec::with_capacity(list.len());
    for b in &list {
        let mark = if b.active { '*' } else { ' ' };
        let names = if b.names.is_empty() {
            String::new()
        } else {
            format!("  [{}]", b.names.join(", "))
        };
        let text = b
            .last_user_message
            .as_deref()
            .unwrap_or("(no user message)");
        lines.push(format!(
            "{mark} {}  depth {}{names}  {text}",
            b.leaf_id, b.depth
        ));
    }
    if lines.is_empty() {
        lines.push("no entries yet: the first prompt starts the first branch".to_string());
    }
    Ok(CommandOutput::with_json(lines, inv.json, || to_json(&list)))
}

pub fn branch(engine: &CommandEngine, inv: &Invocation) -> Result {
    let mut store = engine.store();
    let id = store.resolve_ref(inv.required_arg(0)?)?;
    store.set_head(&id)?;
    Ok(CommandOutput::line(format!(
        "head moved to {id}; the next prompt continues from there"
    )))
}

pub fn resume(engine: &CommandEngine) -> Result {
    let head = engine.store().resume()?;
    Ok(CommandOutput::line(match head {
        Some(h) => format!("head moved to {h}, the latest entry"),
        None => "the session is empty; nothing to resume".to_string(),
    }))
}

fn list_names(kinds: &str, hint: &str, names: &[NamedEntry], json: bool) -> CommandOutput {
    let mut lines: Vec<String> = names
        .iter()
        .map(|n| format!("{}  →  {}", n.name, n.target_id))
        .collect();
    if lines.is_empty() {
        lines.push(format!("no {kinds} yet; {hint} creates one"));
    }
    CommandOutput::with_json(lines, json, || to_json(&names))
}

/// A kind of named entry reference: branch aliases and bookmarks share their subcommands.
struct NamedRefs {
    /// `branch alias`, `bookmark`
    one: &'static str,
    /// `branch aliases`, `bookmarks`
    many: &'static str,
    set_usage: &'static str,
    set: fn(&mut SessionStore, &str, &str) -> std::result::Result<(), SessionError>,
    list: fn(&SessionStore) -> Vec<NamedEntry>,
    use_it: fn(&mut SessionStore, &str) -> std::result::Result<String, SessionError>,
    delete: fn(&mut SessionStore, &str) -> std::result::Result<(), SessionError>,
}

const BRANCH_ALIASES: NamedRefs = NamedRefs {
    one: "branch alias",
    many: "branch aliases",
    set_usage: "/branch-alias set <name> <id>",
    set: SessionStore::set_branch_alias,
    list: SessionStore::branch_aliases,
    use_it: SessionStore::use_branch_alias,
    delete: SessionStore::delete_branch_alias,
};

const BOOKMARKS: NamedRefs = NamedRefs {
    one: "bookmark",
    many: "bookmarks",
    set_usage: "/session-bookmark set <name> <id>",
    set: SessionStore::set_bookmark,
    list: SessionStore::bookmarks,
    use_it: SessionStore::use_bookmark,
    delete: SessionStore::delete_bookmark,
};

pub fn branch_alias(engine: &CommandEngine, inv: &Invocation) -> Result {
    named_refs(&BRANCH_ALIASES, engine, inv)
}

pub fn bookmark(engine: &CommandEngine, inv: &Invocation) -> Result {
    named_refs(&BOOKMARKS, engine, inv)
}

fn named_refs(kind: &NamedRefs, engine: &CommandEngine, inv: &Invocation) -> Result {
    let sub = inv.sub.map_or("", |s| s.name);
    let mut store = engine.store();
    let one = kind.one;
    match sub {
        "set" => {
            let name = inv.required_arg(0)?;
            let id = store.resolve_ref(inv.required_arg(1)?)?;
            (kind.set)(&mut store, name, &id)?;
            Ok(CommandOutput::with_json(
                vec![format!("{one} '{name}' → {id}")],
                inv.json,
                || json!({ "name": name, "target_id": id }),
            ))
        }
        "list" => Ok(list_names(
            kind.many,
            kind.set_usage,
            &(kind.list)(&store),
            inv.json,
        )),
        "use" => {
            let name = inv.required_arg(0)?;
            let id = (kind.use_it)(&mut store, name)?;
            Ok(CommandOutput::with_json(
                vec![format!("head moved to {id} ({one} '{name}')")],
                inv.json,
                || json!({ "name": name, "head": id }),
            ))
        }
        "delete" => {
            let name = inv.required_arg(0)?;
            (kind.delete)(&mut store, name)?;
            Ok(CommandOutput::with_json(
                vec![format!("{one} '{name}' deleted")],
                inv.json,
                || json!({ "deleted": name }),
            ))
        }
        _ => Err(inv.usage_error("unknown subcommand")),
    }
}
