//! OpenAI's Responses API (`POST /responses`): the gpt-5-codex family and the other models
//! served only there, and any OpenAI-style model routed there with `--openai-api responses`.
//! Reasoning is carried from turn to turn: requests say `store: false` and ask for the
//! reasoning items' encrypted content, which the assistant message keeps and the next request
//! of the same branch to the same model sends back.

mod decode;
mod request;

pub use decode::{Decoder, decode_response};
pub use request::body;

#[cfg(test)]
mod tests;
