//! The Responses API over real HTTP: `AiClient` against the fake provider's `/v1/responses`,
//! streamed in tiny chunks, whole, with every fault, cancel and a fallback to Chat Completions.

use std::time::{Duration, Instant};

use pi_coding_agent::ai::types::{ContentBlock, Message, StopReason, ThinkingLevel};
use pi_coding_agent::ai::{
    AiClient, AiError, ClientOptions, ModelRef, OpenAiApi, ReasoningSummary, StreamEvent,
};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::{client, options, request, retries, run};
use crate::support::fake_provider::{FakeProvider, Fault, Reply, Turn, Wire};

const CODEX: &str = "openai/gpt-5-codex";

fn reasoning_turn() -> Turn {
    Reply::turn()
        .thinking("Plan: read both files.")
        .text("Reading them.")
        .tool_call("read", json!({"path": "src/main.rs", "limit": 20}))
        .tool_call("read", json!({"path": "Cargo.toml"}))
        .usage(120, 30)
}

fn long_turn() -> Turn {
    Reply::turn().text("word ".repeat(200))
}

fn items_of(body: &Value, kind: &str) -> Vec<Value> {
    body["input"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == kind)
        .cloned()
        .collect()
}

#[tokio::test]
async fn a_responses_model_streams_in_tiny_chunks_with_parallel_calls_and_reasoning() {
    let fake = FakeProvider::builder()
        .chunk_size(3)
        .reply(reasoning_turn())
        .start()
        .await;
    let c = client(&fake, options());
    let (result, events) = run(&c, CODEX, &request("hi")).await;
    let m = result.unwrap();
    assert_eq!(m.api, "openai-responses");
    assert_eq!(
        (m.provider.as_str(), m.model.as_str()),
        ("openai", "gpt-5-codex")
    );
    assert_eq!(m.text(), "Reading them.");
    assert_eq!(m.stop_reason, StopReason::ToolUse);
    assert_eq!(m.response_id.as_deref(), Some("resp_fake0001"));
    let calls = m.tool_calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].0, "call_fake0001x00");
    assert_eq!(calls[0].2, json!({"path": "src/main.rs", "limit": 20}));
    assert_eq!(calls[1].2, json!({"path": "Cargo.toml"}));
    // The summary streams as thinking; the item with its encrypted content is kept.
    assert_eq!(
        m.content[0],
        ContentBlock::Thinking {
            thinking: "Plan: read both files.".into(),
            signature: None
        }
    );
    assert_eq!(m.reasoning_items.len(), 1);
    assert_eq!(m.reasoning_items[0].at, 1);
    assert_eq!(
        m.reasoning_items[0].item["encrypted_content"],
        "gAAAAB-fake-0001x00"
    );
    assert_eq!((m.usage.input, m.usage.output), (120, 30));
    let deltas = |f: fn(&StreamEvent) -> bool| events.iter().filter(|e| f(e)).count();
    assert!(deltas(|e| matches!(e, StreamEvent::ToolCallArgsDelta { .. })) >= 4);
    assert!(deltas(|e| matches!(e, StreamEvent::ThinkingDelta { .. })) >= 2);

    let req = &fake.requests()[0];
    assert_eq!(req.wire, Some(Wire::Responses));
    assert_eq!(req.path, "/v1/responses");
    assert_eq!(req.header("authorization"), Some("Bearer test-key"));
    assert_eq!(req.body["store"], false);
    assert_eq!(req.body["include"], json!(["reasoning.encrypted_content"]));
    assert_eq!(req.body["reasoning"]["summary"], "auto");
    assert_eq!(req.body["instructions"], "You are terse.");
    assert_eq!(req.body["tools"][0]["name"], "read");
}

#[tokio::test]
async fn whole_answers_azure_and_the_override() {
    let fake = FakeProvider::builder()
        .reply(reasoning_turn())
        .reply(reasoning_turn())
        .reply(Reply::text("chat after all"))
        .start()
        .await;
    let c = client(&fake, options());
    let mut req = request("hi");
    req.stream = false;
    let (result, _) = run(&c, CODEX, &req).await;
    let m = result.unwrap();
    assert_eq!(m.tool_calls().len(), 2);
    assert_eq!(m.reasoning_items.len(), 1);
    assert!(!fake.requests()[0].stream);

    // Azure: the resource's /openai/responses with its api-version and api-key.
    let (result, _) = run(&c, "azure/gpt-5-codex", &request("hi")).await;
    assert_eq!(result.unwrap().api, "openai-responses");
    let az = &fake.requests()[1];
    assert_eq!(az.wire, Some(Wire::AzureResponses));
    assert_eq!(az.path, "/openai/responses");
    assert_eq!(az.header("api-key"), Some("test-key"));
    assert!(az.query_param("api-version").is_some());
    // The deployment of the base URL is the request's model there.
    assert_eq!(az.body["model"], "my-deploy");

    // --openai-api chat sends even a Responses model to Chat Completions.
    let chat = client(
        &fake,
        ClientOptions {
            openai_api: Some(OpenAiApi::Chat),
            ..options()
        },
    );
    let (result, _) = run(&chat, CODEX, &request("hi")).await;
    assert_eq!(result.unwrap().api, "openai-completions");
    assert_eq!(fake.requests()[2].wire, Some(Wire::OpenAi));
}

