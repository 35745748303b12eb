//! The flags of webhook ingest (`--event-webhook-ingest-file`).

use std::path::PathBuf;

use clap::{Args as ClapArgs, ValueEnum};

const WEBHOOK: &str = "Webhook ingest";

/// The signature schemes a webhook may be checked with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SignatureAlgorithmArg {
    /// GitHub's `X-Hub-Signature-256: sha256=<hex>` over the body.
    #[value(name = "github-sha256")]
    GithubSha256,
    /// Slack's `X-Slack-Signature: v0=<hex>` over `v0:<timestamp>:<body>`.
    #[value(name = "slack-v0")]
    SlackV0,
}

#[derive(Debug, Clone, ClapArgs)]
pub struct WebhookArgs {
    /// Queue a received webhook payload (`-` reads stdin) as an immediate event in
    /// --events-dir, then exit. Payloads over 10 MiB are refused.
    #[arg(long, value_name = "PAYLOAD", help_heading = WEBHOOK)]
    pub event_webhook_ingest_file: Option<PathBuf>,
    /// The channel the event runs in (`local/NAME`, `github/ISSUE`, `slack/CHANNEL`...).
    #[arg(long, value_name = "CHANNEL", help_heading = WEBHOOK)]
    pub event_webhook_channel: Option<String>,
    /// Text put before the payload in the prompt.
    #[arg(long, value_name = "TEXT", default_value = "", help_heading = WEBHOOK)]
    pub event_webhook_prompt_prefix: String,
    /// Payloads with this key within the debounce window make one run: a later one replaces
    /// the queued event.
    #[arg(long, value_name = "KEY", help_heading = WEBHOOK)]
    pub event_webhook_debounce_key: Option<String>,
    /// The debounce window, from the key's first payload.
    #[arg(long, value_name = "N", default_value_t = 60, help_heading = WEBHOOK)]
    pub event_webhook_debounce_window_seconds: u64,
    /// The payload's signature header value (`sha256=...` or `v0=...`); required when a
    /// secret is set.
    #[arg(long, value_name = "SIG", help_heading = WEBHOOK)]
    pub event_webhook_signature: Option<String>,
    /// The shared secret (prefer --event-webhook-secret-file or PI_EVENT_WEBHOOK_SECRET).
    #[arg(long, value_name = "SECRET", help_heading = WEBHOOK)]
    pub event_webhook_secret: Option<String>,
    /// A file holding the shared secret (a trailing newline is ignored).
    #[arg(long, value_name = "FILE", help_heading = WEBHOOK)]
    pub event_webhook_secret_file: Option<PathBuf>,
    /// The signature scheme.
    #[arg(long, value_name = "ALG", value_enum, default_value_t = SignatureAlgorithmArg::GithubSha256, help_heading = WEBHOOK)]
    pub event_webhook_signature_algorithm: SignatureAlgorithmArg,
    /// The signed timestamp (slack-v0's X-Slack-Request-Timestamp).
    #[arg(long, value_name = "TS", help_heading = WEBHOOK)]
    pub event_webhook_timestamp: Option<String>,
    /// How far a signed timestamp may be from now, in seconds (also sets the replay window).
    #[arg(long, value_name = "N", default_value_t = crate::modes::events::webhook::DEFAULT_MAX_SKEW_SECS, help_heading = WEBHOOK)]
    pub event_webhook_signature_max_skew_seconds: u64,
    /// Receive webhooks over HTTP at this address (`127.0.0.1:8787`): POST /hooks/CHANNEL
    /// queues the body as an event in --events-dir after the signature check; a secret is
    /// required.
    #[arg(long, value_name = "ADDR", conflicts_with = "event_webhook_ingest_file", help_heading = WEBHOOK)]
    pub events_webhook_listen: Option<std::net::SocketAddr>,
}
