//! The registry manifest, `registry.json` (format version 1, see docs/skills.md): its types, a
//! strict parse (types checked, every error one line with the JSON path and position), the
//! checks a manifest must pass before anything in it is used, and artifact URL resolution.
//! Unknown fields are ignored, so a registry may carry more than pi reads.

use serde::{Deserialize, Serialize};

/// The one manifest format version this pi reads.
pub const FORMAT_VERSION: u64 = 1;

/// Longest skill name or key id accepted, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// A parsed, checked `registry.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT_VERSION`].
    pub version: u64,
    /// Keys the registry uses: roots it expects users to trust, and keys those certify.
    #[serde(default)]
    pub keys: Vec<ManifestKey>,
    /// Every published (name, version) of every skill.
    #[serde(default)]
    pub skills: Vec<ManifestSkill>,
}

/// A key listed in the manifest. Being listed does not make a key trusted: it must be a trust
/// root, or be certified (`signed_by` + `signature`) by a trusted key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestKey {
    pub id: String,
    /// Ed25519 public key, base64 (standard alphabet, padded) of 32 bytes.
    pub public_key: String,
    /// The id of the key that certifies this one, if any.
    #[serde(default)]
    pub signed_by: Option<String>,
    /// The certifying key's signature over [`crate::skills::signing::key_message`].
    #[serde(default)]
    pub signature: Option<String>,
    #[serde(default)]
    pub revoked: bool,
    /// Unix seconds after which the key is no longer trusted.
    #[serde(default)]
    pub expires_unix: Option<i64>,
}

/// One published version of a skill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestSkill {
    pub name: String,
    pub version: String,
    /// The artifact (`.md`, `.tar.gz`, `.tgz` or `.zip`), absolute or relative to the
    /// manifest's URL; signed as written.
    pub url: String,
    /// The artifact's sha256, 64 hex digits.
    pub sha256: String,
    /// Optional text shown by searches; not signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The id of the key that signed this entry; `None` (with no signature) is unsigned.
    #[serde(default)]
    pub signing_key: Option<String>,
    /// Signature over [`crate::skills::signing::skill_message`], base64 of 64 bytes.
    #[serde(default)]
    pub signature: Option<String>,
    #[serde(default)]
    pub revoked: bool,
    /// Unix seconds after which the entry is refused.
    #[serde(default)]
    pub expires_unix: Option<i64>,
}

impl ManifestSkill {
    /// `name version`, as refusals and lists name an entry.
    pub fn label(&self) -> String {
        format!("{} {}", self.name, self.version)
    }

    /// The sha256 in lower-case hex, as the skill signature covers it.
    pub fn sha256_lower(&self) -> String {
        self.sha256.to_ascii_lowercase()
    }
}

impl Manifest {
    /// The key listed under `id`.
    pub fn key(&self, id: &str) -> Option<&ManifestKey> {
        self.keys.iter().find(|k| k.id == id)
    }

    /// Every entry named `name`, newest version first (see [`compare_versions`]).
    pub fn versions_of(&self, name: &str) -> Vec<&ManifestSkill> {
        let mut found: Vec<&ManifestSkill> =
            self.skills.iter().filter(|s| s.name == name).collect();
        found.sort_by(|a, b| compare_versions(&b.version, &a.version));
        found
    }
}

/// Why a manifest was refused: one line naming where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// Not JSON, or a field of the wrong type (`detail` carries serde's line and column).
    #[error("registry manifest: {path}: {detail}")]
    Syntax { path: String, detail: String },
    #[error(
        "registry manifest: version {0} is not supported (this pi reads version {FORMAT_VERSION})"
    )]
    Version(String),
    /// Well-formed, but a value is not allowed.
    #[error("registry manifest: {path}: {reason}")]
    Invalid { path: String, reason: String },
}

/// Parses and checks `registry.json` bytes. Never panics; every error is one line.
pub fn parse(bytes: &[u8]) -> Result<Manifest, ManifestError> {
    check_version(bytes)?;
    let manifest: Manifest = from_json(bytes)?;
    validate(&manifest)?;
    Ok(manifest)
}

/// Deserializes JSON, reporting the JSON path of a failure along with serde's message (which
/// holds the line and column).
pub fn from_json<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, ManifestError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(syntax_error)?;
    de.end().map_err(|e| ManifestError::Syntax {
        path: "(document)".into(),
        detail: e.to_string(),
    })?;
    Ok(value)
}

fn syntax_error(e: serde_path_to_error::Error<serde_json::Error>) -> ManifestError {
    let path = e.path().to_string();
    ManifestError::Syntax {
        path: if path == "." {
            "(document)".into()
        } else {
            path
        },
        detail: e.into_inner().to_string(),
    }
}

/// Refuses another format version before its fields are read, so the error says "version",
/// not a confusing type error about a field version 1 does not have.
fn check_version(bytes: &[u8]) -> Result<(), ManifestError> {
    #[derive(Deserialize)]
    struct Probe {
        version: serde_json::Value,
    }
    let probe: Probe = from_json(bytes)?;
    match probe.version.as_u64() {
        Some(FORMAT_VERSION) => Ok(()),
        _ => Err(ManifestError::Version(probe.version.to_string())),
    }
}

fn invalid(path: String, reason: impl Into<String>) -> ManifestError {
    ManifestError::Invalid {
        path,
        reason: reason.into(),
    }
}

