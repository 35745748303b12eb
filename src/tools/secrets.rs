//! Secrets kept out of tools: which environment variables look like credentials (they are
//! not passed to bash), and the values pi holds, replaced by `[redacted]` wherever a tool's
//! output still shows one, before it reaches the screen, the session file or the provider.

use std::borrow::Cow;
use std::ffi::OsStr;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, MatchKind};

use crate::ai::Provider;

/// What a secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Values shorter than this are not redacted: they would match ordinary words.
const MIN_SECRET_LEN: usize = 8;

/// Variables pi reads a key or a base URL with credentials from, besides the pattern.
const PI_VARS: [&str; 3] = ["OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "GEMINI_BASE_URL"];

/// Whether a variable's name looks like a credential: `*_KEY`, `*_TOKEN`, `*_SECRET`,
/// `*PASSWORD*` and their kin (case-insensitive), or one pi reads a key from.
pub fn is_credential_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let suffixes = [
        "_KEY",
        "_TOKEN",
        "_SECRET",
        "_SECRETS",
        "_PAT",
        "_CREDENTIALS",
        "_CREDENTIAL",
        "_APIKEY",
        "_PASS",
        "_PASSWD",
    ];
    let contains = [
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "PRIVATE_KEY",
        "API_KEY",
        "ACCESS_KEY",
        "AUTH_TOKEN",
    ];
    let exact = ["TOKEN", "SECRET", "APIKEY", "API_KEY", "PASSWORD"];
    suffixes.iter().any(|s| upper.ends_with(s))
        || contains.iter().any(|c| upper.contains(c))
        || exact.contains(&upper.as_str())
        || Provider::ALL.iter().any(|p| p.api_key_var() == upper)
        || PI_VARS.contains(&upper.as_str())
}

/// The secret values pi holds, matched all at once.
#[derive(Clone, Default)]
pub struct Secrets {
    values: Vec<String>,
    matcher: Option<Arc<AhoCorasick>>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the values themselves.
        f.debug_struct("Secrets")
            .field("count", &self.values.len())
            .finish()
    }
}

impl PartialEq for Secrets {
    fn eq(&self, other: &Self) -> bool {
        self.values == other.values
    }
}

impl Secrets {
    /// The values of every credential-like variable of pi's environment.
    pub fn from_env() -> Self {
        Self::from_vars(std::env::vars_os())
    }

    /// The values of the credential-like variables among `vars`.
    pub fn from_vars<K: AsRef<OsStr>, V: AsRef<OsStr>>(
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self::from_values(vars.into_iter().filter_map(|(k, v)| {
            let name = k.as_ref().to_str()?;
            is_credential_name(name).then(|| v.as_ref().to_string_lossy().into_owned())
        }))
    }

    /// These secrets and `extra` values (a token read from a file).
    pub fn with(self, extra: impl IntoIterator<Item = String>) -> Self {
        Self::from_values(self.values.into_iter().chain(extra))
    }

    /// These values (short and blank ones are skipped).
    pub fn from_values(values: impl IntoIterator<Item = String>) -> Self {
        let mut values: Vec<String> = values
            .into_iter()
            .map(|v| v.trim().to_string())
            .filter(|v| v.len() >= MIN_SECRET_LEN)
            .collect();
        values.sort();
        values.dedup();
        let matcher = if values.is_empty() {
            None
        } else {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&values)
                .ok()
                .map(Arc::new)
        };
        Secrets { values, matcher }
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    fn longest(&self) -> usize {
        self.values.iter().map(String::len).max().unwrap_or(0)
    }

