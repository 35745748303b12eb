//! Webhook signatures and replays: whether a received payload was signed with the shared
//! secret (GitHub's `X-Hub-Signature-256`, Slack's `v0` scheme) and whether the same signature
//! was already accepted. Pure checks over bytes and an injected clock; the only I/O is the
//! replay record, a small JSON file guarded by a lock so separate ingest processes agree.
//!
//! A caller verifies first and records second: [`ReplayGuard::check_and_record`] takes the
//! [`Verified`] that only [`verify`] makes, so an unsigned sender cannot fill the record.

mod replay;
mod signature;
#[cfg(test)]
mod tests;

pub use replay::{ReplayGuard, replay_window_secs};
pub use signature::{Algorithm, DEFAULT_MAX_SKEW_SECS, UnknownAlgorithm, Verified, sign, verify};

/// Why a payload was refused. The messages are one line and never contain the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The signature (or the timestamp) is not in the scheme's form.
    #[error("malformed webhook signature: {reason}")]
    BadFormat { reason: String },
    /// Well formed, but not made with this secret over this body (and timestamp).
    #[error(
        "webhook signature does not match the payload: check that the secret is the one set \
         in the sender and that the payload file holds the raw body as received"
    )]
    Mismatch,
    /// The signed timestamp is too far from now: `skew` seconds, positive when it is in the
    /// past, negative when it is in the future.
    #[error(
        "webhook timestamp is {} s {}, more than the {max_skew} s allowed \
         (a replay, or this machine's clock is off)",
        skew.unsigned_abs(),
        if *skew >= 0 { "old" } else { "in the future" }
    )]
    StaleTimestamp { skew: i64, max_skew: u64 },
    /// The scheme signs a timestamp and none was given.
    #[error("webhook timestamp missing: slack-v0 needs the X-Slack-Request-Timestamp value")]
    MissingTimestamp,
    /// The same signature was accepted `age_secs` seconds ago, inside the replay window.
    #[error("webhook signature was already accepted {age_secs} s ago: refused as a replay")]
    Replayed { age_secs: i64 },
    /// The secret is empty: anybody could sign, so nothing is accepted.
    #[error("webhook secret is empty: set the same non-empty secret here and in the sender")]
    EmptySecret,
    /// The replay record could not be read, locked or written, so a replay could not be
    /// ruled out.
    #[error("webhook replay record unusable, payload refused: {reason}")]
    ReplayRecord { reason: String },
}
