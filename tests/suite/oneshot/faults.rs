//! Retries, fallback and broken streams, end to end.

use super::{Run, stderr, stdout};
use crate::support::fake_provider::{FakeProvider, Fault, Reply};

fn answer_after(fault: Fault, model: &str) -> (std::process::Output, FakeProvider) {
    let fake = FakeProvider::builder()
        .reply(fault)
        .reply(Reply::text("recovered"))
        .start_blocking();
    let run = Run::new();
    let out = run
        .pi(&fake, model)
        .args(["--provider-retry-jitter", "false", "--prompt", "hi"])
        .output()
        .unwrap();
    (out, fake)
}

#[test]
fn retryable_statuses_are_retried_for_every_provider() {
    for model in [
        "anthropic/claude-sonnet-4-5",
        "openai/gpt-4o-mini",
        "google/gemini-2.5-flash",
    ] {
        for code in [408, 409, 429, 500, 503, 529] {
            let (out, fake) = answer_after(Fault::status(code).retry_after_ms(10), model);
            assert!(out.status.success(), "{model} {code}: {}", stderr(&out));
            assert_eq!(stdout(&out), "recovered\n");
            assert_eq!(fake.requests().len(), 2);
            assert!(stderr(&out).contains("retry 1/"), "{}", stderr(&out));
        }
    }
}

#[test]
fn retry_after_seconds_is_honoured() {
    let (out, _fake) = answer_after(Fault::status(429).retry_after(1), "openai/gpt-4o-mini");
    assert!(out.status.success());
    assert!(stderr(&out).contains("in 1.0s"), "{}", stderr(&out));
}

#[test]
fn connection_dropped_before_output_is_retried() {
    let (out, fake) = answer_after(Fault::drop_before_body(), "anthropic/claude-sonnet-4-5");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "recovered\n");
    assert_eq!(fake.requests().len(), 2);
}

#[test]
fn non_retryable_client_error_shows_provider_message() {
    let fake = FakeProvider::builder()
        .reply(Fault::status(400).message("max_tokens: too large for this model"))
        .start_blocking();
    let run = Run::new();
    let out = run
        .pi(&fake, "anthropic/claude-sonnet-4-5")
        .args(["--prompt", "hi"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("max_tokens: too large for this model"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fake.requests().len(), 1);
    assert_eq!(
        stderr(&out)
            .lines()
            .filter(|l| l.starts_with("pi: "))
            .count(),
        1
    );
}

#[test]
fn wrong_key_shows_the_auth_error() {
    let fake = FakeProvider::builder()
        .api_key("other")
        .reply(Reply::text("x"))
        .start_blocking();
    let run = Run::new();
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args(["--prompt", "hi"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("401"), "{}", stderr(&out));
}

#[test]
fn exhausted_retries_fail_with_exit_1() {
    let fake = FakeProvider::builder()
        .when_empty(Fault::status(503).retry_after_ms(5))
        .start_blocking();
    let run = Run::new();
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args([
            "--provider-max-retries",
            "2",
            "--provider-retry-jitter",
            "false",
            "--prompt",
            "hi",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(fake.requests().len(), 3);
}

#[test]
fn fallback_model_answers_when_the_primary_keeps_failing() {
    let fake = FakeProvider::builder()
        .model_always("gpt-4o", Fault::status(529).retry_after_ms(5))
        .model_reply("gpt-4o-mini", Reply::text("from the fallback"))
        .start_blocking();
    let run = Run::new();
    let out = run
        .pi(&fake, "openai/gpt-4o")
        .args([
            "--provider-max-retries",
            "1",
            "--fallback-model",
            "openai/gpt-4o-mini",
            "--prompt",
            "hi",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "from the fallback\n");
    assert!(
        stderr(&out).contains("falling back from openai/gpt-4o to openai/gpt-4o-mini"),
        "{}",
        stderr(&out)
    );
    let models: Vec<String> = fake.requests().iter().map(|r| r.model.clone()).collect();
    assert_eq!(models, ["gpt-4o", "gpt-4o", "gpt-4o-mini"]);
    // The session records who really answered.
    let msgs = run.session_messages();
    assert_eq!(msgs.last().unwrap()["model"], "gpt-4o-mini");
}

#[test]
fn drop_after_output_is_an_error_not_a_retry() {
    let fake = FakeProvider::builder()
        .reply(Fault::drop_mid_stream(1500))
        .reply(Reply::text("should not be used"))
        .start_blocking();
    let run = Run::new();
    let out = run
        .pi(&fake, "anthropic/claude-sonnet-4-5")
        .args(["--prompt", "hi"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(fake.requests().len(), 1);
    // No half-written assistant message in the session.
    let roles = run.session_roles();
    assert_eq!(roles, ["user"]);
}

#[test]
fn malformed_event_is_a_clear_error() {
    for model in [
        "anthropic/claude-sonnet-4-5",
        "openai/gpt-4o-mini",
        "google/gemini-2.5-flash",
    ] {
        let fake = FakeProvider::builder()
            .reply(Fault::malformed_event())
            .start_blocking();
        let run = Run::new();
        let out = run
            .pi(&fake, model)
            .args(["--prompt", "hi"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{model}");
        let err = stderr(&out);
        assert!(
            err.to_lowercase().contains("malformed") || err.to_lowercase().contains("invalid"),
            "{model}: {err}"
        );
        assert!(!err.contains("panicked"));
    }
}

#[test]
fn stalled_stream_times_out() {
    let fake = FakeProvider::builder()
        .reply(Fault::stall(60, 20_000))
        .start_blocking();
    let run = Run::new();
    let started = std::time::Instant::now();
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args([
            "--request-timeout-ms",
            "300",
            "--provider-max-retries",
            "0",
            "--prompt",
            "hi",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("300 ms"), "{}", stderr(&out));
    assert!(started.elapsed() < std::time::Duration::from_secs(15));
}
