//! The GitHub bridge's poll loop: issues and comments updated since the last scan, asked with
//! the last ETag (an unchanged answer is a free 304), turned into inbound messages by the
//! rules. `poll.json` in the state dir keeps the position; a bridge starting afresh takes
//! the newest issue and comment as the line between history (never answered) and requests.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::rules::{Rules, comment_inbound, issue_inbound};
use super::{GithubClient, GithubError, Polled};
use crate::modes::bridge::step::Inbound;

/// The poll position, saved after every scan that changed it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PollState {
    pub repo: String,
    /// Issues numbered at or below this existed when the bridge first started.
    pub issue_floor: u64,
    /// Comments with ids at or below this existed when the bridge first started.
    pub comment_floor: u64,
    /// `since` of the next listing (the newest `updated_at` seen).
    pub issues_since: Option<String>,
    pub comments_since: Option<String>,
    pub issues_etag: Option<String>,
    pub comments_etag: Option<String>,
}

pub struct Poller {
    pub client: GithubClient,
    pub rules: Rules,
    pub path: PathBuf,
    pub interval: Duration,
}

/// Loads `poll.json`; `None` when missing. A file that cannot be parsed is set aside (the
/// bridge draws a new line between history and requests; markers prevent double answers).
pub fn load(path: &Path) -> Option<PollState> {
    let bytes = std::fs::read(path).ok()?;
    match serde_json::from_slice(&bytes) {
        Ok(s) => Some(s),
        Err(e) => {
            let aside = path.with_extension("json.corrupt");
            let _ = std::fs::rename(path, &aside);
            tracing::warn!(
                "{}: {e}; set aside as {} and starting from the newest issue and comment",
                path.display(),
                aside.display()
            );
            None
        }
    }
}

fn save(path: &Path, state: &PollState) {
    let bytes = match serde_json::to_vec_pretty(state) {
        Ok(b) => b,
        Err(e) => return tracing::warn!("cannot encode the poll state: {e}"),
    };
    if let Err(e) = crate::private_fs::write_atomic(path, &bytes, Some(0o600)) {
        tracing::warn!("cannot save {}: {e}", path.display());
    }
}

/// With the quota spent (`x-ratelimit-remaining: 0`), the wait until it resets; a scan
/// before then would only be refused.
fn quota_wait(rate: super::RateLimit) -> Option<Duration> {
    if rate.remaining != Some(0) {
        return None;
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let secs = rate.reset?.saturating_sub(now).clamp(1, 3600) as u64;
    Some(Duration::from_secs(secs + 1))
}

/// Sleeps `d` unless `stop` fires first; false when stopped.
async fn pause(d: Duration, stop: &CancellationToken) -> bool {
    tokio::select! {
        () = tokio::time::sleep(d) => true,
        () = stop.cancelled() => false,
    }
}

impl Poller {
    /// Polls until `stop` fires or the runner is gone.
    pub async fn run(self, tx: mpsc::Sender<Inbound>, stop: CancellationToken) {
        let mut state = load(&self.path).filter(|s| s.repo == self.rules.repo);
        let mut failures = 0u32;
        loop {
            if stop.is_cancelled() {
                return;
            }
            let result = match &mut state {
                None => self.baseline().await.map(|s| {
                    save(&self.path, &s);
                    state = Some(s);
                }),
                Some(s) => self.scan(s, &tx).await,
            };
            let wait = match result {
                Ok(()) => {
                    failures = 0;
                    quota_wait(self.client.rate_limit())
                        .map_or(self.interval, |w| w.max(self.interval))
                }
                Err(e) => {
                    failures += 1;
                    let wait = e.retry_after().unwrap_or_else(|| {
                        (self.interval * 2u32.pow(failures.min(5))).min(Duration::from_secs(600))
                    });
                    tracing::warn!("GitHub poll failed: {e}; next try in {wait:?}");
                    wait
                }
            };
            if tx.is_closed() || !pause(wait, &stop).await {
                return;
            }
        }
    }

    /// The first start: everything that exists now is history.
    async fn baseline(&self) -> Result<PollState, GithubError> {
        let (issue, comment) = self.client.newest().await?;
        tracing::info!(
            issue = issue.as_ref().map(|i| i.number),
            comment = comment.as_ref().map(|c| c.id),
            "GitHub bridge starting afresh: newer issues and comments are requests"
        );
        Ok(PollState {
            repo: self.rules.repo.clone(),
            issue_floor: issue.as_ref().map_or(0, |i| i.number),
            comment_floor: comment.as_ref().map_or(0, |c| c.id),
            issues_since: issue.map(|i| i.created_at),
            comments_since: comment.map(|c| c.created_at),
            ..PollState::default()
        })
    }

    /// One scan of issues then comments; new requests go to the runner in update order.
    async fn scan(&self, s: &mut PollState, tx: &mpsc::Sender<Inbound>) -> Result<(), GithubError> {
        let before = s.clone();
        let issues = self
            .client
            .list_issues_since(s.issues_since.as_deref(), s.issues_etag.as_deref())
            .await?;
        if let Polled::Changed { items, etag } = issues {
            for issue in &items {
                if issue.number > s.issue_floor
                    && let Some(inbound) = issue_inbound(&self.rules, issue)
                    && tx.send(inbound).await.is_err()
                {
                    return Ok(());
                }
            }
            if let Some(newest) = items.iter().map(|i| &i.updated_at).max() {
                s.issues_since = Some(newest.clone());
            }
            s.issues_etag = etag;
        }
        let comments = self
            .client
            .list_comments_since(s.comments_since.as_deref(), s.comments_etag.as_deref())
            .await?;
        if let Polled::Changed { items, etag } = comments {
            for comment in &items {
                if comment.id > s.comment_floor
                    && let Some(inbound) = comment_inbound(&self.rules, comment)
                    && tx.send(inbound).await.is_err()
                {
                    return Ok(());
                }
            }
            if let Some(newest) = items.iter().map(|c| &c.updated_at).max() {
                s.comments_since = Some(newest.clone());
            }
            s.comments_etag = etag;
        }
        if *s != before {
            save(&self.path, s);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modes::bridge::github::RateLimit;

    #[test]
    fn a_spent_quota_waits_for_its_reset() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let spent = RateLimit {
            limit: Some(5000),
            remaining: Some(0),
            reset: Some(now + 120),
        };
        let w = quota_wait(spent).unwrap();
        assert!(
            w >= Duration::from_secs(119) && w <= Duration::from_secs(122),
            "{w:?}"
        );
        let left = RateLimit {
            remaining: Some(10),
            ..spent
        };
        assert_eq!(quota_wait(left), None);
        assert_eq!(quota_wait(RateLimit::default()), None);
    }

    #[test]
    fn a_broken_poll_file_is_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("poll.json");
        assert_eq!(load(&path), None);
        std::fs::write(&path, "{not json").unwrap();
        assert_eq!(load(&path), None);
        assert!(!path.exists());
        assert!(dir.path().join("poll.json.corrupt").exists());
        let state = PollState {
            repo: "o/r".into(),
            issue_floor: 3,
            ..PollState::default()
        };
        save(&path, &state);
        assert_eq!(load(&path), Some(state));
    }
}
