//! How headless front ends (one-shot, command files, bridges) answer an approval request:
//! nobody is there to ask, so `ask` is a denial with its reason, unless `--approve-all`.

use crate::agent::{ApprovalDecision, ApprovalKind, EventMsg, Op};

/// The note a headless denial sends back to the model.
pub const HEADLESS_NOTE: &str = "nobody can approve it here: pi runs without a user to ask (the user can pass --approve-all to allow such calls)";

/// The note a bridge's denial sends back to the model.
pub const BRIDGE_NOTE: &str = "nobody can approve it here: pi runs as a bridge for other people, where every call that needs approval is denied";

/// A bridge's answer to `msg` if it asks for an approval: always a denial.
pub fn bridge_answer(msg: &EventMsg) -> Option<Op> {
    let EventMsg::ApprovalRequested { call_id, kind, .. } = msg else {
        return None;
    };
    Some(Op::Approve {
        call_id: call_id.clone(),
        decision: ApprovalDecision::Deny {
            note: (*kind == ApprovalKind::Policy).then(|| BRIDGE_NOTE.to_string()),
        },
    })
}

/// The answer to `msg` if it asks for an approval.
pub fn headless_answer(msg: &EventMsg, approve_all: bool) -> Option<Op> {
    let EventMsg::ApprovalRequested { call_id, kind, .. } = msg else {
        return None;
    };
    // A retry outside the sandbox is never automatic: the tool result already names the
    // sandbox as the likely cause.
    let decision = if approve_all && *kind == ApprovalKind::Policy {
        ApprovalDecision::Approve
    } else {
        ApprovalDecision::Deny {
            note: (*kind == ApprovalKind::Policy).then(|| HEADLESS_NOTE.to_string()),
        }
    };
    Some(Op::Approve {
        call_id: call_id.clone(),
        decision,
    })
}

/// The progress line for an approval request answered headlessly.
pub fn approval_progress(msg: &EventMsg, approve_all: bool) -> Option<String> {
    let EventMsg::ApprovalRequested {
        tool, reason, kind, ..
    } = msg
    else {
        return None;
    };
    Some(match kind {
        ApprovalKind::Policy if approve_all => {
            format!("! {tool} needs approval ({reason}); approved by --approve-all")
        }
        ApprovalKind::Policy => format!(
            "✗ {tool} needs approval ({reason}); denied: no one to ask (--approve-all approves)"
        ),
        ApprovalKind::RetryUnsandboxed => {
            format!("✗ {tool} failed in the sandbox ({reason}); not retried outside it")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ask(kind: ApprovalKind) -> EventMsg {
        EventMsg::ApprovalRequested {
            call_id: "c1".into(),
            tool: "bash".into(),
            arguments: json!({"command": "sudo ls"}),
            command: "sudo ls".into(),
            reason: "`sudo ls` runs sudo".into(),
            kind,
        }
    }

    #[test]
    fn headless_denies_unless_approve_all() {
        let deny = headless_answer(&ask(ApprovalKind::Policy), false).unwrap();
        assert_eq!(
            deny,
            Op::Approve {
                call_id: "c1".into(),
                decision: ApprovalDecision::Deny {
                    note: Some(HEADLESS_NOTE.into())
                }
            }
        );
        let approve = headless_answer(&ask(ApprovalKind::Policy), true).unwrap();
        assert!(matches!(
            approve,
            Op::Approve {
                decision: ApprovalDecision::Approve,
                ..
            }
        ));
        let retry = headless_answer(&ask(ApprovalKind::RetryUnsandboxed), true).unwrap();
        assert!(matches!(
            retry,
            Op::Approve {
                decision: ApprovalDecision::Deny { note: None },
                ..
            }
        ));
        assert_eq!(headless_answer(&EventMsg::TurnStarted, true), None);
        assert_eq!(
            bridge_answer(&ask(ApprovalKind::Policy)),
            Some(Op::Approve {
                call_id: "c1".into(),
                decision: ApprovalDecision::Deny {
                    note: Some(BRIDGE_NOTE.into())
                }
            })
        );
        let line = approval_progress(&ask(ApprovalKind::Policy), false).unwrap();
        assert!(line.contains("denied: no one to ask"), "{line}");
    }
}
