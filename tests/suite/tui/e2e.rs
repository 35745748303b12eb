use serde_json::json;

use super::Tui;
use crate::suite::oneshot::Run;
use crate::support::fake_provider::{FakeProvider, Reply};

const MODEL: &str = "openai/gpt-4o-mini";

/// Starts a fake provider that echoes and prints how to point `pi` at it, then waits: for
/// looking at the TUI by hand (`cargo test manual_fake_provider -- --ignored --nocapture`).
#[test]
#[ignore]
fn manual_fake_provider() {
    let fake = FakeProvider::echo()
        .reply(
            Reply::turn()
                .thinking("Let me think about this.\nStep two.")
                .text("# Plan\n\nI will **list** the files:\n\n```rust\nfn main() {}\n```\n")
                .tool_call(
                    "bash",
                    json!({"command": "printf '\\033[31mred\\033[0m\\n'; ls"}),
                )
                // Asks under the default policy: the approval prompt to try by hand.
                .tool_call("bash", json!({"command": "ssh example.invalid uptime"})),
        )
        .reply(Reply::text(
            "Done: here is a table\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
        ))
        .start_blocking();
    println!(
        "OPENAI_API_KEY=test-key OPENAI_BASE_URL={} pi --model {MODEL}",
        fake.openai_base_url()
    );
    std::thread::sleep(std::time::Duration::from_secs(3600));
}

fn spawn(run: &Run, fake: &FakeProvider, cols: u16, rows: u16) -> Tui {
    let mut cmd = run.pi(fake, MODEL);
    cmd.stdin(std::process::Stdio::inherit());
    Tui::spawn(cmd, cols, rows)
}

#[test]
fn a_prompt_streams_its_answer_and_the_tool_call_shows_in_the_trace() {
    let fake = FakeProvider::builder()
        .reply(
            Reply::turn()
                .text("Listing files.")
                .tool_call("bash", json!({"command": "echo TOOL_RAN"})),
        )
        .reply(Reply::text("All **done** here."))
        .start_blocking();
    let run = Run::new();
    let mut tui = spawn(&run, &fake, 120, 40);
    tui.wait_for("Prompt", 10);
    tui.send("please list\r");
    let screen = tui.wait_for("All done here.", 20);
    assert!(screen.contains("please list"), "{screen}");
    assert!(screen.contains("Listing files."), "{screen}");
    // The tool call is in the conversation and in the trace pane.
    assert!(screen.contains("bash echo TOOL_RAN"), "{screen}");
    assert!(screen.contains("Tools (1)"), "{screen}");
    assert!(screen.contains("✓ bash"), "{screen}");
    tui.send("\x04");
    let out = tui.wait_exit(10);
    assert!(out.contains("resume with: pi --session"), "{out}");
    let roles = run.session_roles();
    assert_eq!(roles, ["user", "assistant", "toolResult", "assistant"]);
}

#[test]
fn branching_from_an_older_entry_in_the_graph_forks_the_session() {
    let fake = FakeProvider::builder()
        .reply(Reply::text("first answer"))
        .reply(Reply::text("second answer"))
        .reply(Reply::text("third answer"))
        .start_blocking();
    let run = Run::new();
    let mut tui = spawn(&run, &fake, 120, 40);
    tui.wait_for("Prompt", 10);
    tui.send("question one\r");
    tui.wait_for("first answer", 20);
    tui.send("question two\r");
    tui.wait_for("second answer", 20);
    // Focus the graph (Alt+3), go to the top, then down to the first answer; Enter moves the
    // head there.
    tui.send("\x1b3");
    tui.wait_for("HEAD", 10);
    tui.send("g");
    tui.send("j");
    tui.send("\r");
    // The conversation now shows the branch up to the first answer.
    let screen = tui.wait_for("head moved to", 10);
    let left: String = screen
        .lines()
        .map(|l| l.chars().take(70).collect::<String>() + "\n")
        .collect();
    assert!(left.contains("first answer"), "{screen}");
    assert!(!left.contains("question two"), "{screen}");
    tui.send("\x1b2");
    tui.send("question three\r");
    tui.wait_for("third answer", 20);
    tui.send("\x04");
    tui.wait_exit(10);
    let lines = run.session_lines();
    let msg = |text: &str| {
        lines
            .iter()
            .find(|l| l["type"] == "message" && l["message"].to_string().contains(text))
            .unwrap_or_else(|| panic!("no entry with {text}"))
            .clone()
    };
    let first_answer = msg("first answer");
    let q3 = msg("question three");
    assert_eq!(q3["parentId"], first_answer["id"]);
    let q2 = msg("question two");
    assert_eq!(q2["parentId"], first_answer["id"]);
}

