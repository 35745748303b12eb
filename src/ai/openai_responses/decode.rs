//! Responses API answers: the typed events of a stream (`response.output_text.delta`,
//! `response.output_item.done`, `response.completed`, ...) and whole `response` documents.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::{Value, json};

use crate::ai::convert::{cut_short, openai_usage, str_at};
use crate::ai::error::AiError;
use crate::ai::event::StreamEvent;
use crate::ai::types::{StopReason, Usage};

/// One stream event, read for the fields the decoder uses. The response objects of
/// `response.created`, `.in_progress` and `.completed` repeat the request's instructions and
/// tools and the whole output: their other fields are skipped, not built.
#[derive(Deserialize)]
struct Event<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Cow<'a, str>,
    #[serde(default)]
    output_index: Option<usize>,
    #[serde(borrow, default)]
    delta: Option<Cow<'a, str>>,
    #[serde(default)]
    item: Option<Value>,
    #[serde(default)]
    response: Option<Head>,
    /// An `error` event's fields (at the top, or under `error`).
    #[serde(default)]
    code: Option<Value>,
    #[serde(default)]
    message: Option<Value>,
    #[serde(default)]
    error: Option<Value>,
}

/// What a response object says about the outcome.
#[derive(Deserialize, Default)]
struct Head {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    usage: Option<Value>,
    #[serde(default)]
    error: Option<Value>,
    #[serde(default)]
    incomplete_details: Option<Value>,
}

/// Turns the `data:` payloads of a Responses stream into events.
#[derive(Debug)]
pub struct Decoder {
    provider: String,
    response_id: Option<String>,
    /// Output indexes of the function calls started and not yet ended.
    open_calls: BTreeSet<usize>,
    /// Output indexes of the items whose text, summary or arguments streamed as deltas.
    streamed: BTreeSet<usize>,
    /// Summary parts seen per reasoning item (a second part starts a new paragraph).
    summary_parts: BTreeMap<usize, u64>,
    done: bool,
}

/// Reasoning tokens are part of the output tokens (and billed as output).
fn usage_from(u: &Value) -> Usage {
    openai_usage(u, "input_tokens", "input_tokens_details", "output_tokens")
}

/// Whether an error code of a failed response is worth another try.
fn retryable_code(code: &str) -> bool {
    matches!(
        code,
        "server_error" | "rate_limit_exceeded" | "server_is_overloaded" | "slow_down"
    )
}

fn failure(provider: &str, error: Option<&Value>, fallback: &str) -> AiError {
    let code = error.and_then(|e| str_at(e, "code")).unwrap_or_default();
    let message = error
        .and_then(|e| str_at(e, "message"))
        .filter(|m| !m.trim().is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| fallback.to_string());
    let message = if code.is_empty() || message.contains(code) {
        message
    } else {
        format!("{message} ({code})")
    };
    AiError::Provider {
        provider: provider.to_string(),
        message,
        retryable: retryable_code(code),
    }
}

/// The stop reason of a finished response, or the error it reports.
fn finish(provider: &str, response: &Head) -> Result<StopReason, AiError> {
    match response.status.as_deref().unwrap_or("completed") {
        "failed" => Err(failure(
            provider,
            response.error.as_ref().filter(|e| e.is_object()),
            "the response failed",
        )),
        "incomplete" => {
            let reason = response
                .incomplete_details
                .as_ref()
                .and_then(|d| str_at(d, "reason"))
                .unwrap_or_default();
            if reason == "content_filter" {
                return Err(AiError::Blocked {
                    provider: provider.to_string(),
                    reason: "content_filter".into(),
                });
            }
            Ok(StopReason::Length)
        }
        "cancelled" => Err(AiError::Provider {
            provider: provider.to_string(),
            message: "the response was cancelled by the service".into(),
            retryable: false,
        }),
        _ => Ok(StopReason::Stop),
    }
}

