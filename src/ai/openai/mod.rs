//! OpenAI Chat Completions (also OpenRouter, Groq, xAI, Mistral, Azure and local servers).

mod decode;
mod request;

pub use decode::{Decoder, decode_response};
pub use request::body;
