//! `write`: creates or overwrites a file, creating its parent directories.

use serde_json::json;

use super::args::WriteArgs;
use super::error::ToolError;
use super::replace_file::replace_file;
use super::truncate::format_size;
use super::{ToolContext, ToolOutput, paths};

pub(crate) async fn run(args: WriteArgs, ctx: &ToolContext) -> Result<ToolOutput, ToolError> {
    let path = paths::resolve(&ctx.policy, &args.path)?;
    let len = args.content.len() as u64;
    let max = ctx.policy.max_file_write_bytes;
    if len > max {
        return Err(ToolError::Invalid(format!(
            "Refusing to write {}: the content is {} ({len} bytes), over the {} write limit (--max-file-write-bytes). Write smaller files, or ask the user to raise the limit.",
            args.path,
            format_size(len),
            format_size(max)
        )));
    }
    if tokio::fs::metadata(&path).await.is_ok_and(|m| m.is_dir()) {
        return Err(ToolError::Invalid(format!(
            "{} is a directory; give the path of a file inside it.",
            args.path
        )));
    }
    super::regular::check_write_target(&path, ctx.policy.enforce_regular_files)
        .map_err(ToolError::io("write", &path))?;
    if let Some(parent) = path.parent() {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(ToolError::io("create the directory", parent))?;
    }
    replace_file(&path, args.content.into_bytes())
        .await
        .map_err(ToolError::io("write", &path))?;
    Ok(
        ToolOutput::text(format!("Successfully wrote {len} bytes to {}", args.path))
            .with_details(json!({ "bytes": len })),
    )
}
