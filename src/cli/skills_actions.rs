//! The skills action flags (install, trust roots, lockfile, publishing): each does its work
//! and exits.

use super::Args;

/// Runs the skills action the flags ask for, if any; returns its exit status.
pub async fn run(_args: &Args) -> Option<u8> {
    None
}
