//! The HTTP side: routing, auth, recording, and delivering bodies in small chunks with faults.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::conn::ConnKill;
use super::script::{Fault, Reply, Turn, default_fault_turn};
use super::wire::{Frame, encode, interrupted, lead, malformed};
use super::{RecordedRequest, Wire, anthropic, gemini, openai, responses};

/// Everything the handler shares with the test's [`super::FakeProvider`] handle.
pub(super) struct Shared {
    pub api_key: String,
    pub chunk_size: usize,
    pub chunk_delay: Duration,
    pub script: Mutex<Script>,
    pub requests: Mutex<Vec<RecordedRequest>>,
}

/// The replies still to serve.
#[derive(Default)]
pub(super) struct Script {
    pub queue: VecDeque<Reply>,
    pub per_model: HashMap<String, VecDeque<Reply>>,
    pub model_always: HashMap<String, Reply>,
    pub when_empty: Option<Reply>,
}

impl Script {
    /// The model's own queue, then the model's standing reply, then the shared queue.
    fn next(&mut self, model: &str) -> Option<Reply> {
        if let Some(reply) = self.per_model.get_mut(model).and_then(VecDeque::pop_front) {
            return Some(reply);
        }
        if let Some(reply) = self.model_always.get(model) {
            return Some(reply.clone());
        }
        self.queue.pop_front().or_else(|| self.when_empty.clone())
    }

    pub fn remaining(&self) -> usize {
        self.queue.len() + self.per_model.values().map(VecDeque::len).sum::<usize>()
    }
}

pub(super) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Which endpoint a request hit.
struct Route {
    wire: Wire,
    /// The Azure deployment or the Gemini model named in the path.
    path_model: Option<String>,
    /// Gemini says streaming in the path, the others in the body.
    gemini_stream: Option<bool>,
}

fn route(method: &Method, path: &str) -> Option<Route> {
    if method != Method::POST {
        return None;
    }
    if path.ends_with("/responses") {
        // Azure serves the Responses API at `/openai/v1/responses` and, with an
        // `api-version`, at `/openai/responses`; the deployment is the body's `model`.
        let azure = path.ends_with("/openai/responses") || path.ends_with("/openai/v1/responses");
        return Some(Route {
            wire: if azure {
                Wire::AzureResponses
            } else {
                Wire::Responses
            },
            path_model: None,
            gemini_stream: None,
        });
    }
    if path.ends_with("/chat/completions") {
        if let Some((_, rest)) = path.split_once("/openai/deployments/") {
            let deployment = rest.split('/').next().unwrap_or_default().to_string();
            return Some(Route {
                wire: Wire::Azure,
                path_model: Some(deployment),
                gemini_stream: None,
            });
        }
        return Some(Route {
            wire: Wire::OpenAi,
            path_model: None,
            gemini_stream: None,
        });
    }
    if path.ends_with("/v1/messages") {
        return Some(Route {
            wire: Wire::Anthropic,
            path_model: None,
            gemini_stream: None,
        });
    }
    let (_, tail) = path.rsplit_once("/models/")?;
    let (model, action) = tail.rsplit_once(':')?;
    let stream = match action {
        "streamGenerateContent" => true,
        "generateContent" => false,
        _ => return None,
    };
    Some(Route {
        wire: Wire::Gemini,
        path_model: Some(model.to_string()),
        gemini_stream: Some(stream),
    })
}

