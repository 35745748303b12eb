//! `edit`: replaces one exact occurrence of `oldText` and returns a unified diff.

use serde_json::json;
use similar::TextDiff;

use super::args::EditArgs;
use super::edit_match::{self, MatchError};
use super::error::ToolError;
use super::replace_file::replace_file;
use super::truncate::format_size;
use super::{ToolContext, ToolOutput, paths};

pub(crate) async fn run(args: EditArgs, ctx: &ToolContext) -> Result<ToolOutput, ToolError> {
    let path = paths::resolve(&ctx.policy, &args.path)?;
    let shown = args.path.as_str();
    let meta = tokio::fs::metadata(&path)
        .await
        .map_err(ToolError::io("edit", &path))?;
    if meta.is_dir() {
        return Err(ToolError::Invalid(format!(
            "{shown} is a directory; edit works on files."
        )));
    }
    if !meta.is_file() {
        return Err(ToolError::Invalid(format!(
            "{shown} is not a regular file; edit works on files."
        )));
    }
    let max = ctx.policy.max_file_write_bytes;
    if meta.len() > max {
        return Err(ToolError::Invalid(format!(
            "{shown} is {}, over the {} write limit (--max-file-write-bytes), so edit cannot rewrite it.",
            format_size(meta.len()),
            format_size(max)
        )));
    }
    let bytes = read_checked(&path, ctx.policy.enforce_regular_files)
        .await
        .map_err(ToolError::io("read", &path))?;
    let Ok(original) = String::from_utf8(bytes) else {
        return Err(ToolError::Invalid(format!(
            "{shown} is not valid UTF-8 text; edit only changes text files. Use bash to change it."
        )));
    };
    let replaced = edit_match::replace_once(&original, &args.old_text, &args.new_text)
        .map_err(|e| match_error(e, shown))?;
    if replaced.content.len() as u64 > max {
        return Err(ToolError::Invalid(format!(
            "The edited {shown} would be {}, over the {} write limit (--max-file-write-bytes).",
            format_size(replaced.content.len() as u64),
            format_size(max)
        )));
    }
    if ctx.cancel.is_cancelled() {
        return Err(ToolError::Cancelled);
    }
    let content = replaced.content.as_bytes().to_vec();
    replace_file(&path, content)
        .await
        .map_err(ToolError::io("write", &path))?;

    let diff = unified_diff(&original, &replaced.content, shown);
    let mut text = format!("Successfully replaced 1 block(s) in {shown}.");
    if replaced.loose {
        text.push_str(
            " Note: oldText matched only after ignoring trailing whitespace at line ends; the matched lines were replaced.",
        );
    }
    text.push_str("\n\n");
    text.push_str(&diff);
    Ok(ToolOutput::text(text).with_details(json!({
        "diff": diff,
        "firstChangedLine": replaced.first_changed_line,
    })))
}

/// The file's bytes, opened as `--enforce-regular-files` says.
async fn read_checked(path: &std::path::Path, enforce: bool) -> std::io::Result<Vec<u8>> {
    let path = path.to_path_buf();
    let read = tokio::task::spawn_blocking(move || {
        let (mut file, meta) = super::regular::open_for_read(&path, enforce)?;
        let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
        std::io::Read::read_to_end(&mut file, &mut bytes)?;
        Ok(bytes)
    });
    read.await.unwrap_or_else(|e| Err(std::io::Error::other(e)))
}

/// A unified diff over the text as the model sees it (no BOM, LF line breaks).
pub(crate) fn unified_diff(old: &str, new: &str, name: &str) -> String {
    let view = |s: &str| s.trim_start_matches('\u{feff}').replace("\r\n", "\n");
    let (old, new) = (view(old), view(new));
    TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}

fn match_error(e: MatchError, shown: &str) -> ToolError {
    ToolError::Invalid(match e {
        MatchError::EmptyOld => "oldText is empty. To create a file or replace all of it use write; to insert text, put a nearby existing line in oldText and repeat it in newText with your addition.".to_string(),
        MatchError::Identical => "oldText and newText are identical, so there is nothing to change.".to_string(),
        MatchError::NotFound => format!(
            "Could not find oldText in {shown}. oldText must match the file exactly, including whitespace, indentation and line breaks. Read the file again (read tool) and copy the exact text you want to replace."
        ),
        MatchError::Several(n) => format!(
            "Found {n} occurrences of oldText in {shown}; it must match exactly once. Include more surrounding lines in oldText to make it unique."
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_is_unified_and_ending_neutral() {
        let d = unified_diff(
            "\u{feff}a\r\nb\r\nc\r\n",
            "\u{feff}a\r\nB\r\nc\r\n",
            "f.txt",
        );
        assert!(
            d.starts_with("--- a/f.txt\n+++ b/f.txt\n@@ -1,3 +1,3 @@\n"),
            "{d}"
        );
        assert!(d.contains("-b\n+B\n"));
        assert!(!d.contains('\r'));
    }

    #[test]
    fn match_errors_say_what_to_do() {
        let e = match_error(MatchError::Several(3), "x.rs").to_string();
        assert!(e.contains("Found 3 occurrences") && e.contains("more surrounding lines"));
        let e = match_error(MatchError::NotFound, "x.rs").to_string();
        assert!(e.contains("Read the file again"));
    }
}
