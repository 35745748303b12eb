//! Install records: `<skills-dir>/.installs.json` says, for each skill pi installed there,
//! where it came from (a path, a URL or a registry), its version, the key that signed it and
//! the artifact's sha256. The Skills pane shows them and the lockfile is made from them. The
//! file is replaced atomically; a skill copied in by hand simply has no record.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The records file's name inside a skills folder (hidden, so discovery skips it).
pub const RECORDS_FILE: &str = ".installs.json";

/// Where an installed skill came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// `--install-skill PATH`.
    Local,
    /// `--install-skill-url URL`.
    Url,
    /// `--install-skill-from-registry NAME`.
    Registry,
}

impl SourceKind {
    /// The word shown to users: `local`, `url`, `registry`.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Local => "local",
            SourceKind::Url => "url",
            SourceKind::Registry => "registry",
        }
    }
}

/// One installed skill's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallRecord {
    /// The skill's version (front matter, or the registry entry's), if it has one.
    #[serde(default)]
    pub version: Option<String>,
    /// Where it came from.
    pub source: SourceKind,
    /// The path (local installs, absolute) or the artifact's URL (URL and registry installs).
    pub source_url: String,
    /// The registry manifest's URL (registry installs only).
    #[serde(default)]
    pub registry: Option<String>,
    /// The id of the key that signed the skill; `None` is unsigned.
    #[serde(default)]
    pub signing_key: Option<String>,
    /// sha256 (hex) of the artifact as downloaded, or of the local content (see
    /// [`crate::skills::lock::content_hash`]).
    pub sha256: String,
    /// When it was installed (seconds since the Unix epoch).
    pub installed_unix: u64,
    /// Where it lives, relative to the skills folder: `NAME.md` or `NAME` (a directory).
    pub path: String,
}

/// The whole records file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallRecords {
    /// Format version, 1.
    #[serde(default = "one")]
    pub version: u32,
    /// Records by skill name.
    #[serde(default)]
    pub skills: BTreeMap<String, InstallRecord>,
}

fn one() -> u32 {
    1
}

/// The records file of a skills folder.
pub fn records_path(skills_dir: &Path) -> PathBuf {
    skills_dir.join(RECORDS_FILE)
}

/// Reads the records of `skills_dir`; a missing file is empty. A file that cannot be read or
/// parsed is an error naming it.
pub fn read(skills_dir: &Path) -> Result<InstallRecords, String> {
    let path = records_path(skills_dir);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(InstallRecords::default()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "{} is not valid ({e}); move it away to start a new one",
            path.display()
        )
    })
}

/// How a skill got into its folder and what was checked: `signed by KEY (REGISTRY)`,
/// `unsigned (REGISTRY)`, `sha256-pinned URL`, `copied from PATH`, or `placed by hand` when pi
/// has no record of installing it.
pub fn verification(record: Option<&InstallRecord>) -> String {
    let Some(r) = record else {
        return "placed by hand".to_string();
    };
    match r.source {
        SourceKind::Registry => {
            let registry = r.registry.as_deref().unwrap_or("?");
            match &r.signing_key {
                Some(k) => format!("signed by {k} ({registry})"),
                None => format!("unsigned ({registry})"),
            }
        }
        SourceKind::Url => format!("sha256-pinned {}", r.source_url),
        SourceKind::Local => format!("copied from {}", r.source_url),
    }
}

/// A few words for a list: `signed by KEY`, `unsigned`, `url`, `local`, or nothing.
pub fn verification_tag(record: Option<&InstallRecord>) -> String {
    match record {
        None => String::new(),
        Some(r) => match (r.source, &r.signing_key) {
            (SourceKind::Registry, Some(k)) => format!("✓ signed by {k}"),
            (SourceKind::Registry, None) => "unsigned".to_string(),
            (SourceKind::Url, _) => "sha256-pinned".to_string(),
            (SourceKind::Local, _) => "copied".to_string(),
        },
    }
}

/// Replaces the records of `skills_dir` atomically.
pub fn write(skills_dir: &Path, records: &InstallRecords) -> Result<(), String> {
    let path = records_path(skills_dir);
    write_json_atomic(&path, records)
}

/// Writes `value` as pretty JSON to `path` through a temp file in the same directory (0600),
/// synced and renamed over the old file: a crash leaves the old file or the new one.
pub(crate) fn write_json_atomic<T: Serialize>(path: &Path, value: &T) -> Result<(), String> {
    let mut bytes = serde_json::to_vec_pretty(value)
        .map_err(|e| format!("cannot serialize {}: {e}", path.display()))?;
    bytes.push(b'\n');
    crate::private_fs::write_atomic(path, &bytes, None)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Seconds since the Unix epoch, now.
pub(crate) fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_missing_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read(dir.path()).unwrap(), InstallRecords::default());
        let mut r = InstallRecords::default();
        r.skills.insert(
            "review".into(),
            InstallRecord {
                version: Some("1.2.0".into()),
                source: SourceKind::Registry,
                source_url: "http://x/skills/review.md".into(),
                registry: Some("http://x/registry.json".into()),
                signing_key: Some("team".into()),
                sha256: "ab".repeat(32),
                installed_unix: 5,
                path: "review.md".into(),
            },
        );
        write(dir.path(), &r).unwrap();
        assert_eq!(read(dir.path()).unwrap(), r);
        std::fs::write(records_path(dir.path()), "{").unwrap();
        assert!(read(dir.path()).unwrap_err().contains(".installs.json"));
    }
}
