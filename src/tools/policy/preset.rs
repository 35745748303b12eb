//! `--tool-policy-preset`: one name that sets every limit and rule of the tool policy.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{
    BashProfile, BashRules, EnvInherit, EnvSettings, SandboxMode, SandboxSettings, Verdict,
};
use crate::tools::ToolPolicy;

/// The per-user build caches kept writable inside the sandbox, relative to `$HOME`, so
/// `cargo build`, `npm install`, `pip install` and `pytest` work there out of the box.
pub const DEFAULT_WRITABLE_CACHES: [&str; 10] = [
    ".cargo",
    ".rustup",
    ".npm",
    ".cache",
    ".local/share/pnpm",
    ".yarn",
    "go",
    ".gradle",
    ".m2",
    ".bun",
];

/// Credentials nobody reads through a tool, relative to `$HOME`: hidden inside the sandbox
/// and refused by the file tools.
pub const DEFAULT_DENY_READ: [&str; 16] = [
    ".ssh",
    ".gnupg",
    ".aws",
    ".azure",
    ".config/gcloud",
    ".config/gh",
    ".kube",
    ".docker/config.json",
    ".netrc",
    ".git-credentials",
    ".pypirc",
    ".npmrc",
    ".cargo/credentials.toml",
    ".cargo/credentials",
    ".password-store",
    ".vault-token",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// Today's pi: nothing asks, no sandbox. Secrets still stay out of bash.
    Permissive,
    /// The default: ordinary work runs unasked in a sandbox with the network on; destructive
    /// commands ask.
    #[default]
    Balanced,
    /// Only development commands run unasked; no network in the sandbox; regular files only.
    Strict,
    /// Strict, and destructive commands are refused outright; bash never runs unsandboxed.
    Hardened,
}

impl Preset {
    pub const ALL: [Preset; 4] = [
        Preset::Permissive,
        Preset::Balanced,
        Preset::Strict,
        Preset::Hardened,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Preset::Permissive => "permissive",
            Preset::Balanced => "balanced",
            Preset::Strict => "strict",
            Preset::Hardened => "hardened",
        }
    }

    /// The whole policy of this preset, rooted at `cwd`, with the caches and denied paths
    /// under `home` (none without a home).
    pub fn policy(self, cwd: impl Into<PathBuf>, home: Option<&Path>) -> ToolPolicy {
        let under_home = |names: &[&str]| -> Vec<PathBuf> {
            home.map(|h| names.iter().map(|n| h.join(n)).collect())
                .unwrap_or_default()
        };
        let (read, write, output, timeout) = match self {
            Preset::Permissive => (256 * KIB, 50 * MIB, 128 * KIB as usize, 600_000),
            Preset::Balanced => (50 * KIB, 10 * MIB, 50 * KIB as usize, 120_000),
            Preset::Strict => (50 * KIB, 5 * MIB, 50 * KIB as usize, 120_000),
            Preset::Hardened => (32 * KIB, MIB, 32 * KIB as usize, 60_000),
        };
        let bash = match self {
            Preset::Permissive => BashRules {
                profile: BashProfile::Permissive,
                allow: Vec::new(),
                deny: Vec::new(),
                max_command_bytes: 64 * KIB as usize,
                newlines: Verdict::Allow,
                destructive: Verdict::Allow,
            },
            Preset::Balanced => BashRules {
                profile: BashProfile::Balanced,
                allow: Vec::new(),
                deny: Vec::new(),
                max_command_bytes: 16 * KIB as usize,
                newlines: Verdict::Allow,
                destructive: Verdict::Ask,
            },
            Preset::Strict => BashRules {
                profile: BashProfile::Strict,
                allow: Vec::new(),
                deny: Vec::new(),
                max_command_bytes: 8 * KIB as usize,
                newlines: Verdict::Ask,
                destructive: Verdict::Ask,
            },
            Preset::Hardened => BashRules {
                profile: BashProfile::Strict,
                allow: Vec::new(),
                deny: Vec::new(),
                max_command_bytes: 4 * KIB as usize,
                newlines: Verdict::Deny,
                destructive: Verdict::Deny,
            },
        };
        let (mode, network) = match self {
            Preset::Permissive => (SandboxMode::Off, true),
            Preset::Balanced => (SandboxMode::Auto, true),
            Preset::Strict => (SandboxMode::Auto, false),
            Preset::Hardened => (SandboxMode::Force, false),
        };
        ToolPolicy {
            cwd: cwd.into(),
            allowed_roots: Vec::new(),
            read_only_roots: Vec::new(),
            max_file_read_bytes: read,
            max_file_write_bytes: write,
            max_tool_output_bytes: output,
            bash_timeout_ms: timeout,
            preset: self,
            bash,
            sandbox: SandboxSettings {
                mode,
                network,
                launcher: None,
                writable: under_home(&DEFAULT_WRITABLE_CACHES),
                deny_read: under_home(&DEFAULT_DENY_READ),
            },
            env: EnvSettings {
                inherit: EnvInherit::Filtered,
                allow: Vec::new(),
            },
            enforce_regular_files: matches!(self, Preset::Strict | Preset::Hardened),
            dry_run: false,
            trace: false,
        }
    }
}

const KIB: u64 = 1024;
const MIB: u64 = 1024 * 1024;

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_keeps_todays_limits() {
        let p = Preset::Balanced.policy("/w", None);
        assert_eq!(
            p.max_file_read_bytes,
            ToolPolicy::DEFAULT_MAX_FILE_READ_BYTES
        );
        assert_eq!(
            p.max_file_write_bytes,
            ToolPolicy::DEFAULT_MAX_FILE_WRITE_BYTES
        );
        assert_eq!(
            p.max_tool_output_bytes,
            ToolPolicy::DEFAULT_MAX_TOOL_OUTPUT_BYTES
        );
        assert_eq!(p.bash_timeout_ms, ToolPolicy::DEFAULT_BASH_TIMEOUT_MS);
        assert_eq!(p.sandbox.mode, SandboxMode::Auto);
        assert!(p.sandbox.network);
        assert_eq!(p.bash.destructive, Verdict::Ask);
    }

    #[test]
    fn presets_tighten_in_order() {
        let ps: Vec<ToolPolicy> = Preset::ALL.iter().map(|p| p.policy("/w", None)).collect();
        for pair in ps.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            assert!(a.max_file_write_bytes >= b.max_file_write_bytes);
            assert!(a.bash_timeout_ms >= b.bash_timeout_ms);
            assert!(a.bash.max_command_bytes >= b.bash.max_command_bytes);
            assert!(a.bash.destructive <= b.bash.destructive);
            assert!(a.bash.newlines <= b.bash.newlines);
            assert!(a.sandbox.network >= b.sandbox.network);
        }
        let home = Path::new("/home/u");
        let p = Preset::Hardened.policy("/w", Some(home));
        assert_eq!(p.sandbox.mode, SandboxMode::Force);
        assert!(p.sandbox.writable.contains(&home.join(".cargo")));
        assert!(p.sandbox.deny_read.contains(&home.join(".ssh")));
    }
}
