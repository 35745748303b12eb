//! `provider/model-id` routing and the table of known providers.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::AiError;

/// The wire format a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WireFormat {
    OpenAiCompletions,
    /// OpenAI's Responses API (`POST /responses`), for the OpenAI-style providers.
    OpenAiResponses,
    AnthropicMessages,
    GoogleGenerativeAi,
}

impl WireFormat {
    /// The `api` field of assistant messages in the session format.
    pub fn api_name(self) -> &'static str {
        match self {
            WireFormat::OpenAiCompletions => "openai-completions",
            WireFormat::OpenAiResponses => "openai-responses",
            WireFormat::AnthropicMessages => "anthropic-messages",
            WireFormat::GoogleGenerativeAi => "google-generative-ai",
        }
    }
}

/// A provider a model can be routed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    OpenAi,
    OpenRouter,
    Groq,
    Xai,
    Mistral,
    Azure,
    Anthropic,
    Google,
}

impl Provider {
    pub const ALL: [Provider; 8] = [
        Provider::OpenAi,
        Provider::OpenRouter,
        Provider::Groq,
        Provider::Xai,
        Provider::Mistral,
        Provider::Azure,
        Provider::Anthropic,
        Provider::Google,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Provider::OpenAi => "openai",
            Provider::OpenRouter => "openrouter",
            Provider::Groq => "groq",
            Provider::Xai => "xai",
            Provider::Mistral => "mistral",
            Provider::Azure => "azure",
            Provider::Anthropic => "anthropic",
            Provider::Google => "google",
        }
    }

    /// The provider's usual wire format; OpenAI-style providers may also be routed to the
    /// Responses API (see `wire::resolve`).
    pub fn wire_format(self) -> WireFormat {
        match self {
            Provider::Anthropic => WireFormat::AnthropicMessages,
            Provider::Google => WireFormat::GoogleGenerativeAi,
            _ => WireFormat::OpenAiCompletions,
        }
    }

    /// The environment variable holding the API key.
    pub fn api_key_var(self) -> &'static str {
        match self {
            Provider::OpenAi => "OPENAI_API_KEY",
            Provider::OpenRouter => "OPENROUTER_API_KEY",
            Provider::Groq => "GROQ_API_KEY",
            Provider::Xai => "XAI_API_KEY",
            Provider::Mistral => "MISTRAL_API_KEY",
            Provider::Azure => "AZURE_OPENAI_API_KEY",
            Provider::Anthropic => "ANTHROPIC_API_KEY",
            Provider::Google => "GEMINI_API_KEY",
        }
    }

    /// The default API base; `None` for Azure, whose base is the deployment URL.
    pub fn default_base(self) -> Option<&'static str> {
        match self {
            Provider::OpenAi => Some("https://api.openai.com/v1"),
            Provider::OpenRouter => Some("https://openrouter.ai/api/v1"),
            Provider::Groq => Some("https://api.groq.com/openai/v1"),
            Provider::Xai => Some("https://api.x.ai/v1"),
            Provider::Mistral => Some("https://api.mistral.ai/v1"),
            Provider::Azure => None,
            Provider::Anthropic => Some("https://api.anthropic.com"),
            Provider::Google => Some("https://generativelanguage.googleapis.com"),
        }
    }

    /// The environment variable that overrides the base URL of this provider, if any.
    pub fn base_url_var(self) -> Option<&'static str> {
        match self {
            Provider::OpenAi => Some("OPENAI_BASE_URL"),
            Provider::Anthropic => Some("ANTHROPIC_BASE_URL"),
            Provider::Google => Some("GEMINI_BASE_URL"),
            _ => None,
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Provider {
    type Err = AiError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Provider::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| AiError::UnknownProvider(s.to_string()))
    }
}

/// A model routed to a provider: `provider/model-id`, where the id is everything after the first
/// slash (`openrouter/openai/gpt-4o-mini` is OpenRouter's `openai/gpt-4o-mini`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ModelRef {
    pub provider: Provider,
    pub id: String,
}

impl ModelRef {
    pub fn new(provider: Provider, id: impl Into<String>) -> Self {
        ModelRef {
            provider,
            id: id.into(),
        }
    }
}

impl fmt::Display for ModelRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.provider, self.id)
    }
}

impl FromStr for ModelRef {
    type Err = AiError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let Some((provider, id)) = s.split_once('/') else {
            return Err(AiError::MalformedModel(s.to_string()));
        };
        if provider.is_empty() || id.trim().is_empty() {
            return Err(AiError::MalformedModel(s.to_string()));
        }
        let provider = provider.to_ascii_lowercase().parse::<Provider>()?;
        Ok(ModelRef {
            provider,
            id: id.to_string(),
        })
    }
}

impl Serialize for ModelRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ModelRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_on_first_slash() {
        let m: ModelRef = "openrouter/openai/gpt-4o-mini".parse().unwrap();
        assert_eq!(m.provider, Provider::OpenRouter);
        assert_eq!(m.id, "openai/gpt-4o-mini");
        assert_eq!(m.to_string(), "openrouter/openai/gpt-4o-mini");
    }

    #[test]
    fn malformed_and_unknown() {
        for bad in ["gpt-4o", "/gpt-4o", "openai/", ""] {
            assert!(
                matches!(bad.parse::<ModelRef>(), Err(AiError::MalformedModel(_))),
                "{bad}"
            );
        }
        let err = "foo/bar".parse::<ModelRef>().unwrap_err();
        assert!(err.to_string().contains("openai, openrouter, groq"));
    }

    #[test]
    fn serde_as_string() {
        let m: ModelRef = "anthropic/claude-sonnet-4-5".parse().unwrap();
        let s = serde_json::to_string(&m).unwrap();
        assert_eq!(s, "\"anthropic/claude-sonnet-4-5\"");
        assert_eq!(serde_json::from_str::<ModelRef>(&s).unwrap(), m);
    }
}
