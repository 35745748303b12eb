//! The approval prompt: drawn over the conversation at both sizes, answered by keys.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;

use super::{base, conversation, draw, snap};
use crate::agent::{ApprovalDecision, ApprovalKind, Event, EventMsg, Op};
use crate::tui::msg::{Effect, Msg};
use crate::tui::state::{Busy, State};
use crate::tui::update::update;

fn ask(s: &mut State, call_id: &str, command: &str, reason: &str) -> Vec<Effect> {
    update(
        s,
        Msg::Agent(Event {
            id: 1,
            msg: EventMsg::ApprovalRequested {
                call_id: call_id.into(),
                tool: "bash".into(),
                arguments: json!({ "command": command }),
                command: command.into(),
                reason: reason.into(),
                kind: ApprovalKind::Policy,
            },
        }),
    )
}

fn busy(s: &mut State) {
    s.busy = Some(Busy {
        submission: 1,
        since_ms: 0,
        compacting: false,
    });
}

fn key(s: &mut State, code: KeyCode, mods: KeyModifiers) -> Vec<Effect> {
    update(s, Msg::Key(KeyEvent::new(code, mods)))
}

const LONG: &str = "sudo apt-get update && sudo apt-get install -y build-essential pkg-config libssl-dev libsqlite3-dev clang lld cmake ninja-build protobuf-compiler && curl -fsSL https://sh.rustup.rs | sh -s -- -y --profile minimal --default-toolchain stable\necho installed";

#[test]
fn approval_prompt_over_the_conversation() {
    snap("approval", |s| {
        conversation(s);
        busy(s);
        ask(
            s,
            "c9",
            LONG,
            "`sudo apt-get update`: runs sudo (privilege escalation; destructive commands ask in this preset)",
        );
        ask(s, "c10", "sudo reboot", "`sudo reboot`: runs sudo");
    });
}

#[test]
fn approval_note_being_typed() {
    snap("approval_note", |s| {
        busy(s);
        ask(
            s,
            "c1",
            "rm -rf ../other-project",
            "`rm -rf ../other-project`: removes a path outside the working directory",
        );
        key(s, KeyCode::Char('n'), KeyModifiers::NONE);
        for c in "keep it".chars() {
            key(s, KeyCode::Char(c), KeyModifiers::NONE);
        }
    });
}

fn approve_op(fx: &[Effect]) -> Option<(String, ApprovalDecision)> {
    fx.iter().find_map(|e| match e {
        Effect::Submit {
            op: Op::Approve { call_id, decision },
            ..
        } => Some((call_id.clone(), decision.clone())),
        _ => None,
    })
}

#[test]
fn answers_go_to_the_agent_in_order_and_typing_is_not_lost() {
    let mut s = base(120, 40);
    busy(&mut s);
    s.editor.textarea.insert_str("draft");
    ask(&mut s, "c1", "sudo ls", "r1");
    ask(&mut s, "c2", "sudo id", "r2");
    // Keys answer the shown prompt, not the editor.
    let fx = key(&mut s, KeyCode::Char('y'), KeyModifiers::NONE);
    assert_eq!(
        approve_op(&fx),
        Some(("c1".into(), ApprovalDecision::Approve))
    );
    assert_eq!(s.approvals.len(), 1);
    let fx = key(&mut s, KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(
        approve_op(&fx),
        Some(("c2".into(), ApprovalDecision::Deny { note: None }))
    );
    assert!(s.approvals.is_empty());
    // Ctrl+C denied the call; it did not cancel the turn or clear the prompt.
    assert!(fx.iter().all(|e| !matches!(
        e,
        Effect::Submit {
            op: Op::Interrupt,
            ..
        }
    )));
    assert_eq!(s.editor.text(), "draft");
    key(&mut s, KeyCode::Char('!'), KeyModifiers::NONE);
    assert_eq!(s.editor.text(), "draft!");
}

#[test]
fn a_turn_that_ends_closes_its_prompts() {
    let mut s = base(80, 24);
    busy(&mut s);
    ask(&mut s, "c1", "sudo ls", "r1");
    update(
        &mut s,
        Msg::Agent(Event {
            id: 1,
            msg: EventMsg::TurnCancelled,
        }),
    );
    assert!(s.approvals.is_empty());
    assert!(!draw(&s).contains("Approve bash?"));
}
