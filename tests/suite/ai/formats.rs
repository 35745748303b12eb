//! Every provider and alias streams (in tiny chunks) and answers whole, with the right URL,
//! headers and body.

use pi_coding_agent::ai::types::{ContentBlock, Message, StopReason, ToolResultMessage};
use pi_coding_agent::ai::{AiClient, AiError, ClientOptions, ModelRef, StreamEvent};
use serde_json::json;

use super::{client, options, request, run};
use crate::support::fake_provider::{FakeProvider, Fault, Reply, Wire};

fn turn() -> Reply {
    Reply::turn()
        .thinking("Let me plan.")
        .text("Hello there, ")
        .text("friend.")
        .tool_call("read", json!({"path": "src/main.rs", "limit": 20}))
        .tool_call("read", json!({"path": "Cargo.toml"}))
        .usage(120, 30)
        .into()
}

const MODELS: [(&str, Wire); 8] = [
    ("openai/gpt-4o-mini", Wire::OpenAi),
    ("openrouter/openai/gpt-4o-mini", Wire::OpenAi),
    ("groq/llama-3.3-70b-versatile", Wire::OpenAi),
    ("xai/grok-4", Wire::OpenAi),
    ("mistral/mistral-small-latest", Wire::OpenAi),
    ("azure/gpt-4o", Wire::Azure),
    ("anthropic/claude-sonnet-4-5", Wire::Anthropic),
    ("google/gemini-2.5-flash", Wire::Gemini),
];

fn check_message(model: &str, m: &pi_coding_agent::ai::types::AssistantMessage) {
    let r: ModelRef = model.parse().unwrap();
    assert_eq!(m.text(), "Hello there, friend.", "{model}");
    assert_eq!(m.provider, r.provider.as_str());
    assert_eq!(m.model, r.id);
    assert_eq!(m.api, r.provider.wire_format().api_name());
    assert_eq!(m.stop_reason, StopReason::ToolUse, "{model}");
    let calls = m.tool_calls();
    assert_eq!(calls.len(), 2, "{model}");
    assert_eq!(calls[0].1, "read");
    assert_eq!(
        calls[0].2,
        json!({"path": "src/main.rs", "limit": 20}),
        "{model}"
    );
    assert_eq!(calls[1].2, json!({"path": "Cargo.toml"}), "{model}");
    assert!(
        !calls[0].0.is_empty() && calls[0].0 != calls[1].0,
        "{model}"
    );
    if !model.starts_with("mistral/") {
        // Mistral is not asked for a usage chunk (it refuses stream_options).
        assert_eq!((m.usage.input, m.usage.output), (120, 30), "{model}");
    }
    if !model.starts_with("azure") && !model.starts_with("mistral") {
        let thinking = m.content.iter().find_map(|b| match b {
            ContentBlock::Thinking { thinking, .. } if !thinking.is_empty() => Some(thinking),
            _ => None,
        });
        assert_eq!(
            thinking.map(String::as_str),
            Some("Let me plan."),
            "{model}"
        );
    }
}

#[tokio::test]
async fn every_provider_streams_in_tiny_chunks() {
    let mut fake = FakeProvider::builder().chunk_size(3);
    for _ in MODELS {
        fake = fake.reply(turn());
    }
    let fake = fake.start().await;
    let c = client(&fake, options());
    for (i, (model, wire)) in MODELS.iter().enumerate() {
        let (result, events) = run(&c, model, &request("hi")).await;
        let m = result.unwrap_or_else(|e| panic!("{model}: {e}"));
        check_message(model, &m);
        assert!(matches!(events.last(), Some(StreamEvent::Done { .. })));
        assert!(
            events
                .iter()
                .filter(|e| matches!(e, StreamEvent::TextDelta { .. }))
                .count()
                >= 2
        );
        let req = &fake.requests()[i];
        assert_eq!(req.wire, Some(*wire), "{model}");
        assert!(req.stream, "{model}");
        let r: ModelRef = model.parse().unwrap();
        match wire {
            Wire::OpenAi => {
                assert_eq!(req.header("authorization"), Some("Bearer test-key"));
                assert_eq!(req.path, "/v1/chat/completions");
                assert_eq!(req.model, r.id);
            }
            Wire::Azure => {
                assert_eq!(req.header("api-key"), Some("test-key"));
                assert!(req.header("authorization").is_none());
                assert_eq!(req.path, "/openai/deployments/my-deploy/chat/completions");
                assert_eq!(
                    req.query_param("api-version").as_deref(),
                    Some(pi_coding_agent::ai::DEFAULT_AZURE_API_VERSION)
                );
            }
            Wire::Anthropic => {
                assert_eq!(req.header("x-api-key"), Some("test-key"));
                assert_eq!(req.header("anthropic-version"), Some("2023-06-01"));
                assert_eq!(req.path, "/v1/messages");
            }
            Wire::Gemini => {
                assert_eq!(req.header("x-goog-api-key"), Some("test-key"));
                assert_eq!(
                    req.path,
                    "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
                );
                assert_eq!(req.query_param("alt").as_deref(), Some("sse"));
            }
            Wire::Responses | Wire::AzureResponses => {
                assert!(req.path.ends_with("/responses"), "{model}");
            }
        }
    }
    assert_eq!(fake.remaining(), 0);
}

