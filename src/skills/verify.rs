//! A registry verified as a whole, the one call an install makes: the manifest parsed and
//! checked, its keys evaluated against the trust roots, its detached signature
//! (`registry.json.sig`) checked, every entry judged, and the `--require-signed-skills` policy
//! applied; then the entry to install picked (`NAME` or `NAME@VERSION`).

use serde::{Deserialize, Serialize};

use super::manifest::{self, Manifest, ManifestError, ManifestSkill};
use super::signing;
use super::trust::{
    KeyEvaluation, Refusal, SkillVerdict, TrustRoots, evaluate_keys, evaluate_skill,
};

/// `registry.json.sig`: which key signed the manifest, and the signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestSig {
    pub key: String,
    pub signature: String,
}

/// The state of a manifest's detached signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigState {
    /// Made by this trusted key over these exact bytes.
    Valid { key: String },
    /// There is no `.sig`.
    Missing,
    /// Present but unusable: unreadable, untrusted key, or not matching.
    Invalid { reason: String },
}

/// Checks `registry.json.sig` (if any) against the manifest bytes: its key must be trusted.
pub fn check_manifest_sig(
    manifest_bytes: &[u8],
    sig_bytes: Option<&[u8]>,
    keys: &KeyEvaluation,
) -> SigState {
    let Some(sig_bytes) = sig_bytes else {
        return SigState::Missing;
    };
    let sig: ManifestSig = match manifest::from_json(sig_bytes) {
        Ok(s) => s,
        Err(e) => {
            return SigState::Invalid {
                reason: format!("registry.json.sig is not {{\"key\", \"signature\"}} JSON ({e})"),
            };
        }
    };
    let Some(public) = keys.trusted_key(&sig.key) else {
        let why = keys
            .why_untrusted(&sig.key)
            .unwrap_or_else(|| format!("key {} is not trusted", sig.key));
        return SigState::Invalid {
            reason: format!("registry.json.sig: {why}"),
        };
    };
    match signing::verify(
        public,
        &signing::manifest_message(manifest_bytes),
        &sig.signature,
    ) {
        Ok(()) => SigState::Valid { key: sig.key },
        Err(e) => SigState::Invalid {
            reason: format!(
                "registry.json.sig by key {} fails: {e} (the manifest was changed after signing)",
                sig.key
            ),
        },
    }
}

/// How an entry that passed the policy is installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acceptance {
    Signed {
        key: String,
    },
    /// Allowed because `--require-signed-skills` is off; shown as unsigned.
    Unsigned,
}

/// Applies `--require-signed-skills` to a verdict: an unsigned entry passes only without it; a
/// refused one (a bad signature included) never passes.
pub fn skill_policy(
    s: &ManifestSkill,
    verdict: &SkillVerdict,
    require_signed: bool,
) -> Result<Acceptance, Refusal> {
    match verdict {
        SkillVerdict::Accepted { key } => Ok(Acceptance::Signed { key: key.clone() }),
        SkillVerdict::Unsigned if !require_signed => Ok(Acceptance::Unsigned),
        SkillVerdict::Unsigned => Err(Refusal {
            skill: s.label(),
            key: None,
            reason: "unsigned (no signing key), and --require-signed-skills is on".into(),
        }),
        SkillVerdict::Refused(r) => Err(r.clone()),
    }
}

/// Applies `--require-signed-skills` to the manifest signature: a missing `.sig` passes only
/// without it; an invalid one never passes.
pub fn manifest_policy(state: &SigState, require_signed: bool) -> Result<(), String> {
    match state {
        SigState::Valid { .. } => Ok(()),
        SigState::Missing if !require_signed => Ok(()),
        SigState::Missing => Err(
            "registry manifest refused: it has no registry.json.sig, and --require-signed-skills is on"
                .into(),
        ),
        SigState::Invalid { reason } => Err(format!("registry manifest refused: {reason}")),
    }
}

/// A manifest that passed the manifest-level checks, with the verdict on every entry.
#[derive(Debug, Clone)]
pub struct VerifiedRegistry {
    pub manifest: Manifest,
    /// The state of `registry.json.sig` (valid, or missing with `--require-signed-skills` off).
    pub signature: SigState,
    pub keys: KeyEvaluation,
    /// One verdict per `manifest.skills` entry, in the same order.
    pub verdicts: Vec<SkillVerdict>,
    pub require_signed: bool,
}

/// A registry refused as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// The manifest signature policy refused it (the message says why).
    #[error("{0}")]
    Signature(String),
}

