//! `--slack-bridge`: the tokens, who the bot is (`auth.test`), and the Socket Mode bridge.

use std::sync::Arc;
use std::time::Duration;

use super::args::Args;
use super::bridge::{hub_options, run_context, stopped, token};
use super::bridge_args::ThreadDetailArg;
use super::{exit, report};
use crate::modes::bridge::runner::serve;
use crate::modes::bridge::slack::listen::listen;
use crate::modes::bridge::slack::rules::Rules;
use crate::modes::bridge::slack::socket::SocketConfig;
use crate::modes::bridge::slack::transport::{Detail, SlackTransport};
use crate::modes::bridge::slack::web::SlackWeb;

pub async fn slack(args: &Args) -> u8 {
    let b = &args.bridge;
    let Some(dir) = &b.slack_state_dir else {
        report("--slack-bridge needs --slack-state-dir");
        return exit::USAGE;
    };
    let app_token = token(
        b.slack_app_token_file.as_deref(),
        "PI_SLACK_APP_TOKEN",
        "Slack app",
    );
    let bot_token = token(
        b.slack_bot_token_file.as_deref(),
        "PI_SLACK_BOT_TOKEN",
        "Slack bot",
    );
    let (app_token, bot_token) = match (app_token, bot_token) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            report(&e);
            return exit::USAGE;
        }
    };
    let web = match SlackWeb::new(&b.slack_api_base, bot_token.clone()) {
        Ok(w) => w,
        Err(e) => {
            report(&format!("--slack-api-base: {e}"));
            return exit::USAGE;
        }
    };
    let me = match web.auth_test().await {
        Ok(me) => me,
        Err(e) => {
            report(&format!("Slack auth.test failed: {e}"));
            return exit::FAILURE;
        }
    };
    let ctx = match run_context(args, &[app_token.clone(), bot_token]).await {
        Ok(c) => Arc::new(c),
        Err(code) => return code,
    };
    let rules = Rules {
        bot_user_id: me.user_id.clone(),
        allow_users: b.slack_allow_user.clone(),
        allow_channels: b.slack_allow_channel.clone(),
        max_event_age_secs: b.slack_max_event_age_seconds,
    };
    let detail = match b.slack_thread_detail_output {
        ThreadDetailArg::Thread => Detail::Thread,
        ThreadDetailArg::Off => Detail::Off,
    };
    let transport = Arc::new(SlackTransport::new(
        web,
        b.slack_thread_detail_threshold_chars,
        detail,
        b.slack_max_file_bytes,
    ));
    let config = SocketConfig {
        api_base: b.slack_api_base.clone(),
        app_token,
        backoff: Duration::from_secs(1),
        max_backoff: Duration::from_secs(60),
    };
    tracing::info!(bot = %me.user_id, team = ?me.team, "Slack bridge starting");
    let source_transport = transport.clone();
    let result = serve(dir, ctx, transport, hub_options(args), move |tx, stop| {
        listen(config, rules, source_transport, tx, stop)
    })
    .await;
    stopped("Slack bridge", result)
}
