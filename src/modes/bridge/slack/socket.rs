//! Slack Socket Mode: `apps.connections.open` with the app-level token gives a WebSocket URL;
//! on that socket Slack sends envelopes (`hello`, `events_api`, `disconnect`, ...). Every
//! envelope with an `envelope_id` is acknowledged at once (Slack retries an envelope that is
//! not acknowledged within 3 s), then handed to the bridge. A closed socket, an error or a
//! `disconnect` envelope opens a new connection, with backoff after failures. Pings are
//! answered by the WebSocket layer.

use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

/// Where and how to connect.
#[derive(Clone)]
pub struct SocketConfig {
    /// `https://slack.com/api` (tests: a local fake).
    pub api_base: String,
    /// The app-level token (`xapp-...`), with the `connections:write` scope.
    pub app_token: String,
    /// The first wait after a failed connection; doubled each time, at most `max_backoff`.
    pub backoff: Duration,
    pub max_backoff: Duration,
}

impl std::fmt::Debug for SocketConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the token.
        f.debug_struct("SocketConfig")
            .field("api_base", &self.api_base)
            .field("backoff", &self.backoff)
            .finish_non_exhaustive()
    }
}

/// One envelope from Slack.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Envelope {
    /// `hello`, `events_api`, `slash_commands`, `interactive`, `disconnect`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub envelope_id: Option<String>,
    #[serde(default)]
    pub payload: Value,
    /// Set when Slack delivers an envelope again (1, 2, ...).
    #[serde(default)]
    pub retry_attempt: Option<u32>,
    #[serde(default)]
    pub retry_reason: Option<String>,
    /// On `disconnect`: `warning`, `refresh_requested`, `link_disabled`.
    #[serde(default)]
    pub reason: Option<String>,
}

/// What the socket reports to the bridge.
#[derive(Debug, Clone, PartialEq)]
pub enum SocketEvent {
    /// A new connection said `hello`.
    Connected,
    /// An envelope (already acknowledged).
    Envelope(Envelope),
    /// The connection ended; a new one follows after `retry_in`.
    Disconnected { reason: String, retry_in: Duration },
}

#[derive(Deserialize)]
struct OpenReply {
    ok: bool,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// `apps.connections.open`: the WebSocket URL of a new connection.
pub async fn open_connection(config: &SocketConfig) -> Result<String, String> {
    let client = crate::ai::http::client().map_err(|e| e.to_string())?;
    let url = format!(
        "{}/apps.connections.open",
        config.api_base.trim_end_matches('/')
    );
    let reply = client
        .post(&url)
        .bearer_auth(&config.app_token)
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .map_err(|e| format!("apps.connections.open: {}", crate::ai::http::describe(&e)))?;
    let status = reply.status();
    let body: OpenReply = reply
        .json()
        .await
        .map_err(|e| format!("apps.connections.open: HTTP {status}, not Slack's JSON: {e}"))?;
    match (body.ok, body.url) {
        (true, Some(url)) => Ok(url),
        _ => Err(format!(
            "apps.connections.open refused: {} (check PI_SLACK_APP_TOKEN: an app-level token with connections:write)",
            body.error.unwrap_or_else(|| format!("HTTP {status}"))
        )),
    }
}

/// Holds a Socket Mode connection until `stop`: every envelope is acknowledged and sent to
/// `events`; the connection is opened again whenever it ends. Returns when `stop` is
/// cancelled or `events` is closed.
pub async fn run_socket(
    config: SocketConfig,
    events: mpsc::Sender<SocketEvent>,
    stop: CancellationToken,
) {
    let mut failures = 0u32;
    loop {
        let (reason, clean) = tokio::select! {
            () = stop.cancelled() => return,
            r = one_connection(&config, &events, &stop) => r,
        };
        if stop.is_cancelled() || events.is_closed() {
            return;
        }
        // A disconnect Slack asked for reconnects at once; failures back off.
        failures = if clean { 0 } else { failures + 1 };
        let retry_in = backoff(config.backoff, config.max_backoff, failures);
        tracing::info!("slack socket closed ({reason}); reconnecting in {retry_in:?}");
        let _ = events
            .send(SocketEvent::Disconnected { reason, retry_in })
            .await;
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(retry_in) => {}
        }
    }
}

