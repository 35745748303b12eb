//! The model catalog: context window, output limit, capabilities and prices of known models.
//! The embedded copy (assets/models.json) is parsed on first use; `load` refreshes it from a URL
//! with an on-disk cache.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use super::model_ref::{ModelRef, Provider};
use super::types::{Cost, Usage};

const EMBEDDED_JSON: &str = include_str!("../../assets/models.json");

/// Dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ModelCost {
    #[serde(default)]
    pub input: f64,
    #[serde(default)]
    pub output: f64,
    #[serde(default)]
    pub cache_read: f64,
    #[serde(default)]
    pub cache_write: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    pub provider: Provider,
    pub id: String,
    pub name: String,
    pub context_window: u64,
    pub max_output_tokens: u64,
    #[serde(default)]
    pub input_image: bool,
    #[serde(default)]
    pub reasoning: bool,
    #[serde(default = "yes")]
    pub tool_calls: bool,
    #[serde(default)]
    pub cost: ModelCost,
    /// Other ids of the same model (dated snapshots, dotted spellings).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// The wire API the model is served through (`openai-responses`, `openai-completions`);
    /// absent means its provider's usual one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<String>,
    /// The reasoning values the model takes, lowest first: OpenAI reasoning efforts (`none`,
    /// `minimal`, `low`, `medium`, `high`, `xhigh`) or Gemini 3 thinking levels. Empty when the
    /// model takes a token budget or does not reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasoning_efforts: Vec<String>,
}

fn yes() -> bool {
    true
}

impl ModelInfo {
    /// The price of `usage` with this model's rates.
    pub fn cost_of(&self, usage: &Usage) -> Cost {
        let per = |tokens: u64, rate: f64| tokens as f64 * rate / 1_000_000.0;
        let input = per(usage.input, self.cost.input);
        let output = per(usage.output, self.cost.output);
        let cache_read = per(usage.cache_read, self.cost.cache_read);
        let cache_write = per(usage.cache_write, self.cost.cache_write);
        Cost {
            input,
            output,
            cache_read,
            cache_write,
            total: input + output + cache_read + cache_write,
        }
    }

    pub fn model_ref(&self) -> ModelRef {
        ModelRef::new(self.provider, self.id.clone())
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Catalog {
    #[serde(default = "one")]
    pub version: u32,
    pub models: Vec<ModelInfo>,
}

fn one() -> u32 {
    1
}

/// Lower-case, `.` as `-`: `claude-sonnet-4.5` finds `claude-sonnet-4-5`.
fn normalize(id: &str) -> String {
    id.to_ascii_lowercase().replace('.', "-")
}

impl Catalog {
    /// The catalog built into the binary, parsed on first use.
    pub fn embedded() -> &'static Catalog {
        Catalog::embedded_shared()
    }

    /// The embedded catalog as a shared handle (no copy per request).
    pub(crate) fn embedded_shared() -> &'static Arc<Catalog> {
        static EMBEDDED: OnceLock<Arc<Catalog>> = OnceLock::new();
        EMBEDDED.get_or_init(|| match Catalog::parse(EMBEDDED_JSON) {
            Ok(c) => Arc::new(c),
            Err(e) => {
                tracing::error!("embedded model catalog is invalid: {e}");
                Arc::new(Catalog::default())
            }
        })
    }

    pub fn parse(json: &str) -> Result<Catalog, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// The entry of `model`. Aliased providers (openrouter, azure, ...) and ids with a vendor
    /// prefix (`openai/gpt-4o`) or a `:variant` suffix find the upstream model's entry.
    pub fn find(&self, model: &ModelRef) -> Option<&ModelInfo> {
        if let Some(m) = self
            .models
            .iter()
            .find(|m| m.provider == model.provider && m.id == model.id)
        {
            return Some(m);
        }
        let bare = model.id.rsplit('/').next().unwrap_or(&model.id);
        let bare = bare.split(':').next().unwrap_or(bare);
        let wanted = normalize(bare);
        let matches = |m: &&ModelInfo| {
            normalize(&m.id) == wanted || m.aliases.iter().any(|a| normalize(a) == wanted)
        };
        self.models
            .iter()
            .filter(|m| m.provider == model.provider)
            .find(matches)
            .or_else(|| self.models.iter().find(matches))
    }