/// The summary text of a reasoning item (its parts as paragraphs).
fn summary_of(item: &Value) -> String {
    let parts = item.get("summary").and_then(Value::as_array);
    parts
        .into_iter()
        .flatten()
        .filter_map(|p| str_at(p, "text"))
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The text of a message item's `output_text` (and `refusal`) parts.
fn message_text(item: &Value) -> String {
    let parts = item.get("content").and_then(Value::as_array);
    parts
        .into_iter()
        .flatten()
        .filter_map(|p| str_at(p, "text").or_else(|| str_at(p, "refusal")))
        .collect()
}

/// The events of one whole output item (a non-streamed answer, or an item whose deltas
/// never came). `index` is its output index.
fn item_events(item: &Value, index: usize, out: &mut Vec<StreamEvent>) {
    match str_at(item, "type").unwrap_or_default() {
        "reasoning" => {
            let summary = summary_of(item);
            if !summary.is_empty() {
                out.push(StreamEvent::ThinkingDelta { delta: summary });
            }
            out.push(StreamEvent::Reasoning { item: item.clone() });
        }
        "message" => {
            let text = message_text(item);
            if !text.is_empty() {
                out.push(StreamEvent::TextDelta { delta: text });
            }
        }
        "function_call" => {
            out.push(call_start(item, index));
            let args = str_at(item, "arguments").unwrap_or_default();
            if !args.is_empty() {
                out.push(StreamEvent::ToolCallArgsDelta {
                    index,
                    delta: args.to_string(),
                });
            }
            out.push(StreamEvent::ToolCallEnd { index });
        }
        _ => {}
    }
}

fn call_start(item: &Value, index: usize) -> StreamEvent {
    let id = str_at(item, "call_id")
        .or_else(|| str_at(item, "id"))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| format!("call_{}", uuid::Uuid::now_v7().simple()));
    StreamEvent::ToolCallStart {
        index,
        id,
        name: str_at(item, "name").unwrap_or_default().to_string(),
    }
}

/// A reasoning item as it is kept and sent back: what identifies and restores it, without the
/// service's bookkeeping (`status`).
fn kept_reasoning(item: &Value) -> Value {
    let mut kept = item.clone();
    if let Some(map) = kept.as_object_mut() {
        map.remove("status");
    }
    kept
}

impl Decoder {
    pub fn new(provider: &str) -> Self {
        Decoder {
            provider: provider.to_string(),
            response_id: None,
            open_calls: BTreeSet::new(),
            streamed: BTreeSet::new(),
            summary_parts: BTreeMap::new(),
            done: false,
        }
    }

    pub fn is_done(&self) -> bool {
        self.done
    }

    fn malformed(&self, message: String) -> AiError {
        AiError::MalformedResponse {
            provider: self.provider.clone(),
            message,
        }
    }

    pub fn on_data(&mut self, data: &str, out: &mut Vec<StreamEvent>) -> Result<(), AiError> {
        if self.done || data.trim() == "[DONE]" {
            return Ok(());
        }
        let v: Event = serde_json::from_str(data)
            .map_err(|e| self.malformed(format!("invalid JSON in a stream event ({e})")))?;
        let index = v.output_index;
        let delta = v.delta.map(Cow::into_owned).unwrap_or_default();
        match v.kind.as_ref() {
            "response.created" | "response.in_progress" => {
                if let Some(id) = v.response.and_then(|r| r.id) {
                    self.response_id = Some(id);
                }
            }
            "response.output_item.added" => {
                let item = v.item.unwrap_or(Value::Null);
                if str_at(&item, "type") == Some("function_call")
                    && let Some(i) = index
                {
                    self.open_calls.insert(i);
                    out.push(call_start(&item, i));
                }
            }
            "response.output_text.delta" | "response.refusal.delta" => {
                self.mark(index);
                out.push(StreamEvent::TextDelta { delta });
            }
            "response.reasoning_summary_part.added" => {
                let i = index.unwrap_or(usize::MAX);
                let seen = self.summary_parts.entry(i).or_insert(0);
                *seen += 1;
                if *seen > 1 {
                    out.push(StreamEvent::ThinkingDelta {
                        delta: "\n\n".into(),
                    });
                }
            }
            "response.reasoning_summary_text.delta" | "response.reasoning_text.delta" => {
                self.mark(index);
                out.push(StreamEvent::ThinkingDelta { delta });
            }
            "response.function_call_arguments.delta" => {
                if let Some(i) = index.filter(|i| self.open_calls.contains(i)) {
                    self.streamed.insert(i);
                    out.push(StreamEvent::ToolCallArgsDelta { index: i, delta });
                }
            }
            "response.output_item.done" => {
                let item = v.item.unwrap_or(Value::Null);
                self.item_done(&item, index.unwrap_or(usize::MAX), out);
            }
            "response.completed" | "response.incomplete" | "response.failed" => {
                return self.finish(&v.response.unwrap_or_default(), out);
            }
            "error" => {
                let error = match v.error.filter(Value::is_object) {
                    Some(e) => e,
                    None => json!({"code": v.code, "message": v.message}),
                };
                return Err(failure(
                    &self.provider,
                    Some(&error),
                    "the service reported an error",
                ));
            }
            _ => {}
        }
        Ok(())
    }

