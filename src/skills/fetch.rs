//! Downloads for skill installs, through the product's own HTTP client (its proxy and
//! certificate settings), with a timeout, a few retries (connection errors, 5xx, 429 with
//! `Retry-After`), a 50 MB cap and a progress callback for anything over 1 MB; and the
//! skills cache, which keeps every download by sha256 (`<cache>/sha256/<hex>`) plus an index
//! of the last manifest fetched from each URL (`<cache>/manifests.json`), so `--skills-offline`
//! can install without the network. Library code: it never prints.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::SkillsConfig;
use super::manifest::is_sha256_hex;
use super::record::{now_unix, write_json_atomic};
use super::signing::{hex_eq, sha256_hex};
use crate::private_fs::write_atomic;

/// The largest download accepted, in bytes.
pub const MAX_DOWNLOAD: u64 = 50 * 1024 * 1024;
/// Downloads larger than this report progress.
pub const PROGRESS_THRESHOLD: u64 = 1024 * 1024;

/// How far a download has come, for the progress callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// The URL being downloaded.
    pub url: String,
    /// Bytes received so far.
    pub received: u64,
    /// The announced size (`Content-Length`), when there is one.
    pub total: Option<u64>,
    /// The last call for this download (the whole body arrived).
    pub done: bool,
}

/// A progress callback (the CLI prints a line on standard error; the TUI shows a status).
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// Why a download failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The network or the server said no (after the retries).
    #[error("cannot download {url}: {detail}")]
    Download { url: String, detail: String },
    /// Offline, and the cache does not have it.
    #[error("{what} is not in the skills cache {cache}; run once without --skills-offline")]
    NotCached { what: String, cache: String },
    /// Offline without a cache folder.
    #[error("--skills-offline needs a skills cache folder (--skills-cache-dir)")]
    NoCache,
    /// The cache could not be read or written.
    #[error("skills cache {path}: {detail}")]
    Cache { path: String, detail: String },
}

/// The retry and timeout settings of a [`Fetcher`].
#[derive(Debug, Clone)]
pub struct FetchPolicy {
    /// Tries per download, the first included.
    pub attempts: u32,
    /// The wait before the first retry; doubled for each next one.
    pub backoff: Duration,
    /// The longest `Retry-After` honoured; a longer one waits this long.
    pub max_retry_after: Duration,
    /// The whole request, headers and body.
    pub timeout: Duration,
    /// The longest wait for the next piece of a body.
    pub idle_timeout: Duration,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        FetchPolicy {
            attempts: 3,
            backoff: Duration::from_millis(250),
            max_retry_after: Duration::from_secs(30),
            timeout: Duration::from_secs(300),
            idle_timeout: Duration::from_secs(30),
        }
    }
}

/// A downloaded (or cached) artifact and its sha256.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Their sha256, lower-case hex.
    pub sha256: String,
    /// They came from the cache, not the network.
    pub from_cache: bool,
}

/// Downloads through the product client and the skills cache.
#[derive(Clone)]
pub struct Fetcher {
    cache: Option<PathBuf>,
    offline: bool,
    policy: FetchPolicy,
    progress: Option<ProgressFn>,
}

/// One URL's entry in `manifests.json`: the sha256 of what it served last (`None`: a 404) and
/// its ETag.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct IndexEntry {
    sha256: Option<String>,
    #[serde(default)]
    etag: Option<String>,
    #[serde(default)]
    fetched_unix: u64,
}

type ManifestIndex = BTreeMap<String, IndexEntry>;

/// What one HTTP exchange gave.
enum Reply {
    Body {
        bytes: Vec<u8>,
        etag: Option<String>,
    },
    NotModified,
    NotFound,
}

/// A failed try, and whether another is worth it (and when).
struct TryError {
    detail: String,
    retry: bool,
    retry_after: Option<Duration>,
}

impl Fetcher {
    /// A fetcher for the cache folder and offline flag of `config`.
    pub fn new(config: &SkillsConfig) -> Fetcher {
        Fetcher {
            cache: config.cache_dir.clone(),
            offline: config.offline,
            policy: FetchPolicy::default(),
            progress: None,
        }
    }

    /// The same fetcher reporting progress of large downloads to `progress`.
    pub fn with_progress(mut self, progress: ProgressFn) -> Fetcher {
        self.progress = Some(progress);
        self
    }

    /// The same fetcher with other retry and timeout settings.
    pub fn with_policy(mut self, policy: FetchPolicy) -> Fetcher {
        self.policy = policy;
        self
    }

