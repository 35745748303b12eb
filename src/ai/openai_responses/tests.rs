//! Request shapes and stream decoding of the Responses adapter.

use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use super::{body, decode_response};
use crate::ai::adapter::decode_chunked_as;
use crate::ai::builder::MessageBuilder;
use crate::ai::catalog::Catalog;
use crate::ai::error::AiError;
use crate::ai::event::{CompletionRequest, StreamEvent};
use crate::ai::model_ref::{ModelRef, WireFormat};
use crate::ai::types::{
    AssistantMessage, ContentBlock, Message, ReasoningItem, StopReason, ThinkingLevel,
    ToolResultMessage, ToolSpec, UserContent, UserMessage,
};
use crate::ai::wire::{ReasoningSummary, ResponsesOptions};

const WIRE: WireFormat = WireFormat::OpenAiResponses;

fn m(name: &str) -> ModelRef {
    name.parse().unwrap()
}

fn sse(events: &[Value]) -> String {
    events
        .iter()
        .map(|e| format!("event: {}\ndata: {e}\n\n", e["type"].as_str().unwrap()))
        .collect()
}

fn stream_events() -> Vec<Value> {
    let resp = |status: &str| json!({"id": "resp_1", "object": "response", "status": status, "output": [], "usage": null});
    let rs_done = json!({"id": "rs_1", "type": "reasoning", "status": "completed",
        "summary": [{"type": "summary_text", "text": "Plan: read"}], "encrypted_content": "gAAA-enc"});
    vec![
        json!({"type": "response.created", "sequence_number": 0, "response": resp("in_progress")}),
        json!({"type": "response.in_progress", "sequence_number": 1, "response": resp("in_progress")}),
        json!({"type": "response.output_item.added", "output_index": 0, "item": {"id": "rs_1", "type": "reasoning", "summary": []}}),
        json!({"type": "response.reasoning_summary_part.added", "output_index": 0, "summary_index": 0, "item_id": "rs_1", "part": {"type": "summary_text", "text": ""}}),
        json!({"type": "response.reasoning_summary_text.delta", "output_index": 0, "summary_index": 0, "item_id": "rs_1", "delta": "Plan: "}),
        json!({"type": "response.reasoning_summary_text.delta", "output_index": 0, "summary_index": 0, "item_id": "rs_1", "delta": "read"}),
        json!({"type": "response.reasoning_summary_text.done", "output_index": 0, "summary_index": 0, "item_id": "rs_1", "text": "Plan: read"}),
        json!({"type": "response.output_item.done", "output_index": 0, "item": rs_done}),
        json!({"type": "response.output_item.added", "output_index": 1, "item": {"id": "msg_1", "type": "message", "status": "in_progress", "role": "assistant", "content": []}}),
        json!({"type": "response.content_part.added", "output_index": 1, "content_index": 0, "item_id": "msg_1", "part": {"type": "output_text", "text": "", "annotations": []}}),
        json!({"type": "response.output_text.delta", "output_index": 1, "content_index": 0, "item_id": "msg_1", "delta": "Reading ", "logprobs": []}),
        json!({"type": "response.output_text.delta", "output_index": 1, "content_index": 0, "item_id": "msg_1", "delta": "both.", "logprobs": []}),
        json!({"type": "response.output_item.done", "output_index": 1, "item": {"id": "msg_1", "type": "message", "status": "completed", "role": "assistant", "content": [{"type": "output_text", "text": "Reading both.", "annotations": []}]}}),
        json!({"type": "response.output_item.added", "output_index": 2, "item": {"id": "fc_1", "type": "function_call", "status": "in_progress", "arguments": "", "call_id": "call_a", "name": "read"}}),
        json!({"type": "response.function_call_arguments.delta", "output_index": 2, "item_id": "fc_1", "delta": "{\"pa"}),
        json!({"type": "response.output_item.added", "output_index": 3, "item": {"id": "fc_2", "type": "function_call", "status": "in_progress", "arguments": "", "call_id": "call_b", "name": "ls"}}),
        json!({"type": "response.function_call_arguments.delta", "output_index": 2, "item_id": "fc_1", "delta": "th\":\"a.rs\"}"}),
        json!({"type": "response.function_call_arguments.done", "output_index": 2, "item_id": "fc_1", "arguments": "{\"path\":\"a.rs\"}"}),
        json!({"type": "response.output_item.done", "output_index": 2, "item": {"id": "fc_1", "type": "function_call", "status": "completed", "arguments": "{\"path\":\"a.rs\"}", "call_id": "call_a", "name": "read"}}),
        // No argument deltas for the second call: the done item carries them.
        json!({"type": "response.output_item.done", "output_index": 3, "item": {"id": "fc_2", "type": "function_call", "status": "completed", "arguments": "{}", "call_id": "call_b", "name": "ls"}}),
        json!({"type": "response.completed", "sequence_number": 20, "response": {"id": "resp_1", "status": "completed", "output": [],
            "usage": {"input_tokens": 100, "input_tokens_details": {"cached_tokens": 40}, "output_tokens": 30,
                "output_tokens_details": {"reasoning_tokens": 12}, "total_tokens": 130}}}),
    ]
}

