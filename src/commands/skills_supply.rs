//! The skills commands that change or check what is installed and trusted: installs, the
//! lockfile, the trust root file and `/skills-verify` (docs/skills.md).

use std::path::PathBuf;

use serde_json::json;

use super::engine::CommandEngine;
use super::error::CommandError;
use super::output::CommandOutput;
use super::parse::Invocation;
use crate::skills::fetch::Fetcher;
use crate::skills::install::{self, InstallSource};
use crate::skills::lock;
use crate::skills::trust_file::{self, TrustChange};
use crate::skills::verify::Acceptance;

type Result = std::result::Result<CommandOutput, CommandError>;

pub fn run(engine: &mut CommandEngine, inv: &Invocation) -> Result {
    match inv.spec.name {
        "skills-trust-list" => trust_list(engine, inv),
        "skills-trust-add" => trust_change(engine, inv, TrustChange::Add),
        "skills-trust-revoke" => trust_change(engine, inv, TrustChange::Revoke),
        "skills-trust-rotate" => trust_change(engine, inv, TrustChange::Rotate),
        "skills-install" => install(engine, inv),
        "skills-lock-write" => lock_write(engine, inv),
        "skills-sync" => lock_diff(engine, inv, true),
        "skills-lock-diff" => lock_diff(engine, inv, false),
        "skills-prune" => prune(engine, inv),
        "skills-verify" => verify(engine, inv),
        other => Err(CommandError::failed(format!(
            "/{other} is declared but not implemented; please report this"
        ))),
    }
}

/// What the configured registry offers (the newest accepted version of each skill); `Ok(None)`
/// when no registry is configured.
pub fn registry_entries(
    engine: &CommandEngine,
) -> std::result::Result<Option<Vec<crate::skills::listing::Installable>>, String> {
    if engine.ctx.skills.registry_url.is_none() {
        return Ok(None);
    }
    let config = engine.ctx.skills.clone();
    block_on(async move { crate::skills::listing::installable(&config).await })?.map(Some)
}

/// Runs `fut` to its end from the command engine, which is synchronous: on the runtime the
/// engine runs in when it is a multi-thread one (the binary's), else on a runtime of its own
/// in a thread of its own. The front end waits meanwhile (a download of a skill).
fn block_on<F>(fut: F) -> std::result::Result<F::Output, String>
where
    F: std::future::Future + Send,
    F::Output: Send,
{
    use tokio::runtime::{Builder, Handle, RuntimeFlavor};
    if let Ok(handle) = Handle::try_current()
        && handle.runtime_flavor() == RuntimeFlavor::MultiThread
    {
        return Ok(tokio::task::block_in_place(|| handle.block_on(fut)));
    }
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map(|rt| rt.block_on(fut))
                    .map_err(|e| format!("cannot start a runtime for the download: {e}"))
            })
            .join()
            .unwrap_or_else(|_| Err("the download thread failed".to_string()))
    })
}

fn failed(e: impl std::fmt::Display) -> CommandError {
    CommandError::failed(e.to_string())
}

fn install(engine: &CommandEngine, inv: &Invocation) -> Result {
    let source = InstallSource::parse(inv.required_arg(0)?, &engine.ctx.cwd).map_err(failed)?;
    let config = engine.ctx.skills.clone();
    let installed = block_on(async move {
        let fetcher = Fetcher::new(&config);
        install::install(&config, &source, &fetcher).await
    })
    .map_err(failed)?
    .map_err(failed)?;
    let line = installed.summary();
    Ok(CommandOutput::with_json(vec![line], inv.json, || {
        json!({
            "name": installed.name,
            "path": installed.path.display().to_string(),
            "replaced": installed.replaced,
            "record": installed.record,
        })
    }))
}

/// The lockfile: the one named, else `.pi/skills.lock.json`.
fn lock_path(engine: &CommandEngine, named: Option<&str>) -> PathBuf {
    match named {
        Some(p) => engine.resolve(p),
        None => engine.ctx.skills.lock_file.clone(),
    }
}