    /// The artifact at `url` that should hash to `sha256`: from the cache when it has that
    /// hash, else downloaded (and then cached if it matched). The caller compares
    /// [`Fetched::sha256`] with what it expects; a mismatch is never cached.
    pub async fn artifact(&self, url: &str, sha256: &str) -> Result<Fetched, FetchError> {
        let expected = sha256.to_ascii_lowercase();
        if let Some(bytes) = self.cached(&expected) {
            return Ok(Fetched {
                bytes,
                sha256: expected,
                from_cache: true,
            });
        }
        if self.offline {
            return Err(self.not_cached(url));
        }
        let Reply::Body { bytes, .. } = self.get(url, None, false).await? else {
            return Err(download_error(url, "no body"));
        };
        let actual = sha256_hex(&bytes);
        if hex_eq(&actual, &expected) {
            self.store(&actual, &bytes)?;
        }
        Ok(Fetched {
            bytes,
            sha256: actual,
            from_cache: false,
        })
    }

    /// A registry document (the manifest, or its `.sig` with `may_be_missing`): downloaded
    /// with `If-None-Match` when the cache has the last copy (a 304 uses it), kept in the
    /// cache and the manifest index; offline, the last copy fetched from `url`. `None` is a
    /// 404 of a document that may be missing.
    pub async fn document(
        &self,
        url: &str,
        may_be_missing: bool,
    ) -> Result<Option<Vec<u8>>, FetchError> {
        let mut index = self.read_index();
        let last = index.get(url).cloned();
        let last_bytes = last
            .as_ref()
            .and_then(|e| e.sha256.as_deref())
            .and_then(|h| self.cached(h));
        if self.offline {
            return match (last, last_bytes) {
                (Some(e), None) if e.sha256.is_none() && may_be_missing => Ok(None),
                (_, Some(bytes)) => Ok(Some(bytes)),
                _ => Err(self.not_cached(url)),
            };
        }
        let etag = last
            .as_ref()
            .filter(|_| last_bytes.is_some())
            .and_then(|e| e.etag.clone());
        let reply = self.get(url, etag.as_deref(), may_be_missing).await?;
        let (bytes, etag) = match reply {
            Reply::NotModified => match last_bytes {
                Some(b) => return Ok(Some(b)),
                None => match self.get(url, None, may_be_missing).await? {
                    Reply::Body { bytes, etag } => (Some(bytes), etag),
                    Reply::NotFound => (None, None),
                    Reply::NotModified => return Err(download_error(url, "304 without a copy")),
                },
            },
            Reply::NotFound => (None, None),
            Reply::Body { bytes, etag } => (Some(bytes), etag),
        };
        let sha256 = match &bytes {
            Some(b) => {
                let h = sha256_hex(b);
                self.store(&h, b)?;
                Some(h)
            }
            None => None,
        };
        if self.cache.is_some() {
            index.insert(
                url.to_string(),
                IndexEntry {
                    sha256,
                    etag,
                    fetched_unix: now_unix(),
                },
            );
            self.write_index(&index)?;
        }
        Ok(bytes)
    }

    fn not_cached(&self, url: &str) -> FetchError {
        match &self.cache {
            Some(c) => FetchError::NotCached {
                what: url.to_string(),
                cache: c.display().to_string(),
            },
            None => FetchError::NoCache,
        }
    }

    /// The cached bytes of `sha256`, if present and intact.
    fn cached(&self, sha256: &str) -> Option<Vec<u8>> {
        if !is_sha256_hex(sha256) {
            return None;
        }
        let path = self.cache.as_ref()?.join("sha256").join(sha256);
        let bytes = std::fs::read(&path).ok()?;
        if hex_eq(&sha256_hex(&bytes), sha256) {
            Some(bytes)
        } else {
            tracing::warn!("skills cache entry {} is corrupt; ignored", path.display());
            None
        }
    }

    /// Keeps `bytes` in the cache under their sha256 (no cache folder: nothing).
    fn store(&self, sha256: &str, bytes: &[u8]) -> Result<(), FetchError> {
        let Some(cache) = &self.cache else {
            return Ok(());
        };
        let path = cache.join("sha256").join(sha256);
        if path.exists() {
            return Ok(());
        }
        write_atomic(&path, bytes, None).map_err(|e| FetchError::Cache {
            path: path.display().to_string(),
            detail: e.to_string(),
        })
    }

    fn index_path(&self) -> Option<PathBuf> {
        self.cache.as_ref().map(|c| c.join("manifests.json"))
    }

