//! The path policy: every path a file tool touches resolves to a real location inside the
//! working directory or an `--allow-path` root; the tools that only read (read, grep, find,
//! ls) also reach the read-only roots (the folder of long bash outputs). Symlinks are followed
//! before the check, so a link inside the root that points out of it is refused.

use std::collections::HashMap;
use std::io;
use std::path::{Component, Path, PathBuf};

use super::ToolPolicy;
use super::error::ToolError;

/// Most symlinks followed while resolving a path that does not exist yet.
const MAX_LINKS: u32 = 40;

/// Resolves a path argument: `~` expanded, relative to `policy.cwd`, `.`/`..` removed, symlinks
/// followed; refused unless inside the working directory or an allowed root. Returns the real
/// location.
pub(crate) fn resolve(policy: &ToolPolicy, raw: &str) -> Result<PathBuf, ToolError> {
    resolve_in(policy, raw, false)
}

/// [`resolve`] for a tool that only reads: the read-only roots are accepted too.
pub(crate) fn resolve_read(policy: &ToolPolicy, raw: &str) -> Result<PathBuf, ToolError> {
    resolve_in(policy, raw, true)
}

fn resolve_in(policy: &ToolPolicy, raw: &str, reads: bool) -> Result<PathBuf, ToolError> {
    // Models sometimes write `@file` the way users mention files.
    let raw = raw.strip_prefix('@').unwrap_or(raw);
    if raw.is_empty() {
        return Err(ToolError::Invalid(
            "The path is empty. Give a file path relative to the working directory, or an absolute one."
                .into(),
        ));
    }
    let cwd = normalize(&std::path::absolute(&policy.cwd).unwrap_or_else(|_| policy.cwd.clone()));
    let lexical = normalize(&absolute(&cwd, &expand_home(raw)));
    let real = real_path(&lexical);
    let roots = roots(policy, &cwd);
    if roots.iter().any(|root| real.starts_with(root)) {
        return Ok(real);
    }
    if reads
        && policy
            .read_only_roots
            .iter()
            .any(|root| real.starts_with(root_path(&cwd, root)))
    {
        return Ok(real);
    }
    let shown = if real == lexical {
        lexical.display().to_string()
    } else {
        format!(
            "{} (which resolves to {})",
            lexical.display(),
            real.display()
        )
    };
    let message = if policy.allowed_roots.is_empty() {
        format!(
            "Path {shown} is outside the working directory {}; refusing. Use a path inside the working directory, or ask the user to start pi with --allow-path <dir>.",
            cwd.display()
        )
    } else {
        let allowed: Vec<String> = policy
            .allowed_roots
            .iter()
            .map(|r| r.display().to_string())
            .collect();
        format!(
            "Path {shown} is outside the working directory {} and the allowed roots (--allow-path: {}); refusing. Use a path inside one of them.",
            cwd.display(),
            allowed.join(", ")
        )
    };
    Err(ToolError::Invalid(message))
}

/// The working directory and allowed roots, as real paths.
fn roots(policy: &ToolPolicy, cwd: &Path) -> Vec<PathBuf> {
    std::iter::once(cwd.to_path_buf())
        .chain(policy.allowed_roots.iter().map(|r| root_path(cwd, r)))
        .map(|p| real_path(&p))
        .collect()
}

/// A root as configured (`~` expanded, relative to the working directory), as a real path.
pub(crate) fn resolve_root(policy: &ToolPolicy, root: &Path) -> PathBuf {
    let cwd = normalize(&std::path::absolute(&policy.cwd).unwrap_or_else(|_| policy.cwd.clone()));
    root_path(&cwd, root)
}

fn root_path(cwd: &Path, root: &Path) -> PathBuf {
    let r = root.to_string_lossy();
    real_path(&normalize(&absolute(cwd, &expand_home(&r))))
}

