//! One received webhook payload, from the ingest command or the HTTP receiver: the signature
//! checked (when a secret is set), the replay record consulted, then the payload queued as an
//! immediate event. A refused payload writes nothing but the replay record's own upkeep.

use std::path::PathBuf;
use std::time::Duration;

use super::ingest::{DEFAULT_MAX_PROMPT_BYTES, Ingest, Ingested, ingest};
use super::webhook::{Algorithm, ReplayGuard, replay_window_secs, verify};
use crate::modes::bridge::store::ConversationKey;

/// The replay record's name in the events dir (hidden: the scan skips it).
pub const REPLAY_FILE: &str = ".webhook-replay.json";
/// Largest payload accepted, in bytes.
pub const MAX_PAYLOAD_BYTES: u64 = 10 * 1024 * 1024;

/// How payloads are checked and where they go.
#[derive(Clone)]
pub struct Receiver {
    pub events_dir: PathBuf,
    pub prompt_prefix: String,
    /// The shared secret; `None` accepts unsigned payloads (the ingest command only).
    pub secret: Option<Vec<u8>>,
    pub algorithm: Algorithm,
    pub max_skew_secs: u64,
    pub debounce_window: Duration,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        f.debug_struct("Receiver")
            .field("events_dir", &self.events_dir)
            .field("algorithm", &self.algorithm)
            .field("signed", &self.secret.is_some())
            .finish_non_exhaustive()
    }
}

/// One delivery.
#[derive(Debug, Clone, Default)]
pub struct Delivery<'a> {
    pub payload: &'a [u8],
    pub signature: Option<&'a str>,
    pub timestamp: Option<&'a str>,
    pub debounce_key: Option<String>,
}

/// What became of a delivery: queued, or refused with the reason (and warnings to log).
#[derive(Debug)]
pub struct Outcome {
    pub result: Result<Ingested, String>,
    pub warnings: Vec<String>,
}

impl Receiver {
    /// Checks `delivery` and queues it for `channel` at `now_ms`.
    pub fn receive(
        &self,
        channel: ConversationKey,
        delivery: &Delivery<'_>,
        now_ms: i64,
    ) -> Outcome {
        let mut warnings = Vec::new();
        let result = self.check(delivery, now_ms, &mut warnings).and_then(|()| {
            let cfg = Ingest {
                events_dir: self.events_dir.clone(),
                channel,
                prompt_prefix: self.prompt_prefix.clone(),
                debounce: delivery
                    .debounce_key
                    .clone()
                    .map(|k| (k, self.debounce_window)),
                max_prompt_bytes: DEFAULT_MAX_PROMPT_BYTES,
            };
            ingest(&cfg, delivery.payload, now_ms)
        });
        Outcome { result, warnings }
    }

    fn check(
        &self,
        d: &Delivery<'_>,
        now_ms: i64,
        warnings: &mut Vec<String>,
    ) -> Result<(), String> {
        if d.payload.len() as u64 > MAX_PAYLOAD_BYTES {
            return Err(format!(
                "payload is over {MAX_PAYLOAD_BYTES} bytes (10 MiB)"
            ));
        }
        let Some(secret) = &self.secret else {
            return Ok(());
        };
        let Some(signature) = d.signature else {
            return Err(format!(
                "a secret is set and the delivery has no signature (the {} header)",
                self.algorithm.signature_header()
            ));
        };
        let now_secs = now_ms.div_euclid(1000);
        let verified = verify(
            self.algorithm,
            secret,
            signature,
            d.payload,
            d.timestamp,
            now_secs,
            self.max_skew_secs,
        )
        .map_err(|e| e.to_string())?;
        let mut guard = ReplayGuard::open(&self.events_dir.join(REPLAY_FILE))
            .map_err(|e| format!("replay record unusable: {e}"))?;
        let checked = guard.check_and_record(
            &verified,
            now_secs,
            replay_window_secs(self.algorithm, self.max_skew_secs),
        );
        warnings.extend(guard.take_warnings());
        checked.map_err(|e| e.to_string())
    }
}
