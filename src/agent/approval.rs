//! Approvals: a call the policy answers `ask` waits for the front end's `Op::Approve`. The
//! agent does not know which front end it serves: the TUI shows a prompt, headless front ends
//! answer with a denial (or an approval under `--approve-all`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::Value;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use super::protocol::{ApprovalAnswer, ApprovalDecision, ApprovalKind, CallDecision, EventMsg};
use super::task::Agent;
use crate::tools::{ToolCall, Verdict, decide};

/// Calls waiting for an answer, by call id. Shared between the turn (which waits) and the
/// submission loop (which delivers `Op::Approve`).
#[derive(Clone, Default)]
pub(super) struct PendingApprovals(Arc<Mutex<HashMap<String, oneshot::Sender<ApprovalDecision>>>>);

impl PendingApprovals {
    fn register(&self, call_id: &str) -> oneshot::Receiver<ApprovalDecision> {
        let (tx, rx) = oneshot::channel();
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(call_id.to_string(), tx);
        rx
    }

    fn forget(&self, call_id: &str) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(call_id);
    }

    /// Delivers an answer; false when no call of that id is waiting.
    pub(super) fn resolve(&self, call_id: &str, decision: ApprovalDecision) -> bool {
        let waiting = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(call_id);
        waiting.is_some_and(|tx| tx.send(decision).is_ok())
    }
}

/// What "the same call" means for an approval remembered for the session: the whole command
/// line of bash, else the tool and its arguments.
fn approval_key(name: &str, arguments: &Value) -> String {
    match (name, arguments.get("command").and_then(Value::as_str)) {
        ("bash", Some(command)) => format!("bash\0{command}"),
        _ => format!("{name}\0{arguments}"),
    }
}

/// What an approval prompt shows as the call: bash's command line whole, else the tool, its
/// path and the rest of its arguments.
pub(super) fn shown_command(name: &str, arguments: &Value) -> String {
    if let Some(command) = arguments.get("command").and_then(Value::as_str) {
        return command.to_string();
    }
    match arguments.get("path").and_then(Value::as_str) {
        Some(path) => format!("{name} {path}"),
        None => format!("{name} {arguments}"),
    }
}

/// The decisions on one assistant message's calls, and whether the user stopped the turn.
pub(super) struct Decided {
    pub decisions: Vec<CallDecision>,
    pub notes: Vec<Option<String>>,
    pub stopped: bool,
}

impl Agent {
    /// Decides each call in order, asking the front end where the policy says `ask`. After a
    /// "deny and stop" (or a cancel) the remaining calls are denied unasked.
    pub(super) async fn decide_calls(
        &mut self,
        id: u64,
        calls: &[(String, String, Value)],
        cancel: &CancellationToken,
    ) -> Decided {
        let mut out = Decided {
            decisions: Vec::with_capacity(calls.len()),
            notes: Vec::with_capacity(calls.len()),
            stopped: false,
        };
        for (call_id, name, arguments) in calls {
            let d = decide(&self.cfg.policy, &ToolCall { name, arguments });
            let mut decision = CallDecision {
                verdict: d.verdict,
                reason: d.reason,
                answer: None,
            };
            let mut note = None;
            let dry_run = self.cfg.policy.dry_run && name == "bash";
            if decision.verdict == Verdict::Ask && !dry_run {
                let key = approval_key(name, arguments);
                let answer = if out.stopped || cancel.is_cancelled() {
                    ApprovalAnswer::Denied
                } else if self.session_approved.contains(&key) {
                    ApprovalAnswer::RememberedForSession
                } else {
                    let reply = self
                        .ask(
                            id,
                            call_id,
                            name,
                            arguments,
                            &decision.reason,
                            ApprovalKind::Policy,
                            cancel,
                        )
                        .await;
                    match reply {
                        ApprovalDecision::Approve => ApprovalAnswer::Approved,
                        ApprovalDecision::ApproveForSession => {
                            self.session_approved.insert(key);
                            ApprovalAnswer::ApprovedForSession
                        }
                        ApprovalDecision::Deny { note: n } => {
                            note = n;
                            ApprovalAnswer::Denied
                        }
                        ApprovalDecision::DenyAndStop { note: n } => {
                            note = n;
                            out.stopped = true;
                            ApprovalAnswer::DeniedAndStopped
                        }
                    }
                };
                decision.answer = Some(answer);
            }
            out.decisions.push(decision);
            out.notes.push(note);
        }
        out
    }

