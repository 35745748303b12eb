//! The Skills pane's installs, run off the loop by `effects.rs`: the registry's installable
//! skills for the picker, and an install (the same library calls as `/skills-install`).

use std::path::Path;

use crate::skills::SkillsConfig;
use crate::skills::fetch::Fetcher;
use crate::skills::install::{InstallSource, install as install_skill};
use crate::skills::listing::installable;

/// (`NAME@VERSION`, `signed by KEY`) for each skill the registry offers.
pub async fn registry_items(config: &SkillsConfig) -> Result<Vec<(String, String)>, String> {
    Ok(installable(config)
        .await?
        .into_iter()
        .map(|i| (i.spec(), i.trust()))
        .collect())
}

/// Installs `source` (the `/skills-install` forms) into the project's skills folder.
pub async fn install(config: &SkillsConfig, source: &str, cwd: &Path) -> Result<String, String> {
    let source = InstallSource::parse(source, cwd).map_err(|e| e.to_string())?;
    let fetcher = Fetcher::new(config);
    install_skill(config, &source, &fetcher)
        .await
        .map(|done| done.summary())
        .map_err(|e| e.to_string())
}