fn lock_write(engine: &CommandEngine, inv: &Invocation) -> Result {
    let path = lock_path(engine, inv.arg(0));
    let lock = lock::write(&engine.ctx.skills.dir, &engine.ctx.cwd, &path).map_err(failed)?;
    let line = format!(
        "wrote {} ({})",
        path.display(),
        crate::text::count(lock.skills.len(), "skill", "skills")
    );
    Ok(CommandOutput::with_json(vec![line], inv.json, || {
        crate::commands::output::to_json(&lock)
    }))
}

/// `/skills-sync` (`fail` on drift) and `/skills-lock-diff`.
fn lock_diff(engine: &CommandEngine, inv: &Invocation, fail: bool) -> Result {
    let path = lock_path(engine, inv.arg(0));
    let diff = lock::diff(&engine.ctx.skills.dir, &engine.ctx.cwd, &path).map_err(failed)?;
    let mut lines: Vec<String> = diff.drifts.iter().map(|d| d.to_string()).collect();
    if diff.is_clean() {
        lines.push(format!("the skills match {}", path.display()));
    } else {
        lines.insert(
            0,
            format!(
                "{} from {}:",
                crate::text::count(diff.drifts.len(), "drift", "drifts"),
                path.display()
            ),
        );
    }
    let mut out =
        CommandOutput::with_json(lines, inv.json, || crate::commands::output::to_json(&diff));
    out.ok = !fail || diff.is_clean();
    Ok(out)
}

fn prune(engine: &CommandEngine, inv: &Invocation) -> Result {
    let path = lock_path(engine, inv.arg(0));
    let apply = inv.has_flag("apply");
    let pruned = lock::prune(&engine.ctx.skills.dir, &path, apply).map_err(failed)?;
    let verb = if apply { "removed" } else { "would remove" };
    let mut lines: Vec<String> = pruned
        .iter()
        .map(|p| format!("{verb} {} ({})", p.name, p.path.display()))
        .collect();
    if lines.is_empty() {
        lines.push(format!("every installed skill is in {}", path.display()));
    } else if !apply {
        lines.push("run /skills-prune --apply to remove them".to_string());
    }
    Ok(CommandOutput::with_json(
        lines,
        inv.json,
        || json!({"applied": apply, "skills": crate::commands::output::to_json(&pruned)}),
    ))
}

