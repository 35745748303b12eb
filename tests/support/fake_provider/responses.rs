//! OpenAI Responses API wire format (`POST /v1/responses`, also Azure's `/openai/v1/responses`):
//! typed SSE events that each carry their `type` and a rising `sequence_number`, output items
//! (reasoning, message, function call) opened and closed in order, and a final
//! `response.completed` / `response.incomplete` holding the whole response. No `[DONE]`.

use serde_json::{Value, json};

use super::openai::call_id;
use super::script::{Part, StopReason, Turn};
use super::wire::{Frame, pieces};

const CREATED: u64 = 1_767_225_600;

/// The id of the `index`-th output item of the `request_no`-th request; `prefix` is `rs`,
/// `msg` or `fc`.
pub(super) fn item_id(prefix: &str, request_no: usize, index: usize) -> String {
    format!("{prefix}_fake{request_no:04}x{index:02}")
}

/// One event before numbering: its `type` and its other fields.
type Event = (&'static str, Value);

/// A turn rendered for one Responses request: what the request asked for shapes the answer.
pub(super) struct Render<'a> {
    body: &'a Value,
    model: &'a str,
    request_no: usize,
    /// `reasoning.summary` was set: reasoning items stream and carry a summary.
    summary: bool,
    /// `include` has `reasoning.encrypted_content`: finished reasoning items carry it.
    encrypted: bool,
}

/// An output item: its events from `output_item.added` to `output_item.done`, and its final form.
struct Item {
    events: Vec<Event>,
    done: Value,
}

