//! Recognising a provider's "the request is longer than the context window" error, so the
//! agent can compact and retry once instead of failing the turn.

use crate::ai::AiError;

/// Phrases the providers use (lower-cased): OpenAI, Azure, OpenRouter and vLLM ("maximum
/// context length", `context_length_exceeded`), Anthropic ("prompt is too long"), Gemini
/// ("input token count ... exceeds the maximum number of tokens"), xAI ("maximum prompt
/// length"), Groq ("reduce the length of the messages"), Mistral ("too large for model"),
/// llama.cpp ("exceeds the available context size").
const OVERFLOW_PHRASES: [&str; 12] = [
    "context_length_exceeded",
    "maximum context length",
    "context length",
    "context window",
    "context size",
    "prompt is too long",
    "maximum prompt length",
    "input token count",
    "exceeds the maximum number of tokens",
    "too many tokens",
    "reduce the length of the messages",
    "too large for model",
];

/// Whether `e` says the request did not fit the model's context window.
pub fn is_context_overflow(e: &AiError) -> bool {
    match e {
        AiError::Http {
            status, message, ..
        } => match status {
            413 => true,
            400 | 422 => mentions_overflow(message),
            _ => false,
        },
        AiError::Provider { message, .. } => mentions_overflow(message),
        AiError::RetriesExhausted { last, .. } => is_context_overflow(last),
        _ => false,
    }
}

fn mentions_overflow(message: &str) -> bool {
    let lower = message.to_lowercase();
    OVERFLOW_PHRASES.iter().any(|p| lower.contains(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16, message: &str) -> AiError {
        AiError::Http {
            provider: "p".into(),
            status,
            message: message.into(),
            retry_after_ms: None,
        }
    }

    #[test]
    fn provider_overflow_messages_are_recognised() {
        let overflows = [
            "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
            "prompt is too long: 208000 tokens > 200000 maximum",
            "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).",
            "This model's maximum prompt length is 131072 but the request contains 200000 tokens.",
            "Please reduce the length of the messages or completion.",
            "the request exceeds the available context size, try increasing it",
        ];
        for m in overflows {
            assert!(is_context_overflow(&http(400, m)), "{m}");
        }
        assert!(is_context_overflow(&http(413, "request_too_large")));
        assert!(is_context_overflow(&AiError::Provider {
            provider: "p".into(),
            message: "context_length_exceeded".into(),
            retryable: false,
        }));
    }

    #[test]
    fn other_errors_are_not_overflows() {
        assert!(!is_context_overflow(&http(400, "invalid model")));
        assert!(!is_context_overflow(&http(
            429,
            "too many tokens per minute"
        )));
        assert!(!is_context_overflow(&http(401, "prompt is too long")));
        assert!(!is_context_overflow(&AiError::Cancelled));
    }
}