/// The checks of a parsed manifest: safe names, versions, ids and hashes; no duplicates.
pub fn validate(m: &Manifest) -> Result<(), ManifestError> {
    let mut ids = std::collections::HashSet::new();
    for (i, key) in m.keys.iter().enumerate() {
        let at = |field: &str| format!("keys[{i}].{field}");
        check_key_id(&key.id).map_err(|r| invalid(at("id"), r))?;
        if !ids.insert(key.id.as_str()) {
            return Err(invalid(
                at("id"),
                format!("key id {} is listed twice", key.id),
            ));
        }
        if let Some(by) = &key.signed_by {
            check_key_id(by).map_err(|r| invalid(at("signed_by"), r))?;
        }
    }
    let mut entries = std::collections::HashSet::new();
    for (i, s) in m.skills.iter().enumerate() {
        let at = |field: &str| format!("skills[{i}].{field}");
        check_skill_name(&s.name).map_err(|r| invalid(at("name"), r))?;
        check_version_text(&s.version)
            .map_err(|r| invalid(at("version"), format!("{}: {r}", s.name)))?;
        if !entries.insert((s.name.as_str(), s.version.as_str())) {
            return Err(invalid(
                at("version"),
                format!("{} is listed twice", s.label()),
            ));
        }
        if s.url.is_empty() || s.url.chars().any(char::is_control) {
            return Err(invalid(
                at("url"),
                format!("{}: the url is empty or has control characters", s.label()),
            ));
        }
        if !is_sha256_hex(&s.sha256) {
            return Err(invalid(
                at("sha256"),
                format!("{}: sha256 must be 64 hex digits", s.label()),
            ));
        }
        if let Some(k) = &s.signing_key {
            check_key_id(k)
                .map_err(|r| invalid(at("signing_key"), format!("{}: {r}", s.label())))?;
        }
    }
    Ok(())
}

/// Whether `text` is 64 hex digits (either case).
pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A skill name must be usable as a file or directory name on its own.
pub fn check_skill_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the name is empty".into());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!(
            "the name is longer than {MAX_NAME_CHARS} characters"
        ));
    }
    if name.starts_with('.') {
        return Err(format!("the name {name:?} starts with '.'"));
    }
    if name.contains("..") || name.contains('/') || name.contains('\\') {
        return Err(format!(
            "the name {name:?} has '/', '\\' or '..': it must be a plain file name"
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(format!("the name {name:?} has control characters"));
    }
    Ok(())
}

fn check_version_text(version: &str) -> Result<(), String> {
    if version.is_empty() {
        return Err("the version is empty".into());
    }
    if version.chars().count() > MAX_NAME_CHARS
        || version.contains('/')
        || version.contains('\\')
        || version.chars().any(char::is_control)
    {
        return Err(format!(
            "the version {version:?} is too long or has '/', '\\' or control characters"
        ));
    }
    Ok(())
}

/// A key id: non-empty, at most [`MAX_NAME_CHARS`], no white space or control characters, and
/// no `=` or `:` (they separate the parts of `ID=KEY` and `OLD:NEW=KEY`).
pub fn check_key_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("the key id is empty".into());
    }
    if id.chars().count() > MAX_NAME_CHARS {
        return Err(format!(
            "the key id is longer than {MAX_NAME_CHARS} characters"
        ));
    }
    if id
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '=' || c == ':')
    {
        return Err(format!(
            "the key id {id:?} has white space, control characters, '=' or ':'"
        ));
    }
    Ok(())
}

/// Why an artifact URL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("the registry URL {url} is not valid: {reason}")]
    Base { url: String, reason: String },
    #[error("the artifact URL {url} is not valid relative to {base}: {reason}")]
    Join {
        base: String,
        url: String,
        reason: String,
    },
    #[error("the artifact URL {url} resolves to {resolved}: only http and https are allowed")]
    Scheme { url: String, resolved: String },
}

/// Resolves a skill's `url` against the manifest's URL (an absolute `url` stands alone). Only
/// `http` and `https` results are allowed, so a manifest cannot point at `file:` paths.
pub fn resolve_url(manifest_url: &str, url: &str) -> Result<String, UrlError> {
    let base = reqwest::Url::parse(manifest_url).map_err(|e| UrlError::Base {
        url: manifest_url.into(),
        reason: e.to_string(),
    })?;
    let joined = base.join(url).map_err(|e| UrlError::Join {
        base: manifest_url.into(),
        url: url.into(),
        reason: e.to_string(),
    })?;
    match joined.scheme() {
        "http" | "https" => Ok(joined.into()),
        _ => Err(UrlError::Scheme {
            url: url.into(),
            resolved: joined.into(),
        }),
    }
}

/// Orders two version strings: dot, dash and plus separated parts compared numerically when
/// both are numbers, as text otherwise; a release sorts after its pre-release
/// (`1.2.0` > `1.2.0-rc1`).
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (a_main, a_pre) = a.split_once('-').map_or((a, None), |(m, p)| (m, Some(p)));
    let (b_main, b_pre) = b.split_once('-').map_or((b, None), |(m, p)| (m, Some(p)));
    let by_parts = compare_parts(a_main, b_main);
    if by_parts != Ordering::Equal {
        return by_parts;
    }
    match (a_pre, b_pre) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => compare_parts(x, y),
    }
}

fn compare_parts(a: &str, b: &str) -> std::cmp::Ordering {
    let split =
        |s: &'_ str| -> Vec<String> { s.split(['.', '+', '-']).map(str::to_owned).collect() };
    let (xs, ys) = (split(a), split(b));
    for (x, y) in xs.iter().zip(&ys) {
        let order = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(p), Ok(q)) => p.cmp(&q),
            _ => x.cmp(y),
        };
        if order != std::cmp::Ordering::Equal {
            return order;
        }
    }
    xs.len().cmp(&ys.len())
}

#[cfg(test)]
#[path = "manifest_tests.rs"]
mod tests;
