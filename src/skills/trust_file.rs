//! The trust root file (`--skill-trust-root-file`, default `<config>/pi/skill-trust.json`):
//! the keys the user trusts, with revocations and rotations kept as a record. Every change
//! replaces the file atomically (temp file in the same directory, fsync, rename; mode 0600,
//! directory 0700), so a crash leaves the old file or the new one, never half of one.
//!
//! Choices: a revoked entry stays in the file and its id is not reused (`add` refuses it, so
//! the record of what was revoked when stays true); a key once revoked cannot be added back
//! under another id; adding an id that is already trusted with the same key changes nothing.

use std::path::Path;

use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};

use super::manifest;
use super::signing;

/// The trust file format version.
pub const TRUST_FILE_VERSION: u64 = 1;

/// The trust root file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustFile {
    pub version: u64,
    #[serde(default)]
    pub keys: Vec<TrustFileKey>,
}

impl Default for TrustFile {
    fn default() -> Self {
        Self {
            version: TRUST_FILE_VERSION,
            keys: Vec::new(),
        }
    }
}

/// One key of the trust file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustFileKey {
    pub id: String,
    /// Ed25519 public key, base64 of 32 bytes.
    pub public_key: String,
    pub added_unix: i64,
    #[serde(default)]
    pub revoked: bool,
    #[serde(default)]
    pub revoked_unix: Option<i64>,
    /// The id this key replaced (`--skill-trust-rotate`).
    #[serde(default)]
    pub rotated_from: Option<String>,
}

/// A trust file that cannot be read, or a change that is refused: one line naming the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("trust root file {path}: {reason}")]
pub struct TrustFileError {
    pub path: String,
    pub reason: String,
}

fn error(path: &Path, reason: impl Into<String>) -> TrustFileError {
    TrustFileError {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

/// Reads the trust file; a missing file is an empty one.
pub fn load(path: &Path) -> Result<TrustFile, TrustFileError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(TrustFile::default()),
        Err(e) => return Err(error(path, format!("cannot read it: {e}"))),
    };
    let file: TrustFile = manifest::from_json(&bytes).map_err(|e| match e {
        manifest::ManifestError::Syntax { path: at, detail } => {
            error(path, format!("is not valid: {at}: {detail}"))
        }
        other => error(path, other.to_string()),
    })?;
    validate(&file).map_err(|r| error(path, r))?;
    Ok(file)
}

fn validate(file: &TrustFile) -> Result<(), String> {
    if file.version != TRUST_FILE_VERSION {
        return Err(format!(
            "version {} is not supported (this pi reads version {TRUST_FILE_VERSION})",
            file.version
        ));
    }
    let mut ids = std::collections::HashSet::new();
    for (i, k) in file.keys.iter().enumerate() {
        manifest::check_key_id(&k.id).map_err(|r| format!("keys[{i}].id: {r}"))?;
        signing::decode_public_key(&k.public_key)
            .map_err(|e| format!("keys[{i}] ({}): {e}", k.id))?;
        if !ids.insert(k.id.as_str()) {
            return Err(format!("keys[{i}]: id {} is listed twice", k.id));
        }
    }
    Ok(())
}

/// Parses the `ID=KEY` form of `--skill-trust-root` and `--skill-trust-add`.
pub fn parse_id_key(text: &str) -> Result<(String, VerifyingKey), String> {
    let Some((id, key)) = text.trim().split_once('=') else {
        return Err(format!(
            "{text:?} is not ID=KEY (a key id, '=', a base64 Ed25519 public key)"
        ));
    };
    let id = id.trim();
    manifest::check_key_id(id).map_err(|r| format!("{text:?}: {r}"))?;
    let key = signing::decode_public_key(key.trim()).map_err(|e| format!("key {id}: {e}"))?;
    Ok((id.to_owned(), key))
}

/// Parses the `OLD:NEW=KEY` form of `--skill-trust-rotate`.
pub fn parse_rotation(text: &str) -> Result<(String, String, VerifyingKey), String> {
    let form = || {
        format!(
            "{text:?} is not OLD:NEW=KEY (the old id, ':', the new id, '=', the new base64 key)"
        )
    };
    let (old, rest) = text.trim().split_once(':').ok_or_else(form)?;
    if !rest.contains('=') {
        return Err(form());
    }
    let old = old.trim();
    manifest::check_key_id(old).map_err(|r| format!("{text:?}: the old id: {r}"))?;
    let (new, key) = parse_id_key(rest)?;
    Ok((old.to_owned(), new, key))
}

impl TrustFile {
    /// The entry of this id.
    pub fn get(&self, id: &str) -> Option<&TrustFileKey> {
        self.keys.iter().find(|k| k.id == id)
    }

    /// Adds `id` as a trusted key. Returns false when it was already there with this key.
    pub fn add(&mut self, id: &str, key: &VerifyingKey, now_unix: i64) -> Result<bool, String> {
        self.add_entry(id, key, now_unix, None)
    }