fn build(events: &[StreamEvent]) -> AssistantMessage {
    let mut b = MessageBuilder::with_wire(&m("openai/gpt-5-codex"), WIRE);
    events.iter().for_each(|e| b.push(e));
    b.finish()
}

#[test]
fn a_stream_in_small_chunks_builds_the_message() {
    let bytes = sse(&stream_events());
    for chunk in [1, 5, 17, 256, 100_000] {
        let events =
            decode_chunked_as(WIRE, &m("openai/gpt-5-codex"), bytes.as_bytes(), chunk).unwrap();
        let msg = build(&events);
        assert_eq!(msg.api, "openai-responses");
        assert_eq!(msg.stop_reason, StopReason::ToolUse);
        assert_eq!(msg.response_id.as_deref(), Some("resp_1"));
        assert_eq!(
            msg.content,
            vec![
                ContentBlock::Thinking {
                    thinking: "Plan: read".into(),
                    signature: None
                },
                ContentBlock::text("Reading both."),
                ContentBlock::ToolCall {
                    id: "call_a".into(),
                    name: "read".into(),
                    arguments: json!({"path": "a.rs"})
                },
                ContentBlock::ToolCall {
                    id: "call_b".into(),
                    name: "ls".into(),
                    arguments: json!({})
                },
            ]
        );
        assert_eq!(
            msg.reasoning_items,
            vec![ReasoningItem {
                at: 1,
                item: json!({"id": "rs_1", "type": "reasoning",
                    "summary": [{"type": "summary_text", "text": "Plan: read"}], "encrypted_content": "gAAA-enc"}),
            }]
        );
        assert_eq!(
            (
                msg.usage.input,
                msg.usage.cache_read,
                msg.usage.output,
                msg.usage.total_tokens
            ),
            (60, 40, 30, 130)
        );
    }
}

#[test]
fn failures_cut_streams_and_incomplete_answers() {
    let events = stream_events();
    let model = m("openai/gpt-5-codex");
    let cut = sse(&events[..12]);
    assert!(matches!(
        decode_chunked_as(WIRE, &model, cut.as_bytes(), 9),
        Err(AiError::Connection { .. })
    ));

    let mut failed = events[..3].to_vec();
    failed.push(
        json!({"type": "response.failed", "response": {"id": "resp_1", "status": "failed",
        "error": {"code": "server_error", "message": "The server had an error"}}}),
    );
    let err = decode_chunked_as(WIRE, &model, sse(&failed).as_bytes(), 9).unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert!(
        err.to_string()
            .contains("The server had an error (server_error)"),
        "{err}"
    );

    let error = [
        json!({"type": "error", "code": "invalid_prompt", "message": "bad input", "param": null, "sequence_number": 1}),
    ];
    let err = decode_chunked_as(WIRE, &model, sse(&error).as_bytes(), 4).unwrap_err();
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("bad input"), "{err}");

    let mut incomplete = events[..13].to_vec();
    incomplete.push(
        json!({"type": "response.incomplete", "response": {"id": "resp_1", "status": "incomplete",
        "incomplete_details": {"reason": "max_output_tokens"}}}),
    );
    let got = decode_chunked_as(WIRE, &model, sse(&incomplete).as_bytes(), 64).unwrap();
    assert_eq!(build(&got).stop_reason, StopReason::Length);

    let garbage =
        "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.de\n\n";
    assert!(matches!(
        decode_chunked_as(WIRE, &model, garbage.as_bytes(), 3),
        Err(AiError::MalformedResponse { .. })
    ));
}

