//! A fake LLM provider: an axum server on `127.0.0.1:0` that speaks the real wire formats of
//! OpenAI Chat Completions, the OpenAI Responses API, Anthropic Messages and Google Gemini,
//! streamed in small chunks that split SSE events at arbitrary byte positions, and that injects
//! faults on cue.
//!
//! ```ignore
//! let fake = FakeProvider::builder()
//!     .chunk_size(9)
//!     .reply(Reply::turn().text("I'll create it.").tool_call("write", json!({"path": "hello.txt", "content": "hi\n"})))
//!     .reply(Reply::fault(Fault::status(429).retry_after(1)))
//!     .reply(Reply::text("Done."))
//!     .start_blocking(); // or `.start().await` inside a tokio test
//! // OpenAI-style clients: fake.openai_base_url() == format!("{}/v1", fake.base_url());
//! // Anthropic and Gemini clients: fake.base_url().
//! assert_eq!(fake.requests()[0].header("authorization"), Some("Bearer test-key"));
//! assert_eq!(fake.remaining(), 0);
//! ```
//!
//! Endpoints (POST only; anything else is a 404 that is still recorded):
//! - `…/chat/completions`: OpenAI (`Authorization: Bearer <key>`); under
//!   `/openai/deployments/{deployment}/` it is Azure (`api-key` header, `api-version` query).
//!   `"stream": true` streams `chat.completion.chunk` events and `data: [DONE]`, with a final
//!   usage chunk when `stream_options.include_usage` is true; otherwise one `chat.completion`.
//! - `…/responses`: the OpenAI Responses API (`Authorization: Bearer <key>`); at
//!   `/openai/v1/responses`, or `/openai/responses` with an `api-version` query, it is Azure
//!   (`api-key` header; the deployment is the body's `model`). `"stream": true` streams typed
//!   events (`event:` line and `data:` with the same `type` and a rising `sequence_number`):
//!   `response.created`, `response.in_progress`, then per part an output item (`reasoning`
//!   `rs_…`, `message` `msg_…`, `function_call` `fc_…`) from `response.output_item.added` through
//!   its deltas to `response.output_item.done`, then `response.completed` (or
//!   `response.incomplete` for [`StopReason::MaxTokens`]) with the whole response and its usage;
//!   no `[DONE]`. Reasoning summaries stream only when the request sets `reasoning.summary`;
//!   reasoning items carry `encrypted_content` only when `include` asks for
//!   `reasoning.encrypted_content`. Otherwise one `response` document.
//! - `…/v1/messages`: Anthropic (`x-api-key` and `anthropic-version`), event-typed SSE or one
//!   `message`.
//! - `…/models/{model}:streamGenerateContent?alt=sse` (CRLF-framed SSE; without `alt=sse` a JSON
//!   array) and `…/models/{model}:generateContent`: Gemini (`x-goog-api-key` or `?key=`).
//!
//! A wrong or missing key gets the provider's real error: OpenAI 401 `invalid_api_key`, Azure
//! 401, Anthropic 401 `authentication_error` (400 without `anthropic-version`), Gemini 400
//! `API_KEY_INVALID` (403 `PERMISSION_DENIED` with no key at all).
//!
//! Faults ([`Fault`]): `status(code)` with `.retry_after(s)`, `.retry_after_ms(ms)`,
//! `.message(..)` or `.body(json)`; `drop_mid_stream(bytes)`, `drop_before_body()`,
//! `malformed_event()`, `error_event(code)` and `stall(bytes, ms)`, the stream ones breaking a
//! default text turn or `.during(turn)`. On the Responses API `error_event` is a
//! `response.failed` event after the first text delta.
//!
//! Replies are served one per request, whatever the format: first from the queue of the
//! requested model ([`FakeProviderBuilder::model_reply`]), then that model's standing reply
//! ([`FakeProviderBuilder::model_always`]), then the shared queue, then the `when_empty` reply.
//! With nothing left the server answers 500 with an error saying the script is exhausted.
//! Requests refused for auth or bad JSON are recorded but consume no reply. Ids are stable:
//! the n-th recorded request (from 1, refused ones included) gets tool call ids
//! `call_fake{n:04}x{i:02}` (OpenAI, both APIs; `i` counts tool calls) and
//! `toolu_fake{n:04}x{i:02}` (Anthropic); its Responses API output items are
//! `rs_fake{n:04}x{i:02}`, `msg_fake{n:04}x{i:02}` and `fc_fake{n:04}x{i:02}` (`i` is the output
//! index), its response `resp_fake{n:04}`, its encrypted reasoning `gAAAAB-fake-{n:04}x{i:02}`.
//! A turn without usage reports 10 input and 5 output tokens.
#![allow(
    dead_code,
    unused_imports,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

