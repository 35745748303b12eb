//! Focus never eats typing: the real binary in a pseudo-terminal, typing after every action
//! that moves the focus, the way a person would.

use super::Tui;
use crate::suite::oneshot::Run;
use crate::support::fake_provider::{FakeProvider, Reply};

const MODEL: &str = "openai/gpt-4o-mini";

#[test]
fn typing_after_every_focus_change_reaches_the_prompt() {
    let fake = FakeProvider::builder()
        .reply(Reply::text("first answer"))
        .reply(Reply::text("got every word"))
        .start_blocking();
    let run = Run::new();
    let mut cmd = run.pi(&fake, MODEL);
    cmd.stdin(std::process::Stdio::inherit());
    let mut tui = Tui::spawn(cmd, 120, 40);
    tui.wait_for("Prompt", 10);
    tui.send("question one\r");
    tui.wait_for("first answer", 20);
    // Enter on a graph entry moves the head and gives the prompt back: "bad idea" is text,
    // not the graph's `b` (bookmark) and friends.
    tui.send("\x1b3");
    tui.wait_for("HEAD", 10);
    tui.send("\r");
    tui.wait_for("head moved to", 10);
    tui.send("bad idea");
    tui.wait_for("bad idea", 5);
    // Tab into the conversation, Shift+Tab, Alt+4 (tools), Esc, Alt+1: each time, letters
    // no pane shows in its footer go to the prompt.
    for (keys, word) in [
        ("\t", " one"),
        ("\x1b[Z", " two"),
        ("\x1b4", " three"),
        ("\x1b", " four"),
        ("\x1b1", " five"),
    ] {
        tui.send(keys);
        std::thread::sleep(std::time::Duration::from_millis(150));
        tui.send(word);
    }
    tui.wait_for("bad idea one two three four five", 5);
    tui.send("\r");
    tui.wait_for("got every word", 20);
    assert_eq!(
        fake.requests()
            .last()
            .and_then(|r| r.last_user_text())
            .as_deref(),
        Some("bad idea one two three four five")
    );
    tui.send("\x04");
    tui.wait_exit(10);
}
