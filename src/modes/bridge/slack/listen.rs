//! The Slack bridge's source of inbound messages: the Socket Mode connection's envelopes,
//! classified by the rules; files to download are handed to the transport.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::rules::{Classified, Rules, classify};
use super::socket::{SocketConfig, SocketEvent, run_socket};
use super::transport::SlackTransport;
use crate::modes::bridge::step::Inbound;

/// Feeds `tx` until `stop` fires or the runner is gone.
pub async fn listen(
    config: SocketConfig,
    rules: Rules,
    transport: Arc<SlackTransport>,
    tx: mpsc::Sender<Inbound>,
    stop: CancellationToken,
) {
    let (events_tx, mut events) = mpsc::channel(256);
    let socket = tokio::spawn(run_socket(config, events_tx, stop.clone()));
    loop {
        let event = tokio::select! {
            () = stop.cancelled() => break,
            e = events.recv() => match e {
                Some(e) => e,
                None => break,
            },
        };
        match event {
            SocketEvent::Connected => tracing::info!("slack socket connected"),
            SocketEvent::Disconnected { reason, retry_in } => {
                tracing::info!("slack socket closed ({reason}); again in {retry_in:?}");
            }
            SocketEvent::Envelope(env) if env.kind == "events_api" => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                match classify(&rules, &env.payload, now) {
                    Classified::Message { inbound, files, .. } => {
                        transport.remember_files(&inbound.key, files);
                        if tx.send(inbound).await.is_err() {
                            break;
                        }
                    }
                    Classified::Skip(reason) => tracing::debug!(
                        envelope = env.envelope_id.as_deref().unwrap_or(""),
                        "slack event skipped: {reason}"
                    ),
                }
            }
            SocketEvent::Envelope(env) => {
                tracing::debug!(kind = %env.kind, "slack envelope not handled");
            }
        }
    }
    stop.cancel();
    let _ = socket.await;
}
