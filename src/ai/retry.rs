//! Retry timing: `retry-after` parsing, exponential backoff with jitter, and the backoff budget.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

/// Longest single backoff we compute ourselves.
pub const MAX_BACKOFF_MS: u64 = 30_000;
/// A provider asking for a longer wait than this is treated as "not now": move on.
pub const MAX_RETRY_AFTER_MS: u64 = 120_000;

/// The delay asked for by `retry-after-ms` (milliseconds) or `retry-after` (seconds or an
/// HTTP date, relative to `now_ms`).
pub fn parse_retry_after(
    retry_after: Option<&str>,
    retry_after_ms: Option<&str>,
    now_ms: i64,
) -> Option<u64> {
    if let Some(ms) = retry_after_ms.and_then(|v| v.trim().parse::<f64>().ok())
        && ms.is_finite()
        && ms >= 0.0
    {
        return Some(ms.round() as u64);
    }
    let value = retry_after?.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| (secs * 1000.0).round() as u64);
    }
    let at = jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(value)
        .ok()?;
    Some((at.as_millisecond() - now_ms).max(0) as u64)
}

/// The backoff before retry number `attempt` (1-based): `initial * 2^(attempt-1)`, capped; with
/// jitter, a value in `[delay/2, delay]` picked by `unit` (in `[0, 1)`).
pub fn backoff_ms(attempt: u32, initial_ms: u64, jitter: bool, unit: f64) -> u64 {
    let exp = attempt.saturating_sub(1).min(20);
    let delay = initial_ms.saturating_mul(1u64 << exp).min(MAX_BACKOFF_MS);
    if jitter {
        let half = delay / 2;
        half + ((delay - half) as f64 * unit.clamp(0.0, 1.0)) as u64
    } else {
        delay
    }
}

/// A random number in `[0, 1)`, good enough for jitter.
pub fn random_unit() -> f64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(std::process::id() as u64);
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// The retry state of one model within one request.
#[derive(Debug, Clone)]
pub struct RetryState {
    pub max_retries: u32,
    pub budget_ms: u64,
    pub initial_ms: u64,
    pub jitter: bool,
    /// Retries done so far.
    pub attempts: u32,
    /// Backoff slept so far.
    pub spent_ms: u64,
}

impl RetryState {
    pub fn new(max_retries: u32, budget_ms: u64, initial_ms: u64, jitter: bool) -> Self {
        RetryState {
            max_retries,
            budget_ms,
            initial_ms,
            jitter,
            attempts: 0,
            spent_ms: 0,
        }
    }

    /// The delay before the next retry, or the limit that stops retrying. `asked_ms` is the
    /// provider's `retry-after`, which replaces the computed backoff.
    pub fn next_delay(&mut self, asked_ms: Option<u64>, unit: f64) -> Result<u64, RetryLimit> {
        if self.attempts >= self.max_retries {
            return Err(RetryLimit::Count {
                max: self.max_retries,
            });
        }
        let delay = match asked_ms {
            Some(ms) if ms > MAX_RETRY_AFTER_MS => {
                return Err(RetryLimit::RetryAfter { asked_ms: ms });
            }
            Some(ms) => ms,
            None => backoff_ms(self.attempts + 1, self.initial_ms, self.jitter, unit),
        };
        if self.budget_ms > 0 && self.spent_ms.saturating_add(delay) > self.budget_ms {
            return Err(RetryLimit::Budget {
                budget_ms: self.budget_ms,
                spent_ms: self.spent_ms,
                next_ms: delay,
            });
        }
        self.attempts += 1;
        self.spent_ms += delay;
        Ok(delay)
    }
}

/// What stopped the retries of a request: the user needs to know which flag to raise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryLimit {
    /// Every retry `--provider-max-retries` allows was made.
    Count { max: u32 },
    /// The next wait would pass `--provider-retry-budget-ms`.
    Budget {
        budget_ms: u64,
        spent_ms: u64,
        next_ms: u64,
    },
    /// The provider asked for a longer wait than [`MAX_RETRY_AFTER_MS`].
    RetryAfter { asked_ms: u64 },
}

impl RetryLimit {
    /// Why retrying stopped, for the error message.
    pub fn reason(&self) -> String {
        match self {
            RetryLimit::Count { max } => {
                format!("--provider-max-retries {max} reached")
            }
            RetryLimit::Budget {
                budget_ms,
                spent_ms,
                next_ms,
            } => format!(
                "the retry time budget ran out: {spent_ms} ms waited, the next {next_ms} ms wait would pass --provider-retry-budget-ms {budget_ms}"
            ),
            RetryLimit::RetryAfter { asked_ms } => format!(
                "the provider asked to wait {} s, longer than the {} s pi waits",
                asked_ms.div_ceil(1000),
                MAX_RETRY_AFTER_MS / 1000
            ),
        }
    }

