//! A fake GitHub REST server on 127.0.0.1 for the bridge tests: issues and comments in memory,
//! served with the real JSON shapes on the endpoints the bridge uses (issues and comments
//! since a time, an issue's comments, post and edit a comment), `since` filtering, ordering by
//! `updated_at`, `per_page`/`page` pagination with a real `Link` header, strong ETags with
//! `If-None-Match` -> 304, rate-limit headers on every answer (a 304 costs nothing), injected
//! faults, a Bearer token check and a log of every request.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method};
use axum::response::Response;
use sha2::Digest;

mod routes;
use routes::{error, header, hex, route};

/// What the next request to a path gets instead of its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// This status with a JSON error body.
    Status(u16),
    /// 429 with `Retry-After: secs`.
    TooMany { retry_after: u64 },
    /// 403 "You have exceeded a secondary rate limit" with `Retry-After: secs`.
    Secondary { retry_after: u64 },
    /// 403 "You have exceeded a secondary rate limit" with no `Retry-After`.
    SecondaryNoHeader,
    /// 403 "API rate limit exceeded" with `x-ratelimit-remaining: 0` and the window
    /// resetting `reset_in` seconds from now.
    Exhausted { reset_in: i64 },
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Logged {
    pub at: Instant,
    pub method: String,
    pub path: String,
    pub query: String,
    pub authorization: Option<String>,
    pub if_none_match: Option<String>,
    pub accept: Option<String>,
    pub api_version: Option<String>,
    pub status: u16,
}

#[derive(Debug, Clone)]
struct FakeIssue {
    number: u64,
    title: String,
    body: String,
    login: String,
    association: String,
    pull_request: bool,
    created: i64,
    updated: i64,
}

#[derive(Debug, Clone)]
struct FakeComment {
    id: u64,
    issue: u64,
    body: String,
    login: String,
    association: String,
    created: i64,
    updated: i64,
}

#[derive(Default)]
struct Data {
    issues: Vec<FakeIssue>,
    comments: Vec<FakeComment>,
    /// Seconds since the fake epoch; every change moves it on by one.
    clock: i64,
    next_comment: u64,
    remaining: u64,
    faults: HashMap<String, VecDeque<Fault>>,
    log: Vec<Logged>,
}

struct Shared {
    data: Mutex<Data>,
    repo: String,
    token: String,
    bot: String,
    base: Mutex<String>,
}

/// The fake epoch: 2026-01-01T00:00:00Z.
const EPOCH: i64 = 1_767_225_600;
const LIMIT: u64 = 5000;
/// GitHub's message for a secondary rate limit.
const SECONDARY: &str =
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.";

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn iso(secs: i64) -> String {
    jiff::Timestamp::from_second(EPOCH + secs)
        .unwrap()
        .to_string()
}

/// The running server; it stops with the test process.
pub struct FakeGithub {
    shared: Arc<Shared>,
    base: String,
}

impl FakeGithub {
    /// Starts a server for `repo` (`OWNER/NAME`) accepting `token`, on its own thread; posted
    /// comments are by `bot`.
    pub fn start(repo: &str, token: &str, bot: &str) -> FakeGithub {
        let shared = Arc::new(Shared {
            data: Mutex::new(Data {
                next_comment: 1000,
                remaining: LIMIT,
                ..Data::default()
            }),
            repo: repo.to_string(),
            token: token.to_string(),
            bot: bot.to_string(),
            base: Mutex::new(String::new()),
        });
        let state = shared.clone();
        let base = super::serve_loopback(|base| {
            *lock(&state.base) = base.to_string();
            axum::Router::new()
                .fallback(serve)
                .with_state(state.clone())
        });
        FakeGithub { shared, base }
    }

    /// `http://127.0.0.1:PORT` (the API base, no trailing slash).
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Opens an issue (or a pull request) and returns its number.
    pub fn add_issue(&self, title: &str, body: &str, login: &str, association: &str) -> u64 {
        self.add(title, body, login, association, false)
    }

    /// Opens a pull request (listed by the issues endpoint with a `pull_request` key).
    pub fn add_pull_request(&self, title: &str, login: &str) -> u64 {
        self.add(title, "", login, "CONTRIBUTOR", true)
    }

    fn add(&self, title: &str, body: &str, login: &str, association: &str, pr: bool) -> u64 {
        let mut d = lock(&self.shared.data);
        d.clock += 1;
        let number = d.issues.len() as u64 + 1;
        let now = d.clock;
        d.issues.push(FakeIssue {
            number,
            title: title.into(),
            body: body.into(),
            login: login.into(),
            association: association.into(),
            pull_request: pr,
            created: now,
            updated: now,
        });
        number
    }

    /// Adds a comment to issue `issue` and returns its id.
    pub fn add_comment(&self, issue: u64, body: &str, login: &str, association: &str) -> u64 {
        add_comment(
            &mut lock(&self.shared.data),
            issue,
            body,
            login,
            association,
        )
    }

