//! Does bubblewrap work here? Found on PATH and tried once with the namespaces the sandbox
//! uses; the answer is kept for the life of the process.

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// Why bash cannot be sandboxed with bubblewrap here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SandboxUnavailable {
    #[error("bubblewrap (`{0}`) is not installed or not on PATH")]
    NotInstalled(String),
    #[error(
        "{binary} cannot create a sandbox here ({detail}); unprivileged user namespaces may be disabled"
    )]
    Refused { binary: String, detail: String },
}

/// The cached answer for `bwrap`: its path when a trial sandbox ran.
pub fn probe_bwrap() -> Result<&'static Path, &'static SandboxUnavailable> {
    static ANSWER: OnceLock<Result<PathBuf, SandboxUnavailable>> = OnceLock::new();
    ANSWER
        .get_or_init(|| {
            let answer = probe_bwrap_named("bwrap");
            match &answer {
                Ok(path) => tracing::debug!(path = %path.display(), "bwrap works"),
                Err(e) => tracing::warn!(error = %e, "bash runs without the OS sandbox"),
            }
            answer
        })
        .as_ref()
        .map(PathBuf::as_path)
}

/// The same probe, uncached, for a binary of another name (or a path).
pub fn probe_bwrap_named(name: &str) -> Result<PathBuf, SandboxUnavailable> {
    let path =
        find_program(name).ok_or_else(|| SandboxUnavailable::NotInstalled(name.to_string()))?;
    let trial = Command::new(&path)
        .args([
            "--die-with-parent",
            "--unshare-pid",
            "--unshare-net",
            "--ro-bind",
            "/",
            "/",
            "--dev",
            "/dev",
            "--proc",
            "/proc",
            "--tmpfs",
            "/tmp",
            "--",
            "true",
        ])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output();
    let refused = |detail: String| SandboxUnavailable::Refused {
        binary: path.display().to_string(),
        detail,
    };
    match trial {
        Ok(out) if out.status.success() => Ok(path),
        Ok(out) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let line = stderr.lines().next().unwrap_or("").trim();
            Err(refused(if line.is_empty() {
                format!("a trial sandbox ended with {}", out.status)
            } else {
                line.to_string()
            }))
        }
        Err(e) => Err(refused(e.to_string())),
    }
}

/// `name` itself when it has a slash, else the first executable of that name on PATH.
fn find_program(name: &str) -> Option<PathBuf> {
    let executable = |p: &Path| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if name.contains('/') {
        let p = PathBuf::from(name);
        return executable(&p).then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|dir| !dir.as_os_str().is_empty() && dir.as_os_str() != OsStr::new("."))
        .map(|dir| dir.join(name))
        .find(|p| executable(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_binary_is_not_installed() {
        let e = probe_bwrap_named("pi-test-no-such-bwrap").unwrap_err();
        assert_eq!(
            e,
            SandboxUnavailable::NotInstalled("pi-test-no-such-bwrap".into())
        );
        assert!(e.to_string().contains("not installed"), "{e}");
    }

    #[test]
    fn a_binary_that_fails_the_trial_is_refused_with_its_words() {
        // `ls` takes none of bwrap's options: it fails the trial and says why on stderr.
        let e = probe_bwrap_named("ls").unwrap_err();
        assert!(
            matches!(&e, SandboxUnavailable::Refused { detail, .. } if detail.contains("--die-with-parent")),
            "{e:?}"
        );
        assert!(e.to_string().contains("user namespaces"), "{e}");
        // Silent failure: the status is the detail.
        let e = probe_bwrap_named("false").unwrap_err();
        assert!(e.to_string().contains("exit status: 1"), "{e}");
        // Not executable: not a program.
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("bwrap");
        std::fs::write(&plain, "").unwrap();
        assert!(matches!(
            probe_bwrap_named(plain.to_str().unwrap()),
            Err(SandboxUnavailable::NotInstalled(_))
        ));
    }

    #[test]
    fn programs_are_found_on_path() {
        assert!(find_program("sh").is_some_and(|p| p.is_absolute()));
        assert_eq!(find_program("pi-test-no-such-program"), None);
    }
}
