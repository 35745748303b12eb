//! Headless edges found at the command line: skills in one-shot runs, a query on the API base,
//! zero or absurd limits, the log file, invalid UTF-8 in a session.

use super::errors::assert_clean_error;
use super::{Run, stderr, stdout};
use crate::support::fake_provider::{FakeProvider, Reply};

#[test]
fn api_base_query_is_kept_on_every_request_url() {
    let fake = FakeProvider::builder()
        .when_empty(Reply::text("ok"))
        .start_blocking();
    let run = Run::new();
    let cases = [
        (
            "openai/gpt-4o-mini",
            fake.openai_base_url(),
            "/v1/chat/completions",
        ),
        (
            "groq/llama-3.3-70b-versatile",
            fake.openai_base_url(),
            "/v1/chat/completions",
        ),
        (
            "anthropic/claude-sonnet-4-5",
            fake.base_url(),
            "/v1/messages",
        ),
        (
            "google/gemini-2.5-flash",
            fake.base_url(),
            "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
        ),
        (
            "azure/gpt-4o",
            format!("{}/openai/deployments/dep1", fake.base_url()),
            "/openai/deployments/dep1/chat/completions",
        ),
    ];
    for (i, (model, base, path)) in cases.iter().enumerate() {
        let provider = model.split('/').next().unwrap();
        let key_var = match provider {
            "google" => "GEMINI_API_KEY".to_string(),
            "azure" => "AZURE_OPENAI_API_KEY".to_string(),
            p => format!("{}_API_KEY", p.to_uppercase()),
        };
        let out = run
            .cmd()
            .env(key_var, "test-key")
            .args(["--model", model, "--no-session"])
            .args(["--api-base", &format!("{base}?key=abc")])
            .args(["--prompt", "hi"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{model}: {}", stderr(&out));
        assert_eq!(stdout(&out), "ok\n", "{model}");
        let req = &fake.requests()[i];
        assert_eq!(req.path, *path, "{model}");
        assert_eq!(req.query_param("key").as_deref(), Some("abc"), "{model}");
    }
    let reqs = fake.requests();
    assert!(reqs[3].query_param("alt").is_some(), "gemini keeps alt=sse");
    assert!(
        reqs[4].query_param("api-version").is_some(),
        "azure keeps api-version"
    );
}

#[test]
fn api_base_query_values_never_reach_an_error() {
    let run = Run::new();
    // Nothing listens on port 1: the connection error quotes the request URL.
    let out = run
        .cmd()
        .env("OPENAI_API_KEY", "test-key")
        .args(["--model", "openai/gpt-4o", "--no-session"])
        .args(["--api-base", "http://127.0.0.1:1/v1?key=hush-hush-value"])
        .args([
            "--provider-max-retries",
            "1",
            "--provider-retry-jitter",
            "false",
        ])
        .args(["--prompt", "hi"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("could not reach the openai API"), "{err}");
    assert!(!err.contains("hush-hush-value"), "{err}");
    // A malformed base is refused before any request, and not echoed either.
    let out = run
        .cmd()
        .env("OPENAI_API_KEY", "test-key")
        .args(["--model", "openai/gpt-4o", "--no-session"])
        .args(["--api-base", "127.0.0.1:1/v1?key=hush-hush-value"])
        .args(["--prompt", "hi"])
        .output()
        .unwrap();
    assert_clean_error(&out, 2, "key=[redacted]");
    assert!(!stderr(&out).contains("hush-hush-value"));
    let log = std::fs::read_to_string(run.path().join("pi.log")).unwrap_or_default();
    assert!(!log.contains("hush-hush-value"), "{log}");
}

#[test]
fn session_validate_reports_invalid_utf8_lines() {
    let run = Run::new();
    let mut bytes = br#"{"type":"session","version":3,"id":"s1","timestamp":"2025-01-01T00:00:00Z","cwd":"/tmp"}"#.to_vec();
    bytes.extend_from_slice(b"\n");
    bytes.extend_from_slice(br#"{"type":"message","id":"a1","parentId":null,"timestamp":"2025-01-01T00:00:00Z","message":{"role":"user","content":"hi "#);
    bytes.extend_from_slice(b"\xff\xfe");
    bytes.extend_from_slice(br#" there","timestamp":1}}"#);
    bytes.extend_from_slice(b"\n");
    std::fs::write(run.path().join("s.jsonl"), &bytes).unwrap();
    let out = run
        .cmd()
        .args(["--session", "s.jsonl", "--session-validate"])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(text.contains("FAILED"), "{text}");
    assert!(
        text.contains("s.jsonl:2: invalid UTF-8 118 bytes into the line"),
        "{text}"
    );
}

#[test]
fn a_log_file_that_cannot_be_opened_is_a_usage_error() {
    let run = Run::new();
    std::fs::create_dir(run.path().join("logs")).unwrap();
    let out = run
        .cmd()
        .args(["--log-file", "logs", "--prompt", "hi"])
        .output()
        .unwrap();
    assert_clean_error(&out, 2, "cannot open the log file logs");
    assert!(stderr(&out).contains("--log-file"), "{}", stderr(&out));
    // Through the environment too, and before any mode runs.
    let out = run
        .cmd()
        .env("PI_LOG_FILE", run.path().join("logs"))
        .arg("--print-tool-policy")
        .output()
        .unwrap();
    assert_clean_error(&out, 2, "cannot open the log file");
}

#[test]
fn skills_reach_the_request_in_one_shot_mode() {
    let fake = FakeProvider::builder()
        .reply(Reply::text("reviewed"))
        .start_blocking();
    let run = Run::new();
    std::fs::create_dir_all(run.path().join("skills/deploy")).unwrap();
    std::fs::write(
        run.path().join("skills/review.md"),
        "---\nname: review\ndescription: careful review\n---\nCheck every error path twice.\n",
    )
    .unwrap();
    std::fs::write(
        run.path().join("skills/deploy/SKILL.md"),
        "Never deploy on Fridays.\n",
    )
    .unwrap();
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args(["--skills-dir", "skills", "--skill", "review,deploy"])
        .args(["--prompt", "look at this"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "reviewed\n");
    let reqs = fake.requests();
    let system = reqs[0].body["messages"][0]["content"].to_string();
    assert!(system.contains("<skill name=\\\"review\\\">"), "{system}");
    assert!(system.contains("Check every error path twice."), "{system}");
    assert!(system.contains("Never deploy on Fridays."), "{system}");
    assert!(
        !system.contains("careful review"),
        "front matter stays out: {system}"
    );
}

#[test]
fn an_unknown_skill_is_a_usage_error() {
    let fake = FakeProvider::builder()
        .reply(Reply::text("must not be used"))
        .start_blocking();
    let run = Run::new();
    std::fs::create_dir_all(run.path().join("skills")).unwrap();
    std::fs::write(run.path().join("skills/review.md"), "# Review\n").unwrap();
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args(["--skills-dir", "skills", "--skill", "reveiw"])
        .args(["--prompt", "hi"])
        .output()
        .unwrap();
    assert_clean_error(&out, 2, "no skill 'reveiw' in skills or ");
    assert!(
        stderr(&out).contains("(it has review); check --skill"),
        "{}",
        stderr(&out)
    );
    assert!(fake.requests().is_empty());
    assert!(!run.session_file().exists(), "nothing is written");
    // Without --skills-dir the project's folder is .pi/skills.
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args(["--skill", "review", "--prompt", "hi"])
        .output()
        .unwrap();
    assert_clean_error(&out, 2, "no skill 'review' in .pi/skills or ");
    // A command file checks the names too.
    std::fs::write(run.path().join("script.txt"), "/session\n").unwrap();
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args(["--skills-dir", "skills", "--skill", "nope"])
        .args(["--command-file", "script.txt"])
        .output()
        .unwrap();
    assert_clean_error(&out, 2, "no skill 'nope'");
}

#[test]
fn zero_and_absurd_limits_are_refused() {
    let run = Run::new();
    for (flag, value, says) in [
        ("--max-output-tokens", "0", "must be at least 1"),
        ("--max-turns", "0", "must be at least 1"),
        ("--context-window", "0", "must be at least 1024"),
        ("--context-window", "12", "must be at least 1024"),
        ("--provider-max-retries", "1000", "must be at most 100"),
        ("--max-file-read-bytes", "0", "must be at least 1"),
        ("--max-file-write-bytes", "0", "must be at least 1"),
        ("--max-tool-output-bytes", "0", "must be at least 1"),
        ("--max-command-bytes", "0", "must be at least 1"),
        ("--max-turns", "-3", "a whole number of at least 1"),
        ("--max-turns", "many", "expected a whole number"),
    ] {
        let out = run
            .cmd()
            .args([&format!("{flag}={value}"), "--prompt", "hi"])
            .output()
            .unwrap();
        assert_clean_error(&out, 2, flag);
        assert!(
            stderr(&out).contains(says),
            "{flag} {value}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn help_is_grouped_with_examples_and_fits_80_columns() {
    let run = Run::new();
    for flag in ["--help", "-h"] {
        let out = run.cmd().env("COLUMNS", "200").arg(flag).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = stdout(&out);
        let mut at = 0;
        // In this order, each once.
        for heading in [
            "Options:",
            "Prompt and output:",
            "Model and provider:",
            "Session:",
            "Skills:",
            "Interactive:",
            "Tools and policy:",
            "Examples:",
        ] {
            let found = text[at..]
                .find(&format!("\n{heading}\n"))
                .unwrap_or_else(|| panic!("{heading} missing or out of order: {text}"));
            at += found + 1;
        }
        assert!(text.contains("pi --print-config"), "{text}");
        assert!(text.contains("config.toml"), "{text}");
        assert!(text.contains("docs/"), "{text}");
        for line in text.lines() {
            assert!(line.chars().count() <= 80, "{flag}: {line:?}");
        }
    }
}
