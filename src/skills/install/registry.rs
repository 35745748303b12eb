//! Choosing a registry entry: fetch the manifest (and its `.sig`), check the
//! `--skill-registry-sha256` pin, verify it against the trust roots under the
//! `--require-signed-skills` policy ([`crate::skills::verify`]), and pick the newest accepted
//! version, or the exact one asked for.

use super::InstallError;
use crate::skills::SkillsConfig;
use crate::skills::fetch::Fetcher;
use crate::skills::manifest::{self, ManifestSkill};
use crate::skills::signing;
use crate::skills::trust::TrustRoots;
use crate::skills::trust_file;
use crate::skills::verify::{self, Acceptance, VerifiedRegistry};

/// The entry chosen for an install.
#[derive(Debug, Clone)]
pub struct RegistryChoice {
    /// The manifest's URL.
    pub registry_url: String,
    pub entry: ManifestSkill,
    /// The entry's `url` resolved against the manifest's URL.
    pub artifact_url: String,
    /// The key that signed it; `None`: unsigned (allowed without `--require-signed-skills`).
    pub signing_key: Option<String>,
}

/// The trust roots of `config`: the `--skill-trust-root` flags and the trust file.
pub fn trust_roots(config: &SkillsConfig) -> Result<TrustRoots, InstallError> {
    let file = match &config.trust_file {
        Some(path) => trust_file::load(path).map_err(|e| InstallError::Refused(e.to_string()))?,
        None => trust_file::TrustFile::default(),
    };
    TrustRoots::from_config(&config.trust_roots, &file)
        .map_err(|e| InstallError::Usage(e.to_string()))
}

/// Fetches the registry of `config` (through `fetcher`: cache, offline, ETag), checks its pin
/// and verifies it; returns the manifest's URL with the verified registry.
pub async fn load_registry(
    config: &SkillsConfig,
    fetcher: &Fetcher,
) -> Result<(String, VerifiedRegistry), InstallError> {
    let Some(url) = config.registry_url.clone() else {
        return Err(InstallError::Usage(
            "installing from a registry needs --skill-registry-url URL".into(),
        ));
    };
    let roots = trust_roots(config)?;
    let Some(bytes) = fetcher.document(&url, false).await? else {
        return Err(InstallError::Refused(format!(
            "registry manifest {url} is missing"
        )));
    };
    if let Some(pin) = &config.registry_sha256
        && !signing::sha256_matches(pin, &bytes)
    {
        return Err(InstallError::Refused(format!(
            "registry manifest {url} refused: its sha256 is {}, --skill-registry-sha256 pins {}",
            signing::sha256_hex(&bytes),
            pin.to_ascii_lowercase()
        )));
    }
    let sig = fetcher.document(&format!("{url}.sig"), true).await?;
    let now = i64::try_from(crate::skills::record::now_unix()).unwrap_or(i64::MAX);
    let verified =
        verify::verify_registry(&bytes, sig.as_deref(), &roots, now, config.require_signed)
            .map_err(|e| InstallError::Refused(format!("{e} ({url})")))?;
    Ok((url, verified))
}

/// Loads the registry of `config` and chooses `name` (exactly `version` when given, else the
/// newest accepted version); a refusal names the skill, the key and the reason.
pub async fn choose_from_registry(
    config: &SkillsConfig,
    fetcher: &Fetcher,
    name: &str,
    version: Option<&str>,
) -> Result<RegistryChoice, InstallError> {
    let (url, registry) = load_registry(config, fetcher).await?;
    let request = match version {
        Some(v) => format!("{name}@{v}"),
        None => name.to_string(),
    };
    let chosen = registry.select(&request).map_err(|e| match e {
        verify::SelectError::NotFound(_) => {
            InstallError::Refused(format!("registry {url} has no skill {request}"))
        }
        other => InstallError::Refused(other.to_string()),
    })?;
    for skipped in &chosen.skipped {
        tracing::warn!("{skipped}; an older version is installed");
    }
    let entry = chosen.skill.clone();
    let artifact_url = manifest::resolve_url(&url, &entry.url)
        .map_err(|e| InstallError::Refused(format!("refused {}: {e}", entry.label())))?;
    Ok(RegistryChoice {
        registry_url: url,
        entry,
        artifact_url,
        signing_key: match chosen.acceptance {
            Acceptance::Signed { key } => Some(key),
            Acceptance::Unsigned => None,
        },
    })
}
