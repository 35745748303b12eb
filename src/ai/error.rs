//! The one error type of the `ai` layer. Each message is one line that says what to do.

use thiserror::Error;

use super::retry::RetryLimit;

#[derive(Debug, Clone, Error, PartialEq)]
pub enum AiError {
    #[error("malformed model '{0}': use provider/model-id, for example openai/gpt-4o-mini")]
    MalformedModel(String),

    #[error(
        "unknown provider '{0}': use one of openai, openrouter, groq, xai, mistral, azure, anthropic, google"
    )]
    UnknownProvider(String),

    #[error("{var} is not set: export it, or pick another model")]
    MissingApiKey { var: &'static str },

    #[error("{var} contains characters not allowed in an HTTP header: check its value")]
    InvalidApiKey { var: &'static str },

    #[error(
        "azure needs its deployment URL: pass --api-base https://RESOURCE.openai.azure.com/openai/deployments/DEPLOYMENT"
    )]
    MissingAzureBase,

    #[error("invalid API base URL '{url}': {reason}; pass a full http(s) URL to --api-base")]
    InvalidApiBase { url: String, reason: String },

    #[error("could not set up the HTTP client: {0}; check the TLS set-up of this build")]
    HttpClient(String),

    #[error(
        "could not reach the {provider} API: {message}; check the network and the API base URL"
    )]
    Connection { provider: String, message: String },

    #[error(
        "the {provider} API sent nothing for {timeout_ms} ms: retry, or raise --request-timeout-ms"
    )]
    Timeout { provider: String, timeout_ms: u64 },

    #[error("{provider} returned HTTP {status}: {message}{}", status_hint(*.status))]
    Http {
        provider: String,
        status: u16,
        message: String,
        /// Delay the provider asked for (`retry-after` / `retry-after-ms`), in milliseconds.
        retry_after_ms: Option<u64>,
    },

    #[error("{provider} reported an error: {message}")]
    Provider {
        provider: String,
        message: String,
        retryable: bool,
    },

    #[error("malformed response from {provider}: {message}; retry, or check the API base URL")]
    MalformedResponse { provider: String, message: String },

    #[error(
        "{provider} stopped the response ({reason}): rephrase the request or pick another model"
    )]
    Blocked { provider: String, reason: String },

    /// Retrying stopped at `limit` (the retry count, the time budget or a too-long
    /// `retry-after`) with `last` still failing.
    #[error("{}", exhausted_message(*.retries, .limit, .last))]
    RetriesExhausted {
        retries: u32,
        limit: RetryLimit,
        last: Box<AiError>,
    },

    #[error("request cancelled")]
    Cancelled,
}

fn status_hint(status: u16) -> &'static str {
    match status {
        401 | 403 => " (check the API key)",
        404 => " (check the model id and the API base URL)",
        408 | 409 | 429 | 500..=599 => {
            " (try again later, raise --provider-max-retries or pass --fallback-model)"
        }
        _ => "",
    }
}

/// `still failing after 2 retries (LIMIT): LAST; ADVICE`: the limit that stopped retrying and
/// what to raise, instead of the last error's own generic hint.
fn exhausted_message(retries: u32, limit: &RetryLimit, last: &AiError) -> String {
    let last = match last {
        AiError::Http {
            provider,
            status,
            message,
            ..
        } => format!("{provider} returned HTTP {status}: {message}"),
        other => other.to_string(),
    };
    let retries = match retries {
        0 => "not retried".to_string(),
        1 => "still failing after 1 retry".to_string(),
        n => format!("still failing after {n} retries"),
    };
    format!("{retries} ({}): {last}; {}", limit.reason(), limit.advice())
}

impl AiError {
    /// Whether the same request may succeed when sent again (before any output was streamed).
    pub fn is_retryable(&self) -> bool {
        match self {
            AiError::Http { status, .. } => is_retryable_status(*status),
            AiError::Connection { .. } | AiError::Timeout { .. } => true,
            AiError::Provider { retryable, .. } => *retryable,
            _ => false,
        }
    }

    /// The delay the provider asked for before a retry, if any.
    pub fn retry_after_ms(&self) -> Option<u64> {
        match self {
            AiError::Http { retry_after_ms, .. } => *retry_after_ms,
            _ => None,
        }
    }

    /// This error with URL query values and `secrets` replaced by `[redacted]` in every
    /// message (`route::redact`): a key in the API base's query must not be echoed.
    pub fn redacted(self, secrets: &[String]) -> AiError {
        let r = |s: String| super::route::redact(&s, secrets);
        match self {
            AiError::InvalidApiBase { url, reason } => AiError::InvalidApiBase {
                url: r(url),
                reason: r(reason),
            },
            AiError::HttpClient(m) => AiError::HttpClient(r(m)),
            AiError::Connection { provider, message } => AiError::Connection {
                provider,
                message: r(message),
            },
            AiError::Http {
                provider,
                status,
                message,
                retry_after_ms,
            } => AiError::Http {
                provider,
                status,
                message: r(message),
                retry_after_ms,
            },
            AiError::Provider {
                provider,
                message,
                retryable,
            } => AiError::Provider {
                provider,
                message: r(message),
                retryable,
            },
            AiError::MalformedResponse { provider, message } => AiError::MalformedResponse {
                provider,
                message: r(message),
            },
            AiError::Blocked { provider, reason } => AiError::Blocked {
                provider,
                reason: r(reason),
            },
            AiError::RetriesExhausted {
                retries,
                limit,
                last,
            } => AiError::RetriesExhausted {
                retries,
                limit,
                last: Box::new(last.redacted(secrets)),
            },
            other => other,
        }
    }

    /// A short reason for retry and fallback events.
    pub fn short_reason(&self) -> String {
        match self {
            AiError::Http {
                status, message, ..
            } => format!("HTTP {status}: {message}"),
            AiError::Timeout { timeout_ms, .. } => format!("no data for {timeout_ms} ms"),
            AiError::Connection { message, .. } => format!("connection failed: {message}"),
            AiError::Provider { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }
}

/// HTTP statuses worth a retry: timeouts, conflicts, rate limits, server errors and overload.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 409 | 429 | 500..=599)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_line() {
        let errors = [
            AiError::MissingApiKey {
                var: "OPENAI_API_KEY",
            },
            AiError::Http {
                provider: "openai".into(),
                status: 429,
                message: "slow down".into(),
                retry_after_ms: None,
            },
            AiError::UnknownProvider("foo".into()),
        ];
        for e in errors {
            let s = e.to_string();
            assert!(!s.contains('\n'), "{s}");
        }
        assert_eq!(
            AiError::MissingApiKey {
                var: "OPENAI_API_KEY"
            }
            .to_string(),
            "OPENAI_API_KEY is not set: export it, or pick another model"
        );
    }

    #[test]
    fn retryable_statuses() {
        for s in [408, 409, 429, 500, 502, 503, 529] {
            assert!(is_retryable_status(s), "{s}");
        }
        for s in [400, 401, 403, 404, 422] {
            assert!(!is_retryable_status(s), "{s}");
        }
    }
}