#[tokio::test]
async fn every_format_answers_whole_without_streaming() {
    let models = [
        "openai/gpt-4o-mini",
        "azure/gpt-4o",
        "anthropic/claude-haiku-4-5",
        "google/gemini-2.5-pro",
    ];
    let mut fake = FakeProvider::builder();
    for _ in models {
        fake = fake.reply(turn());
    }
    let fake = fake.start().await;
    let c = client(&fake, options());
    let mut req = request("hi");
    req.stream = false;
    for (i, model) in models.iter().enumerate() {
        let (result, _) = run(&c, model, &req).await;
        check_message(model, &result.unwrap_or_else(|e| panic!("{model}: {e}")));
        assert!(!fake.requests()[i].stream, "{model}");
    }
    assert!(fake.requests()[3].path.ends_with(":generateContent"));
}

#[tokio::test]
async fn azure_version_flag_is_sent() {
    let fake = FakeProvider::builder()
        .reply(Reply::text("ok"))
        .start()
        .await;
    let c = client(
        &fake,
        ClientOptions {
            azure_api_version: Some("2025-04-01-preview".into()),
            ..options()
        },
    );
    let (result, _) = run(&c, "azure/gpt-4o", &request("hi")).await;
    assert_eq!(result.unwrap().text(), "ok");
    assert_eq!(
        fake.requests()[0].query_param("api-version").as_deref(),
        Some("2025-04-01-preview")
    );
}

#[tokio::test]
async fn api_base_flag_routes_the_primary_model() {
    let fake = FakeProvider::builder()
        .reply(Reply::text("local"))
        .start()
        .await;
    let mut c = AiClient::new(ClientOptions {
        api_base: Some(format!("{}/", fake.openai_base_url())),
        ..options()
    })
    .unwrap();
    c.set_api_key(pi_coding_agent::ai::Provider::OpenAi, "test-key");
    let (result, _) = run(&c, "openai/llama3.2", &request("hi")).await;
    assert_eq!(result.unwrap().text(), "local");
    assert_eq!(fake.requests()[0].path, "/v1/chat/completions");
}

#[tokio::test]
async fn tool_results_go_back_in_each_format() {
    let models = [
        "openai/gpt-4o",
        "anthropic/claude-sonnet-4-5",
        "google/gemini-2.5-pro",
    ];
    let fake = FakeProvider::echo().start().await;
    let c = client(&fake, options());
    for model in models {
        let mut req = request("read it");
        let first = run(&c, model, &req).await.0.unwrap();
        // Echo has no tool call: make one up and answer it.
        let mut assistant = first.clone();
        assistant.content.push(ContentBlock::ToolCall {
            id: "call_1".into(),
            name: "read".into(),
            arguments: json!({"path": "a"}),
        });
        req.messages.push(Message::Assistant(assistant));
        req.messages.push(Message::ToolResult(ToolResultMessage {
            tool_call_id: "call_1".into(),
            tool_name: "read".into(),
            content: vec![ContentBlock::text("file body")],
            is_error: false,
            timestamp: 0,
            details: None,
            // Stored in the session for the trace; never part of a request.
            duration_ms: Some(4242),
        }));
        req.messages.push(Message::user_text("and now?", 0));
        let second = run(&c, model, &req).await.0.unwrap();
        assert_eq!(second.text(), "and now?", "{model}");
        let body = fake.requests().last().unwrap().body.to_string();
        assert!(body.contains("file body"), "{model}: {body}");
        assert!(!body.contains("4242"), "{model}: {body}");
    }
}

