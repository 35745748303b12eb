//! The fake Slack's Web API: `auth.test`, `chat.postMessage`, `chat.update` (Bearer bot
//! token, Slack's `{"ok": ...}` replies, faults played first; message metadata kept),
//! `conversations.history` and `conversations.replies` over the bot's messages (GET with
//! query arguments), and the files under `/files/{id}/{name}`.

use std::collections::{HashMap, VecDeque};

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{BOT_TOKEN, BOT_USER, Shared};

/// A message the bot posted, with its edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    pub channel: String,
    pub thread_ts: Option<String>,
    pub ts: String,
    pub text: String,
    /// The texts of `chat.update`, in order.
    pub updates: Vec<String>,
    /// The hidden `metadata` (`{"event_type", "event_payload"}`), replaced by an update
    /// that carries one.
    pub metadata: Option<Value>,
}

impl Posted {
    /// The text shown now: the last update, else the original.
    pub fn current(&self) -> &str {
        self.updates.last().unwrap_or(&self.text)
    }

    /// The message as `conversations.history` lists it (metadata when asked for).
    fn listed(&self, with_metadata: bool) -> Value {
        let mut m = json!({"type": "message", "user": BOT_USER, "bot_id": "BBOT",
                           "app_id": "A1", "text": self.current(), "ts": self.ts});
        if let Some(t) = &self.thread_ts {
            m["thread_ts"] = json!(t);
        }
        if !self.updates.is_empty() {
            m["edited"] = json!({"user": BOT_USER, "ts": self.ts});
        }
        if let (true, Some(meta)) = (with_metadata, &self.metadata) {
            m["metadata"] = meta.clone();
        }
        m
    }
}

/// A file request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    pub id: String,
    pub name: String,
    /// The `Authorization` header it carried.
    pub authorization: Option<String>,
}

pub(super) enum Fault {
    RateLimit(u64),
    Status(u16),
}

pub(super) struct File {
    pub(super) bytes: Vec<u8>,
    /// Sent without `Content-Length`, in chunks.
    pub(super) streamed: bool,
}

pub(super) fn authorization(headers: &HeaderMap) -> Option<String> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

pub(super) fn not_ok(error: &str) -> Response {
    axum::Json(json!({"ok": false, "error": error})).into_response()
}

/// A Slack channel id the fake knows: `C`, `D` or `G` and upper-case letters or digits.
fn known_channel(id: &str) -> bool {
    id.len() > 1
        && id.starts_with(['C', 'D', 'G'])
        && id
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

pub(super) async fn web_api(
    State(s): State<Shared>,
    Path(method): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut inner = s.inner.lock().unwrap();
    *inner.calls.entry(method.clone()).or_default() += 1;
    match inner.faults.get_mut(&method).and_then(VecDeque::pop_front) {
        Some(Fault::RateLimit(secs)) => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", secs.to_string())],
                "",
            )
                .into_response();
        }
        Some(Fault::Status(code)) => {
            return StatusCode::from_u16(code).unwrap().into_response();
        }
        None => {}
    }
    if authorization(&headers) != Some(format!("Bearer {BOT_TOKEN}")) {
        return not_ok("invalid_auth");
    }
    let json_body = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/json"));
    let args: Value = match serde_json::from_slice(&body) {
        Ok(v) if json_body => v,
        _ => return not_ok("invalid_arguments"),
    };
    let text = |key: &str| args[key].as_str().map(str::to_string);
    match method.as_str() {
        "auth.test" => axum::Json(json!({
            "ok": true, "url": "https://fake.slack.com/", "team": "Fake", "user": "pi",
            "team_id": "T1", "user_id": BOT_USER, "bot_id": "BBOT",
            "is_enterprise_install": false
        }))
        .into_response(),
        "chat.postMessage" => {
            let channel = text("channel").unwrap_or_default();
            if !known_channel(&channel) {
                return not_ok("channel_not_found");
            }
            let Some(body) = text("text").filter(|t| !t.is_empty()) else {
                return not_ok("no_text");
            };
            inner.next_ts += 1;
            let ts = format!("1700000000.{:06}", inner.next_ts);
            let thread_ts = text("thread_ts");
            let posted = Posted {
                channel: channel.clone(),
                thread_ts: thread_ts.clone(),
                ts: ts.clone(),
                text: body.clone(),
                updates: Vec::new(),
                metadata: args.get("metadata").filter(|m| m.is_object()).cloned(),
            };
            let message = posted.listed(true);
            inner.messages.push(posted);
            axum::Json(json!({"ok": true, "channel": channel, "ts": ts, "message": message}))
                .into_response()
        }
        "chat.update" => {
            let (channel, ts) = (text("channel").unwrap_or_default(), text("ts"));
            if !known_channel(&channel) {
                return not_ok("channel_not_found");
            }
            let Some(body) = text("text").filter(|t| !t.is_empty()) else {
                return not_ok("no_text");
            };
            let found = inner
                .messages
                .iter_mut()
                .find(|m| m.channel == channel && Some(&m.ts) == ts.as_ref());
            let Some(message) = found else {
                return not_ok("message_not_found");
            };
            message.updates.push(body.clone());
            if let Some(meta) = args.get("metadata").filter(|m| m.is_object()) {
                message.metadata = Some(meta.clone());
            }
            axum::Json(json!({"ok": true, "channel": channel, "ts": ts, "text": body}))
                .into_response()
        }
        _ => not_ok("unknown_method"),
    }
}

