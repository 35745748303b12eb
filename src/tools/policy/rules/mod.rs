//! The bash rules: a command line is parsed (`shell`), and every command it would run is
//! judged by the deny list, the destructive patterns, the allow list and the profile, in that
//! order. The line gets the worst verdict of its commands, with that command's reason.

mod destructive;
mod lists;
mod profile;

use super::shell::{self, Cmd};
use super::{BashProfile, Decision, Verdict};
use crate::tools::ToolPolicy;

pub(super) fn decide_bash(policy: &ToolPolicy, command: &str) -> Decision {
    if command.len() > policy.bash.max_command_bytes {
        return Decision::deny(format!(
            "the command is {} bytes, over the {}-byte limit (--max-command-bytes)",
            command.len(),
            policy.bash.max_command_bytes
        ));
    }
    if command.trim_end().contains('\n') && policy.bash.newlines != Verdict::Allow {
        return Decision {
            verdict: policy.bash.newlines,
            reason: "the command spans several lines (--command-newlines)".to_string(),
        };
    }
    let line = match shell::commands(command, &policy.cwd) {
        Ok(line) => line,
        Err(e) => {
            // A line that cannot be read is never allowed unread.
            return Decision {
                verdict: Verdict::Ask.max(policy.bash.destructive),
                reason: format!(
                    "the command line cannot be parsed ({}), so it is not allowed unread",
                    e.0
                ),
            };
        }
    };
    let places = destructive::Places::new(policy);
    let mut worst: Option<Decision> = None;
    let mut ran = Vec::new();
    for cmd in &line.cmds {
        let d = judge(policy, &places, cmd);
        if d.verdict == Verdict::Allow {
            if ran.len() < 4
                && let Some(n) = &cmd.name
                && !ran.contains(n)
            {
                ran.push(n.clone());
            }
            continue;
        }
        if worst.as_ref().is_none_or(|w| d.verdict > w.verdict) {
            worst = Some(d);
        }
    }
    for write in &line.writes {
        let shown = format!("> {}", write.target.text);
        let d = if let Some(why) = destructive::write(&places, write) {
            destructive_decision(policy, &shown, &why)
        } else if policy.bash.profile != BashProfile::Permissive
            && let Some(why) = destructive::write_outside(&places, write)
        {
            Decision::ask(format!(
                "`{shown}`: {why} ({} profile)",
                policy.bash.profile.name()
            ))
        } else {
            continue;
        };
        if worst.as_ref().is_none_or(|w| d.verdict > w.verdict) {
            worst = Some(d);
        }
    }
    for f in &line.recursive {
        let d = destructive_decision(
            policy,
            f,
            "defines a function that calls itself (a fork bomb)",
        );
        if worst.as_ref().is_none_or(|w| d.verdict > w.verdict) {
            worst = Some(d);
        }
    }
    worst.unwrap_or_else(|| {
        let what = if ran.is_empty() {
            "nothing".to_string()
        } else {
            ran.join(", ")
        };
        Decision::allow(format!(
            "runs {what}: allowed by the {} profile",
            policy.bash.profile.name()
        ))
    })
}

/// One command's verdict: deny list, destructive patterns, allow list, then the profile.
fn judge(policy: &ToolPolicy, places: &destructive::Places, cmd: &Cmd) -> Decision {
    let shown = cmd.display();
    match lists::matches(&policy.bash.deny, cmd) {
        lists::Match::Yes(p) => {
            return Decision::deny(format!("`{shown}`: matches --deny-command `{p}`"));
        }
        lists::Match::Maybe(p) => {
            return Decision::ask(format!(
                "`{shown}`: may match --deny-command `{p}` once its words are known"
            ));
        }
        lists::Match::No => {}
    }
    if let Some(why) = destructive::check(places, cmd) {
        return destructive_decision(policy, &shown, &why);
    }
    if let lists::Match::Yes(p) = lists::matches(&policy.bash.allow, cmd) {
        return Decision::allow(format!("`{shown}`: matches --allow-command `{p}`"));
    }
    match profile::check(policy, cmd) {
        Some(why) => Decision::ask(format!(
            "`{shown}`: {why} ({} profile)",
            policy.bash.profile.name()
        )),
        None => Decision::allow(format!("`{shown}` runs")),
    }
}

fn destructive_decision(policy: &ToolPolicy, shown: &str, why: &str) -> Decision {
    let verdict = policy.bash.destructive;
    let rule = match verdict {
        Verdict::Allow => "destructive, allowed by --destructive-commands",
        Verdict::Ask => "destructive: asks first",
        Verdict::Deny => "destructive: refused",
    };
    Decision {
        verdict,
        reason: format!("`{shown}`: {why} ({rule})"),
    }
}
