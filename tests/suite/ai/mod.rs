//! The `ai` layer over real HTTP: `AiClient` against the fake provider (and a tiny catalog
//! server), for every wire format, alias and fault.

mod catalog;
mod faults;
mod formats;
mod responses;

use pi_coding_agent::ai::types::{AssistantMessage, ToolSpec};
use pi_coding_agent::ai::{
    AiClient, AiError, ClientOptions, CompletionRequest, ModelRef, Provider, StreamEvent,
    install_crypto_provider,
};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::support::fake_provider::FakeProvider;

/// Options for tests: short timeouts, no jitter, no budget.
pub fn options() -> ClientOptions {
    ClientOptions {
        request_timeout_ms: 5_000,
        max_retries: 3,
        retry_budget_ms: 0,
        retry_jitter: false,
        ..ClientOptions::default()
    }
}

/// A client whose every provider points at `fake`, with the fake's key and 5 ms backoff.
pub fn client(fake: &FakeProvider, opts: ClientOptions) -> AiClient {
    install_crypto_provider();
    let mut c = AiClient::new(opts).unwrap();
    for p in Provider::ALL {
        c.set_api_key(p, "test-key");
    }
    for p in [
        Provider::OpenAi,
        Provider::OpenRouter,
        Provider::Groq,
        Provider::Xai,
        Provider::Mistral,
    ] {
        c.set_base_url(p, fake.openai_base_url());
    }
    c.set_base_url(Provider::Anthropic, fake.base_url());
    c.set_base_url(Provider::Google, fake.base_url());
    c.set_base_url(
        Provider::Azure,
        format!("{}/openai/deployments/my-deploy", fake.base_url()),
    );
    c.set_retry_initial_delay_ms(5);
    c
}

pub fn request(text: &str) -> CompletionRequest {
    CompletionRequest {
        system_prompt: "You are terse.".into(),
        messages: vec![pi_coding_agent::ai::types::Message::user_text(text, 0)],
        tools: vec![ToolSpec {
            name: "read".into(),
            description: "Read a file".into(),
            parameters: json!({"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"], "additionalProperties": false}),
        }],
        max_output_tokens: None,
        thinking: Default::default(),
        stream: true,
    }
}

/// Runs `req` on `model` to the end; returns the result and every event seen.
pub async fn run(
    client: &AiClient,
    model: &str,
    req: &CompletionRequest,
) -> (Result<AssistantMessage, AiError>, Vec<StreamEvent>) {
    let model: ModelRef = model.parse().unwrap();
    let mut events = Vec::new();
    let result = client
        .complete(&model, req, &CancellationToken::new(), |e| {
            events.push(e.clone())
        })
        .await;
    (result, events)
}

pub fn retries(events: &[StreamEvent]) -> Vec<(u32, u64)> {
    events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::Retry {
                attempt, delay_ms, ..
            } => Some((*attempt, *delay_ms)),
            _ => None,
        })
        .collect()
}
