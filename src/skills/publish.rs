//! Publishing a signed registry (docs/skills.md, "Publishing a signed registry"): making a key
//! pair (`--skill-keygen`) and signing a `registry.json` in place with one key
//! (`--skill-sign-registry`): the sha256 and signature of every entry that key signs, the
//! certification of every key it certifies, and `registry.json.sig` over the final bytes.
//!
//! The manifest is edited as JSON, so fields pi does not know survive a signing run; it is
//! written back pretty-printed with the contract's field order (unknown fields after, sorted).

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Component, Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::Digest as _;

use super::manifest::{self, FORMAT_VERSION};
use super::signing;
use super::verify::ManifestSig;
use crate::private_fs::write_atomic;

/// The format name inside a private key file.
pub const KEY_FILE_FORMAT: &str = "rust-pi ed25519 private key v1";

/// A private key file: the 32-byte Ed25519 seed and, to catch a damaged file, its public key.
#[derive(Debug, Serialize, Deserialize)]
struct KeyFile {
    format: String,
    private_key: String,
    public_key: String,
}

/// A publishing step that failed: one line naming the file and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct PublishError {
    pub path: String,
    pub reason: String,
}

fn error(path: &Path, reason: impl Into<String>) -> PublishError {
    PublishError {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

/// 32 bytes from the operating system's random source: three v4 UUIDs (122 random bits each,
/// from `getrandom`) hashed together.
fn random_seed() -> [u8; 32] {
    let mut hasher = sha2::Sha256::new();
    for _ in 0..3 {
        hasher.update(uuid::Uuid::new_v4().as_bytes());
    }
    hasher.finalize().into()
}

/// Makes a new key pair, writes the private key to `path` (mode 0600, never over an existing
/// file) and returns the public key in base64.
pub fn keygen(path: &Path) -> Result<String, PublishError> {
    if path.exists() {
        return Err(error(
            path,
            "already exists; a key file is never overwritten",
        ));
    }
    let key = SigningKey::from_bytes(&random_seed());
    let public_key = signing::encode_public_key(&key.verifying_key());
    let file = KeyFile {
        format: KEY_FILE_FORMAT.into(),
        private_key: BASE64.encode(key.as_bytes()),
        public_key: public_key.clone(),
    };
    let mut bytes = serde_json::to_vec_pretty(&file)
        .map_err(|e| error(path, format!("cannot serialize the key: {e}")))?;
    bytes.push(b'\n');
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let write = || -> std::io::Result<()> {
        crate::private_fs::create_dir_all(dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        std::io::Write::write_all(&mut tmp, &bytes)?;
        tmp.as_file().sync_all()?;
        // No-clobber rename: a file created meanwhile is not replaced.
        tmp.persist_noclobber(path).map_err(|e| e.error)?;
        Ok(())
    };
    write().map_err(|e| error(path, format!("cannot write the key: {e}")))?;
    Ok(public_key)
}

/// Reads a private key file made by [`keygen`].
pub fn load_signing_key(path: &Path) -> Result<SigningKey, PublishError> {
    let bytes = std::fs::read(path).map_err(|e| error(path, format!("cannot read it: {e}")))?;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            "private key {} can be read by others (mode {:o})",
            path.display(),
            meta.permissions().mode() & 0o777
        );
    }
    let file: KeyFile = manifest::from_json(&bytes).map_err(|e| {
        error(
            path,
            format!("is not a private key file from --skill-keygen ({e})"),
        )
    })?;
    if file.format != KEY_FILE_FORMAT {
        return Err(error(
            path,
            format!("has format {:?}, not {KEY_FILE_FORMAT:?}", file.format),
        ));
    }
    let seed: [u8; 32] = BASE64
        .decode(&file.private_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| error(path, "private_key is not base64 of 32 bytes"))?;
    let key = SigningKey::from_bytes(&seed);
    if signing::encode_public_key(&key.verifying_key()) != file.public_key {
        return Err(error(
            path,
            "public_key does not match private_key: the file is damaged",
        ));
    }
    Ok(key)
}

/// What a signing run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignReport {
    /// `name version` of every entry signed.
    pub skills_signed: Vec<String>,
    /// Ids of the keys certified.
    pub keys_certified: Vec<String>,
    /// Entries another key must still sign (or hash): run again with that key.
    pub pending: Vec<String>,
    /// The detached manifest signature written.
    pub sig_path: PathBuf,
}

impl SignReport {
    /// One line for the terminal.
    pub fn summary(&self, key_id: &str) -> String {
        let mut line = format!(
            "signed with {key_id}: {} skill(s), {} key(s) certified, manifest signature {}",
            self.skills_signed.len(),
            self.keys_certified.len(),
            self.sig_path.display()
        );
        if !self.pending.is_empty() {
            line.push_str(&format!(
                "; still to sign with their keys: {}",
                self.pending.join(", ")
            ));
        }
        line
    }
}