#[test]
fn a_whole_response_document() {
    let doc = json!({"id": "resp_9", "object": "response", "status": "completed", "output": [
        {"id": "rs_9", "type": "reasoning", "summary": [{"type": "summary_text", "text": "a"}, {"type": "summary_text", "text": "b"}], "encrypted_content": "e9"},
        {"id": "msg_9", "type": "message", "role": "assistant", "status": "completed", "content": [{"type": "output_text", "text": "Hi", "annotations": []}]},
        {"id": "fc_9", "type": "function_call", "call_id": "call_9", "name": "ls", "arguments": "{\"path\":\".\"}", "status": "completed"}],
        "usage": {"input_tokens": 5, "output_tokens": 2, "total_tokens": 7}, "error": null});
    let msg = build(&decode_response("openai", &doc.to_string()).unwrap());
    assert_eq!(
        msg.content[0],
        ContentBlock::Thinking {
            thinking: "a\n\nb".into(),
            signature: None
        }
    );
    assert_eq!(msg.text(), "Hi");
    assert_eq!(msg.tool_calls()[0].0, "call_9");
    assert_eq!(msg.reasoning_items[0].item["encrypted_content"], "e9");
    assert_eq!(msg.usage.total_tokens, 7);
    assert!(decode_response("openai", "{}").is_err());
    let failed = json!({"id": "r", "status": "failed", "output": [], "error": {"code": "rate_limit_exceeded", "message": "slow down"}});
    assert!(
        decode_response("openai", &failed.to_string())
            .unwrap_err()
            .is_retryable()
    );
}

fn tools() -> Vec<ToolSpec> {
    vec![ToolSpec {
        name: "read".into(),
        description: "Read a file".into(),
        parameters: json!({"type": "object", "properties": {"path": {"type": "string"}}}),
    }]
}

fn answer(model: &str, content: Vec<ContentBlock>, reasoning: Vec<ReasoningItem>) -> Message {
    let model = m(model);
    Message::Assistant(AssistantMessage {
        content,
        api: "openai-responses".into(),
        provider: model.provider.as_str().into(),
        model: model.id.clone(),
        reasoning_items: reasoning,
        ..Default::default()
    })
}

fn history(answered_by: &str) -> Vec<Message> {
    vec![
        Message::User(UserMessage {
            content: UserContent::Blocks(vec![
                ContentBlock::text("look"),
                ContentBlock::Image {
                    data: "AAAA".into(),
                    mime_type: "image/png".into(),
                },
            ]),
            timestamp: 0,
        }),
        answer(
            answered_by,
            vec![
                ContentBlock::Thinking {
                    thinking: "plan".into(),
                    signature: None,
                },
                ContentBlock::text("reading"),
                ContentBlock::ToolCall {
                    id: "call_1".into(),
                    name: "read".into(),
                    arguments: json!({"path": "a"}),
                },
            ],
            vec![ReasoningItem {
                at: 1,
                item: json!({"id": "rs_1", "type": "reasoning", "summary": [], "encrypted_content": "enc1"}),
            }],
        ),
        Message::ToolResult(ToolResultMessage {
            tool_call_id: "call_1".into(),
            tool_name: "read".into(),
            content: vec![
                ContentBlock::text("data"),
                ContentBlock::Image {
                    data: "BBBB".into(),
                    mime_type: "image/jpeg".into(),
                },
            ],
            is_error: false,
            timestamp: 0,
            details: None,
            duration_ms: None,
        }),
    ]
}

