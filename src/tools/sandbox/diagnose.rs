//! Was a failure the sandbox's doing? Read off the output of a failed sandboxed command: a
//! write refused on a path outside the writable set, a denied path, or (network off) a name
//! that did not resolve or a network that was unreachable.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use super::SandboxSpec;
use crate::tools::paths;

/// A failure the sandbox likely caused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LikelyCause {
    /// One line naming the path or the network.
    pub cause: String,
    /// How the user can loosen the sandbox for it.
    pub loosen: &'static str,
}

const LOOSEN_PATH: &str = "start pi with --allow-path <dir> to make a directory writable, or --os-sandbox-mode off to run bash unsandboxed";
const LOOSEN_NETWORK: &str = "start pi with --sandbox-network on";
const LOOSEN_DENIED: &str = "denied paths (--deny-read and the preset's list, see --print-tool-policy) stay hidden unless bash runs unsandboxed (--os-sandbox-mode off)";
const LOOSEN_START: &str = "start pi with --os-sandbox-mode off to run bash unsandboxed";

/// Messages of a refused write (or of a denied path, hidden).
const PATH_ERRORS: [&str; 3] = [
    "Read-only file system",
    "Permission denied",
    "No such file or directory",
];

/// Messages of a network that is not there.
const NETWORK_ERRORS: [&str; 7] = [
    "Could not resolve host",
    "Temporary failure in name resolution",
    "Name or service not known",
    "No address associated with hostname",
    "Network is unreachable",
    "getaddrinfo failed",
    "Could not resolve hostname",
];

/// The likely sandbox cause of a command that ran in `spec` and exited with `exit_code`
/// (`None`: killed or never exited), from its `output`; `None` when the failure looks like
/// the command's own.
pub fn likely_cause(
    spec: &SandboxSpec,
    output: &str,
    exit_code: Option<i32>,
) -> Option<LikelyCause> {
    if matches!(exit_code, Some(0) | None) {
        return None;
    }
    output.lines().find_map(|line| line_cause(spec, line))
}

fn line_cause(spec: &SandboxSpec, line: &str) -> Option<LikelyCause> {
    if let Some(rest) = line.strip_prefix("bwrap: ") {
        return Some(LikelyCause {
            cause: format!("the sandbox could not start: {}", rest.trim()),
            loosen: LOOSEN_START,
        });
    }
    if let Some(error) = PATH_ERRORS.iter().find(|e| line.contains(*e))
        && let Some(cause) = path_cause(spec, line, error)
    {
        return Some(cause);
    }
    if !spec.network {
        let unreachable = NETWORK_ERRORS.iter().any(|e| line.contains(e))
            || (line.contains("Connection refused") && names_a_remote_address(line));
        if unreachable {
            return Some(LikelyCause {
                cause: "the network is off inside the sandbox (--sandbox-network off)".into(),
                loosen: LOOSEN_NETWORK,
            });
        }
    }
    None
}

fn path_cause(spec: &SandboxSpec, line: &str, error: &str) -> Option<LikelyCause> {
    let read_only = error == "Read-only file system";
    for raw in candidate_paths(line, error) {
        let lexical = paths::normalize(&spec.cwd.join(expand_tilde(&raw)));
        let real = paths::real_path(&lexical);
        if let Some(hidden) = spec.hidden_at(&lexical).or_else(|| spec.hidden_at(&real)) {
            return Some(LikelyCause {
                cause: format!(
                    "{} is a denied path, hidden inside the sandbox",
                    hidden.display()
                ),
                loosen: LOOSEN_DENIED,
            });
        }
        if error == "No such file or directory" || spec.is_writable(&real) {
            continue;
        }
        let cause = match spec.protected.iter().find(|p| real.starts_with(p)) {
            Some(p) => format!(
                "{} holds programs run outside the sandbox, so it is read-only inside",
                p.display()
            ),
            None => format!(
                "the sandbox keeps {} read-only (writable: the working directory, --allow-path roots and the build caches)",
                real.display()
            ),
        };
        return Some(LikelyCause {
            cause,
            loosen: LOOSEN_PATH,
        });
    }
    // A read-only file system hardly happens outside a sandbox, path or no path.
    read_only.then(|| LikelyCause {
        cause: "the sandbox refused a write outside the writable directories".into(),
        loosen: LOOSEN_PATH,
    })
}

/// Paths a message line names: quoted ones, words with a slash, and the `X` of `X: <error>`.
fn candidate_paths(line: &str, error: &str) -> Vec<String> {
    static QUOTED: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r#"'([^']+)'|"([^"]+)"|‘([^’]+)’|`([^'`]+)'"#).ok());
    let mut found: Vec<String> = Vec::new();
    if let Some(re) = QUOTED.as_ref() {
        for c in re.captures_iter(line) {
            if let Some(m) = c.iter().skip(1).flatten().next() {
                found.push(m.as_str().to_string());
            }
        }
    }
    // `bash: out/x.txt: Read-only file system`: the segment before the error.
    if let Some(before) = line.split(&format!(": {error}")).next()
        && let Some(last) = before.rsplit(": ").next()
        && last != before
    {
        found.push(last.trim().to_string());
    }
    found.extend(
        line.split_whitespace()
            .map(|w| {
                w.trim_matches(|c: char| matches!(c, ':' | ',' | ';' | '(' | ')' | '\'' | '"'))
            })
            .filter(|w| w.starts_with('/') || w.starts_with("~/") || w.starts_with("./"))
            .map(str::to_string),
    );
    found.retain(|p| !p.is_empty() && !p.contains("://"));
    found.dedup();
    found
}

