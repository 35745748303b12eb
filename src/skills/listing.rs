//! What the configured registry offers: for each skill name, the newest version the trust
//! roots and `--require-signed-skills` accept (the Skills pane's install picker and
//! `/skills-search`).

use super::SkillsConfig;
use super::fetch::Fetcher;
use super::install::load_registry;
use super::manifest::compare_versions;
use super::verify::{Acceptance, VerifiedRegistry};

/// A registry skill that may be installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installable {
    pub name: String,
    pub version: String,
    /// The key that signed it; `None`: unsigned (accepted without `--require-signed-skills`).
    pub signed_by: Option<String>,
}

impl Installable {
    /// `NAME@VERSION`, what `registry:` installs take.
    pub fn spec(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }

    /// `signed by KEY` or `unsigned`.
    pub fn trust(&self) -> String {
        match &self.signed_by {
            Some(k) => format!("signed by {k}"),
            None => "unsigned".to_string(),
        }
    }
}

/// The newest accepted version of each skill of `registry`, sorted by name.
pub fn newest_accepted(registry: &VerifiedRegistry) -> Vec<Installable> {
    let mut out: Vec<Installable> = Vec::new();
    for (entry, verdict) in registry.entries() {
        let Ok(acceptance) = verdict else { continue };
        let signed_by = match acceptance {
            Acceptance::Signed { key } => Some(key),
            Acceptance::Unsigned => None,
        };
        let candidate = Installable {
            name: entry.name.clone(),
            version: entry.version.clone(),
            signed_by,
        };
        match out.iter_mut().find(|i| i.name == entry.name) {
            Some(have) if compare_versions(&entry.version, &have.version).is_gt() => {
                *have = candidate
            }
            Some(_) => {}
            None => out.push(candidate),
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Fetches and verifies the registry of `config` (cache, offline and pin as for installs)
/// and lists what may be installed from it.
pub async fn installable(config: &SkillsConfig) -> Result<Vec<Installable>, String> {
    let fetcher = Fetcher::new(config);
    let (_, registry) = load_registry(config, &fetcher)
        .await
        .map_err(|e| e.to_string())?;
    Ok(newest_accepted(&registry))
}
