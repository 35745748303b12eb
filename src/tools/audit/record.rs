//! One line of the audit log: a tool call's start (arguments, decision) or end (duration,
//! exit status, error, output bytes). Serialized with serde, so a written line parses back.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::tools::Verdict;
use crate::tools::secrets::Secrets;

/// The `version` field of every line; a reader accepts lines of this version and older.
pub const AUDIT_FORMAT_VERSION: u32 = 1;

/// Longest string argument kept whole (a `write`'s content would otherwise copy every file
/// the model writes into the log); longer ones are cut with a note of what was left out.
pub const MAX_ARGUMENT_STRING_BYTES: usize = 16 * 1024;

/// When a record was made: RFC 3339 in UTC with milliseconds, and the same instant in unix ms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditTime {
    pub rfc3339: String,
    pub unix_ms: i64,
}

impl AuditTime {
    pub fn now() -> AuditTime {
        AuditTime::at(jiff::Timestamp::now())
    }

    pub fn at(ts: jiff::Timestamp) -> AuditTime {
        AuditTime {
            rfc3339: ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            unix_ms: ts.as_millisecond(),
        }
    }
}

/// The session a call ran in: its id, and its file unless it is kept in memory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditSession {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

impl AuditSession {
    fn is_empty(&self) -> bool {
        self.id.is_none() && self.path.is_none()
    }
}

/// The policy's decision on a call and how an `ask` was answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditDecision {
    pub verdict: Verdict,
    pub reason: String,
    /// How an `ask` was answered (`approved`, `approved_for_session`,
    /// `remembered_for_session`, `denied`, `denied_and_stopped`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// Whether the call was let run (allowed, or an ask approved).
    pub runs: bool,
}

/// What a line records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum AuditPhase {
    Start {
        /// The call's arguments, secrets redacted, long strings cut.
        arguments: Value,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        decision: Option<AuditDecision>,
    },
    End {
        duration_ms: u64,
        /// bash's exit status, when it exited.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exit_code: Option<i32>,
        is_error: bool,
        output_bytes: u64,
    },
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub version: u32,
    /// RFC 3339, UTC.
    pub time: String,
    pub unix_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<AuditSession>,
    pub call_id: String,
    pub tool: String,
    #[serde(flatten)]
    pub phase: AuditPhase,
}

impl AuditRecord {
    /// A call's start. The arguments and the decision's reason (which may quote the command)
    /// are redacted here, so no caller can forget to.
    pub fn start(
        time: &AuditTime,
        session: AuditSession,
        call_id: &str,
        tool: &str,
        arguments: &Value,
        decision: Option<AuditDecision>,
        secrets: &Secrets,
    ) -> AuditRecord {
        let decision = decision.map(|d| AuditDecision {
            reason: secrets.redact(&d.reason).into_owned(),
            ..d
        });
        AuditRecord::new(
            time,
            session,
            call_id,
            tool,
            AuditPhase::Start {
                arguments: redact_arguments(arguments, secrets),
                decision,
            },
        )
    }

    pub fn new(
        time: &AuditTime,
        session: AuditSession,
        call_id: &str,
        tool: &str,
        phase: AuditPhase,
    ) -> AuditRecord {
        AuditRecord {
            version: AUDIT_FORMAT_VERSION,
            time: time.rfc3339.clone(),
            unix_ms: time.unix_ms,
            session: (!session.is_empty()).then_some(session),
            call_id: call_id.to_string(),
            tool: tool.to_string(),
            phase,
        }
    }

    /// The record as one line, newline included. JSON escapes every newline inside strings,
    /// so the line is whole.
    pub fn to_line(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut line = serde_json::to_vec(self)?;
        line.push(b'\n');
        Ok(line)
    }

    /// The key pairing a start with its end: the same call id in the same session.
    pub fn call_key(&self) -> (Option<&str>, &str) {
        let session = self
            .session
            .as_ref()
            .and_then(|s| s.id.as_deref().or(s.path.as_deref()));
        (session, &self.call_id)
    }
}

/// `arguments` with every secret replaced by `[redacted]` (in keys and string values, at any
/// depth) and strings longer than [`MAX_ARGUMENT_STRING_BYTES`] cut. Redaction comes first, so
/// a cut never leaves the beginning of a secret behind.
pub fn redact_arguments(arguments: &Value, secrets: &Secrets) -> Value {
    match arguments {
        Value::String(s) => Value::String(cut(&secrets.redact(s))),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| redact_arguments(v, secrets)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (secrets.redact(k).into_owned(), redact_arguments(v, secrets)))
                .collect::<Map<String, Value>>(),
        ),
        other => other.clone(),
    }
}