#[test]
fn without_an_api_key_it_opens_and_names_the_variable() {
    let run = Run::new();
    let mut cmd = run.cmd();
    cmd.stdin(std::process::Stdio::inherit());
    cmd.args(["--model", "anthropic/claude-sonnet-4-5"]);
    let mut tui = Tui::spawn(cmd, 100, 30);
    let screen = tui.wait_for("ANTHROPIC_API_KEY", 10);
    assert!(screen.contains("Prompt"), "{screen}");
    // It points to the model picker, which works without the key.
    assert!(screen.contains("(ctrl-o)"), "{screen}");
    tui.send("\x0f");
    tui.wait_for("Models", 5);
    tui.send("\x1b");
    tui.wait_gone("Models", 5);
    // Ctrl+C twice on an idle, empty prompt quits.
    tui.send("\x03");
    tui.wait_for("Ctrl+C again", 5);
    tui.send("\x03");
    tui.wait_exit(10);
}

#[test]
fn skills_toggled_in_the_browser_stay_in_the_system_prompt_of_every_later_request() {
    let fake = FakeProvider::builder()
        .reply(Reply::text("answer one"))
        .reply(Reply::text("answer two"))
        .reply(Reply::text("answer three"))
        .start_blocking();
    let run = Run::new();
    let dir = run.path().join("skills");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("alpha.md"),
        "---\nname: alpha\ndescription: first\n---\nALPHA_RULE\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("beta.md"),
        "---\nname: beta\ndescription: second\n---\nBETA_RULE\n",
    )
    .unwrap();
    let mut cmd = run.pi(&fake, MODEL);
    cmd.stdin(std::process::Stdio::inherit());
    cmd.arg("--skills-dir").arg(&dir).args(["--skill", "alpha"]);
    let mut tui = Tui::spawn(cmd, 120, 40);
    tui.wait_for("Prompt", 10);
    tui.send("one\r");
    tui.wait_for("answer one", 20);
    // The skill browser (Alt+5): the cursor starts on alpha; Down, Enter switches beta on.
    tui.send("\x1b5");
    tui.wait_for("ALPHA_RULE", 10);
    tui.send("\x1b[B");
    tui.send("\r");
    tui.wait_for("skill beta active", 10);
    tui.send("\x1b2");
    tui.send("two\r");
    tui.wait_for("answer two", 20);
    tui.send("three\r");
    tui.wait_for("answer three", 20);
    tui.send("\x04");
    tui.wait_exit(10);
    let systems: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| r.body["messages"][0].to_string())
        .collect();
    assert_eq!(systems.len(), 3, "{systems:?}");
    assert!(systems[0].contains("ALPHA_RULE") && !systems[0].contains("BETA_RULE"));
    for s in &systems[1..] {
        assert!(s.contains("ALPHA_RULE") && s.contains("BETA_RULE"), "{s}");
    }
    // The skills are not pasted into the user's messages.
    let users: Vec<String> = run
        .session_messages()
        .iter()
        .filter(|m| m["role"] == "user")
        .map(|m| m["content"].to_string())
        .collect();
    assert!(users.iter().all(|u| !u.contains("_RULE")), "{users:?}");
}