/// The wait before reconnecting after `failures` failures in a row (none: no wait).
pub fn backoff(first: Duration, max: Duration, failures: u32) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    first
        .saturating_mul(1u32 << (failures - 1).min(16))
        .min(max)
}

/// One connection, to its end: why it ended, and whether Slack ended it on purpose.
async fn one_connection(
    config: &SocketConfig,
    events: &mpsc::Sender<SocketEvent>,
    stop: &CancellationToken,
) -> (String, bool) {
    let url = match open_connection(config).await {
        Ok(u) => u,
        Err(e) => return (e, false),
    };
    let connector = match crate::ai::http::tls_config(&[b"http/1.1"]) {
        Ok(tls) => tokio_tungstenite::Connector::Rustls(Arc::new(tls)),
        Err(e) => return (format!("TLS settings: {e}"), false),
    };
    let connected =
        tokio_tungstenite::connect_async_tls_with_config(url.as_str(), None, true, Some(connector))
            .await;
    let mut socket = match connected {
        Ok((s, _)) => s,
        Err(e) => return (format!("cannot open the Slack socket: {e}"), false),
    };
    loop {
        let frame = tokio::select! {
            () = stop.cancelled() => {
                let _ = socket.close(None).await;
                return ("stopped".to_string(), true);
            }
            f = socket.next() => f,
        };
        let text = match frame {
            None => return ("the socket closed".to_string(), false),
            Some(Err(e)) => return (format!("socket error: {e}"), false),
            Some(Ok(Message::Text(t))) => t.to_string(),
            Some(Ok(Message::Close(c))) => {
                let why = c.map(|c| c.reason.to_string()).unwrap_or_default();
                return (
                    format!("Slack closed the socket {why}").trim().to_string(),
                    false,
                );
            }
            // Pings are answered by tungstenite as the stream is read.
            Some(Ok(_)) => continue,
        };
        let envelope: Envelope = match serde_json::from_str(&text) {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!("slack: an envelope that is not JSON ({e}); skipped");
                continue;
            }
        };
        if let Some(id) = &envelope.envelope_id {
            let ack = serde_json::json!({ "envelope_id": id }).to_string();
            if let Err(e) = socket.send(Message::text(ack)).await {
                return (format!("cannot acknowledge an envelope: {e}"), false);
            }
        }
        let disconnect = envelope.kind == "disconnect";
        let reason = envelope.reason.clone();
        let event = if envelope.kind == "hello" {
            SocketEvent::Connected
        } else {
            SocketEvent::Envelope(envelope)
        };
        if !disconnect && events.send(event).await.is_err() {
            return ("the bridge stopped".to_string(), true);
        }
        if disconnect {
            let _ = socket.close(None).await;
            return (
                format!("Slack asked to reconnect ({})", reason.unwrap_or_default()),
                true,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap_and_a_clean_close_waits_nothing() {
        let (first, max) = (Duration::from_secs(1), Duration::from_secs(30));
        assert_eq!(backoff(first, max, 0), Duration::ZERO);
        assert_eq!(backoff(first, max, 1), Duration::from_secs(1));
        assert_eq!(backoff(first, max, 3), Duration::from_secs(4));
        assert_eq!(backoff(first, max, 40), max);
    }

    #[test]
    fn envelopes_parse_with_their_retry_and_disconnect_fields() {
        let e: Envelope = serde_json::from_str(
            r#"{"envelope_id":"e1","type":"events_api","payload":{"event":{"type":"app_mention"}},"accepts_response_payload":false,"retry_attempt":1,"retry_reason":"timeout"}"#,
        )
        .unwrap();
        assert_eq!(e.kind, "events_api");
        assert_eq!(e.retry_attempt, Some(1));
        let d: Envelope = serde_json::from_str(
            r#"{"type":"disconnect","reason":"refresh_requested","debug_info":{"host":"x"}}"#,
        )
        .unwrap();
        assert_eq!(d.reason.as_deref(), Some("refresh_requested"));
        assert_eq!(d.envelope_id, None);
    }

    #[test]
    fn the_config_never_shows_the_token() {
        let c = SocketConfig {
            api_base: "https://slack.com/api".into(),
            app_token: "xapp-secret".into(),
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
        };
        assert!(!format!("{c:?}").contains("secret"));
    }
}
