//! Provider-agnostic messages and stream events, and the OpenAI, Anthropic and Google adapters.

mod anthropic;
mod builder;
mod catalog;
mod convert;
mod error;
mod event;
mod google;
mod model_ref;
mod openai;
mod retry;
mod sse;
pub mod types;

pub use builder::{MessageBuilder, parse_partial_json, parse_tool_arguments};
pub use catalog::{Catalog, ModelCost, ModelInfo};
pub use error::AiError;
pub use event::{ClientOptions, CompletionRequest, DEFAULT_AZURE_API_VERSION, StreamEvent};
pub use model_ref::{ModelRef, Provider, WireFormat};
