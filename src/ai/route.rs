//! Where a request goes: base URL resolution, endpoint paths and authentication headers.

use super::error::AiError;
use super::event::DEFAULT_AZURE_API_VERSION;
use super::model_ref::{ModelRef, Provider, WireFormat};

/// A resolved request target.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
}

/// API keys (or base URLs) given in code, by provider; they win over the environment.
pub type ApiKeys = std::collections::HashMap<Provider, String>;

/// The API key of `provider`: from `keys`, else from its environment variable.
pub fn api_key(provider: Provider, keys: &ApiKeys) -> Result<String, AiError> {
    let var = provider.api_key_var();
    let value = match keys.get(&provider) {
        Some(k) => Ok(k.clone()),
        None => std::env::var(var),
    };
    match value {
        Ok(v) if !v.trim().is_empty() => {
            let v = v.trim().to_string();
            if v.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                Ok(v)
            } else {
                Err(AiError::InvalidApiKey { var })
            }
        }
        _ => Err(AiError::MissingApiKey { var }),
    }
}

/// The base URL for `provider`: `api_base` (the `--api-base` flag) first, then the provider's
/// base-URL variable, then its default. Trailing slashes are removed.
pub fn base_url(provider: Provider, api_base: Option<&str>) -> Result<String, AiError> {
    base_url_with(provider, api_base, |var| std::env::var(var).ok())
}

/// [`base_url`] with the environment given as a lookup function.
pub fn base_url_with(
    provider: Provider,
    api_base: Option<&str>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<String, AiError> {
    let from_env = provider
        .base_url_var()
        .and_then(env)
        .filter(|v| !v.trim().is_empty());
    let base = match (api_base.filter(|b| !b.trim().is_empty()), from_env) {
        (Some(b), _) => b.trim().to_string(),
        (None, Some(env)) => env.trim().to_string(),
        (None, None) => match provider.default_base() {
            Some(d) => d.to_string(),
            None => return Err(AiError::MissingAzureBase),
        },
    };
    validate_base(&base)?;
    let (path, query) = split_query(&base);
    Ok(with_query(path.trim_end_matches('/').to_string(), query))
}

/// `base` split at its query: the part endpoint paths are appended to, and the query (without
/// `?`) that every request URL keeps (`http://proxy/v1?key=abc`).
pub fn split_query(base: &str) -> (&str, Option<&str>) {
    match base.split_once('?') {
        Some((path, query)) => (path, Some(query).filter(|q| !q.is_empty())),
        None => (base, None),
    }
}

/// `url` with `query` appended (after `?`, or `&` when `url` has a query already).
fn with_query(mut url: String, query: Option<&str>) -> String {
    if let Some(q) = query {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(q);
    }
    url
}

/// `text` with every URL query value, and each of `secrets`, replaced by `[redacted]`: an API
/// base may carry a key in its query, and HTTP errors quote the URL.
pub fn redact(text: &str, secrets: &[String]) -> String {
    static QUERY_VALUE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let pattern =
        QUERY_VALUE.get_or_init(|| regex::Regex::new(r"([?&][^=&?#\s()]+=)[^&#\s()]+").ok());
    let mut out = match pattern {
        Some(re) => re.replace_all(text, "${1}[redacted]").into_owned(),
        None => text.to_string(),
    };
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        out = out.replace(s.as_str(), "[redacted]");
    }
    out
}

/// `url` with its query values shown as `[redacted]`, for printing a base URL.
pub fn redact_url(url: &str) -> String {
    redact(url, &query_values(url))
}

