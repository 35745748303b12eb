//! HMAC-SHA256 webhook signatures in GitHub's and Slack's forms.
//!
//! - `github-sha256`: `X-Hub-Signature-256: sha256=<hex>`, the HMAC of the raw body. The scheme
//!   signs no time, so a captured delivery stays valid forever; only the replay record
//!   (with a window the caller picks) stops it being sent twice.
//! - `slack-v0`: `X-Slack-Signature: v0=<hex>`, the HMAC of `v0:<timestamp>:<raw body>` with
//!   `X-Slack-Request-Timestamp`; a timestamp more than the allowed skew from now is refused.
//!
//! Hex is read case-insensitively (RFC 4648 hex is; GitHub and Slack send lowercase) and
//! compared as bytes in constant time by `hmac`'s `verify_slice`, never as strings.

use std::fmt;
use std::str::FromStr;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use super::Refusal;

/// Slack's recommended limit on a timestamp's distance from now, in seconds.
pub const DEFAULT_MAX_SKEW_SECS: u64 = 300;

/// Length of an HMAC-SHA256 tag in bytes.
const MAC_LEN: usize = 32;
/// Longest timestamp read (digits); Unix seconds need 10 until the year 2286.
const MAX_TIMESTAMP_DIGITS: usize = 18;

type HmacSha256 = Hmac<Sha256>;

/// A signature scheme, as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// GitHub webhooks: `sha256=` + HMAC-SHA256(secret, body).
    GithubSha256,
    /// Slack requests: `v0=` + HMAC-SHA256(secret, `v0:` + timestamp + `:` + body).
    SlackV0,
}

impl Algorithm {
    /// Every scheme, in the order the help text lists them.
    pub const ALL: [Algorithm; 2] = [Algorithm::GithubSha256, Algorithm::SlackV0];