fn expand_home(raw: &str) -> PathBuf {
    let home = || std::env::var_os("HOME").map(PathBuf::from);
    if raw == "~" {
        if let Some(h) = home() {
            return h;
        }
    } else if let Some(rest) = raw.strip_prefix("~/")
        && let Some(h) = home()
    {
        return h.join(rest);
    }
    PathBuf::from(raw)
}

fn absolute(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

/// Removes `.` and `..` without touching the file system; `..` never climbs above the root.
pub(crate) fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The real location of `p`: canonical where it exists; where it does not, the canonical
/// nearest existing ancestor plus the rest, following dangling symlinks on the way.
pub(crate) fn real_path(p: &Path) -> PathBuf {
    let mut links = 0;
    real_path_inner(p, &mut links, None).unwrap_or_else(|_| p.to_path_buf())
}

/// [`real_path`] for many paths in a row (every path a long command line names): each path
/// resolved is remembered, so the folders of missing paths are walked up only once.
#[derive(Debug, Default)]
pub(crate) struct RealPaths(HashMap<PathBuf, PathBuf>);

impl RealPaths {
    pub(crate) fn get(&mut self, p: &Path) -> PathBuf {
        let mut links = 0;
        real_path_inner(p, &mut links, Some(&mut self.0)).unwrap_or_else(|_| p.to_path_buf())
    }
}

fn real_path_inner(
    p: &Path,
    links: &mut u32,
    mut memo: Option<&mut HashMap<PathBuf, PathBuf>>,
) -> io::Result<PathBuf> {
    if let Some(hit) = memo.as_deref().and_then(|m| m.get(p)) {
        return Ok(hit.clone());
    }
    let real = if let Ok(real) = std::fs::canonicalize(p) {
        real
    } else {
        let is_link = std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink());
        let parent = p.parent();
        if is_link {
            *links += 1;
            if *links > MAX_LINKS {
                return Err(io::Error::other("too many symlinks"));
            }
            let target = std::fs::read_link(p)?;
            let base = parent.unwrap_or(Path::new("/"));
            real_path_inner(
                &normalize(&absolute(base, &target)),
                links,
                memo.as_deref_mut(),
            )?
        } else {
            match (parent, p.file_name()) {
                (Some(parent), Some(name)) => {
                    real_path_inner(parent, links, memo.as_deref_mut())?.join(name)
                }
                _ => p.to_path_buf(),
            }
        }
    };
    if let Some(m) = memo {
        m.insert(p.to_path_buf(), real.clone());
    }
    Ok(real)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn policy(dir: &Path) -> ToolPolicy {
        ToolPolicy::new(dir)
    }

    #[test]
    fn relative_paths_resolve_inside_cwd() {
        let dir = tempfile::tempdir().unwrap();
        let real_dir = dir.path().canonicalize().unwrap();
        std::fs::write(dir.path().join("a.txt"), "x").unwrap();
        let r = resolve(&policy(dir.path()), "a.txt").unwrap();
        assert_eq!(r, real_dir.join("a.txt"));
        let r = resolve(&policy(dir.path()), "@sub/../new/file.rs").unwrap();
        assert_eq!(r, real_dir.join("new/file.rs"));
        let r = resolve(&policy(dir.path()), ".").unwrap();
        assert_eq!(r, real_dir);
    }

    #[test]
    fn dotdot_escape_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let e = resolve(&policy(dir.path()), "../outside.txt").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("is outside the working directory"), "{msg}");
        assert!(msg.contains("--allow-path"), "{msg}");
        assert!(resolve(&policy(dir.path()), "/etc/passwd").is_err());
        assert!(resolve(&policy(dir.path()), "a/../../b").is_err());
        assert!(resolve(&policy(dir.path()), "").is_err());
    }

    #[test]
    fn allowed_roots_extend_the_policy() {
        let dir = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        let mut p = policy(dir.path());
        let target = other.path().join("f.txt");
        assert!(resolve(&p, target.to_str().unwrap()).is_err());
        p.allowed_roots.push(other.path().to_path_buf());
        assert!(resolve(&p, target.to_str().unwrap()).is_ok());
        let third = tempfile::tempdir().unwrap();
        let e = resolve(&p, third.path().to_str().unwrap()).unwrap_err();
        assert!(e.to_string().contains("and the allowed roots"), "{e}");
    }

    #[test]
    fn read_only_roots_are_for_reading_only() {
        let dir = tempfile::tempdir().unwrap();
        let spill = tempfile::tempdir().unwrap();
        let file = spill.path().join("bash-1.log");
        std::fs::write(&file, "x").unwrap();
        let raw = file.to_str().unwrap();
        let mut p = policy(dir.path());
        assert!(resolve_read(&p, raw).is_err());
        p.read_only_roots.push(spill.path().to_path_buf());
        assert_eq!(resolve_read(&p, raw).unwrap(), real_path(&file));
        let e = resolve(&p, raw).unwrap_err();
        assert!(
            e.to_string().contains("outside the working directory"),
            "{e}"
        );
        // Reading does not widen past the root.
        assert!(resolve_read(&p, &format!("{raw}/../../x")).is_err());
    }

    #[test]
    fn symlink_out_of_the_root_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "s").unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).unwrap();
        let e = resolve(&policy(dir.path()), "link/secret").unwrap_err();
        assert!(e.to_string().contains("resolves to"), "{e}");
        // A new file through the link is refused as well.
        assert!(resolve(&policy(dir.path()), "link/new.txt").is_err());
        // A dangling link pointing outside is followed, not trusted.
        std::os::unix::fs::symlink(outside.path().join("nope"), dir.path().join("dangling"))
            .unwrap();
        assert!(resolve(&policy(dir.path()), "dangling").is_err());
        // A link that stays inside is fine.
        std::fs::create_dir(dir.path().join("real")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("inner")).unwrap();
        assert!(resolve(&policy(dir.path()), "inner/x").is_ok());
    }

    #[test]
    fn remembered_real_paths_agree_with_real_path() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("real")).unwrap();
        std::os::unix::fs::symlink(d.join("real"), d.join("inner")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("gone"), d.join("dangling")).unwrap();
        std::os::unix::fs::symlink(d.join("loop"), d.join("loop")).unwrap();
        let mut memo = RealPaths::default();
        // Twice each, so the second answer comes from what was remembered.
        for _ in 0..2 {
            for p in [
                d.join("real"),
                d.join("inner/new/deeper.txt"),
                d.join("inner/new/other.txt"),
                d.join("missing/a/b"),
                d.join("missing/a/c"),
                d.join("dangling/x"),
                d.join("loop/x"),
            ] {
                assert_eq!(memo.get(&p), real_path(&p), "{}", p.display());
            }
        }
    }

    #[test]
    fn home_is_expanded() {
        if let Some(home) = std::env::var_os("HOME") {
            let home = PathBuf::from(home);
            assert_eq!(expand_home("~/x"), home.join("x"));
            assert_eq!(expand_home("~"), home);
        }
        assert_eq!(expand_home("a~/b"), PathBuf::from("a~/b"));
    }

    proptest! {
        #[test]
        fn normalized_paths_have_no_dot_components(parts in proptest::collection::vec(prop_oneof!["a", "b", r"\.", r"\.\."], 0..12)) {
            let p = PathBuf::from("/root").join(parts.join("/"));
            let n = normalize(&p);
            prop_assert!(n.is_absolute());
            prop_assert!(n.components().all(|c| !matches!(c, Component::CurDir | Component::ParentDir)));
        }

        #[test]
        fn lexical_escapes_are_refused(ups in 1usize..5, name in "[a-z]{1,8}") {
            let dir = tempfile::tempdir().unwrap();
            let deep = dir.path().join("d");
            std::fs::create_dir(&deep).unwrap();
            let raw = format!("{}{name}.out", "../".repeat(ups));
            prop_assert!(resolve(&policy(&deep), &raw).is_err());
        }
    }
}
