//! The 4-turn task end to end against every provider and alias.

use serde_json::Value;

use super::{Run, assert_four_turn_outcome, four_turn_script, stdout};
use crate::support::fake_provider::{FakeProvider, Reply, Wire};

fn four_turn(model: &str) -> (Run, FakeProvider) {
    let fake = four_turn_script(FakeProvider::builder().chunk_size(7));
    let run = Run::new();
    let out = run
        .pi(&fake, model)
        .args(["--prompt", "make the hello file"])
        .output()
        .unwrap();
    assert_four_turn_outcome(&run, &out);
    assert_eq!(fake.remaining(), 0);
    (run, fake)
}

#[test]
fn anthropic_four_turn_task() {
    let (_run, fake) = four_turn("anthropic/claude-sonnet-4-5");
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 4);
    assert!(reqs.iter().all(|r| r.wire == Some(Wire::Anthropic)));
    assert_eq!(reqs[0].header("x-api-key"), Some("test-key"));
    assert!(reqs[0].header("anthropic-version").is_some());
    assert_eq!(reqs[0].body["model"], "claude-sonnet-4-5");
    // The tool results of turn 2 go back as tool_result blocks in call order.
    let last = reqs[2].body["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    let kinds: Vec<&str> = last["content"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["tool_result", "tool_result"]);
}

#[test]
fn openai_four_turn_task() {
    let (_run, fake) = four_turn("openai/gpt-4o-mini");
    let reqs = fake.requests();
    assert!(reqs.iter().all(|r| r.wire == Some(Wire::OpenAi)));
    assert_eq!(reqs[0].header("authorization"), Some("Bearer test-key"));
    let tools: Vec<&str> = reqs[0].body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    for t in ["read", "write", "edit", "bash", "grep", "find", "ls"] {
        assert!(tools.contains(&t), "{t} missing from {tools:?}");
    }
}

#[test]
fn google_four_turn_task() {
    let (_run, fake) = four_turn("google/gemini-2.5-flash");
    let reqs = fake.requests();
    assert!(reqs.iter().all(|r| r.wire == Some(Wire::Gemini)));
    assert!(
        reqs[0]
            .path
            .contains("gemini-2.5-flash:streamGenerateContent")
    );
    assert_eq!(reqs[0].query_param("alt").as_deref(), Some("sse"));
}

#[test]
fn openai_compatible_aliases_route_to_their_base_and_key() {
    for model in [
        "openrouter/openai/gpt-4o-mini",
        "groq/llama-3.3-70b-versatile",
        "xai/grok-3",
        "mistral/mistral-large-latest",
    ] {
        let (_run, fake) = four_turn(model);
        let reqs = fake.requests();
        let id = model.split_once('/').unwrap().1;
        assert_eq!(reqs[0].body["model"], id, "{model}");
        assert_eq!(reqs[0].header("authorization"), Some("Bearer test-key"));
    }
}

#[test]
fn azure_sends_api_key_header_and_api_version() {
    let fake = FakeProvider::builder()
        .reply(Reply::text("hi from azure"))
        .start_blocking();
    let run = Run::new();
    let out = run
        .pi(&fake, "azure/gpt-4o")
        .args(["--azure-openai-api-version", "2024-10-21", "--prompt", "hi"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", super::stderr(&out));
    assert_eq!(stdout(&out), "hi from azure\n");
    let req = &fake.requests()[0];
    assert_eq!(req.wire, Some(Wire::Azure));
    assert_eq!(req.header("api-key"), Some("test-key"));
    assert_eq!(
        req.query_param("api-version").as_deref(),
        Some("2024-10-21")
    );
}

#[test]
fn non_streaming_endpoints_work_too() {
    for model in [
        "anthropic/claude-sonnet-4-5",
        "openai/gpt-4o-mini",
        "google/gemini-2.5-flash",
    ] {
        let fake = four_turn_script(FakeProvider::builder());
        let run = Run::new();
        let out = run
            .pi(&fake, model)
            .args(["--stream", "false", "--prompt", "go"])
            .output()
            .unwrap();
        assert_four_turn_outcome(&run, &out);
        assert!(fake.requests().iter().all(|r| !r.stream), "{model}");
    }
}

#[test]
fn json_output_prints_protocol_events() {
    let fake = four_turn_script(FakeProvider::builder());
    let run = Run::new();
    let out = run
        .pi(&fake, "anthropic/claude-sonnet-4-5")
        .args(["--output-format", "json", "--prompt", "go"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let events: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types.first(), Some(&"session_configured"));
    assert_eq!(types.last(), Some(&"turn_finished"));
    assert_eq!(
        types.iter().filter(|t| **t == "tool_call_started").count(),
        4
    );
    assert_eq!(
        types.iter().filter(|t| **t == "tool_call_finished").count(),
        4
    );
    assert!(types.contains(&"text_delta"));
    assert!(types.contains(&"usage"));
    let fin = events.last().unwrap();
    assert_eq!(fin["text"], "All done: hello.txt now says hello rust.");
    assert_eq!(fin["turns"], 4);
}

#[test]
fn stream_output_prints_text_as_it_comes() {
    let fake = FakeProvider::builder()
        .reply(
            Reply::turn()
                .text("First part.")
                .tool_call("ls", serde_json::json!({})),
        )
        .reply(Reply::text("Second part."))
        .start_blocking();
    let run = Run::new();
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args(["--stream-output", "true", "--prompt", "go"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(stdout(&out), "First part.\nSecond part.\n");
    assert!(super::stderr(&out).contains("→ ls"));
}
