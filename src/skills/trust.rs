//! Trust: which keys of a registry manifest are trusted (a trust root, or certified by a
//! trusted key through a chain of any length), the verdict on each skill entry, the manifest's
//! detached signature (`registry.json.sig`), and the `--require-signed-skills` policy.
//! Every refusal is one line naming the skill, the key and the reason.

use std::collections::{BTreeMap, HashMap};

use ed25519_dalek::VerifyingKey;

use super::manifest::{Manifest, ManifestKey, ManifestSkill};
use super::signing;
use super::trust_file::{self, TrustFile};

/// The keys the user trusts: `--skill-trust-root ID=KEY` values and the trust file's
/// non-revoked entries. Keys the trust file revokes are remembered, so a manifest cannot bring
/// one back under another id.
#[derive(Debug, Clone, Default)]
pub struct TrustRoots {
    roots: BTreeMap<String, VerifyingKey>,
    revoked: Vec<(String, VerifyingKey)>,
}

/// A trust root that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    #[error("trust root {id}: {reason}")]
    BadRoot { id: String, reason: String },
    #[error("trust root {id} is given twice with different keys ({first} and {second})")]
    Conflict {
        id: String,
        first: String,
        second: String,
    },
    #[error("{0}")]
    Form(String),
}

impl TrustRoots {
    /// No roots: nothing signed is trusted.
    pub fn new() -> Self {
        Self::default()
    }

    /// The roots of the flags (`ID=KEY` strings) and of the trust file.
    pub fn from_config(flags: &[String], file: &TrustFile) -> Result<Self, TrustError> {
        let mut roots = Self::new();
        for entry in &file.keys {
            let key =
                signing::decode_public_key(&entry.public_key).map_err(|e| TrustError::BadRoot {
                    id: entry.id.clone(),
                    reason: e.to_string(),
                })?;
            if entry.revoked {
                roots.revoked.push((entry.id.clone(), key));
            } else {
                roots.insert(&entry.id, key)?;
            }
        }
        for flag in flags {
            let (id, key) = trust_file::parse_id_key(flag).map_err(TrustError::Form)?;
            roots.insert(&id, key)?;
        }
        Ok(roots)
    }

    /// Adds a root; the same id with another key is a conflict.
    pub fn insert(&mut self, id: &str, key: VerifyingKey) -> Result<(), TrustError> {
        if let Some(existing) = self.roots.get(id)
            && existing != &key
        {
            return Err(TrustError::Conflict {
                id: id.into(),
                first: signing::encode_public_key(existing),
                second: signing::encode_public_key(&key),
            });
        }
        self.roots.insert(id.into(), key);
        Ok(())
    }

    /// The root of this id.
    pub fn get(&self, id: &str) -> Option<&VerifyingKey> {
        self.roots.get(id)
    }

    /// The roots, by id.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &VerifyingKey)> {
        self.roots.iter().map(|(id, k)| (id.as_str(), k))
    }

    /// Whether there is no root.
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    /// The id under which the trust file revoked this public key, unless it is also a root.
    fn revoked_as(&self, key: &VerifyingKey) -> Option<&str> {
        if self.roots.values().any(|k| k == key) {
            return None;
        }
        self.revoked
            .iter()
            .find(|(_, k)| k == key)
            .map(|(id, _)| id.as_str())
    }
}

/// How a key stands after evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyTrust {
    /// A trust root (flags or trust file).
    Root,
    /// Certified by `by`, itself trusted.
    Certified { by: String },
    /// Not trusted; `reason` reads after the key's id ("key ci {reason}").
    Untrusted { reason: String },
}

/// The trust of every key a manifest lists, plus the roots it does not list.
#[derive(Debug, Clone, Default)]
pub struct KeyEvaluation {
    trusted: HashMap<String, VerifyingKey>,
    status: BTreeMap<String, KeyTrust>,
}

impl KeyEvaluation {
    /// The public key of `id` if it is trusted.
    pub fn trusted_key(&self, id: &str) -> Option<&VerifyingKey> {
        self.trusted.get(id)
    }

    /// The standing of `id`: a manifest key or a root; `None` when unknown.
    pub fn status(&self, id: &str) -> Option<&KeyTrust> {
        self.status.get(id)
    }

    /// Every key (manifest keys and roots), by id.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &KeyTrust)> {
        self.status.iter().map(|(id, t)| (id.as_str(), t))
    }

    /// `key ID {reason}` for an untrusted or unknown key, `None` for a trusted one.
    pub fn why_untrusted(&self, id: &str) -> Option<String> {
        match self.status.get(id) {
            Some(KeyTrust::Untrusted { reason }) => Some(format!("key {id} {reason}")),
            Some(_) => None,
            None => Some(format!(
                "key {id} is unknown (neither a trust root nor listed in the manifest)"
            )),
        }
    }
}