pub(super) async fn handle(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<ConnKill>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let parsed: Option<Value> = serde_json::from_slice(&bytes).ok();
    let body = parsed.clone().unwrap_or(Value::Null);
    let route = route(&parts.method, parts.uri.path());
    let model = route
        .as_ref()
        .and_then(|r| r.path_model.clone())
        .or_else(|| body["model"].as_str().map(str::to_string))
        .unwrap_or_default();
    let stream = match route.as_ref().and_then(|r| r.gemini_stream) {
        Some(stream) => stream,
        None => body["stream"] == true,
    };
    let recorded = RecordedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: parts.headers,
        body,
        wire: route.as_ref().map(|r| r.wire),
        model,
        stream,
    };
    let request_no = {
        let mut requests = lock(&shared.requests);
        requests.push(recorded.clone());
        requests.len()
    };
    let Some(route) = route else {
        let message = format!(
            "fake provider: no endpoint for {} {}",
            recorded.method, recorded.path
        );
        return json_response(
            404,
            &json!({ "error": { "message": message, "type": "invalid_request_error" } }),
            &[],
        );
    };
    if let Err((status, body)) = check_auth(route.wire, &recorded, &shared.api_key) {
        return json_response(status, &body, &[]);
    }
    if parsed.is_none() {
        let message = "fake provider: the request body is not valid JSON";
        return json_response(400, &error_body(route.wire, 400, Some(message), None), &[]);
    }
    if let Err(message) = super::history::check_tool_pairing(route.wire, &recorded.body) {
        return json_response(400, &error_body(route.wire, 400, Some(&message), None), &[]);
    }
    let reply = lock(&shared.script).next(&recorded.model);
    let reply = reply.unwrap_or_else(|| {
        let message = format!(
            "fake provider: the script is exhausted; no reply left for request #{request_no} (model {:?})",
            recorded.model
        );
        Reply::Fault(Fault::status(500).message(message))
    });
    let answer = Answer {
        wire: route.wire,
        request: &recorded,
        request_no,
    };
    let plan = Plan {
        chunk: shared.chunk_size.max(1),
        delay: shared.chunk_delay,
        cut: None,
        stall: None,
    };
    match reply {
        Reply::Turn(turn) => answer.deliver(&turn, Ending::Normal, plan),
        Reply::Echo => {
            let text = recorded
                .last_user_text()
                .unwrap_or_else(|| "(no user text)".to_string());
            answer.deliver(&Turn::default().text(text), Ending::Normal, plan)
        }
        Reply::Fault(Fault::Status {
            code,
            body,
            message,
            retry_after,
            retry_after_ms,
        }) => {
            let body = body
                .unwrap_or_else(|| error_body(route.wire, code, message.as_deref(), retry_after));
            let mut headers = Vec::new();
            if let Some(secs) = retry_after {
                headers.push(("retry-after", secs.to_string()));
            }
            if let Some(ms) = retry_after_ms {
                headers.push(("retry-after-ms", ms.to_string()));
            }
            json_response(code, &body, &headers)
        }
        Reply::Fault(Fault::DropBeforeBody) => {
            conn.kill();
            Response::new(Body::empty())
        }
        Reply::Fault(Fault::DropMidStream { after_bytes, turn }) => {
            let turn = turn.unwrap_or_else(default_fault_turn);
            answer.deliver(
                &turn,
                Ending::Normal,
                Plan {
                    cut: Some(after_bytes),
                    ..plan
                },
            )
        }
        Reply::Fault(Fault::MalformedEvent { turn }) => {
            let turn = turn.unwrap_or_else(default_fault_turn);
            answer.deliver(&turn, Ending::Malformed, plan)
        }
        Reply::Fault(Fault::ErrorEvent { code, turn }) if recorded.stream => {
            let turn = turn.unwrap_or_else(default_fault_turn);
            answer.deliver(&turn, Ending::ErrorEvent(code), plan)
        }
        Reply::Fault(Fault::ErrorEvent { code, .. }) => {
            json_response(code, &error_body(route.wire, code, None, None), &[])
        }
        Reply::Fault(Fault::Stall {
            after_bytes,
            for_ms,
            turn,
        }) => {
            let turn = turn.unwrap_or_else(default_fault_turn);
            let stall = Some((after_bytes, Duration::from_millis(for_ms)));
            answer.deliver(&turn, Ending::Normal, Plan { stall, ..plan })
        }
    }
}

fn check_auth(wire: Wire, request: &RecordedRequest, key: &str) -> Result<(), (u16, Value)> {
    match wire {
        Wire::OpenAi | Wire::Responses => openai::check_auth(request.header("authorization"), key),
        Wire::Azure => {
            let has_version = request.query_param("api-version").is_some();
            openai::check_azure(request.header("api-key"), has_version, key)
        }
        Wire::AzureResponses => {
            // The v1 path needs no version; the older one does.
            let has_version = request.path.ends_with("/openai/v1/responses")
                || request.query_param("api-version").is_some();
            openai::check_azure(request.header("api-key"), has_version, key)
        }
        Wire::Anthropic => anthropic::check_auth(
            request.header("x-api-key"),
            request.header("anthropic-version"),
            key,
        ),
        Wire::Gemini => {
            let query_key = request.query_param("key");
            gemini::check_auth(request.header("x-goog-api-key"), query_key.as_deref(), key)
        }
    }
}

fn error_body(wire: Wire, status: u16, message: Option<&str>, retry_after: Option<u64>) -> Value {
    match wire {
        Wire::OpenAi | Wire::Azure | Wire::Responses | Wire::AzureResponses => {
            openai::error(status, message)
        }
        Wire::Anthropic => anthropic::error(status, message),
        Wire::Gemini => gemini::error(status, message, retry_after),
    }
}

fn json_response(status: u16, body: &Value, headers: &[(&'static str, String)]) -> Response {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let map = response.headers_mut();
    map.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(value) {
            map.insert(*name, value);
        }
    }
    response
}

/// A turn rendered for one request.
struct Answer<'a> {
    wire: Wire,
    request: &'a RecordedRequest,
    request_no: usize,
}

