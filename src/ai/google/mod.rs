//! Google Gemini (`generativelanguage.googleapis.com`).

mod decode;
mod request;
mod schema;

pub use decode::{Decoder, decode_response};
pub use request::body;
