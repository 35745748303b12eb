//! Auth rejections, faults and the script's queues.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::super::{FakeProvider, Fault, Reply};
use super::*;

#[tokio::test]
async fn wrong_or_missing_keys_get_each_providers_error() {
    let fake = FakeProvider::builder()
        .api_key("sk-right")
        .reply(Reply::text("unused"))
        .start()
        .await;
    let base = fake.base_url();
    let openai = format!("{base}/v1/chat/completions");
    let got = send(openai.clone(), &[BEARER], openai_body(false))
        .await
        .unwrap();
    assert_eq!(
        (got.status, got.json()["error"]["code"].as_str()),
        (401, Some("invalid_api_key"))
    );
    let got = send(openai, &[], openai_body(false)).await.unwrap();
    assert!(
        got.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("didn't provide an API key")
    );

    let anthropic = format!("{base}/v1/messages");
    let got = send(anthropic.clone(), &ANTHROPIC, anthropic_body(false))
        .await
        .unwrap();
    assert_eq!(
        (got.status, &got.json()["error"]["type"]),
        (401, &json!("authentication_error"))
    );
    let got = send(
        anthropic,
        &[("x-api-key", "sk-right")],
        anthropic_body(false),
    )
    .await
    .unwrap();
    assert_eq!(
        (got.status, &got.json()["error"]["message"]),
        (400, &json!("anthropic-version: header is required"))
    );

    let gemini = format!("{base}/v1beta/models/g:generateContent");
    let got = send(gemini.clone(), &[GOOGLE], gemini_body())
        .await
        .unwrap();
    assert_eq!(
        (got.status, &got.json()["error"]["details"][0]["reason"]),
        (400, &json!("API_KEY_INVALID"))
    );
    let got = send(gemini, &[], gemini_body()).await.unwrap();
    assert_eq!(
        (got.status, &got.json()["error"]["status"]),
        (403, &json!("PERMISSION_DENIED"))
    );
    assert_eq!((fake.requests().len(), fake.remaining()), (6, 1));
}

#[tokio::test]
async fn status_faults_carry_retry_after_and_the_format_error_shape() {
    let fake = FakeProvider::builder()
        .reply(Fault::status(429).retry_after(2).retry_after_ms(1500))
        .reply(Fault::status(529))
        .reply(Fault::status(503).retry_after(1))
        .reply(Fault::status(400).message("bad tool schema"))
        .start()
        .await;
    let got = send(
        format!("{}/v1/chat/completions", fake.base_url()),
        &[BEARER],
        openai_body(true),
    )
    .await
    .unwrap();
    assert_eq!(
        (
            got.status,
            &got.headers["retry-after"],
            &got.headers["retry-after-ms"]
        ),
        (429, &"2".parse().unwrap(), &"1500".parse().unwrap())
    );
    assert_eq!(got.json()["error"]["code"], "rate_limit_exceeded");
    let got = send(
        format!("{}/v1/messages", fake.base_url()),
        &ANTHROPIC,
        anthropic_body(true),
    )
    .await
    .unwrap();
    assert_eq!(
        (got.status, got.json()),
        (
            529,
            json!({ "type": "error", "request_id": "req_fake", "error": { "type": "overloaded_error", "message": "Overloaded" } })
        )
    );
    let gemini = format!(
        "{}/v1beta/models/g:streamGenerateContent?alt=sse",
        fake.base_url()
    );
    let got = send(gemini, &[GOOGLE], gemini_body()).await.unwrap();
    let error = &got.json()["error"];
    assert_eq!(
        (
            got.status,
            &error["status"],
            &error["details"][0]["retryDelay"]
        ),
        (503, &json!("UNAVAILABLE"), &json!("1s"))
    );
    let got = send(
        format!("{}/v1/messages", fake.base_url()),
        &ANTHROPIC,
        anthropic_body(false),
    )
    .await
    .unwrap();
    assert_eq!(
        (got.status, &got.json()["error"]["message"]),
        (400, &json!("bad tool schema"))
    );
}