/// The values of `url`'s query (raw and percent-decoded), to keep out of messages.
pub fn query_values(url: &str) -> Vec<String> {
    let Some(query) = split_query(url).1 else {
        return Vec::new();
    };
    let mut values = Vec::new();
    for pair in query.split('&') {
        let value = pair.split_once('=').map_or(pair, |(_, v)| v);
        if value.is_empty() {
            continue;
        }
        values.push(value.to_string());
        let decoded = percent_decode(value);
        if decoded != value {
            values.push(decoded);
        }
    }
    values
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |i: usize| bytes.get(i).and_then(|b| (*b as char).to_digit(16));
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Checks that `base` is an absolute http(s) URL.
pub fn validate_base(base: &str) -> Result<(), AiError> {
    let invalid = |reason: &str| AiError::InvalidApiBase {
        url: redact(base, &query_values(base)),
        reason: reason.to_string(),
    };
    let rest = base
        .strip_prefix("https://")
        .or_else(|| base.strip_prefix("http://"))
        .ok_or_else(|| invalid("it must start with http:// or https://"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(invalid("it has no host"));
    }
    if base.chars().any(char::is_whitespace) {
        return Err(invalid("it contains spaces"));
    }
    Ok(())
}

/// The `api-version` of Azure's Responses API when none is given (the Chat Completions
/// default predates it).
pub const DEFAULT_AZURE_RESPONSES_API_VERSION: &str = "2025-04-01-preview";

/// The URL and headers of a request for `model`, spoken to in `wire`, on `base`.
pub fn endpoint(
    wire: WireFormat,
    model: &ModelRef,
    base: &str,
    azure_api_version: Option<&str>,
    stream: bool,
    key: &str,
) -> Endpoint {
    let mut headers = Vec::new();
    if stream {
        headers.push(("accept", "text/event-stream".to_string()));
    }
    let (base, query) = split_query(base);
    let url = match wire {
        WireFormat::OpenAiResponses => {
            let (url, version) = responses_url(model, base, azure_api_version);
            let mut url = with_query(url, query);
            if let Some(v) = version.filter(|_| !url.contains("api-version=")) {
                url = with_query(url, Some(&format!("api-version={v}")));
            }
            if model.provider == Provider::Azure {
                headers.push(("api-key", key.to_string()));
            } else {
                headers.push(("authorization", format!("Bearer {key}")));
            }
            url
        }
        WireFormat::OpenAiCompletions => {
            let url = if base.ends_with("/chat/completions") {
                base.to_string()
            } else {
                format!("{base}/chat/completions")
            };
            let mut url = with_query(url, query);
            if model.provider == Provider::Azure {
                let version = azure_api_version
                    .filter(|v| !v.trim().is_empty())
                    .unwrap_or(DEFAULT_AZURE_API_VERSION);
                if !url.contains("api-version=") {
                    url = with_query(url, Some(&format!("api-version={}", version.trim())));
                }
                headers.push(("api-key", key.to_string()));
            } else {
                headers.push(("authorization", format!("Bearer {key}")));
            }
            url
        }
        WireFormat::AnthropicMessages => {
            headers.push(("x-api-key", key.to_string()));
            headers.push(("anthropic-version", "2023-06-01".to_string()));
            let url = if base.ends_with("/v1/messages") {
                base.to_string()
            } else if base.ends_with("/v1") {
                format!("{base}/messages")
            } else {
                format!("{base}/v1/messages")
            };
            with_query(url, query)
        }
        WireFormat::GoogleGenerativeAi => {
            headers.push(("x-goog-api-key", key.to_string()));
            let id = model.id.strip_prefix("models/").unwrap_or(&model.id);
            let root = if base.ends_with("/v1beta") || base.ends_with("/v1") {
                base.to_string()
            } else {
                format!("{base}/v1beta")
            };
            let url = if stream {
                format!("{root}/models/{id}:streamGenerateContent?alt=sse")
            } else {
                format!("{root}/models/{id}:generateContent")
            };
            with_query(url, query)
        }
    };
    Endpoint { url, headers }
}

/// The deployment an Azure base URL names (`…/openai/deployments/DEP`): the Responses API
/// takes it as the request's `model`.
pub fn azure_deployment(base: &str) -> Option<&str> {
    let (_, rest) = split_query(base).0.split_once("/openai/deployments/")?;
    rest.split('/').next().filter(|d| !d.is_empty())
}

/// The Responses URL on `base` (no query), and the Azure `api-version` it needs. Azure
/// bases are deployment URLs (`…/openai/deployments/d`); the Responses API lives at the
/// resource's `…/openai/responses` (or `…/openai/v1/responses`, which takes no version).
fn responses_url<'a>(
    model: &ModelRef,
    base: &str,
    azure_api_version: Option<&'a str>,
) -> (String, Option<&'a str>) {
    if base.ends_with("/responses") {
        return (base.to_string(), None);
    }
    if model.provider != Provider::Azure {
        return (format!("{base}/responses"), None);
    }
    // Versions before 2025-03-01-preview have no Responses API (a Chat Completions version
    // given for the same deployment would be refused).
    let version = azure_api_version
        .map(str::trim)
        .filter(|v| !v.is_empty() && *v >= "2025-03-01")
        .unwrap_or(DEFAULT_AZURE_RESPONSES_API_VERSION);
    if base.ends_with("/openai/v1") {
        return (format!("{base}/responses"), None);
    }
    let root = match base.split_once("/openai/deployments/") {
        Some((root, _)) => root.to_string(),
        None => base.trim_end_matches("/openai").to_string(),
    };
    (format!("{root}/openai/responses"), Some(version))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> ModelRef {
        s.parse().unwrap()
    }

    #[test]
    fn responses_urls() {
        let r = WireFormat::OpenAiResponses;
        let url = |model: &str, base: &str, version: Option<&str>| {
            endpoint(r, &m(model), base, version, true, "k").url
        };
        assert_eq!(
            url("openai/gpt-5-codex", "http://h/v1", None),
            "http://h/v1/responses"
        );
        assert_eq!(
            url("openai/gpt-5-codex", "http://h/v1/responses", None),
            "http://h/v1/responses"
        );
        assert_eq!(
            url(
                "azure/codex",
                "https://r.openai.azure.com/openai/deployments/codex",
                None
            ),
            "https://r.openai.azure.com/openai/responses?api-version=2025-04-01-preview"
        );
        assert_eq!(
            url(
                "azure/codex",
                "https://r.openai.azure.com/openai/deployments/codex",
                Some("2025-05-01")
            ),
            "https://r.openai.azure.com/openai/responses?api-version=2025-05-01"
        );
        assert_eq!(
            url("azure/codex", "https://r.openai.azure.com/openai/v1", None),
            "https://r.openai.azure.com/openai/v1/responses"
        );
        let e = endpoint(
            r,
            &m("azure/codex"),
            "https://r.openai.azure.com/openai/v1",
            None,
            false,
            "k",
        );
        assert!(e.headers.contains(&("api-key", "k".into())));
        let e = endpoint(r, &m("openai/o3-pro"), "http://h/v1", None, false, "k");
        assert!(e.headers.contains(&("authorization", "Bearer k".into())));
    }

    #[test]
    fn urls_per_format() {
        let e = endpoint(
            m("openai/gpt-4o").provider.wire_format(),
            &m("openai/gpt-4o"),
            "http://localhost:11434/v1",
            None,
            true,
            "k",
        );
        assert_eq!(e.url, "http://localhost:11434/v1/chat/completions");
        assert!(e.headers.contains(&("authorization", "Bearer k".into())));
        assert!(e.headers.contains(&("accept", "text/event-stream".into())));

        let e = endpoint(
            m("azure/gpt-4o").provider.wire_format(),
            &m("azure/gpt-4o"),
            "https://r.openai.azure.com/openai/deployments/d",
            Some("2025-01-01"),
            false,
            "k",
        );
        assert_eq!(
            e.url,
            "https://r.openai.azure.com/openai/deployments/d/chat/completions?api-version=2025-01-01"
        );
        assert_eq!(e.headers, vec![("api-key", "k".to_string())]);
        let e = endpoint(
            m("azure/gpt-4o").provider.wire_format(),
            &m("azure/gpt-4o"),
            "https://r/openai/deployments/d",
            None,
            false,
            "k",
        );
        assert!(
            e.url
                .ends_with(&format!("?api-version={DEFAULT_AZURE_API_VERSION}"))
        );

        let e = endpoint(
            m("anthropic/claude-x").provider.wire_format(),
            &m("anthropic/claude-x"),
            "https://api.anthropic.com",
            None,
            true,
            "k",
        );
        assert_eq!(e.url, "https://api.anthropic.com/v1/messages");
        assert!(
            e.headers
                .contains(&("anthropic-version", "2023-06-01".into()))
        );
        assert_eq!(
            endpoint(
                m("anthropic/c").provider.wire_format(),
                &m("anthropic/c"),
                "http://h/v1",
                None,
                true,
                "k"
            )
            .url,
            "http://h/v1/messages"
        );

        let e = endpoint(
            m("google/gemini-2.5-pro").provider.wire_format(),
            &m("google/gemini-2.5-pro"),
            "https://generativelanguage.googleapis.com",
            None,
            true,
            "k",
        );
        assert_eq!(
            e.url,
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse"
        );
        assert!(e.headers.contains(&("x-goog-api-key", "k".into())));
        let e = endpoint(
            m("google/models/gemini-2.5-pro").provider.wire_format(),
            &m("google/models/gemini-2.5-pro"),
            "http://h",
            None,
            false,
            "k",
        );
        assert_eq!(
            e.url,
            "http://h/v1beta/models/gemini-2.5-pro:generateContent"
        );
    }

    #[test]
    fn a_query_on_the_base_stays_on_every_url() {
        let cases = [
            (
                "openai/gpt-4o",
                "http://h/v1?key=abc",
                "http://h/v1/chat/completions?key=abc",
            ),
            (
                "azure/gpt-4o",
                "http://h/openai/deployments/d?key=abc",
                "http://h/openai/deployments/d/chat/completions?key=abc&api-version=2025-01-01",
            ),
            (
                "anthropic/c",
                "http://h?key=abc",
                "http://h/v1/messages?key=abc",
            ),
            (
                "google/g",
                "http://h/v1beta?key=abc",
                "http://h/v1beta/models/g:streamGenerateContent?alt=sse&key=abc",
            ),
        ];
        for (model, base, url) in cases {
            let base = base_url(m(model).provider, Some(base)).unwrap();
            let e = endpoint(
                m(model).provider.wire_format(),
                &m(model),
                &base,
                Some("2025-01-01"),
                true,
                "k",
            );
            assert_eq!(e.url, url, "{model}");
        }
        assert_eq!(
            base_url(Provider::OpenAi, Some("http://h/v1/?key=abc")).unwrap(),
            "http://h/v1?key=abc"
        );
    }

    #[test]
    fn query_values_never_reach_messages() {
        let err = base_url(Provider::OpenAi, Some("localhost/v1?key=s3cret")).unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
        assert!(err.to_string().contains("key=[redacted]"), "{err}");
        let text = "error sending request for url (http://h/v1/chat/completions?key=s3cret&x=1)";
        let red = redact(text, &[]);
        assert_eq!(
            red,
            "error sending request for url (http://h/v1/chat/completions?key=[redacted]&x=[redacted])"
        );
        assert_eq!(
            query_values("http://h/v1?key=a%2Fbcd&e"),
            ["a%2Fbcd", "a/bcd", "e"]
        );
        assert_eq!(
            redact("bad key a/bcd", &query_values("http://h?k=a%2Fbcd")),
            "bad key [redacted]"
        );
    }

    #[test]
    fn base_resolution() {
        assert_eq!(
            base_url(Provider::Groq, None).unwrap(),
            "https://api.groq.com/openai/v1"
        );
        assert_eq!(
            base_url(Provider::OpenRouter, Some("http://x:1/v1//")).unwrap(),
            "http://x:1/v1"
        );
        assert_eq!(
            base_url(Provider::Azure, None),
            Err(AiError::MissingAzureBase)
        );
        assert!(matches!(
            base_url(Provider::OpenAi, Some("localhost:11434")),
            Err(AiError::InvalidApiBase { .. })
        ));
        assert!(validate_base("http://").is_err());
        let env = |var: &str| match var {
            "OPENAI_BASE_URL" => Some("http://proxy/v1/".to_string()),
            "ANTHROPIC_BASE_URL" => Some("http://claude-proxy".to_string()),
            _ => None,
        };
        assert_eq!(
            base_url_with(Provider::OpenAi, None, env).unwrap(),
            "http://proxy/v1"
        );
        assert_eq!(
            base_url_with(Provider::OpenAi, Some("http://flag/v1"), env).unwrap(),
            "http://flag/v1"
        );
        assert_eq!(
            base_url_with(Provider::Anthropic, None, env).unwrap(),
            "http://claude-proxy"
        );
        // OPENAI_BASE_URL is for openai/* only.
        assert_eq!(
            base_url_with(Provider::Xai, None, env).unwrap(),
            "https://api.x.ai/v1"
        );
    }
}
