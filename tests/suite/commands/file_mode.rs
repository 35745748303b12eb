//! The binary: `--command-file` end to end against the fake provider, and `--session-validate`.

use serde_json::Value;

use crate::suite::oneshot::{Run, stderr, stdout};
use crate::support::fake_provider::{FakeProvider, Fault, Reply};

/// Writes `script` as `script.txt` in the run's directory.
fn script(run: &Run, text: &str) -> &'static str {
    std::fs::write(run.path().join("script.txt"), text).unwrap();
    "script.txt"
}

/// The user-message texts a request sent, in order (OpenAI format).
fn sent_texts(body: &Value) -> String {
    body["messages"].to_string()
}

#[test]
fn session_commands_run_without_a_model_key() {
    let run = Run::new();
    let file = script(
        &run,
        "# inspect an empty session\n\n/session\n/session-stats --json\n/help branch\n",
    );
    let out = run.cmd().args(["--command-file", file]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("entries   0"), "{text}");
    let stats: Value = serde_json::from_str(text.lines().nth(6).unwrap()).unwrap();
    assert_eq!(stats["entries"], 0);
    assert!(text.contains("usage: /branch <id>"), "{text}");
    assert!(text.ends_with("3 passed, 0 failed\n"), "{text}");
}

#[test]
fn prompts_compact_and_model_switch_in_one_script() {
    let fake = FakeProvider::builder()
        .reply(Reply::text("answer one"))
        .reply(Reply::text("answer two"))
        .reply(Reply::text("SUMMARY: the user asked two questions"))
        .reply(Reply::text("answer three"))
        .start_blocking();
    let run = Run::new();
    let file = script(
        &run,
        "first question\nsecond question\n/compact keep the answers\n/model openai/gpt-4o\nthird question\n",
    );
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args(["--command-file", file])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(out.status.success(), "{}\n{text}", stderr(&out));
    assert!(
        text.contains("answer one\n") && text.contains("answer two\n"),
        "{text}"
    );
    assert!(text.contains("compacted: 2 messages summarised"), "{text}");
    assert!(text.contains("model: openai/gpt-4o\n"), "{text}");
    assert!(text.contains("answer three\n"), "{text}");
    assert!(text.ends_with("5 passed, 0 failed\n"), "{text}");

    let requests = fake.requests();
    assert_eq!(requests.len(), 4);
    // The summary request: no tools, the older turn as a transcript, the instructions.
    let summary = &requests[2];
    assert!(summary.body.get("tools").is_none());
    let asked = sent_texts(&summary.body);
    assert!(
        asked.contains("first question") && asked.contains("answer one"),
        "{asked}"
    );
    assert!(asked.contains("keep the answers"), "{asked}");
    assert!(!asked.contains("second question"), "{asked}");
    // The next turn uses the new model and sends the summary plus the recent messages.
    let third = &requests[3];
    assert_eq!(third.model, "gpt-4o");
    let sent = sent_texts(&third.body);
    assert!(
        sent.contains("SUMMARY: the user asked two questions"),
        "{sent}"
    );
    assert!(sent.contains("second question") && sent.contains("third question"));
    assert!(!sent.contains("first question"), "{sent}");
    // Both are in the session file.
    let lines = run.session_lines();
    assert!(lines.iter().any(|l| l["type"] == "compaction"));
    assert!(
        lines
            .iter()
            .any(|l| l["type"] == "model_change" && l["modelId"] == "gpt-4o")
    );
}

