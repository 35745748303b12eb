//! Starting over: `/new` (a fresh session file beside the current one), `/clear` (a new
//! root branch in the same file) and `/session-open` (switch to another session file). The
//! agent shares the session, so it sees the change on its next turn.

use std::path::{Path, PathBuf};

use super::engine::CommandEngine;
use super::error::CommandError;
use super::output::CommandOutput;
use super::parse::Invocation;
use crate::session::{SessionStore, new_session_path, sessions_dir};

type Result = std::result::Result<CommandOutput, CommandError>;

fn shown(p: Option<&Path>) -> String {
    p.map_or_else(
        || "<in-memory session>".to_string(),
        |p| p.display().to_string(),
    )
}

/// `/new`: a fresh session file in the folder of the current one (the project's
/// `.pi/sessions` for an in-memory session stays in memory); the old file is named so it
/// can be reopened.
pub fn new_session(engine: &CommandEngine) -> Result {
    let cwd = engine.ctx.cwd.clone();
    let mut store = engine.store();
    let old = store.path().map(PathBuf::from);
    let fresh = match &old {
        Some(p) => {
            let dir = p
                .parent()
                .map_or_else(|| sessions_dir(&cwd), Path::to_path_buf);
            let path = new_session_path(&dir);
            SessionStore::open(&path, &cwd, store.lock_options())
                .map_err(|e| CommandError::failed(e.to_string()))?
                .0
        }
        None => SessionStore::in_memory(&cwd),
    };
    let new_path = fresh.path().map(PathBuf::from);
    *store = fresh;
    let mut lines = vec![format!("new session: {}", shown(new_path.as_deref()))];
    if let Some(old) = &old {
        lines.push(format!(
            "the previous one is {} (pi --session {} reopens it)",
            old.display(),
            old.display()
        ));
    }
    Ok(CommandOutput::lines(lines))
}

/// `/clear`: the next prompt starts a new root branch in this file.
pub fn clear(engine: &CommandEngine) -> Result {
    let mut store = engine.store();
    let before = store.head().map(str::to_string);
    store.clear_head();
    Ok(CommandOutput::line(match before {
        Some(h) => format!(
            "cleared: the next prompt starts a new conversation in this file (the old one ends at {h}; /branch {h} goes back)"
        ),
        None => "already empty: the next prompt starts a new conversation".to_string(),
    }))
}

/// `/session-open FILE`: continue another session file.
pub fn open(engine: &CommandEngine, inv: &Invocation) -> Result {
    let path = engine.resolve(inv.required_arg(0)?);
    if !path.is_file() {
        return Err(CommandError::failed(format!(
            "{} is not a session file",
            path.display()
        )));
    }
    let cwd = engine.ctx.cwd.clone();
    let mut store = engine.store();
    if store.path() == Some(path.as_path()) {
        return Ok(CommandOutput::line(format!(
            "{} is the session already open",
            path.display()
        )));
    }
    let (opened, warnings) = SessionStore::open(&path, &cwd, store.lock_options())
        .map_err(|e| CommandError::failed(e.to_string()))?;
    let old = store.path().map(PathBuf::from);
    *store = opened;
    let mut lines = vec![format!("session: {}", path.display())];
    lines.extend(warnings.iter().map(|w| format!("warning: {w}")));
    if let Some(old) = old {
        lines.push(format!("the previous one is {}", old.display()));
    }
    Ok(CommandOutput::lines(lines))
}
