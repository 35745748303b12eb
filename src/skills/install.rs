//! Installing a skill from a local path, a URL (checked against its sha256) or a signed
//! registry. Everything is verified before the skills folder is touched: downloads are hashed
//! before anything is extracted, archives are extracted into a hidden `.install-XXXX` folder
//! inside the skills folder (discovery skips it), the skill's front matter is parsed and its
//! name checked, and only then is it renamed into place, an existing skill of the same name
//! moved aside first and restored if anything fails. A failed install leaves the skills folder
//! as it was, and the staging folder of a killed install is recovered by the next one. The
//! install record (`.installs.json`) is written in the same step.

mod place;
mod registry;
mod stage;

use std::path::{Path, PathBuf};

use super::SkillsConfig;
use super::archive::{ArchiveError, ArtifactKind};
use super::fetch::{FetchError, Fetcher};
use super::manifest;
use super::record::{InstallRecord, SourceKind};
use super::signing::hex_eq;

pub use registry::{RegistryChoice, choose_from_registry, load_registry, trust_roots};

/// What to install.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstallSource {
    /// A `NAME.md` file or a skill directory (with `SKILL.md`).
    Local(PathBuf),
    /// A `.md`, `.tar.gz`, `.tgz` or `.zip` URL and the sha256 (hex) it must have.
    Url { url: String, sha256: String },
    /// A skill of the configured registry (`SkillsConfig::registry_url`): the newest accepted
    /// version, or exactly `version`.
    Registry {
        name: String,
        version: Option<String>,
    },
}

impl InstallSource {
    /// Reads the `/skills-install SOURCE` forms: `registry:NAME[@VERSION]`,
    /// `URL#sha256=HEX` (http or https), or a path (relative to `cwd`).
    pub fn parse(text: &str, cwd: &Path) -> Result<InstallSource, InstallError> {
        let text = text.trim();
        if let Some(spec) = text.strip_prefix("registry:") {
            return InstallSource::registry(spec);
        }
        if text.starts_with("http://") || text.starts_with("https://") {
            let Some((url, hash)) = text.split_once("#sha256=") else {
                return Err(InstallError::Usage(format!(
                    "{text}: a URL install needs its sha256: URL#sha256=HEX"
                )));
            };
            return InstallSource::url(url, hash);
        }
        Ok(InstallSource::Local(cwd.join(text)))
    }

    /// `NAME[@VERSION]` of the registry.
    pub fn registry(spec: &str) -> Result<InstallSource, InstallError> {
        let (name, version) = match spec.split_once('@') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (spec, None),
        };
        manifest::check_skill_name(name)
            .map_err(|r| InstallError::Usage(format!("skill {spec}: {r}")))?;
        if version.as_deref() == Some("") {
            return Err(InstallError::Usage(format!(
                "skill {spec}: the version after @ is empty"
            )));
        }
        Ok(InstallSource::Registry {
            name: name.to_string(),
            version,
        })
    }

    /// A URL and its sha256; the hash must be 64 hex digits and the URL http(s) with a `.md`,
    /// `.tar.gz`, `.tgz` or `.zip` path.
    pub fn url(url: &str, sha256: &str) -> Result<InstallSource, InstallError> {
        if !manifest::is_sha256_hex(sha256) {
            return Err(InstallError::Usage(format!(
                "{sha256:?} is not a sha256: 64 hex digits"
            )));
        }
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| InstallError::Usage(format!("{url} is not a URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(InstallError::Usage(format!(
                "{url}: only http and https URLs are installed"
            )));
        }
        if ArtifactKind::of(parsed.path()).is_none() {
            return Err(InstallError::Usage(format!(
                "{url}: a skill URL ends in .md, .tar.gz, .tgz or .zip"
            )));
        }
        Ok(InstallSource::Url {
            url: url.to_string(),
            sha256: sha256.to_ascii_lowercase(),
        })
    }
}

/// Why an install failed (nothing was written).
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// The source or the flags are wrong (exit 2 at the command line).
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The download is not what was pinned.
    #[error("sha256 mismatch for {what}: expected {expected}, got {actual}; nothing installed")]
    Hash {
        what: String,
        expected: String,
        actual: String,
    },
    #[error("{0}; nothing installed")]
    Archive(#[from] ArchiveError),
    /// Trust said no: the manifest, the pin, or the entry (the message names skill and key).
    #[error("{0}")]
    Refused(String),
    /// The skill itself is not valid (front matter, name).
    #[error("{0}; nothing installed")]
    Invalid(String),
    /// The skills folder could not be written.
    #[error("{0}")]
    Io(String),
}

/// A finished install.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    /// The skill's name (its front matter's, else the file's).
    pub name: String,
    /// Where it now lives: `<skills-dir>/NAME.md` or `<skills-dir>/NAME/`.
    pub path: PathBuf,
    /// Whether it replaced a skill of the same name.
    pub replaced: bool,
    /// What was written to `.installs.json`.
    pub record: InstallRecord,
}

impl Installed {
    /// The one line the CLI prints: `installed review 1.2.0 from URL (signed by team)`.
    pub fn summary(&self) -> String {
        let r = &self.record;
        let version = r
            .version
            .as_deref()
            .map(|v| format!(" {v}"))
            .unwrap_or_default();
        let how = match r.source {
            SourceKind::Local => String::new(),
            SourceKind::Url => " (sha256 verified)".into(),
            SourceKind::Registry => match &r.signing_key {
                Some(k) => format!(" (signed by {k})"),
                None => " (unsigned)".into(),
            },
        };
        let from = match (&r.registry, r.source) {
            (Some(reg), SourceKind::Registry) => reg.clone(),
            _ => r.source_url.clone(),
        };
        format!("installed {}{version} from {from}{how}", self.name)
    }
}