mod anthropic;
mod conn;
mod gemini;
mod history;
mod openai;
mod responses;
mod script;
mod server;
mod wire;

#[cfg(test)]
mod selftest;

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use axum::Router;
use axum::http::HeaderMap;
use serde_json::Value;
use tokio::sync::oneshot;

pub use script::{Fault, Part, Reply, StopReason, Turn, Usage};

use conn::{ConnKill, FakeListener};
use server::{Script, Shared, lock};

/// The wire format of the endpoint a request hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wire {
    /// OpenAI Chat Completions.
    OpenAi,
    /// Azure OpenAI Chat Completions under `/openai/deployments/{deployment}/`.
    Azure,
    /// The OpenAI Responses API (`…/responses`).
    Responses,
    /// The Responses API on Azure (`/openai/v1/responses`, or `/openai/responses?api-version=`).
    AzureResponses,
    Anthropic,
    Gemini,
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    /// The parsed JSON body; `Null` when the body was not JSON.
    pub body: Value,
    /// `None` when no endpoint matched.
    pub wire: Option<Wire>,
    /// The body's `model`, or the Azure deployment / Gemini model of the path.
    pub model: String,
    /// Whether a streamed answer was asked for.
    pub stream: bool,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// A percent-decoded query parameter.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query.as_deref()?.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key) == name).then(|| percent_decode(value))
        })
    }

    /// The text of the last user message, read in the request's own format.
    pub fn last_user_text(&self) -> Option<String> {
        match self.wire? {
            Wire::OpenAi | Wire::Azure => openai::last_user_text(&self.body),
            Wire::Responses | Wire::AzureResponses => responses::last_user_text(&self.body),
            Wire::Anthropic => anthropic::last_user_text(&self.body),
            Wire::Gemini => gemini::last_user_text(&self.body),
        }
    }
}

fn percent_decode(text: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16);
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((high * 16 + low) as u8);
            i += 3;
            continue;
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Configures and starts a [`FakeProvider`].
pub struct FakeProviderBuilder {
    api_key: String,
    chunk_size: usize,
    chunk_delay: Duration,
    script: Script,
}