fn request(messages: Vec<Message>, thinking: ThinkingLevel) -> CompletionRequest {
    CompletionRequest {
        system_prompt: "be brief".into(),
        messages,
        tools: tools(),
        max_output_tokens: Some(1000),
        thinking,
        stream: true,
    }
}

fn body_for(model: &str, req: &CompletionRequest, summary: ReasoningSummary) -> Value {
    let model = m(model);
    let options = ResponsesOptions {
        summary,
        replay_reasoning: true,
    };
    body(&model, req, Catalog::embedded().find(&model), options)
}

#[test]
fn the_request_carries_input_items_tools_and_reasoning() {
    let req = request(history("openai/gpt-5-codex"), ThinkingLevel::High);
    let b = body_for("openai/gpt-5-codex", &req, ReasoningSummary::Auto);
    assert_eq!(
        b,
        json!({
            "model": "gpt-5-codex",
            "instructions": "be brief",
            "stream": true,
            "store": false,
            "max_output_tokens": 1000,
            "tools": [{"type": "function", "name": "read", "description": "Read a file",
                "parameters": {"type": "object", "properties": {"path": {"type": "string"}}}, "strict": false}],
            "tool_choice": "auto",
            "parallel_tool_calls": true,
            "reasoning": {"effort": "high", "summary": "auto"},
            "include": ["reasoning.encrypted_content"],
            "input": [
                {"role": "user", "content": [
                    {"type": "input_text", "text": "look"},
                    {"type": "input_image", "image_url": "data:image/png;base64,AAAA", "detail": "auto"}]},
                {"type": "reasoning", "summary": [], "encrypted_content": "enc1"},
                {"role": "assistant", "content": "reading"},
                {"type": "function_call", "call_id": "call_1", "name": "read", "arguments": "{\"path\":\"a\"}"},
                {"type": "function_call_output", "call_id": "call_1", "output": "data"},
                {"role": "user", "content": [
                    {"type": "input_text", "text": "Images returned by the tool calls above:"},
                    {"type": "input_image", "image_url": "data:image/jpeg;base64,BBBB", "detail": "auto"}]},
            ]
        })
    );
}

#[test]
fn reasoning_goes_back_only_to_the_model_that_wrote_it() {
    let req = request(history("openai/gpt-5-codex"), ThinkingLevel::Off);
    // Another model (or provider) cannot read the encrypted content: it is dropped.
    let other = body_for("openai/gpt-5", &req, ReasoningSummary::Auto);
    assert!(
        !other["input"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["type"] == "reasoning")
    );
    let azure = body_for("azure/gpt-5-codex", &req, ReasoningSummary::Auto);
    assert!(
        !azure["input"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["type"] == "reasoning")
    );
    // A reasoning item with nothing after it in its answer is not sent.
    let dangling = answer(
        "openai/gpt-5-codex",
        vec![ContentBlock::Thinking {
            thinking: "x".into(),
            signature: None,
        }],
        vec![ReasoningItem {
            at: 1,
            item: json!({"id": "rs_2", "type": "reasoning", "encrypted_content": "e2"}),
        }],
    );
    let req = request(
        vec![
            Message::user_text("hi", 0),
            dangling,
            Message::user_text("again", 0),
        ],
        ThinkingLevel::Off,
    );
    let b = body_for("openai/gpt-5-codex", &req, ReasoningSummary::Auto);
    assert_eq!(b["input"].as_array().unwrap().len(), 2, "{b}");
    // Without its encrypted content an item cannot be restored (store is off): not sent.
    let unencrypted = answer(
        "openai/gpt-5-codex",
        vec![ContentBlock::text("hello")],
        vec![ReasoningItem {
            at: 0,
            item: json!({"id": "rs_3", "type": "reasoning", "summary": []}),
        }],
    );
    let req = request(
        vec![Message::user_text("hi", 0), unencrypted],
        ThinkingLevel::Off,
    );
    let b = body_for("openai/gpt-5-codex", &req, ReasoningSummary::Auto);
    assert!(!b.to_string().contains("rs_3"), "{b}");
    // The items go back as the service restores them: no id, no status.
    let req = request(history("openai/gpt-5-codex"), ThinkingLevel::Off);
    let b = body_for("openai/gpt-5-codex", &req, ReasoningSummary::Auto);
    assert_eq!(
        b["input"][1],
        json!({"type": "reasoning", "summary": [], "encrypted_content": "enc1"})
    );
}