#[test]
fn fail_fast_stops_at_the_first_failure_and_continue_on_error_runs_the_rest() {
    let run = Run::new();
    let file = script(&run, "/session\n/sesion\n/session-stats\n");
    let out = run.cmd().args(["--command-file", file]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("script.txt:2: unknown command '/sesion'; did you mean /session?"),
        "{err}"
    );
    assert!(err.contains("1 line not run"), "{err}");
    assert!(stdout(&out).ends_with("1 passed, 1 failed\n"));
    assert!(!stdout(&out).contains("entries    "));

    let out = run
        .cmd()
        .args([
            "--command-file",
            file,
            "--command-file-error-mode",
            "continue-on-error",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("entries    "));
    assert!(
        stdout(&out).ends_with("2 passed, 1 failed\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn bad_lines_report_file_and_line_with_the_usage() {
    let run = Run::new();
    let file = script(
        &run,
        "/branch\n/branch \"unclosed\n/session-import notes.txt\n/quit\n/session\n",
    );
    std::fs::write(run.path().join("notes.txt"), "not a session\n").unwrap();
    let out = run
        .cmd()
        .args([
            "--command-file",
            file,
            "--command-file-error-mode",
            "continue-on-error",
        ])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(
        err.contains("script.txt:1: missing <id>; usage: /branch <id>"),
        "{err}"
    );
    assert!(
        err.contains("script.txt:2: malformed command line"),
        "{err}"
    );
    assert!(
        err.contains("script.txt:3:") && err.contains("not a session file"),
        "{err}"
    );
    // /quit stops the script: line 5 never runs.
    assert!(
        stdout(&out).ends_with("1 passed, 3 failed\n"),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains("branches  "));
}

#[test]
fn an_unreadable_command_file_is_a_usage_error() {
    let run = Run::new();
    let out = run
        .cmd()
        .args(["--command-file", "nope.txt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read command file nope.txt"));
}

#[test]
fn macros_and_profiles_run_through_the_script() {
    let fake = FakeProvider::echo().start_blocking();
    let run = Run::new();
    std::fs::write(run.path().join("steps.txt"), "/session-stats\nsay hello\n").unwrap();
    let file = script(
        &run,
        "/macro save greet steps.txt\n/macro run greet\n/profile save mine\n/profile load mine\n",
    );
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args(["--command-file", file, "--max-turns", "7"])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(out.status.success(), "{}\n{text}", stderr(&out));
    assert!(text.contains("running macro 'greet' (2 lines)"), "{text}");
    assert!(text.contains("say hello\n"), "{text}");
    assert!(text.contains("settings applied:"), "{text}");
    assert!(text.contains("max turns             7"), "{text}");
    assert!(text.ends_with("6 passed, 0 failed\n"), "{text}");
    let profiles = std::fs::read_to_string(run.path().join(".pi/profiles.json")).unwrap();
    assert!(profiles.contains("\"max_turns\": 7"), "{profiles}");
}

#[test]
fn doctor_fails_the_script_when_the_key_is_missing() {
    let run = Run::new();
    let file = script(&run, "/doctor --json\n");
    let out = run
        .cmd()
        .args(["--command-file", file, "--model", "openai/gpt-4o"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    assert_eq!(report["checks"][0]["name"], "api key");
    assert_eq!(report["checks"][0]["status"], "fail");
    assert!(
        report["checks"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("OPENAI_API_KEY")
    );
}

#[test]
fn a_prompt_needing_a_missing_key_fails_its_line() {
    let run = Run::new();
    let file = script(&run, "/session\nhello\n");
    let out = run
        .cmd()
        .args(["--command-file", file, "--model", "openai/gpt-4o"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("script.txt:2: OPENAI_API_KEY is not set"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn automatic_compaction_before_the_window_is_exceeded() {
    let fake = FakeProvider::builder()
        .reply(Reply::text("one"))
        .reply(Reply::text("AUTO-SUMMARY"))
        .reply(Reply::text("two"))
        .start_blocking();
    let run = Run::new();
    std::fs::write(run.path().join("system.md"), "Be brief.").unwrap();
    let long = "lorem ipsum ".repeat(2_000);
    let file = script(&run, &format!("first {long}\nsecond {long}\n"));
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args([
            "--command-file",
            file,
            "--context-window",
            "12000",
            "--system-prompt-file",
            "system.md",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("near the context window"),
        "{}",
        stderr(&out)
    );
    let requests = fake.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests[1].body.get("tools").is_none());
    let sent = sent_texts(&requests[2].body);
    assert!(sent.contains("AUTO-SUMMARY") && !sent.contains("first lorem"));
    assert!(
        run.session_lines()
            .iter()
            .any(|l| l["type"] == "compaction")
    );
}

#[test]
fn a_context_overflow_compacts_and_retries_once() {
    let fake = FakeProvider::builder()
        .reply(Reply::text("one"))
        .reply(Reply::fault(Fault::status(400).message(
            "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
        )))
        .reply(Reply::text("OVERFLOW-SUMMARY"))
        .reply(Reply::text("two"))
        .start_blocking();
    let run = Run::new();
    let file = script(&run, "first question\nsecond question\n");
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args(["--command-file", file])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("two\n"));
    assert!(
        stderr(&out).contains("context overflow"),
        "{}",
        stderr(&out)
    );
    let requests = fake.requests();
    assert_eq!(requests.len(), 4);
    let retried = sent_texts(&requests[3].body);
    assert!(retried.contains("OVERFLOW-SUMMARY") && retried.contains("second question"));
    assert!(!retried.contains("first question"), "{retried}");
}

#[test]
fn session_validate_exits_zero_for_a_valid_file_and_one_otherwise() {
    let fake = FakeProvider::echo().start_blocking();
    let run = Run::new();
    run.pi(&fake, "openai/gpt-4o-mini")
        .args(["--prompt", "hi"])
        .output()
        .unwrap();
    let out = run.cmd().arg("--session-validate").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains(": ok ("), "{}", stdout(&out));

    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(run.session_file())
        .unwrap();
    std::io::Write::write_all(&mut f, b"{\"type\":\"message\",oops}\n").unwrap();
    let out = run.cmd().arg("--session-validate").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("FAILED"), "{text}");
    assert!(text.contains("default.jsonl:"), "{text}");

    let out = run
        .cmd()
        .args(["--session-validate", "--session", "missing.jsonl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("missing.jsonl"));
    assert!(!run.path().join("missing.jsonl").exists());
}

#[test]
fn a_prompt_after_branch_forks_there_and_resume_comes_back() {
    let fake = FakeProvider::builder()
        .reply(Reply::text("answer one"))
        .reply(Reply::text("answer two"))
        .reply(Reply::text("forked answer"))
        .reply(Reply::text("back on the main line"))
        .start_blocking();
    let run = Run::new();
    let first = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args(["--prompt", "question one"])
        .output()
        .unwrap();
    assert!(first.status.success(), "{}", stderr(&first));
    let answer_one = run
        .session_lines()
        .into_iter()
        .find(|l| l["message"]["role"] == "assistant")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let file = script(
        &run,
        &format!(
            "question two\n/session-bookmark set fork-point {answer_one}\n/branch fork-point\nforked question\n/resume\n/branches\nlast question\n"
        ),
    );
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args(["--command-file", file])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(out.status.success(), "{}\n{text}", stderr(&out));
    assert!(text.ends_with("7 passed, 0 failed\n"), "{text}");
    let requests = fake.requests();
    // The forked turn saw the first exchange only: the agent reloaded after /branch.
    let forked = sent_texts(&requests[2].body);
    assert!(forked.contains("question one") && forked.contains("forked question"));
    assert!(!forked.contains("question two"), "{forked}");
    // /resume went back to the latest entry: the forked branch.
    let last = sent_texts(&requests[3].body);
    assert!(
        last.contains("forked answer") && !last.contains("question two"),
        "{last}"
    );
    assert!(
        text.contains("* ") && text.contains("forked question"),
        "{text}"
    );
}

#[test]
fn a_failed_automatic_compaction_is_a_warning_and_the_turn_goes_on() {
    let fake = FakeProvider::builder()
        .reply(Reply::text("one"))
        .reply(Reply::fault(
            Fault::status(400).message("summaries are off today"),
        ))
        .reply(Reply::text("two"))
        .start_blocking();
    let run = Run::new();
    std::fs::write(run.path().join("system.md"), "Be brief.").unwrap();
    let long = "lorem ipsum ".repeat(2_000);
    let file = script(&run, &format!("first {long}\nsecond {long}\n"));
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args([
            "--command-file",
            file,
            "--context-window",
            "12000",
            "--system-prompt-file",
            "system.md",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("automatic compaction failed"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).ends_with("two\n2 passed, 0 failed\n"));
    assert_eq!(fake.requests().len(), 3);
    assert!(
        !run.session_lines()
            .iter()
            .any(|l| l["type"] == "compaction")
    );
}

/// `/doctor` checks the skills folder the run uses, not a fixed `.pi/skills`.
#[test]
fn doctor_checks_the_skills_dir_in_use() {
    let run = Run::new();
    let file = script(&run, "/doctor --json\n");
    std::fs::create_dir_all(run.path().join("my-skills/deploy")).unwrap();
    std::fs::write(run.path().join("my-skills/review.md"), "# Review\n").unwrap();
    std::fs::write(run.path().join("my-skills/deploy/SKILL.md"), "# Deploy\n").unwrap();
    std::fs::write(run.path().join("my-skills/notes.txt"), "not a skill\n").unwrap();
    let skills_check = |dir: &str| {
        let out = run
            .cmd()
            .env("ANTHROPIC_API_KEY", "test-key")
            .args(["--command-file", file, "--skills-dir", dir])
            .output()
            .unwrap();
        let report: Value = serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
        let check = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "skills dir")
            .unwrap()
            .clone();
        (out.status.code(), check)
    };
    let (_, check) = skills_check("my-skills");
    assert_eq!(check["status"], "pass", "{check}");
    let detail = check["detail"].as_str().unwrap();
    assert!(detail.contains("my-skills (2 skills)"), "{detail}");
    // A folder that does not exist has no skills yet: nothing is wrong.
    let (code, check) = skills_check("missing-skills");
    assert_eq!(code, Some(0));
    assert_eq!(check["status"], "pass", "{check}");
    let detail = check["detail"].as_str().unwrap();
    assert!(
        detail.contains("missing-skills (none: the folder does not exist)"),
        "{detail}"
    );
    // A file is not a folder: that fails.
    std::fs::write(run.path().join("a-file"), "x\n").unwrap();
    let (code, check) = skills_check("a-file");
    assert_eq!(code, Some(1));
    assert_eq!(check["status"], "fail", "{check}");
    // A skill that cannot be read warns, naming its file and line.
    std::fs::write(run.path().join("my-skills/bad.md"), "---\nname: [x\n---\n").unwrap();
    let (_, check) = skills_check("my-skills");
    assert_eq!(check["status"], "warn", "{check}");
    let detail = check["detail"].as_str().unwrap();
    assert!(detail.contains("my-skills/bad.md:"), "{detail}");
    assert!(detail.contains("my-skills (2 skills)"), "{detail}");
}
