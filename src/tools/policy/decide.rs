//! `decide`: the one gate every tool call passes before it runs.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Decision, Verdict, rules};
use crate::tools::{ToolPolicy, paths};

/// One tool call as the model made it.
#[derive(Debug, Clone, Copy)]
pub struct ToolCall<'a> {
    pub name: &'a str,
    pub arguments: &'a Value,
}

/// Allow, ask or deny `call` under `policy`, with a one-line reason. Pure apart from
/// resolving symlinks of the paths a file tool names.
pub fn decide(policy: &ToolPolicy, call: &ToolCall<'_>) -> Decision {
    let args = normalized_args(call.arguments);
    let text = |key: &str| args.get(key).and_then(Value::as_str);
    match call.name {
        "bash" => match text("command") {
            Some(command) => rules::decide_bash(policy, command),
            // The tool itself reports a missing command; nothing would run.
            None => Decision::allow("bash without a command runs nothing"),
        },
        "read" | "grep" | "find" | "ls" => {
            let raw = text("path").unwrap_or(".");
            decide_path(policy, call.name, raw, false)
        }
        "write" | "edit" => match text("path") {
            Some(raw) => decide_path(policy, call.name, raw, true),
            None => Decision::allow(format!("{} without a path changes nothing", call.name)),
        },
        other => Decision::allow(format!("{other} is not a built-in tool; nothing runs")),
    }
}

/// Models sometimes send the argument object as a JSON string; the tools accept that too.
fn normalized_args(arguments: &Value) -> Value {
    match arguments {
        Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
        other => other.clone(),
    }
}

fn decide_path(policy: &ToolPolicy, tool: &str, raw: &str, writes: bool) -> Decision {
    let resolved = if writes {
        paths::resolve(policy, raw)
    } else {
        paths::resolve_read(policy, raw)
    };
    let real = match resolved {
        Ok(p) => p,
        Err(e) => return Decision::deny(format!("{tool} {raw}: {e}")),
    };
    if let Some(denied) = denied_read(policy, &real) {
        return Decision::deny(format!(
            "{tool} {raw}: {} holds credentials (a denied path); no tool reads it",
            denied.display()
        ));
    }
    if writes && let Some(why) = sensitive_write(policy, &real) {
        let verdict = policy.bash.destructive;
        let rule = match verdict {
            Verdict::Allow => "allowed by the preset",
            Verdict::Ask => "asks first",
            Verdict::Deny => "refused by the preset",
        };
        return Decision {
            verdict,
            reason: format!("{tool} {raw}: {why} ({rule})"),
        };
    }
    let in_read_only = policy
        .read_only_roots
        .iter()
        .any(|r| real.starts_with(std::fs::canonicalize(r).unwrap_or_else(|_| r.clone())));
    let place = if real.starts_with(real_cwd(policy)) {
        "inside the working directory"
    } else if in_read_only && !writes {
        "inside a read-only folder (this run's long outputs, or a skills folder)"
    } else {
        "inside an allowed root (--allow-path)"
    };
    Decision::allow(format!("{tool} {raw}: {place}"))
}

fn real_cwd(policy: &ToolPolicy) -> PathBuf {
    std::fs::canonicalize(&policy.cwd).unwrap_or_else(|_| policy.cwd.clone())
}

/// The denied path `real` is at or under, if any.
pub(crate) fn denied_read<'a>(policy: &'a ToolPolicy, real: &Path) -> Option<&'a PathBuf> {
    policy.sandbox.deny_read.iter().find(|d| {
        let d_real = std::fs::canonicalize(d).unwrap_or_else(|_| (*d).clone());
        real.starts_with(&d_real) || real.starts_with(d)
    })
}

/// Files whose change runs code later outside any sandbox: git hooks and git's config.
fn sensitive_write(policy: &ToolPolicy, real: &Path) -> Option<&'static str> {
    let cwd = real_cwd(policy);
    let rel = real.strip_prefix(&cwd).ok()?;
    let mut parts = rel.components().map(|c| c.as_os_str().to_string_lossy());
    if parts.next().as_deref() != Some(".git") {
        return None;
    }
    match parts.next().as_deref() {
        Some("hooks") => {
            Some("writes a git hook, which runs outside the sandbox on a later git command")
        }
        Some("config") => Some("writes git's config, which can name programs git runs"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call<'a>(name: &'a str, arguments: &'a Value) -> ToolCall<'a> {
        ToolCall { name, arguments }
    }

    #[test]
    fn file_tools_inside_are_allowed_outside_denied() {
        let dir = tempfile::tempdir().unwrap();
        let p = ToolPolicy::new(dir.path());
        let a = json!({"path": "src/main.rs"});
        let d = decide(&p, &call("read", &a));
        assert_eq!(d.verdict, Verdict::Allow, "{d:?}");
        assert!(d.reason.contains("inside the working directory"), "{d:?}");
        let a = json!({"path": "/etc/passwd"});
        let d = decide(&p, &call("write", &a));
        assert_eq!(d.verdict, Verdict::Deny, "{d:?}");
        assert!(d.reason.starts_with("write /etc/passwd: "), "{d:?}");
        let a = json!("{\"path\": \"../x\"}");
        assert_eq!(decide(&p, &call("edit", &a)).verdict, Verdict::Deny);
        let a = json!({});
        assert_eq!(decide(&p, &call("ls", &a)).verdict, Verdict::Allow);
    }

    #[test]
    fn denied_paths_and_git_hooks() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = ToolPolicy::new(dir.path());
        std::fs::create_dir_all(dir.path().join("keys")).unwrap();
        p.sandbox.deny_read = vec![dir.path().join("keys")];
        let a = json!({"path": "keys/id_ed25519"});
        let d = decide(&p, &call("read", &a));
        assert_eq!(d.verdict, Verdict::Deny, "{d:?}");
        assert!(d.reason.contains("denied path"), "{d:?}");
        let a = json!({"path": ".git/hooks/pre-commit", "content": "x"});
        let d = decide(&p, &call("write", &a));
        assert_eq!(d.verdict, Verdict::Ask, "{d:?}");
        let a = json!({"path": ".git/HEAD"});
        assert_eq!(decide(&p, &call("read", &a)).verdict, Verdict::Allow);
        p.bash.destructive = Verdict::Deny;
        let a = json!({"path": ".git/config", "oldText": "a", "newText": "b"});
        assert_eq!(decide(&p, &call("edit", &a)).verdict, Verdict::Deny);
    }
}