#[tokio::test]
async fn the_override_routes_any_openai_style_model_and_summaries_can_be_off() {
    let fake = FakeProvider::builder()
        .reply(reasoning_turn())
        .reply(reasoning_turn())
        .start()
        .await;
    let c = client(
        &fake,
        ClientOptions {
            openai_api: Some(OpenAiApi::Responses),
            reasoning_summary: ReasoningSummary::Off,
            ..options()
        },
    );
    let (result, _) = run(&c, "openai/gpt-4.1", &request("hi")).await;
    let m = result.unwrap();
    assert_eq!(m.api, "openai-responses");
    // gpt-4.1 does not reason: no reasoning options, so no reasoning item comes back.
    let body = &fake.requests()[0].body;
    assert!(body.get("reasoning").is_none() && body.get("include").is_none());
    assert!(
        m.reasoning_items
            .iter()
            .all(|r| r.item.get("encrypted_content").is_none())
    );

    let mut req = request("hi");
    req.thinking = ThinkingLevel::High;
    let (result, _) = run(&c, "openai/o3", &req).await;
    let m = result.unwrap();
    let body = &fake.requests()[1].body;
    assert_eq!(body["reasoning"], json!({"effort": "high"}));
    // No summary asked: no thinking text, but the encrypted item is still kept.
    assert!(
        m.content
            .iter()
            .all(|b| !matches!(b, ContentBlock::Thinking { thinking, .. } if !thinking.is_empty()))
    );
    assert_eq!(m.reasoning_items.len(), 1);
}

#[tokio::test]
async fn reasoning_of_turn_one_goes_back_on_turn_two() {
    let fake = FakeProvider::builder()
        .chunk_size(11)
        .reply(reasoning_turn())
        .reply(Reply::text("done"))
        .start()
        .await;
    let c = client(&fake, options());
    let mut req = request("hi");
    let (first, _) = run(&c, CODEX, &req).await;
    let first = first.unwrap();
    req.messages.push(Message::Assistant(first.clone()));
    for (id, _, _) in first.tool_calls() {
        req.messages.push(Message::ToolResult(
            pi_coding_agent::ai::types::ToolResultMessage {
                tool_call_id: id,
                tool_name: "read".into(),
                content: vec![ContentBlock::text("contents")],
                is_error: false,
                timestamp: 0,
                details: None,
                duration_ms: None,
            },
        ));
    }
    let (second, _) = run(&c, CODEX, &req).await;
    assert_eq!(second.unwrap().text(), "done");
    let body = &fake.requests()[1].body;
    let kinds: Vec<&str> = body["input"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["type"].as_str().or(i["role"].as_str()).unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "user",
            "reasoning",
            "assistant",
            "function_call",
            "function_call",
            "function_call_output",
            "function_call_output"
        ]
    );
    let reasoning = items_of(body, "reasoning");
    assert!(
        reasoning[0].get("id").is_none(),
        "sent back as the service restores it: {body}"
    );
    assert_eq!(reasoning[0]["encrypted_content"], "gAAAAB-fake-0001x00");
    let outputs = items_of(body, "function_call_output");
    assert_eq!(outputs[0]["call_id"], "call_fake0001x00");
    assert_eq!(outputs[1]["call_id"], "call_fake0001x01");
}

#[tokio::test]
async fn faults_are_retried_before_output_and_final_after_it() {
    let fake = FakeProvider::builder()
        .reply(Fault::status(429).retry_after_ms(20))
        .reply(Fault::status(500))
        .reply(Fault::drop_before_body())
        .reply(Fault::error_event(500).during(Reply::turn()))
        .reply(Reply::text("after four faults"))
        .start()
        .await;
    let c = client(
        &fake,
        ClientOptions {
            max_retries: 5,
            ..options()
        },
    );
    let (result, events) = run(&c, CODEX, &request("hi")).await;
    let m = result.unwrap();
    assert!(m.text().ends_with("after four faults"), "{}", m.text());
    assert_eq!(retries(&events).len(), 4);
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.wire == Some(Wire::Responses))
    );

    for fault in [
        Fault::drop_mid_stream(6_000).during(long_turn()),
        Fault::malformed_event().during(long_turn()),
        Fault::error_event(500).during(long_turn()),
    ] {
        let fake = FakeProvider::builder().reply(fault).start().await;
        let c = client(&fake, options());
        let (result, events) = run(&c, CODEX, &request("hi")).await;
        let err = result.unwrap_err();
        assert!(
            matches!(
                err,
                AiError::Connection { .. }
                    | AiError::MalformedResponse { .. }
                    | AiError::Provider { .. }
            ),
            "{err}"
        );
        assert!(
            retries(&events).is_empty(),
            "no retry after output: {events:?}"
        );
    }
}

