//! The Slack Web API calls the bridge makes with the bot token: `auth.test` (who the bot is),
//! `chat.postMessage` and `chat.update` (the reply, posted then edited as the run goes, with
//! pi's [`Marker`] as hidden message metadata), `conversations.history` and
//! `conversations.replies` (finding a marked reply again, `web_replies.rs`), and downloading
//! a message's files. Methods are `POST {api_base}/METHOD` with a JSON body and
//! `Authorization: Bearer xoxb-...`; Slack answers HTTP 200 with `{"ok": true, ...}` or
//! `{"ok": false, "error": "..."}`. A 429 is retried after its `Retry-After`, a 5xx after a
//! short backoff, a few times; a wait longer than the client's maximum is returned as
//! [`SlackError::RateLimited`] for the caller to honour. The token is never logged, shown in
//! `Debug` or in an error, and is only ever sent to the API host or Slack's file host.

use std::borrow::Cow;
use std::path::Path;
use std::time::Duration;

use reqwest::header::{HeaderValue, RETRY_AFTER};
use reqwest::{RequestBuilder, Response, StatusCode, Url};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

pub use replies::FoundReply;

#[path = "web_replies.rs"]
mod replies;

/// Slack truncates message text past this many characters; pi cuts it first, visibly.
pub const TEXT_LIMIT: usize = 40_000;
/// Where Slack serves `url_private_download` files.
const FILE_HOST: &str = "https://files.slack.com";
/// The first wait after a server error; doubled on each retry.
const SERVER_BACKOFF: Duration = Duration::from_millis(500);
/// The wait after a 429 without a (readable) `Retry-After`.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// Why a Slack call failed, in one line without the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlackError {
    /// Slack answered `{"ok": false, "error": ...}`: the error code (`channel_not_found`).
    #[error("Slack refused the request: {}{}", .0, hint(.0))]
    Api(String),
    /// Still rate limited after the retries (or asked to wait longer than the client will).
    #[error("Slack is rate limiting the bot; retry in {}s", wait.as_secs().max(1))]
    RateLimited { wait: Duration },
    /// An unexpected HTTP status (5xx after the retries, 4xx).
    #[error("Slack answered HTTP {0}")]
    Status(u16),
    /// No answer (connection refused, timeout, TLS).
    #[error("cannot reach Slack: {0}")]
    Network(String),
    /// The answer was not the JSON expected.
    #[error("unexpected answer from Slack: {0}")]
    Decode(String),
    /// A file larger than the download limit.
    #[error("the file is larger than the {limit}-byte download limit")]
    TooLarge { limit: u64 },
    /// Not attempted: a file URL on another host, a bad API base or token.
    #[error("{0}")]
    Refused(String),
    /// The downloaded file could not be written.
    #[error("cannot save the file: {0}")]
    Io(String),
}

/// What to do about the error codes a user can fix.
fn hint(code: &str) -> &'static str {
    match code {
        "invalid_auth" | "not_authed" | "token_revoked" | "account_inactive" => {
            " (check PI_SLACK_BOT_TOKEN: the bot token, xoxb-...)"
        }
        "missing_scope" => {
            " (give the app the scopes chat:write, files:read, channels:history, groups:history, im:history and mpim:history)"
        }
        "channel_not_found" | "not_in_channel" => " (invite the bot to the channel)",
        _ => "",
    }
}

/// `auth.test`: who the bot is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthInfo {
    /// The bot's user id (`U...`): mentions of it address pi.
    pub user_id: String,
    pub bot_id: Option<String>,
    /// The workspace's name.
    pub team: Option<String>,
}

/// The `event_type` of the metadata on every message pi posts.
pub const MARKER_EVENT: &str = "rust_pi_reply";

/// pi's hidden mark on a message it posts (Slack message metadata): the event key it
/// answers and whether the answer is final. A restarted bridge that lost its state finds
/// it again with [`SlackWeb::find_replies`] and does not answer twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    pub reply_to: String,
    /// `false` on the "working…" message, `true` on answers and plain replies.
    pub done: bool,
}

impl Marker {
    pub fn new(reply_to: &str, done: bool) -> Marker {
        Marker {
            reply_to: reply_to.to_string(),
            done,
        }
    }

    /// The `metadata` argument of `chat.postMessage` and `chat.update`.
    pub fn metadata(&self) -> Value {
        json!({
            "event_type": MARKER_EVENT,
            "event_payload": { "reply_to": self.reply_to, "done": self.done },
        })
    }

    /// The marker in a message's `metadata`, if pi put one there.
    pub fn from_metadata(metadata: &Value) -> Option<Marker> {
        if metadata["event_type"].as_str() != Some(MARKER_EVENT) {
            return None;
        }
        let payload = &metadata["event_payload"];
        Some(Marker {
            reply_to: payload["reply_to"].as_str()?.to_string(),
            done: payload["done"].as_bool().unwrap_or(false),
        })
    }
}

/// A Web API client for one workspace, authenticated with the bot token.
#[derive(Clone)]
pub struct SlackWeb {
    http: reqwest::Client,
    api_base: String,
    /// `Bearer xoxb-...`, marked sensitive.
    auth: HeaderValue,
    token: String,
    max_retries: u32,
    max_wait: Duration,
}