    /// What the user can do about it.
    pub fn advice(&self) -> &'static str {
        match self {
            RetryLimit::Count { .. } => "raise --provider-max-retries or pass --fallback-model",
            RetryLimit::Budget { .. } => {
                "raise --provider-retry-budget-ms (0 disables it) or pass --fallback-model"
            }
            RetryLimit::RetryAfter { .. } => "try again later or pass --fallback-model",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after(Some("2"), None, 0), Some(2000));
        assert_eq!(parse_retry_after(Some(" 0.5 "), None, 0), Some(500));
        assert_eq!(parse_retry_after(Some("2"), Some("150"), 0), Some(150));
        assert_eq!(parse_retry_after(Some("soon"), None, 0), None);
        assert_eq!(parse_retry_after(Some("-1"), None, 0), None);
        assert_eq!(parse_retry_after(None, None, 0), None);
        let now = jiff::Timestamp::from_second(784_111_777)
            .unwrap()
            .as_millisecond();
        assert_eq!(
            parse_retry_after(Some("Sun, 06 Nov 1994 08:49:40 GMT"), None, now),
            Some(3000)
        );
        // A date in the past means "now".
        assert_eq!(
            parse_retry_after(Some("Sun, 06 Nov 1994 08:49:30 GMT"), None, now),
            Some(0)
        );
    }

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff_ms(1, 1000, false, 0.0), 1000);
        assert_eq!(backoff_ms(2, 1000, false, 0.0), 2000);
        assert_eq!(backoff_ms(3, 1000, false, 0.0), 4000);
        assert_eq!(backoff_ms(10, 1000, false, 0.0), MAX_BACKOFF_MS);
        assert_eq!(backoff_ms(100, u64::MAX, false, 0.0), MAX_BACKOFF_MS);
        assert_eq!(backoff_ms(1, 1000, true, 0.0), 500);
        assert_eq!(backoff_ms(1, 1000, true, 0.999_999), 999);
    }

    #[test]
    fn retries_and_budget_run_out() {
        let mut r = RetryState::new(3, 0, 100, false);
        assert_eq!(r.next_delay(None, 0.0), Ok(100));
        assert_eq!(r.next_delay(Some(7), 0.0), Ok(7));
        assert_eq!(r.next_delay(None, 0.0), Ok(400));
        assert_eq!(r.next_delay(None, 0.0), Err(RetryLimit::Count { max: 3 }));

        let mut r = RetryState::new(10, 250, 100, false);
        assert_eq!(r.next_delay(None, 0.0), Ok(100));
        assert_eq!(
            r.next_delay(None, 0.0),
            Err(RetryLimit::Budget {
                budget_ms: 250,
                spent_ms: 100,
                next_ms: 200
            }),
            "200 more would pass the 250 budget"
        );

        let mut r = RetryState::new(10, 0, 100, false);
        assert_eq!(
            r.next_delay(Some(MAX_RETRY_AFTER_MS + 1), 0.0),
            Err(RetryLimit::RetryAfter {
                asked_ms: MAX_RETRY_AFTER_MS + 1
            })
        );
    }

    #[test]
    fn each_limit_names_its_flag() {
        let count = RetryLimit::Count { max: 3 };
        assert!(count.reason().contains("--provider-max-retries 3"));
        let budget = RetryLimit::Budget {
            budget_ms: 250,
            spent_ms: 100,
            next_ms: 200,
        };
        assert!(budget.reason().contains("--provider-retry-budget-ms 250"));
        assert!(!budget.reason().contains("max-retries"));
        assert!(budget.advice().contains("--provider-retry-budget-ms"));
    }

    #[test]
    fn random_unit_in_range() {
        for _ in 0..100 {
            let u = random_unit();
            assert!((0.0..1.0).contains(&u));
        }
    }

    proptest! {
        #[test]
        fn backoff_bounded(attempt in 0u32..200, initial in 0u64..100_000, unit in 0.0f64..1.0, jitter: bool) {
            let d = backoff_ms(attempt, initial, jitter, unit);
            prop_assert!(d <= MAX_BACKOFF_MS);
            let plain = backoff_ms(attempt, initial, false, 0.0);
            prop_assert!(d <= plain && d >= plain / 2);
        }

        #[test]
        fn budget_never_exceeded(budget in 1u64..10_000, asks in proptest::collection::vec(proptest::option::of(0u64..3000), 0..20)) {
            let mut r = RetryState::new(50, budget, 100, true);
            for a in asks {
                let _ = r.next_delay(a, 0.5);
                prop_assert!(r.spent_ms <= budget);
            }
        }
    }
}