/// `GET /api/conversations.history` and `conversations.replies`: the bot's messages in a
/// channel (its top level, newest first) or a thread (oldest first), Slack's shapes.
pub(super) async fn web_read(
    State(s): State<Shared>,
    Path(method): Path<String>,
    Query(args): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let mut inner = s.inner.lock().unwrap();
    *inner.calls.entry(method.clone()).or_default() += 1;
    if inner.missing_scope {
        return not_ok("missing_scope");
    }
    if authorization(&headers) != Some(format!("Bearer {BOT_TOKEN}")) {
        return not_ok("invalid_auth");
    }
    let channel = args.get("channel").cloned().unwrap_or_default();
    if !known_channel(&channel) {
        return not_ok("channel_not_found");
    }
    let with_metadata = args.get("include_all_metadata").map(String::as_str) == Some("true");
    let limit = args
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(100);
    let in_channel = inner.messages.iter().filter(|m| m.channel == channel);
    let messages: Vec<Value> = match method.as_str() {
        "conversations.history" => {
            let top: Vec<&Posted> = in_channel
                .filter(|m| m.thread_ts.as_ref().is_none_or(|t| *t == m.ts))
                .collect();
            top.iter()
                .rev()
                .take(limit)
                .map(|m| m.listed(with_metadata))
                .collect()
        }
        "conversations.replies" => {
            let Some(ts) = args.get("ts") else {
                return not_ok("invalid_arguments");
            };
            // The parent may be a user's message, which the fake does not keep.
            in_channel
                .filter(|m| m.ts == *ts || m.thread_ts.as_ref() == Some(ts))
                .take(limit)
                .map(|m| m.listed(with_metadata))
                .collect()
        }
        _ => return not_ok("unknown_method"),
    };
    axum::Json(json!({"ok": true, "messages": messages, "has_more": false,
                      "response_metadata": {"next_cursor": ""}}))
    .into_response()
}

pub(super) async fn file(
    State(s): State<Shared>,
    Path((id, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let authorization = authorization(&headers);
    let mut inner = s.inner.lock().unwrap();
    inner.downloads.push(Download {
        id: id.clone(),
        name: name.clone(),
        authorization: authorization.clone(),
    });
    if authorization != Some(format!("Bearer {BOT_TOKEN}")) {
        return (
            StatusCode::FORBIDDEN,
            axum::Json(json!({"ok": false, "error": "invalid_auth"})),
        )
            .into_response();
    }
    let Some(file) = inner.files.get(&(id, name)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let content_type = [("content-type", "application/octet-stream")];
    if file.streamed {
        let chunks: Vec<Result<Bytes, std::io::Error>> = file
            .bytes
            .chunks(1024)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        (
            content_type,
            Body::from_stream(futures::stream::iter(chunks)),
        )
            .into_response()
    } else {
        (content_type, file.bytes.clone()).into_response()
    }
}
