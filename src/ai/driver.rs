//! One request as a stream of events: sends it, decodes the response, retries retryable
//! failures before any output, then moves on to the fallback models.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::{FutureExt, Stream, StreamExt};
use tokio_util::sync::CancellationToken;

use super::adapter::{self, Decoder};
use super::catalog::Catalog;
use super::convert::error_message_from_body;
use super::error::AiError;
use super::event::{ClientOptions, CompletionRequest, StreamEvent};
use super::http::describe;
use super::model_ref::{ModelRef, Provider, WireFormat};
use super::retry::{RetryLimit, RetryState, parse_retry_after, random_unit};
use super::route;
use super::sse::SseParser;
use super::types::now_ms;
use super::wire::{self, Refusals};

type ByteStream = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

/// The events of one response, with retries and fallbacks inside.
pub type AssistantStream = Pin<Box<dyn Stream<Item = Result<StreamEvent, AiError>> + Send>>;

/// What a request takes from its client, owned, so the stream outlives the borrow.
#[derive(Clone)]
pub struct Context {
    pub http: reqwest::Client,
    pub opts: ClientOptions,
    pub catalog: Arc<Catalog>,
    pub keys: Arc<route::ApiKeys>,
    /// Base URLs set in code, by provider (below `--api-base`, above the environment).
    pub bases: Arc<route::ApiKeys>,
    pub retry_initial_delay_ms: u64,
    /// What the Responses API refused so far (shared by the client's requests).
    pub refusals: Arc<Refusals>,
}

pub struct Driver {
    ctx: Context,
    req: CompletionRequest,
    cancel: CancellationToken,
    /// The primary model, then the fallbacks.
    models: Vec<ModelRef>,
    current: usize,
    retry: RetryState,
    phase: Phase,
    pending: VecDeque<Result<StreamEvent, AiError>>,
    content_seen: bool,
}

fn new_retry(ctx: &Context) -> RetryState {
    RetryState::new(
        ctx.opts.max_retries,
        ctx.opts.retry_budget_ms,
        ctx.retry_initial_delay_ms,
        ctx.opts.retry_jitter,
    )
}

enum Phase {
    Connect { delay_ms: u64 },
    Streaming(Box<Active>),
    Finished,
}

/// Cancellation and the request timeout around one await.
struct Guard {
    cancel: CancellationToken,
    timeout: Option<Duration>,
    timeout_error: AiError,
}

impl Guard {
    /// Awaits `fut` unless the request is cancelled or the timeout passes first.
    async fn run<T>(&self, fut: impl Future<Output = T>) -> Result<T, AiError> {
        let limited = async {
            match self.timeout {
                Some(t) => tokio::time::timeout(t, fut)
                    .await
                    .map_err(|_| self.timeout_error.clone()),
                None => Ok(fut.await),
            }
        };
        tokio::select! {
            _ = self.cancel.cancelled() => Err(AiError::Cancelled),
            r = limited => r,
        }
    }
}

struct Active {
    body: ByteStream,
    sse: SseParser,
    decoder: Decoder,
}

enum Opened {
    Stream(Box<Active>),
    Whole(Vec<StreamEvent>),
}

impl Driver {
    pub fn new(
        ctx: Context,
        req: CompletionRequest,
        cancel: CancellationToken,
        models: Vec<ModelRef>,
    ) -> Self {
        let retry = new_retry(&ctx);
        Driver {
            ctx,
            req,
            cancel,
            models,
            current: 0,
            retry,
            phase: Phase::Connect { delay_ms: 0 },
            pending: VecDeque::new(),
            content_seen: false,
        }
    }

    pub fn into_stream(self) -> AssistantStream {
        Box::pin(futures::stream::unfold(self, |mut d| async move {
            d.next_item().await.map(|item| (item, d))
        }))
    }

    fn model(&self) -> &ModelRef {
        &self.models[self.current.min(self.models.len() - 1)]
    }

