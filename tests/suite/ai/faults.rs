//! Retries, fallbacks, timeouts, broken streams and cancellation over real HTTP.

use std::time::{Duration, Instant};

use pi_coding_agent::ai::{AiError, ClientOptions, ModelRef, StreamEvent};
use tokio_util::sync::CancellationToken;

use super::{client, options, request, retries, run};
use crate::support::fake_provider::{FakeProvider, Fault, Reply, Turn};

fn long_turn() -> Turn {
    Reply::turn().text("word ".repeat(200))
}

#[tokio::test]
async fn rate_limit_honours_retry_after_then_succeeds() {
    let fake = FakeProvider::builder()
        .reply(Fault::status(429).retry_after(1))
        .reply(Reply::text("after the wait"))
        .start()
        .await;
    let c = client(&fake, options());
    let started = Instant::now();
    let (result, events) = run(&c, "openai/gpt-4o", &request("hi")).await;
    assert_eq!(result.unwrap().text(), "after the wait");
    assert_eq!(retries(&events), vec![(1, 1000)]);
    assert!(started.elapsed() >= Duration::from_millis(950));
    let StreamEvent::Retry {
        reason,
        model,
        max_retries,
        ..
    } = &events[0]
    else {
        panic!("{events:?}")
    };
    assert!(reason.contains("429"), "{reason}");
    assert_eq!(model, "openai/gpt-4o");
    assert_eq!(*max_retries, 3);
}

#[tokio::test]
async fn retry_after_ms_header_is_honoured() {
    let fake = FakeProvider::builder()
        .reply(Fault::status(429).retry_after_ms(40))
        .reply(Reply::text("ok"))
        .start()
        .await;
    let c = client(&fake, options());
    let (result, events) = run(&c, "openai/gpt-4o", &request("hi")).await;
    assert_eq!(result.unwrap().text(), "ok");
    assert_eq!(retries(&events), vec![(1, 40)]);
}

#[tokio::test]
async fn server_errors_and_overload_are_retried_in_every_format() {
    for (model, code) in [
        ("openai/gpt-4o", 500),
        ("anthropic/claude-sonnet-4-5", 529),
        ("google/gemini-2.5-pro", 503),
        ("groq/llama", 408),
        ("mistral/mistral-large-latest", 409),
    ] {
        let fake = FakeProvider::builder()
            .reply(Fault::status(code))
            .reply(Fault::status(code))
            .reply(Reply::text("finally"))
            .start()
            .await;
        let c = client(&fake, options());
        let (result, events) = run(&c, model, &request("hi")).await;
        assert_eq!(result.unwrap().text(), "finally", "{model}");
        // Exponential backoff from 5 ms.
        assert_eq!(retries(&events), vec![(1, 5), (2, 10)], "{model}");
        assert_eq!(fake.requests().len(), 3);
    }
}

#[tokio::test]
async fn exhausted_retries_give_one_clear_error() {
    let fake = FakeProvider::builder()
        .when_empty(Fault::status(500).message("upstream exploded"))
        .start()
        .await;
    let c = client(
        &fake,
        ClientOptions {
            max_retries: 2,
            ..options()
        },
    );
    let (result, events) = run(&c, "openai/gpt-4o", &request("hi")).await;
    let err = result.unwrap_err();
    assert!(
        matches!(err, AiError::RetriesExhausted { retries: 2, .. }),
        "{err:?}"
    );
    let text = err.to_string();
    // The count stopped it: the message names that flag, not the time budget.
    assert!(
        text.starts_with(
            "still failing after 2 retries (--provider-max-retries 2 reached): openai returned HTTP 500"
        ),
        "{text}"
    );
    assert!(text.contains("upstream exploded"));
    assert!(!text.contains("budget"), "{text}");
    assert!(!text.contains('\n'), "{text}");
    assert_eq!(retries(&events).len(), 2);
    assert_eq!(fake.requests().len(), 3);
}