    /// Models whose `provider/id name` contains every word of `query` (case-insensitive), exact
    /// and prefix id matches first. `limit` 0 means no limit.
    pub fn search(
        &self,
        query: &str,
        provider: Option<Provider>,
        tools_only: bool,
        limit: usize,
    ) -> Vec<&ModelInfo> {
        let q = query.trim().to_lowercase();
        let words: Vec<&str> = q.split_whitespace().collect();
        let mut hits: Vec<(u8, usize, &ModelInfo)> = self
            .models
            .iter()
            .enumerate()
            .filter(|(_, m)| provider.is_none_or(|p| m.provider == p))
            .filter(|(_, m)| !tools_only || m.tool_calls)
            .filter_map(|(i, m)| {
                let hay = format!("{}/{} {}", m.provider, m.id, m.name).to_lowercase();
                if !words.iter().all(|w| hay.contains(w)) {
                    return None;
                }
                let id = m.id.to_lowercase();
                let rank = if id == q {
                    0
                } else if !q.is_empty() && id.starts_with(&q) {
                    1
                } else {
                    2
                };
                Some((rank, i, m))
            })
            .collect();
        hits.sort_by_key(|(rank, i, _)| (*rank, *i));
        let limit = if limit == 0 { usize::MAX } else { limit };
        hits.into_iter().take(limit).map(|(_, _, m)| m).collect()
    }

    /// The cost of `usage` on `model`; zero for unknown models.
    pub fn cost_of(&self, model: &ModelRef, usage: &Usage) -> Cost {
        self.find(model)
            .map(|m| m.cost_of(usage))
            .unwrap_or_default()
    }

    /// Entries of `newer` replace those of `self` with the same provider and id; new ones are
    /// added.
    pub fn overlay(&self, newer: Catalog) -> Catalog {
        let mut models = self.models.clone();
        for m in newer.models {
            match models
                .iter_mut()
                .find(|o| o.provider == m.provider && o.id == m.id)
            {
                Some(old) => *old = m,
                None => models.push(m),
            }
        }
        Catalog {
            version: newer.version.max(self.version),
            models,
        }
    }

