//! The skills action flags (install, trust roots, lockfile, publishing): each does its work
//! and exits. One action per run; success is one short line on stdout, a failure one line on
//! stderr (exit 1; a usage error exit 2).
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod publish;

use std::path::Path;
use std::sync::Arc;

use super::{Args, exit, report};
use crate::skills::SkillsConfig;
use crate::skills::fetch::{Fetcher, Progress};
use crate::skills::install::{self, InstallError, InstallSource};
use crate::skills::lock;
use crate::skills::trust_file::{self, TrustChange};

/// The one action the flags ask for.
enum Action<'a> {
    Install(InstallSource),
    Trust(TrustChange),
    LockWrite,
    Sync,
    Keygen(&'a Path),
    SignRegistry(&'a Path),
}

/// The action flags given, by their names.
fn given(args: &Args) -> Vec<&'static str> {
    let flags = [
        ("--install-skill", args.install_skill.is_some()),
        ("--install-skill-url", args.install_skill_url.is_some()),
        (
            "--install-skill-from-registry",
            args.install_skill_from_registry.is_some(),
        ),
        ("--skill-trust-add", args.skill_trust_add.is_some()),
        ("--skill-trust-revoke", args.skill_trust_revoke.is_some()),
        ("--skill-trust-rotate", args.skill_trust_rotate.is_some()),
        ("--skills-lock-write", args.skills_lock_write),
        ("--skills-sync", args.skills_sync),
        ("--skill-keygen", args.skill_keygen.is_some()),
        ("--skill-sign-registry", args.skill_sign_registry.is_some()),
    ];
    flags
        .iter()
        .filter(|(_, on)| *on)
        .map(|(n, _)| *n)
        .collect()
}

fn action<'a>(args: &'a Args, cwd: &Path) -> Result<Action<'a>, String> {
    if let Some(path) = &args.install_skill {
        return Ok(Action::Install(InstallSource::Local(cwd.join(path))));
    }
    if let Some(url) = &args.install_skill_url {
        let sha = args.install_skill_sha256.as_deref().unwrap_or_default();
        return InstallSource::url(url, sha)
            .map(Action::Install)
            .map_err(|e| e.to_string());
    }
    if let Some(spec) = &args.install_skill_from_registry {
        if args.skill_registry_url.is_none() {
            return Err("--install-skill-from-registry needs --skill-registry-url URL".into());
        }
        return InstallSource::registry(spec)
            .map(Action::Install)
            .map_err(|e| e.to_string());
    }
    if args.install_skill_sha256.is_some() {
        return Err("--install-skill-sha256 goes with --install-skill-url".into());
    }
    Ok(if let Some(v) = &args.skill_trust_add {
        Action::Trust(TrustChange::Add(v.clone()))
    } else if let Some(v) = &args.skill_trust_revoke {
        Action::Trust(TrustChange::Revoke(v.clone()))
    } else if let Some(v) = &args.skill_trust_rotate {
        Action::Trust(TrustChange::Rotate(v.clone()))
    } else if args.skills_lock_write {
        Action::LockWrite
    } else if args.skills_sync {
        Action::Sync
    } else if let Some(p) = &args.skill_keygen {
        Action::Keygen(p)
    } else if let Some(p) = &args.skill_sign_registry {
        Action::SignRegistry(p)
    } else {
        return Err("no skills action".into());
    })
}

/// Runs the skills action the flags ask for, if any; returns its exit status.
pub async fn run(args: &Args) -> Option<u8> {
    let flags = given(args);
    if flags.is_empty() {
        if args.install_skill_sha256.is_some() {
            report("--install-skill-sha256 goes with --install-skill-url");
            return Some(exit::USAGE);
        }
        return None;
    }
    if flags.len() > 1 {
        report(&format!(
            "{} cannot be combined: one skills action per run",
            flags.join(" and ")
        ));
        return Some(exit::USAGE);
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from("."));
    let config = super::skills_config(args, &cwd);
    let action = match action(args, &cwd) {
        Ok(a) => a,
        Err(e) => {
            report(&e);
            return Some(exit::USAGE);
        }
    };
    Some(match action {
        Action::Install(source) => run_install(&config, &source).await,
        Action::Trust(change) => trust_change(&config, &change),
        Action::LockWrite => match lock::write(&config.dir, &cwd, &config.lock_file) {
            Ok(l) => done(&format!(
                "wrote {} ({})",
                config.lock_file.display(),
                crate::text::count(l.skills.len(), "skill", "skills")
            )),
            Err(e) => failed(&e.to_string()),
        },
        Action::Sync => sync(&config, &cwd),
        Action::Keygen(path) => publish::keygen(path),
        Action::SignRegistry(path) => publish::sign_registry(args, path),
    })
}

fn done(line: &str) -> u8 {
    println!("{line}");
    exit::OK
}

fn failed(line: &str) -> u8 {
    report(line);
    exit::FAILURE
}

async fn run_install(config: &SkillsConfig, source: &InstallSource) -> u8 {
    let fetcher = Fetcher::new(config).with_progress(Arc::new(progress_line()));
    match install::install(config, source, &fetcher).await {
        Ok(installed) => done(&installed.summary()),
        Err(InstallError::Usage(e)) => {
            report(&e);
            exit::USAGE
        }
        Err(e) => failed(&e.to_string()),
    }
}

/// Prints `pi: downloading URL: 3.0 of 12.0 MB` on stderr at each tenth of a large download.
fn progress_line() -> impl Fn(&Progress) + Send + Sync {
    let last_step = std::sync::Mutex::new(u64::MAX);
    move |p: &Progress| {
        const MB: f64 = 1024.0 * 1024.0;
        let step = match p.total {
            Some(t) if t > 0 => p.received * 10 / t,
            _ => p.received / (5 * 1024 * 1024),
        };
        let mut last = last_step
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if *last == step && !p.done {
            return;
        }
        *last = step;
        let total = p
            .total
            .map(|t| format!(" of {:.1}", t as f64 / MB))
            .unwrap_or_default();
        eprintln!(
            "pi: downloading {}: {:.1}{total} MB{}",
            p.url,
            p.received as f64 / MB,
            if p.done { ", done" } else { "" }
        );
    }
}

/// Changes the trust root file and prints what changed.
fn trust_change(config: &SkillsConfig, change: &TrustChange) -> u8 {
    let Some(path) = &config.trust_file else {
        report("no trust root file: pass --skill-trust-root-file PATH");
        return exit::USAGE;
    };
    let now = i64::try_from(crate::skills::record::now_unix()).unwrap_or(i64::MAX);
    match trust_file::apply(path, change, now) {
        Ok(line) => done(&line),
        Err(e) => failed(&e.to_string()),
    }
}

/// `--skills-sync`: exit 1 with each drift listed when the folder differs from the lockfile.
fn sync(config: &SkillsConfig, cwd: &Path) -> u8 {
    let diff = match lock::diff(&config.dir, cwd, &config.lock_file) {
        Ok(d) => d,
        Err(e) => return failed(&e.to_string()),
    };
    if diff.is_clean() {
        return done(&format!(
            "{} matches {}",
            config.dir.display(),
            config.lock_file.display()
        ));
    }
    report(&format!(
        "{} differs from {} ({}):",
        config.dir.display(),
        config.lock_file.display(),
        crate::text::count(diff.drifts.len(), "drift", "drifts")
    ));
    for d in &diff.drifts {
        eprintln!("  {d}");
    }
    exit::FAILURE
}