    fn read_index(&self) -> ManifestIndex {
        self.index_path()
            .and_then(|p| std::fs::read(p).ok())
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    fn write_index(&self, index: &ManifestIndex) -> Result<(), FetchError> {
        let Some(path) = self.index_path() else {
            return Ok(());
        };
        write_json_atomic(&path, index).map_err(|detail| FetchError::Cache {
            path: path.display().to_string(),
            detail,
        })
    }

    /// GET with the retries of the policy.
    async fn get(
        &self,
        url: &str,
        etag: Option<&str>,
        may_be_missing: bool,
    ) -> Result<Reply, FetchError> {
        let parsed = reqwest::Url::parse(url).map_err(|e| download_error(url, e))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(download_error(url, "only http and https URLs are fetched"));
        }
        let client = crate::ai::http::client().map_err(|e| download_error(url, e))?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.try_once(&client, &parsed, etag, may_be_missing).await {
                Ok(reply) => return Ok(reply),
                Err(e) if e.retry && attempt < self.policy.attempts => {
                    let backoff = self.policy.backoff * 2u32.saturating_pow(attempt - 1);
                    let wait = e
                        .retry_after
                        .map_or(backoff, |w| w.min(self.policy.max_retry_after));
                    tracing::debug!(url, attempt, ?wait, "skills download retry: {}", e.detail);
                    tokio::time::sleep(wait).await;
                }
                Err(e) => return Err(download_error(url, e.detail)),
            }
        }
    }

    async fn try_once(
        &self,
        client: &reqwest::Client,
        url: &reqwest::Url,
        etag: Option<&str>,
        may_be_missing: bool,
    ) -> Result<Reply, TryError> {
        let mut request = client.get(url.clone()).timeout(self.policy.timeout);
        if let Some(tag) = etag {
            request = request.header(reqwest::header::IF_NONE_MATCH, tag);
        }
        let mut response = request.send().await.map_err(|e| TryError {
            detail: crate::ai::http::describe(&e),
            retry: !e.is_builder(),
            retry_after: None,
        })?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_MODIFIED && etag.is_some() {
            return Ok(Reply::NotModified);
        }
        if status == reqwest::StatusCode::NOT_FOUND && may_be_missing {
            return Ok(Reply::NotFound);
        }
        if !status.is_success() {
            let retry = status.is_server_error() || status.as_u16() == 429;
            return Err(TryError {
                detail: format!("HTTP {status}"),
                retry,
                retry_after: retry_after(response.headers()),
            });
        }
        let total = response.content_length();
        if total.is_some_and(|t| t > MAX_DOWNLOAD) {
            return Err(fatal(too_large()));
        }
        let etag = response
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let report = total.is_some_and(|t| t > PROGRESS_THRESHOLD);
        let mut bytes = Vec::with_capacity(total.unwrap_or(0).min(MAX_DOWNLOAD) as usize);
        let mut reported = 0u64;
        loop {
            let chunk = tokio::time::timeout(self.policy.idle_timeout, response.chunk())
                .await
                .map_err(|_| TryError {
                    detail: "the server stopped sending".into(),
                    retry: true,
                    retry_after: None,
                })?
                .map_err(|e| TryError {
                    detail: crate::ai::http::describe(&e),
                    retry: true,
                    retry_after: None,
                })?;
            let Some(chunk) = chunk else { break };
            bytes.extend_from_slice(&chunk);
            let received = bytes.len() as u64;
            if received > MAX_DOWNLOAD {
                return Err(fatal(too_large()));
            }
            let report_now = report || received > PROGRESS_THRESHOLD;
            if report_now && received - reported >= 256 * 1024 {
                reported = received;
                self.report(url, received, total, false);
            }
        }
        if total.is_some_and(|t| t != bytes.len() as u64) {
            return Err(TryError {
                detail: format!(
                    "the body ended after {} of {} bytes",
                    bytes.len(),
                    total.unwrap_or(0)
                ),
                retry: true,
                retry_after: None,
            });
        }
        if reported > 0 {
            self.report(url, bytes.len() as u64, total, true);
        }
        Ok(Reply::Body { bytes, etag })
    }

    fn report(&self, url: &reqwest::Url, received: u64, total: Option<u64>, done: bool) {
        if let Some(progress) = &self.progress {
            progress(&Progress {
                url: url.to_string(),
                received,
                total,
                done,
            });
        }
    }
}

fn too_large() -> String {
    format!("larger than the {} MB limit", MAX_DOWNLOAD / (1024 * 1024))
}

fn fatal(detail: String) -> TryError {
    TryError {
        detail,
        retry: false,
        retry_after: None,
    }
}

fn download_error(url: &str, detail: impl std::fmt::Display) -> FetchError {
    FetchError::Download {
        url: url.to_string(),
        detail: detail.to_string(),
    }
}

/// `Retry-After` in seconds (the HTTP-date form falls back to the backoff).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn offline_without_a_copy_names_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let config = SkillsConfig {
            cache_dir: Some(dir.path().to_path_buf()),
            offline: true,
            ..SkillsConfig::default()
        };
        let f = Fetcher::new(&config);
        let e = f
            .artifact("http://127.0.0.1:9/a.md", &sha256_hex(b"x"))
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("not in the skills cache"), "{e}");
        assert!(e.contains(&dir.path().display().to_string()), "{e}");
        let e = f.document("http://127.0.0.1:9/r.json", false).await;
        assert!(e.is_err());
        // Once stored, the artifact is served from the cache.
        let online = Fetcher::new(&SkillsConfig {
            offline: false,
            ..config.clone()
        });
        online.store(&sha256_hex(b"x"), b"x").unwrap();
        let got = f
            .artifact("http://127.0.0.1:9/a.md", &sha256_hex(b"x"))
            .await
            .unwrap();
        assert!(got.from_cache);
        assert_eq!(got.bytes, b"x");
    }
}