    /// The catalog from an already fetched body (`fetched`: `None` when no URL was given), the
    /// cache, or the embedded copy, with warnings for what was skipped. A good fetched body is
    /// written to the cache atomically.
    pub fn resolve(
        url: Option<&str>,
        fetched: Option<Result<String, String>>,
        cache: Option<&Path>,
    ) -> (Catalog, Vec<String>) {
        let embedded = Catalog::embedded();
        let mut warnings = Vec::new();
        if let (Some(url), Some(fetched)) = (url, fetched) {
            match fetched.and_then(|body| {
                Catalog::parse(&body)
                    .map(|c| (c, body))
                    .map_err(|e| format!("not a model catalog: {e}"))
            }) {
                Ok((catalog, body)) => {
                    if let Some(cache) = cache
                        && let Err(e) = crate::private_fs::write_atomic(cache, body.as_bytes(), None)
                    {
                        warnings.push(format!(
                            "could not write the model catalog cache {}: {e}",
                            cache.display()
                        ));
                    }
                    return (embedded.overlay(catalog), warnings);
                }
                Err(e) => warnings.push(format!(
                    "could not refresh the model catalog from {url}: {e}; using the cached or built-in catalog"
                )),
            }
        }
        if let Some(cache) = cache {
            match std::fs::read_to_string(cache) {
                Ok(text) => match Catalog::parse(&text) {
                    Ok(c) => return (embedded.overlay(c), warnings),
                    Err(e) => warnings.push(format!(
                        "the model catalog cache {} is corrupt ({e}); ignoring it and using the built-in catalog",
                        cache.display()
                    )),
                },
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => warnings.push(format!(
                    "could not read the model catalog cache {}: {e}; using the built-in catalog",
                    cache.display()
                )),
            }
        }
        (embedded.clone(), warnings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mref(s: &str) -> ModelRef {
        s.parse().unwrap()
    }

    #[test]
    fn embedded_parses_and_covers_three_providers() {
        let c = Catalog::embedded();
        for p in [Provider::OpenAi, Provider::Anthropic, Provider::Google] {
            assert!(
                c.models.iter().filter(|m| m.provider == p).count() >= 5,
                "{p}"
            );
        }
        for m in &c.models {
            assert!(m.context_window > 0 && m.max_output_tokens > 0, "{}", m.id);
        }
    }

    #[test]
    fn find_direct_aliased_and_prefixed() {
        let c = Catalog::embedded();
        assert_eq!(
            c.find(&mref("openai/gpt-4o-mini")).unwrap().id,
            "gpt-4o-mini"
        );
        assert_eq!(
            c.find(&mref("openrouter/openai/gpt-4o-mini")).unwrap().id,
            "gpt-4o-mini"
        );
        assert_eq!(
            c.find(&mref("openrouter/anthropic/claude-sonnet-4.5"))
                .unwrap()
                .id,
            "claude-sonnet-4-5"
        );
        assert_eq!(
            c.find(&mref("anthropic/claude-sonnet-4-20250514"))
                .unwrap()
                .id,
            "claude-sonnet-4-0"
        );
        assert_eq!(
            c.find(&mref("azure/gpt-4.1")).unwrap().provider,
            Provider::OpenAi
        );
        assert!(c.find(&mref("openai/llama3.2")).is_none());
    }

    #[test]
    fn cost_per_million() {
        let c = Catalog::embedded();
        let usage = Usage {
            input: 1_000_000,
            output: 500_000,
            cache_read: 2_000_000,
            ..Default::default()
        };
        let cost = c.cost_of(&mref("openai/gpt-4o"), &usage);
        assert!((cost.input - 2.5).abs() < 1e-9);
        assert!((cost.output - 5.0).abs() < 1e-9);
        assert!((cost.cache_read - 2.5).abs() < 1e-9);
        assert!((cost.total - 10.0).abs() < 1e-9);
        assert_eq!(c.cost_of(&mref("openai/unknown"), &usage), Cost::default());
    }

    #[test]
    fn search_filters_and_ranks() {
        let c = Catalog::embedded();
        let hits = c.search("gpt-4o", None, true, 0);
        assert_eq!(hits[0].id, "gpt-4o");
        assert!(hits.iter().any(|m| m.id == "gpt-4o-mini"));
        let g = c.search("flash", Some(Provider::Google), false, 2);
        assert_eq!(g.len(), 2);
        assert!(g.iter().all(|m| m.provider == Provider::Google));
        assert!(
            c.search("claude haiku", None, false, 0)
                .iter()
                .all(|m| m.id.contains("haiku"))
        );
        assert!(c.search("no-such-model", None, false, 0).is_empty());
    }

    #[test]
    fn resolve_fetch_cache_and_corrupt_cache() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("sub/models.json");
        let body = r#"{"version":2,"models":[{"provider":"openai","id":"gpt-9","name":"GPT-9","context_window":1,"max_output_tokens":1}]}"#;
        let (c, w) = Catalog::resolve(Some("http://x"), Some(Ok(body.into())), Some(&cache));
        assert!(w.is_empty(), "{w:?}");
        assert!(c.find(&mref("openai/gpt-9")).is_some());
        assert!(
            c.find(&mref("openai/gpt-4o")).is_some(),
            "embedded entries kept"
        );
        assert_eq!(std::fs::read_to_string(&cache).unwrap(), body);

        // Offline: the cache is used.
        let (c, w) = Catalog::resolve(Some("http://x"), Some(Err("offline".into())), Some(&cache));
        assert_eq!(w.len(), 1);
        assert!(c.find(&mref("openai/gpt-9")).is_some());

        // Corrupt cache: a warning, the embedded catalog.
        std::fs::write(&cache, "{not json").unwrap();
        let (c, w) = Catalog::resolve(None, None, Some(&cache));
        assert!(w[0].contains("corrupt"), "{w:?}");
        assert_eq!(&c, Catalog::embedded());

        // A bad fetched body is not cached.
        let (_, w) = Catalog::resolve(Some("http://x"), Some(Ok("<html>".into())), Some(&cache));
        assert!(w[0].contains("not a model catalog"));
        assert_eq!(std::fs::read_to_string(&cache).unwrap(), "{not json");
    }
}