/// Verifies a downloaded registry at `now_unix`: parse, key trust, `.sig` (`None` when the
/// server has none), verdicts. Refused as a whole only for a bad manifest or signature; entries
/// are judged one by one ([`VerifiedRegistry::policy`]).
pub fn verify_registry(
    manifest_bytes: &[u8],
    sig_bytes: Option<&[u8]>,
    roots: &TrustRoots,
    now_unix: i64,
    require_signed: bool,
) -> Result<VerifiedRegistry, RegistryError> {
    let manifest = manifest::parse(manifest_bytes)?;
    let keys = evaluate_keys(&manifest, roots, now_unix);
    let signature = check_manifest_sig(manifest_bytes, sig_bytes, &keys);
    manifest_policy(&signature, require_signed).map_err(RegistryError::Signature)?;
    let verdicts = judge_all(&manifest.skills, &keys, now_unix);
    Ok(VerifiedRegistry {
        manifest,
        signature,
        keys,
        verdicts,
        require_signed,
    })
}

/// Entries below this many are judged on the calling thread.
const PARALLEL_FROM: usize = 64;

/// The verdict on every entry, in order. A large manifest is split across the CPU cores: the
/// Ed25519 verifications are the cost (about 50 µs each), and a 1,000-entry registry must
/// verify within 100 ms.
fn judge_all(skills: &[ManifestSkill], keys: &KeyEvaluation, now_unix: i64) -> Vec<SkillVerdict> {
    let judge = |part: &[ManifestSkill]| -> Vec<SkillVerdict> {
        part.iter()
            .map(|s| evaluate_skill(s, keys, now_unix))
            .collect()
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(8);
    if threads < 2 || skills.len() < PARALLEL_FROM {
        return judge(skills);
    }
    let chunk = skills.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let running: Vec<_> = skills
            .chunks(chunk)
            .map(|part| (part, scope.spawn(move || judge(part))))
            .collect();
        running
            .into_iter()
            // A worker cannot panic on any input; if one did, its part is judged again here.
            .flat_map(|(part, worker)| worker.join().unwrap_or_else(|_| judge(part)))
            .collect()
    })
}

/// The entry picked for an install.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection<'a> {
    pub skill: &'a ManifestSkill,
    pub acceptance: Acceptance,
    /// Newer versions passed over because they were refused (worth a warning).
    pub skipped: Vec<Refusal>,
}

/// No entry can be installed for a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    #[error("the registry has no skill {0}")]
    NotFound(String),
    /// Every matching entry was refused; each refusal names skill, key and reason.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Refused(Vec<Refusal>),
}

impl VerifiedRegistry {
    /// The policy's decision on entry `index` of `manifest.skills`.
    pub fn policy(&self, index: usize) -> Result<Acceptance, Refusal> {
        match (self.manifest.skills.get(index), self.verdicts.get(index)) {
            (Some(s), Some(v)) => skill_policy(s, v, self.require_signed),
            _ => Err(Refusal {
                skill: format!("entry {index}"),
                key: None,
                reason: "is not in the manifest".into(),
            }),
        }
    }

    /// Every entry with the policy's decision, in manifest order.
    pub fn entries(&self) -> impl Iterator<Item = (&ManifestSkill, Result<Acceptance, Refusal>)> {
        self.manifest
            .skills
            .iter()
            .zip(&self.verdicts)
            .map(|(s, v)| (s, skill_policy(s, v, self.require_signed)))
    }

    /// Picks the entry for `NAME` (the newest accepted version) or `NAME@VERSION` (that one).
    pub fn select(&self, request: &str) -> Result<Selection<'_>, SelectError> {
        let (name, version) = self.split_request(request);
        let mut candidates: Vec<(&ManifestSkill, Result<Acceptance, Refusal>)> = self
            .entries()
            .filter(|(s, _)| s.name == name && version.is_none_or(|v| s.version == v))
            .collect();
        candidates.sort_by(|a, b| manifest::compare_versions(&b.0.version, &a.0.version));
        if candidates.is_empty() {
            return Err(SelectError::NotFound(request.into()));
        }
        let mut skipped = Vec::new();
        for (skill, decision) in candidates {
            match decision {
                Ok(acceptance) => {
                    return Ok(Selection {
                        skill,
                        acceptance,
                        skipped,
                    });
                }
                Err(refusal) => skipped.push(refusal),
            }
        }
        Err(SelectError::Refused(skipped))
    }

    /// `NAME@VERSION` split at the last `@`, unless the whole request is a listed name.
    fn split_request<'r>(&self, request: &'r str) -> (&'r str, Option<&'r str>) {
        if self.manifest.skills.iter().any(|s| s.name == request) {
            return (request, None);
        }
        match request.rsplit_once('@') {
            Some((name, version)) if !version.is_empty() => (name, Some(version)),
            _ => (request, None),
        }
    }
}

#[cfg(test)]
#[path = "verify_tests.rs"]
mod tests;
