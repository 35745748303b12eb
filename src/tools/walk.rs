//! The directory walk shared by `grep` and `find`: ripgrep's rules (.gitignore, .ignore and
//! git excludes respected even outside a git repository; hidden files skipped), sorted by name
//! so results are stable.

use std::path::{Path, PathBuf};

use ignore::WalkBuilder;
use ignore::overrides::OverrideBuilder;

use super::error::ToolError;
use super::{ToolContext, paths};

/// A resolved search root: the real path, whether it is a directory, and the path as the model
/// wrote it.
pub(crate) struct SearchRoot {
    pub path: PathBuf,
    pub is_dir: bool,
    pub shown: String,
}

/// Resolves the optional `path` argument of a search tool (default: the working directory).
pub(crate) async fn search_root(
    ctx: &ToolContext,
    raw: Option<&str>,
) -> Result<SearchRoot, ToolError> {
    let shown = raw.filter(|p| !p.is_empty()).unwrap_or(".").to_string();
    let path = paths::resolve_read(&ctx.policy, &shown)?;
    let meta = tokio::fs::metadata(&path)
        .await
        .map_err(ToolError::io("search", &path))?;
    Ok(SearchRoot {
        path,
        is_dir: meta.is_dir(),
        shown,
    })
}

/// True when a glob names hidden entries itself (`.env`, `.github/**`): then the walk must
/// not skip them.
pub(crate) fn names_hidden(pattern: &str) -> bool {
    pattern
        .split('/')
        .any(|seg| seg.starts_with('.') && seg != "." && seg != "..")
}

/// A walker over `root`; `glob` (rg's `-g`) keeps only the files it matches. Hidden entries are
/// skipped unless `include_hidden`; `.git` always is.
pub(crate) fn walker(
    root: &Path,
    glob: Option<&str>,
    include_hidden: bool,
) -> Result<WalkBuilder, ToolError> {
    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(!include_hidden)
        .filter_entry(|e| e.file_name() != ".git")
        .ignore(true)
        .git_ignore(true)
        .git_global(true)
        .git_exclude(true)
        .parents(true)
        .require_git(false)
        .follow_links(false)
        .sort_by_file_name(|a, b| a.cmp(b));
    if let Some(glob) = glob.filter(|g| !g.is_empty()) {
        let mut overrides = OverrideBuilder::new(root);
        let built = overrides.add(glob).and_then(|o| o.build());
        let built = built.map_err(|e| {
            ToolError::Invalid(format!(
                "Invalid glob `{glob}`: {e}. Use a pattern like '*.rs' or 'src/**/*.ts'."
            ))
        })?;
        builder.overrides(built);
    }
    Ok(builder)
}

/// `path` relative to `root` with `/` separators (the file name when `path` is `root`).
pub(crate) fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let rel = if rel.as_os_str().is_empty() {
        path.file_name().map(Path::new).unwrap_or(path)
    } else {
        rel
    };
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

/// The text of a limited listing: the lines, head-cut to `max_bytes`, then a bracketed note of
/// whatever limits were reached.
pub(crate) fn finish_listing(lines: &[String], max_bytes: usize, mut notes: Vec<String>) -> String {
    let joined = lines.join("\n");
    let cut = super::truncate::head(&joined, max_bytes, usize::MAX);
    let mut text = cut.content.to_string();
    if cut.truncated {
        notes.push(format!(
            "{} limit reached (showing {} of {} lines)",
            super::truncate::format_size(max_bytes as u64),
            cut.output_lines,
            cut.total_lines
        ));
    }
    if !notes.is_empty() {
        text.push_str("\n\n[");
        text.push_str(&notes.join(". "));
        text.push(']');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_names_in_globs() {
        assert!(names_hidden(".env"));
        assert!(names_hidden("**/.github/*.yml"));
        assert!(!names_hidden("./src/*.rs"));
        assert!(!names_hidden("../*.rs"));
        assert!(!names_hidden("*.rs"));
    }

    #[test]
    fn relative_paths_use_slashes() {
        let root = Path::new("/r/s");
        assert_eq!(relative(root, Path::new("/r/s/a/b.rs")), "a/b.rs");
        assert_eq!(relative(root, Path::new("/r/s")), "s");
    }

    #[test]
    fn listing_notes() {
        let lines: Vec<String> = (0..10).map(|i| format!("line{i}")).collect();
        let text = finish_listing(&lines, 12, vec!["10 results limit reached".into()]);
        assert_eq!(
            text,
            "line0\nline1\n\n[10 results limit reached. 12B limit reached (showing 2 of 10 lines)]"
        );
        assert_eq!(finish_listing(&lines[..1], 100, vec![]), "line0");
    }
}