    /// The wire format `model` is spoken to in.
    fn wire(&self, model: &ModelRef) -> WireFormat {
        wire::resolve(
            model,
            self.ctx.catalog.find(model),
            self.ctx.opts.openai_api,
        )
    }

    /// `--api-base` belongs to the provider of the primary model.
    fn api_base_for(&self, model: &ModelRef) -> Option<&str> {
        let primary: Option<Provider> = self.models.first().map(|m| m.provider);
        self.ctx
            .opts
            .api_base
            .as_deref()
            .filter(|_| primary == Some(model.provider))
            .or_else(|| self.ctx.bases.get(&model.provider).map(String::as_str))
    }

    async fn next_item(&mut self) -> Option<Result<StreamEvent, AiError>> {
        loop {
            if let Some(item) = self.pending.pop_front() {
                return Some(item);
            }
            match std::mem::replace(&mut self.phase, Phase::Finished) {
                Phase::Finished => return None,
                Phase::Connect { delay_ms } => {
                    if delay_ms > 0 {
                        let sleep = tokio::time::sleep(Duration::from_millis(delay_ms));
                        tokio::select! {
                            _ = self.cancel.cancelled() => {
                                self.fail(AiError::Cancelled);
                                continue;
                            }
                            _ = sleep => {}
                        }
                    }
                    if self.cancel.is_cancelled() {
                        self.fail(AiError::Cancelled);
                        continue;
                    }
                    match self.open().await {
                        Ok(Opened::Stream(active)) => self.phase = Phase::Streaming(active),
                        Ok(Opened::Whole(events)) => {
                            for e in events {
                                self.emit(e);
                            }
                        }
                        Err(e) => self.on_failure(e),
                    }
                }
                Phase::Streaming(mut active) => match self.read(&mut active).await {
                    Ok(()) if active.decoder.is_done() => {}
                    Ok(()) => self.phase = Phase::Streaming(active),
                    Err(e) => self.on_failure(e),
                },
            }
        }
    }

    /// Queues an event; usage gets its price from the catalog.
    fn emit(&mut self, mut event: StreamEvent) {
        if event.is_content() {
            self.content_seen = true;
        }
        if let StreamEvent::Usage { usage } = &mut event {
            usage.cost = self.ctx.catalog.cost_of(self.model(), usage);
        }
        self.pending.push_back(Ok(event));
    }

    fn fail(&mut self, e: AiError) {
        self.pending.push_back(Err(e));
        self.phase = Phase::Finished;
    }

    /// The values of the current model's base URL query (`--api-base http://h/v1?key=...`).
    fn base_secrets(&self) -> Vec<String> {
        let model = self.model();
        route::base_url(model.provider, self.api_base_for(model))
            .map(|b| route::query_values(&b))
            .unwrap_or_default()
    }