/// Installs `source` into `config.dir` (see the module doc); downloads go through `fetcher`
/// (its cache, offline flag and progress callback).
pub async fn install(
    config: &SkillsConfig,
    source: &InstallSource,
    fetcher: &Fetcher,
) -> Result<Installed, InstallError> {
    let now = super::record::now_unix();
    match source {
        InstallSource::Local(path) => {
            let path = std::path::absolute(path).unwrap_or_else(|_| path.clone());
            let meta = std::fs::metadata(&path)
                .map_err(|e| InstallError::Usage(format!("{}: {e}", path.display())))?;
            let record = |sha256: String| InstallRecord {
                version: None,
                source: SourceKind::Local,
                source_url: path.display().to_string(),
                registry: None,
                signing_key: None,
                sha256,
                installed_unix: now,
                path: String::new(),
            };
            if meta.is_dir() {
                let hash = super::lock::content_hash(&path)
                    .map_err(|e| InstallError::Io(e.to_string()))?;
                place::install_local_dir(&config.dir, &path, record(hash))
            } else {
                let bytes = std::fs::read(&path)
                    .map_err(|e| InstallError::Usage(format!("{}: {e}", path.display())))?;
                if ArtifactKind::of(&path.to_string_lossy()) != Some(ArtifactKind::Markdown) {
                    return Err(InstallError::Usage(format!(
                        "{}: a skill is a .md file or a directory with SKILL.md",
                        path.display()
                    )));
                }
                let stem = ArtifactKind::stem(&path.to_string_lossy());
                let rec = record(super::signing::sha256_hex(&bytes));
                place::install_bytes(
                    &config.dir,
                    &bytes,
                    ArtifactKind::Markdown,
                    &stem,
                    None,
                    rec,
                )
            }
        }
        InstallSource::Url { url, sha256 } => {
            let kind = ArtifactKind::of(url).ok_or_else(|| {
                InstallError::Usage(format!("{url}: not a .md, .tar.gz, .tgz or .zip"))
            })?;
            let fetched = fetcher.artifact(url, sha256).await?;
            if !hex_eq(&fetched.sha256, sha256) {
                return Err(InstallError::Hash {
                    what: url.clone(),
                    expected: sha256.clone(),
                    actual: fetched.sha256,
                });
            }
            let record = InstallRecord {
                version: None,
                source: SourceKind::Url,
                source_url: url.clone(),
                registry: None,
                signing_key: None,
                sha256: sha256.clone(),
                installed_unix: now,
                path: String::new(),
            };
            let stem = ArtifactKind::stem(url);
            place::install_bytes(&config.dir, &fetched.bytes, kind, &stem, None, record)
        }
        InstallSource::Registry { name, version } => {
            let choice = choose_from_registry(config, fetcher, name, version.as_deref()).await?;
            let fetched = fetcher
                .artifact(&choice.artifact_url, &choice.entry.sha256)
                .await?;
            if !hex_eq(&fetched.sha256, &choice.entry.sha256) {
                return Err(InstallError::Hash {
                    what: format!("{} ({})", choice.entry.label(), choice.artifact_url),
                    expected: choice.entry.sha256_lower(),
                    actual: fetched.sha256,
                });
            }
            let kind = ArtifactKind::of(&choice.artifact_url).ok_or_else(|| {
                InstallError::Refused(format!(
                    "refused {}: its url {} is not a .md, .tar.gz, .tgz or .zip",
                    choice.entry.label(),
                    choice.entry.url
                ))
            })?;
            let record = InstallRecord {
                version: Some(choice.entry.version.clone()),
                source: SourceKind::Registry,
                source_url: choice.artifact_url.clone(),
                registry: Some(choice.registry_url.clone()),
                signing_key: choice.signing_key.clone(),
                sha256: choice.entry.sha256_lower(),
                installed_unix: now,
                path: String::new(),
            };
            place::install_bytes(
                &config.dir,
                &fetched.bytes,
                kind,
                &choice.entry.name,
                Some(&choice.entry.name),
                record,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_sources_parse_and_bad_ones_are_usage_errors() {
        let cwd = Path::new("/p");
        let hex = "ab".repeat(32);
        assert_eq!(
            InstallSource::parse("registry:review@1.2.0", cwd).unwrap(),
            InstallSource::Registry {
                name: "review".into(),
                version: Some("1.2.0".into())
            }
        );
        assert_eq!(
            InstallSource::parse(&format!("https://x/r.tar.gz#sha256={hex}"), cwd).unwrap(),
            InstallSource::Url {
                url: "https://x/r.tar.gz".into(),
                sha256: hex.clone()
            }
        );
        assert_eq!(
            InstallSource::parse("skills/r.md", cwd).unwrap(),
            InstallSource::Local(PathBuf::from("/p/skills/r.md"))
        );
        for bad in [
            "https://x/r.md".to_string(),
            format!("https://x/r.exe#sha256={hex}"),
            "https://x/r.md#sha256=12".to_string(),
            "registry:../x".to_string(),
            "registry:r@".to_string(),
        ] {
            assert!(
                matches!(InstallSource::parse(&bad, cwd), Err(InstallError::Usage(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            InstallSource::url("file:///etc/r.md", &hex),
            Err(InstallError::Usage(_))
        ));
    }
}
