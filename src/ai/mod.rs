//! Provider-agnostic messages and stream events, and the OpenAI (Chat Completions and
//! Responses), Anthropic and Google adapters.
//!
//! `AiClient::stream` / `AiClient::complete` route a `provider/model-id` to its wire format,
//! retry and fall back on failures, and yield [`StreamEvent`]s; [`MessageBuilder`] folds them
//! into an [`types::AssistantMessage`]. See docs/providers.md.

mod adapter;
mod anthropic;
mod builder;
mod catalog;
mod client;
mod convert;
mod driver;
mod effort;
mod error;
mod event;
mod google;
mod history;
pub mod http;
mod model_ref;
mod openai;
mod openai_responses;
mod retry;
mod route;
mod sse;
pub mod types;
mod wire;

pub use builder::{MessageBuilder, parse_partial_json, parse_tool_arguments};
pub use catalog::{Catalog, ModelCost, ModelInfo};
pub use client::{AiClient, DEFAULT_RETRY_INITIAL_DELAY_MS};
pub use driver::AssistantStream;
pub use effort::{Effort, effort, mapping_note};
pub use error::AiError;
pub use event::{ClientOptions, CompletionRequest, DEFAULT_AZURE_API_VERSION, StreamEvent};
pub use http::install_crypto_provider;
pub use model_ref::{ModelRef, Provider, WireFormat};
pub use retry::{RetryLimit, backoff_ms, parse_retry_after};
pub use route::redact_url;
pub use sse::{SseEvent, SseParser};
pub use wire::{OpenAiApi, ReasoningSummary};
