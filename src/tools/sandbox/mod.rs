//! The OS sandbox bash runs in: bubblewrap on Linux, or a launcher template the user gives.
//!
//! [`SandboxSpec`] says what the sandbox lets a command touch, derived from the
//! [`ToolPolicy`](super::ToolPolicy); `bwrap` turns it into bubblewrap's argument list (one
//! function: what is writable is visible in one place); `launcher` fills an
//! `--os-sandbox-command` template; `probe` tells once whether bwrap works here; `diagnose`
//! says when a failed command was likely stopped by the sandbox; `plan` picks how one bash
//! call is started under the policy's `--os-sandbox-mode`.

mod bwrap;
mod diagnose;
mod launcher;
mod plan;
mod probe;
mod spec;

pub(crate) use plan::{SandboxReport, plan};
pub use probe::{SandboxUnavailable, probe_bwrap, probe_bwrap_named};
pub use spec::SandboxSpec;

pub use bwrap::bwrap_args;
pub use diagnose::likely_cause;
pub use launcher::{LauncherError, launcher_argv};

use super::ToolOutput;

/// The one-line likely sandbox cause of a failed bash result (`details.sandbox.likelyCause`),
/// for front ends that offer to rerun the command outside the sandbox.
pub fn sandbox_likely_cause(out: &ToolOutput) -> Option<&str> {
    out.details
        .as_ref()?
        .get("sandbox")?
        .get("likelyCause")?
        .as_str()
}