#[tokio::test]
async fn provider_4xx_shows_the_provider_message_without_retry() {
    for model in [
        "openai/gpt-4o",
        "anthropic/claude-sonnet-4-5",
        "google/gemini-2.5-pro",
    ] {
        let fake = FakeProvider::builder()
            .reply(Fault::status(400).message("The model `nope` does not exist"))
            .start()
            .await;
        let c = client(&fake, options());
        let (result, events) = run(&c, model, &request("hi")).await;
        let err = result.unwrap_err();
        assert!(
            matches!(err, AiError::Http { status: 400, .. }),
            "{model}: {err:?}"
        );
        let text = err.to_string();
        assert!(
            text.contains("The model `nope` does not exist"),
            "{model}: {text}"
        );
        assert!(!text.contains('\n'));
        assert!(events.is_empty());
        assert_eq!(fake.requests().len(), 1);
    }
}

#[tokio::test]
async fn usage_is_priced_from_the_catalog() {
    let fake = FakeProvider::builder()
        .reply(Reply::turn().text("x").usage(1_000_000, 1_000_000))
        .reply(Reply::turn().text("x").usage(1_000_000, 1_000_000))
        .start()
        .await;
    let c = client(&fake, options());
    let m = run(&c, "openai/gpt-4o-mini", &request("hi"))
        .await
        .0
        .unwrap();
    assert!(
        (m.usage.cost.input - 0.15).abs() < 1e-9,
        "{:?}",
        m.usage.cost
    );
    assert!((m.usage.cost.output - 0.60).abs() < 1e-9);
    assert!((m.usage.cost.total - 0.75).abs() < 1e-9);
    let m = run(&c, "openai/my-local-model", &request("hi"))
        .await
        .0
        .unwrap();
    assert_eq!(m.usage.cost.total, 0.0);
}

#[test]
fn model_checks_name_what_to_do() {
    let c = AiClient::new(ClientOptions::default()).unwrap();
    if std::env::var("XAI_API_KEY").is_err() {
        let err = c.check_model(&"xai/grok-4".parse().unwrap()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "XAI_API_KEY is not set: export it, or pick another model"
        );
    }
    let mut c = AiClient::new(ClientOptions::default()).unwrap();
    c.set_api_key(pi_coding_agent::ai::Provider::Azure, "k");
    let err = c.check_model(&"azure/gpt-4o".parse().unwrap()).unwrap_err();
    assert!(err.to_string().contains("--api-base"), "{err}");
    let err = "nope/x".parse::<ModelRef>().unwrap_err();
    assert!(err.to_string().contains("anthropic, google"), "{err}");
    assert!(
        AiClient::new(ClientOptions {
            api_base: Some("localhost:11434/v1".into()),
            ..ClientOptions::default()
        })
        .is_err()
    );
}

#[tokio::test]
async fn a_server_that_ignores_stream_true_still_works() {
    use axum::Json;
    use axum::routing::post;
    let app = axum::Router::new().route(
        "/v1/chat/completions",
        post(|| async {
            Json(
                json!({"id": "x", "choices": [{"message": {"role": "assistant", "content": "whole"},
                "finish_reason": "stop"}], "usage": {"prompt_tokens": 3, "completion_tokens": 1}}),
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let mut c = AiClient::new(ClientOptions {
        api_base: Some(format!("http://{addr}/v1")),
        ..options()
    })
    .unwrap();
    c.set_api_key(pi_coding_agent::ai::Provider::OpenAi, "k");
    let (result, _) = run(&c, "openai/local", &request("hi")).await;
    let m = result.unwrap();
    assert_eq!(m.text(), "whole");
    assert_eq!(m.usage.total_tokens, 4);
}
