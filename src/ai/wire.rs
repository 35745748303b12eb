//! Which wire API a model is spoken to in: the catalog's word for the model, or the
//! `--openai-api` override for the OpenAI-style providers.

use std::fmt;
use std::str::FromStr;

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
            other => Err(format!(
                "unknown OpenAI API '{other}' (expected chat or responses)"
            )),
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
            other => Err(format!(
                "unknown reasoning summary '{other}' (expected auto, concise, detailed or off)"
            )),
        }
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