fn expand_tilde(raw: &str) -> PathBuf {
    match (raw.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(raw),
    }
}

/// Whether a refused connection names an address other than this machine's loopback (a
/// loopback server inside the same command is the command's own business).
fn names_a_remote_address(line: &str) -> bool {
    static HOST: LazyLock<Option<Regex>> = LazyLock::new(|| {
        Regex::new(r"\b(\d{1,3}(?:\.\d{1,3}){3})\b|://\[?([A-Za-z0-9.:-]+?)\]?(?::\d+)?(?:/|\s|$)|\bto ([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b").ok()
    });
    let Some(re) = HOST.as_ref() else {
        return false;
    };
    re.captures_iter(line).any(|c| {
        c.iter()
            .skip(1)
            .flatten()
            .next()
            .is_some_and(|m| !is_loopback(m.as_str()))
    })
}

fn is_loopback(host: &str) -> bool {
    host.starts_with("127.") || host == "localhost" || host == "::1" || host == "0.0.0.0"
}

#[cfg(test)]
mod tests {
    use super::super::spec::Hidden;
    use super::*;

    fn spec(network: bool) -> SandboxSpec {
        SandboxSpec {
            cwd: PathBuf::from("/w"),
            writable: vec![PathBuf::from("/w"), PathBuf::from("/h/.cargo")],
            read_only: vec![],
            protected: vec![PathBuf::from("/h/.cargo/bin")],
            hidden: vec![
                Hidden {
                    path: PathBuf::from("/h/.ssh"),
                    is_dir: true,
                },
                Hidden {
                    path: PathBuf::from("/h/.netrc"),
                    is_dir: false,
                },
            ],
            network,
        }
    }

    fn cause(out: &str, network: bool) -> Option<String> {
        likely_cause(&spec(network), out, Some(1)).map(|c| c.cause)
    }

    #[test]
    fn read_only_writes_outside_name_the_path() {
        for line in [
            "touch: cannot touch '/etc/x': Read-only file system",
            "bash: /etc/x: Read-only file system",
            "OSError: [Errno 30] Read-only file system: '/etc/x'",
            "mkdir: cannot create directory ‘/etc/x’: Read-only file system",
        ] {
            let c = cause(line, true).unwrap_or_else(|| panic!("{line}"));
            assert!(c.contains("keeps /etc/x read-only"), "{line}: {c}");
        }
        // Relative paths resolve against the working directory; ../ leaves it.
        let c = cause("bash: ../out.txt: Permission denied", true).unwrap();
        assert!(c.contains("keeps /out.txt read-only"), "{c}");
        // No path at all: still the sandbox.
        let c = cause("error: Read-only file system (os error 30)", true).unwrap();
        assert!(c.contains("refused a write"), "{c}");
    }

    #[test]
    fn writes_inside_the_writable_set_are_not_blamed() {
        assert_eq!(cause("bash: out.txt: Permission denied", true), None);
        assert_eq!(
            cause(
                "cp: cannot create '/h/.cargo/registry/x': Permission denied",
                true
            ),
            None
        );
        assert_eq!(cause("bash: /etc/x: No such file or directory", true), None);
    }

    #[test]
    fn protected_cache_paths_say_why() {
        let c = cause(
            "error: failed to create '/h/.cargo/bin/tool': Read-only file system",
            true,
        )
        .unwrap();
        assert!(
            c.contains("/h/.cargo/bin holds programs run outside"),
            "{c}"
        );
    }

    #[test]
    fn denied_paths_are_named() {
        let c = cause("cat: /h/.ssh/id_rsa: No such file or directory", true).unwrap();
        assert_eq!(c, "/h/.ssh is a denied path, hidden inside the sandbox");
        let c = cause("cat: /h/.netrc: Permission denied", true).unwrap();
        assert!(c.starts_with("/h/.netrc is a denied path"), "{c}");
    }

    #[test]
    fn network_failures_count_only_with_the_network_off() {
        for line in [
            "curl: (6) Could not resolve host: example.com",
            "socket.gaierror: [Errno -3] Temporary failure in name resolution",
            "connect: Network is unreachable",
            "error: Failed to connect to 93.184.216.34 port 443: Connection refused",
            "fetch https://registry.npmjs.org/x failed: Connection refused",
        ] {
            let c = cause(line, false).unwrap_or_else(|| panic!("{line}"));
            assert!(c.contains("network is off"), "{c}");
            assert_eq!(cause(line, true), None, "{line}");
        }
        // A loopback server of the command's own is not the sandbox's doing.
        assert_eq!(
            cause(
                "curl: (7) Failed to connect to 127.0.0.1 port 80: Connection refused",
                false
            ),
            None
        );
        assert_eq!(cause("bash: connect: Connection refused", false), None);
    }

    #[test]
    fn bwrap_setup_errors_and_success_and_ordinary_failures() {
        let c = cause(
            "bwrap: Can't mount proc on /newroot/proc: Operation not permitted",
            true,
        )
        .unwrap();
        assert!(
            c.starts_with("the sandbox could not start: Can't mount proc"),
            "{c}"
        );
        assert_eq!(
            likely_cause(&spec(false), "Read-only file system", Some(0)),
            None
        );
        assert_eq!(
            likely_cause(&spec(false), "Read-only file system", None),
            None
        );
        assert_eq!(cause("error[E0425]: cannot find value `x`", false), None);
    }
}