#[tokio::test]
async fn stream_faults_drop_stall_and_break_the_stream() {
    let fake = FakeProvider::builder()
        .chunk_size(8)
        .reply(Fault::drop_mid_stream(50))
        .reply(Fault::drop_before_body())
        .reply(Fault::malformed_event())
        .reply(Fault::stall(40, 300).during(Reply::turn().text("after the pause")))
        .start()
        .await;
    let url = format!("{}/v1/messages", fake.base_url());
    let got = send(url.clone(), &ANTHROPIC, anthropic_body(true))
        .await
        .unwrap();
    assert!(got.broken && got.status == 200);
    assert_eq!(got.chunks.concat().len(), 50);

    let error = send(url.clone(), &ANTHROPIC, anthropic_body(true))
        .await
        .err()
        .expect("no response at all");
    assert!(error.status().is_none());

    let got = send(
        format!("{}/v1/chat/completions", fake.base_url()),
        &[BEARER],
        openai_body(true),
    )
    .await
    .unwrap();
    assert!(!got.broken);
    let events = got.events();
    assert!(serde_json::from_str::<Value>(&events[0].1).is_ok());
    assert!(serde_json::from_str::<Value>(&events.last().unwrap().1).is_err());

    let started = Instant::now();
    let got = send(url, &ANTHROPIC, anthropic_body(true)).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(!got.broken && got.text().contains("message_stop"));
    assert_eq!(fake.remaining(), 0);
}

#[tokio::test]
async fn per_model_scripts_echo_and_exhaustion() {
    let fake = FakeProvider::builder()
        .model_always("model-a", Fault::status(500))
        .model_reply("model-b", Reply::text("from b"))
        .reply(Reply::text("shared"))
        .start()
        .await;
    let url = format!("{}/v1/chat/completions", fake.base_url());
    let ask =
        |model: &str| json!({ "model": model, "messages": [{ "role": "user", "content": "hi" }] });
    for _ in 0..2 {
        assert_eq!(
            send(url.clone(), &[BEARER], ask("model-a"))
                .await
                .unwrap()
                .status,
            500
        );
    }
    let text = |got: Got| got.json()["choices"][0]["message"]["content"].clone();
    assert_eq!(
        text(send(url.clone(), &[BEARER], ask("model-b")).await.unwrap()),
        "from b"
    );
    assert_eq!(
        text(send(url.clone(), &[BEARER], ask("model-b")).await.unwrap()),
        "shared"
    );
    let got = send(url, &[BEARER], ask("model-b")).await.unwrap();
    assert_eq!(got.status, 500);
    assert!(
        got.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("script is exhausted")
    );

    let echo = FakeProvider::echo().start_blocking();
    let url = format!(
        "{}/v1beta/models/g:streamGenerateContent?alt=sse",
        echo.base_url()
    );
    let got = send(url, &[GOOGLE], gemini_body()).await.unwrap();
    assert_eq!(
        got.data_json()[0]["candidates"][0]["content"]["parts"][0]["text"],
        "hello th"
    );
    assert_eq!(
        got.data_json()[1]["candidates"][0]["content"]["parts"][0]["text"],
        "ere"
    );
}

#[tokio::test]
async fn error_events_interrupt_a_started_stream() {
    let fake = FakeProvider::builder()
        .reply(Fault::error_event(529))
        .reply(Fault::error_event(500).during(Reply::turn().text("partial answer")))
        .reply(Fault::error_event(503))
        .start()
        .await;
    let got = send(
        format!("{}/v1/messages", fake.base_url()),
        &ANTHROPIC,
        anthropic_body(true),
    )
    .await
    .unwrap();
    let events = got.events();
    assert_eq!(events[0].0.as_deref(), Some("message_start"));
    let (name, data) = events.last().unwrap();
    assert_eq!(name.as_deref(), Some("error"));
    let expected = json!({ "type": "error", "error": { "type": "overloaded_error", "message": "Overloaded" } });
    assert_eq!(serde_json::from_str::<Value>(data).unwrap(), expected);

    let url = format!("{}/v1/chat/completions", fake.base_url());
    let data = send(url, &[BEARER], openai_body(true))
        .await
        .unwrap()
        .data_json();
    assert_eq!(data[1]["choices"][0]["delta"]["content"], "partial ");
    assert_eq!(data.last().unwrap()["error"]["type"], "server_error");

    let url = format!("{}/v1beta/models/g:generateContent", fake.base_url());
    let got = send(url, &[GOOGLE], gemini_body()).await.unwrap();
    assert_eq!(
        (got.status, &got.json()["error"]["status"]),
        (503, &json!("UNAVAILABLE"))
    );
}
