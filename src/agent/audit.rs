//! The audit log's agent side. With `--tool-audit-log`, every event the agent emits passes
//! through [`relay`] on its way to the front end, and each tool call's start and end become
//! one line in the log (`tools::audit`), so no front end has to do anything for it.

use std::path::PathBuf;

use tokio::sync::mpsc;

use super::log::{SharedSessionLog, lock_log};
use super::protocol::{ApprovalAnswer, CallDecision, Event, EventMsg};
use crate::tools::audit::{
    AuditDecision, AuditError, AuditPhase, AuditRecord, AuditSession, AuditTime, AuditWriter,
};
use crate::tools::secrets::Secrets;

/// Turns the agent's tool call events into audit records.
pub(super) struct AuditRecorder {
    path: PathBuf,
    /// Opened on the first record, so a run without tool calls leaves no file behind.
    writer: Option<AuditWriter>,
    secrets: Secrets,
    session: SharedSessionLog,
    /// A failure has been shown to the user; later ones go to the log only.
    warned: bool,
}

impl AuditRecorder {
    pub(super) fn new(path: PathBuf, secrets: Secrets, session: SharedSessionLog) -> Self {
        AuditRecorder {
            path,
            writer: None,
            secrets,
            session,
            warned: false,
        }
    }

    /// Writes the record `msg` calls for, if any. A failure never stops the agent: it is
    /// logged, and the first one comes back as the warning to show the user.
    pub(super) fn observe(&mut self, msg: &EventMsg, time: &AuditTime) -> Option<String> {
        let record = self.record(msg, time)?;
        let error = self.write(&record).err()?;
        tracing::warn!(error = %error, "the tool audit log was not written");
        if self.warned {
            return None;
        }
        self.warned = true;
        Some(format!("tool calls are not being audited: {error}"))
    }

    fn record(&self, msg: &EventMsg, time: &AuditTime) -> Option<AuditRecord> {
        match msg {
            EventMsg::ToolCallStarted {
                call_id,
                name,
                arguments,
                decision,
            } => Some(AuditRecord::start(
                time,
                self.session(),
                call_id,
                name,
                arguments,
                decision.as_ref().map(audit_decision),
                &self.secrets,
            )),
            EventMsg::ToolCallFinished {
                call_id,
                name,
                is_error,
                duration_ms,
                exit_code,
                output_bytes,
                ..
            } => Some(AuditRecord::new(
                time,
                self.session(),
                call_id,
                name,
                AuditPhase::End {
                    duration_ms: *duration_ms,
                    exit_code: *exit_code,
                    is_error: *is_error,
                    output_bytes: *output_bytes,
                },
            )),
            _ => None,
        }
    }

    /// The session as it is now: an import can replace it mid-run.
    fn session(&self) -> AuditSession {
        let log = lock_log(&self.session);
        AuditSession {
            id: log.session_id(),
            path: log.path().map(|p| p.display().to_string()),
        }
    }

    fn write(&mut self, record: &AuditRecord) -> Result<(), AuditError> {
        let writer = match &mut self.writer {
            Some(w) => w,
            None => self.writer.insert(AuditWriter::open(&self.path)?),
        };
        writer.append(record)
    }
}

fn audit_decision(d: &CallDecision) -> AuditDecision {
    AuditDecision {
        verdict: d.verdict,
        reason: d.reason.clone(),
        answer: d.answer.map(answer_name),
        runs: d.runs(),
    }
}

/// The answer as the protocol spells it (`approved_for_session`, ...).
fn answer_name(answer: ApprovalAnswer) -> String {
    match serde_json::to_value(answer) {
        Ok(serde_json::Value::String(s)) => s,
        _ => format!("{answer:?}"),
    }
}

