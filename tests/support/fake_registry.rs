//! A skill registry on 127.0.0.1 for the skills tests: static files (manifest, .sig,
//! artifacts) served with real HTTP behaviour (ETag and `If-None-Match` -> 304, 404 for a
//! missing file, `Content-Length`, bodies streamed in small chunks), injected faults (drop the
//! connection after N bytes, a status such as 500 or 429 with `Retry-After` before the real
//! answer) and a log of every request. Also the helpers that make what it serves: keys, signed
//! manifests, `.tar.gz` and `.zip` archives with any entry, even malicious ones.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use ed25519_dalek::SigningKey;
use pi_coding_agent::skills::signing;
use serde_json::{Value, json};
use sha2::Digest;

/// Something a request for a path gets instead of (or before) the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Sends the headers (with the full `Content-Length`) and `n` body bytes, then drops the
    /// connection.
    DropAfter(usize),
    /// Answers with this status and no body.
    Status(u16),
    /// Answers 429 with `Retry-After: secs`.
    TooMany { retry_after: u64 },
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Logged {
    pub path: String,
    pub if_none_match: Option<String>,
    pub status: u16,
}

#[derive(Default)]
struct Shared {
    files: Mutex<HashMap<String, Vec<u8>>>,
    once: Mutex<HashMap<String, VecDeque<Fault>>>,
    always: Mutex<HashMap<String, Fault>>,
    log: Mutex<Vec<Logged>>,
    chunk: usize,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The running server; it stops with the test process.
pub struct FakeRegistry {
    shared: Arc<Shared>,
    base: String,
}

impl FakeRegistry {
    /// Starts a server on its own thread and runtime (the tests run `pi` synchronously).
    pub fn start() -> FakeRegistry {
        let shared = Arc::new(Shared {
            chunk: 16 * 1024,
            ..Shared::default()
        });
        let state = shared.clone();
        let base = super::serve_loopback(|_| axum::Router::new().fallback(serve).with_state(state));
        FakeRegistry {
            shared,
            base: format!("{base}/"),
        }
    }

    /// `http://127.0.0.1:PORT/`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Serves `bytes` at `path` (replacing what was there).
    pub fn put(&self, path: &str, bytes: impl Into<Vec<u8>>) {
        lock(&self.shared.files).insert(path.to_string(), bytes.into());
    }

    /// Stops serving `path` (it becomes a 404).
    pub fn remove(&self, path: &str) {
        lock(&self.shared.files).remove(path);
    }

    /// The next request for `path` gets `fault` (faults queue up, one per request).
    pub fn fault_once(&self, path: &str, fault: Fault) {
        lock(&self.shared.once)
            .entry(path.to_string())
            .or_default()
            .push_back(fault);
    }

    /// Every request for `path` gets `fault` (after any queued ones).
    pub fn fault_always(&self, path: &str, fault: Fault) {
        lock(&self.shared.always).insert(path.to_string(), fault);
    }

    /// The requests so far.
    pub fn log(&self) -> Vec<Logged> {
        lock(&self.shared.log).clone()
    }

    /// The requests so far for `path`.
    pub fn requests_for(&self, path: &str) -> Vec<Logged> {
        self.log().into_iter().filter(|l| l.path == path).collect()
    }
}

fn etag_of(bytes: &[u8]) -> String {
    let digest = sha2::Sha256::digest(bytes);
    format!("\"{}\"", signing::to_hex(&digest[..8]))
}

async fn serve(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let path = request.uri().path().trim_start_matches('/').to_string();
    let if_none_match = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let fault = lock(&shared.once)
        .get_mut(&path)
        .and_then(VecDeque::pop_front)
        .or_else(|| lock(&shared.always).get(&path).cloned());
    let file = lock(&shared.files).get(&path).cloned();
    let response = respond(&shared, file, fault, if_none_match.as_deref());
    lock(&shared.log).push(Logged {
        path,
        if_none_match,
        status: response.status().as_u16(),
    });
    response
}

fn respond(
    shared: &Shared,
    file: Option<Vec<u8>>,
    fault: Option<Fault>,
    if_none_match: Option<&str>,
) -> Response {
    let status_only = |code: u16| {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::from_u16(code).unwrap();
        r
    };
    match fault {
        Some(Fault::Status(code)) => return status_only(code),
        Some(Fault::TooMany { retry_after }) => {
            let mut r = status_only(429);
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            return r;
        }
        _ => {}
    }
    let Some(bytes) = file else {
        return status_only(404);
    };
    let etag = etag_of(&bytes);
    if fault.is_none() && if_none_match == Some(etag.as_str()) {
        let mut r = status_only(304);
        r.headers_mut()
            .insert(header::ETAG, HeaderValue::from_str(&etag).unwrap());
        return r;
    }
    let len = bytes.len();
    let limit = match fault {
        Some(Fault::DropAfter(n)) => n.min(len),
        _ => len,
    };
    let mut chunks: Vec<Result<Bytes, std::io::Error>> = bytes[..limit]
        .chunks(shared.chunk.max(1))
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    if limit < len {
        chunks.push(Err(std::io::Error::other("connection dropped by the test")));
    }
    let mut r = Response::new(Body::from_stream(futures::stream::iter(chunks)));
    let headers = r.headers_mut();
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    headers.insert(header::ETAG, HeaderValue::from_str(&etag).unwrap());
    r
}

/// A key pair made at test time (seeded by a counter and the test's name, so each differs).
pub fn test_key(seed: &str) -> SigningKey {
    let random = uuid::Uuid::new_v4();
    let digest = sha2::Sha256::digest(format!("{seed}{random}").as_bytes());
    SigningKey::from_bytes(&digest.into())
}

/// The public half of `key`, base64 as the manifest and trust roots write it.
pub fn public_b64(key: &SigningKey) -> String {
    signing::encode_public_key(&key.verifying_key())
}

/// The sha256 of `bytes`, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    signing::sha256_hex(bytes)
}

