//! `--event-webhook-ingest-file`: checks a received webhook payload's signature (when a
//! secret is set) and that it is no replay, then queues it as an immediate event in
//! --events-dir for the events runner.
//!
//! Exit 0 with `queued event ID for CHANNEL` (or `replaced queued event ID for CHANNEL` when
//! a debounce key's queued event was replaced) on stdout; 1 with `pi: webhook refused: ...`
//! when the payload is refused (nothing is written then); 2 for usage errors. The replay
//! record is `<events dir>/.webhook-replay.json`; a signature is recorded before the event
//! is written, so a delivery whose event could not be written is refused if sent again.

// The one result line is this command's output.
#![allow(clippy::print_stdout)]

use std::io::Read;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::args::Args;
use super::webhook_args::SignatureAlgorithmArg;
use super::{exit, report};
use crate::modes::bridge::store::ConversationKey;
use crate::modes::events::receive::{Delivery, MAX_PAYLOAD_BYTES, Receiver};
use crate::modes::events::webhook::Algorithm;

/// The environment variable that may hold the shared secret.
const SECRET_ENV: &str = "PI_EVENT_WEBHOOK_SECRET";

/// Runs webhook ingest when the flags ask for it.
pub fn run(args: &Args) -> Option<u8> {
    let payload_path = args.webhook.event_webhook_ingest_file.as_deref()?;
    Some(match ingest_payload(args, payload_path) {
        Ok(line) => {
            println!("{line}");
            exit::OK
        }
        Err((code, message)) => {
            report(&message);
            code
        }
    })
}

/// `--events-webhook-listen`: serves until SIGINT/SIGTERM.
pub async fn listen(args: &Args) -> Option<u8> {
    if args.events.events_runner {
        // The runner serves the receiver in its own process.
        return None;
    }
    let addr = args.webhook.events_webhook_listen?;
    let receiver = match http_receiver(args) {
        Ok(r) => r,
        Err((code, message)) => {
            report(&message);
            return Some(code);
        }
    };
    let stop = tokio_util::sync::CancellationToken::new();
    let on_signal = stop.clone();
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        if let (Ok(mut int), Ok(mut term)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            on_signal.cancel();
        }
    });
    Some(
        match crate::modes::events::listen::listen(addr, receiver, stop).await {
            Ok(()) => exit::OK,
            Err(e) => {
                report(&e);
                exit::FAILURE
            }
        },
    )
}

/// The HTTP receiver's checks from the flags: an events dir and a secret are required.
pub fn http_receiver(args: &Args) -> Result<Receiver, (u8, String)> {
    let Some(dir) = &args.events.events_dir else {
        return Err(usage(
            "--events-webhook-listen needs --events-dir (the folder the events runner watches)",
        ));
    };
    let secret = match secret(args)? {
        Some(s) if !s.is_empty() => s,
        _ => {
            return Err(usage(
                "--events-webhook-listen needs a secret (--event-webhook-secret-file, --event-webhook-secret or PI_EVENT_WEBHOOK_SECRET): unsigned webhooks are not accepted over HTTP",
            ));
        }
    };
    if !dir.is_dir() {
        return Err(usage(format!(
            "--events-dir {} is not a folder",
            dir.display()
        )));
    }
    Ok(receiver(args, dir, Some(secret)))
}

fn usage(message: impl Into<String>) -> (u8, String) {
    (exit::USAGE, message.into())
}

fn refused(message: impl std::fmt::Display) -> (u8, String) {
    (exit::FAILURE, format!("webhook refused: {message}"))
}