    fn mark(&mut self, index: Option<usize>) {
        if let Some(i) = index {
            self.streamed.insert(i);
        }
    }

    fn item_done(&mut self, item: &Value, index: usize, out: &mut Vec<StreamEvent>) {
        let streamed = self.streamed.contains(&index);
        match str_at(item, "type").unwrap_or_default() {
            "function_call" if self.open_calls.remove(&index) => {
                if !streamed && let Some(args) = str_at(item, "arguments").filter(|a| !a.is_empty())
                {
                    out.push(StreamEvent::ToolCallArgsDelta {
                        index,
                        delta: args.to_string(),
                    });
                }
                out.push(StreamEvent::ToolCallEnd { index });
            }
            "reasoning" if streamed => out.push(StreamEvent::Reasoning {
                item: kept_reasoning(item),
            }),
            "reasoning" => item_events(&kept_reasoning(item), index, out),
            "message" if streamed => {}
            _ => item_events(item, index, out),
        }
    }

    fn finish(&mut self, response: &Head, out: &mut Vec<StreamEvent>) -> Result<(), AiError> {
        let stop = finish(&self.provider, response)?;
        for index in std::mem::take(&mut self.open_calls) {
            out.push(StreamEvent::ToolCallEnd { index });
        }
        if let Some(u) = response.usage.as_ref().filter(|u| u.is_object()) {
            out.push(StreamEvent::Usage {
                usage: usage_from(u),
            });
        }
        if let Some(id) = &response.id {
            self.response_id = Some(id.clone());
        }
        out.push(StreamEvent::Done {
            stop_reason: stop,
            response_id: self.response_id.clone(),
        });
        self.done = true;
        Ok(())
    }

    /// The byte stream ended: without `response.completed` (or `.incomplete`) the answer was
    /// cut short.
    pub fn on_eof(&mut self, _out: &mut Vec<StreamEvent>) -> Result<(), AiError> {
        if self.done {
            return Ok(());
        }
        Err(cut_short(&self.provider))
    }
}

/// The events of a whole (non-streamed) `response` document.
pub fn decode_response(provider: &str, body: &str) -> Result<Vec<StreamEvent>, AiError> {
    let v: Value = serde_json::from_str(body).map_err(|e| AiError::MalformedResponse {
        provider: provider.to_string(),
        message: format!("invalid JSON response ({e})"),
    })?;
    if let Some(error) = v.get("error").filter(|e| e.is_object())
        && str_at(&v, "status") != Some("completed")
    {
        return Err(failure(provider, Some(error), "the response failed"));
    }
    let output =
        v.get("output")
            .and_then(Value::as_array)
            .ok_or_else(|| AiError::MalformedResponse {
                provider: provider.to_string(),
                message: "the response has no output".into(),
            })?;
    let head: Head = serde_json::from_str(body).unwrap_or_default();
    let stop = finish(provider, &head)?;
    let mut out = Vec::new();
    for (index, item) in output.iter().enumerate() {
        let item = if str_at(item, "type") == Some("reasoning") {
            kept_reasoning(item)
        } else {
            item.clone()
        };
        item_events(&item, index, &mut out);
    }
    if let Some(u) = v.get("usage").filter(|u| u.is_object()) {
        out.push(StreamEvent::Usage {
            usage: usage_from(u),
        });
    }
    out.push(StreamEvent::Done {
        stop_reason: stop,
        response_id: str_at(&v, "id").map(str::to_string),
    });
    Ok(out)
}
