//! `/doctor`: health checks, each pass / warn / fail.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::json;

use super::engine::CommandEngine;
use super::error::CommandError;
use super::output::CommandOutput;
use super::parse::Invocation;
use crate::ai::{ModelRef, Provider};
use crate::session::{lock_holder, validate_file};
use crate::skills::SkillsConfig;
use crate::tools::sandbox::probe_bwrap;
use crate::tools::{SandboxMode, ToolPolicy};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Pass,
    Warn,
    Fail,
}

impl CheckStatus {
    fn label(self) -> &'static str {
        match self {
            CheckStatus::Pass => "pass",
            CheckStatus::Warn => "warn",
            CheckStatus::Fail => "FAIL",
        }
    }
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub status: CheckStatus,
    pub detail: String,
}

fn check(name: &'static str, status: CheckStatus, detail: impl Into<String>) -> Check {
    Check {
        name,
        status,
        detail: detail.into(),
    }
}

fn env_set(var: &str) -> bool {
    std::env::var_os(var).is_some_and(|v| !v.is_empty())
}

fn key_check(engine: &CommandEngine, model: Option<&ModelRef>) -> Check {
    let others: Vec<&str> = Provider::ALL
        .iter()
        .map(|p| p.api_key_var())
        .filter(|v| env_set(v) && model.is_none_or(|m| m.provider.api_key_var() != *v))
        .collect();
    let also = if others.is_empty() {
        String::new()
    } else {
        format!("; also set: {}", others.join(", "))
    };
    let Some(model) = model else {
        return check(
            "api key",
            CheckStatus::Fail,
            format!("no usable model{also}"),
        );
    };
    match engine.ctx.client.check_model(model) {
        Ok(()) => check(
            "api key",
            CheckStatus::Pass,
            format!("{} is set for {model}{also}", model.provider.api_key_var()),
        ),
        Err(e) => check("api key", CheckStatus::Fail, format!("{e}{also}")),
    }
}

fn model_check(engine: &CommandEngine, name: Option<&str>, model: Option<&ModelRef>) -> Check {
    let Some(model) = model else {
        return check(
            "model",
            CheckStatus::Fail,
            format!(
                "'{}' is not a provider/model-id; switch with /model",
                name.unwrap_or("")
            ),
        );
    };
    match engine.ctx.client.catalog().find(model) {
        Some(info) => check(
            "model",
            CheckStatus::Pass,
            format!(
                "{model} is in the catalog ({} context, {} output tokens)",
                info.context_window, info.max_output_tokens
            ),
        ),
        None => match engine.ctx.settings.context_window {
            Some(w) => check(
                "model",
                CheckStatus::Pass,
                format!("{model} is not in the catalog; --context-window {w} is used"),
            ),
            None => check(
                "model",
                CheckStatus::Warn,
                format!(
                    "{model} is not in the catalog: its context window is unknown, so compaction waits for the provider to report an overflow (pass --context-window)"
                ),
            ),
        },
    }
}

fn session_checks(path: Option<&Path>) -> Vec<Check> {
    let Some(path) = path else {
        return vec![
            check("session", CheckStatus::Pass, "in memory (--no-session)"),
            check("lock", CheckStatus::Pass, "no file, no lock"),
        ];
    };
    let health = match validate_file(path) {
        Ok(r) if r.ok => check(
            "session",
            CheckStatus::Pass,
            format!(
                "{} is valid ({} entries, {} branches)",
                path.display(),
                r.entries,
                r.branches
            ),
        ),
        Ok(r) => check(
            "session",
            CheckStatus::Fail,
            format!(
                "{} problems, first: {}; run /session-repair",
                r.problems.len(),
                r.problems.first().map_or("", String::as_str)
            ),
        ),
        Err(e) => check("session", CheckStatus::Fail, e.to_string()),
    };
    let lock = match lock_holder(path) {
        None => check("lock", CheckStatus::Pass, "not locked"),
        Some(h) if h.alive => check(
            "lock",
            CheckStatus::Warn,
            format!(
                "held by pid {} for {:.1} s: another pi is writing this session",
                h.pid.map_or_else(|| "?".to_string(), |p| p.to_string()),
                h.age.as_secs_f64()
            ),
        ),
        Some(h) => check(
            "lock",
            CheckStatus::Warn,
            format!(
                "left behind by pid {}, which is no longer running; the next write reclaims it",
                h.pid.map_or_else(|| "?".to_string(), |p| p.to_string())
            ),
        ),
    };
    vec![health, lock]
}