/// `/skills-verify`: the lockfile's drift, then each locked registry skill against its
/// registry as it is now, under the trust roots in force.
fn verify(engine: &CommandEngine, inv: &Invocation) -> Result {
    let lock_file = lock_path(engine, inv.arg(0));
    let mut config = engine.ctx.skills.clone();
    if let Some(t) = inv.arg(1) {
        config.trust_file = Some(engine.resolve(t));
    }
    let lock = lock::read(&lock_file).map_err(failed)?;
    let diff = lock::diff(&config.dir, &engine.ctx.cwd, &lock_file).map_err(failed)?;
    let mut problems: Vec<String> = diff.drifts.iter().map(|d| d.to_string()).collect();
    let records = crate::skills::record::read(&config.dir).unwrap_or_default();
    let mut checked = 0usize;
    let registries: std::collections::BTreeSet<String> = lock
        .skills
        .iter()
        .filter_map(|s| s.registry.clone())
        .collect();
    for registry_url in registries {
        let mut cfg = config.clone();
        cfg.registry_url = Some(registry_url.clone());
        let loaded = block_on(async move {
            let fetcher = Fetcher::new(&cfg);
            install::load_registry(&cfg, &fetcher).await
        })
        .map_err(failed)?;
        let registry = match loaded {
            Ok((_, r)) => r,
            Err(e) => {
                for locked in lock
                    .skills
                    .iter()
                    .filter(|s| s.registry.as_deref() == Some(registry_url.as_str()))
                {
                    checked += 1;
                    let version = locked.version.as_deref().unwrap_or("?");
                    problems.push(format!("{} {version}: {e}", locked.name));
                }
                continue;
            }
        };
        for locked in lock
            .skills
            .iter()
            .filter(|s| s.registry.as_deref() == Some(registry_url.as_str()))
        {
            checked += 1;
            let entry = registry.entries().find(|(e, _)| {
                e.name == locked.name && locked.version.as_deref().is_none_or(|v| e.version == v)
            });
            let Some((entry, verdict)) = entry else {
                problems.push(format!(
                    "{}: no longer in the registry {registry_url}",
                    locked.name
                ));
                continue;
            };
            match verdict {
                Err(refusal) => problems.push(refusal.to_string()),
                Ok(Acceptance::Unsigned) if locked.signing_key.is_some() => problems.push(format!(
                    "{}: locked as signed by {}, the registry's entry is unsigned now",
                    entry.label(),
                    locked.signing_key.as_deref().unwrap_or("?")
                )),
                Ok(Acceptance::Signed { key })
                    if locked.signing_key.as_deref() != Some(key.as_str()) =>
                {
                    problems.push(format!(
                        "{}: signed by {key}, locked as signed by {}",
                        entry.label(),
                        locked.signing_key.as_deref().unwrap_or("nobody")
                    ))
                }
                Ok(_) => {}
            }
            if let Some(r) = records.skills.get(&locked.name)
                && !crate::skills::signing::hex_eq(&r.sha256, &entry.sha256)
            {
                problems.push(format!(
                    "{}: installed from an artifact with sha256 {}, the registry now lists {}",
                    entry.label(),
                    r.sha256,
                    entry.sha256
                ));
            }
        }
    }
    let mut lines = problems.clone();
    if problems.is_empty() {
        lines.push(format!(
            "verified against {}: {} unchanged, {} still accepted by the trust roots",
            lock_file.display(),
            crate::text::count(lock.skills.len(), "locked skill", "locked skills"),
            crate::text::count(checked, "registry skill", "registry skills"),
        ));
    }
    let ok = problems.is_empty();
    let mut out = CommandOutput::with_json(
        lines,
        inv.json,
        || json!({"ok": ok, "lock_file": lock_file.display().to_string(), "problems": problems, "registry_skills_checked": checked}),
    );
    out.ok = ok;
    Ok(out)
}

/// The trust root file: the one named, else the configured one.
fn trust_path(
    engine: &CommandEngine,
    named: Option<&str>,
) -> std::result::Result<PathBuf, CommandError> {
    match (named, &engine.ctx.skills.trust_file) {
        (Some(p), _) => Ok(engine.resolve(p)),
        (None, Some(p)) => Ok(p.clone()),
        (None, None) => Err(CommandError::failed(
            "no trust root file: there is no config directory; pass --skill-trust-root-file PATH",
        )),
    }
}

fn trust_list(engine: &CommandEngine, inv: &Invocation) -> Result {
    let path = trust_path(engine, inv.arg(0))?;
    let file = trust_file::load(&path).map_err(|e| CommandError::failed(e.to_string()))?;
    let mut lines = Vec::new();
    for flag in &engine.ctx.skills.trust_roots {
        match trust_file::parse_id_key(flag) {
            Ok((id, key)) => lines.push(format!(
                "{id}  {}  from --skill-trust-root",
                crate::skills::signing::encode_public_key(&key)
            )),
            Err(e) => lines.push(format!("bad --skill-trust-root: {e}")),
        }
    }
    lines.extend(file.keys.iter().map(|k| k.describe()));
    if lines.is_empty() {
        lines.push(format!(
            "no trust roots: none given with --skill-trust-root and none in {}",
            path.display()
        ));
    }
    Ok(CommandOutput::with_json(lines, inv.json, || {
        json!({
            "file": path.display().to_string(),
            "flags": engine.ctx.skills.trust_roots,
            "keys": file.keys,
        })
    }))
}

fn trust_change(
    engine: &CommandEngine,
    inv: &Invocation,
    change: fn(String) -> TrustChange,
) -> Result {
    let arg = inv.required_arg(0)?.to_string();
    let path = trust_path(engine, None)?;
    let now = jiff::Timestamp::now().as_second();
    let said = trust_file::apply(&path, &change(arg), now).map_err(failed)?;
    Ok(CommandOutput::with_json(
        vec![said.clone()],
        inv.json,
        || json!({"file": path.display().to_string(), "result": said}),
    ))
}