#[test]
fn per_model_reasoning_options() {
    let req = request(vec![Message::user_text("hi", 0)], ThinkingLevel::Minimal);
    // gpt-5-codex takes low/medium/high: minimal is asked as low.
    let b = body_for("openai/gpt-5-codex", &req, ReasoningSummary::Off);
    assert_eq!(b["reasoning"], json!({"effort": "low"}));
    let b = body_for("openai/gpt-5", &req, ReasoningSummary::Detailed);
    assert_eq!(
        b["reasoning"],
        json!({"effort": "minimal", "summary": "detailed"})
    );
    // A model that does not reason gets no reasoning options at all.
    let b = body_for("openai/gpt-4.1", &req, ReasoningSummary::Auto);
    assert!(
        b.get("reasoning").is_none() && b.get("include").is_none(),
        "{b}"
    );
    let mut plain = req.clone();
    plain.tools.clear();
    plain.system_prompt.clear();
    plain.max_output_tokens = None;
    let b = body_for("openai/gpt-4.1", &plain, ReasoningSummary::Auto);
    for key in ["tools", "tool_choice", "instructions", "max_output_tokens"] {
        assert!(b.get(key).is_none(), "{key} in {b}");
    }
}

#[test]
fn a_session_of_the_typescript_pi_carries_its_reasoning_too() {
    // pi keeps the reasoning item as the thinking block's signature and joins call and item
    // ids with `|`.
    let item =
        json!({"type": "reasoning", "id": "rs_ts", "summary": [], "encrypted_content": "encTS"});
    let ts = answer(
        "openai/gpt-5-codex",
        vec![
            ContentBlock::Thinking {
                thinking: "t".into(),
                signature: Some(item.to_string()),
            },
            ContentBlock::ToolCall {
                id: "call_ts|fc_ts".into(),
                name: "ls".into(),
                arguments: json!({}),
            },
        ],
        vec![],
    );
    let result = Message::ToolResult(ToolResultMessage {
        tool_call_id: "call_ts|fc_ts".into(),
        tool_name: "ls".into(),
        content: vec![ContentBlock::text("a.rs")],
        is_error: false,
        timestamp: 0,
        details: None,
        duration_ms: None,
    });
    let req = request(
        vec![Message::user_text("ls", 0), ts, result],
        ThinkingLevel::Off,
    );
    let b = body_for("openai/gpt-5-codex", &req, ReasoningSummary::Auto);
    let input = b["input"].as_array().unwrap();
    assert_eq!(
        input[1],
        json!({"type": "reasoning", "summary": [], "encrypted_content": "encTS"})
    );
    assert_eq!(input[2]["call_id"], "call_ts");
    assert_eq!(input[3]["call_id"], "call_ts");
}

#[test]
fn two_reasoning_items_are_two_thinking_blocks() {
    let doc = json!({"id": "r", "status": "completed", "output": [
        {"id": "rs_a", "type": "reasoning", "summary": [{"type": "summary_text", "text": "first"}], "encrypted_content": "ea"},
        {"id": "rs_b", "type": "reasoning", "summary": [{"type": "summary_text", "text": "second"}], "encrypted_content": "eb"},
        {"id": "m", "type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "ok"}]}]});
    let msg = build(&decode_response("openai", &doc.to_string()).unwrap());
    let thinking: Vec<&ContentBlock> = msg
        .content
        .iter()
        .filter(|b| matches!(b, ContentBlock::Thinking { .. }))
        .collect();
    assert_eq!(thinking.len(), 2, "{:?}", msg.content);
    let at: Vec<usize> = msg.reasoning_items.iter().map(|r| r.at).collect();
    assert_eq!(at, [1, 2]);
}
