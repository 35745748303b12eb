//! `--events-webhook-listen ADDR`: a small HTTP receiver so a user needs no web server of
//! their own. `POST /hooks/CHANNEL` (the channel as in event files, `#` written `%23`) takes
//! the body as the payload, checks the signature headers of the configured scheme
//! (`X-Hub-Signature-256`, or `X-Slack-Signature` with `X-Slack-Request-Timestamp`) and the
//! replay record, and queues an immediate event; `X-Pi-Debounce-Key` debounces. Answers:
//! 202 with the event id, 401 for a refused signature, 400 for a bad channel, 413 over 10 MiB,
//! 404 elsewhere. Bodies are capped before they are read whole.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use tokio_util::sync::CancellationToken;

use super::receive::{Delivery, MAX_PAYLOAD_BYTES, Receiver};
use crate::modes::bridge::store::ConversationKey;

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn json(status: StatusCode, value: serde_json::Value) -> Response {
    (
        status,
        [("content-type", "application/json")],
        value.to_string(),
    )
        .into_response()
}

/// Decodes `%XX` in a path segment (the channel's `#` arrives as `%23`).
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

async fn hook(
    State(receiver): State<Arc<Receiver>>,
    Path(channel): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(channel) = percent_decode(&channel) else {
        return json(
            StatusCode::BAD_REQUEST,
            serde_json::json!({"error": "bad channel encoding"}),
        );
    };
    let channel = match ConversationKey::parse(&channel) {
        Ok(c) => c,
        Err(e) => return json(StatusCode::BAD_REQUEST, serde_json::json!({"error": e})),
    };
    let algorithm = receiver.algorithm;
    let signature = header(&headers, algorithm.signature_header()).map(str::to_string);
    let timestamp = algorithm
        .timestamp_header()
        .and_then(|h| header(&headers, h))
        .map(str::to_string);
    let debounce_key = header(&headers, "x-pi-debounce-key").map(str::to_string);
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let channel_name = channel.to_string();
    // File writes and the replay lock: off the async workers.
    let outcome = tokio::task::spawn_blocking(move || {
        let delivery = Delivery {
            payload: &body,
            signature: signature.as_deref(),
            timestamp: timestamp.as_deref(),
            debounce_key,
        };
        receiver.receive(channel, &delivery, now_ms)
    })
    .await;
    let Ok(outcome) = outcome else {
        return json(
            StatusCode::INTERNAL_SERVER_ERROR,
            serde_json::json!({"error": "internal error"}),
        );
    };
    for w in &outcome.warnings {
        tracing::warn!("webhook: {w}");
    }
    match outcome.result {
        Ok(done) => {
            tracing::info!(id = %done.id, channel = %channel_name, replaced = done.replaced, "webhook queued");
            json(
                StatusCode::ACCEPTED,
                serde_json::json!({"id": done.id, "channel": channel_name, "replaced": done.replaced}),
            )
        }
        Err(reason) => {
            tracing::warn!(channel = %channel_name, "webhook refused: {reason}");
            json(
                StatusCode::UNAUTHORIZED,
                serde_json::json!({"error": reason}),
            )
        }
    }
}

/// Binds `addr` (a clear one-line error when it is taken or not allowed).
pub async fn bind(addr: SocketAddr) -> Result<tokio::net::TcpListener, String> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))
}

/// Serves on `listener` until `stop` fires.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    receiver: Receiver,
    stop: CancellationToken,
) -> Result<(), String> {
    let app = Router::new()
        .route("/hooks/{*channel}", post(hook))
        .layer(DefaultBodyLimit::max(MAX_PAYLOAD_BYTES as usize))
        .with_state(Arc::new(receiver));
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "webhook receiver listening");
    }
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { stop.cancelled().await })
        .await
        .map_err(|e| format!("webhook receiver: {e}"))
}

/// Binds `addr` and serves until `stop` fires.
pub async fn listen(
    addr: SocketAddr,
    receiver: Receiver,
    stop: CancellationToken,
) -> Result<(), String> {
    serve_on(bind(addr).await?, receiver, stop).await
}