/// Passes every event from the agent to the front end, writing each tool call's record
/// first: once a front end has seen an event, its line is in the log. Ends when the agent
/// task drops its sender.
pub(super) async fn relay(
    mut recorder: AuditRecorder,
    mut from_agent: mpsc::UnboundedReceiver<Event>,
    to_front_end: mpsc::UnboundedSender<Event>,
) {
    while let Some(event) = from_agent.recv().await {
        let warning = recorder.observe(&event.msg, &AuditTime::now());
        let id = event.id;
        // A closed receiver means the front end is gone; the log is still written.
        let _ = to_front_end.send(event);
        if let Some(message) = warning {
            let _ = to_front_end.send(Event {
                id,
                msg: EventMsg::Notice { message },
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::log::{LogContext, LogError, SessionLog};
    use crate::ai::types::{Message, ThinkingLevel};
    use crate::tools::Verdict;
    use crate::tools::audit::read_audit_log;
    use serde_json::json;
    use std::sync::{Arc, Mutex};

    /// A session that only knows its id and file.
    struct NamedSession;

    impl SessionLog for NamedSession {
        fn append_message(&mut self, _: &Message) -> Result<String, LogError> {
            Err("read-only".into())
        }
        fn append_model_change(&mut self, _: &str, _: &str) -> Result<String, LogError> {
            Err("read-only".into())
        }
        fn append_thinking_level(&mut self, _: ThinkingLevel) -> Result<String, LogError> {
            Err("read-only".into())
        }
        fn append_compaction(&mut self, _: &str, _: &str, _: u64) -> Result<String, LogError> {
            Err("read-only".into())
        }
        fn context(&self) -> Result<LogContext, LogError> {
            Ok(LogContext::default())
        }
        fn revision(&self) -> u64 {
            0
        }
        fn path(&self) -> Option<PathBuf> {
            Some(PathBuf::from("/p/.pi/sessions/s.jsonl"))
        }
        fn head(&self) -> Option<String> {
            None
        }
        fn session_id(&self) -> Option<String> {
            Some("sess-1".into())
        }
    }

    fn shared() -> SharedSessionLog {
        Arc::new(Mutex::new(NamedSession))
    }

    fn started(call_id: &str, command: &str, decision: CallDecision) -> Event {
        Event {
            id: 4,
            msg: EventMsg::ToolCallStarted {
                call_id: call_id.into(),
                name: "bash".into(),
                arguments: json!({ "command": command }),
                decision: Some(decision),
            },
        }
    }

    fn finished(call_id: &str) -> Event {
        Event {
            id: 4,
            msg: EventMsg::ToolCallFinished {
                call_id: call_id.into(),
                name: "bash".into(),
                is_error: true,
                output: "boom".into(),
                duration_ms: 42,
                exit_code: Some(3),
                output_bytes: 4,
                images: Vec::new(),
            },
        }
    }

    async fn run_relay(path: PathBuf, secrets: Secrets, events: Vec<Event>) -> Vec<Event> {
        let (agent_tx, agent_rx) = mpsc::unbounded_channel();
        let (front_tx, mut front_rx) = mpsc::unbounded_channel();
        let recorder = AuditRecorder::new(path, secrets, shared());
        for e in events {
            agent_tx.send(e).unwrap();
        }
        drop(agent_tx);
        relay(recorder, agent_rx, front_tx).await;
        let mut seen = Vec::new();
        while let Ok(e) = front_rx.try_recv() {
            seen.push(e);
        }
        seen
    }

    #[tokio::test]
    async fn tool_call_events_become_records_and_every_event_reaches_the_front_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let key = "sk-test-audit-0123456789";
        let decision = CallDecision {
            verdict: Verdict::Ask,
            reason: "asks first".into(),
            answer: Some(ApprovalAnswer::ApprovedForSession),
        };
        let events = vec![
            Event {
                id: 4,
                msg: EventMsg::TurnStarted,
            },
            started("c1", &format!("echo {key}; exit 3"), decision),
            Event {
                id: 4,
                msg: EventMsg::ToolOutputDelta {
                    call_id: "c1".into(),
                    chunk: "x".into(),
                },
            },
            finished("c1"),
        ];
        let seen = run_relay(
            path.clone(),
            Secrets::from_values([key.to_string()]),
            events.clone(),
        )
        .await;
        assert_eq!(seen, events);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(key), "{text}");
        let read = read_audit_log(&path).unwrap();
        assert_eq!(read.records.len(), 2);
        let (start, end) = (&read.records[0], &read.records[1]);
        let session = start.session.clone().unwrap();
        assert_eq!(session.id.as_deref(), Some("sess-1"));
        assert_eq!(session.path.as_deref(), Some("/p/.pi/sessions/s.jsonl"));
        let AuditPhase::Start {
            arguments,
            decision,
        } = &start.phase
        else {
            panic!("{start:?}");
        };
        assert_eq!(arguments["command"], "echo [redacted]; exit 3");
        let decision = decision.clone().unwrap();
        assert_eq!(decision.verdict, Verdict::Ask);
        assert_eq!(decision.answer.as_deref(), Some("approved_for_session"));
        assert!(decision.runs);
        assert_eq!(
            end.phase,
            AuditPhase::End {
                duration_ms: 42,
                exit_code: Some(3),
                is_error: true,
                output_bytes: 4,
            }
        );
        assert_eq!((start.call_id.as_str(), end.call_id.as_str()), ("c1", "c1"));
    }

    #[tokio::test]
    async fn a_log_that_cannot_be_written_is_one_notice_and_the_events_still_pass() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "x").unwrap();
        let allow = CallDecision {
            verdict: Verdict::Allow,
            reason: "ok".into(),
            answer: None,
        };
        let events = vec![
            started("c1", "ls", allow.clone()),
            finished("c1"),
            started("c2", "ls", allow),
            finished("c2"),
        ];
        let seen = run_relay(
            blocker.join("audit.jsonl"),
            Secrets::default(),
            events.clone(),
        )
        .await;
        let notices: Vec<&String> = seen
            .iter()
            .filter_map(|e| match &e.msg {
                EventMsg::Notice { message } => Some(message),
                _ => None,
            })
            .collect();
        assert_eq!(notices.len(), 1, "{seen:?}");
        assert!(notices[0].contains("--tool-audit-log"), "{}", notices[0]);
        let passed: Vec<Event> = seen
            .into_iter()
            .filter(|e| !matches!(e.msg, EventMsg::Notice { .. }))
            .collect();
        assert_eq!(passed, events);
    }

    #[test]
    fn answers_are_spelled_as_the_protocol_spells_them() {
        assert_eq!(answer_name(ApprovalAnswer::Approved), "approved");
        assert_eq!(
            answer_name(ApprovalAnswer::RememberedForSession),
            "remembered_for_session"
        );
        assert_eq!(
            answer_name(ApprovalAnswer::DeniedAndStopped),
            "denied_and_stopped"
        );
    }
}
