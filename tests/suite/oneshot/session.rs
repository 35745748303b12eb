//! One-shot runs and the session file.

use super::{Run, stderr, stdout};
use crate::support::fake_provider::{FakeProvider, Reply};

#[test]
fn runs_append_to_the_default_session_and_see_its_history() {
    let fake = FakeProvider::builder()
        .reply(Reply::text("one"))
        .reply(Reply::text("two"))
        .start_blocking();
    let run = Run::new();
    run.pi(&fake, "openai/gpt-4o-mini")
        .args(["--prompt", "first question"])
        .output()
        .unwrap();
    let before = std::fs::read(run.session_file()).unwrap();
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args(["--prompt", "second question"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "two\n");
    let after = std::fs::read(run.session_file()).unwrap();
    assert!(
        after.starts_with(&before),
        "the file was rewritten, not appended"
    );
    let second = fake.requests()[1].body.to_string();
    assert!(second.contains("first question") && second.contains("one"));
    let roles = run.session_roles();
    assert_eq!(roles, ["user", "assistant", "user", "assistant"]);
}

#[test]
fn no_session_writes_nothing_and_session_flag_picks_the_file() {
    let fake = FakeProvider::echo().start_blocking();
    let run = Run::new();
    run.pi(&fake, "openai/gpt-4o-mini")
        .args(["--no-session", "--prompt", "hi"])
        .output()
        .unwrap();
    assert!(!run.path().join(".pi").exists());
    run.pi(&fake, "openai/gpt-4o-mini")
        .args(["--session", "my.jsonl", "--prompt", "hi"])
        .output()
        .unwrap();
    assert!(run.path().join("my.jsonl").exists());
}

#[test]
fn a_pi_session_file_is_continued() {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/pi-sessions/linear-tools-v3.jsonl"
    );
    let Ok(text) = std::fs::read_to_string(fixture) else {
        panic!("fixture missing: {fixture}");
    };
    let fake = FakeProvider::builder()
        .reply(Reply::text("continued"))
        .start_blocking();
    let run = Run::new();
    std::fs::write(run.path().join("pi.jsonl"), &text).unwrap();
    // No --model: the session's model_change (provider "fakeant") is not one we route, so name one.
    let out = run
        .pi(&fake, "anthropic/claude-sonnet-4-5")
        .args(["--session", "pi.jsonl", "--prompt", "and now?"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let body = &fake.requests()[0].body;
    let msgs = body["messages"].as_array().unwrap();
    // 5 assistant + 4 tool-result groups + 2 users from the file, plus the new prompt.
    assert!(msgs.len() >= 8, "{}", body);
    assert!(body.to_string().contains("make the hello file"));
    assert!(body.to_string().contains("toolu_7e4fa6fcdff04ccf"));
    let after = std::fs::read_to_string(run.path().join("pi.jsonl")).unwrap();
    assert!(after.starts_with(&text));
}

#[test]
fn torn_last_line_is_reported_and_skipped() {
    let fake = FakeProvider::echo().start_blocking();
    let run = Run::new();
    run.pi(&fake, "openai/gpt-4o-mini")
        .args(["--prompt", "hi"])
        .output()
        .unwrap();
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(run.session_file())
        .unwrap();
    std::io::Write::write_all(&mut f, br#"{"type":"message","id":"dead"#).unwrap();
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args(["--prompt", "again"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("warning"), "{}", stderr(&out));
    assert_eq!(stdout(&out), "again\n");
}
