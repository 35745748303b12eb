//! `--events-runner`: the state file and its lock, the transports answers go through (GitHub
//! and Slack when their settings are given, the outbox always), and the runner.

use std::sync::Arc;
use std::time::Duration;

use super::args::Args;
use super::bridge::{hub_options, run_context, token};
use super::bridge_args::ThreadDetailArg;
use super::events_args::CatchUpArg;
use super::{exit, report};
use crate::modes::bridge::github::GithubClient;
use crate::modes::bridge::github::rules::{RespondTo, Rules};
use crate::modes::bridge::github::transport::GithubTransport;
use crate::modes::bridge::runner::serve;
use crate::modes::bridge::slack::transport::{Detail, SlackTransport};
use crate::modes::bridge::slack::web::SlackWeb;
use crate::modes::events::deliver::{Models, Outbox, Routes};
use crate::modes::events::scheduler::{Clock, Scheduler};
use crate::modes::events::{CatchUp, RunnerState, StateLock};

/// The `/events-*` commands' view of `--events-dir` (and `--events-state-path`).
pub fn access(args: &Args) -> Option<Arc<dyn crate::commands::EventsAccess>> {
    let dir = args.events.events_dir.clone()?;
    Some(Arc::new(crate::modes::events::access::EventsDir {
        dir,
        state: args.events.events_state_path.clone(),
    }))
}

/// Runs the events runner when the flags ask for it.
pub async fn run(args: &Args) -> Option<u8> {
    if !args.events.events_runner {
        return None;
    }
    Some(match runner(args).await {
        Ok(()) => exit::OK,
        Err((code, message)) => {
            // An empty message was reported where it happened.
            if !message.is_empty() {
                report(&message);
            }
            code
        }
    })
}

fn usage(message: impl Into<String>) -> (u8, String) {
    (exit::USAGE, message.into())
}

async fn runner(args: &Args) -> Result<(), (u8, String)> {
    let e = &args.events;
    if args.approve_all {
        return Err(usage(
            "--approve-all does not apply to the events runner: nobody is there to approve, so every call the policy asks about is denied",
        ));
    }
    let (Some(dir), Some(state_path)) = (&e.events_dir, &e.events_state_path) else {
        return Err(usage(
            "--events-runner needs --events-dir and --events-state-path",
        ));
    };
    if !dir.is_dir() {
        return Err(usage(format!(
            "--events-dir {} is not a folder",
            dir.display()
        )));
    }
    let home = state_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(
            || std::path::PathBuf::from("."),
            std::path::Path::to_path_buf,
        );
    crate::private_fs::create_dir_all(&home).map_err(|err| {
        (
            exit::FAILURE,
            format!("cannot create {}: {err}", home.display()),
        )
    })?;
    let _lock = StateLock::acquire(state_path).map_err(|err| (exit::FAILURE, err.to_string()))?;
    let state = RunnerState::load(state_path).map_err(|err| (exit::FAILURE, err.to_string()))?;
    let store_root = args
        .channel_store_root
        .clone()
        .unwrap_or_else(|| home.clone());
    let outbox = e
        .events_outbox
        .clone()
        .unwrap_or_else(|| home.join("outbox.jsonl"));

    let mut tokens = Vec::new();
    let b = &args.bridge;
    let github = match &b.github_repo {
        None => None,
        Some(repo) => {
            let t =
                token(b.github_token_file.as_deref(), "GITHUB_TOKEN", "GitHub").map_err(usage)?;
            let client = GithubClient::new(&b.github_api_base, &t, repo)
                .map_err(|err| usage(format!("--github-repo: {err}")))?;
            tokens.push(t);
            Some(GithubTransport {
                client,
                rules: Rules {
                    repo: repo.clone(),
                    bot_login: b.github_bot_login.clone().unwrap_or_default(),
                    respond_to: RespondTo::Mentions,
                    allow_users: Vec::new(),
                },
            })
        }
    };
    let slack_token = token(
        b.slack_bot_token_file.as_deref(),
        "PI_SLACK_BOT_TOKEN",
        "Slack bot",
    );
    let slack = match (slack_token, &b.slack_bot_token_file) {
        (Ok(t), _) => {
            let web = SlackWeb::new(&b.slack_api_base, t.clone())
                .map_err(|err| usage(format!("--slack-api-base: {err}")))?;
            tokens.push(t);
            let detail = match b.slack_thread_detail_output {
                ThreadDetailArg::Thread => Detail::Thread,
                ThreadDetailArg::Off => Detail::Off,
            };
            Some(SlackTransport::new(
                web,
                b.slack_thread_detail_threshold_chars,
                detail,
                b.slack_max_file_bytes,
            ))
        }
        // A token file that cannot be read is an error; no token at all means no Slack.
        (Err(err), Some(_)) => return Err(usage(err)),
        (Err(_), None) => None,
    };
    let models = Models::default();
    let routes = Routes {
        github,
        slack,
        local: Outbox { path: outbox },
        models: models.clone(),
    };
    let listener = match args.webhook.events_webhook_listen {
        Some(addr) => {
            let receiver = super::webhook::http_receiver(args)?;
            let socket = crate::modes::events::listen::bind(addr)
                .await
                .map_err(|e| (exit::FAILURE, e))?;
            Some((socket, receiver))
        }
        None => None,
    };
    let mut ctx = run_context(args, &tokens)
        .await
        .map_err(|code| (code, String::new()))?;
    let (finished_tx, finished_rx) = tokio::sync::mpsc::unbounded_channel();
    ctx.finished = Some(finished_tx);
    let scheduler = Scheduler {
        dir: dir.clone(),
        state_path: state_path.clone(),
        poll: Duration::from_millis(e.events_poll_interval_ms),
        catch_up: match e.events_catch_up {
            CatchUpArg::None => CatchUp::None,
            CatchUpArg::Last => CatchUp::Last,
            CatchUpArg::All => CatchUp::All,
        },
        queue_limit: e.events_queue_limit as usize,
        models,
        clock: Clock::system(),
    };
    let mut options = hub_options(args);
    options.limits.queue_per_conversation = options
        .limits
        .queue_per_conversation
        .max(e.events_queue_limit as usize);
    tracing::info!(dir = %dir.display(), "events runner starting");
    let report = serve(
        &store_root,
        Arc::new(ctx),
        Arc::new(routes),
        options,
        move |tx, stop| {
            // The webhook receiver, when asked for, runs beside the scheduler until the same
            // stop.
            if let Some((socket, receiver)) = listener {
                let stop = stop.clone();
                tokio::spawn(async move {
                    let served = crate::modes::events::listen::serve_on(socket, receiver, stop);
                    if let Err(e) = served.await {
                        tracing::error!("{e}");
                    }
                });
            }
            scheduler.run(state, tx, finished_rx, stop)
        },
    )
    .await
    .map_err(|err| (exit::FAILURE, err))?;
    tracing::info!(
        runs = report.runs,
        cancelled = report.cancelled,
        "events runner stopped"
    );
    Ok(())
}
