//! The system prompt: the built-in text (or `--system-prompt-file`), the context files
//! (AGENTS.md or CLAUDE.md) from the repository root down to the working directory, and
//! the facts a model needs about where it runs.

use std::path::{Path, PathBuf};

/// The built-in system prompt.
pub const DEFAULT_SYSTEM_PROMPT: &str = include_str!("../../assets/system-prompt.md");

/// Names of context files, in order of preference within one directory.
const CONTEXT_FILES: [&str; 2] = ["AGENTS.md", "CLAUDE.md"];

/// One context file found between the repository root and the working directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextFile {
    pub path: PathBuf,
    pub content: String,
}

/// The directories from the repository root (the nearest ancestor holding `.git`) down to
/// `cwd`, root first. Without a repository, just `cwd`.
fn dirs_root_to_cwd(cwd: &Path) -> Vec<PathBuf> {
    let mut chain = Vec::new();
    let mut found_root = false;
    for dir in cwd.ancestors() {
        chain.push(dir.to_path_buf());
        if dir.join(".git").exists() {
            found_root = true;
            break;
        }
    }
    if !found_root {
        chain.truncate(1);
    }
    chain.reverse();
    chain
}

/// Reads AGENTS.md (or, where a directory has none, CLAUDE.md) from each directory from the
/// repository root down to `cwd`.
pub fn context_files(cwd: &Path) -> Vec<ContextFile> {
    let mut out = Vec::new();
    for dir in dirs_root_to_cwd(cwd) {
        for name in CONTEXT_FILES {
            let path = dir.join(name);
            if let Ok(content) = std::fs::read_to_string(&path) {
                out.push(ContextFile { path, content });
                break;
            }
        }
    }
    out
}

/// Today's date where the user is. Without `TZ`, the zone is read straight from
/// `/etc/localtime`: asking jiff for the system zone by name lists the whole zoneinfo
/// database first, a start-up cost of several milliseconds for one date.
fn local_date() -> jiff::civil::Date {
    let now = jiff::Timestamp::now();
    let tz_set = std::env::var_os("TZ").is_some_and(|v| !v.is_empty());
    if !tz_set
        && let Ok(data) = std::fs::read("/etc/localtime")
        && let Ok(tz) = jiff::tz::TimeZone::tzif("Local", &data)
    {
        return now.to_zoned(tz).date();
    }
    jiff::Zoned::now().date()
}

/// The full system prompt for a run in `cwd`.
pub fn build_system_prompt(base: &str, cwd: &Path, extra_sections: &[String]) -> String {
    let mut prompt = String::with_capacity(base.len() + 1024);
    prompt.push_str(base.trim_end());
    for section in extra_sections {
        prompt.push_str("\n\n");
        prompt.push_str(section.trim_end());
    }
    let files = context_files(cwd);
    if !files.is_empty() {
        prompt.push_str("\n\n# Project context\n");
        for f in files {
            prompt.push_str(&format!(
                "\n## {}\n\n{}\n",
                f.path.display(),
                f.content.trim_end()
            ));
        }
    }
    let date = local_date();
    prompt.push_str(&format!(
        "\n\nCurrent date: {date}\nCurrent working directory: {}\n",
        cwd.display()
    ));
    prompt
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_date_agrees_with_the_system_zone() {
        // Around midnight the two reads may straddle the change of day.
        let before = jiff::Zoned::now().date();
        let ours = local_date();
        let after = jiff::Zoned::now().date();
        assert!(ours == before || ours == after, "{ours} vs {before}");
    }

    #[test]
    fn context_files_from_repo_root_down() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join(".git")).unwrap();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("AGENTS.md"), "root rules").unwrap();
        std::fs::write(root.join("a/CLAUDE.md"), "a rules").unwrap();
        std::fs::write(root.join("a/b/AGENTS.md"), "b rules").unwrap();
        std::fs::write(root.join("a/b/CLAUDE.md"), "ignored: AGENTS.md wins").unwrap();
        let files = context_files(&root.join("a/b"));
        let texts: Vec<_> = files.iter().map(|f| f.content.as_str()).collect();
        assert_eq!(texts, vec!["root rules", "a rules", "b rules"]);
        let prompt = build_system_prompt("BASE", &root.join("a/b"), &[]);
        assert!(prompt.starts_with("BASE"));
        assert!(prompt.find("root rules").unwrap() < prompt.find("b rules").unwrap());
    }

    #[test]
    fn no_repo_means_cwd_only() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("x")).unwrap();
        std::fs::write(dir.path().join("AGENTS.md"), "parent").unwrap();
        // No .git anywhere under the temp dir (the system temp dir is not a repo).
        let files = context_files(&dir.path().join("x"));
        assert!(files.is_empty());
    }
}