impl std::fmt::Debug for SlackWeb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackWeb")
            .field("api_base", &self.api_base)
            .field("token", &"<redacted>")
            .field("max_retries", &self.max_retries)
            .field("max_wait", &self.max_wait)
            .finish()
    }
}

impl SlackWeb {
    /// A client for `api_base` (`https://slack.com/api`; tests: a local fake) with the bot
    /// token; 3 retries, waits of at most a minute.
    pub fn new(api_base: &str, bot_token: String) -> Result<SlackWeb, SlackError> {
        let api_base = api_base.trim_end_matches('/').to_string();
        Url::parse(&api_base)
            .map_err(|e| SlackError::Refused(format!("Slack API base `{api_base}`: {e}")))?;
        let token = bot_token.trim().to_string();
        let mut auth = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
            SlackError::Refused("the Slack bot token is not a valid header value".into())
        })?;
        auth.set_sensitive(true);
        let http = crate::ai::http::client().map_err(|e| SlackError::Network(e.to_string()))?;
        Ok(SlackWeb {
            http,
            api_base,
            auth,
            token,
            max_retries: 3,
            max_wait: Duration::from_secs(60),
        })
    }

    /// Sets how many times a call is retried, and the longest wait the client sleeps itself;
    /// a longer `Retry-After` is returned as [`SlackError::RateLimited`].
    pub fn with_retries(mut self, n: u32, max_wait: Duration) -> SlackWeb {
        self.max_retries = n;
        self.max_wait = max_wait;
        self
    }

    /// `auth.test`: who the bot is.
    pub async fn auth_test(&self) -> Result<AuthInfo, SlackError> {
        let reply = self.call("auth.test", &json!({})).await?;
        let text = |key: &str| reply[key].as_str().map(str::to_string);
        Ok(AuthInfo {
            user_id: text("user_id")
                .ok_or_else(|| SlackError::Decode("auth.test: no user_id".into()))?,
            bot_id: text("bot_id"),
            team: text("team"),
        })
    }

    /// `chat.postMessage` to `channel` (in the thread `thread_ts` when given), carrying
    /// `marker` as hidden metadata; returns the new message's `ts`. Text past [`TEXT_LIMIT`]
    /// is cut.
    pub async fn post_message(
        &self,
        channel: &str,
        thread_ts: Option<&str>,
        text: &str,
        marker: Option<&Marker>,
    ) -> Result<String, SlackError> {
        let mut body = json!({ "channel": channel, "text": truncate_text(text) });
        if let Some(thread) = thread_ts {
            body["thread_ts"] = json!(thread);
        }
        if let Some(m) = marker {
            body["metadata"] = m.metadata();
        }
        let reply = self.call("chat.postMessage", &body).await?;
        reply["ts"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| SlackError::Decode("chat.postMessage: no ts".into()))
    }

    /// `chat.update`: replaces the text of message `ts` in `channel` (and its metadata with
    /// `marker`, when given).
    pub async fn update_message(
        &self,
        channel: &str,
        ts: &str,
        text: &str,
        marker: Option<&Marker>,
    ) -> Result<(), SlackError> {
        let mut body = json!({ "channel": channel, "ts": ts, "text": truncate_text(text) });
        if let Some(m) = marker {
            body["metadata"] = m.metadata();
        }
        self.call("chat.update", &body).await.map(|_| ())
    }

    /// Downloads a file's `url_private_download` with the bot token into `dest`, refusing
    /// more than `max_bytes` (by `Content-Length` first, then by counting). The bytes go to a
    /// temp file beside `dest`, renamed into place when complete: a refusal or an error leaves
    /// nothing behind. Only the API host and Slack's file host get the token; any other URL is
    /// refused without a request. Returns the bytes written.
    pub async fn download(
        &self,
        url: &str,
        max_bytes: u64,
        dest: &Path,
    ) -> Result<u64, SlackError> {
        let target = self.file_url(url)?;
        let what = format!("download of {}", target.path());
        let mut response = self.send(&what, || self.http.get(target.clone())).await?;
        let status = response.status();
        if !status.is_success() {
            return Err(SlackError::Status(status.as_u16()));
        }
        if response.content_length().is_some_and(|n| n > max_bytes) {
            return Err(SlackError::TooLarge { limit: max_bytes });
        }
        let dir = match dest.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let io = |e: std::io::Error| SlackError::Io(format!("{}: {e}", dest.display()));
        // Dropped on any early return, which deletes the partial file.
        let tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
        let mut file = tokio::fs::File::from_std(tmp.as_file().try_clone().map_err(io)?);
        let mut written = 0u64;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| SlackError::Network(self.scrub(&crate::ai::http::describe(&e))))?
        {
            written += chunk.len() as u64;
            if written > max_bytes {
                return Err(SlackError::TooLarge { limit: max_bytes });
            }
            file.write_all(&chunk).await.map_err(io)?;
        }
        file.flush().await.map_err(io)?;
        file.sync_all().await.map_err(io)?;
        drop(file);
        tmp.persist(dest).map_err(|e| io(e.error))?;
        Ok(written)
    }

    /// `url` if the token may go there: the API base's origin or Slack's file host.
    fn file_url(&self, url: &str) -> Result<Url, SlackError> {
        let target = Url::parse(url)
            .map_err(|_| SlackError::Refused("a file URL that is not a URL".into()))?;
        let allowed = [self.api_base.as_str(), FILE_HOST]
            .iter()
            .filter_map(|base| Url::parse(base).ok())
            .any(|base| base.origin() == target.origin());
        let refused = || {
            SlackError::Refused(format!(
                "a file URL on {}, not on Slack: the bot token is not sent there",
                target.host_str().unwrap_or("no host")
            ))
        };
        if allowed { Ok(target) } else { Err(refused()) }
    }

    /// Calls Web API `method` with a JSON body: Slack's reply when `ok`.
    async fn call(&self, method: &str, body: &Value) -> Result<Value, SlackError> {
        let url = format!("{}/{method}", self.api_base);
        let payload = body.to_string();
        let response = self
            .send(method, || {
                self.http
                    .post(&url)
                    .header("content-type", "application/json; charset=utf-8")
                    .body(payload.clone())
            })
            .await?;
        self.reply_of(method, response).await
    }

    /// Calls a read method (`conversations.history`) with its arguments in the query string.
    async fn call_get(&self, method: &str, args: &[(&str, &str)]) -> Result<Value, SlackError> {
        let url = format!("{}/{method}", self.api_base);
        let response = self
            .send(method, || self.http.get(&url).query(args))
            .await?;
        self.reply_of(method, response).await
    }

    /// Slack's reply to `method` when `ok`; its error code, or what was wrong, otherwise.
    async fn reply_of(&self, method: &str, response: Response) -> Result<Value, SlackError> {
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| SlackError::Network(self.scrub(&crate::ai::http::describe(&e))))?;
        let reply: Option<Value> = serde_json::from_str(&text).ok();
        let error = reply
            .as_ref()
            .filter(|r| r["ok"] == Value::Bool(false))
            .map(|r| r["error"].as_str().unwrap_or("unknown_error").to_string());
        if let Some(code) = error {
            tracing::debug!(method, error = %code, "slack: not ok");
            return Err(SlackError::Api(code));
        }
        if !status.is_success() {
            return Err(SlackError::Status(status.as_u16()));
        }
        match reply {
            Some(r) if r["ok"] == Value::Bool(true) => Ok(r),
            _ => Err(SlackError::Decode(format!(
                "{method}: not Slack's {{\"ok\": ...}} reply"
            ))),
        }
    }

    /// Sends the request `build` makes, with the bot token, retrying 429s and 5xx; returns
    /// any other answer. Network errors are not retried: a post may have gone through.
    async fn send(
        &self,
        what: &str,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Response, SlackError> {
        let mut attempt = 0;
        loop {
            let response = build()
                .header("authorization", self.auth.clone())
                .send()
                .await
                .map_err(|e| SlackError::Network(self.scrub(&crate::ai::http::describe(&e))))?;
            let status = response.status();
            let Some(wait) = retry_wait(status, response.headers().get(RETRY_AFTER), attempt)
            else {
                return Ok(response);
            };
            let limited = status == StatusCode::TOO_MANY_REQUESTS;
            if attempt >= self.max_retries || wait > self.max_wait {
                return Err(if limited {
                    SlackError::RateLimited { wait }
                } else {
                    SlackError::Status(status.as_u16())
                });
            }
            tracing::info!(
                what,
                status = status.as_u16(),
                wait_ms = wait.as_millis() as u64,
                "slack: retrying"
            );
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// `text` with the token replaced, should anything ever echo it.
    fn scrub(&self, text: &str) -> String {
        if self.token.is_empty() {
            text.to_string()
        } else {
            text.replace(&self.token, "<token>")
        }
    }
}

/// How long to wait before retrying an answer with `status` on retry number `attempt` (0 for
/// the first): a 429 waits its `Retry-After` seconds, a 5xx backs off from half a second;
/// `None` when the answer is final.
pub fn retry_wait(
    status: StatusCode,
    retry_after: Option<&HeaderValue>,
    attempt: u32,
) -> Option<Duration> {
    if status == StatusCode::TOO_MANY_REQUESTS {
        let secs = retry_after
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        return Some(secs.map_or(DEFAULT_RETRY_AFTER, Duration::from_secs));
    }
    status
        .is_server_error()
        .then(|| SERVER_BACKOFF.saturating_mul(1 << attempt.min(6)))
}

/// `text` cut to [`TEXT_LIMIT`] characters, ending in "…" when cut.
pub fn truncate_text(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(TEXT_LIMIT) {
        None => Cow::Borrowed(text),
        Some(_) => {
            let keep = text
                .char_indices()
                .nth(TEXT_LIMIT - 1)
                .map_or(text.len(), |(i, _)| i);
            Cow::Owned(format!("{}…", &text[..keep]))
        }
    }
}

#[cfg(test)]
#[path = "web_tests.rs"]
mod tests;
