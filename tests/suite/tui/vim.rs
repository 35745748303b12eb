//! `pi --keymap vim`: the prompt is modal, end to end.

use super::Tui;
use crate::suite::oneshot::Run;
use crate::support::fake_provider::{FakeProvider, Reply};

#[test]
fn the_vim_keymap_edits_the_prompt_in_normal_mode_before_sending_it() {
    let fake = FakeProvider::builder()
        .reply(Reply::text("answer to the edited prompt"))
        .start_blocking();
    let run = Run::new();
    let mut cmd = run.pi(&fake, "openai/gpt-4o-mini");
    cmd.stdin(std::process::Stdio::inherit());
    cmd.args(["--keymap", "vim"]);
    let mut tui = Tui::spawn(cmd, 120, 40);
    tui.wait_for("Prompt — INSERT", 10);
    tui.send("hello world");
    tui.wait_for("hello world", 10);
    // Esc alone (a lone ESC byte; with the next key in the same read it would be Alt+key).
    tui.send("\x1b");
    tui.wait_for("Prompt — NORMAL", 10);
    // 0dw deletes "hello "; none of these letters is typed.
    tui.send("0dw");
    tui.wait_gone("hello", 10);
    tui.send("i");
    tui.wait_for("Prompt — INSERT", 10);
    tui.send("bye \r");
    let screen = tui.wait_for("answer to the edited prompt", 20);
    assert!(screen.contains("bye world"), "{screen}");
    tui.send("\x04");
    tui.wait_exit(10);
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    let messages = requests[0].body["messages"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let user = messages
        .iter()
        .rev()
        .find(|m| m["role"] == "user")
        .map(|m| m["content"].to_string())
        .unwrap_or_default();
    assert!(user.contains("bye world"), "{user}");
    assert!(!user.contains("hello") && !user.contains("0dw"), "{user}");
}
