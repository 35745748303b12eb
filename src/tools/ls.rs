//! `ls`: one directory's entries, dotfiles included, sorted, `/` after directories.

use serde_json::json;

use super::args::{LS_DEFAULT_LIMIT, LsArgs};
use super::error::ToolError;
use super::{ToolContext, ToolOutput, paths, walk};

pub(crate) async fn run(args: LsArgs, ctx: &ToolContext) -> Result<ToolOutput, ToolError> {
    let shown = args
        .path
        .as_deref()
        .filter(|p| !p.is_empty())
        .unwrap_or(".")
        .to_string();
    let dir = paths::resolve_read(&ctx.policy, &shown)?;
    let limit = usize::try_from(args.limit.unwrap_or(LS_DEFAULT_LIMIT as u64))
        .unwrap_or(usize::MAX)
        .max(1);
    let meta = tokio::fs::metadata(&dir)
        .await
        .map_err(ToolError::io("list", &dir))?;
    if !meta.is_dir() {
        return Err(ToolError::Invalid(format!(
            "Not a directory: {shown}. Use read to see a file."
        )));
    }
    let listing = tokio::task::spawn_blocking(move || list(&dir))
        .await
        .map_err(|_| ToolError::Internal("ls"))??;
    if listing.is_empty() {
        return Ok(ToolOutput::text("(empty directory)"));
    }
    let total = listing.len();
    let limit_hit = total > limit;
    let mut notes = Vec::new();
    if limit_hit {
        notes.push(format!(
            "{limit} entries limit reached ({total} in total). Use limit={} for more",
            limit.saturating_mul(2)
        ));
    }
    let shown_entries = &listing[..total.min(limit)];
    let text = walk::finish_listing(shown_entries, ctx.policy.max_tool_output_bytes, notes);
    Ok(ToolOutput::text(text)
        .with_details(json!({ "entries": total, "entryLimitReached": limit_hit })))
}

fn list(dir: &std::path::Path) -> Result<Vec<String>, ToolError> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(ToolError::io("list", dir))? {
        let Ok(entry) = entry else { continue };
        let name = entry.file_name().to_string_lossy().into_owned();
        // Follows symlinks, so a link to a directory is shown as one.
        let is_dir = std::fs::metadata(entry.path()).is_ok_and(|m| m.is_dir());
        names.push(if is_dir { format!("{name}/") } else { name });
    }
    names.sort_by(|a, b| {
        a.to_lowercase()
            .cmp(&b.to_lowercase())
            .then_with(|| a.cmp(b))
    });
    Ok(names)
}