/// The fields a signing run reads, type-checked (errors name the JSON path and line).
#[derive(Deserialize)]
struct Draft {
    version: u64,
    #[serde(default)]
    keys: Vec<DraftKey>,
    #[serde(default)]
    skills: Vec<DraftSkill>,
}

#[derive(Deserialize)]
struct DraftKey {
    id: String,
    public_key: String,
    #[serde(default)]
    signed_by: Option<String>,
    #[serde(default)]
    expires_unix: Option<i64>,
}

#[derive(Deserialize)]
struct DraftSkill {
    name: String,
    version: String,
    url: String,
    #[serde(default)]
    sha256: Option<String>,
    #[serde(default)]
    signing_key: Option<String>,
    #[serde(default)]
    signature: Option<String>,
}

/// Signs `manifest_path` in place with the key in `key_path` under `key_id`, then writes
/// `<manifest>.sig`. Local artifacts are read relative to the manifest's directory; a remote
/// (absolute URL) artifact must already carry its sha256. Nothing is written on an error.
pub fn sign_registry(
    manifest_path: &Path,
    key_path: &Path,
    key_id: &str,
) -> Result<SignReport, PublishError> {
    manifest::check_key_id(key_id).map_err(|r| error(key_path, r))?;
    let key = load_signing_key(key_path)?;
    let public_key = signing::encode_public_key(&key.verifying_key());
    let at = |reason: String| error(manifest_path, reason);
    let bytes = std::fs::read(manifest_path).map_err(|e| at(format!("cannot read it: {e}")))?;
    let draft: Draft = manifest::from_json(&bytes).map_err(|e| at(e.to_string()))?;
    if draft.version != FORMAT_VERSION {
        return Err(at(format!(
            "version {} is not supported (version {FORMAT_VERSION} is)",
            draft.version
        )));
    }
    let mut doc: Value = serde_json::from_slice(&bytes).map_err(|e| at(e.to_string()))?;
    if let Some(listed) = draft.keys.iter().find(|k| k.id == key_id)
        && listed.public_key != public_key
    {
        return Err(at(format!(
            "key {key_id} is listed with public key {}, but {} holds {public_key}",
            listed.public_key,
            key_path.display()
        )));
    }
    let base = manifest_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut report = SignReport {
        skills_signed: Vec::new(),
        keys_certified: Vec::new(),
        pending: Vec::new(),
        sig_path: sig_path_of(manifest_path),
    };
    let mut complete = true;
    for (i, s) in draft.skills.iter().enumerate() {
        let label = format!("{} {}", s.name, s.version);
        let mine = s.signing_key.as_deref() == Some(key_id);
        let sha256 = match (&s.sha256, local_artifact(base, &s.url)) {
            (_, Some(Ok(file))) if mine || s.sha256.is_none() => {
                let content = std::fs::read(&file).map_err(|e| {
                    at(format!(
                        "{label}: cannot read its artifact {}: {e}",
                        file.display()
                    ))
                })?;
                signing::sha256_hex(&content)
            }
            (_, Some(Err(reason))) if mine || s.sha256.is_none() => {
                return Err(at(format!("skills[{i}] ({label}): {reason}")));
            }
            (Some(sha), _) => sha.to_ascii_lowercase(),
            (None, None) if mine => {
                return Err(at(format!(
                    "skills[{i}] ({label}): a remote artifact needs its sha256 in the manifest"
                )));
            }
            (None, _) => {
                report.pending.push(label);
                complete = false;
                continue;
            }
        };
        if !manifest::is_sha256_hex(&sha256) {
            return Err(at(format!(
                "skills[{i}] ({label}): sha256 must be 64 hex digits"
            )));
        }
        let entry = entry_mut(&mut doc, "skills", i)
            .ok_or_else(|| at(format!("skills[{i}] is not an object")))?;
        entry.insert("sha256".into(), Value::String(sha256.clone()));
        if !mine && s.signing_key.is_some() && s.signature.is_none() {
            report.pending.push(label.clone());
        }
        if mine {
            let msg = signing::skill_message(&s.name, &s.version, &s.url, &sha256);
            entry.insert("signature".into(), Value::String(signing::sign(&key, &msg)));
            report.skills_signed.push(label);
        }
    }
    for (i, k) in draft.keys.iter().enumerate() {
        if k.signed_by.as_deref() == Some(key_id) {
            let msg = signing::key_message(&k.id, &k.public_key, k.expires_unix);
            let entry = entry_mut(&mut doc, "keys", i)
                .ok_or_else(|| at(format!("keys[{i}] is not an object")))?;
            entry.insert("signature".into(), Value::String(signing::sign(&key, &msg)));
            report.keys_certified.push(k.id.clone());
        }
    }
    let mut out = serde_json::to_vec_pretty(&Ordered::top(&doc))
        .map_err(|e| at(format!("cannot serialize it: {e}")))?;
    out.push(b'\n');
    if complete {
        // Every entry hashed: the result must be a manifest pi accepts.
        manifest::parse(&out).map_err(|e| at(e.to_string()))?;
    }
    let sig = ManifestSig {
        key: key_id.into(),
        signature: signing::sign(&key, &signing::manifest_message(&out)),
    };
    let mut sig_bytes =
        serde_json::to_vec_pretty(&sig).map_err(|e| at(format!("cannot serialize: {e}")))?;
    sig_bytes.push(b'\n');
    // Registry files are published: they keep the manifest's mode, not the private 0600.
    let mode = std::fs::metadata(manifest_path)
        .map(|m| m.permissions().mode() & 0o777)
        .ok();
    write_atomic(manifest_path, &out, mode).map_err(|e| at(format!("cannot write it: {e}")))?;
    write_atomic(&report.sig_path, &sig_bytes, mode)
        .map_err(|e| error(&report.sig_path, format!("cannot write it: {e}")))?;
    Ok(report)
}