    /// The name used on the command line: `github-sha256` or `slack-v0`.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::GithubSha256 => "github-sha256",
            Algorithm::SlackV0 => "slack-v0",
        }
    }

    /// The HTTP header the sender puts the signature in.
    pub fn signature_header(self) -> &'static str {
        match self {
            Algorithm::GithubSha256 => "X-Hub-Signature-256",
            Algorithm::SlackV0 => "X-Slack-Signature",
        }
    }

    /// The HTTP header carrying the signed timestamp, for the schemes that sign one.
    pub fn timestamp_header(self) -> Option<&'static str> {
        match self {
            Algorithm::GithubSha256 => None,
            Algorithm::SlackV0 => Some("X-Slack-Request-Timestamp"),
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Algorithm::GithubSha256 => "sha256=",
            Algorithm::SlackV0 => "v0=",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A scheme name that is not one of [`Algorithm::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown webhook signature algorithm {0:?}: use github-sha256 or slack-v0")]
pub struct UnknownAlgorithm(pub String);

impl FromStr for Algorithm {
    type Err = UnknownAlgorithm;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Algorithm::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| UnknownAlgorithm(s.to_string()))
    }
}

/// Proof that a payload's signature checked out. Only [`verify`] makes one, so the replay
/// record only ever holds signatures made with the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    algorithm: Algorithm,
    timestamp: Option<i64>,
    mac: [u8; MAC_LEN],
}

impl Verified {
    /// The scheme that was checked.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The signed Unix timestamp (slack-v0), `None` for schemes that sign no time.
    pub fn timestamp(&self) -> Option<i64> {
        self.timestamp
    }

    /// The key the replay record stores: lowercase hex SHA-256 of the scheme's name and the
    /// decoded tag. Decoded, so `sha256=AB…` and `sha256=ab…` are the same signature; hashed,
    /// so the record holds no signature that could be sent again.
    pub fn replay_key(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.algorithm.as_str().as_bytes());
        h.update([0u8]);
        h.update(self.mac);
        to_hex(&h.finalize())
    }
}

/// Checks `signature` (the header value, prefix included) for `body` under `secret`.
///
/// `timestamp` is the scheme's timestamp header (slack-v0 needs it; github-sha256 ignores it)
/// and must be within `max_skew_secs` of `now_unix`, in either direction. The body is read
/// once, so the cost is linear in its length.
pub fn verify(
    alg: Algorithm,
    secret: &[u8],
    signature: &str,
    body: &[u8],
    timestamp: Option<&str>,
    now_unix: i64,
    max_skew_secs: u64,
) -> Result<Verified, Refusal> {
    let mac = parse_signature(alg, signature)?;
    let timestamp = match alg {
        Algorithm::GithubSha256 => None,
        Algorithm::SlackV0 => {
            let raw = timestamp.ok_or(Refusal::MissingTimestamp)?;
            let ts = parse_timestamp(raw)?;
            check_skew(ts, now_unix, max_skew_secs)?;
            Some((raw.trim(), ts))
        }
    };
    let computed = keyed(alg, secret, timestamp.map(|(raw, _)| raw), body)?;
    computed.verify_slice(&mac).map_err(|_| Refusal::Mismatch)?;
    Ok(Verified {
        algorithm: alg,
        timestamp: timestamp.map(|(_, ts)| ts),
        mac,
    })
}

/// The header value a sender would put on `body`: `sha256=<hex>` or `v0=<hex>` (lowercase).
/// `timestamp` is signed by slack-v0 and ignored by github-sha256. For tests and fakes that
/// play the sender.
pub fn sign(
    alg: Algorithm,
    secret: &[u8],
    body: &[u8],
    timestamp: Option<&str>,
) -> Result<String, Refusal> {
    let ts = match alg {
        Algorithm::GithubSha256 => None,
        Algorithm::SlackV0 => Some(timestamp.ok_or(Refusal::MissingTimestamp)?),
    };
    let tag = keyed(alg, secret, ts, body)?.finalize().into_bytes();
    Ok(format!("{}{}", alg.prefix(), to_hex(&tag)))
}

/// The HMAC over the scheme's signed bytes, streamed (no copy of the body).
fn keyed(
    alg: Algorithm,
    secret: &[u8],
    timestamp: Option<&str>,
    body: &[u8],
) -> Result<HmacSha256, Refusal> {
    if secret.is_empty() {
        return Err(Refusal::EmptySecret);
    }
    // HMAC takes a key of any length; an error here would be a bug in the crate, not input.
    let mut mac = HmacSha256::new_from_slice(secret).map_err(|_| Refusal::EmptySecret)?;
    if let (Algorithm::SlackV0, Some(ts)) = (alg, timestamp) {
        mac.update(b"v0:");
        mac.update(ts.as_bytes());
        mac.update(b":");
    }
    mac.update(body);
    Ok(mac)
}

fn parse_signature(alg: Algorithm, signature: &str) -> Result<[u8; MAC_LEN], Refusal> {
    let bad = |reason: String| Refusal::BadFormat { reason };
    let value = signature.trim();
    if value.is_empty() {
        return Err(bad(format!(
            "the {} value is empty",
            alg.signature_header()
        )));
    }
    let hex = value.strip_prefix(alg.prefix()).ok_or_else(|| {
        bad(format!(
            "{} signatures start with {:?} ({} header)",
            alg,
            alg.prefix(),
            alg.signature_header()
        ))
    })?;
    if hex.len() != MAC_LEN * 2 {
        return Err(bad(format!(
            "expected {} hex digits after {:?}, found {} characters",
            MAC_LEN * 2,
            alg.prefix(),
            hex.chars().count()
        )));
    }
    let mut out = [0u8; MAC_LEN];
    for (byte, pair) in out.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
        match (hex_value(pair[0]), hex_value(pair[1])) {
            (Some(hi), Some(lo)) => *byte = hi << 4 | lo,
            _ => {
                return Err(bad(format!(
                    "the part after {:?} is not hexadecimal",
                    alg.prefix()
                )));
            }
        }
    }
    Ok(out)
}

fn parse_timestamp(raw: &str) -> Result<i64, Refusal> {
    let digits = raw.trim();
    let is_number = !digits.is_empty()
        && digits.len() <= MAX_TIMESTAMP_DIGITS
        && digits.bytes().all(|b| b.is_ascii_digit());
    match digits.parse::<i64>() {
        Ok(ts) if is_number => Ok(ts),
        _ => Err(Refusal::BadFormat {
            reason: "the timestamp is not a number of Unix seconds".to_string(),
        }),
    }
}

fn check_skew(ts: i64, now_unix: i64, max_skew_secs: u64) -> Result<(), Refusal> {
    let skew = i128::from(now_unix) - i128::from(ts);
    if skew.unsigned_abs() > u128::from(max_skew_secs) {
        let skew = i64::try_from(skew).unwrap_or(if skew < 0 { i64::MIN } else { i64::MAX });
        return Err(Refusal::StaleTimestamp {
            skew,
            max_skew: max_skew_secs,
        });
    }
    Ok(())
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Lowercase hex, two digits a byte.
pub(super) fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}
