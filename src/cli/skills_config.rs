//! The skills settings of the flags, resolved against the working directory and the user's
//! config and cache directories.

use std::path::Path;

use super::{Args, SkillsIndex};
use crate::skills::SkillsConfig;

/// The [`SkillsConfig`] of `args` in `cwd`: relative paths are taken from `cwd`; the project
/// skills folder defaults to `.pi/skills`, the user's to `<config>/pi/skills`, the cache to
/// `<cache>/pi/skills`, the trust root file to `<config>/pi/skill-trust.json`.
pub fn skills_config(args: &Args, cwd: &Path) -> SkillsConfig {
    use etcetera::BaseStrategy;
    let config_dir = crate::tui::config::user_config_dir();
    let cache_dir = etcetera::choose_base_strategy()
        .ok()
        .map(|s| s.cache_dir().join("pi").join("skills"));
    let dir = args
        .skills_dir
        .clone()
        .unwrap_or_else(|| Path::new(".pi").join("skills"));
    SkillsConfig {
        dir: cwd.join(dir),
        user_dir: config_dir.as_ref().map(|d| d.join("skills")),
        index: args.skills_index == SkillsIndex::On,
        registry_url: args.skill_registry_url.clone(),
        registry_sha256: args.skill_registry_sha256.clone(),
        cache_dir: args
            .skills_cache_dir
            .as_ref()
            .map(|d| cwd.join(d))
            .or(cache_dir),
        offline: args.skills_offline,
        require_signed: args.require_signed_skills,
        trust_roots: args.skill_trust_root.clone(),
        trust_file: args
            .skill_trust_root_file
            .as_ref()
            .map(|f| cwd.join(f))
            .or_else(|| config_dir.map(|d| d.join("skill-trust.json"))),
        lock_file: cwd.join(".pi").join("skills.lock.json"),
    }
}
