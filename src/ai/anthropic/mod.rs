//! Anthropic Messages.

mod decode;
mod request;

pub use decode::{Decoder, decode_response};
pub use request::body;