/// Where an untrusted key's problem starts: the key itself or one up its chain.
struct Origin {
    id: String,
    reason: String,
}

enum Local<'m> {
    Trusted(VerifyingKey, KeyTrust),
    Untrusted(String),
    NeedsCertifier(VerifyingKey, &'m str),
}

/// The current time in unix seconds, as the evaluations take it.
pub fn now_unix() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// A human date for an expiry, falling back to the raw number when out of range.
pub fn format_unix(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| format!("unix time {secs}"))
}

fn expired(expires_unix: Option<i64>, now_unix: i64) -> Option<String> {
    expires_unix
        .filter(|e| now_unix >= *e)
        .map(|e| format!("expired at {}", format_unix(e)))
}

/// What can be decided about a manifest key without its certifier.
fn local<'m>(key: &'m ManifestKey, roots: &TrustRoots, now_unix: i64) -> Local<'m> {
    let public = match signing::decode_public_key(&key.public_key) {
        Ok(p) => p,
        Err(e) => return Local::Untrusted(format!("has a bad public key: {e}")),
    };
    let root = roots.get(&key.id);
    if root.is_some_and(|r| r != &public) {
        return Local::Untrusted(format!(
            "reuses the id of trust root {} with a different public key",
            key.id
        ));
    }
    if key.revoked {
        return Local::Untrusted("is revoked by the registry".into());
    }
    if let Some(id) = roots.revoked_as(&public) {
        return Local::Untrusted(format!("is revoked in the trust root file (as {id})"));
    }
    if let Some(why) = expired(key.expires_unix, now_unix) {
        return Local::Untrusted(why);
    }
    if root.is_some() {
        return Local::Trusted(public, KeyTrust::Root);
    }
    match (&key.signed_by, &key.signature) {
        (None, _) => Local::Untrusted(
            "is not a trust root and is not certified by one (signed_by is null)".into(),
        ),
        (Some(by), None) => {
            Local::Untrusted(format!("names {by} as certifier but has no signature"))
        }
        (Some(by), Some(_)) => Local::NeedsCertifier(public, by),
    }
}

/// Decides which keys are trusted at `now_unix`: roots, and keys certified by trusted keys
/// (chains of any length; cycles, revoked and expired keys, and everything certified only
/// through them, are untrusted). Iterative, so a long chain cannot exhaust the stack.
pub fn evaluate_keys(m: &Manifest, roots: &TrustRoots, now_unix: i64) -> KeyEvaluation {
    let by_id: HashMap<&str, &ManifestKey> = m.keys.iter().map(|k| (k.id.as_str(), k)).collect();
    let mut eval = KeyEvaluation::default();
    for (id, key) in roots.iter() {
        if !by_id.contains_key(id) {
            eval.trusted.insert(id.into(), *key);
            eval.status.insert(id.into(), KeyTrust::Root);
        }
    }
    let mut origins: HashMap<String, Origin> = HashMap::new();
    for start in &m.keys {
        // Walk up the certifiers until a decided key, then decide the path back down.
        let mut path: Vec<(&ManifestKey, VerifyingKey, &str)> = Vec::new();
        let mut on_path: HashMap<&str, usize> = HashMap::new();
        let mut cur = start.id.as_str();
        while !eval.status.contains_key(cur) {
            let Some(key) = by_id.get(cur) else {
                eval.status.insert(
                    cur.into(),
                    KeyTrust::Untrusted {
                        reason: "is unknown (neither a trust root nor listed in the manifest)"
                            .into(),
                    },
                );
                break;
            };
            if let Some(&at) = on_path.get(cur) {
                let ids: Vec<&str> = path[at..].iter().map(|(k, _, _)| k.id.as_str()).collect();
                let reason = format!("is on a certification cycle ({})", cycle_text(&ids));
                for (k, _, _) in path.drain(at..) {
                    origins.insert(
                        k.id.clone(),
                        Origin {
                            id: k.id.clone(),
                            reason: reason.clone(),
                        },
                    );
                    eval.status.insert(
                        k.id.clone(),
                        KeyTrust::Untrusted {
                            reason: reason.clone(),
                        },
                    );
                }
                break;
            }
            match local(key, roots, now_unix) {
                Local::Trusted(public, trust) => {
                    eval.trusted.insert(cur.into(), public);
                    eval.status.insert(cur.into(), trust);
                }
                Local::Untrusted(reason) => {
                    eval.status
                        .insert(cur.into(), KeyTrust::Untrusted { reason });
                }
                Local::NeedsCertifier(public, by) => {
                    on_path.insert(cur, path.len());
                    path.push((key, public, by));
                    cur = by;
                    continue;
                }
            }
            break;
        }
        while let Some((key, public, by)) = path.pop() {
            let trust = certify(key, by, &eval, &mut origins);
            if matches!(trust, KeyTrust::Certified { .. }) {
                eval.trusted.insert(key.id.clone(), public);
            }
            eval.status.insert(key.id.clone(), trust);
        }
    }
    eval
}

