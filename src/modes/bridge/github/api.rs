//! The GitHub REST client the Issues bridge polls and answers with: issues and comments
//! updated since a time (with `If-None-Match`, so an unchanged poll costs no rate limit, and
//! `Link: rel="next"` pagination), an issue's comments, posting and editing a comment. Rate
//! limits and server errors are retried a few times as [`wait_for`] decides; a wait longer
//! than the client's maximum is returned as [`GithubError::RateLimited`] for the caller to
//! honour. The token is never logged and never appears in an error.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

use super::rate::{RateLimit, backoff, rate_backoff, wait_for};
pub use super::types::{Author, AuthorAssociation, Comment, Issue, Polled, User};

/// The API version the client speaks.
const API_VERSION: &str = "2022-11-28";
/// Pages fetched by one listing at most (100 items each).
const MAX_PAGES: usize = 100;

/// Why a GitHub request failed, in one line without the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GithubError {
    /// Rate limited (primary or secondary): retry after `wait`.
    #[error("GitHub {what}: rate limited ({status}); retry in {}s", wait.as_secs())]
    RateLimited {
        what: String,
        status: u16,
        wait: Duration,
    },
    /// GitHub answered 5xx every time it was asked: worth retrying later.
    #[error("GitHub {what}: server error {status} after retries")]
    Server { what: String, status: u16 },
    /// Any other unexpected status (401 bad credentials, 404, 422…), with GitHub's message.
    #[error("GitHub {what}: {status}: {message}")]
    Status {
        what: String,
        status: u16,
        message: String,
    },
    /// The request did not get an answer (connection refused, timeout).
    #[error("GitHub {what}: {message}")]
    Network { what: String, message: String },
    /// The answer was not the JSON expected.
    #[error("GitHub {what}: unexpected response: {message}")]
    Decode { what: String, message: String },
    /// The client was set up wrongly (bad repo name, token not a header value, next-page link
    /// to another host).
    #[error("GitHub client: {0}")]
    Config(String),
}

impl GithubError {
    /// How long to wait before trying again, when it is worth trying again.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            GithubError::RateLimited { wait, .. } => Some(*wait),
            GithubError::Server { .. } | GithubError::Network { .. } => Some(backoff(2)),
            _ => None,
        }
    }
}

/// A client for one repository.
#[derive(Clone)]
pub struct GithubClient {
    http: reqwest::Client,
    api_base: String,
    repo: String,
    auth: HeaderValue,
    token: String,
    max_retries: u32,
    max_wait: Duration,
    last_rate: std::sync::Arc<std::sync::Mutex<RateLimit>>,
}

