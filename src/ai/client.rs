//! `AiClient`: checks models, starts streams, and runs whole completions.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use super::builder::MessageBuilder;
use super::catalog::Catalog;
use super::driver::{AssistantStream, Context, Driver};
use super::error::AiError;
use super::event::{ClientOptions, CompletionRequest, StreamEvent};
use super::http::{self, describe, install_crypto_provider};
use super::model_ref::{ModelRef, Provider, WireFormat};
use super::route;
use super::types::AssistantMessage;
use super::wire::{self, Refusals};

/// The first backoff delay; it doubles each retry (capped at 30 s).
pub const DEFAULT_RETRY_INITIAL_DELAY_MS: u64 = 1_000;

/// Talks to model providers. Cheap to create: the HTTP client and the catalog load on first use.
#[derive(Debug, Clone)]
pub struct AiClient {
    opts: ClientOptions,
    catalog: Option<Arc<Catalog>>,
    retry_initial_delay_ms: u64,
    keys: Arc<route::ApiKeys>,
    bases: Arc<route::ApiKeys>,
    refusals: Arc<Refusals>,
}

impl AiClient {
    pub fn new(opts: ClientOptions) -> Result<AiClient, AiError> {
        install_crypto_provider();
        if let Some(base) = opts.api_base.as_deref().filter(|b| !b.trim().is_empty()) {
            route::validate_base(base.trim())?;
        }
        Ok(AiClient {
            opts,
            catalog: None,
            retry_initial_delay_ms: DEFAULT_RETRY_INITIAL_DELAY_MS,
            keys: Arc::default(),
            bases: Arc::default(),
            refusals: Arc::default(),
        })
    }

    pub fn options(&self) -> &ClientOptions {
        &self.opts
    }

    /// Sets the first backoff delay (tests use a few milliseconds).
    pub fn set_retry_initial_delay_ms(&mut self, ms: u64) {
        self.retry_initial_delay_ms = ms;
    }

    /// Uses `key` for `provider` instead of its environment variable.
    pub fn set_api_key(&mut self, provider: Provider, key: impl Into<String>) {
        Arc::make_mut(&mut self.keys).insert(provider, key.into());
    }

    /// Sends requests for `provider` to `base` (below `--api-base` for the primary model's
    /// provider, above the base-URL variables).
    pub fn set_base_url(&mut self, provider: Provider, base: impl Into<String>) {
        Arc::make_mut(&mut self.bases).insert(provider, base.into());
    }

    /// Uses `catalog` for model limits and prices instead of the embedded one.
    pub fn set_catalog(&mut self, catalog: Catalog) {
        self.catalog = Some(Arc::new(catalog));
    }

    /// The catalog in use (the embedded one unless another was set or refreshed).
    pub fn catalog(&self) -> &Catalog {
        match &self.catalog {
            Some(c) => c,
            None => Catalog::embedded(),
        }
    }

    fn catalog_arc(&self) -> Arc<Catalog> {
        match &self.catalog {
            Some(c) => c.clone(),
            None => Catalog::embedded_shared().clone(),
        }
    }

    /// Refreshes the catalog from `url` (cached in `cache`), falling back to the cache and then
    /// to the embedded catalog; returns warnings for the user.
    pub async fn refresh_catalog(
        &mut self,
        url: Option<&str>,
        cache: Option<&Path>,
    ) -> Vec<String> {
        let (catalog, warnings) = Catalog::load(url, cache, self).await;
        self.set_catalog(catalog);
        warnings
    }

    /// The wire format `model` is spoken to in (its provider's, or the Responses API by the
    /// catalog or `--openai-api`).
    pub fn wire_format(&self, model: &ModelRef) -> WireFormat {
        wire::resolve(model, self.catalog().find(model), self.opts.openai_api)
    }

    /// A builder for the answer of `model` (its `api` set to the wire format it is spoken to in).
    pub fn message_builder(&self, model: &ModelRef) -> MessageBuilder {
        MessageBuilder::with_wire(model, self.wire_format(model))
    }

    /// Checks that `model` can be used: its API key is set and, for Azure, a base URL is given.
    pub fn check_model(&self, model: &ModelRef) -> Result<(), AiError> {
        route::api_key(model.provider, &self.keys)?;
        let api_base = self
            .opts
            .api_base
            .as_deref()
            .or_else(|| self.bases.get(&model.provider).map(String::as_str));
        if model.provider == Provider::Azure && api_base.is_none_or(|b| b.trim().is_empty()) {
            return Err(AiError::MissingAzureBase);
        }
        route::base_url(model.provider, api_base)?;
        Ok(())
    }

    /// Starts a request. The stream yields events until `Done` or one error; retries and
    /// fallbacks (`Retry` / `Fallback` events) happen inside.
    pub fn stream(
        &self,
        model: &ModelRef,
        req: &CompletionRequest,
        cancel: &CancellationToken,
    ) -> Result<AssistantStream, AiError> {
        self.check_model(model)?;
        let mut models = vec![model.clone()];
        models.extend(
            self.opts
                .fallback_models
                .iter()
                .filter(|m| *m != model)
                .cloned(),
        );
        let ctx = Context {
            http: http::client()?,
            opts: self.opts.clone(),
            catalog: self.catalog_arc(),
            keys: self.keys.clone(),
            bases: self.bases.clone(),
            retry_initial_delay_ms: self.retry_initial_delay_ms,
            refusals: self.refusals.clone(),
        };
        Ok(Driver::new(ctx, req.clone(), cancel.clone(), models).into_stream())
    }

    /// Runs a request to the end and returns the assistant message, calling `on_event` for
    /// every event on the way.
    pub async fn complete(
        &self,
        model: &ModelRef,
        req: &CompletionRequest,
        cancel: &CancellationToken,
        mut on_event: impl FnMut(&StreamEvent),
    ) -> Result<AssistantMessage, AiError> {
        let mut stream = self.stream(model, req, cancel)?;
        let mut builder = self.message_builder(model);
        while let Some(item) = stream.next().await {
            let event = item?;
            builder.push(&event);
            on_event(&event);
        }
        if !builder.is_done() {
            return Err(AiError::Cancelled);
        }
        Ok(builder.finish())
    }

    /// GETs `url` as text (for the catalog refresh), within `timeout`.
    pub async fn fetch_text(&self, url: &str, timeout: Duration) -> Result<String, String> {
        let http = http::client().map_err(|e| e.to_string())?;
        let fetch = async {
            let resp = http.get(url).send().await.map_err(|e| describe(&e))?;
            let status = resp.status();
            if !status.is_success() {
                return Err(format!("HTTP {status}"));
            }
            resp.text().await.map_err(|e| describe(&e))
        };
        tokio::time::timeout(timeout, fetch)
            .await
            .map_err(|_| format!("no answer within {} ms", timeout.as_millis()))?
    }
}

impl Catalog {
    /// The catalog refreshed from `url` (written to `cache`), or the cache when the URL cannot be
    /// fetched, or the embedded catalog; with warnings for what was skipped.
    pub async fn load(
        url: Option<&str>,
        cache: Option<&Path>,
        client: &AiClient,
    ) -> (Catalog, Vec<String>) {
        let fetched = match url {
            Some(u) => {
                let ms = match client.opts.request_timeout_ms {
                    0 => 30_000,
                    ms => ms,
                };
                Some(client.fetch_text(u, Duration::from_millis(ms)).await)
            }
            None => None,
        };
        Catalog::resolve(url, fetched, cache)
    }
}