#[tokio::test]
async fn a_stall_after_output_times_out() {
    // The response's opening events take some 2.5 KB; the stall comes among the text deltas.
    let fake = FakeProvider::builder()
        .reply(Fault::stall(6_000, 3_000).during(long_turn()))
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
    let (result, _) = run(&c, CODEX, &request("hi")).await;
    assert!(matches!(result.unwrap_err(), AiError::Timeout { .. }));
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn a_failing_responses_model_falls_back_to_a_chat_model() {
    let fake = FakeProvider::builder()
        .model_always("gpt-5-codex", Fault::status(503))
        .model_reply("gpt-4o-mini", Reply::text("from chat completions"))
        .start()
        .await;
    let c = client(
        &fake,
        ClientOptions {
            max_retries: 1,
            fallback_models: vec!["openai/gpt-4o-mini".parse().unwrap()],
            ..options()
        },
    );
    let (result, events) = run(&c, CODEX, &request("hi")).await;
    let m = result.unwrap();
    assert_eq!(m.text(), "from chat completions");
    assert_eq!(
        (m.model.as_str(), m.api.as_str()),
        ("gpt-4o-mini", "openai-completions")
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, StreamEvent::Fallback { api, .. } if api == "openai-completions"))
    );
    let wires: Vec<_> = fake.requests().iter().map(|r| r.wire).collect();
    assert_eq!(
        wires,
        [
            Some(Wire::Responses),
            Some(Wire::Responses),
            Some(Wire::OpenAi)
        ]
    );
}

#[tokio::test]
async fn cancel_mid_stream_is_prompt() {
    // 20 ms between 200-byte chunks: the rest of the answer would take two seconds more.
    let fake = FakeProvider::builder()
        .chunk_size(200)
        .chunk_delay(Duration::from_millis(20))
        .reply(long_turn())
        .start()
        .await;
    let c: AiClient = client(&fake, options());
    let cancel = CancellationToken::new();
    let model: ModelRef = CODEX.parse().unwrap();
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

#[tokio::test]
async fn refused_reasoning_summaries_are_dropped_once_with_a_note() {
    let unverified = "Your organization must be verified to generate reasoning summaries. Please go to: https://platform.openai.com/settings/organization/general and click on Verify Organization.";
    let fake = FakeProvider::builder()
        .reply(Fault::status(400).message(unverified))
        .reply(reasoning_turn())
        .reply(Reply::text("again"))
        .start()
        .await;
    let c = client(&fake, options());
    let (result, events) = run(&c, CODEX, &request("hi")).await;
    let m = result.unwrap();
    assert_eq!(m.tool_calls().len(), 2);
    let notes: Vec<&String> = events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::Notice { message } => Some(message),
            _ => None,
        })
        .collect();
    assert_eq!(notes.len(), 1, "{events:?}");
    assert!(notes[0].contains("asking without them"), "{}", notes[0]);
    assert!(retries(&events).is_empty());
    let reqs = fake.requests();
    assert_eq!(reqs[0].body["reasoning"]["summary"], "auto");
    assert!(reqs[1].body["reasoning"].get("summary").is_none());
    // The client remembers: the next request does not ask again.
    let (again, events) = run(&c, CODEX, &request("more")).await;
    assert_eq!(again.unwrap().text(), "again");
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, StreamEvent::Notice { .. }))
    );
    assert!(
        fake.requests()[2].body["reasoning"]
            .get("summary")
            .is_none()
    );
}

#[tokio::test]
async fn reasoning_the_service_cannot_read_is_not_sent_again() {
    let fake = FakeProvider::builder()
        .reply(reasoning_turn())
        .reply(
            Fault::status(400)
                .message("The encrypted content for item rs_fake0001x00 could not be verified."),
        )
        .reply(Reply::text("fine without it"))
        .start()
        .await;
    let c = client(&fake, options());
    let mut req = request("hi");
    let (first, _) = run(&c, CODEX, &req).await;
    req.messages.push(Message::Assistant(first.unwrap()));
    req.messages.push(Message::user_text("and?", 0));
    let (second, events) = run(&c, CODEX, &req).await;
    assert_eq!(second.unwrap().text(), "fine without it");
    assert!(
        events
            .iter()
            .any(|e| matches!(e, StreamEvent::Notice { .. }))
    );
    let reqs = fake.requests();
    assert!(reqs[1].body.to_string().contains("gAAAAB-fake-0001x00"));
    assert!(!reqs[2].body.to_string().contains("gAAAAB-fake-0001x00"));
}
