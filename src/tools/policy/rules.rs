//! The bash rules. PLACEHOLDER until the parsed-command rules land: only the length and
//! newline limits are checked here.

use super::{Decision, Verdict};
use crate::tools::ToolPolicy;

pub(super) fn decide_bash(policy: &ToolPolicy, command: &str) -> Decision {
    if command.len() > policy.bash.max_command_bytes {
        return Decision::deny(format!(
            "the command is {} bytes, over the {}-byte limit",
            command.len(),
            policy.bash.max_command_bytes
        ));
    }
    if command.trim_end().contains('\n') && policy.bash.newlines != Verdict::Allow {
        return Decision {
            verdict: policy.bash.newlines,
            reason: "the command spans several lines".to_string(),
        };
    }
    Decision::allow(format!("`{command}` runs"))
}