impl<'a> Render<'a> {
    pub fn new(body: &'a Value, model: &'a str, request_no: usize) -> Render<'a> {
        let encrypted = body["include"]
            .as_array()
            .is_some_and(|items| items.iter().any(|i| i == "reasoning.encrypted_content"));
        Render {
            body,
            model,
            request_no,
            summary: body["reasoning"]["summary"].is_string(),
            encrypted,
        }
    }

    /// The response object with no output yet, echoing the request's settings.
    fn envelope(&self, status: &str) -> Value {
        let given = |key: &str, default: Value| match &self.body[key] {
            Value::Null => default,
            value => value.clone(),
        };
        json!({
            "id": format!("resp_fake{:04}", self.request_no),
            "object": "response",
            "created_at": CREATED,
            "status": status,
            "error": null,
            "incomplete_details": null,
            "instructions": given("instructions", Value::Null),
            "max_output_tokens": given("max_output_tokens", Value::Null),
            "model": self.model,
            "output": [],
            "parallel_tool_calls": given("parallel_tool_calls", json!(true)),
            "previous_response_id": given("previous_response_id", Value::Null),
            "reasoning": {
                "effort": self.body["reasoning"]["effort"].clone(),
                "summary": self.body["reasoning"]["summary"].clone(),
            },
            "store": given("store", json!(true)),
            "temperature": given("temperature", json!(1.0)),
            "text": { "format": { "type": "text" } },
            "tool_choice": given("tool_choice", json!("auto")),
            "tools": given("tools", json!([])),
            "top_p": given("top_p", json!(1.0)),
            "truncation": "disabled",
            "usage": null,
            "user": null,
            "metadata": {},
        })
    }

    /// The finished response: `completed`, or `incomplete` when the turn hit its token limit.
    fn finished(&self, turn: &Turn, output: Vec<Value>) -> Value {
        let usage = turn.effective_usage();
        let thinking: usize = turn
            .parts
            .iter()
            .map(|p| match p {
                Part::Thinking(text) => text.chars().count(),
                _ => 0,
            })
            .sum();
        let reasoning_tokens = (thinking as u64 / 4).min(usage.output_tokens);
        let input = usage.input_tokens + usage.cache_read_tokens;
        let incomplete = turn.effective_stop() == StopReason::MaxTokens;
        let mut response = self.envelope(if incomplete {
            "incomplete"
        } else {
            "completed"
        });
        if incomplete {
            response["incomplete_details"] = json!({ "reason": "max_output_tokens" });
        }
        response["output"] = json!(output);
        response["usage"] = json!({
            "input_tokens": input,
            "input_tokens_details": { "cached_tokens": usage.cache_read_tokens },
            "output_tokens": usage.output_tokens,
            "output_tokens_details": { "reasoning_tokens": reasoning_tokens },
            "total_tokens": input + usage.output_tokens,
        });
        response
    }

    fn items(&self, turn: &Turn) -> Vec<Item> {
        let mut calls = 0;
        let last = turn.parts.len().saturating_sub(1);
        let cut_short = turn.effective_stop() == StopReason::MaxTokens;
        turn.parts
            .iter()
            .enumerate()
            .map(|(index, part)| match part {
                Part::Thinking(text) => self.reasoning(index, text),
                Part::Text(text) => {
                    let status = if cut_short && index == last {
                        "incomplete"
                    } else {
                        "completed"
                    };
                    self.message(index, text, status)
                }
                Part::ToolCall { name, arguments } => {
                    calls += 1;
                    self.function_call(index, calls - 1, name, &arguments.to_string())
                }
            })
            .collect()
    }

    fn reasoning(&self, index: usize, text: &str) -> Item {
        let id = item_id("rs", self.request_no, index);
        let at = |mut fields: Value| {
            fields["item_id"] = json!(id);
            fields["output_index"] = json!(index);
            fields["summary_index"] = json!(0);
            fields
        };
        let mut events = vec![(
            "response.output_item.added",
            json!({
                "output_index": index,
                "item": { "id": id, "type": "reasoning", "summary": [] },
            }),
        )];
        let mut summary = Vec::new();
        if self.summary {
            let part = |text: &str| json!({ "type": "summary_text", "text": text });
            events.push((
                "response.reasoning_summary_part.added",
                at(json!({ "part": part("") })),
            ));
            for piece in pieces(text) {
                events.push((
                    "response.reasoning_summary_text.delta",
                    at(json!({ "delta": piece })),
                ));
            }
            events.push((
                "response.reasoning_summary_text.done",
                at(json!({ "text": text })),
            ));
            events.push((
                "response.reasoning_summary_part.done",
                at(json!({ "part": part(text) })),
            ));
            summary.push(part(text));
        }
        let mut done = json!({ "id": id, "type": "reasoning", "summary": summary });
        if self.encrypted {
            done["encrypted_content"] =
                json!(format!("gAAAAB-fake-{:04}x{index:02}", self.request_no));
        }
        events.push((
            "response.output_item.done",
            json!({ "output_index": index, "item": done }),
        ));
        Item { events, done }
    }

    fn message(&self, index: usize, text: &str, status: &str) -> Item {
        let id = item_id("msg", self.request_no, index);
        let at = |mut fields: Value| {
            fields["item_id"] = json!(id);
            fields["output_index"] = json!(index);
            fields["content_index"] = json!(0);
            fields
        };
        let part = |text: &str| json!({ "type": "output_text", "annotations": [], "text": text });
        let item = |status: &str, content: Value| {
            json!({
                "id": id,
                "type": "message",
                "status": status,
                "content": content,
                "role": "assistant",
            })
        };
        let mut events = vec![
            (
                "response.output_item.added",
                json!({ "output_index": index, "item": item("in_progress", json!([])) }),
            ),
            (
                "response.content_part.added",
                at(json!({ "part": part("") })),
            ),
        ];
        for piece in pieces(text) {
            events.push((
                "response.output_text.delta",
                at(json!({ "delta": piece, "logprobs": [] })),
            ));
        }
        events.push((
            "response.output_text.done",
            at(json!({ "text": text, "logprobs": [] })),
        ));
        events.push((
            "response.content_part.done",
            at(json!({ "part": part(text) })),
        ));
        let done = item(status, json!([part(text)]));
        events.push((
            "response.output_item.done",
            json!({ "output_index": index, "item": done }),
        ));
        Item { events, done }
    }

    fn function_call(&self, index: usize, call: usize, name: &str, arguments: &str) -> Item {
        let id = item_id("fc", self.request_no, index);
        let item = |status: &str, arguments: &str| {
            json!({
                "id": id,
                "type": "function_call",
                "status": status,
                "arguments": arguments,
                "call_id": call_id(self.request_no, call),
                "name": name,
            })
        };
        let at = |mut fields: Value| {
            fields["item_id"] = json!(id);
            fields["output_index"] = json!(index);
            fields
        };
        let mut events = vec![(
            "response.output_item.added",
            json!({ "output_index": index, "item": item("in_progress", "") }),
        )];
        for piece in pieces(arguments) {
            events.push((
                "response.function_call_arguments.delta",
                at(json!({ "delta": piece })),
            ));
        }
        events.push((
            "response.function_call_arguments.done",
            at(json!({ "arguments": arguments })),
        ));
        let done = item("completed", arguments);
        events.push((
            "response.output_item.done",
            json!({ "output_index": index, "item": done }),
        ));
        Item { events, done }
    }

    /// `response.created`, `response.in_progress`, every item's events, then
    /// `response.completed` (or `response.incomplete`).
    pub fn stream(&self, turn: &Turn) -> Vec<Frame> {
        let mut events: Vec<Event> = vec![
            (
                "response.created",
                json!({ "response": self.envelope("in_progress") }),
            ),
            (
                "response.in_progress",
                json!({ "response": self.envelope("in_progress") }),
            ),
        ];
        let mut output = Vec::new();
        for item in self.items(turn) {
            events.extend(item.events);
            output.push(item.done);
        }
        let response = self.finished(turn, output);
        let last = if response["status"] == "incomplete" {
            "response.incomplete"
        } else {
            "response.completed"
        };
        events.push((last, json!({ "response": response })));
        events
            .into_iter()
            .enumerate()
            .map(|(n, (kind, fields))| numbered(kind, fields, n))
            .collect()
    }

    /// The response document of a non-streaming request.
    pub fn complete(&self, turn: &Turn) -> Value {
        let output = self.items(turn).into_iter().map(|i| i.done).collect();
        self.finished(turn, output)
    }

    /// `response.failed` for an error of HTTP status `code`, numbered `sequence_number`.
    pub fn failed(&self, code: u16, sequence_number: usize) -> Frame {
        let (code, message) = if code == 429 {
            (
                "rate_limit_exceeded",
                "Rate limit reached for requests per min (RPM). Please try again later.",
            )
        } else {
            (
                "server_error",
                "An error occurred while processing your request. Please retry your request.",
            )
        };
        let mut response = self.envelope("failed");
        response["error"] = json!({ "code": code, "message": message });
        numbered(
            "response.failed",
            json!({ "response": response }),
            sequence_number,
        )
    }
}

fn numbered(kind: &'static str, mut fields: Value, sequence_number: usize) -> Frame {
    fields["type"] = json!(kind);
    fields["sequence_number"] = json!(sequence_number);
    Frame::event(kind, fields.to_string())
}

/// The text of the last user message that has text: a plain string `input`, or the last
/// `role: "user"` item's string content or `input_text` parts.
pub(super) fn last_user_text(body: &Value) -> Option<String> {
    let input = body.get("input")?;
    if let Some(text) = input.as_str() {
        return Some(text.to_string());
    }
    input
        .as_array()?
        .iter()
        .rev()
        .filter(|item| item["role"] == "user")
        .find_map(|item| match &item["content"] {
            Value::String(s) => Some(s.clone()),
            Value::Array(parts) => {
                let text: Vec<&str> = parts
                    .iter()
                    .filter(|p| p["type"] == "input_text")
                    .filter_map(|p| p["text"].as_str())
                    .collect();
                (!text.is_empty()).then(|| text.join("\n"))
            }
            _ => None,
        })
}
