//! Bad input: one clear line on stderr and the right exit status, never a panic.

use std::io::Write;
use std::process::Stdio;

use super::{Run, stderr, stdout};
use crate::support::fake_provider::{FakeProvider, Reply};

pub(super) fn assert_clean_error(out: &std::process::Output, code: i32, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "stderr: {err}");
    assert!(err.contains(needle), "expected {needle:?} in {err:?}");
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one line expected: {err:?}"
    );
}

#[test]
fn missing_api_key_names_the_variable() {
    let run = Run::new();
    for (model, var) in [
        ("openai/gpt-4o", "OPENAI_API_KEY"),
        ("anthropic/claude-sonnet-4-5", "ANTHROPIC_API_KEY"),
        ("google/gemini-2.5-flash", "GEMINI_API_KEY"),
        ("openrouter/openai/gpt-4o", "OPENROUTER_API_KEY"),
        ("groq/llama-3.3-70b-versatile", "GROQ_API_KEY"),
        ("xai/grok-3", "XAI_API_KEY"),
        ("mistral/mistral-large-latest", "MISTRAL_API_KEY"),
        ("azure/gpt-4o", "AZURE_OPENAI_API_KEY"),
    ] {
        let out = run
            .cmd()
            .args(["--model", model, "--prompt", "hi"])
            .output()
            .unwrap();
        assert_clean_error(&out, 2, var);
    }
}

#[test]
fn unknown_provider_lists_the_known_ones() {
    let run = Run::new();
    let out = run
        .cmd()
        .args(["--model", "nope/x", "--prompt", "hi"])
        .output()
        .unwrap();
    assert_clean_error(&out, 2, "anthropic");
    assert!(stderr(&out).contains("openai") && stderr(&out).contains("google"));
}

#[test]
fn malformed_model_is_a_usage_error() {
    let run = Run::new();
    for bad in ["gpt-4o", "openai/", "/gpt-4o"] {
        let out = run
            .cmd()
            .args(["--model", bad, "--prompt", "hi"])
            .output()
            .unwrap();
        assert_clean_error(&out, 2, bad);
    }
}

#[test]
fn unreadable_prompt_file_is_a_usage_error() {
    let run = Run::new();
    let out = run
        .cmd()
        .env("OPENAI_API_KEY", "k")
        .args([
            "--model",
            "openai/gpt-4o",
            "--prompt-file",
            "does-not-exist.txt",
        ])
        .output()
        .unwrap();
    assert_clean_error(&out, 2, "does-not-exist.txt");
}

#[test]
fn unknown_flag_is_exit_2() {
    let run = Run::new();
    let out = run.cmd().args(["--no-such-flag"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn prompt_from_stdin_and_prompt_file_dash() {
    let fake = FakeProvider::echo().start_blocking();
    let run = Run::new();
    for extra in [vec![], vec!["--prompt-file", "-"]] {
        let mut child = run
            .pi(&fake, "openai/gpt-4o-mini")
            .args(&extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"echo me please")
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(stdout(&out), "echo me please\n");
    }
}

#[test]
fn prompt_file_is_read() {
    let fake = FakeProvider::echo().start_blocking();
    let run = Run::new();
    std::fs::write(run.path().join("p.txt"), "from a file").unwrap();
    let out = run
        .pi(&fake, "anthropic/claude-sonnet-4-5")
        .args(["--prompt-file", "p.txt"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "from a file\n");
}

#[test]
fn tool_arguments_failing_the_schema_go_back_to_the_model() {
    let fake = FakeProvider::builder()
        .reply(Reply::turn().tool_call("read", serde_json::json!({"file": "x"})))
        .reply(Reply::text("ok"))
        .start_blocking();
    let run = Run::new();
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args(["--prompt", "go"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let msgs = run.session_messages();
    assert_eq!(msgs[2]["isError"], true);
    assert!(
        msgs[2]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("path")
    );
}

#[test]
fn path_outside_the_working_directory_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "secret").unwrap();
    let target = outside.path().join("secret.txt").display().to_string();
    let fake = FakeProvider::builder()
        .reply(Reply::turn().tool_call("read", serde_json::json!({"path": target})))
        .reply(Reply::text("refused"))
        .reply(Reply::turn().tool_call("read", serde_json::json!({"path": target})))
        .reply(Reply::text("allowed"))
        .start_blocking();
    let run = Run::new();
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args(["--no-session", "--prompt", "go"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let second = &fake.requests()[1].body;
    let text = second.to_string();
    assert!(text.contains("outside"), "{text}");
    assert!(!text.contains("\"secret\""));
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args([
            "--no-session",
            "--allow-path",
            &outside.path().display().to_string(),
            "--prompt",
            "go",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(fake.requests()[3].body.to_string().contains("secret"));
}

#[test]
fn agents_md_and_system_prompt_file_reach_the_model() {
    let fake = FakeProvider::echo().start_blocking();
    let run = Run::new();
    std::fs::create_dir(run.path().join(".git")).unwrap();
    std::fs::write(run.path().join("AGENTS.md"), "Always answer in haiku.").unwrap();
    run.pi(&fake, "anthropic/claude-sonnet-4-5")
        .args(["--prompt", "hi"])
        .output()
        .unwrap();
    let system = fake.requests()[0].body["system"].to_string();
    assert!(system.contains("Always answer in haiku."), "{system}");
    std::fs::write(run.path().join("sys.md"), "You are a test double.").unwrap();
    run.pi(&fake, "anthropic/claude-sonnet-4-5")
        .args(["--system-prompt-file", "sys.md", "--prompt", "hi"])
        .output()
        .unwrap();
    let system = fake.requests()[1].body["system"].to_string();
    assert!(system.contains("You are a test double."));
    assert!(!system.contains("expert coding assistant"));
}

#[test]
fn max_turns_guard_stops_a_looping_model() {
    let fake = FakeProvider::builder()
        .when_empty(Reply::turn().tool_call("ls", serde_json::json!({})))
        .start_blocking();
    let run = Run::new();
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args(["--max-turns", "3", "--prompt", "go"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--max-turns"));
    assert_eq!(fake.requests().len(), 3);
}
