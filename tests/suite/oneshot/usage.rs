//! Usage errors: exit 2, one line, nothing sent and nothing created.

use super::{Run, stderr, stdout};
use crate::support::fake_provider::FakeProvider;

fn assert_usage_error(out: &std::process::Output, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(err.contains(needle), "expected {needle:?} in {err:?}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one line expected: {err:?}"
    );
}

#[test]
fn an_empty_prompt_is_a_usage_error_not_a_request() {
    let fake = FakeProvider::echo().start_blocking();
    let run = Run::new();
    for empty in ["", "  \n"] {
        let out = run
            .pi(&fake, "openai/gpt-4o-mini")
            .args(["--prompt", empty])
            .output()
            .unwrap();
        assert_usage_error(&out, "the prompt is empty");
    }
    assert!(fake.requests().is_empty());
    assert!(!run.session_file().exists());
}

#[test]
fn a_bad_api_base_is_a_usage_error() {
    let run = Run::new();
    let out = run
        .cmd()
        .env("OPENAI_API_KEY", "k")
        .args(["-m", "openai/gpt-4o", "--api-base", "notaurl", "-p", "hi"])
        .output()
        .unwrap();
    assert_usage_error(&out, "--api-base");
}

#[test]
fn a_directory_as_session_is_a_usage_error() {
    let fake = FakeProvider::echo().start_blocking();
    let run = Run::new();
    std::fs::create_dir(run.path().join("sessions")).unwrap();
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args(["--session", "sessions", "-p", "hi"])
        .output()
        .unwrap();
    assert_usage_error(&out, "is a directory");
    assert!(fake.requests().is_empty());
}

#[test]
fn a_failed_setup_creates_no_session_file() {
    let run = Run::new();
    // No key at all and no --model: the default model's key is missing.
    let out = run.cmd().args(["-p", "hi"]).output().unwrap();
    assert_usage_error(&out, "ANTHROPIC_API_KEY");
    assert!(
        !run.path().join(".pi").exists(),
        "setup failed but a session was created"
    );
    // An unreadable system prompt file fails before the session is touched too.
    let fake = FakeProvider::echo().start_blocking();
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args(["--system-prompt-file", "missing.md", "-p", "hi"])
        .output()
        .unwrap();
    assert_usage_error(&out, "missing.md");
    assert!(!run.path().join(".pi").exists());
}

#[test]
fn the_session_model_is_used_without_model_flag() {
    let fake = FakeProvider::echo().start_blocking();
    let run = Run::new();
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args(["-p", "first"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // Only OpenAI's key: the session's model, not the key-based default, is picked.
    let out = run
        .cmd()
        .env("OPENAI_API_KEY", "test-key")
        .env("OPENAI_BASE_URL", fake.openai_base_url())
        .env("ANTHROPIC_API_KEY", "other")
        .args(["-p", "second"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "second\n");
    assert_eq!(fake.requests()[1].model, "gpt-4o-mini");
}

#[test]
fn clap_usage_errors_are_one_line_and_help_is_untouched() {
    let run = Run::new();
    for args in [
        &["--bogus"][..],
        &["--thinking", "loud", "-p", "hi"],
        &["--max-turns", "many"],
        &["--prompt", "a", "--prompt-file", "b"],
    ] {
        let out = run.cmd().args(args).output().unwrap();
        assert_usage_error(&out, "see pi --help");
        assert!(stderr(&out).starts_with("pi: "), "{}", stderr(&out));
    }
    let out = run.cmd().arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("--session-lock-wait-ms"));
    let out = run.cmd().arg("--version").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).starts_with("pi "));
}
