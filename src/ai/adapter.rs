//! Dispatch over the four wire formats: request bodies, stream decoders, whole responses.

use std::borrow::Cow;

use serde_json::Value;

use super::catalog::ModelInfo;
use super::error::AiError;
use super::event::{CompletionRequest, StreamEvent};
use super::model_ref::{ModelRef, WireFormat};
use super::wire::ResponsesOptions;
use super::{anthropic, google, history, openai, openai_responses};

/// The request body for `model` in `wire`.
pub fn body(
    wire: WireFormat,
    model: &ModelRef,
    req: &CompletionRequest,
    info: Option<&ModelInfo>,
    responses: ResponsesOptions,
) -> Value {
    // Every call answered, every answer called: providers refuse anything else with a 400.
    let fixed;
    let req = match history::well_formed(&req.messages) {
        Cow::Borrowed(_) => req,
        Cow::Owned(messages) => {
            fixed = CompletionRequest {
                messages,
                ..req.clone()
            };
            &fixed
        }
    };
    match wire {
        WireFormat::OpenAiCompletions => openai::body(model, req, info),
        WireFormat::OpenAiResponses => openai_responses::body(model, req, info, responses),
        WireFormat::AnthropicMessages => anthropic::body(model, req, info),
        WireFormat::GoogleGenerativeAi => google::body(model, req, info),
    }
}

/// A stream decoder of one of the formats.
#[derive(Debug)]
pub enum Decoder {
    OpenAi(openai::Decoder),
    Responses(openai_responses::Decoder),
    Anthropic(anthropic::Decoder),
    Google(google::Decoder),
}

impl Decoder {
    pub fn new(wire: WireFormat, model: &ModelRef) -> Self {
        let p = model.provider.as_str();
        match wire {
            WireFormat::OpenAiCompletions => Decoder::OpenAi(openai::Decoder::new(p)),
            WireFormat::OpenAiResponses => Decoder::Responses(openai_responses::Decoder::new(p)),
            WireFormat::AnthropicMessages => Decoder::Anthropic(anthropic::Decoder::new(p)),
            WireFormat::GoogleGenerativeAi => Decoder::Google(google::Decoder::new(p)),
        }
    }

    /// Decodes the `data` of one SSE event.
    pub fn on_data(&mut self, data: &str, out: &mut Vec<StreamEvent>) -> Result<(), AiError> {
        match self {
            Decoder::OpenAi(d) => d.on_data(data, out),
            Decoder::Responses(d) => d.on_data(data, out),
            Decoder::Anthropic(d) => d.on_data(data, out),
            Decoder::Google(d) => d.on_data(data, out),
        }
    }

    /// The byte stream ended: emits `Done`, or says the response was cut short.
    pub fn on_eof(&mut self, out: &mut Vec<StreamEvent>) -> Result<(), AiError> {
        match self {
            Decoder::OpenAi(d) => d.on_eof(out),
            Decoder::Responses(d) => d.on_eof(out),
            Decoder::Anthropic(d) => d.on_eof(out),
            Decoder::Google(d) => d.on_eof(out),
        }
    }

    /// Whether the response is complete (the rest of the stream can be ignored).
    pub fn is_done(&self) -> bool {
        match self {
            Decoder::OpenAi(d) => d.is_done(),
            Decoder::Responses(d) => d.is_done(),
            Decoder::Anthropic(d) => d.is_done(),
            Decoder::Google(d) => d.is_done(),
        }
    }
}

/// The events of a whole, non-streamed response body.
pub fn decode_response(
    wire: WireFormat,
    model: &ModelRef,
    body: &str,
) -> Result<Vec<StreamEvent>, AiError> {
    let p = model.provider.as_str();
    match wire {
        WireFormat::OpenAiCompletions => openai::decode_response(p, body),
        WireFormat::OpenAiResponses => openai_responses::decode_response(p, body),
        WireFormat::AnthropicMessages => anthropic::decode_response(p, body),
        WireFormat::GoogleGenerativeAi => google::decode_response(p, body),
    }
}

/// Decodes `bytes` of a `model`'s event stream fed in pieces of `chunk` bytes, as the driver
/// does: the decoders' tests check that chunking never changes the events.
#[cfg(test)]
pub fn decode_chunked(
    model: &str,
    bytes: &[u8],
    chunk: usize,
) -> Result<Vec<StreamEvent>, AiError> {
    let model: ModelRef = model.parse().expect("a known test model");
    decode_chunked_as(model.provider.wire_format(), &model, bytes, chunk)
}

/// [`decode_chunked`] in a given wire format.
#[cfg(test)]
pub fn decode_chunked_as(
    wire: WireFormat,
    model: &ModelRef,
    bytes: &[u8],
    chunk: usize,
) -> Result<Vec<StreamEvent>, AiError> {
    let mut parser = super::sse::SseParser::new();
    let mut decoder = Decoder::new(wire, model);
    let mut out = Vec::new();
    for piece in bytes.chunks(chunk) {
        for ev in parser.push(piece) {
            decoder.on_data(&ev.data, &mut out)?;
        }
    }
    if let Some(ev) = parser.finish() {
        decoder.on_data(&ev.data, &mut out)?;
    }
    decoder.on_eof(&mut out)?;
    Ok(out)
}