    /// Retry, fall back, or give up.
    fn on_failure(&mut self, e: AiError) {
        // Every message below may quote the request URL; its query values never show.
        let e = e.redacted(&self.base_secrets());
        if let Some(message) = self.refused(&e) {
            self.pending.push_back(Ok(StreamEvent::Notice { message }));
            self.phase = Phase::Connect { delay_ms: 0 };
            return;
        }
        if self.content_seen || !e.is_retryable() || self.cancel.is_cancelled() {
            let e = if self.cancel.is_cancelled() {
                AiError::Cancelled
            } else {
                e
            };
            return self.fail(e);
        }
        let unit = if self.ctx.opts.retry_jitter {
            random_unit()
        } else {
            0.0
        };
        let limit = match self.retry.next_delay(e.retry_after_ms(), unit) {
            Ok(delay_ms) => {
                tracing::warn!(model = %self.model(), delay_ms, "retrying: {e}");
                self.pending.push_back(Ok(StreamEvent::Retry {
                    attempt: self.retry.attempts,
                    max_retries: self.retry.max_retries,
                    delay_ms,
                    reason: e.short_reason(),
                    model: self.model().to_string(),
                }));
                self.phase = Phase::Connect { delay_ms };
                return;
            }
            Err(limit) => limit,
        };
        // Retries turned off (`--provider-max-retries 0`) leave the error as it is.
        let last = if limit == (RetryLimit::Count { max: 0 }) {
            e
        } else {
            AiError::RetriesExhausted {
                retries: self.retry.attempts,
                limit,
                last: Box::new(e),
            }
        };
        let from = self.model().clone();
        while self.current + 1 < self.models.len() {
            self.current += 1;
            let next = self.model().clone();
            let usable = route::api_key(next.provider, &self.ctx.keys)
                .and_then(|_| route::base_url(next.provider, self.api_base_for(&next)));
            if let Err(why) = usable {
                tracing::warn!(model = %next, "skipping fallback model: {why}");
                continue;
            }
            tracing::warn!(from = %from, to = %next, "falling back: {last}");
            self.pending.push_back(Ok(StreamEvent::Fallback {
                from: from.to_string(),
                to: next.to_string(),
                reason: last.short_reason(),
                api: self.wire(&next).api_name().to_string(),
            }));
            self.retry = new_retry(&self.ctx);
            self.phase = Phase::Connect { delay_ms: 0 };
            return;
        }
        self.fail(last);
    }

    /// A Responses request the service refused for an option it will not take (reasoning
    /// summaries, kept reasoning): learnt once, with a note; the request goes again without it.
    fn refused(&self, e: &AiError) -> Option<String> {
        let AiError::Http {
            status: 400,
            message,
            ..
        } = e
        else {
            return None;
        };
        if self.content_seen
            || self.cancel.is_cancelled()
            || self.wire(self.model()) != WireFormat::OpenAiResponses
        {
            return None;
        }
        self.ctx.refusals.learn(message)
    }

    fn timeout(&self) -> Option<Duration> {
        (self.ctx.opts.request_timeout_ms > 0)
            .then(|| Duration::from_millis(self.ctx.opts.request_timeout_ms))
    }

    fn timeout_error(&self) -> AiError {
        AiError::Timeout {
            provider: self.model().provider.to_string(),
            timeout_ms: self.ctx.opts.request_timeout_ms,
        }
    }

    fn connection_error(&self, e: &reqwest::Error) -> AiError {
        if e.is_timeout() {
            return self.timeout_error();
        }
        AiError::Connection {
            provider: self.model().provider.to_string(),
            message: describe(e),
        }
    }

    fn guard(&self) -> Guard {
        Guard {
            cancel: self.cancel.clone(),
            timeout: self.timeout(),
            timeout_error: self.timeout_error(),
        }
    }