fn cut(s: &str) -> String {
    if s.len() <= MAX_ARGUMENT_STRING_BYTES {
        return s.to_string();
    }
    let mut end = MAX_ARGUMENT_STRING_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…[{} more bytes]", &s[..end], s.len() - end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn time() -> AuditTime {
        AuditTime::at(jiff::Timestamp::from_millisecond(1_795_000_000_123).unwrap())
    }

    fn session() -> AuditSession {
        AuditSession {
            id: Some("019a-session".into()),
            path: Some("/work/.pi/sessions/default.jsonl".into()),
        }
    }

    #[test]
    fn time_is_rfc3339_utc_with_milliseconds_and_the_same_instant_in_unix_ms() {
        let t = time();
        assert_eq!(t.unix_ms, 1_795_000_000_123);
        let parsed: jiff::Timestamp = t.rfc3339.parse().unwrap();
        assert_eq!(parsed.as_millisecond(), t.unix_ms);
        assert!(t.rfc3339.ends_with(".123Z"), "{}", t.rfc3339);
    }

    #[test]
    fn a_start_line_parses_back_with_every_field() {
        let decision = AuditDecision {
            verdict: Verdict::Ask,
            reason: "bash: rm outside the working directory asks first".into(),
            answer: Some("denied".into()),
            runs: false,
        };
        let args = json!({"command": "rm -rf /tmp/x\necho done", "timeout": 5});
        let record = AuditRecord::start(
            &time(),
            session(),
            "call_1",
            "bash",
            &args,
            Some(decision.clone()),
            &Secrets::default(),
        );
        let line = record.to_line().unwrap();
        assert_eq!(line.iter().filter(|b| **b == b'\n').count(), 1);
        assert_eq!(line.last(), Some(&b'\n'));
        let value: Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(value["version"], AUDIT_FORMAT_VERSION);
        assert_eq!(value["event"], "start");
        assert_eq!(value["time"], time().rfc3339);
        assert_eq!(value["unix_ms"], 1_795_000_000_123_i64);
        assert_eq!(value["session"]["id"], "019a-session");
        assert_eq!(value["call_id"], "call_1");
        assert_eq!(value["tool"], "bash");
        assert_eq!(value["arguments"], args);
        assert_eq!(value["decision"]["verdict"], "ask");
        assert_eq!(value["decision"]["answer"], "denied");
        assert_eq!(value["decision"]["runs"], false);
        let back: AuditRecord = serde_json::from_slice(&line).unwrap();
        assert_eq!(back, record);
    }

    #[test]
    fn an_end_line_parses_back_and_leaves_out_a_missing_exit_code() {
        let end = |exit_code| {
            AuditRecord::new(
                &time(),
                AuditSession::default(),
                "c2",
                "read",
                AuditPhase::End {
                    duration_ms: 12,
                    exit_code,
                    is_error: true,
                    output_bytes: 345,
                },
            )
        };
        let line = end(None).to_line().unwrap();
        let value: Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(value["event"], "end");
        assert_eq!(value["duration_ms"], 12);
        assert_eq!(value["is_error"], true);
        assert_eq!(value["output_bytes"], 345);
        assert!(value.get("exit_code").is_none(), "{value}");
        assert!(value.get("session").is_none(), "{value}");
        let with_code = end(Some(2));
        let back: AuditRecord = serde_json::from_slice(&with_code.to_line().unwrap()).unwrap();
        assert_eq!(back, with_code);
    }

    #[test]
    fn secrets_in_arguments_and_the_reason_are_redacted_at_any_depth() {
        let key = "sk-live-0123456789abcdef";
        let secrets = Secrets::from_values([key.to_string()]);
        let args = json!({
            "command": format!("curl -H 'Authorization: Bearer {key}' https://x"),
            "nested": [{"token": key}, 7, null],
            key: "as a key",
        });
        let decision = AuditDecision {
            verdict: Verdict::Allow,
            reason: format!("bash: curl -H {key} is allowed"),
            answer: None,
            runs: true,
        };
        let record = AuditRecord::start(
            &time(),
            session(),
            "c",
            "bash",
            &args,
            Some(decision),
            &secrets,
        );
        let line = String::from_utf8(record.to_line().unwrap()).unwrap();
        assert!(!line.contains(key), "{line}");
        assert!(!line.contains("0123456789"), "{line}");
        let AuditPhase::Start {
            arguments,
            decision,
        } = record.phase
        else {
            panic!("not a start: {line}");
        };
        assert_eq!(
            arguments["command"],
            "curl -H 'Authorization: Bearer [redacted]' https://x"
        );
        assert_eq!(arguments["nested"][0]["token"], "[redacted]");
        assert_eq!(arguments["nested"][1], 7);
        assert_eq!(arguments["[redacted]"], "as a key");
        assert_eq!(
            decision.unwrap().reason,
            "bash: curl -H [redacted] is allowed"
        );
    }

    #[test]
    fn long_strings_are_cut_after_redaction_on_a_char_boundary() {
        let key = "secret-value-abcdefgh";
        let secrets = Secrets::from_values([key.to_string()]);
        // The secret straddles the cut: redacting first keeps any part of it out.
        let mut content = "é".repeat(MAX_ARGUMENT_STRING_BYTES / 2 - 4);
        content.push_str(key);
        content.push_str(&"x".repeat(100));
        let out = redact_arguments(&json!({ "content": content }), &secrets);
        let text = out["content"].as_str().unwrap();
        assert!(!text.contains("secret-"), "{}", &text[text.len() - 80..]);
        assert!(
            text.ends_with("more bytes]"),
            "{}",
            &text[text.len() - 40..]
        );
        let kept = text.split('…').next().unwrap();
        assert!(kept.len() <= MAX_ARGUMENT_STRING_BYTES);
        // A cut inside a two-byte character moves back to its start.
        let odd = format!("a{}", "é".repeat(MAX_ARGUMENT_STRING_BYTES));
        let out = redact_arguments(&json!(odd), &secrets);
        let kept = out.as_str().unwrap().split('…').next().unwrap();
        assert_eq!(kept.len(), MAX_ARGUMENT_STRING_BYTES - 1);
        let short = json!({"path": "a.txt"});
        assert_eq!(redact_arguments(&short, &secrets), short);
    }
}