#[tokio::test]
async fn retry_budget_stops_retrying() {
    let fake = FakeProvider::builder()
        .when_empty(Fault::status(503))
        .start()
        .await;
    let mut c = client(
        &fake,
        ClientOptions {
            max_retries: 10,
            retry_budget_ms: 100,
            ..options()
        },
    );
    c.set_retry_initial_delay_ms(40);
    let (result, events) = run(&c, "openai/gpt-4o", &request("hi")).await;
    // 40 ms fits the budget, 40 + 80 does not.
    assert_eq!(retries(&events), vec![(1, 40)]);
    let err = result.unwrap_err();
    assert!(
        matches!(err, AiError::RetriesExhausted { retries: 1, .. }),
        "{err:?}"
    );
    // The time budget stopped it, with 9 retries left: the message says so.
    let text = err.to_string();
    assert!(
        text.starts_with("still failing after 1 retry (the retry time budget ran out"),
        "{text}"
    );
    assert!(text.contains("--provider-retry-budget-ms 100"), "{text}");
    assert!(!text.contains("--provider-max-retries"), "{text}");
}

#[tokio::test]
async fn connection_dropped_before_output_is_retried() {
    let fake = FakeProvider::builder()
        .reply(Fault::drop_before_body())
        .reply(Fault::drop_mid_stream(10).during(long_turn()))
        .reply(Reply::text("made it"))
        .start()
        .await;
    let c = client(&fake, options());
    let (result, events) = run(&c, "anthropic/claude-sonnet-4-5", &request("hi")).await;
    assert_eq!(result.unwrap().text(), "made it");
    assert_eq!(retries(&events).len(), 2, "{events:?}");
}

#[tokio::test]
async fn connection_dropped_after_output_is_final() {
    for model in [
        "openai/gpt-4o",
        "anthropic/claude-sonnet-4-5",
        "google/gemini-2.5-pro",
    ] {
        let fake = FakeProvider::builder()
            .reply(Fault::drop_mid_stream(600).during(long_turn()))
            .reply(Reply::text("must not be used"))
            .start()
            .await;
        let c = client(&fake, options());
        let (result, events) = run(&c, model, &request("hi")).await;
        let err = result.unwrap_err();
        assert!(
            matches!(err, AiError::Connection { .. }),
            "{model}: {err:?}"
        );
        assert!(
            events
                .iter()
                .any(|e| matches!(e, StreamEvent::TextDelta { .. })),
            "{model}"
        );
        assert!(retries(&events).is_empty(), "{model}");
        assert_eq!(fake.remaining(), 1, "{model}");
    }
}