    /// The bodies of the comments on `issue`, oldest first.
    pub fn comments_of(&self, issue: u64) -> Vec<String> {
        let d = lock(&self.shared.data);
        d.comments
            .iter()
            .filter(|c| c.issue == issue)
            .map(|c| c.body.clone())
            .collect()
    }

    /// The next request to `path` gets `fault` (faults queue up, one per request).
    pub fn fault_once(&self, path: &str, fault: Fault) {
        let mut d = lock(&self.shared.data);
        d.faults
            .entry(path.to_string())
            .or_default()
            .push_back(fault);
    }

    /// The `x-ratelimit-remaining` the next counted answer would start from.
    pub fn remaining(&self) -> u64 {
        lock(&self.shared.data).remaining
    }

    /// The requests so far.
    pub fn log(&self) -> Vec<Logged> {
        lock(&self.shared.data).log.clone()
    }

    /// The requests so far for `path`.
    pub fn requests_for(&self, path: &str) -> Vec<Logged> {
        self.log().into_iter().filter(|l| l.path == path).collect()
    }
}

fn add_comment(d: &mut Data, issue: u64, body: &str, login: &str, association: &str) -> u64 {
    d.clock += 1;
    d.next_comment += 1;
    let (id, now) = (d.next_comment, d.clock);
    d.comments.push(FakeComment {
        id,
        issue,
        body: body.into(),
        login: login.into(),
        association: association.into(),
        created: now,
        updated: now,
    });
    // A comment updates its issue, as on GitHub.
    if let Some(i) = d.issues.iter_mut().find(|i| i.number == issue) {
        i.updated = now;
    }
    id
}

async fn serve(State(s): State<Arc<Shared>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let base = lock(&s.base).clone();
    let mut d = lock(&s.data);
    let mut extra: Vec<(&str, String)> = Vec::new();
    // (remaining, reset) to report instead of the counter's.
    let mut limits: Option<(u64, i64)> = None;
    let authorized =
        header(&parts.headers, "authorization").is_some_and(|a| a == format!("Bearer {}", s.token));
    let fault = d.faults.get_mut(&path).and_then(VecDeque::pop_front);
    let (status, value) = if !authorized {
        error(401, "Bad credentials")
    } else if let Some(fault) = fault {
        match fault {
            Fault::Status(code) => error(code, "Server Error"),
            Fault::TooMany { retry_after } => {
                extra.push(("retry-after", retry_after.to_string()));
                error(429, "API rate limit exceeded")
            }
            Fault::Secondary { retry_after } => {
                extra.push(("retry-after", retry_after.to_string()));
                error(403, SECONDARY)
            }
            Fault::SecondaryNoHeader => error(403, SECONDARY),
            Fault::Exhausted { reset_in } => {
                limits = Some((0, jiff::Timestamp::now().as_second() + reset_in));
                error(403, "API rate limit exceeded for user ID 1.")
            }
        }
    } else {
        route(
            &s,
            &mut d,
            &base,
            &parts.method,
            &path,
            &query,
            &body,
            &mut extra,
        )
    };
    let text = value.to_string();
    let etag = format!("\"{}\"", hex(&sha2::Sha256::digest(text.as_bytes())));
    let not_modified = status == 200
        && parts.method == Method::GET
        && header(&parts.headers, "if-none-match").is_some_and(|t| t == etag);
    let status = if not_modified { 304 } else { status };
    if !not_modified {
        d.remaining = d.remaining.saturating_sub(1);
    }
    d.log.push(Logged {
        at: Instant::now(),
        method: parts.method.to_string(),
        path,
        query,
        authorization: header(&parts.headers, "authorization"),
        if_none_match: header(&parts.headers, "if-none-match"),
        accept: header(&parts.headers, "accept"),
        api_version: header(&parts.headers, "x-github-api-version"),
        status,
    });
    let (remaining, reset) =
        limits.unwrap_or((d.remaining, jiff::Timestamp::now().as_second() + 3600));
    let mut resp = Response::builder()
        .status(status)
        .header("content-type", "application/json; charset=utf-8")
        .header("x-ratelimit-limit", LIMIT.to_string())
        .header("x-ratelimit-remaining", remaining.to_string())
        .header("x-ratelimit-used", (LIMIT - remaining).to_string())
        .header("x-ratelimit-reset", reset.to_string())
        .header("x-ratelimit-resource", "core");
    if status == 200 || status == 304 {
        resp = resp.header("etag", HeaderValue::from_str(&etag).unwrap());
    }
    for (name, value) in extra {
        resp = resp.header(name, value);
    }
    let body = if not_modified {
        Body::empty()
    } else {
        Body::from(Bytes::from(text))
    };
    resp.body(body).unwrap()
}