/// A manifest being written by a test: keys and skills as JSON, signed with real keys.
#[derive(Default)]
pub struct ManifestBuilder {
    keys: Vec<Value>,
    skills: Vec<Value>,
}

impl ManifestBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Lists a key, certified by `by` (id and key) when given; `expires_unix` is signed.
    pub fn key(
        mut self,
        id: &str,
        key: &SigningKey,
        by: Option<(&str, &SigningKey)>,
        expires_unix: Option<i64>,
    ) -> Self {
        let public = public_b64(key);
        let (signed_by, signature) = match by {
            Some((by_id, by_key)) => (
                json!(by_id),
                json!(signing::sign(
                    by_key,
                    &signing::key_message(id, &public, expires_unix)
                )),
            ),
            None => (Value::Null, Value::Null),
        };
        self.keys.push(
            json!({"id": id, "public_key": public, "signed_by": signed_by,
            "signature": signature, "revoked": false, "expires_unix": expires_unix}),
        );
        self
    }

    /// Lists a skill version whose artifact is `bytes` at `url`, signed by `by` (or unsigned).
    pub fn skill(
        mut self,
        name: &str,
        version: &str,
        url: &str,
        bytes: &[u8],
        by: Option<(&str, &SigningKey)>,
    ) -> Self {
        let sha = sha256_hex(bytes);
        let (key, signature) = match by {
            Some((id, k)) => (
                json!(id),
                json!(signing::sign(
                    k,
                    &signing::skill_message(name, version, url, &sha)
                )),
            ),
            None => (Value::Null, Value::Null),
        };
        self.skills.push(
            json!({"name": name, "version": version, "url": url, "sha256": sha,
            "signing_key": key, "signature": signature, "revoked": false, "expires_unix": null}),
        );
        self
    }

    /// Changes the last key or skill entry (`revoked`, `expires_unix`, ...) after signing.
    pub fn edit_last_skill(mut self, field: &str, value: Value) -> Self {
        if let Some(s) = self.skills.last_mut() {
            s[field] = value;
        }
        self
    }

    /// Changes the last key entry after signing.
    pub fn edit_last_key(mut self, field: &str, value: Value) -> Self {
        if let Some(k) = self.keys.last_mut() {
            k[field] = value;
        }
        self
    }

    /// The manifest's bytes.
    pub fn bytes(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(&json!({"version": 1, "keys": self.keys, "skills": self.skills}))
            .unwrap()
    }
}

/// `registry.json.sig` for `manifest`, made by key `id`.
pub fn manifest_sig(manifest: &[u8], id: &str, key: &SigningKey) -> Vec<u8> {
    let sig = signing::sign(key, &signing::manifest_message(manifest));
    serde_json::to_vec(&json!({"key": id, "signature": sig})).unwrap()
}

/// What a test archive entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    File,
    Dir,
    Symlink,
    HardLink,
    Fifo,
}

/// A `.tar.gz` of `(path, kind, data)` entries with paths written raw (so `../x` and `/x` get
/// in); links point at `../../outside`.
pub fn tar_gz(entries: &[(&str, Entry, &[u8])]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut b = tar::Builder::new(gz);
    for (name, kind, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name.as_bytes());
        h.set_entry_type(match kind {
            Entry::File => tar::EntryType::Regular,
            Entry::Dir => tar::EntryType::Directory,
            Entry::Symlink => tar::EntryType::Symlink,
            Entry::HardLink => tar::EntryType::Link,
            Entry::Fifo => tar::EntryType::Fifo,
        });
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        if matches!(kind, Entry::Symlink | Entry::HardLink) {
            h.set_link_name("../../outside").unwrap();
        }
        h.set_cksum();
        b.append(&h, *data).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

/// A `.tar.gz` with one file of `size` zero bytes (a few KB compressed).
pub fn tar_gz_zeros(name: &str, size: u64) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut b = tar::Builder::new(gz);
    let mut h = tar::Header::new_gnu();
    h.set_path("SKILL.md").unwrap();
    h.set_size(3);
    h.set_mode(0o644);
    h.set_cksum();
    b.append(&h, &b"hi\n"[..]).unwrap();
    let mut h = tar::Header::new_gnu();
    h.set_path(name).unwrap();
    h.set_size(size);
    h.set_mode(0o644);
    h.set_cksum();
    b.append(&h, std::io::Read::take(std::io::repeat(0), size))
        .unwrap();
    b.into_inner().unwrap().finish().unwrap()
}

/// A `.zip` of `(path, data)` files (deflated); names ending in `/` are folders.
pub fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        if name.ends_with('/') {
            w.add_directory(*name, options).unwrap();
        } else {
            w.start_file(*name, options).unwrap();
            w.write_all(data).unwrap();
        }
    }
    w.finish().unwrap().into_inner()
}
