//! GitHub's rate limits: what every response says about them, and the pure decision of how
//! long to wait before retrying a request.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// The longest backoff after a server error.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// The longest wait after a rate limit that says nothing about when to come back.
const MAX_RATE_BACKOFF: Duration = Duration::from_secs(15 * 60);

/// The rate-limit headers of one response (`x-ratelimit-*`); absent headers are `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub limit: Option<u64>,
    /// Requests left in the window.
    pub remaining: Option<u64>,
    /// When the window resets, in epoch seconds.
    pub reset: Option<i64>,
}

fn header<T: std::str::FromStr>(headers: &HeaderMap, name: &str) -> Option<T> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

impl RateLimit {
    /// Reads the `x-ratelimit-limit`, `-remaining` and `-reset` headers.
    pub fn from_headers(headers: &HeaderMap) -> RateLimit {
        RateLimit {
            limit: header(headers, "x-ratelimit-limit"),
            remaining: header(headers, "x-ratelimit-remaining"),
            reset: header(headers, "x-ratelimit-reset"),
        }
    }
}

/// Exponential backoff: 1 s, 2 s, 4 s, … capped at a minute.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(1u64 << attempt.min(6)).min(MAX_BACKOFF)
}

/// The wait after a rate limit with neither `retry-after` nor an exhausted quota: GitHub asks
/// for at least a minute, growing exponentially while it goes on (1, 2, 4… minutes, up to 15).
pub fn rate_backoff(attempt: u32) -> Duration {
    Duration::from_secs(60u64 << attempt.min(4)).min(MAX_RATE_BACKOFF)
}

/// How long to wait before retrying a request that got `status` with `headers`, at `now`
/// (epoch seconds), on its `attempt`th retry (0 for the first); `None` when the answer is not
/// worth retrying (success, or a client error that is not a rate limit).
///
/// A 429, or a 403 with `retry-after` or `x-ratelimit-remaining: 0`, is a rate limit: wait
/// `retry-after` seconds, else until `x-ratelimit-reset`, else [`rate_backoff`] (at least a
/// minute, as GitHub's best practices ask). A 5xx backs off exponentially from a second. (A 403 whose body names a secondary rate limit but carries neither
/// header is recognised by the client, which then uses [`rate_backoff`].)
pub fn wait_for(
    status: StatusCode,
    headers: &HeaderMap,
    now: i64,
    attempt: u32,
) -> Option<Duration> {
    if status.is_server_error() {
        return Some(backoff(attempt));
    }
    let retry_after: Option<u64> = header(headers, "retry-after");
    let limits = RateLimit::from_headers(headers);
    let exhausted = limits.remaining == Some(0);
    let limited = status == StatusCode::TOO_MANY_REQUESTS
        || (status == StatusCode::FORBIDDEN && (retry_after.is_some() || exhausted));
    if !limited {
        return None;
    }
    if let Some(secs) = retry_after {
        return Some(Duration::from_secs(secs));
    }
    if exhausted && let Some(reset) = limits.reset {
        // At least a second: the reset time is rounded down and clocks drift.
        return Some(Duration::from_secs(reset.saturating_sub(now).max(1) as u64));
    }
    Some(rate_backoff(attempt))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn success_and_plain_client_errors_are_not_retried() {
        let none = HeaderMap::new();
        assert_eq!(wait_for(StatusCode::OK, &none, 0, 0), None);
        assert_eq!(wait_for(StatusCode::NOT_FOUND, &none, 0, 0), None);
        assert_eq!(wait_for(StatusCode::UNAUTHORIZED, &none, 0, 0), None);
        // A 403 with requests left and no retry-after is a permission problem.
        let h = headers(&[("x-ratelimit-remaining", "10")]);
        assert_eq!(wait_for(StatusCode::FORBIDDEN, &h, 0, 0), None);
    }

    #[test]
    fn retry_after_wins() {
        let h = headers(&[
            ("retry-after", "7"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1000"),
        ]);
        assert_eq!(
            wait_for(StatusCode::TOO_MANY_REQUESTS, &h, 0, 3),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            wait_for(StatusCode::FORBIDDEN, &h, 0, 3),
            Some(Duration::from_secs(7))
        );
    }

    #[test]
    fn exhausted_primary_limit_waits_until_reset() {
        let h = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1100"),
        ]);
        assert_eq!(
            wait_for(StatusCode::FORBIDDEN, &h, 1000, 0),
            Some(Duration::from_secs(100))
        );
        assert_eq!(
            wait_for(StatusCode::TOO_MANY_REQUESTS, &h, 1000, 0),
            Some(Duration::from_secs(100))
        );
        // A reset in the past still waits a second.
        assert_eq!(
            wait_for(StatusCode::FORBIDDEN, &h, 2000, 0),
            Some(Duration::from_secs(1))
        );
    }

    #[test]
    fn otherwise_backs_off_exponentially() {
        let none = HeaderMap::new();
        // A rate limit without a time waits at least a minute, doubling, up to 15 minutes.
        assert_eq!(
            wait_for(StatusCode::TOO_MANY_REQUESTS, &none, 0, 0),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            wait_for(StatusCode::TOO_MANY_REQUESTS, &none, 0, 2),
            Some(Duration::from_secs(240))
        );
        assert_eq!(
            wait_for(StatusCode::TOO_MANY_REQUESTS, &none, 0, 9),
            Some(MAX_RATE_BACKOFF)
        );
        assert_eq!(
            wait_for(StatusCode::BAD_GATEWAY, &none, 0, 1),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            wait_for(StatusCode::INTERNAL_SERVER_ERROR, &none, 0, 30),
            Some(MAX_BACKOFF)
        );
    }

    #[test]
    fn reads_the_rate_limit_headers() {
        let h = headers(&[
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", "4999"),
            ("x-ratelimit-reset", "1700000000"),
        ]);
        let r = RateLimit::from_headers(&h);
        assert_eq!(
            r,
            RateLimit {
                limit: Some(5000),
                remaining: Some(4999),
                reset: Some(1_700_000_000)
            }
        );
        assert_eq!(
            RateLimit::from_headers(&HeaderMap::new()),
            RateLimit::default()
        );
    }
}