#[test]
fn an_image_the_read_tool_returns_shows_inline() {
    let run = Run::new();
    // A 40×40 PNG.
    let png = image_png();
    std::fs::write(run.path().join("shot.png"), &png).unwrap();
    let fake = FakeProvider::builder()
        .reply(Reply::turn().tool_call("read", json!({"path": "shot.png"})))
        .reply(Reply::text("a red square"))
        .start_blocking();
    let mut tui = spawn(&run, &fake, 120, 40);
    tui.wait_for("Prompt", 10);
    tui.send("what is in shot.png\r");
    tui.wait_for("a red square", 20);
    tui.wait_for("image read result (40×40)", 10);
    // The call's line may have scrolled above the picture by now: look in what was drawn.
    assert!(
        contains(tui.raw(), "✓".as_bytes()),
        "the read call never showed as done"
    );
    // This terminal said it has neither kitty graphics nor sixel: half-blocks (a red
    // picture is red cells).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !tui.has_background(255, 0, 0) {
        assert!(std::time::Instant::now() < deadline, "no picture drawn");
        std::thread::sleep(std::time::Duration::from_millis(30));
        tui.pump();
    }
    assert!(!contains(tui.raw(), KITTY_IMAGE));
    tui.send("\x04");
    tui.wait_exit(10);
}

/// How ratatui-image's kitty protocol starts sending a picture.
const KITTY_IMAGE: &[u8] = b"\x1b_Gq=2,";

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_terminal_that_answers_the_kitty_query_gets_kitty_pictures() {
    let run = Run::new();
    std::fs::write(run.path().join("shot.png"), image_png()).unwrap();
    let fake = FakeProvider::builder().start_blocking();
    let mut cmd = run.pi(&fake, MODEL);
    cmd.stdin(std::process::Stdio::inherit());
    let kitty = "\x1b_Gi=31;OK\x1b\\\x1b[6;20;10t\x1b[?62;22c";
    let mut tui = Tui::spawn_answering(cmd, 120, 40, Some(kitty));
    tui.wait_for("Prompt", 10);
    tui.send("/image shot.png\r");
    tui.wait_for("40×40", 10);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !contains(tui.raw(), KITTY_IMAGE) {
        assert!(
            std::time::Instant::now() < deadline,
            "no kitty picture sent"
        );
        std::thread::sleep(std::time::Duration::from_millis(30));
        tui.pump();
    }
    // The screen is no guide to when the overlay has closed (vt100 does not keep the kitty
    // placements), so the test ends pi with SIGTERM, which quits from any state.
    let pid = nix::unistd::Pid::from_raw(tui.pid());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    tui.wait_exit(10);
}

#[test]
fn keys_typed_while_a_silent_terminal_is_asked_are_not_lost() {
    let run = Run::new();
    let fake = FakeProvider::builder().start_blocking();
    let mut cmd = run.pi(&fake, MODEL);
    cmd.stdin(std::process::Stdio::inherit());
    let mut tui = Tui::spawn_answering(cmd, 120, 40, None);
    // Typed at once: pi is still waiting for a reply that never comes.
    tui.send("hello");
    let screen = tui.wait_for("hello", 10);
    assert!(screen.contains("Prompt"), "{screen}");
    // Ctrl+C clears the prompt, Ctrl+D on the empty prompt quits.
    tui.send("\x03");
    tui.wait_gone("hello", 5);
    tui.send("\x04");
    tui.wait_exit(10);
}

fn image_png() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(40, 40, image::Rgb([255, 0, 0]));
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}