impl Answer<'_> {
    fn responses(&self) -> responses::Render<'_> {
        responses::Render::new(&self.request.body, &self.request.model, self.request_no)
    }

    /// The SSE events of the turn, or `None` when the request asked for one JSON document.
    fn frames(&self, turn: &Turn) -> Option<Vec<Frame>> {
        let model = self.request.model.as_str();
        let n = self.request_no;
        match self.wire {
            _ if !self.request.stream => None,
            Wire::OpenAi | Wire::Azure => {
                let include_usage = self.request.body["stream_options"]["include_usage"] == true;
                Some(openai::stream(turn, model, n, include_usage))
            }
            Wire::Responses | Wire::AzureResponses => Some(self.responses().stream(turn)),
            Wire::Anthropic => Some(anthropic::stream(turn, model, n)),
            Wire::Gemini if self.request.query_param("alt").as_deref() == Some("sse") => {
                Some(gemini::stream(turn, model, n))
            }
            Wire::Gemini => None,
        }
    }

    /// A JSON document: the whole turn, or for Gemini streaming without `alt=sse` an array of
    /// the stream's documents.
    fn document(&self, turn: &Turn) -> String {
        let model = self.request.model.as_str();
        let n = self.request_no;
        match self.wire {
            Wire::OpenAi | Wire::Azure => openai::complete(turn, model, n).to_string(),
            Wire::Responses | Wire::AzureResponses => self.responses().complete(turn).to_string(),
            Wire::Anthropic => anthropic::complete(turn, model, n).to_string(),
            Wire::Gemini if self.request.stream => {
                let docs: Vec<String> = gemini::stream_documents(turn, model, n)
                    .iter()
                    .map(Value::to_string)
                    .collect();
                format!("[{}]", docs.join(",\r\n"))
            }
            Wire::Gemini => gemini::complete(turn, model, n).to_string(),
        }
    }

    fn deliver(&self, turn: &Turn, ending: Ending, plan: Plan) -> Response {
        let malformed_json = ending == Ending::Malformed;
        let (bytes, content_type) = match self.frames(turn) {
            Some(frames) => {
                let frames = match ending {
                    Ending::Normal => frames,
                    Ending::Malformed => malformed(&frames),
                    Ending::ErrorEvent(code) => {
                        let error = match self.wire {
                            Wire::Anthropic => {
                                Frame::event("error", anthropic::stream_error(code).to_string())
                            }
                            Wire::Responses | Wire::AzureResponses => {
                                self.responses().failed(code, lead(&frames))
                            }
                            wire => Frame::data(error_body(wire, code, None, None).to_string()),
                        };
                        interrupted(&frames, error)
                    }
                };
                (
                    encode(&frames, self.wire == Wire::Gemini),
                    "text/event-stream; charset=utf-8",
                )
            }
            None => {
                let mut doc = self.document(turn);
                if malformed_json {
                    let mut cut = doc.len() / 2;
                    while !doc.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    doc.truncate(cut);
                }
                (doc.into_bytes(), "application/json")
            }
        };
        let stream = futures::stream::unfold(
            Delivery {
                bytes: Bytes::from(bytes),
                pos: 0,
                done: false,
                plan,
            },
            |mut d| async move { d.next().await.map(|item| (item, d)) },
        );
        let mut response = Response::new(Body::from_stream(stream));
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        response
    }
}

/// How a rendered turn ends.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ending {
    Normal,
    /// The first events, then one whose JSON is cut in half.
    Malformed,
    /// The first events, then the format's in-stream error event with this status's error.
    ErrorEvent(u16),
}

/// How a body is sent: chunk size and delay, and an optional cut or stall at a byte offset.
#[derive(Clone, Copy)]
struct Plan {
    chunk: usize,
    delay: Duration,
    /// Drop the connection after this many bytes.
    cut: Option<usize>,
    /// After this many bytes, send nothing for this long.
    stall: Option<(usize, Duration)>,
}

struct Delivery {
    bytes: Bytes,
    pos: usize,
    done: bool,
    plan: Plan,
}

impl Delivery {
    async fn next(&mut self) -> Option<io::Result<Bytes>> {
        if self.done {
            return None;
        }
        if let Some((at, pause)) = self.plan.stall
            && self.pos >= at.min(self.bytes.len())
        {
            self.plan.stall = None;
            tokio::time::sleep(pause).await;
        }
        let end = self
            .plan
            .cut
            .map_or(self.bytes.len(), |cut| cut.min(self.bytes.len()));
        if self.pos >= end {
            self.done = true;
            if self.plan.cut.is_some() {
                // Give hyper a moment to write what it holds: on the error below it closes the
                // connection at once and discards anything still buffered.
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            return self.plan.cut.map(|_| {
                Err(io::Error::new(
                    io::ErrorKind::ConnectionAborted,
                    "fake provider: dropped mid-stream",
                ))
            });
        }
        let mut stop = end.min(self.pos + self.plan.chunk);
        if let Some((at, _)) = self.plan.stall
            && at > self.pos
        {
            stop = stop.min(at);
        }
        if self.pos > 0 && !self.plan.delay.is_zero() {
            tokio::time::sleep(self.plan.delay).await;
        }
        let piece = self.bytes.slice(self.pos..stop);
        self.pos = stop;
        Some(Ok(piece))
    }
}
