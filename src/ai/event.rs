//! The provider-agnostic stream of a response, and the request that starts one.

use serde::{Deserialize, Serialize};

use super::model_ref::ModelRef;
use super::types::{Message, StopReason, ThinkingLevel, ToolSpec, Usage};
use super::wire::{OpenAiApi, ReasoningSummary};

/// One event of a streamed response. Every adapter produces these, streaming or not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamEvent {
    TextDelta {
        delta: String,
    },
    ThinkingDelta {
        delta: String,
    },
    /// The signature of the current thinking block (Anthropic), to send back unchanged.
    ThinkingSignature {
        signature: String,
    },
    ToolCallStart {
        index: usize,
        id: String,
        name: String,
    },
    ToolCallArgsDelta {
        index: usize,
        delta: String,
    },
    ToolCallEnd {
        index: usize,
    },
    /// A reasoning item of the Responses API, kept to be sent back on the next request.
    Reasoning {
        item: serde_json::Value,
    },
    /// The usage of the response so far (cumulative: replaces earlier usage events).
    Usage {
        usage: Usage,
    },
    /// A retryable failure; the request is sent again after `delay_ms`.
    Retry {
        attempt: u32,
        max_retries: u32,
        delay_ms: u64,
        reason: String,
        model: String,
    },
    /// Something the user should know about the request (it is sent again without what the
    /// service refused, for example).
    Notice {
        message: String,
    },
    /// `from` failed for good; `to` is tried next.
    Fallback {
        from: String,
        to: String,
        reason: String,
        /// The wire API `to` is spoken to in (`openai-responses`, ...).
        #[serde(default)]
        api: String,
    },
    Done {
        stop_reason: StopReason,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        response_id: Option<String>,
    },
}

impl StreamEvent {
    /// Whether this event is part of the answer (after one, a failure can no longer be retried).
    pub fn is_content(&self) -> bool {
        matches!(
            self,
            StreamEvent::TextDelta { .. }
                | StreamEvent::ThinkingDelta { .. }
                | StreamEvent::ThinkingSignature { .. }
                | StreamEvent::ToolCallStart { .. }
                | StreamEvent::ToolCallArgsDelta { .. }
                | StreamEvent::ToolCallEnd { .. }
                | StreamEvent::Reasoning { .. }
        )
    }
}

/// One request to a model.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CompletionRequest {
    pub system_prompt: String,
    pub messages: Vec<Message>,
    pub tools: Vec<ToolSpec>,
    pub max_output_tokens: Option<u32>,
    pub thinking: ThinkingLevel,
    /// `false` uses the provider's non-streaming endpoint; the events are the same.
    pub stream: bool,
}

/// Options of an [`AiClient`](super::AiClient); the fields mirror the CLI flags.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientOptions {
    /// `--api-base`: overrides the base URL of the routed provider.
    pub api_base: Option<String>,
    /// `--azure-openai-api-version`: the `api-version` query parameter for `azure/*`.
    pub azure_api_version: Option<String>,
    /// `--request-timeout-ms`: limit for connecting, for the response headers and for the gap
    /// between two chunks of a stream; 0 disables it.
    pub request_timeout_ms: u64,
    /// `--provider-max-retries`: retries of a retryable failure, per model.
    pub max_retries: u32,
    /// `--provider-retry-budget-ms`: total backoff time allowed per model; 0 disables the budget.
    pub retry_budget_ms: u64,
    /// `--provider-retry-jitter`: randomise backoff delays.
    pub retry_jitter: bool,
    /// `--fallback-model a,b`: tried in order when retries are exhausted.
    pub fallback_models: Vec<ModelRef>,
    /// `--openai-api`: Chat Completions or Responses for the OpenAI-style providers; `None`
    /// follows the catalog.
    pub openai_api: Option<OpenAiApi>,
    /// `--reasoning-summary`: the reasoning summaries asked of the Responses API.
    pub reasoning_summary: ReasoningSummary,
}

/// The Azure OpenAI `api-version` used when none is given.
pub const DEFAULT_AZURE_API_VERSION: &str = "2024-10-21";

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            api_base: None,
            azure_api_version: None,
            request_timeout_ms: 120_000,
            max_retries: 3,
            retry_budget_ms: 60_000,
            retry_jitter: true,
            fallback_models: Vec::new(),
            openai_api: None,
            reasoning_summary: ReasoningSummary::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialize_tagged_snake_case() {
        let e = StreamEvent::ToolCallStart {
            index: 0,
            id: "c".into(),
            name: "read".into(),
        };
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"type":"tool_call_start","index":0,"id":"c","name":"read"}"#
        );
        let d = StreamEvent::Done {
            stop_reason: StopReason::ToolUse,
            response_id: None,
        };
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"type":"done","stop_reason":"toolUse"}"#
        );
    }
}