    /// `text` with every secret replaced by `[redacted]`.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match &self.matcher {
            Some(m) if m.is_match(text) => {
                Cow::Owned(m.replace_all(text, &[REDACTED].repeat(self.values.len())))
            }
            _ => Cow::Borrowed(text),
        }
    }

    /// A redactor for text that arrives in pieces: a secret split across two chunks is still
    /// caught, because a chunk's tail that could begin a secret is held back until the next.
    pub fn stream(&self) -> StreamRedactor {
        StreamRedactor {
            secrets: self.clone(),
            held: String::new(),
        }
    }

    /// Whether some secret starts with `s` (and is longer).
    fn begins_a_secret(&self, s: &str) -> bool {
        self.values
            .iter()
            .any(|v| v.len() > s.len() && v.starts_with(s))
    }
}

/// See [`Secrets::stream`].
pub struct StreamRedactor {
    secrets: Secrets,
    held: String,
}

impl StreamRedactor {
    /// The redacted text that can be shown now.
    pub fn push(&mut self, chunk: &str) -> String {
        if self.secrets.is_empty() {
            return chunk.to_string();
        }
        self.held.push_str(chunk);
        let text = self.secrets.redact(&self.held).into_owned();
        // Hold back the longest tail that could still grow into a secret.
        let max = self.secrets.longest().saturating_sub(1).min(text.len());
        let mut keep = 0;
        for len in (1..=max).rev() {
            let start = text.len() - len;
            if text.is_char_boundary(start) && self.secrets.begins_a_secret(&text[start..]) {
                keep = len;
                break;
            }
        }
        let cut = text.len() - keep;
        self.held = text[cut..].to_string();
        text[..cut].to_string()
    }

    /// Whatever was held back.
    pub fn flush(&mut self) -> String {
        let rest = std::mem::take(&mut self.held);
        self.secrets.redact(&rest).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_names() {
        for n in [
            "OPENAI_API_KEY",
            "GITHUB_TOKEN",
            "aws_secret_access_key",
            "DB_PASSWORD",
            "MYSQL_ROOT_PASSWORD",
            "CLIENT_SECRET",
            "GEMINI_API_KEY",
            "SLACK_BOT_TOKEN",
            "OPENAI_BASE_URL",
        ] {
            assert!(is_credential_name(n), "{n}");
        }
        for n in [
            "PATH",
            "HOME",
            "CARGO_HOME",
            "KEYMAP",
            "TOKENIZERS_PARALLELISM",
            "LANG",
        ] {
            assert!(!is_credential_name(n), "{n}");
        }
    }

    #[test]
    fn values_are_redacted_whole_and_short_ones_kept() {
        let s = Secrets::from_vars([
            ("OPENAI_API_KEY", "sk-test-1234567890"),
            ("GITHUB_TOKEN", "ghp_abcdefgh"),
            ("PATH", "/usr/bin:/bin"),
            ("DB_PASSWORD", "short"),
        ]);
        assert_eq!(
            s.redact("key=sk-test-1234567890 and ghp_abcdefgh, path /usr/bin:/bin, short"),
            "key=[redacted] and [redacted], path /usr/bin:/bin, short"
        );
        assert!(matches!(s.redact("nothing here"), Cow::Borrowed(_)));
        assert!(!format!("{s:?}").contains("sk-test"));
    }

    #[test]
    fn a_secret_split_across_chunks_is_caught() {
        let s = Secrets::from_values(["sk-test-1234567890".to_string()]);
        let mut r = s.stream();
        let mut out = String::new();
        for chunk in ["echo sk-te", "st-12345", "67890 done\nsk-", "x"] {
            out.push_str(&r.push(chunk));
        }
        out.push_str(&r.flush());
        assert_eq!(out, "echo [redacted] done\nsk-x");
        // Without secrets, chunks pass straight through.
        let mut plain = Secrets::default().stream();
        assert_eq!(plain.push("sk-te"), "sk-te");
    }

    #[test]
    fn held_back_text_is_released_at_a_char_boundary() {
        let s = Secrets::from_values(["ééééé-secret".to_string()]);
        let mut r = s.stream();
        let a = r.push("x é");
        assert_eq!(a, "x ");
        assert_eq!(r.push("a"), "éa");
        assert_eq!(r.flush(), "");
    }
}
