//! Approvals in the real UI: a call the policy asks about waits for the user, who approves it
//! once, for the session, or denies it with a note.

use serde_json::json;

use super::Tui;
use crate::suite::oneshot::Run;
use crate::support::fake_provider::{FakeProvider, Reply};

fn hook(name: &str) -> serde_json::Value {
    json!({"path": format!(".git/hooks/{name}"), "content": "#!/bin/sh\n"})
}

#[test]
fn approve_once_for_the_session_and_deny_with_a_note() {
    let fake = FakeProvider::builder()
        .reply(Reply::turn().tool_call("write", hook("one")))
        .reply(Reply::text("first done"))
        .reply(Reply::turn().tool_call("write", hook("two")))
        .reply(Reply::turn().tool_call("write", hook("two")))
        .reply(Reply::text("second done"))
        .reply(Reply::turn().tool_call("write", hook("three")))
        .reply(Reply::text("third done"))
        .start_blocking();
    let run = Run::new();
    let mut cmd = run.pi(&fake, "openai/gpt-4o-mini");
    cmd.stdin(std::process::Stdio::inherit());
    let mut tui = Tui::spawn(cmd, 120, 40);
    tui.wait_for("Prompt", 10);
    tui.send("add hook one\r");
    let screen = tui.wait_for("Approve write?", 20);
    assert!(screen.contains("write .git/hooks/one"), "{screen}");
    assert!(screen.contains("git hook"), "{screen}");
    tui.send("y");
    tui.wait_for("first done", 20);
    assert!(run.path().join(".git/hooks/one").exists());

    tui.send("add hook two\r");
    tui.wait_for("Approve write?", 20);
    tui.send("a");
    // The same call again runs unasked.
    tui.wait_for("second done", 20);

    tui.send("add hook three\r");
    tui.wait_for("Approve write?", 20);
    tui.send("n");
    tui.wait_for("Note for the model", 5);
    tui.send("no more hooks\r");
    tui.wait_for("third done", 20);
    // Typing goes to the prompt again once the prompt closed.
    tui.send("still here");
    tui.wait_for("still here", 5);
    tui.send("\x15\x04");
    tui.wait_exit(10);
    assert!(run.path().join(".git/hooks/two").exists());
    assert!(!run.path().join(".git/hooks/three").exists());
    let results: Vec<serde_json::Value> = run
        .session_messages()
        .into_iter()
        .filter(|m| m["role"] == "toolResult")
        .collect();
    assert_eq!(results.len(), 4);
    assert_eq!(results[1]["isError"], false);
    assert_eq!(results[2]["isError"], false, "remembered for the session");
    let denied = results[3]["content"][0]["text"].as_str().unwrap();
    assert_eq!(results[3]["isError"], true);
    assert!(denied.contains("was denied"), "{denied}");
    assert!(denied.ends_with("Note: no more hooks"), "{denied}");
    // Only three prompts were shown: the second call of hook two was not asked about.
    let asked = fake
        .requests()
        .iter()
        .filter(|r| r.body.to_string().contains("needed approval"))
        .count();
    assert_eq!(asked, 1, "the denial went back to the model once");
}

#[test]
fn ctrl_c_denies_and_the_turn_goes_on() {
    let fake = FakeProvider::builder()
        .reply(Reply::turn().tool_call("write", hook("x")))
        .reply(Reply::text("understood"))
        .start_blocking();
    let run = Run::new();
    let mut cmd = run.pi(&fake, "openai/gpt-4o-mini");
    cmd.stdin(std::process::Stdio::inherit());
    let mut tui = Tui::spawn(cmd, 80, 24);
    tui.wait_for("Prompt", 10);
    tui.send("hook please\r");
    tui.wait_for("Approve write?", 20);
    tui.send("\x03");
    tui.wait_for("understood", 20);
    assert!(!run.path().join(".git/hooks/x").exists());
    tui.send("\x04");
    tui.wait_exit(10);
}
