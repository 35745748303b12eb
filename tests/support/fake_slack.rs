//! A fake Slack on 127.0.0.1 for the bridge tests.
//!
//! Socket Mode: `apps.connections.open` (Bearer app token) hands out WebSocket URLs; each
//! connection says `hello`, then plays the next script of steps (envelopes, pings, waits, a
//! dropped socket) while recording the acknowledgements the client sends. A test can also
//! `push` envelopes to the live connection (held until the next `hello` when there is none)
//! and `drop_connection` at any time.
//!
//! Web API (`fake_slack/web.rs`; Bearer bot token, Slack's `{"ok": ...}` replies):
//! `auth.test`, `chat.postMessage`, `chat.update` (with message metadata),
//! `conversations.history` and `conversations.replies` over the bot's messages, and files
//! under `/files/{id}/{name}`; messages and downloads are recorded, a method can be made to
//! answer 429 or a status once, and the history methods can be refused for a missing scope.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
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
use tokio::sync::mpsc;

pub use web::{Download, Posted};
use web::{Fault, File, authorization, file, not_ok, web_api, web_read};

mod web;

/// The app token the fake accepts.
pub const APP_TOKEN: &str = "xapp-1-test";
/// The bot token the fake accepts.
pub const BOT_TOKEN: &str = "xoxb-test";
/// The bot's user id (`auth.test`).
pub const BOT_USER: &str = "UBOT";

/// What a connection does after `hello`.
#[derive(Debug, Clone)]
pub enum Step {
    /// Send this envelope.
    Send(Value),
    /// A WebSocket ping.
    Ping,
    /// Drop the connection without a close frame (a network failure).
    Drop,
    /// Wait before the next step (pushed envelopes still go out).
    Wait(Duration),
}

enum Control {
    Send(Value),
    Drop,
}

#[derive(Default)]
struct Inner {
    opens: usize,
    scripts: VecDeque<Vec<Step>>,
    acks: Vec<String>,
    pongs: usize,
    /// The live connection's number and its control channel.
    live: Option<(usize, mpsc::UnboundedSender<Control>)>,
    connections: usize,
    pending: Vec<Value>,
    messages: Vec<Posted>,
    next_ts: u64,
    calls: HashMap<String, usize>,
    faults: HashMap<String, VecDeque<Fault>>,
    files: HashMap<(String, String), File>,
    downloads: Vec<Download>,
    /// `conversations.*` answer `missing_scope` (an app without the history scopes).
    missing_scope: bool,
}

#[derive(Clone)]
struct Shared {
    inner: Arc<Mutex<Inner>>,
    base: String,
}

pub struct FakeSlack {
    shared: Shared,
}

static SEQ: AtomicU64 = AtomicU64::new(1);

/// Now, and a fresh message `ts` for it.
fn now_and_ts() -> (u64, String) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    (
        now,
        format!("{now}.{:06}", SEQ.fetch_add(1, Ordering::Relaxed)),
    )
}

/// An `events_api` envelope carrying `event` (its `ts` and time are now).
fn events_api(envelope_id: &str, mut event: Value) -> Value {
    let (now, ts) = now_and_ts();
    event["ts"] = json!(ts);
    event["event_ts"] = json!(ts);
    json!({
        "envelope_id": envelope_id,
        "type": "events_api",
        "accepts_response_payload": false,
        "payload": {
            "type": "event_callback",
            "team_id": "T1",
            "api_app_id": "A1",
            "event_id": format!("Ev{envelope_id}"),
            "event_time": now,
            "event": event,
        }
    })
}

/// An `app_mention` by `U1` in `C1` with `text`.
pub fn mention(envelope_id: &str, text: &str) -> Value {
    events_api(
        envelope_id,
        json!({"type": "app_mention", "user": "U1", "text": text, "channel": "C1"}),
    )
}

/// A direct message (`message` in an `im` channel) from `user` in `channel`.
pub fn dm(envelope_id: &str, user: &str, channel: &str, text: &str) -> Value {
    events_api(
        envelope_id,
        json!({"type": "message", "channel_type": "im", "user": user, "text": text,
               "channel": channel}),
    )
}

/// `envelope` with its event in the thread `thread_ts`.
pub fn in_thread(mut envelope: Value, thread_ts: &str) -> Value {
    envelope["payload"]["event"]["thread_ts"] = json!(thread_ts);
    envelope
}

