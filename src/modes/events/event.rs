//! The event file: one JSON object per file in the events dir, checked in full when read so a
//! bad file is refused with one line naming the reason and never half-runs.
//!
//! ```json
//! {"id": "daily-summary", "channel": "slack/C123", "prompt": "Summarise yesterday",
//!  "schedule": {"cron": "0 9 * * MON-FRI", "timezone": "Europe/Berlin"},
//!  "model": "anthropic/claude-sonnet-4-5", "enabled": true}
//! ```
//!
//! `schedule` is `"immediate"`, `{"immediate": true}`, `{"at_unix_ms": N}` or
//! `{"cron": "MIN HOUR DOM MON DOW", "timezone"?: "Area/City"}` (UTC when left out). Cron
//! patterns have five fields (no seconds): a slot is a minute.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use croner::Cron;
use croner::parser::{CronParser, Seconds};
use jiff::tz::TimeZone;
use serde::Deserialize;

use crate::modes::bridge::store::ConversationKey;

/// Longest event id, in bytes.
const MAX_ID_LEN: usize = 80;

/// One event, as read from its file.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The file it was read from.
    pub file: PathBuf,
    /// Its id: `[A-Za-z0-9._-]{1,80}`, unique in the events dir.
    pub id: String,
    /// The conversation it runs in, and where its answer goes.
    pub channel: ConversationKey,
    /// The prompt sent to the agent.
    pub prompt: String,
    /// When it runs.
    pub schedule: Schedule,
    /// `provider/id`, or the runner's default model when `None`.
    pub model: Option<String>,
    /// A disabled event is read and listed but never runs.
    pub enabled: bool,
}

/// When an event runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    /// As soon as the runner sees it, once.
    Immediate,
    /// Once, at or after this time (unix milliseconds).
    At {
        /// The time, in unix milliseconds.
        unix_ms: i64,
    },
    /// Once per slot of a cron pattern, read in a time zone.
    Cron(CronSchedule),
}

/// A parsed cron pattern and the zone its wall-clock times are read in.
#[derive(Debug, Clone, PartialEq)]
pub struct CronSchedule {
    /// The pattern as written (`0 9 * * MON-FRI`).
    pub pattern: String,
    /// The zone name as written (`Europe/Berlin`), `UTC` when left out.
    pub timezone: String,
    pub(crate) cron: Arc<Cron>,
    pub(crate) zone: TimeZone,
}

/// Distinct patterns kept parsed; past it the memo starts afresh.
const MEMO_LIMIT: usize = 1_024;

/// A parsed pattern per distinct text, shared by every event that uses it. croner takes
/// ~20 µs and ~10 KB (a bit per possible year) to parse a pattern: once per event, a scan of
/// 10,000 files would spend 190 ms and the runner 100 MB on copies of a few patterns.
fn parse_cron(pattern: &str) -> Result<Arc<Cron>, String> {
    static MEMO: OnceLock<Mutex<HashMap<String, Arc<Cron>>>> = OnceLock::new();
    let memo = MEMO.get_or_init(Mutex::default);
    if let Some(cron) = memo.lock().ok().and_then(|m| m.get(pattern).cloned()) {
        return Ok(cron);
    }
    let cron = CronParser::builder()
        .seconds(Seconds::Disallowed)
        .build()
        .parse(pattern)
        .map(Arc::new)
        .map_err(|e| format!("schedule: bad cron pattern {pattern:?}: {e}"))?;
    if let Ok(mut m) = memo.lock() {
        if m.len() >= MEMO_LIMIT {
            m.clear();
        }
        m.insert(pattern.to_string(), Arc::clone(&cron));
    }
    Ok(cron)
}

impl CronSchedule {
    /// Parses a five-field cron `pattern` read in the IANA zone `timezone` (UTC when `None`).
    pub fn new(pattern: &str, timezone: Option<&str>) -> Result<CronSchedule, String> {
        let cron = parse_cron(pattern)?;
        let (name, zone) = match timezone {
            None => ("UTC".to_string(), TimeZone::UTC),
            Some(name) => {
                let zone = TimeZone::get(name).map_err(|_| {
                    format!(
                        "schedule: unknown time zone {name:?} (an IANA name like Europe/Berlin)"
                    )
                })?;
                (name.to_string(), zone)
            }
        };
        Ok(CronSchedule {
            pattern: pattern.to_string(),
            timezone: name,
            cron,
            zone,
        })
    }
}

