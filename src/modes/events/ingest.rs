//! Webhook ingest: turns one received payload into an immediate event file in the events
//! dir, for the runner to pick up. No printing; the clock is passed in.
//!
//! The event's prompt is the configured prefix, a blank line and the payload as UTF-8
//! (invalid bytes replaced), cut on a character boundary at `max_prompt_bytes` with a
//! closing note `[payload truncated: N of M bytes shown]`.
//!
//! Ids: `webhook-<unix ms>-<pid hex>-<n>` without a debounce key (n counts up until the file
//! name is free). With a debounce key the id is `webhook-<key>-<hash>-<first seen ms>`: the key
//! sanitized to `[A-Za-z0-9._-]` and cut to 32 bytes, a 12-hex SHA-256 of the raw key (two
//! keys that sanitize alike stay apart), and the time the key's window opened. The window
//! start of each key lives in the sidecar `<events dir>/.debounce.json` (`{key: first_seen_ms}`,
//! hidden, so the scan skips it; written atomically). A payload whose key was first seen less
//! than the window ago, and whose event file is still queued, replaces that file (same name,
//! same window start); otherwise the window restarts and a new event is written. The sidecar
//! is not locked: two ingests of one key at the same instant may both start a window.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::event::{check_id, parse_event};
use crate::modes::bridge::store::ConversationKey;
use crate::private_fs;

/// The default cap on the payload's share of the prompt, in bytes.
pub const DEFAULT_MAX_PROMPT_BYTES: usize = 64 * 1024;

/// The sidecar holding each debounce key's window start.
pub const DEBOUNCE_FILE: &str = ".debounce.json";

/// Longest part of a debounce key kept in the id.
const KEY_PART_LEN: usize = 32;

/// Where and how a payload becomes an event.
#[derive(Debug, Clone)]
pub struct Ingest {
    /// The events dir the runner watches.
    pub events_dir: PathBuf,
    /// The conversation the event runs in.
    pub channel: ConversationKey,
    /// Text put before the payload.
    pub prompt_prefix: String,
    /// A key and its window: payloads of one key within the window make one run.
    pub debounce: Option<(String, Duration)>,
    /// The payload's share of the prompt, at most, in bytes.
    pub max_prompt_bytes: usize,
}

/// What [`ingest`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingested {
    /// The event's id.
    pub id: String,
    /// The event file.
    pub file: PathBuf,
    /// Whether a queued event of the same debounce key was replaced.
    pub replaced: bool,
    /// Whether the payload was cut to fit.
    pub truncated: bool,
}

/// Writes the event file for `payload`; the error is one line and nothing is written then.
pub fn ingest(cfg: &Ingest, payload: &[u8], now_ms: i64) -> Result<Ingested, String> {
    let (prompt, truncated) = prompt(&cfg.prompt_prefix, payload, cfg.max_prompt_bytes);
    if prompt.trim().is_empty() {
        return Err("empty payload and no prompt prefix: nothing to ask".into());
    }
    private_fs::create_dir_all(&cfg.events_dir)
        .map_err(|e| format!("cannot create {}: {e}", cfg.events_dir.display()))?;
    let (id, replaced, sidecar) = match &cfg.debounce {
        None => (fresh_id(&cfg.events_dir, now_ms)?, false, None),
        Some((key, window)) => {
            let (id, replaced, record) = debounced(&cfg.events_dir, key, *window, now_ms);
            (id, replaced, Some(record))
        }
    };
    check_id(&id)?;
    let file = cfg.events_dir.join(format!("{id}.json"));
    let value = serde_json::json!({
        "id": id,
        "channel": cfg.channel.to_string(),
        "prompt": prompt,
        "schedule": "immediate",
    });
    let text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
    // The runner reads it with the same parser: refuse here rather than queue a bad file.
    parse_event(&text, &file)?;
    if let Some(record) = sidecar {
        let bytes = serde_json::to_vec(&record).map_err(|e| e.to_string())?;
        let path = cfg.events_dir.join(DEBOUNCE_FILE);
        private_fs::write_atomic(&path, &bytes, Some(0o600))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    private_fs::write_atomic(&file, text.as_bytes(), Some(0o600))
        .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    Ok(Ingested {
        id,
        file,
        replaced,
        truncated,
    })
}

/// The prompt for `payload`, and whether the payload was cut.
fn prompt(prefix: &str, payload: &[u8], max: usize) -> (String, bool) {
    let text = String::from_utf8_lossy(payload);
    let (body, truncated) = if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let note = format!(
            "\n\n[payload truncated: {end} of {} bytes shown]",
            payload.len()
        );
        (format!("{}{note}", &text[..end]), true)
    } else {
        (text.into_owned(), false)
    };
    if prefix.is_empty() {
        (body, truncated)
    } else {
        (format!("{prefix}\n\n{body}"), truncated)
    }
}

/// `webhook-<ms>-<pid>-<n>`, the first whose file does not exist yet.
fn fresh_id(dir: &Path, now_ms: i64) -> Result<String, String> {
    let pid = std::process::id();
    for n in 0..10_000u32 {
        let id = format!("webhook-{now_ms}-{pid:x}-{n}");
        if !dir.join(format!("{id}.json")).exists() {
            return Ok(id);
        }
    }
    Err("no free event id in the events dir".into())
}

/// The id for `key` at `now_ms`, whether it replaces a queued event, and the sidecar to write.
fn debounced(
    dir: &Path,
    key: &str,
    window: Duration,
    now_ms: i64,
) -> (String, bool, BTreeMap<String, i64>) {
    let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
    // A damaged or missing sidecar only loses window starts: the next payload starts afresh.
    let mut record: BTreeMap<String, i64> = std::fs::read(dir.join(DEBOUNCE_FILE))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let open = record.get(key).copied().filter(|first| {
        now_ms.saturating_sub(*first) < window_ms
            && dir.join(format!("{}.json", key_id(key, *first))).exists()
    });
    let (first, replaced) = match open {
        Some(first) => (first, true),
        None => (now_ms, false),
    };
    // Windows long closed are dropped so the sidecar stays small.
    record.retain(|_, seen| now_ms.saturating_sub(*seen) < window_ms);
    record.insert(key.to_string(), first);
    (key_id(key, first), replaced, record)
}

fn key_id(key: &str, first_ms: i64) -> String {
    let clean: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(KEY_PART_LEN)
        .collect();
    let hash = Sha256::digest(key.as_bytes());
    let hex: String = hash.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("webhook-{clean}-{hex}-{first_ms}")
}

#[cfg(test)]
#[path = "ingest_tests.rs"]
mod tests;