/// The skills folders in use (the project's, then the user's): the skills each has, and the
/// skills that cannot be read (with file and line). A folder that does not exist is fine (no
/// skills yet); one that is not a directory or cannot be read fails; a skill that cannot be
/// read warns.
fn skills_check(config: &SkillsConfig) -> Check {
    use crate::skills::discover::{self, Severity};
    let roots = discover::roots(config);
    let found = discover::discover(&roots);
    let folders: Vec<String> = roots
        .iter()
        .map(|r| {
            let n = found.skills.iter().filter(|s| s.source == r.source).count();
            let what = if r.dir.exists() {
                crate::text::count(n, "skill", "skills")
            } else {
                "none: the folder does not exist".to_string()
            };
            format!("{} {} ({what})", r.source.label(), r.dir.display())
        })
        .collect();
    let mut detail = folders.join("; ");
    if !found.shadowed.is_empty() {
        let names: Vec<String> = found.shadowed.iter().map(ToString::to_string).collect();
        detail.push_str(&format!("; shadowed: {}", names.join("; ")));
    }
    let warnings: Vec<String> = found
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Warning)
        .map(ToString::to_string)
        .collect();
    if !warnings.is_empty() {
        detail.push_str(&format!("; note: {}", warnings.join("; ")));
    }
    let (broken_roots, bad_skills): (Vec<_>, Vec<_>) = found
        .errors()
        .partition(|p| roots.iter().any(|r| r.dir == p.path));
    if !broken_roots.is_empty() {
        let why: Vec<String> = broken_roots.iter().map(ToString::to_string).collect();
        return check(
            "skills dir",
            CheckStatus::Fail,
            format!(
                "{}; fix --skills-dir (or skills-dir in config.toml)",
                why.join("; ")
            ),
        );
    }
    if !bad_skills.is_empty() {
        let why: Vec<String> = bad_skills.iter().map(ToString::to_string).collect();
        return check(
            "skills dir",
            CheckStatus::Warn,
            format!(
                "{detail}; {} not loaded: {}; fix the front matter",
                crate::text::count(bad_skills.len(), "skill", "skills"),
                why.join("; ")
            ),
        );
    }
    check("skills dir", CheckStatus::Pass, detail)
}

/// The nearest existing directory at or above `dir`.
fn existing_ancestor(dir: &Path) -> Option<PathBuf> {
    dir.ancestors().find(|d| d.is_dir()).map(Path::to_path_buf)
}

fn write_check(cwd: &Path, session: Option<&Path>) -> Check {
    let mut dirs: Vec<PathBuf> = Vec::new();
    let state = cwd.join(".pi");
    for d in [session.and_then(Path::parent), Some(state.as_path())]
        .into_iter()
        .flatten()
    {
        if let Some(existing) = existing_ancestor(d)
            && !dirs.contains(&existing)
        {
            dirs.push(existing);
        }
    }
    let mut failures = Vec::new();
    for d in &dirs {
        if let Err(e) = tempfile::NamedTempFile::new_in(d) {
            failures.push(format!("{}: {e}", d.display()));
        }
    }
    if let Some(p) = session.filter(|p| p.exists())
        && let Err(e) = std::fs::OpenOptions::new().append(true).open(p)
    {
        failures.push(format!("{}: {e}", p.display()));
    }
    if failures.is_empty() {
        let names: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
        check(
            "write access",
            CheckStatus::Pass,
            format!("can write {}", names.join(", ")),
        )
    } else {
        check(
            "write access",
            CheckStatus::Fail,
            format!("cannot write {}; fix the permissions", failures.join("; ")),
        )
    }
}

/// Runs every check.
pub fn run_checks(engine: &CommandEngine) -> Vec<Check> {
    let name = engine.ctx.settings.model.as_deref();
    let model = name.and_then(|m| m.parse::<ModelRef>().ok());
    let path = engine.store().path().map(Path::to_path_buf);
    let mut checks = vec![
        key_check(engine, model.as_ref()),
        model_check(engine, name, model.as_ref()),
    ];
    checks.extend(session_checks(path.as_deref()));
    checks.push(skills_check(&engine.ctx.skills));
    checks.push(write_check(&engine.ctx.cwd, path.as_deref()));
    checks.push(sandbox_check(&engine.ctx.policy));
    checks
}

/// Whether bash runs in the OS sandbox the policy asks for.
fn sandbox_check(policy: &ToolPolicy) -> Check {
    let s = &policy.sandbox;
    let net = if s.network {
        "network on"
    } else {
        "network off"
    };
    if let Some(t) = &s.launcher {
        return check(
            "sandbox",
            CheckStatus::Pass,
            format!("bash runs through --os-sandbox-command {t}"),
        );
    }
    match (s.mode, probe_bwrap()) {
        (SandboxMode::Off, _) => check(
            "sandbox",
            CheckStatus::Warn,
            format!(
                "off (--os-sandbox-mode off, preset {}): bash runs with your whole file system",
                policy.preset
            ),
        ),
        (mode, Ok(path)) => check(
            "sandbox",
            CheckStatus::Pass,
            format!("bubblewrap at {} ({}, {net})", path.display(), mode.name()),
        ),
        (SandboxMode::Auto, Err(e)) => check(
            "sandbox",
            CheckStatus::Warn,
            format!("bash runs unsandboxed: {e}; install bubblewrap (apt-get install bubblewrap)"),
        ),
        (SandboxMode::Force, Err(e)) => check(
            "sandbox",
            CheckStatus::Fail,
            format!("--os-sandbox-mode force and {e}: bash will not run; install bubblewrap"),
        ),
    }
}

pub fn doctor(engine: &CommandEngine, inv: &Invocation) -> Result<CommandOutput, CommandError> {
    let checks = run_checks(engine);
    let count = |s: CheckStatus| checks.iter().filter(|c| c.status == s).count();
    let (pass, warn, fail) = (
        count(CheckStatus::Pass),
        count(CheckStatus::Warn),
        count(CheckStatus::Fail),
    );
    let mut lines: Vec<String> = checks
        .iter()
        .map(|c| format!("{:<4}  {:<12}  {}", c.status.label(), c.name, c.detail))
        .collect();
    let s = if warn == 1 { "" } else { "s" };
    lines.push(format!("{pass} passed, {warn} warning{s}, {fail} failed"));
    let mut out = CommandOutput::with_json(
        lines,
        inv.json,
        || json!({ "checks": checks, "passed": pass, "warnings": warn, "failed": fail }),
    );
    out.ok = fail == 0;
    Ok(out)
}
