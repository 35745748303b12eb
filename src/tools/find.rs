//! `find`: files (and directories) whose name or relative path matches a glob.

use globset::{GlobBuilder, GlobMatcher};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::args::{FIND_DEFAULT_LIMIT, FindArgs};
use super::error::ToolError;
use super::walk::{self, SearchRoot};
use super::{ToolContext, ToolOutput};

pub(crate) async fn run(args: FindArgs, ctx: &ToolContext) -> Result<ToolOutput, ToolError> {
    let root = walk::search_root(ctx, args.path.as_deref()).await?;
    if !root.is_dir {
        return Err(ToolError::Invalid(format!(
            "{} is a file, not a directory; give find the directory to search in.",
            root.shown
        )));
    }
    let pattern = args.pattern.trim();
    let pattern = pattern.strip_prefix("./").unwrap_or(pattern);
    if pattern.is_empty() {
        return Err(ToolError::Invalid(
            "The pattern is empty. Give a glob such as '*.rs' or 'src/**/*.ts'.".into(),
        ));
    }
    let glob = GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|e| {
            ToolError::Invalid(format!(
                "Invalid glob pattern `{pattern}`: {e}. Use a pattern like '*.rs', '**/*.json' or 'src/**/*.spec.ts'."
            ))
        })?
        .compile_matcher();
    // A pattern without `/` matches file names at any depth, as fd does.
    let whole_path = pattern.contains('/');
    let limit = usize::try_from(args.limit.unwrap_or(FIND_DEFAULT_LIMIT as u64))
        .unwrap_or(usize::MAX)
        .max(1);
    let max_bytes = ctx.policy.max_tool_output_bytes;
    let cancel = ctx.cancel.clone();
    let (found, limit_hit) =
        tokio::task::spawn_blocking(move || collect(&root, &glob, whole_path, limit, &cancel))
            .await
            .map_err(|_| ToolError::Internal("find"))??;
    if found.is_empty() {
        return Ok(ToolOutput::text("No files found matching pattern"));
    }
    let mut notes = Vec::new();
    if limit_hit {
        notes.push(format!(
            "{limit} results limit reached. Use limit={} for more, or refine pattern",
            limit.saturating_mul(2)
        ));
    }
    let count = found.len();
    Ok(
        ToolOutput::text(walk::finish_listing(&found, max_bytes, notes))
            .with_details(json!({ "results": count, "resultLimitReached": limit_hit })),
    )
}

fn collect(
    root: &SearchRoot,
    glob: &GlobMatcher,
    whole_path: bool,
    limit: usize,
    cancel: &CancellationToken,
) -> Result<(Vec<String>, bool), ToolError> {
    let mut found = Vec::new();
    let mut limit_hit = false;
    let include_hidden = walk::names_hidden(glob.glob().glob());
    for entry in walk::walker(&root.path, None, include_hidden)?.build() {
        if cancel.is_cancelled() {
            return Err(ToolError::Cancelled);
        }
        let Ok(entry) = entry else { continue };
        if entry.depth() == 0 {
            continue;
        }
        let rel = walk::relative(&root.path, entry.path());
        let hit = if whole_path {
            glob.is_match(&rel)
        } else {
            glob.is_match(entry.file_name())
        };
        if !hit {
            continue;
        }
        if found.len() >= limit {
            limit_hit = true;
            break;
        }
        let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
        found.push(if is_dir { format!("{rel}/") } else { rel });
    }
    found.sort();
    Ok((found, limit_hit))
}
