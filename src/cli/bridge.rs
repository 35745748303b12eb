//! `--github-issues-bridge` and `--slack-bridge`: tokens, the agent's configuration for the
//! runs (strict tools unless a preset is named; approvals denied), and the bridge itself.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::args::Args;
use super::bridge_args::RespondToArg;
use super::{exit, report, skills_config, with_skills};
use crate::modes::bridge::github::rules::{RespondTo, Rules};
use crate::modes::bridge::github::{GithubClient, poll::Poller, transport::GithubTransport};
use crate::modes::bridge::runner::{HubOptions, RunContext, serve};
use crate::modes::bridge::step::Limits;

/// Runs the bridge the flags ask for; `None` when they ask for none.
pub async fn run(args: &Args) -> Option<u8> {
    let b = &args.bridge;
    if !b.any() {
        return None;
    }
    if args.approve_all {
        report(
            "--approve-all does not apply to bridges: they run tools for other people, so every call the policy asks about is denied",
        );
        return Some(exit::USAGE);
    }
    Some(if b.github_issues_bridge {
        github(args).await
    } else {
        super::bridge_slack::slack(args).await
    })
}

/// A token from a file (trimmed) or the environment; the error names both.
pub fn token(file: Option<&Path>, env: &str, what: &str) -> Result<String, String> {
    let value = match file {
        Some(f) => std::fs::read_to_string(f)
            .map_err(|e| format!("cannot read the {what} token file {}: {e}", f.display()))?,
        None => std::env::var(env).unwrap_or_default(),
    };
    let value = value.trim().to_string();
    if value.is_empty() {
        return Err(match file {
            Some(f) => format!("the {what} token file {} is empty", f.display()),
            None => format!("no {what} token: set {env} or pass the token file flag"),
        });
    }
    Ok(value)
}

/// What every bridge run shares, with `tokens` kept out of tools' output.
pub async fn run_context(args: &Args, tokens: &[String]) -> Result<RunContext, u8> {
    let setup = match with_skills(args, true).await {
        Ok(s) => s,
        Err(e) => {
            report(&e.to_string());
            return Err(e.exit_code());
        }
    };
    for w in &setup.warnings {
        tracing::warn!("{w}");
    }
    let mut agent = setup.agent;
    agent.secrets = agent.secrets.with(tokens.iter().cloned());
    let cwd = agent.policy.cwd.clone();
    let engine = crate::commands::EngineContext {
        cwd: cwd.clone(),
        client: agent.client.clone(),
        settings: agent.settings(),
        import_mode: crate::session::ImportMode::Merge,
        policy: agent.policy.clone(),
        policy_sources: setup.policy_sources,
        audit_log: agent.audit_log.clone(),
        skills: skills_config(args, &cwd),
        events: None,
    };
    Ok(RunContext {
        agent,
        engine,
        cwd,
        progress_every: Duration::from_secs(args.bridge.bridge_progress_interval_seconds),
        state_lock: std::sync::Mutex::new(()),
        finished: None,
    })
}

pub fn hub_options(args: &Args) -> HubOptions {
    HubOptions {
        limits: Limits {
            max_concurrent: args.bridge.bridge_max_concurrent_runs as usize,
            ..Limits::default()
        },
        shutdown_grace: Duration::from_secs(args.bridge.bridge_shutdown_grace_seconds),
    }
}

async fn github(args: &Args) -> u8 {
    let b = &args.bridge;
    let (Some(repo), Some(bot), Some(dir)) =
        (&b.github_repo, &b.github_bot_login, &b.github_state_dir)
    else {
        report(
            "--github-issues-bridge needs --github-repo, --github-bot-login and --github-state-dir",
        );
        return exit::USAGE;
    };
    let token = match token(b.github_token_file.as_deref(), "GITHUB_TOKEN", "GitHub") {
        Ok(t) => t,
        Err(e) => {
            report(&e);
            return exit::USAGE;
        }
    };
    let client = match GithubClient::new(&b.github_api_base, &token, repo) {
        Ok(c) => c,
        Err(e) => {
            report(&format!("--github-repo: {e}"));
            return exit::USAGE;
        }
    };
    let rules = Rules {
        repo: repo.clone(),
        bot_login: bot.clone(),
        respond_to: match b.github_respond_to {
            RespondToArg::Mentions => RespondTo::Mentions,
            RespondToArg::All => RespondTo::All,
        },
        allow_users: b.github_allow_user.clone(),
    };
    let ctx = match run_context(args, std::slice::from_ref(&token)).await {
        Ok(c) => Arc::new(c),
        Err(code) => return code,
    };
    let poller = Poller {
        client: client.clone(),
        rules: rules.clone(),
        path: dir.join("poll.json"),
        interval: Duration::from_secs(b.github_poll_interval_seconds),
    };
    let transport = Arc::new(GithubTransport { client, rules });
    tracing::info!(%repo, "GitHub bridge starting");
    let result = serve(dir, ctx, transport, hub_options(args), |tx, stop| {
        poller.run(tx, stop)
    })
    .await;
    stopped("GitHub bridge", result)
}

/// The exit status of a bridge that ran (logging what it did) or could not start.
pub fn stopped(name: &str, result: Result<crate::modes::bridge::runner::HubReport, String>) -> u8 {
    match result {
        Ok(r) => {
            tracing::info!(
                messages = r.messages,
                runs = r.runs,
                cancelled = r.cancelled,
                "{name} stopped"
            );
            exit::OK
        }
        Err(e) => {
            report(&e);
            exit::FAILURE
        }
    }
}
