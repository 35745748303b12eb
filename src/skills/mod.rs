//! Skills: markdown skill packages (a `NAME.md` file, or a `NAME/SKILL.md` directory with
//! YAML front matter), where pi finds them, how they reach the system prompt, and their supply
//! chain: installs from files, URLs and signed registries, trust roots, the lockfile.
//!
//! Everything an install writes goes to a temporary folder first and is renamed into place
//! only after every check passed (see docs/skills.md).

pub mod discover;
pub mod package;
pub mod prompt;
pub mod watch;

pub mod manifest;
pub mod publish;
pub mod signing;
pub mod trust;
pub mod trust_file;
pub mod verify;

pub mod archive;
pub mod fetch;
pub mod install;
pub mod listing;
pub mod lock;
pub mod record;

use std::path::PathBuf;

/// Where skills are found and installed, and how installs are checked: built once from the
/// flags (`cli`) and shared by every mode and the command engine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkillsConfig {
    /// The project's skills folder (`--skills-dir`, default `.pi/skills` under the working
    /// directory): searched first; installs go here.
    pub dir: PathBuf,
    /// The user's skills folder (`<config>/pi/skills`), searched second; `None` when there is
    /// no config directory.
    pub user_dir: Option<PathBuf>,
    /// `--skills-index on`: other skills are listed (name, description, path) in the system
    /// prompt.
    pub index: bool,
    /// `--skill-registry-url` and its optional `--skill-registry-sha256` pin.
    pub registry_url: Option<String>,
    pub registry_sha256: Option<String>,
    /// `--skills-cache-dir` (default `<cache>/pi/skills`).
    pub cache_dir: Option<PathBuf>,
    /// `--skills-offline`: installs come from the cache only.
    pub offline: bool,
    /// `--require-signed-skills`.
    pub require_signed: bool,
    /// `--skill-trust-root ID=KEY` values, as given.
    pub trust_roots: Vec<String>,
    /// `--skill-trust-root-file` (default `<config>/pi/skill-trust.json`).
    pub trust_file: Option<PathBuf>,
    /// The lockfile (`.pi/skills.lock.json` under the working directory).
    pub lock_file: PathBuf,
}