/// The object at `doc[list][i]`.
fn entry_mut<'d>(doc: &'d mut Value, list: &str, i: usize) -> Option<&'d mut Map<String, Value>> {
    doc.get_mut(list)?.get_mut(i)?.as_object_mut()
}

/// `registry.json` -> `registry.json.sig`.
pub fn sig_path_of(manifest_path: &Path) -> PathBuf {
    let mut name = manifest_path.as_os_str().to_owned();
    name.push(".sig");
    PathBuf::from(name)
}

/// The local file of a relative artifact URL: `None` for an absolute URL (remote), an error for
/// a path that could leave the registry folder or that is not a plain relative path.
fn local_artifact(base: &Path, url: &str) -> Option<Result<PathBuf, String>> {
    if reqwest::Url::parse(url).is_ok() {
        return None;
    }
    let refuse = |why: &str| Some(Err(format!("the artifact url {url:?} {why}")));
    if url.starts_with('/') || url.starts_with('\\') {
        return refuse("is an absolute path; give a path relative to the manifest");
    }
    if url.contains(['?', '#', '%', '\\']) {
        return refuse("has '?', '#', '%' or '\\'; use a plain relative path");
    }
    let rel = Path::new(url);
    if rel
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return refuse("has '..': the artifact must be inside the registry folder");
    }
    Some(Ok(base.join(rel)))
}

/// Field order of the written manifest: the contract's, then unknown fields sorted.
const TOP_ORDER: &[&str] = &["version", "keys", "skills"];
const KEY_ORDER: &[&str] = &[
    "id",
    "public_key",
    "signed_by",
    "signature",
    "revoked",
    "expires_unix",
];
const SKILL_ORDER: &[&str] = &[
    "name",
    "version",
    "url",
    "sha256",
    "description",
    "signing_key",
    "signature",
    "revoked",
    "expires_unix",
];

/// A JSON object serialized with a chosen key order.
struct Ordered<'a> {
    map: &'a Map<String, Value>,
    order: &'static [&'static str],
}

impl<'a> Ordered<'a> {
    fn top(doc: &'a Value) -> OrderedValue<'a> {
        OrderedValue(doc, TOP_ORDER)
    }
}

/// A value whose objects use `order`; the manifest's `keys` and `skills` arrays use theirs.
struct OrderedValue<'a>(&'a Value, &'static [&'static str]);

impl Serialize for OrderedValue<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(map) => Ordered { map, order: self.1 }.serialize(s),
            other => other.serialize(s),
        }
    }
}

impl Serialize for Ordered<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut out = s.serialize_map(Some(self.map.len()))?;
        let known = self.order.iter().filter_map(|k| self.map.get_key_value(*k));
        let unknown = self
            .map
            .iter()
            .filter(|(k, _)| !self.order.contains(&k.as_str()));
        for (k, v) in known.chain(unknown) {
            let inner = match (self.order == TOP_ORDER, k.as_str()) {
                (true, "keys") => KEY_ORDER,
                (true, "skills") => SKILL_ORDER,
                _ => &[],
            };
            match v {
                Value::Array(items) if !inner.is_empty() => {
                    let items: Vec<OrderedValue<'_>> =
                        items.iter().map(|i| OrderedValue(i, inner)).collect();
                    out.serialize_entry(k, &items)?;
                }
                _ => out.serialize_entry(k, v)?,
            }
        }
        out.end()
    }
}

#[cfg(test)]
#[path = "publish_tests.rs"]
mod tests;