/// `envelope` with a file attached (`url` from [`FakeSlack::add_file`]).
pub fn with_file(mut envelope: Value, id: &str, name: &str, url: &str, size: u64) -> Value {
    let event = &mut envelope["payload"]["event"];
    if !event["files"].is_array() {
        event["files"] = json!([]);
    }
    if let Some(files) = event["files"].as_array_mut() {
        files.push(
            json!({"id": id, "name": name, "mimetype": "text/plain", "size": size,
                          "url_private": url, "url_private_download": url}),
        );
    }
    envelope
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
                .route("/api/{method}", post(web_api).get(web_read))
                .route("/files/{id}/{name}", get(file))
                .route("/link", get(link))
                .with_state(s)
        });
        FakeSlack {
            shared: shared.unwrap(),
        }
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.shared.inner.lock().unwrap()
    }

    /// The Web API base (`.../api`).
    pub fn api_base(&self) -> String {
        format!("{}/api", self.shared.base)
    }

    /// `apps.connections.open` calls that handed out a URL.
    pub fn opens(&self) -> usize {
        self.inner().opens
    }

    /// The envelope ids the client acknowledged, in order.
    pub fn acks(&self) -> Vec<String> {
        self.inner().acks.clone()
    }

    pub fn pongs(&self) -> usize {
        self.inner().pongs
    }

    /// Whether a socket is connected now.
    pub fn connected(&self) -> bool {
        self.inner().live.is_some()
    }

    /// Sends `envelope` on the live connection, or on the next one after its `hello`.
    pub fn push(&self, envelope: Value) {
        let mut inner = self.inner();
        let envelope = match &inner.live {
            Some((_, tx)) => match tx.send(Control::Send(envelope)) {
                Ok(()) => return,
                Err(mpsc::error::SendError(Control::Send(v))) => v,
                Err(_) => return,
            },
            None => envelope,
        };
        inner.pending.push(envelope);
    }

    /// Drops the live connection without a close frame.
    pub fn drop_connection(&self) {
        if let Some((_, tx)) = &self.inner().live {
            let _ = tx.send(Control::Drop);
        }
    }

    /// What the bot posted, in order, with its edits.
    pub fn messages(&self) -> Vec<Posted> {
        self.inner().messages.clone()
    }

    /// Requests to Web API `method` (`chat.postMessage`), faults and refusals included.
    pub fn calls(&self, method: &str) -> usize {
        self.inner().calls.get(method).copied().unwrap_or(0)
    }

    /// The next call to `method` answers 429 with `Retry-After: retry_after_secs`.
    pub fn rate_limit_once(&self, method: &str, retry_after_secs: u64) {
        self.add_fault(method, Fault::RateLimit(retry_after_secs));
    }

    /// The next call to `method` answers HTTP `status`.
    pub fn fail_once(&self, method: &str, status: u16) {
        self.add_fault(method, Fault::Status(status));
    }

    fn add_fault(&self, method: &str, fault: Fault) {
        let mut inner = self.inner();
        inner
            .faults
            .entry(method.to_string())
            .or_default()
            .push_back(fault);
    }

    /// Serves `bytes` (with `Content-Length`) at the returned `url_private_download`.
    pub fn add_file(&self, id: &str, name: &str, bytes: Vec<u8>) -> String {
        self.put_file(id, name, bytes, false)
    }

    /// Like [`FakeSlack::add_file`], but sent in chunks without `Content-Length`.
    pub fn add_file_streamed(&self, id: &str, name: &str, bytes: Vec<u8>) -> String {
        self.put_file(id, name, bytes, true)
    }

    fn put_file(&self, id: &str, name: &str, bytes: Vec<u8>, streamed: bool) -> String {
        let key = (id.to_string(), name.to_string());
        self.inner().files.insert(key, File { bytes, streamed });
        format!("{}/files/{id}/{name}", self.shared.base)
    }

    /// Makes `conversations.history` and `conversations.replies` answer `missing_scope`.
    pub fn without_history_scope(&self) {
        self.inner().missing_scope = true;
    }

    /// The file requests, in order.
    pub fn downloads(&self) -> Vec<Download> {
        self.inner().downloads.clone()
    }
}

async fn open(State(s): State<Shared>, headers: HeaderMap) -> Response {
    if authorization(&headers) != Some(format!("Bearer {APP_TOKEN}")) {
        return not_ok("invalid_auth");
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
    let mut reader = {
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
    // From `hello` on, pushes come here; those held for this connection go first.
    let (control, mut controls) = mpsc::unbounded_channel();
    let number = {
        let mut inner = s.inner.lock().unwrap();
        inner.connections += 1;
        for v in inner.pending.drain(..) {
            let _ = control.send(Control::Send(v));
        }
        inner.live = Some((inner.connections, control));
        inner.connections
    };
    let mut steps: VecDeque<Step> = script.into();
    let mut next_at = tokio::time::Instant::now() + Duration::from_millis(20);
    loop {
        let step = tokio::select! {
            _ = &mut reader => break,
            c = controls.recv() => match c {
                Some(Control::Send(v)) => Step::Send(v),
                Some(Control::Drop) | None => Step::Drop,
            },
            () = tokio::time::sleep_until(next_at), if !steps.is_empty() => {
                next_at = tokio::time::Instant::now() + Duration::from_millis(20);
                match steps.pop_front() {
                    Some(step) => step,
                    None => continue,
                }
            }
        };
        match step {
            Step::Send(v) => {
                if tx.send(Message::Text(v.to_string().into())).await.is_err() {
                    break;
                }
            }
            Step::Ping => {
                let _ = tx.send(Message::Ping(b"hi".to_vec().into())).await;
            }
            Step::Wait(d) => next_at = tokio::time::Instant::now() + d,
            Step::Drop => {
                // Let the acks of what was sent arrive, then vanish.
                tokio::time::sleep(Duration::from_millis(100)).await;
                reader.abort();
                break;
            }
        }
    }
    // No longer live: what was pushed but not sent waits for the next connection.
    let mut inner = s.inner.lock().unwrap();
    if inner.live.as_ref().is_some_and(|(n, _)| *n == number) {
        inner.live = None;
    }
    while let Ok(c) = controls.try_recv() {
        if let Control::Send(v) = c {
            inner.pending.push(v);
        }
    }
}