    /// Asks the front end about one call and waits for the answer; a cancelled turn or a
    /// front end that went away counts as a denial.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn ask(
        &self,
        id: u64,
        call_id: &str,
        name: &str,
        arguments: &Value,
        reason: &str,
        kind: ApprovalKind,
        cancel: &CancellationToken,
    ) -> ApprovalDecision {
        let reply = self.approvals.register(call_id);
        self.emit(
            id,
            EventMsg::ApprovalRequested {
                call_id: call_id.to_string(),
                tool: name.to_string(),
                arguments: arguments.clone(),
                command: shown_command(name, arguments),
                reason: reason.to_string(),
                kind,
            },
        );
        let decision = tokio::select! {
            biased;
            () = cancel.cancelled() => ApprovalDecision::Deny { note: None },
            r = reply => r.unwrap_or(ApprovalDecision::Deny { note: None }),
        };
        self.approvals.forget(call_id);
        decision
    }
}

/// The tool result a call that did not run gets: why, in words the model can act on.
pub(super) fn not_run_text(
    decision: &CallDecision,
    note: Option<&str>,
    stopped_by_other: bool,
) -> String {
    let mut text = match decision.answer {
        _ if stopped_by_other => format!(
            "Not run: the user stopped the turn at an earlier call. ({})",
            decision.reason
        ),
        Some(ApprovalAnswer::Denied) => format!(
            "This call needed approval and was denied ({}). Do not retry it as it is; take another way or ask the user.",
            decision.reason
        ),
        Some(ApprovalAnswer::DeniedAndStopped) => format!(
            "The user denied this call and stopped the turn ({}). Wait for the user's next message.",
            decision.reason
        ),
        _ => format!(
            "Refused by the tool policy: {}. Do not retry it as it is; take another way or ask the user to change the policy.",
            decision.reason
        ),
    };
    if let Some(note) = note.filter(|n| !n.trim().is_empty()) {
        text.push_str("\nNote: ");
        text.push_str(note.trim());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_and_shown_commands() {
        let a = json!({"command": "rm -rf /tmp/x\necho done", "timeout": 5});
        assert_eq!(shown_command("bash", &a), "rm -rf /tmp/x\necho done");
        assert_eq!(approval_key("bash", &a), "bash\0rm -rf /tmp/x\necho done");
        let b = json!({"command": "rm -rf /tmp/x\necho done"});
        assert_eq!(approval_key("bash", &a), approval_key("bash", &b));
        let w = json!({"path": ".git/hooks/pre-commit", "content": "x"});
        assert_eq!(shown_command("write", &w), "write .git/hooks/pre-commit");
        assert_ne!(approval_key("write", &w), approval_key("edit", &w));
    }

    #[test]
    fn pending_approvals_deliver_once() {
        let p = PendingApprovals::default();
        let mut rx = p.register("c1");
        assert!(!p.resolve("c2", ApprovalDecision::Approve));
        assert!(p.resolve("c1", ApprovalDecision::Approve));
        assert!(!p.resolve("c1", ApprovalDecision::Approve));
        assert_eq!(rx.try_recv().unwrap(), ApprovalDecision::Approve);
    }

    #[test]
    fn refusals_tell_the_model_what_to_do() {
        let d = CallDecision {
            verdict: Verdict::Ask,
            reason: "`sudo ls` runs sudo".into(),
            answer: Some(ApprovalAnswer::Denied),
        };
        let t = not_run_text(&d, Some(" use the docs instead "), false);
        assert!(
            t.starts_with("This call needed approval and was denied (`sudo ls` runs sudo)."),
            "{t}"
        );
        assert!(t.ends_with("\nNote: use the docs instead"), "{t}");
        let d = CallDecision {
            verdict: Verdict::Deny,
            reason: "x".into(),
            answer: None,
        };
        assert!(not_run_text(&d, None, false).starts_with("Refused by the tool policy: x."));
    }
}
