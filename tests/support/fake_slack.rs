//! A fake Slack on 127.0.0.1 for the bridge tests: `apps.connections.open` (Bearer app token,
//! Slack's `{"ok": ...}` replies) hands out WebSocket URLs; each connection says `hello`, then
//! plays the next script of steps (envelopes, pings, a dropped socket) while recording the
//! acknowledgements the client sends.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};

/// The app token the fake accepts.
pub const APP_TOKEN: &str = "xapp-1-test";

/// What a connection does after `hello`.
#[derive(Debug, Clone)]
pub enum Step {
    /// Send this envelope.
    Send(Value),
    /// A WebSocket ping.
    Ping,
    /// Drop the connection without a close frame (a network failure).
    Drop,
}

#[derive(Default)]
struct Inner {
    opens: usize,
    scripts: VecDeque<Vec<Step>>,
    acks: Vec<String>,
    pongs: usize,
}

#[derive(Clone)]
struct Shared {
    inner: Arc<Mutex<Inner>>,
    base: String,
}

pub struct FakeSlack {
    shared: Shared,
}

/// An `events_api` envelope carrying an `app_mention` with `text`.
pub fn mention(envelope_id: &str, text: &str) -> Value {
    json!({
        "envelope_id": envelope_id,
        "type": "events_api",
        "accepts_response_payload": false,
        "payload": {
            "type": "event_callback",
            "event_id": format!("Ev{envelope_id}"),
            "event_time": 1_700_000_000,
            "event": {"type": "app_mention", "user": "U1", "text": text,
                      "channel": "C1", "ts": "1700000000.000100"}
        }
    })
}

/// Slack asking the client to reconnect.
pub fn disconnect(reason: &str) -> Value {
    json!({"type": "disconnect", "reason": reason, "debug_info": {"host": "fake"}})
}

impl FakeSlack {
    /// Starts the server; each connection plays the next of `scripts` (then only `hello`).
    pub fn start(scripts: Vec<Vec<Step>>) -> FakeSlack {
        let inner = Arc::new(Mutex::new(Inner {
            scripts: scripts.into(),
            ..Inner::default()
        }));
        let mut shared = None;
        super::serve_loopback(|base| {
            let s = Shared {
                inner,
                base: base.to_string(),
            };
            shared = Some(s.clone());
            Router::new()
                .route("/api/apps.connections.open", post(open))
                .route("/link", get(link))
                .with_state(s)
        });
        FakeSlack {
            shared: shared.unwrap(),
        }
    }

    /// The Web API base (`.../api`).
    pub fn api_base(&self) -> String {
        format!("{}/api", self.shared.base)
    }

    /// `apps.connections.open` calls that handed out a URL.
    pub fn opens(&self) -> usize {
        self.shared.inner.lock().unwrap().opens
    }

    /// The envelope ids the client acknowledged, in order.
    pub fn acks(&self) -> Vec<String> {
        self.shared.inner.lock().unwrap().acks.clone()
    }

    pub fn pongs(&self) -> usize {
        self.shared.inner.lock().unwrap().pongs
    }
}

async fn open(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if auth != format!("Bearer {APP_TOKEN}") {
        return axum::Json(json!({"ok": false, "error": "invalid_auth"})).into_response();
    }
    let n = {
        let mut inner = s.inner.lock().unwrap();
        inner.opens += 1;
        inner.opens
    };
    let url = format!("{}/link?ticket={n}", s.base.replace("http://", "ws://"));
    axum::Json(json!({"ok": true, "url": url})).into_response()
}

async fn link(State(s): State<Shared>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| play(s, socket))
}

async fn play(s: Shared, socket: WebSocket) {
    let script = s
        .inner
        .lock()
        .unwrap()
        .scripts
        .pop_front()
        .unwrap_or_default();
    let (mut tx, mut rx) = socket.split();
    let reader = {
        let s = s.clone();
        tokio::spawn(async move {
            while let Some(Ok(m)) = rx.next().await {
                match m {
                    Message::Text(t) => {
                        let v: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
                        if let Some(id) = v["envelope_id"].as_str() {
                            s.inner.lock().unwrap().acks.push(id.to_string());
                        }
                    }
                    Message::Pong(_) => s.inner.lock().unwrap().pongs += 1,
                    Message::Close(_) => break,
                    _ => {}
                }
            }
        })
    };
    let hello = json!({"type": "hello", "num_connections": 1,
        "connection_info": {"app_id": "A1"}, "debug_info": {"host": "fake"}});
    if tx
        .send(Message::Text(hello.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    for step in script {
        tokio::time::sleep(Duration::from_millis(20)).await;
        match step {
            Step::Send(v) => {
                if tx.send(Message::Text(v.to_string().into())).await.is_err() {
                    return;
                }
            }
            Step::Ping => {
                let _ = tx.send(Message::Ping(b"hi".to_vec().into())).await;
            }
            Step::Drop => {
                // Let the acks of what was sent arrive, then vanish.
                tokio::time::sleep(Duration::from_millis(100)).await;
                reader.abort();
                return;
            }
        }
    }
    let _ = reader.await;
}
