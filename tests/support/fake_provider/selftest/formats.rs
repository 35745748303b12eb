//! The three wire formats, byte for byte.

use serde_json::{Value, json};

use super::super::{FakeProvider, Reply, StopReason, Wire};
use super::*;

#[tokio::test]
async fn openai_streams_small_chunks_that_rebuild_the_turn() {
    let fake = FakeProvider::builder()
        .chunk_size(7)
        .reply(rich_turn())
        .start()
        .await;
    let got = send(
        format!("{}/chat/completions", fake.openai_base_url()),
        &[BEARER],
        openai_body(true),
    )
    .await
    .unwrap();
    assert_eq!(got.status, 200);
    assert!(
        got.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    assert!(
        got.chunks.len() > 50 && got.chunks.iter().all(|c| c.len() <= 7),
        "{} chunks",
        got.chunks.len()
    );
    assert_eq!(got.events().last().unwrap().1, "[DONE]");
    let chunks = got.data_json();
    let (mut content, mut reasoning, mut args) =
        (String::new(), String::new(), [String::new(), String::new()]);
    let mut starts = Vec::new();
    for chunk in &chunks[..chunks.len() - 1] {
        assert_eq!(chunk["object"], "chat.completion.chunk");
        let delta = &chunk["choices"][0]["delta"];
        content += delta["content"].as_str().unwrap_or("");
        reasoning += delta["reasoning_content"].as_str().unwrap_or("");
        for call in delta["tool_calls"].as_array().into_iter().flatten() {
            if call.get("id").is_some() {
                starts.push((
                    call["id"].clone(),
                    call["function"]["name"].clone(),
                    call["type"].clone(),
                ));
            }
            args[call["index"].as_u64().unwrap() as usize] +=
                call["function"]["arguments"].as_str().unwrap();
        }
    }
    assert_eq!(content, "I'll create both files — now.");
    assert_eq!(reasoning, "Let me think about ünïcode.");
    assert_eq!(
        starts[0],
        (json!("call_fake0001x00"), json!("write"), json!("function"))
    );
    assert_eq!(starts[1].1, "bash");
    assert_eq!(
        serde_json::from_str::<Value>(&args[0]).unwrap(),
        json!({ "path": "a.txt", "content": "first\n" })
    );
    assert_eq!(
        serde_json::from_str::<Value>(&args[1]).unwrap(),
        json!({ "command": "ls -la" })
    );
    let arg_chunks = chunks
        .iter()
        .filter(|c| c["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"] != "");
    assert!(arg_chunks.count() > 4, "arguments come in several chunks");
    assert_eq!(
        chunks[chunks.len() - 2]["choices"][0]["finish_reason"],
        "tool_calls"
    );
    let usage = &chunks[chunks.len() - 1];
    assert_eq!(usage["choices"], json!([]));
    assert_eq!(usage["usage"]["prompt_tokens"], 120);
    assert_eq!(usage["usage"]["completion_tokens"], 30);
    let recorded = &fake.requests()[0];
    assert_eq!(
        (recorded.wire, recorded.model.as_str(), recorded.stream),
        (Some(Wire::OpenAi), "gpt-4o-mini", true)
    );
    assert_eq!(recorded.last_user_text().as_deref(), Some("hello there"));
    assert_eq!(fake.remaining(), 0);
}

#[tokio::test]
async fn openai_non_streaming_and_azure_and_prefixed_paths() {
    let fake = FakeProvider::builder()
        .reply(
            Reply::turn()
                .text("plain")
                .stop_reason(StopReason::MaxTokens),
        )
        .reply(Reply::turn().tool_call("ls", json!({})))
        .reply(Reply::text("routed"))
        .start()
        .await;
    let got = send(
        format!("{}/chat/completions", fake.openai_base_url()),
        &[BEARER],
        openai_body(false),
    )
    .await
    .unwrap();
    let doc = got.json();
    assert_eq!(doc["object"], "chat.completion");
    assert_eq!(doc["choices"][0]["message"]["content"], "plain");
    assert_eq!(doc["choices"][0]["finish_reason"], "length");

    let azure = format!(
        "{}/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21",
        fake.base_url()
    );
    let denied = send(azure.clone(), &[BEARER], openai_body(false))
        .await
        .unwrap();
    assert_eq!(denied.status, 401);
    assert_eq!(denied.json()["error"]["code"], "401");
    let doc = send(azure, &[("api-key", "test-key")], json!({ "messages": [] }))
        .await
        .unwrap()
        .json();
    assert_eq!(doc["choices"][0]["message"]["content"], Value::Null);
    assert_eq!(
        doc["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"],
        "{}"
    );
    assert_eq!(doc["choices"][0]["finish_reason"], "tool_calls");
    let requests = fake.requests();
    assert_eq!(
        (requests[2].wire, requests[2].model.as_str()),
        (Some(Wire::Azure), "my-gpt")
    );
    assert_eq!(
        requests[2].query_param("api-version").as_deref(),
        Some("2024-10-21")
    );

    let groq = format!("{}/openai/v1/chat/completions", fake.base_url());
    let got = send(groq, &[BEARER], openai_body(true)).await.unwrap();
    assert_eq!(
        got.data_json()[1]["choices"][0]["delta"]["content"],
        "routed"
    );
}

#[tokio::test]
async fn anthropic_streams_typed_events() {
    let fake = FakeProvider::builder()
        .chunk_size(13)
        .reply(rich_turn())
        .reply(rich_turn())
        .start()
        .await;
    let url = format!("{}/v1/messages", fake.base_url());
    let got = send(url.clone(), &ANTHROPIC, anthropic_body(true))
        .await
        .unwrap();
    assert!(got.chunks.iter().all(|c| c.len() <= 13));
    let events = got.events();
    let names: Vec<&str> = events.iter().map(|(e, _)| e.as_deref().unwrap()).collect();
    assert_eq!(names[..3], ["message_start", "ping", "content_block_start"]);
    assert_eq!(names[names.len() - 2..], ["message_delta", "message_stop"]);
    let data = got.data_json();
    for ((name, _), value) in events.iter().zip(&data) {
        assert_eq!(value["type"], name.as_deref().unwrap());
    }
    let mut blocks: Vec<(Value, String)> = Vec::new();
    for event in &data {
        match event["type"].as_str().unwrap() {
            "content_block_start" => blocks.push((event["content_block"].clone(), String::new())),
            "content_block_delta" => {
                let delta = &event["delta"];
                let piece = ["text", "thinking", "partial_json", "signature"]
                    .iter()
                    .find_map(|k| delta[*k].as_str());
                blocks[event["index"].as_u64().unwrap() as usize].1 += piece.unwrap();
            }
            _ => {}
        }
    }
    assert_eq!(blocks[0].0["type"], "thinking");
    assert!(blocks[0].1.starts_with("Let me think about ünïcode.") && blocks[0].1.len() > 27);
    assert_eq!(blocks[1].1, "I'll create both files — now.");
    assert_eq!(
        (blocks[2].0["id"].as_str(), blocks[2].0["name"].as_str()),
        (Some("toolu_fake0001x00"), Some("write"))
    );
    assert_eq!(
        serde_json::from_str::<Value>(&blocks[3].1).unwrap(),
        json!({ "command": "ls -la" })
    );
    let tool_deltas = data
        .iter()
        .filter(|e| e["delta"]["type"] == "input_json_delta")
        .count();
    assert!(tool_deltas > 4);
    let delta = &data[data.len() - 2];
    assert_eq!(
        (
            delta["delta"]["stop_reason"].as_str(),
            delta["usage"]["output_tokens"].as_u64()
        ),
        (Some("tool_use"), Some(30))
    );
    assert_eq!(data[0]["message"]["usage"]["input_tokens"], 120);

    let doc = send(url, &ANTHROPIC, anthropic_body(false))
        .await
        .unwrap()
        .json();
    assert_eq!(doc["type"], "message");
    let kinds: Vec<&str> = doc["content"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["thinking", "text", "tool_use", "tool_use"]);
    assert_eq!(doc["content"][3]["input"], json!({ "command": "ls -la" }));
}

#[tokio::test]
async fn gemini_streams_crlf_sse_and_answers_plain_requests() {
    let fake = FakeProvider::builder()
        .chunk_size(16)
        .reply(rich_turn())
        .reply(Reply::text("short"))
        .start()
        .await;
    let url = format!(
        "{}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=test-key",
        fake.base_url()
    );
    let got = send(url, &[], gemini_body()).await.unwrap();
    assert!(got.text().contains("}\r\n\r\ndata: "));
    let docs = got.data_json();
    let parts: Vec<&Value> = docs
        .iter()
        .map(|d| &d["candidates"][0]["content"]["parts"][0])
        .collect();
    let text: String = parts
        .iter()
        .filter(|p| p.get("thought").is_none())
        .filter_map(|p| p["text"].as_str())
        .collect();
    let thought: String = parts
        .iter()
        .filter(|p| p["thought"] == true)
        .filter_map(|p| p["text"].as_str())
        .collect();
    assert_eq!(
        (text.as_str(), thought.as_str()),
        (
            "I'll create both files — now.",
            "Let me think about ünïcode."
        )
    );
    let calls: Vec<&Value> = parts.iter().filter_map(|p| p.get("functionCall")).collect();
    assert_eq!(
        *calls[0],
        json!({ "name": "write", "args": { "path": "a.txt", "content": "first\n" } })
    );
    assert_eq!(calls.len(), 2);
    let last = docs.last().unwrap();
    assert_eq!(last["candidates"][0]["finishReason"], "STOP");
    assert_eq!(last["usageMetadata"]["candidatesTokenCount"], 30);
    assert_eq!(fake.requests()[0].model, "gemini-2.5-flash");

    let url = format!(
        "{}/v1beta/models/gemini-2.5-pro:generateContent",
        fake.base_url()
    );
    let doc = send(url, &[GOOGLE], gemini_body()).await.unwrap().json();
    assert_eq!(doc["candidates"][0]["content"]["parts"][0]["text"], "short");
}