    fn add_entry(
        &mut self,
        id: &str,
        key: &VerifyingKey,
        now_unix: i64,
        rotated_from: Option<&str>,
    ) -> Result<bool, String> {
        manifest::check_key_id(id)?;
        let encoded = signing::encode_public_key(key);
        if let Some(existing) = self.get(id) {
            return match (existing.revoked, existing.public_key == encoded) {
                (false, true) => Ok(false),
                (false, false) => Err(format!(
                    "key {id} is already trusted with another public key; use --skill-trust-rotate {id}:NEW_ID=KEY to replace it"
                )),
                (true, _) => Err(format!(
                    "key {id} was revoked; a revoked id is not reused, add the key under a new id"
                )),
            };
        }
        if let Some(old) = self
            .keys
            .iter()
            .find(|k| k.revoked && k.public_key == encoded)
        {
            return Err(format!(
                "this public key was revoked (as {}); it cannot be trusted again",
                old.id
            ));
        }
        self.keys.push(TrustFileKey {
            id: id.into(),
            public_key: encoded,
            added_unix: now_unix,
            revoked: false,
            revoked_unix: None,
            rotated_from: rotated_from.map(str::to_owned),
        });
        Ok(true)
    }

    /// Marks `id` revoked (kept in the file). Returns false when it already was.
    pub fn revoke(&mut self, id: &str, now_unix: i64) -> Result<bool, String> {
        let Some(entry) = self.keys.iter_mut().find(|k| k.id == id) else {
            return Err(format!("there is no key {id} to revoke"));
        };
        if entry.revoked {
            return Ok(false);
        }
        entry.revoked = true;
        entry.revoked_unix = Some(now_unix);
        Ok(true)
    }

    /// Revokes `old` and adds `new` with `rotated_from: old`. Nothing changes on an error.
    pub fn rotate(
        &mut self,
        old: &str,
        new: &str,
        key: &VerifyingKey,
        now_unix: i64,
    ) -> Result<(), String> {
        let Some(old_entry) = self.get(old) else {
            return Err(format!("there is no key {old} to rotate"));
        };
        if old_entry.public_key == signing::encode_public_key(key) {
            return Err(format!("the new key {new} is the same public key as {old}"));
        }
        if self.get(new).is_some() {
            return Err(format!("key {new} is already in the file; pick a new id"));
        }
        let mut next = self.clone();
        next.revoke(old, now_unix)?;
        next.add_entry(new, key, now_unix, Some(old))?;
        *self = next;
        Ok(())
    }

    /// Writes the file atomically (pretty JSON, mode 0600, directory 0700).
    pub fn save(&self, path: &Path) -> Result<(), TrustFileError> {
        let mut bytes = serde_json::to_vec_pretty(self)
            .map_err(|e| error(path, format!("cannot serialize it: {e}")))?;
        bytes.push(b'\n');
        crate::private_fs::write_atomic(path, &bytes, None)
            .map_err(|e| error(path, format!("cannot write it: {e}")))
    }
}

/// Loads the file at `path`, applies `change`, and saves it; nothing is written on an error.
pub fn update<R>(
    path: &Path,
    change: impl FnOnce(&mut TrustFile) -> Result<R, String>,
) -> Result<R, TrustFileError> {
    let mut file = load(path)?;
    let result = change(&mut file).map_err(|r| error(path, r))?;
    file.save(path)?;
    Ok(result)
}

/// A change asked for by a flag or command, in its text form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustChange {
    /// `ID=KEY` (`--skill-trust-add`, `/skills-trust-add`).
    Add(String),
    /// `ID` (`--skill-trust-revoke`, `/skills-trust-revoke`).
    Revoke(String),
    /// `OLD:NEW=KEY` (`--skill-trust-rotate`, `/skills-trust-rotate`).
    Rotate(String),
}

/// Applies a flag's or command's change to the trust file at `path` (atomically) and returns
/// one line saying what was done. Nothing is written on an error.
pub fn apply(path: &Path, change: &TrustChange, now_unix: i64) -> Result<String, TrustFileError> {
    let form = |r: String| error(path, r);
    match change {
        TrustChange::Add(text) => {
            let (id, key) = parse_id_key(text).map_err(form)?;
            let added = update(path, |f| f.add(&id, &key, now_unix))?;
            let key = signing::encode_public_key(&key);
            Ok(if added {
                format!("trusted {id} ({key}) in {}", path.display())
            } else {
                format!("{id} ({key}) was already trusted in {}", path.display())
            })
        }
        TrustChange::Revoke(id) => {
            let id = id.trim();
            let revoked = update(path, |f| f.revoke(id, now_unix))?;
            Ok(if revoked {
                format!("revoked {id} in {}", path.display())
            } else {
                format!("{id} was already revoked in {}", path.display())
            })
        }
        TrustChange::Rotate(text) => {
            let (old, new, key) = parse_rotation(text).map_err(form)?;
            update(path, |f| f.rotate(&old, &new, &key, now_unix))?;
            Ok(format!(
                "revoked {old}, trusted {new} ({}) in {}",
                signing::encode_public_key(&key),
                path.display()
            ))
        }
    }
}

impl TrustFileKey {
    /// One line for lists: id, key, dates, revocation and rotation.
    pub fn describe(&self) -> String {
        let mut line = format!(
            "{} {} added {}",
            self.id,
            self.public_key,
            super::trust::format_unix(self.added_unix)
        );
        if let Some(old) = &self.rotated_from {
            line.push_str(&format!(", rotated from {old}"));
        }
        if self.revoked {
            let when = self
                .revoked_unix
                .map(|t| format!(" {}", super::trust::format_unix(t)))
                .unwrap_or_default();
            line.push_str(&format!(", REVOKED{when}"));
        }
        line
    }
}

#[cfg(test)]
#[path = "trust_file_tests.rs"]
mod tests;