impl std::fmt::Debug for GithubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GithubClient")
            .field("api_base", &self.api_base)
            .field("repo", &self.repo)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// One response: status, headers, body.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl GithubClient {
    /// A client for `repo` (`OWNER/NAME`) at `api_base` (e.g. `https://api.github.com`),
    /// authenticating with `token`.
    pub fn new(api_base: &str, token: &str, repo: &str) -> Result<GithubClient, GithubError> {
        let valid = repo.split('/').count() == 2
            && repo.split('/').all(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            });
        if !valid {
            return Err(GithubError::Config(format!(
                "repository `{repo}` is not OWNER/NAME"
            )));
        }
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", token.trim()))
            .map_err(|_| GithubError::Config("the token is not a valid header value".into()))?;
        auth.set_sensitive(true);
        let http = crate::ai::http::client().map_err(|e| GithubError::Config(e.to_string()))?;
        Ok(GithubClient {
            http,
            api_base: api_base.trim_end_matches('/').to_string(),
            repo: repo.to_string(),
            auth,
            token: token.trim().to_string(),
            max_retries: 3,
            max_wait: Duration::from_secs(60),
            last_rate: Default::default(),
        })
    }

    /// Sets how many times a request is retried, and the longest wait the client sleeps
    /// itself; a longer wait is returned as [`GithubError::RateLimited`].
    pub fn with_retries(mut self, max_retries: u32, max_wait: Duration) -> GithubClient {
        self.max_retries = max_retries;
        self.max_wait = max_wait;
        self
    }

    /// The rate-limit headers of the last response.
    pub fn rate_limit(&self) -> RateLimit {
        *self
            .last_rate
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Issues and pull requests updated at or after `since` (ISO 8601), oldest update first;
    /// `etag` from the previous poll makes an unchanged answer a free 304.
    pub async fn list_issues_since(
        &self,
        since: Option<&str>,
        etag: Option<&str>,
    ) -> Result<Polled<Vec<Issue>>, GithubError> {
        let mut query = vec![("state", "all"), ("sort", "updated"), ("direction", "asc")];
        query.extend(since.map(|s| ("since", s)));
        self.list("issues", &query, etag).await
    }

    /// Comments on all issues updated at or after `since`, oldest update first.
    pub async fn list_comments_since(
        &self,
        since: Option<&str>,
        etag: Option<&str>,
    ) -> Result<Polled<Vec<Comment>>, GithubError> {
        let mut query = vec![("sort", "updated"), ("direction", "asc")];
        query.extend(since.map(|s| ("since", s)));
        self.list("issues/comments", &query, etag).await
    }

    /// Issue `number`.
    pub async fn issue(&self, number: u64) -> Result<Issue, GithubError> {
        let tail = format!("issues/{number}");
        let answer = self
            .send(Method::GET, &self.url(&tail), &[], None, None)
            .await?;
        decode(&answer, &format!("GET {tail}"))
    }

    /// The newest issue (or pull request) and the newest comment by creation: where a
    /// bridge starting afresh draws the line between history and new requests.
    pub async fn newest(&self) -> Result<(Option<Issue>, Option<Comment>), GithubError> {
        let newest = [
            ("sort", "created"),
            ("direction", "desc"),
            ("per_page", "1"),
        ];
        let issues_query = [newest.as_slice(), &[("state", "all")]].concat();
        let answer = self
            .send(Method::GET, &self.url("issues"), &issues_query, None, None)
            .await?;
        let issues: Vec<Issue> = decode(&answer, "GET issues")?;
        let answer = self
            .send(
                Method::GET,
                &self.url("issues/comments"),
                &newest,
                None,
                None,
            )
            .await?;
        let comments: Vec<Comment> = decode(&answer, "GET issues/comments")?;
        Ok((issues.into_iter().next(), comments.into_iter().next()))
    }

    /// All comments on issue `number`, oldest first.
    pub async fn issue_comments(&self, number: u64) -> Result<Vec<Comment>, GithubError> {
        match self
            .list(&format!("issues/{number}/comments"), &[], None)
            .await?
        {
            Polled::Changed { items, .. } => Ok(items),
            Polled::NotModified => Ok(Vec::new()),
        }
    }

    /// Posts `body` as a new comment on issue `number`.
    pub async fn post_comment(&self, number: u64, body: &str) -> Result<Comment, GithubError> {
        let what = format!("POST comment on issue {number}");
        self.write(
            Method::POST,
            &format!("issues/{number}/comments"),
            body,
            &what,
        )
        .await
    }

    /// Replaces the body of comment `id`.
    pub async fn edit_comment(&self, id: u64, body: &str) -> Result<Comment, GithubError> {
        let what = format!("PATCH comment {id}");
        self.write(Method::PATCH, &format!("issues/comments/{id}"), body, &what)
            .await
    }

    /// Sends `{"body": body}` to `tail` and reads back the comment.
    async fn write(
        &self,
        method: Method,
        tail: &str,
        body: &str,
        what: &str,
    ) -> Result<Comment, GithubError> {
        let payload = serde_json::json!({ "body": body });
        let answer = self
            .send(method, &self.url(tail), &[], None, Some(&payload))
            .await?;
        decode(&answer, what)
    }

    fn url(&self, tail: &str) -> String {
        format!("{}/repos/{}/{tail}", self.api_base, self.repo)
    }

    /// A listing across its pages; the ETag is sent with, and kept from, the first page.
    async fn list<T: DeserializeOwned>(
        &self,
        tail: &str,
        query: &[(&str, &str)],
        etag: Option<&str>,
    ) -> Result<Polled<Vec<T>>, GithubError> {
        let mut query = query.to_vec();
        query.push(("per_page", "100"));
        let first = self
            .send(Method::GET, &self.url(tail), &query, etag, None)
            .await?;
        if first.status == StatusCode::NOT_MODIFIED {
            return Ok(Polled::NotModified);
        }
        let what = format!("GET {tail}");
        let new_etag = first
            .headers
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut items: Vec<T> = decode(&first, &what)?;
        let mut next = next_link(&first.headers);
        let mut pages = 1;
        while let Some(url) = next {
            if !url.starts_with(&format!("{}/", self.api_base)) {
                return Err(GithubError::Config(format!(
                    "{what}: next page {url} is not under {}",
                    self.api_base
                )));
            }
            if pages >= MAX_PAGES {
                tracing::warn!("{what}: stopping after {MAX_PAGES} pages");
                break;
            }
            let page = self.send(Method::GET, &url, &[], None, None).await?;
            items.extend(decode::<Vec<T>>(&page, &what)?);
            next = next_link(&page.headers);
            pages += 1;
        }
        Ok(Polled::Changed {
            items,
            etag: new_etag,
        })
    }

    /// Sends a request, retrying rate limits and server errors as [`wait_for`] decides.
    /// Returns 2xx and 304 answers; anything else is an error.
    async fn send(
        &self,
        method: Method,
        url: &str,
        query: &[(&str, &str)],
        etag: Option<&str>,
        json: Option<&serde_json::Value>,
    ) -> Result<Answer, GithubError> {
        let path = url.strip_prefix(&self.api_base).unwrap_or(url);
        let what = format!("{method} {}", path.split('?').next().unwrap_or(path));
        let mut attempt = 0;
        loop {
            let mut req = self
                .http
                .request(method.clone(), url)
                .header("authorization", self.auth.clone())
                .header("accept", "application/vnd.github+json")
                .header("x-github-api-version", API_VERSION)
                .query(query);
            if let Some(etag) = etag {
                req = req.header("if-none-match", etag);
            }
            if let Some(json) = json {
                req = req.json(json);
            }
            let response = req.send().await.map_err(|e| GithubError::Network {
                what: what.clone(),
                message: self.scrub(&crate::ai::http::describe(&e)),
            })?;
            let status = response.status();
            let headers = response.headers().clone();
            let rate = RateLimit::from_headers(&headers);
            if rate != RateLimit::default() {
                *self
                    .last_rate
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = rate;
            }
            let body = response.text().await.map_err(|e| GithubError::Network {
                what: what.clone(),
                message: self.scrub(&crate::ai::http::describe(&e)),
            })?;
            tracing::debug!(%what, status = status.as_u16(), remaining = ?rate.remaining, "github");
            if status.is_success() || status == StatusCode::NOT_MODIFIED {
                return Ok(Answer {
                    status,
                    headers,
                    body,
                });
            }
            let now = jiff::Timestamp::now().as_second();
            let secondary = status == StatusCode::FORBIDDEN
                && body.to_ascii_lowercase().contains("secondary rate limit");
            let wait = wait_for(status, &headers, now, attempt)
                .or_else(|| secondary.then(|| rate_backoff(attempt)));
            let Some(wait) = wait else {
                return Err(GithubError::Status {
                    what,
                    status: status.as_u16(),
                    message: self.scrub(&message_of(&body)),
                });
            };
            if attempt >= self.max_retries || wait > self.max_wait {
                return Err(if status.is_server_error() {
                    GithubError::Server {
                        what,
                        status: status.as_u16(),
                    }
                } else {
                    GithubError::RateLimited {
                        what,
                        status: status.as_u16(),
                        wait,
                    }
                });
            }
            tracing::info!(%what, status = status.as_u16(), wait_ms = wait.as_millis() as u64, "github: retrying");
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

fn decode<T: DeserializeOwned>(answer: &Answer, what: &str) -> Result<T, GithubError> {
    serde_json::from_str(&answer.body).map_err(|e| GithubError::Decode {
        what: what.to_string(),
        message: e.to_string(),
    })
}

/// GitHub's `message` from an error body, else the body's start.
fn message_of(body: &str) -> String {
    let message = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("message")?.as_str().map(str::to_string));
    match message {
        Some(m) => m,
        None => body
            .chars()
            .take(200)
            .collect::<String>()
            .replace('\n', " "),
    }
}

/// The `rel="next"` URL of a `Link` header.
pub fn next_link(headers: &HeaderMap) -> Option<String> {
    let link = headers.get("link")?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"");
        let url = url.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then(|| url.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_next_link() {
        let mut h = HeaderMap::new();
        h.insert(
            "link",
            "<https://api.github.com/repos/o/r/issues?page=2>; rel=\"next\", \
             <https://api.github.com/repos/o/r/issues?page=5>; rel=\"last\""
                .parse()
                .unwrap(),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://api.github.com/repos/o/r/issues?page=2")
        );
        h.insert("link", "<https://x/?page=1>; rel=\"prev\"".parse().unwrap());
        assert_eq!(next_link(&h), None);
        assert_eq!(next_link(&HeaderMap::new()), None);
    }

    #[test]
    fn reads_issue_and_comment_shapes() {
        let issue: Issue = serde_json::from_value(serde_json::json!({
            "number": 3, "title": "t", "body": null, "user": {"login": "a", "id": 1},
            "author_association": "FIRST_TIME_CONTRIBUTOR", "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:01Z", "html_url": "https://github.com/o/r/issues/3",
            "pull_request": {"url": "x"}, "labels": []
        }))
        .unwrap();
        assert!(issue.is_pull_request());
        assert_eq!(
            issue.author().association,
            AuthorAssociation::FirstTimeContributor
        );
        let comment: Comment = serde_json::from_value(serde_json::json!({
            "id": 9, "body": "hi", "user": null, "author_association": "SOMETHING_NEW",
            "issue_url": "https://api.github.com/repos/o/r/issues/42",
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"
        }))
        .unwrap();
        assert_eq!(comment.issue_number(), Some(42));
        assert_eq!(
            comment.author(),
            Author {
                login: "ghost".into(),
                association: AuthorAssociation::Other
            }
        );
    }

    #[test]
    fn rejects_bad_repos_and_hides_the_token() {
        assert!(GithubClient::new("http://x", "t", "nope").is_err());
        assert!(GithubClient::new("http://x", "t", "a/b/c").is_err());
        let c = GithubClient::new("http://x", "sekrit-token", "o/r").unwrap();
        assert!(!format!("{c:?}").contains("sekrit"));
        assert_eq!(c.scrub("echo sekrit-token"), "echo <token>");
    }
}