fn ingest_payload(args: &Args, payload_path: &Path) -> Result<String, (u8, String)> {
    let w = &args.webhook;
    let Some(dir) = &args.events.events_dir else {
        return Err(usage(
            "--event-webhook-ingest-file needs --events-dir (the folder the events runner watches)",
        ));
    };
    let Some(channel) = &w.event_webhook_channel else {
        return Err(usage(
            "--event-webhook-ingest-file needs --event-webhook-channel (for example local/hooks)",
        ));
    };
    let channel = ConversationKey::parse(channel)
        .map_err(|e| usage(format!("--event-webhook-channel: {e}")))?;
    let secret = secret(args)?;
    if secret.is_none() && w.event_webhook_signature.is_some() {
        return Err(usage(
            "--event-webhook-signature needs a secret: --event-webhook-secret-file, --event-webhook-secret or PI_EVENT_WEBHOOK_SECRET",
        ));
    }
    let payload = read_payload(payload_path)?;
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    let receiver = receiver(args, dir, secret);
    let delivery = Delivery {
        payload: &payload,
        signature: w.event_webhook_signature.as_deref(),
        timestamp: w.event_webhook_timestamp.as_deref(),
        debounce_key: w.event_webhook_debounce_key.clone(),
    };
    let channel_name = channel.to_string();
    let outcome = receiver.receive(channel, &delivery, now_ms);
    for warning in outcome.warnings {
        report(&format!("warning: {warning}"));
    }
    let done = outcome.result.map_err(refused)?;
    let verb = if done.replaced {
        "replaced queued"
    } else {
        "queued"
    };
    Ok(format!("{verb} event {} for {channel_name}", done.id))
}

/// The checks and destination the flags describe.
pub fn receiver(args: &Args, dir: &Path, secret: Option<Vec<u8>>) -> Receiver {
    let w = &args.webhook;
    Receiver {
        events_dir: dir.to_path_buf(),
        prompt_prefix: w.event_webhook_prompt_prefix.clone(),
        secret,
        algorithm: match w.event_webhook_signature_algorithm {
            SignatureAlgorithmArg::GithubSha256 => Algorithm::GithubSha256,
            SignatureAlgorithmArg::SlackV0 => Algorithm::SlackV0,
        },
        max_skew_secs: w.event_webhook_signature_max_skew_seconds,
        debounce_window: Duration::from_secs(w.event_webhook_debounce_window_seconds),
    }
}

/// The secret: --event-webhook-secret-file, else --event-webhook-secret, else the env.
pub fn secret(args: &Args) -> Result<Option<Vec<u8>>, (u8, String)> {
    let w = &args.webhook;
    if let Some(file) = &w.event_webhook_secret_file {
        let text = std::fs::read(file).map_err(|e| {
            usage(format!(
                "--event-webhook-secret-file {}: {e}",
                file.display()
            ))
        })?;
        let mut text = text;
        while matches!(text.last(), Some(b'\n' | b'\r')) {
            text.pop();
        }
        return Ok(Some(text));
    }
    if let Some(s) = &w.event_webhook_secret {
        return Ok(Some(s.as_bytes().to_vec()));
    }
    Ok(std::env::var_os(SECRET_ENV).map(|v| v.into_encoded_bytes()))
}

/// The payload, at most [`MAX_PAYLOAD_BYTES`]; one byte more is read to tell it is over.
fn read_payload(path: &Path) -> Result<Vec<u8>, (u8, String)> {
    let mut bytes = Vec::new();
    let read = if path == Path::new("-") {
        std::io::stdin()
            .lock()
            .take(MAX_PAYLOAD_BYTES + 1)
            .read_to_end(&mut bytes)
    } else {
        let file = std::fs::File::open(path).map_err(|e| {
            usage(format!(
                "--event-webhook-ingest-file {}: {e}",
                path.display()
            ))
        })?;
        file.take(MAX_PAYLOAD_BYTES + 1).read_to_end(&mut bytes)
    };
    read.map_err(|e| (exit::FAILURE, format!("cannot read the payload: {e}")))?;
    if bytes.len() as u64 > MAX_PAYLOAD_BYTES {
        return Err(refused(format!(
            "payload is over {MAX_PAYLOAD_BYTES} bytes (10 MiB)"
        )));
    }
    Ok(bytes)
}
