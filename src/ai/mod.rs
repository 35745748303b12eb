//! Provider-agnostic messages and stream events, and the OpenAI, Anthropic and Google adapters.

pub mod types;
