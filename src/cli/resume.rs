//! `--continue` (the most recent session of this working directory) and `--resume` (a
//! picker of them in the interactive mode): which session file a run opens.

use std::path::Path;

use super::args::Args;
use crate::session::{recent_sessions, sessions_dir};

/// Resolves `--continue` into `--session FILE`: the newest session in `.pi/sessions` of
/// `cwd` that holds a prompt. An error when there is none.
pub fn apply_continue(mut args: Args, cwd: &Path) -> Result<Args, String> {
    if args.resume && (args.prompt.is_some() || args.prompt_file.is_some()) {
        return Err(
            "--resume opens a picker in the interactive mode; with --prompt use --continue or --session FILE"
                .into(),
        );
    }
    if !args.continue_session {
        return Ok(args);
    }
    let dir = sessions_dir(cwd);
    let newest = recent_sessions(&dir)
        .into_iter()
        .find(|s| s.first_prompt.is_some())
        .ok_or_else(|| format!("no session to continue in {}", dir.display()))?;
    args.session = Some(newest.path);
    Ok(args)
}