#[tokio::test]
async fn malformed_event_is_a_clear_error() {
    for model in [
        "openai/gpt-4o",
        "anthropic/claude-sonnet-4-5",
        "google/gemini-2.5-pro",
    ] {
        let fake = FakeProvider::builder()
            .reply(Fault::malformed_event())
            .start()
            .await;
        let c = client(&fake, options());
        let err = run(&c, model, &request("hi")).await.0.unwrap_err();
        assert!(
            matches!(err, AiError::MalformedResponse { .. }),
            "{model}: {err:?}"
        );
        assert!(
            err.to_string().starts_with("malformed response from"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn in_stream_overload_error_before_output_is_retried() {
    let fake = FakeProvider::builder()
        .reply(Fault::error_event(529).during(Reply::turn()))
        .reply(Reply::text("recovered"))
        .start()
        .await;
    let c = client(&fake, options());
    let (result, events) = run(&c, "anthropic/claude-sonnet-4-5", &request("hi")).await;
    match result {
        Ok(m) => {
            assert_eq!(m.text(), "recovered");
            assert_eq!(retries(&events).len(), 1);
        }
        // If the fake streamed text first, the error must be final and say what happened.
        Err(e) => assert!(e.to_string().contains("anthropic"), "{e}"),
    }
}

#[tokio::test]
async fn stall_after_output_times_out() {
    let fake = FakeProvider::builder()
        .reply(Fault::stall(600, 3_000).during(long_turn()))
        .start()
        .await;
    let c = client(
        &fake,
        ClientOptions {
            request_timeout_ms: 300,
            ..options()
        },
    );
    let started = Instant::now();
    let (result, events) = run(&c, "openai/gpt-4o", &request("hi")).await;
    let err = result.unwrap_err();
    assert!(
        matches!(
            err,
            AiError::Timeout {
                timeout_ms: 300,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("--request-timeout-ms"));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, StreamEvent::TextDelta { .. }))
    );
    assert!(started.elapsed() < Duration::from_millis(2_500));
}

#[tokio::test]
async fn stall_before_output_is_retried() {
    let fake = FakeProvider::builder()
        .reply(Fault::stall(5, 3_000).during(long_turn()))
        .reply(Reply::text("fresh"))
        .start()
        .await;
    let c = client(
        &fake,
        ClientOptions {
            request_timeout_ms: 300,
            ..options()
        },
    );
    let (result, events) = run(&c, "google/gemini-2.5-flash", &request("hi")).await;
    assert_eq!(result.unwrap().text(), "fresh");
    let StreamEvent::Retry { reason, .. } = &events[0] else {
        panic!("{events:?}")
    };
    assert!(reason.contains("300 ms"), "{reason}");
}

#[tokio::test]
async fn fallback_models_are_tried_in_order() {
    let fake = FakeProvider::builder()
        .model_always("gpt-4o", Fault::status(503))
        .model_always("claude-sonnet-4-5", Fault::status(529))
        .model_reply("gemini-2.5-flash", Reply::text("from the second fallback"))
        .start()
        .await;
    let c = client(
        &fake,
        ClientOptions {
            max_retries: 1,
            fallback_models: vec![
                "anthropic/claude-sonnet-4-5".parse().unwrap(),
                "google/gemini-2.5-flash".parse().unwrap(),
            ],
            ..options()
        },
    );
    let (result, events) = run(&c, "openai/gpt-4o", &request("hi")).await;
    let m = result.unwrap();
    assert_eq!(m.text(), "from the second fallback");
    assert_eq!(m.provider, "google");
    assert_eq!(m.model, "gemini-2.5-flash");
    assert_eq!(m.api, "google-generative-ai");
    let fallbacks: Vec<(String, String)> = events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::Fallback { from, to, .. } => Some((from.clone(), to.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        fallbacks,
        vec![
            (
                "openai/gpt-4o".to_string(),
                "anthropic/claude-sonnet-4-5".to_string()
            ),
            (
                "anthropic/claude-sonnet-4-5".to_string(),
                "google/gemini-2.5-flash".to_string()
            ),
        ]
    );
    assert_eq!(retries(&events).len(), 2, "one retry per failing model");
    assert_eq!(fake.requests().len(), 5);
}

#[tokio::test]
async fn non_retryable_errors_do_not_fall_back() {
    let fake = FakeProvider::builder()
        .reply(Fault::status(401).message("bad key"))
        .start()
        .await;
    let c = client(
        &fake,
        ClientOptions {
            fallback_models: vec!["openai/gpt-4o-mini".parse().unwrap()],
            ..options()
        },
    );
    let (result, events) = run(&c, "openai/gpt-4o", &request("hi")).await;
    let err = result.unwrap_err();
    assert!(
        err.to_string().contains("bad key") && err.to_string().contains("check the API key"),
        "{err}"
    );
    assert!(events.is_empty());
}

#[tokio::test]
async fn cancellation_during_backoff_is_prompt() {
    let fake = FakeProvider::builder()
        .reply(Fault::status(429).retry_after(30))
        .reply(Reply::text("too late"))
        .start()
        .await;
    let c = client(&fake, options());
    let cancel = CancellationToken::new();
    let model: ModelRef = "openai/gpt-4o".parse().unwrap();
    let started = Instant::now();
    let trigger = cancel.clone();
    let result = c
        .complete(&model, &request("hi"), &cancel, |e| {
            if matches!(e, StreamEvent::Retry { .. }) {
                trigger.cancel();
            }
        })
        .await;
    assert_eq!(result.unwrap_err(), AiError::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn cancellation_mid_stream_is_prompt() {
    let fake = FakeProvider::builder()
        .chunk_delay(Duration::from_millis(20))
        .reply(long_turn())
        .start()
        .await;
    let c = client(&fake, options());
    let cancel = CancellationToken::new();
    let model: ModelRef = "anthropic/claude-sonnet-4-5".parse().unwrap();
    let trigger = cancel.clone();
    let started = Instant::now();
    let result = c
        .complete(&model, &request("hi"), &cancel, |e| {
            if matches!(e, StreamEvent::TextDelta { .. }) {
                trigger.cancel();
            }
        })
        .await;
    assert_eq!(result.unwrap_err(), AiError::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(2));
}
