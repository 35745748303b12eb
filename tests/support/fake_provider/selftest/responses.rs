//! The OpenAI Responses API: typed events in order, item ids, reasoning as the request asks,
//! usage, faults, history refusals and the Azure routes.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::super::{FakeProvider, Fault, Reply, StopReason, Wire};
use super::*;

fn body(stream: bool) -> Value {
    json!({ "model": "gpt-5-mini", "stream": stream,
            "input": [{ "role": "user", "content": [{ "type": "input_text", "text": "hello there" }] }] })
}

/// Asks for reasoning summaries and encrypted reasoning, with nothing stored.
fn body_with_reasoning(stream: bool) -> Value {
    let mut body = body(stream);
    body["reasoning"] = json!({ "effort": "low", "summary": "auto" });
    body["include"] = json!(["reasoning.encrypted_content"]);
    body["store"] = json!(false);
    body
}

fn url(fake: &FakeProvider) -> String {
    format!("{}/responses", fake.openai_base_url())
}

/// Every event's `data` has the `event:` line's type and the next sequence number.
fn checked(got: &Got) -> Vec<Value> {
    assert!(
        got.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    assert!(!got.text().contains("[DONE]") && !got.text().contains('\r'));
    let events = got.events();
    let data = got.data_json();
    for (n, ((name, _), value)) in events.iter().zip(&data).enumerate() {
        assert_eq!(value["type"], name.as_deref().unwrap());
        assert_eq!(value["sequence_number"], n, "{value}");
    }
    data
}

fn types(data: &[Value]) -> Vec<&str> {
    data.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn responses_stream_items_in_order_with_reasoning_as_asked() {
    let fake = FakeProvider::builder()
        .chunk_size(7)
        .reply(rich_turn())
        .reply(rich_turn())
        .start()
        .await;
    let got = send(url(&fake), &[BEARER], body_with_reasoning(true))
        .await
        .unwrap();
    assert!(got.chunks.len() > 50 && got.chunks.iter().all(|c| c.len() <= 7));
    let data = checked(&got);
    let kinds = types(&data);
    assert_eq!(
        kinds[..6],
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.reasoning_summary_part.added",
            "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.delta",
        ]
    );
    assert_eq!(*kinds.last().unwrap(), "response.completed");
    let created = &data[0]["response"];
    assert_eq!(
        (
            &created["id"],
            &created["status"],
            &created["model"],
            &created["output"],
            &created["usage"]
        ),
        (
            &json!("resp_fake0001"),
            &json!("in_progress"),
            &json!("gpt-5-mini"),
            &json!([]),
            &Value::Null
        )
    );

    let of = |kind: &str| -> Vec<&Value> { data.iter().filter(|e| e["type"] == kind).collect() };
    let joined = |kind: &str, index: u64| -> String {
        of(kind)
            .iter()
            .filter(|e| e["output_index"] == index)
            .map(|e| e["delta"].as_str().unwrap())
            .collect()
    };
    assert_eq!(
        joined("response.reasoning_summary_text.delta", 0),
        "Let me think about ünïcode."
    );
    assert_eq!(
        joined("response.output_text.delta", 1),
        "I'll create both files — now."
    );
    assert!(of("response.function_call_arguments.delta").len() > 4);
    assert_eq!(
        serde_json::from_str::<Value>(&joined("response.function_call_arguments.delta", 2))
            .unwrap(),
        json!({ "path": "a.txt", "content": "first\n" })
    );
    assert_eq!(
        of("response.function_call_arguments.done")[1]["arguments"],
        json!({ "command": "ls -la" }).to_string()
    );
    let text_delta = of("response.output_text.delta")[0];
    assert_eq!(
        (
            &text_delta["item_id"],
            &text_delta["content_index"],
            &text_delta["logprobs"]
        ),
        (&json!("msg_fake0001x01"), &json!(0), &json!([]))
    );

    let added: Vec<&Value> = of("response.output_item.added")
        .iter()
        .map(|e| &e["item"])
        .collect();
    assert_eq!(
        *added[0],
        json!({ "id": "rs_fake0001x00", "type": "reasoning", "summary": [] })
    );
    assert_eq!(
        *added[1],
        json!({ "id": "msg_fake0001x01", "type": "message", "status": "in_progress", "content": [], "role": "assistant" })
    );
    assert_eq!(
        *added[2],
        json!({ "id": "fc_fake0001x02", "type": "function_call", "status": "in_progress",
                "arguments": "", "call_id": "call_fake0001x00", "name": "write" })
    );
    assert_eq!(added[3]["call_id"], "call_fake0001x01");

    let done: Vec<&Value> = of("response.output_item.done")
        .iter()
        .map(|e| &e["item"])
        .collect();
    assert_eq!(
        *done[0],
        json!({ "id": "rs_fake0001x00", "type": "reasoning",
                "summary": [{ "type": "summary_text", "text": "Let me think about ünïcode." }],
                "encrypted_content": "gAAAAB-fake-0001x00" })
    );
    assert_eq!(done[1]["status"], "completed");
    assert_eq!(
        done[1]["content"],
        json!([{ "type": "output_text", "annotations": [], "text": "I'll create both files — now." }])
    );
    assert_eq!(done[3]["arguments"], r#"{"command":"ls -la"}"#);

    let completed = &data.last().unwrap()["response"];
    assert_eq!(completed["status"], "completed");
    let output: Vec<&Value> = completed["output"].as_array().unwrap().iter().collect();
    assert_eq!(output, done);
    assert_eq!(
        completed["usage"],
        json!({ "input_tokens": 120, "input_tokens_details": { "cached_tokens": 0 },
                "output_tokens": 30, "output_tokens_details": { "reasoning_tokens": 6 },
                "total_tokens": 150 })
    );
    let recorded = &fake.requests()[0];
    assert_eq!(
        (recorded.wire, recorded.model.as_str(), recorded.stream),
        (Some(Wire::Responses), "gpt-5-mini", true)
    );
    assert_eq!(recorded.last_user_text().as_deref(), Some("hello there"));

    // Without `reasoning.summary` and `include`, the reasoning item is only opened and closed.
    let data = checked(&send(url(&fake), &[BEARER], body(true)).await.unwrap());
    assert_eq!(
        types(&data)[2..5],
        [
            "response.output_item.added",
            "response.output_item.done",
            "response.output_item.added",
        ]
    );
    assert_eq!(
        data[3]["item"],
        json!({ "id": "rs_fake0002x00", "type": "reasoning", "summary": [] })
    );
    assert!(!types(&data).iter().any(|t| t.contains("reasoning_summary")));
}

#[tokio::test]
async fn responses_answer_whole_and_stop_incomplete_at_the_token_limit() {
    let cut = Reply::turn()
        .text("cut sho")
        .usage(7, 3)
        .cache_usage(5, 0)
        .stop_reason(StopReason::MaxTokens);
    let fake = FakeProvider::builder()
        .reply(cut.clone())
        .reply(cut)
        .reply(rich_turn())
        .start()
        .await;
    let data = checked(&send(url(&fake), &[BEARER], body(true)).await.unwrap());
    let last = data.last().unwrap();
    assert_eq!(last["type"], "response.incomplete");
    assert_eq!(
        (
            &last["response"]["status"],
            &last["response"]["incomplete_details"]
        ),
        (
            &json!("incomplete"),
            &json!({ "reason": "max_output_tokens" })
        )
    );
    assert_eq!(
        last["response"]["usage"],
        json!({ "input_tokens": 12, "input_tokens_details": { "cached_tokens": 5 },
                "output_tokens": 3, "output_tokens_details": { "reasoning_tokens": 0 },
                "total_tokens": 15 })
    );

    let doc = send(url(&fake), &[BEARER], body(false))
        .await
        .unwrap()
        .json();
    assert_eq!(
        (&doc["object"], &doc["status"]),
        (&json!("response"), &json!("incomplete"))
    );
    assert_eq!(doc["output"][0]["content"][0]["text"], "cut sho");

    let doc = send(url(&fake), &[BEARER], body_with_reasoning(false))
        .await
        .unwrap()
        .json();
    let kinds: Vec<&str> = doc["output"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["reasoning", "message", "function_call", "function_call"]
    );
    assert_eq!(doc["output"][0]["encrypted_content"], "gAAAAB-fake-0003x00");
    assert_eq!(doc["output"][3]["call_id"], "call_fake0003x01");
    assert_eq!(doc["status"], "completed");
    assert_eq!(doc["usage"]["output_tokens"], 30);
}

#[tokio::test]
async fn responses_faults() {
    let fake = FakeProvider::builder()
        .chunk_size(8)
        .reply(Fault::status(429).retry_after(2).retry_after_ms(1500))
        .reply(Fault::drop_mid_stream(60))
        .reply(Fault::drop_before_body())
        .reply(Fault::malformed_event())
        .reply(Fault::stall(40, 300).during(Reply::turn().text("after the pause")))
        .reply(Fault::error_event(500).during(Reply::turn().text("partial answer")))
        .reply(Fault::error_event(429))
        .reply(Fault::error_event(503))
        .start()
        .await;
    let got = send(url(&fake), &[BEARER], body(true)).await.unwrap();
    assert_eq!(
        (
            got.status,
            &got.headers["retry-after"],
            &got.headers["retry-after-ms"]
        ),
        (429, &"2".parse().unwrap(), &"1500".parse().unwrap())
    );
    assert_eq!(got.json()["error"]["code"], "rate_limit_exceeded");
    assert!(got.json()["error"].get("param").is_some());

    let got = send(url(&fake), &[BEARER], body(true)).await.unwrap();
    assert!(got.broken && got.status == 200);
    assert_eq!(got.chunks.concat().len(), 60);

    let error = send(url(&fake), &[BEARER], body(true))
        .await
        .err()
        .expect("no response at all");
    assert!(error.status().is_none());

    let got = send(url(&fake), &[BEARER], body(true)).await.unwrap();
    assert!(!got.broken);
    let events = got.events();
    assert!(serde_json::from_str::<Value>(&events[0].1).is_ok());
    let (name, data) = events.last().unwrap();
    assert_eq!(name.as_deref(), Some("response.output_text.delta"));
    assert!(serde_json::from_str::<Value>(data).is_err());

    let started = Instant::now();
    let got = send(url(&fake), &[BEARER], body(true)).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(!got.broken && got.text().contains("response.completed"));

    let data = checked(&send(url(&fake), &[BEARER], body(true)).await.unwrap());
    assert_eq!(
        types(&data),
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.failed",
        ]
    );
    assert_eq!(data[4]["delta"], "partial ");
    let failed = &data[5]["response"];
    assert_eq!(
        (&failed["status"], &failed["error"]["code"]),
        (&json!("failed"), &json!("server_error"))
    );
    assert!(failed["error"]["message"].is_string());

    let data = checked(&send(url(&fake), &[BEARER], body(true)).await.unwrap());
    assert_eq!(
        data.last().unwrap()["response"]["error"]["code"],
        "rate_limit_exceeded"
    );

    let got = send(url(&fake), &[BEARER], body(false)).await.unwrap();
    assert_eq!(
        (got.status, &got.json()["error"]["type"]),
        (503, &json!("server_error"))
    );
    assert_eq!(fake.remaining(), 0);
}

#[tokio::test]
async fn responses_refuse_histories_the_real_api_refuses() {
    let fake = FakeProvider::echo().start().await;
    let user = json!({ "role": "user", "content": "go" });
    let call = |id: &str| json!({ "type": "function_call", "call_id": id, "name": "ls", "arguments": "{}" });
    let output =
        |id: &str| json!({ "type": "function_call_output", "call_id": id, "output": "ok" });
    let reasoning = |encrypted: bool| {
        let mut item = json!({ "type": "reasoning", "id": "rs_1", "summary": [] });
        if encrypted {
            item["encrypted_content"] = json!("gAAAAB");
        }
        item
    };
    let ask = |input: Vec<Value>, store: bool| json!({ "model": "gpt-5", "store": store, "input": input });
    let cases = [
        (
            ask(vec![user.clone(), output("call_9")], true),
            "No tool call found for function call output with call_id call_9.",
        ),
        (
            ask(vec![user.clone(), call("call_1"), user.clone()], true),
            "No tool output found for function call call_1.",
        ),
        (
            ask(
                vec![
                    user.clone(),
                    reasoning(false),
                    call("call_1"),
                    output("call_1"),
                ],
                false,
            ),
            "Item with id 'rs_1' not found. Items are not persisted when `store` is set to false.",
        ),
        (
            ask(vec![user.clone(), reasoning(true)], false),
            "Item 'rs_1' of type 'reasoning' was provided without its required following item.",
        ),
        (
            ask(vec![reasoning(true), user.clone()], false),
            "Item 'rs_1' of type 'reasoning' was provided without its required following item.",
        ),
        (
            ask(vec![user.clone(), reasoning(true), reasoning(true)], false),
            "Item 'rs_1' of type 'reasoning' was provided without its required following item.",
        ),
    ];
    for (request, message) in cases {
        let got = send(url(&fake), &[BEARER], request).await.unwrap();
        assert_eq!(
            (got.status, &got.json()["error"]["message"]),
            (400, &json!(message))
        );
        assert_eq!(got.json()["error"]["type"], "invalid_request_error");
    }
    let assistant = json!({ "type": "message", "role": "assistant", "status": "completed",
                            "content": [{ "type": "output_text", "text": "Sure." }] });
    let good = ask(
        vec![
            user.clone(),
            reasoning(true),
            call("call_1"),
            call("call_2"),
            output("call_2"),
            output("call_1"),
            reasoning(true),
            assistant,
            json!({ "type": "message", "role": "user", "content": [{ "type": "input_text", "text": "and now?" }] }),
        ],
        false,
    );
    let got = send(url(&fake), &[BEARER], good).await.unwrap();
    assert_eq!(got.status, 200, "{}", got.text());
    assert_eq!(got.json()["output"][0]["content"][0]["text"], "and now?");
    let got = send(
        url(&fake),
        &[BEARER],
        json!({ "model": "m", "input": "plain" }),
    )
    .await
    .unwrap();
    assert_eq!(got.json()["output"][0]["content"][0]["text"], "plain");
}

#[tokio::test]
async fn responses_auth_on_openai_and_azure_routes() {
    let fake = FakeProvider::builder()
        .api_key("sk-right")
        .when_empty(Reply::text("ok"))
        .start()
        .await;
    let base = fake.base_url();
    let got = send(url(&fake), &[BEARER], body(false)).await.unwrap();
    assert_eq!(
        (got.status, got.json()["error"]["code"].as_str()),
        (401, Some("invalid_api_key"))
    );
    let got = send(url(&fake), &[], body(false)).await.unwrap();
    assert!(
        got.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("didn't provide an API key")
    );
    let got = send(
        url(&fake),
        &[("authorization", "Bearer sk-right")],
        body(false),
    )
    .await
    .unwrap();
    assert_eq!(got.status, 200);

    let v1 = format!("{base}/openai/v1/responses");
    let dated = format!("{base}/openai/responses");
    let key = ("api-key", "sk-right");
    let denied = send(
        v1.clone(),
        &[("authorization", "Bearer sk-right")],
        body(false),
    )
    .await
    .unwrap();
    assert_eq!(
        (denied.status, &denied.json()["error"]["code"]),
        (401, &json!("401"))
    );
    let got = send(dated.clone(), &[key], body(false)).await.unwrap();
    assert_eq!(
        (got.status, &got.json()["error"]["code"]),
        (404, &json!("404"))
    );
    let got = send(
        format!("{dated}?api-version=2025-04-01-preview"),
        &[key],
        body(true),
    )
    .await
    .unwrap();
    assert_eq!(got.status, 200);
    assert_eq!(checked(&got).last().unwrap()["type"], "response.completed");
    let doc = send(v1, &[key], body(false)).await.unwrap().json();
    assert_eq!(doc["output"][0]["content"][0]["text"], "ok");

    let requests = fake.requests();
    let wires: Vec<Option<Wire>> = requests.iter().map(|r| r.wire).collect();
    assert_eq!(
        wires,
        [
            Some(Wire::Responses),
            Some(Wire::Responses),
            Some(Wire::Responses),
            Some(Wire::AzureResponses),
            Some(Wire::AzureResponses),
            Some(Wire::AzureResponses),
            Some(Wire::AzureResponses),
        ]
    );
    assert_eq!(requests[6].model, "gpt-5-mini");
    assert_eq!(requests[6].last_user_text().as_deref(), Some("hello there"));
}
