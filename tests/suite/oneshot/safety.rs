//! Safe tools seen from the command line: secrets never leave pi, asks are denied headless
//! unless --approve-all, dry runs and traces, terminal controls shown escaped.

use serde_json::json;

use super::{Run, stderr, stdout};
use crate::support::fake_provider::{FakeProvider, Reply};

const KEY: &str = "sk-test-SECRET-0123456789abcdef";

/// `pi` with the OpenAI key set to a realistic secret.
fn pi_with_key(run: &Run, fake: &FakeProvider) -> std::process::Command {
    let mut c = run.pi(fake, "openai/gpt-4o-mini");
    c.env("OPENAI_API_KEY", KEY);
    c.env("MY_SERVICE_TOKEN", "tok-987654321-secret");
    c
}

#[test]
fn the_key_reaches_neither_the_tool_the_session_the_provider_nor_the_screen() {
    let fake = FakeProvider::builder()
        .api_key(KEY)
        .reply(
            Reply::turn()
                .tool_call("bash", json!({"command": "env"}))
                .tool_call(
                    "bash",
                    json!({"command": "echo key=$OPENAI_API_KEY; echo \"tok=$MY_SERVICE_TOKEN\""}),
                ),
        )
        .reply(Reply::text("done"))
        .start_blocking();
    let run = Run::new();
    let out = pi_with_key(&run, &fake)
        .args(["--output-format", "json", "-p", "show me the environment"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let session = std::fs::read_to_string(run.session_file()).unwrap();
    let screen = format!("{}{}", stdout(&out), stderr(&out));
    let bodies: String = fake.requests().iter().map(|r| r.body.to_string()).collect();
    for (name, text) in [
        ("session", &session),
        ("screen", &screen),
        ("requests", &bodies),
    ] {
        assert!(!text.contains(KEY), "the key is in the {name}");
        assert!(
            !text.contains("tok-987654321-secret"),
            "the token is in the {name}"
        );
    }
    // bash ran and saw no such variables: `env` lists PATH but not the key.
    let msgs = run.session_messages();
    let env_out = msgs[2]["content"][0]["text"].as_str().unwrap();
    assert!(env_out.contains("PATH="), "{env_out}");
    assert!(!env_out.contains("OPENAI_API_KEY"), "{env_out}");
    let echo_out = msgs[3]["content"][0]["text"].as_str().unwrap();
    assert_eq!(echo_out, "key=\ntok=");
    // The provider itself still got the key, in its header only.
    assert_eq!(
        fake.requests()[0].header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
}

#[test]
fn a_key_passed_on_purpose_is_still_redacted_in_output() {
    let fake = FakeProvider::builder()
        .api_key(KEY)
        .reply(Reply::turn().tool_call("bash", json!({"command": "echo \"t=$MY_SERVICE_TOKEN\""})))
        .reply(Reply::text("done"))
        .start_blocking();
    let run = Run::new();
    let out = pi_with_key(&run, &fake)
        .args([
            "--bash-env-allow",
            "MY_SERVICE_TOKEN",
            "-p",
            "use the token",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let msgs = run.session_messages();
    assert_eq!(msgs[2]["content"][0]["text"], "t=[redacted]");
}

#[test]
fn an_ask_is_denied_headless_with_its_reason_and_approve_all_runs_it() {
    let hook = json!({"path": ".git/hooks/pre-commit", "content": "#!/bin/sh\necho hooked\n"});
    for approve_all in [false, true] {
        let fake = FakeProvider::builder()
            .reply(Reply::turn().tool_call("write", hook.clone()))
            .reply(Reply::text("ok"))
            .start_blocking();
        let run = Run::new();
        let mut cmd = run.pi(&fake, "openai/gpt-4o-mini");
        if approve_all {
            cmd.arg("--approve-all");
        }
        let out = cmd.args(["-p", "add a hook"]).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let err = stderr(&out);
        let result = &run.session_messages()[2];
        let text = result["content"][0]["text"].as_str().unwrap();
        let written = run.path().join(".git/hooks/pre-commit").exists();
        if approve_all {
            assert!(written, "{text}");
            assert_eq!(result["isError"], false, "{text}");
            assert!(err.contains("approved by --approve-all"), "{err}");
        } else {
            assert!(!written);
            assert_eq!(result["isError"], true);
            assert!(text.contains("needed approval and was denied"), "{text}");
            assert!(text.contains("git hook"), "{text}");
            assert!(text.contains("--approve-all"), "{text}");
            assert!(err.contains("denied: no one to ask"), "{err}");
        }
    }
}

#[test]
fn dry_run_decides_without_running_and_trace_shows_the_decision() {
    let fake = FakeProvider::builder()
        .reply(Reply::turn().tool_call("bash", json!({"command": "touch made-by-bash"})))
        .reply(Reply::turn().tool_call("write", json!({"path": "a.txt", "content": "x"})))
        .reply(Reply::text("ok"))
        .start_blocking();
    let run = Run::new();
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args(["--bash-dry-run", "--tool-policy-trace", "-p", "go"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!run.path().join("made-by-bash").exists());
    let msgs = run.session_messages();
    let dry = msgs[2]["content"][0]["text"].as_str().unwrap();
    assert!(
        dry.starts_with("Dry run (--bash-dry-run): the policy would allow"),
        "{dry}"
    );
    assert!(dry.contains("Nothing was run."), "{dry}");
    let traced = msgs[4]["content"][0]["text"].as_str().unwrap();
    assert!(traced.starts_with("Successfully wrote 1 bytes"), "{traced}");
    assert!(
        traced.contains("[tool policy: allow: write a.txt: inside the working directory]"),
        "{traced}"
    );
}

#[test]
fn terminal_controls_from_the_model_and_tools_are_shown_escaped() {
    let evil = "clip\u{1b}]52;c;cm0gLXJmIH4=\u{7} clear\u{1b}[2J title\u{1b}]0;pwned\u{1b}\\";
    let fake = || {
        FakeProvider::builder()
            .reply(Reply::turn().tool_call(
                "bash",
                json!({"command": "printf 'x\\033[31mred\\n'; exit 3"}),
            ))
            .reply(Reply::text(evil))
            .start_blocking()
    };
    let run = Run::new();
    let f = fake();
    let out = run
        .pi(&f, "openai/gpt-4o-mini")
        .args(["--no-session", "-p", "hi"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let (o, e) = (stdout(&out), stderr(&out));
    assert!(!o.contains('\u{1b}') && !o.contains('\u{7}'), "{o:?}");
    assert!(!e.contains('\u{1b}'), "{e:?}");
    assert_eq!(
        o,
        "clip\\e]52;c;cm0gLXJmIH4=\\a clear\\e[2J title\\e]0;pwned\\e\\\n"
    );
    assert!(e.contains("x\\e[31mred"), "{e}");
    // Streamed text is escaped too.
    let f = fake();
    let out = run
        .pi(&f, "openai/gpt-4o-mini")
        .args(["--no-session", "--stream-output", "true", "-p", "hi"])
        .output()
        .unwrap();
    assert!(!stdout(&out).contains('\u{1b}'), "{:?}", stdout(&out));
    // JSON output carries the text as it is (serde escapes it).
    let f = fake();
    let out = run
        .pi(&f, "openai/gpt-4o-mini")
        .args(["--no-session", "--output-format", "json", "-p", "hi"])
        .output()
        .unwrap();
    let finished = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["type"] == "turn_finished")
        .unwrap();
    assert_eq!(finished["text"], evil);
}

#[test]
fn print_tool_policy_says_where_each_value_came_from() {
    let run = Run::new();
    let out = run
        .cmd()
        .args([
            "--tool-policy-preset",
            "strict",
            "--bash-timeout-ms",
            "120000",
            "--print-tool-policy",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["preset"]["value"], "strict");
    assert_eq!(v["preset"]["source"], "flag --tool-policy-preset");
    assert_eq!(v["bash_timeout_ms"]["source"], "flag --bash-timeout-ms");
    assert_eq!(v["bash_profile"]["value"], "strict");
    assert_eq!(v["bash_profile"]["source"], "preset strict");
    assert_eq!(v["sandbox_network"]["value"], "off");
    let out = run
        .cmd()
        .args(["--max-command-bytes", "0", "--print-tool-policy"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
}

#[test]
fn files_pi_creates_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let fake = FakeProvider::builder()
        .reply(Reply::text("ok"))
        .start_blocking();
    let run = Run::new();
    let log = run.path().join("logs/pi.log");
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .env("PI_LOG_FILE", &log)
        .args(["-p", "hi"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&run.session_file()), 0o600);
    assert_eq!(mode(&run.path().join(".pi")), 0o700);
    assert_eq!(mode(&run.path().join(".pi/sessions")), 0o700);
    assert_eq!(mode(&log), 0o600);
    assert_eq!(mode(&run.path().join("logs")), 0o700);
}