#[test]
fn no_session_draws_its_graph_and_says_nothing_was_saved() {
    let fake = FakeProvider::builder().start_blocking();
    let run = Run::new();
    let mut cmd = run.pi(&fake, MODEL);
    cmd.arg("--no-session");
    cmd.stdin(std::process::Stdio::inherit());
    let mut tui = Tui::spawn(cmd, 120, 40);
    // The in-memory session's (empty) tree loads: no endless "loading the session tree…".
    tui.wait_for("no entries yet", 10);
    tui.send("\x04");
    let out = tui.wait_exit(10);
    assert!(out.contains("no session saved (--no-session)"), "{out}");
}

#[test]
fn a_resumed_session_adds_the_new_turn_to_the_branch_usage() {
    let fake = FakeProvider::builder()
        .reply(Reply::turn().text("first answer").usage(1000, 200))
        .reply(Reply::turn().text("second answer").usage(3000, 100))
        .start_blocking();
    let run = Run::new();
    let out = run.pi(&fake, MODEL).args(["-p", "first"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let mut tui = spawn(&run, &fake, 120, 40);
    // The branch's total before the first turn ...
    tui.wait_for("↑1.0k ↓200", 10);
    tui.send("again\r");
    // ... and the old total plus the new turn after it (not the new turn alone).
    tui.wait_for("second answer", 20);
    tui.wait_for("↑4.0k ↓300", 5);
    tui.send("\x04");
    tui.wait_exit(10);
}

#[test]
fn a_compacted_branch_keeps_counting_the_summarised_turns() {
    let fake = FakeProvider::builder()
        .reply(Reply::turn().text("first answer").usage(1000, 200))
        .reply(Reply::turn().text("second answer").usage(2000, 100))
        .reply(Reply::turn().text("the summary").usage(50, 10))
        .reply(Reply::turn().text("third answer").usage(500, 50))
        .start_blocking();
    let run = Run::new();
    for prompt in ["first", "second"] {
        let out = run.pi(&fake, MODEL).args(["-p", prompt]).output().unwrap();
        assert!(out.status.success(), "{out:?}");
    }
    let mut tui = spawn(&run, &fake, 120, 40);
    tui.wait_for("↑3.0k ↓300", 10);
    tui.send("/compact\r");
    // The conversation reloads as the model now sees it, the notice below it.
    let screen = tui.wait_for("compacted: ", 20);
    assert!(screen.contains("the summary"), "{screen}");
    // The first turn is only in the summary now; the total still counts it (and not the
    // summary's own cost, which the session does not record).
    assert!(screen.contains("↑3.0k ↓300"), "{screen}");
    tui.send("\x04");
    tui.wait_exit(10);

    // A new process loads the compacted branch: its total starts from the whole branch.
    let mut tui = spawn(&run, &fake, 120, 40);
    tui.wait_for("↑3.0k ↓300", 10);
    tui.send("again\r");
    tui.wait_for("third answer", 20);
    tui.wait_for("↑3.5k ↓350", 5);
    tui.send("\x04");
    tui.wait_exit(10);
}

#[test]
fn sigterm_cancels_the_turn_restores_the_terminal_and_prints_the_exit_line() {
    use nix::sys::signal::{Signal, kill};
    let fake = FakeProvider::builder()
        .reply(Reply::turn().tool_call("bash", json!({"command": "sleep 30"})))
        .start_blocking();
    let run = Run::new();
    let mut tui = spawn(&run, &fake, 120, 40);
    tui.wait_for("Prompt", 10);
    tui.send("wait a while\r");
    tui.wait_for("bash sleep 30", 20);
    kill(nix::unistd::Pid::from_raw(tui.pid()), Signal::SIGTERM).unwrap();
    let out = tui.wait_exit(10);
    // The alternate screen was left, and the exit line names the session file in full.
    assert!(out.contains("\x1b[?1049l"), "{out:?}");
    let file = std::fs::canonicalize(run.path().join(".pi/sessions/default.jsonl")).unwrap();
    assert!(
        out.contains(&format!("resume with: pi --session {}", file.display())),
        "{out}"
    );
    // The cancelled tool call has its result: the session stays consistent.
    let roles = run.session_roles();
    assert_eq!(roles, ["user", "assistant", "toolResult"]);
}

#[test]
fn copying_inside_tmux_also_fills_the_tmux_buffer() {
    use std::os::unix::fs::PermissionsExt;
    let run = Run::new();
    // A stand-in for tmux that keeps what `load-buffer -w -` is given.
    let bin = run.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let tmux = bin.join("tmux");
    std::fs::write(
        &tmux,
        "#!/bin/sh\n[ \"$*\" = 'load-buffer -w -' ] && cat > \"$(dirname \"$0\")/buffer\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&tmux, std::fs::Permissions::from_mode(0o755)).unwrap();
    let fake = FakeProvider::builder()
        .reply(Reply::text("copy me please"))
        .start_blocking();
    let mut cmd = run.pi(&fake, MODEL);
    cmd.stdin(std::process::Stdio::inherit());
    cmd.env("TMUX", "/tmp/tmux-test/default,1,0");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    cmd.env("PATH", path);
    let mut tui = Tui::spawn(cmd, 120, 40);
    tui.wait_for("Prompt", 10);
    tui.send("hi\r");
    tui.wait_for("copy me please", 20);
    tui.send("/copy\r");
    let buffer = bin.join("buffer");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::fs::read_to_string(&buffer).unwrap_or_default() != "copy me please" {
        assert!(std::time::Instant::now() < deadline, "tmux got no buffer");
        std::thread::sleep(std::time::Duration::from_millis(30));
        tui.pump();
    }
    tui.send("\x04");
    tui.wait_exit(10);
}

#[test]
fn a_panic_gives_the_terminal_back_and_goes_to_the_log() {
    let run = Run::new();
    let fake = FakeProvider::builder().start_blocking();
    let mut cmd = run.pi(&fake, MODEL);
    cmd.stdin(std::process::Stdio::inherit());
    cmd.env("PI_TEST_PANIC", "1");
    let tui = Tui::spawn(cmd, 120, 40);
    let out = tui.wait_exit(10);
    // The alternate screen was left before anything was reported.
    let left = out.find("\x1b[?1049l").expect("left the alternate screen");
    let said = out
        .find("PI_TEST_PANIC is set")
        .expect("the panic is reported");
    assert!(left < said, "{out:?}");
    let log = std::fs::read_to_string(run.path().join("pi.log")).unwrap();
    assert!(log.contains("pi panicked"), "{log}");
    assert!(log.contains("PI_TEST_PANIC is set"), "{log}");
}

#[test]
fn ctrl_c_in_the_external_editor_does_not_quit_pi() {
    use std::os::unix::fs::PermissionsExt;
    let run = Run::new();
    // An editor that, like Ctrl+C in a cooked-mode terminal, interrupts its whole process
    // group (pi included), then writes the prompt.
    let editor = run.path().join("editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\ntrap '' INT\nkill -INT 0\nsleep 0.3\nprintf 'edited text' > \"$1\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
    let fake = FakeProvider::builder().start_blocking();
    let mut cmd = run.pi(&fake, MODEL);
    cmd.stdin(std::process::Stdio::inherit());
    // pi runs `$VISUAL "$1"` with sh -c; the shell must outlive the interrupt too.
    cmd.env("VISUAL", format!("trap '' INT; {}", editor.display()));
    let mut tui = Tui::spawn(cmd, 120, 40);
    tui.wait_for("Prompt", 10);
    tui.send("\x07");
    tui.wait_for("edited text", 10);
    // Still running: Ctrl+C clears the prompt, Ctrl+D quits normally.
    std::thread::sleep(std::time::Duration::from_millis(300));
    tui.send("\x03");
    tui.wait_gone("edited text", 5);
    tui.send("\x04");
    let out = tui.wait_exit(10);
    assert!(out.contains("resume with"), "{out}");
}
