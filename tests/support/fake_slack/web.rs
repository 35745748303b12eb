//! The fake Slack's Web API: `auth.test`, `chat.postMessage`, `chat.update` (Bearer bot
//! token, Slack's `{"ok": ...}` replies, faults played first) and the files under
//! `/files/{id}/{name}`.

use std::collections::VecDeque;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
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
}

impl Posted {
    /// The text shown now: the last update, else the original.
    pub fn current(&self) -> &str {
        self.updates.last().unwrap_or(&self.text)
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
            inner.messages.push(Posted {
                channel: channel.clone(),
                thread_ts: thread_ts.clone(),
                ts: ts.clone(),
                text: body.clone(),
                updates: Vec::new(),
            });
            let mut message = json!({"type": "message", "user": BOT_USER, "bot_id": "BBOT",
                                     "text": body, "ts": ts});
            if let Some(t) = thread_ts {
                message["thread_ts"] = json!(t);
            }
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
            axum::Json(json!({"ok": true, "channel": channel, "ts": ts, "text": body}))
                .into_response()
        }
        _ => not_ok("unknown_method"),
    }
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