    async fn open(&mut self) -> Result<Opened, AiError> {
        let model = self.model().clone();
        let guard = self.guard();
        let key = route::api_key(model.provider, &self.ctx.keys)?;
        let base = route::base_url(model.provider, self.api_base_for(&model))?;
        let info = self.ctx.catalog.find(&model);
        let wire = wire::resolve(&model, info, self.ctx.opts.openai_api);
        let ep = route::endpoint(
            wire,
            &model,
            &base,
            self.ctx.opts.azure_api_version.as_deref(),
            self.req.stream,
            &key,
        );
        let mut body = adapter::body(
            wire,
            &model,
            &self.req,
            info,
            self.ctx.refusals.options(self.ctx.opts.reasoning_summary),
        );
        // Azure's Responses API lives at the resource: the deployment goes in the body.
        if wire == WireFormat::OpenAiResponses
            && model.provider == Provider::Azure
            && let Some(deployment) = route::azure_deployment(&base)
        {
            body["model"] = serde_json::Value::from(deployment);
        }
        tracing::debug!(url = %route::redact(&ep.url, &[]), model = %model, "sending request");
        let mut rb = self.ctx.http.post(&ep.url).json(&body);
        for (name, value) in &ep.headers {
            rb = rb.header(*name, value);
        }
        let resp = guard
            .run(rb.send())
            .await?
            .map_err(|e| self.connection_error(&e))?;
        let status = resp.status();
        if !status.is_success() {
            let header = |name: &str| {
                resp.headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            let retry_after_ms = parse_retry_after(
                header("retry-after").as_deref(),
                header("retry-after-ms").as_deref(),
                now_ms(),
            );
            let text = guard.run(resp.text()).await.ok().and_then(Result::ok);
            let mut message = error_message_from_body(text.as_deref().unwrap_or_default());
            if message.is_empty() {
                message = status
                    .canonical_reason()
                    .unwrap_or("no details")
                    .to_string();
            }
            return Err(AiError::Http {
                provider: model.provider.to_string(),
                status: status.as_u16(),
                message,
                retry_after_ms,
            });
        }
        // Some compatible servers answer a streaming request with one JSON document.
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|ct| ct.to_ascii_lowercase());
        let json_answer = content_type
            .as_deref()
            .is_some_and(|ct| ct.contains("json"));
        if let Some(ct) = content_type.as_deref().filter(|ct| !answer_type(ct)) {
            return Err(AiError::MalformedResponse {
                provider: model.provider.to_string(),
                message: format!(
                    "the reply has content type '{ct}', not an event stream or JSON (is the API base URL a web page or a proxy?)"
                ),
            });
        }
        if !self.req.stream || json_answer {
            let text = guard
                .run(resp.text())
                .await?
                .map_err(|e| self.connection_error(&e))?;
            return adapter::decode_response(wire, &model, &text).map(Opened::Whole);
        }
        Ok(Opened::Stream(Box::new(Active {
            body: Box::pin(resp.bytes_stream()),
            sse: SseParser::new(),
            decoder: Decoder::new(wire, &model),
        })))
    }

    /// Reads one chunk, and the chunks that are already there after it (up to a bound, so a
    /// fast stream does not cost one wake-up per chunk), and queues their events.
    async fn read(&mut self, active: &mut Active) -> Result<(), AiError> {
        const READY_CHUNKS: usize = 64;
        let guard = self.guard();
        let mut chunk = guard.run(active.body.next()).await?;
        let mut out = Vec::new();
        let mut result;
        let mut ready = 0;
        loop {
            let ended = chunk.is_none();
            result = self.feed(active, chunk, &mut out);
            ready += 1;
            if ended || result.is_err() || active.decoder.is_done() || ready == READY_CHUNKS {
                break;
            }
            match active.body.next().now_or_never() {
                Some(next) => chunk = next,
                None => break,
            }
        }
        for e in out {
            self.emit(e);
        }
        result
    }

    /// Decodes one chunk of the body (`None`: the body ended).
    fn feed(
        &self,
        active: &mut Active,
        chunk: Option<reqwest::Result<Bytes>>,
        out: &mut Vec<StreamEvent>,
    ) -> Result<(), AiError> {
        match chunk {
            Some(Ok(bytes)) => active
                .sse
                .push(&bytes)
                .iter()
                .try_for_each(|ev| active.decoder.on_data(&ev.data, out)),
            Some(Err(e)) => Err(self.connection_error(&e)),
            None => {
                let last = active.sse.finish();
                last.iter()
                    .try_for_each(|ev| active.decoder.on_data(&ev.data, out))
                    .and_then(|()| active.decoder.on_eof(out))
            }
        }
    }
}

/// Whether a reply's content type can hold a model's answer: SSE, JSON (or NDJSON), or a
/// plain-text type some compatible servers put on their event streams.
fn answer_type(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    essence.is_empty()
        || essence.contains("json")
        || essence == "text/event-stream"
        || essence == "text/plain"
        || essence == "application/octet-stream"
}
