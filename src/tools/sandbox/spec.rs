//! What one sandboxed bash call may touch, read off the policy and the file system once per
//! call (paths are checked for existence here, so building the argument list stays pure).

use std::path::{Path, PathBuf};

use crate::tools::ToolPolicy;
use crate::tools::paths;

/// Paths inside a writable build cache that hold programs or settings run later *outside* the
/// sandbox (rustup's proxies, `cargo install`ed tools, the shell snippet `~/.cargo/env`,
/// cargo's config which can name a `rustc-wrapper`): re-bound read-only so a sandboxed command
/// cannot plant something the user runs unconfined. As (cache directory name, path inside).
///
/// The git hooks of the working directory are deliberately left writable: the whole working
/// directory is writable, and `.git/config` (`core.hooksPath`, filters, `fsmonitor`) can name
/// programs as well as a hook can, so a read-only hooks folder alone would protect nothing
/// while breaking `git init` and hook installers. The file tools ask before writing either
/// (the policy's `decide`); what bash leaves in the working directory is trusted no more than
/// the model that wrote it.
pub const RUN_LATER_OUTSIDE: [(&str, &str); 6] = [
    (".cargo", "bin"),
    (".cargo", "env"),
    (".cargo", "config.toml"),
    (".cargo", "config"),
    ("go", "bin"),
    (".bun", "bin"),
];

/// A denied path that exists, and how it is hidden.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hidden {
    pub path: PathBuf,
    /// A directory is covered by an empty read-only tmpfs; a file by `/dev/null`.
    pub is_dir: bool,
}

/// The sandbox of one bash call. Every path is absolute; all but `hidden` are real paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxSpec {
    /// Where bash starts; always writable.
    pub cwd: PathBuf,
    /// Directories bound writable: the working directory, the `--allow-path` roots and the
    /// build caches that exist, none under another.
    pub writable: Vec<PathBuf>,
    /// Directories visible read-only although they sit under the private `/tmp` (the
    /// spill folder of long outputs).
    pub read_only: Vec<PathBuf>,
    /// Paths in writable caches re-bound read-only ([`RUN_LATER_OUTSIDE`]).
    pub protected: Vec<PathBuf>,
    /// Denied paths that exist, hidden.
    pub hidden: Vec<Hidden>,
    /// Whether the network namespace is shared with pi.
    pub network: bool,
}

impl SandboxSpec {
    /// The sandbox the policy asks for, with the paths as they are now on disk.
    pub fn from_policy(policy: &ToolPolicy) -> SandboxSpec {
        let cwd = real(&policy.cwd);
        let caches: Vec<PathBuf> = policy
            .sandbox
            .writable
            .iter()
            .filter(|p| p.exists())
            .map(|p| real(p))
            .collect();
        let roots = policy
            .allowed_roots
            .iter()
            .map(|r| paths::resolve_root(policy, r))
            .filter(|p| p.exists());
        let mut writable: Vec<PathBuf> = Vec::new();
        for dir in std::iter::once(cwd.clone())
            .chain(roots)
            .chain(caches.iter().cloned())
        {
            if !writable.iter().any(|w| dir.starts_with(w)) {
                writable.retain(|w| !w.starts_with(&dir));
                writable.push(dir);
            }
        }
        let protected = caches
            .iter()
            .flat_map(|cache| {
                RUN_LATER_OUTSIDE
                    .iter()
                    .filter(|(name, _)| cache.ends_with(name))
                    .map(|(_, inner)| cache.join(inner))
            })
            .filter(|p| p.exists())
            .collect();
        let read_only = policy
            .read_only_roots
            .iter()
            .filter(|p| p.exists())
            .map(|p| real(p))
            .collect();
        let hidden = policy
            .sandbox
            .deny_read
            .iter()
            .filter_map(|p| {
                let meta = std::fs::metadata(p).ok()?;
                Some(Hidden {
                    path: p.clone(),
                    is_dir: meta.is_dir(),
                })
            })
            .collect();
        SandboxSpec {
            cwd,
            writable,
            read_only,
            protected,
            hidden,
            network: policy.sandbox.network,
        }
    }

    /// Whether a write to `path` (real) can succeed inside the sandbox.
    pub fn is_writable(&self, path: &Path) -> bool {
        self.writable.iter().any(|w| path.starts_with(w))
            && !self.protected.iter().any(|p| path.starts_with(p))
            && !self.read_only.iter().any(|r| path.starts_with(r))
            && self.hidden_at(path).is_none()
    }

    /// The hidden path `path` is at or under, if any.
    pub fn hidden_at(&self, path: &Path) -> Option<&Path> {
        self.hidden
            .iter()
            .map(|h| h.path.as_path())
            .find(|h| path.starts_with(h) || path.starts_with(real(h)))
    }
}

fn real(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::Preset;

    #[test]
    fn from_policy_reads_the_disk() {
        let home = tempfile::tempdir().unwrap();
        let cwd = tempfile::tempdir().unwrap();
        let h = home.path();
        std::fs::create_dir_all(h.join(".cargo/bin")).unwrap();
        std::fs::write(h.join(".cargo/env"), "").unwrap();
        std::fs::create_dir_all(h.join(".ssh")).unwrap();
        std::fs::write(h.join(".netrc"), "machine x").unwrap();
        let mut policy = Preset::Balanced.policy(cwd.path(), Some(h));
        // A root under the working directory is covered by it.
        policy.allowed_roots.push(cwd.path().join("sub"));
        std::fs::create_dir(cwd.path().join("sub")).unwrap();
        let spec = SandboxSpec::from_policy(&policy);
        let rh = real(h);
        assert_eq!(spec.cwd, real(cwd.path()));
        // Missing caches (.npm, .rustup ...) are left out; the cwd comes first.
        assert_eq!(spec.writable, vec![real(cwd.path()), rh.join(".cargo")]);
        assert_eq!(
            spec.protected,
            vec![rh.join(".cargo/bin"), rh.join(".cargo/env")]
        );
        assert_eq!(
            spec.hidden,
            vec![
                Hidden {
                    path: h.join(".ssh"),
                    is_dir: true
                },
                Hidden {
                    path: h.join(".netrc"),
                    is_dir: false
                },
            ]
        );
        assert!(spec.network);
        assert!(spec.is_writable(&rh.join(".cargo/registry/x")));
        assert!(!spec.is_writable(&rh.join(".cargo/bin/cargo")));
        assert!(!spec.is_writable(&rh.join("notes.txt")));
        assert!(spec.is_writable(&real(cwd.path()).join("a/b")));
    }
}