impl FakeProviderBuilder {
    /// The key every request must carry (default `"test-key"`).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = key.into();
        self
    }

    /// Bytes per body chunk (default 11).
    pub fn chunk_size(mut self, bytes: usize) -> Self {
        self.chunk_size = bytes.max(1);
        self
    }

    /// A pause before every body chunk after the first (default none).
    pub fn chunk_delay(mut self, delay: Duration) -> Self {
        self.chunk_delay = delay;
        self
    }

    /// Queues a reply for the next request of any model.
    pub fn reply(mut self, reply: impl Into<Reply>) -> Self {
        self.script.queue.push_back(reply.into());
        self
    }

    /// Queues a reply served only to requests for `model`, before the shared queue.
    pub fn model_reply(mut self, model: impl Into<String>, reply: impl Into<Reply>) -> Self {
        self.script
            .per_model
            .entry(model.into())
            .or_default()
            .push_back(reply.into());
        self
    }

    /// Serves `reply` to every request for `model` once its own queue is empty.
    pub fn model_always(mut self, model: impl Into<String>, reply: impl Into<Reply>) -> Self {
        self.script.model_always.insert(model.into(), reply.into());
        self
    }

    /// Serves `reply` to every request once all queues are empty (default: a 500 error).
    pub fn when_empty(mut self, reply: impl Into<Reply>) -> Self {
        self.script.when_empty = Some(reply.into());
        self
    }

    fn into_shared(self) -> Arc<Shared> {
        Arc::new(Shared {
            api_key: self.api_key,
            chunk_size: self.chunk_size,
            chunk_delay: self.chunk_delay,
            script: Mutex::new(self.script),
            requests: Mutex::new(Vec::new()),
        })
    }

    /// Starts the server as a task on the current tokio runtime.
    pub async fn start(self) -> FakeProvider {
        let shared = self.into_shared();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake provider");
        let addr = listener.local_addr().expect("fake provider address");
        let (stop, stopped) = oneshot::channel();
        tokio::spawn(serve(FakeListener(listener), shared.clone(), stopped));
        FakeProvider {
            shared,
            addr,
            stop: Some(stop),
            thread: None,
        }
    }

    /// Starts the server on a background thread with its own runtime; for tests without one.
    pub fn start_blocking(self) -> FakeProvider {
        let shared = self.into_shared();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the fake provider");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("fake provider address");
        let (stop, stopped) = oneshot::channel();
        let state = shared.clone();
        let thread = std::thread::Builder::new()
            .name("fake-provider".to_string())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("fake provider runtime");
                runtime.block_on(async move {
                    let listener =
                        tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                    serve(FakeListener(listener), state, stopped).await;
                });
            })
            .expect("spawn the fake provider thread");
        FakeProvider {
            shared,
            addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

async fn serve(listener: FakeListener, shared: Arc<Shared>, stopped: oneshot::Receiver<()>) {
    let app = Router::new().fallback(server::handle).with_state(shared);
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<ConnKill>(),
    );
    tokio::select! {
        _ = server.into_future() => {}
        _ = stopped => {}
    }
}

/// A running fake provider; stops when dropped.
pub struct FakeProvider {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeProvider {
    pub fn builder() -> FakeProviderBuilder {
        FakeProviderBuilder {
            api_key: "test-key".to_string(),
            chunk_size: 11,
            chunk_delay: Duration::ZERO,
            script: Script::default(),
        }
    }

    /// A builder whose server answers every request with its last user message's text.
    pub fn echo() -> FakeProviderBuilder {
        FakeProvider::builder().when_empty(Reply::echo())
    }

    /// `http://127.0.0.1:PORT`: the base for Anthropic and Gemini clients.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/v1`: the base for OpenAI-style clients.
    pub fn openai_base_url(&self) -> String {
        format!("{}/v1", self.base_url())
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// Queued replies not yet served (standing and `when_empty` replies are not counted).
    pub fn remaining(&self) -> usize {
        lock(&self.shared.script).remaining()
    }

    /// Queues one more reply on the shared queue of a running server.
    pub fn push_reply(&self, reply: impl Into<Reply>) {
        lock(&self.shared.script).queue.push_back(reply.into());
    }
}

impl Drop for FakeProvider {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl FakeProviderBuilder {
    /// Queues the 4-turn coding task of the one-shot tests and benchmark: write `hello.txt`;
    /// bash and read in parallel; edit it; answer.
    pub fn four_turn_task(self) -> Self {
        self.reply(Reply::turn().text("I'll create it.").tool_call(
            "write",
            serde_json::json!({"path": "hello.txt", "content": "hello world\n"}),
        ))
        .reply(
            Reply::turn()
                .tool_call(
                    "bash",
                    serde_json::json!({"command": "cat hello.txt && echo BASH_OK"}),
                )
                .tool_call("read", serde_json::json!({"path": "hello.txt"})),
        )
        .reply(Reply::turn().tool_call(
            "edit",
            serde_json::json!({"path": "hello.txt", "oldText": "world", "newText": "rust"}),
        ))
        .reply(Reply::text("All done: hello.txt now says hello rust."))
    }
}