/// The file as written; checked further by [`parse_event`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    id: String,
    channel: String,
    prompt: String,
    schedule: serde_json::Value,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    enabled: Option<bool>,
}

/// Parses the text of an event file read from `file`; the error is one line with the reason.
pub fn parse_event(text: &str, file: &Path) -> Result<Event, String> {
    let raw: RawEvent = serde_json::from_str(text).map_err(|e| one_line(&e.to_string()))?;
    check_id(&raw.id)?;
    let channel = ConversationKey::parse(&raw.channel).map_err(|e| format!("channel: {e}"))?;
    if raw.prompt.trim().is_empty() {
        return Err("prompt: empty".into());
    }
    if let Some(model) = &raw.model {
        check_model(model)?;
    }
    Ok(Event {
        file: file.to_path_buf(),
        id: raw.id,
        channel,
        prompt: raw.prompt,
        schedule: parse_schedule(&raw.schedule)?,
        model: raw.model,
        enabled: raw.enabled.unwrap_or(true),
    })
}

/// Checks an event id: 1 to 80 bytes of `A-Z a-z 0-9 . _ -`.
pub fn check_id(id: &str) -> Result<(), String> {
    if id.is_empty() || id.len() > MAX_ID_LEN {
        return Err(format!("id: {id:?} must be 1 to {MAX_ID_LEN} characters"));
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err(format!(
            "id: {id:?} may hold only letters, digits, '.', '_' and '-'"
        ));
    }
    Ok(())
}

fn check_model(model: &str) -> Result<(), String> {
    match model.split_once('/') {
        Some((provider, id))
            if !provider.trim().is_empty()
                && !id.trim().is_empty()
                && !model.chars().any(char::is_control) =>
        {
            Ok(())
        }
        _ => Err(format!("model: {model:?} is not PROVIDER/ID")),
    }
}

const SCHEDULE_FORMS: &str =
    "\"immediate\", {\"at_unix_ms\": N} or {\"cron\": \"...\", \"timezone\": \"...\"}";

fn parse_schedule(value: &serde_json::Value) -> Result<Schedule, String> {
    use serde_json::Value;
    let fields = match value {
        Value::String(s) if s == "immediate" => return Ok(Schedule::Immediate),
        Value::Object(fields) => fields,
        _ => return Err(format!("schedule: expected {SCHEDULE_FORMS}")),
    };
    let keys: Vec<&str> = fields.keys().map(String::as_str).collect();
    match keys.as_slice() {
        ["immediate"] => match fields.get("immediate") {
            Some(Value::Bool(true)) => Ok(Schedule::Immediate),
            _ => Err("schedule: \"immediate\" must be true".into()),
        },
        ["at_unix_ms"] => match fields.get("at_unix_ms").and_then(Value::as_i64) {
            Some(ms) if ms >= 0 => Ok(Schedule::At { unix_ms: ms }),
            _ => Err("schedule: \"at_unix_ms\" must be a whole number of milliseconds".into()),
        },
        ["cron"] | ["cron", "timezone"] | ["timezone", "cron"] => {
            let pattern = fields
                .get("cron")
                .and_then(Value::as_str)
                .ok_or("schedule: \"cron\" must be a string")?;
            let zone = match fields.get("timezone") {
                None => None,
                Some(Value::String(z)) => Some(z.as_str()),
                Some(_) => return Err("schedule: \"timezone\" must be a string".into()),
            };
            CronSchedule::new(pattern, zone).map(Schedule::Cron)
        }
        _ => Err(format!(
            "schedule: unexpected fields {keys:?}; expected {SCHEDULE_FORMS}"
        )),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
#[path = "event_tests.rs"]
mod tests;
