//! The tool policy: what each tool call may do, decided before it runs.
//!
//! [`ToolPolicy`](super::ToolPolicy) carries the limits and the rules; [`decide`] is a pure
//! function from the policy and one call to a [`Decision`] (allow, ask or deny, with a
//! one-line reason). Bash command lines are decided on a real parse (`shell`), never on the
//! first word. Presets ([`Preset`]) set every value at once; flags override them one by one.

mod decide;
mod preset;
mod report;
mod rules;
mod shell;
#[cfg(test)]
mod table_tests;

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use decide::{ToolCall, decide};
pub use preset::Preset;
pub use report::{PolicySources, policy_json};

/// What a call gets. Ordered: `Allow < Ask < Deny`, so the worst of several is their `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Allow,
    Ask,
    Deny,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Ask => "ask",
            Verdict::Deny => "deny",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A verdict and why: one line naming the command (or path) and the rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub verdict: Verdict,
    pub reason: String,
}

impl Decision {
    pub fn allow(reason: impl Into<String>) -> Self {
        Decision {
            verdict: Verdict::Allow,
            reason: reason.into(),
        }
    }

    pub fn ask(reason: impl Into<String>) -> Self {
        Decision {
            verdict: Verdict::Ask,
            reason: reason.into(),
        }
    }

    pub fn deny(reason: impl Into<String>) -> Self {
        Decision {
            verdict: Verdict::Deny,
            reason: reason.into(),
        }
    }
}

/// Which bash commands run unasked (`--bash-profile`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BashProfile {
    /// Everything runs unless denied or destructive.
    Permissive,
    /// Ordinary commands run; sensitive ones (remote shells, system administration, package
    /// managers of the system) and commands whose name is computed at run time ask.
    Balanced,
    /// Only the listed development commands run unasked; everything else asks.
    Strict,
}

impl BashProfile {
    pub fn name(self) -> &'static str {
        match self {
            BashProfile::Permissive => "permissive",
            BashProfile::Balanced => "balanced",
            BashProfile::Strict => "strict",
        }
    }
}

/// The bash rules of a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BashRules {
    pub profile: BashProfile,
    /// `--allow-command`: patterns that run unasked (never past `destructive`, never past
    /// `deny`). A pattern is one or more words matched against the leading words of a
    /// command; a trailing `*` makes the last word a prefix (`git status`, `py*`).
    pub allow: Vec<String>,
    /// `--deny-command`: patterns that never run, in any profile.
    pub deny: Vec<String>,
    /// Longest command line accepted, in bytes; longer ones are denied.
    pub max_command_bytes: usize,
    /// What a command line spanning several lines gets.
    pub newlines: Verdict,
    /// What destructive patterns get (removing outside the working directory, `git push
    /// --force`, `curl … | sh`, writing to block devices, `sudo`), whatever `allow` says.
    pub destructive: Verdict,
}

/// `--os-sandbox-mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SandboxMode {
    /// bash runs with the user's whole file system and network.
    Off,
    /// bash runs in bubblewrap when `bwrap` works here; unsandboxed (said once) when not.
    Auto,
    /// bash refuses to run without the sandbox.
    Force,
}

impl SandboxMode {
    pub fn name(self) -> &'static str {
        match self {
            SandboxMode::Off => "off",
            SandboxMode::Auto => "auto",
            SandboxMode::Force => "force",
        }
    }
}

/// How bash is confined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxSettings {
    pub mode: SandboxMode,
    /// Whether sandboxed commands reach the network (`--sandbox-network`).
    pub network: bool,
    /// `--os-sandbox-command`: a launcher template with `{shell}`, `{command}` and `{cwd}`,
    /// used instead of bubblewrap.
    pub launcher: Option<String>,
    /// Directories kept writable inside the sandbox besides the working directory and the
    /// allowed roots: the per-user build caches (absolute; `~` expanded).
    pub writable: Vec<PathBuf>,
    /// Paths nobody may read: hidden inside the sandbox, refused by the file tools.
    pub deny_read: Vec<PathBuf>,
}

/// `--bash-env-inherit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnvInherit {
    /// Credential-like variables are left out.
    Filtered,
    /// bash gets pi's whole environment.
    All,
}

impl EnvInherit {
    pub fn name(self) -> &'static str {
        match self {
            EnvInherit::Filtered => "filtered",
            EnvInherit::All => "all",
        }
    }
}

/// What bash inherits of pi's environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvSettings {
    pub inherit: EnvInherit,
    /// `--bash-env-allow`: credential-like names passed on purpose.
    pub allow: Vec<String>,
}