/// The trust of `key` given its (decided) certifier `by`.
fn certify(
    key: &ManifestKey,
    by: &str,
    eval: &KeyEvaluation,
    origins: &mut HashMap<String, Origin>,
) -> KeyTrust {
    if let Some(parent) = eval.trusted.get(by) {
        let message = signing::key_message(&key.id, &key.public_key, key.expires_unix);
        let signature = key.signature.as_deref().unwrap_or_default();
        return match signing::verify(parent, &message, signature) {
            Ok(()) => KeyTrust::Certified { by: by.into() },
            Err(e) => KeyTrust::Untrusted {
                reason: format!("has a certification by {by} that fails: {e}"),
            },
        };
    }
    let parent_reason = match eval.status.get(by) {
        Some(KeyTrust::Untrusted { reason }) => reason.clone(),
        _ => "is not trusted".into(),
    };
    let origin = match origins.get(by) {
        Some(o) => Origin {
            id: o.id.clone(),
            reason: o.reason.clone(),
        },
        None => Origin {
            id: by.into(),
            reason: parent_reason,
        },
    };
    let reason = if origin.id == by {
        format!("is certified by {by}, which {}", origin.reason)
    } else {
        format!(
            "is certified by {by}, whose chain reaches {}, which {}",
            origin.id, origin.reason
        )
    };
    origins.insert(key.id.clone(), origin);
    KeyTrust::Untrusted { reason }
}

fn cycle_text(ids: &[&str]) -> String {
    const SHOWN: usize = 5;
    let mut parts: Vec<&str> = ids.iter().take(SHOWN).copied().collect();
    if ids.len() > SHOWN {
        parts.push("...");
    }
    if let Some(first) = ids.first() {
        parts.push(first);
    }
    parts.join(" -> ")
}

/// A refused skill entry: `refused NAME VERSION: REASON`, the reason naming the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("refused {skill}: {reason}")]
pub struct Refusal {
    /// `name version`.
    pub skill: String,
    /// The signing key, when the entry names one.
    pub key: Option<String>,
    pub reason: String,
}

/// The verdict on one skill entry, before the `--require-signed-skills` policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkillVerdict {
    /// Signed by a trusted key, signature valid, neither revoked nor expired.
    Accepted {
        key: String,
    },
    /// No signing key and no signature.
    Unsigned,
    Refused(Refusal),
}

/// Decides one skill entry at `now_unix`.
pub fn evaluate_skill(s: &ManifestSkill, keys: &KeyEvaluation, now_unix: i64) -> SkillVerdict {
    let refuse = |key: Option<&str>, reason: String| {
        SkillVerdict::Refused(Refusal {
            skill: s.label(),
            key: key.map(str::to_owned),
            reason,
        })
    };
    let key = s.signing_key.as_deref();
    let key_text = key.map_or("no signing key".to_owned(), |k| format!("key {k}"));
    if s.revoked {
        return refuse(key, format!("revoked by the registry ({key_text})"));
    }
    if let Some(why) = expired(s.expires_unix, now_unix) {
        return refuse(key, format!("the entry {why} ({key_text})"));
    }
    let (id, signature) = match (key, s.signature.as_deref()) {
        (None, None) => return SkillVerdict::Unsigned,
        (None, Some(_)) => {
            return refuse(None, "has a signature but no signing_key".into());
        }
        (Some(k), None) => {
            return refuse(key, format!("names key {k} but has no signature"));
        }
        (Some(k), Some(sig)) => (k, sig),
    };
    let Some(public) = keys.trusted_key(id) else {
        let why = keys
            .why_untrusted(id)
            .unwrap_or_else(|| format!("key {id} is not trusted"));
        return refuse(key, why);
    };
    let message = signing::skill_message(&s.name, &s.version, &s.url, &s.sha256);
    match signing::verify(public, &message, signature) {
        Ok(()) => SkillVerdict::Accepted { key: id.into() },
        Err(e) => refuse(
            key,
            format!(
                "signature by key {id} fails: {e} (the entry was changed after signing, or another key signed it)"
            ),
        ),
    }
}

#[cfg(test)]
#[path = "trust_tests.rs"]
pub(crate) mod tests;
