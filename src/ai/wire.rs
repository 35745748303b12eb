//! Which wire API a model is spoken to in: the catalog's word for the model, or the
//! `--openai-api` override for the OpenAI-style providers.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};

use super::catalog::ModelInfo;
use super::model_ref::{ModelRef, Provider, WireFormat};

/// `--openai-api`: the API the OpenAI-style providers are spoken to in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenAiApi {
    /// Chat Completions (`/chat/completions`).
    Chat,
    /// The Responses API (`/responses`).
    Responses,
}

impl FromStr for OpenAiApi {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "chat" => Ok(OpenAiApi::Chat),
            "responses" => Ok(OpenAiApi::Responses),
            _ => Err("expected chat or responses".to_string()),
        }
    }
}

/// `--reasoning-summary`: the reasoning summaries asked of the Responses API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReasoningSummary {
    #[default]
    Auto,
    Concise,
    Detailed,
    Off,
}

impl ReasoningSummary {
    /// The request's `reasoning.summary` value; `None` for off.
    pub fn wire_value(self) -> Option<&'static str> {
        match self {
            ReasoningSummary::Auto => Some("auto"),
            ReasoningSummary::Concise => Some("concise"),
            ReasoningSummary::Detailed => Some("detailed"),
            ReasoningSummary::Off => None,
        }
    }
}

impl fmt::Display for ReasoningSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.wire_value().unwrap_or("off"))
    }
}

impl FromStr for ReasoningSummary {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "auto" => Ok(ReasoningSummary::Auto),
            "concise" => Ok(ReasoningSummary::Concise),
            "detailed" => Ok(ReasoningSummary::Detailed),
            "off" => Ok(ReasoningSummary::Off),
            _ => Err("expected auto, concise, detailed or off".to_string()),
        }
    }
}

/// How a Responses request is made, as far as the client knows by now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponsesOptions {
    /// The reasoning summaries asked for (off once the service refused them).
    pub summary: ReasoningSummary,
    /// Send kept reasoning items back (off once the service refused one).
    pub replay_reasoning: bool,
}

impl Default for ResponsesOptions {
    fn default() -> Self {
        ResponsesOptions {
            summary: ReasoningSummary::default(),
            replay_reasoning: true,
        }
    }
}

/// What the Responses API refused so far, shared by every request of a client: once refused,
/// the request is made without it for the rest of the run.
#[derive(Debug, Default)]
pub struct Refusals {
    /// Reasoning summaries (organizations that are not verified may not have them).
    pub summaries: AtomicBool,
    /// Kept reasoning items (encrypted content the service cannot read any more).
    pub replay: AtomicBool,
}

impl Refusals {
    /// The options of the next request.
    pub fn options(&self, summary: ReasoningSummary) -> ResponsesOptions {
        ResponsesOptions {
            summary: if self.summaries.load(Ordering::Relaxed) {
                ReasoningSummary::Off
            } else {
                summary
            },
            replay_reasoning: !self.replay.load(Ordering::Relaxed),
        }
    }

    /// Learns from a 400 answer's `message`; returns a note for the user when the request is
    /// worth sending again without what was refused.
    pub fn learn(&self, message: &str) -> Option<String> {
        let m = message.to_ascii_lowercase();
        if m.contains("reasoning summar") && !self.summaries.swap(true, Ordering::Relaxed) {
            return Some(format!(
                "the service refused reasoning summaries ({}); asking without them from now on",
                crate::ai::convert::one_line(message, 160)
            ));
        }
        let replay = m.contains("encrypted content")
            || m.contains("decrypt")
            || m.contains("required following item");
        if replay && !self.replay.swap(true, Ordering::Relaxed) {
            return Some(format!(
                "the service could not use the reasoning kept from earlier answers ({}); sending the conversation without it from now on",
                crate::ai::convert::one_line(message, 160)
            ));
        }
        None
    }
}

/// The wire format `model` is spoken to in. Anthropic and Google have one each. The
/// OpenAI-style providers speak Chat Completions unless `over` (`--openai-api`) says otherwise,
/// or, for OpenAI and Azure, the catalog says the model is served through the Responses API
/// (OpenRouter and the other compatible services are not assumed to serve it).
pub fn resolve(model: &ModelRef, info: Option<&ModelInfo>, over: Option<OpenAiApi>) -> WireFormat {
    let usual = model.provider.wire_format();
    if usual != WireFormat::OpenAiCompletions {
        return usual;
    }
    match over {
        Some(OpenAiApi::Chat) => WireFormat::OpenAiCompletions,
        Some(OpenAiApi::Responses) => WireFormat::OpenAiResponses,
        None if matches!(model.provider, Provider::OpenAi | Provider::Azure)
            && info.and_then(|i| i.api.as_deref()) == Some("openai-responses") =>
        {
            WireFormat::OpenAiResponses
        }
        None => WireFormat::OpenAiCompletions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ai::catalog::Catalog;

    fn wire(name: &str, over: Option<OpenAiApi>) -> WireFormat {
        let m: ModelRef = name.parse().unwrap();
        resolve(&m, Catalog::embedded().find(&m), over)
    }

    #[test]
    fn catalog_routes_responses_only_models_and_the_flag_overrides() {
        assert_eq!(
            wire("openai/gpt-5-codex", None),
            WireFormat::OpenAiResponses
        );
        assert_eq!(wire("azure/gpt-5-codex", None), WireFormat::OpenAiResponses);
        assert_eq!(wire("openai/gpt-4o", None), WireFormat::OpenAiCompletions);
        assert_eq!(
            wire("openrouter/openai/gpt-5-codex", None),
            WireFormat::OpenAiCompletions
        );
        assert_eq!(
            wire("openai/gpt-5-codex", Some(OpenAiApi::Chat)),
            WireFormat::OpenAiCompletions
        );
        assert_eq!(
            wire("openai/gpt-4o", Some(OpenAiApi::Responses)),
            WireFormat::OpenAiResponses
        );
        assert_eq!(
            wire("groq/llama-3.3-70b-versatile", Some(OpenAiApi::Responses)),
            WireFormat::OpenAiResponses
        );
        assert_eq!(
            wire("anthropic/claude-sonnet-4-5", Some(OpenAiApi::Responses)),
            WireFormat::AnthropicMessages
        );
    }

    #[test]
    fn refusals_are_learnt_once() {
        let r = Refusals::default();
        assert_eq!(
            r.options(ReasoningSummary::Auto),
            ResponsesOptions::default()
        );
        let note = r
            .learn("Your organization must be verified to generate reasoning summaries.")
            .unwrap();
        assert!(note.contains("asking without them"), "{note}");
        assert_eq!(
            r.options(ReasoningSummary::Auto).summary,
            ReasoningSummary::Off
        );
        assert!(
            r.learn("Your organization must be verified to generate reasoning summaries.")
                .is_none()
        );
        assert!(r.learn("Invalid value for 'model'").is_none());
        assert!(
            r.learn("The encrypted content for item rs_1 could not be decrypted or parsed.")
                .is_some()
        );
        assert!(!r.options(ReasoningSummary::Auto).replay_reasoning);
    }

    #[test]
    fn flag_values() {
        assert_eq!("responses".parse(), Ok(OpenAiApi::Responses));
        assert!(
            "soap"
                .parse::<OpenAiApi>()
                .unwrap_err()
                .contains("chat or responses")
        );
        assert_eq!("off".parse(), Ok(ReasoningSummary::Off));
        assert_eq!(ReasoningSummary::default().wire_value(), Some("auto"));
        assert!("loud".parse::<ReasoningSummary>().is_err());
    }
}
