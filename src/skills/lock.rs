//! The skills lockfile (`.pi/skills.lock.json`): what a project's skills folder should hold,
//! each skill's version, path, content hash and where it came from. [`write`] makes it from
//! the installed skills and their install records; [`diff`] compares the folder with it (the
//! `--skills-sync` check, `/skills-lock-diff`); [`prune`] removes installed skills it does
//! not name (`/skills-prune`).
//!
//! The content hash ([`content_hash`]): a single-file skill's is the file's sha256. A skill
//! directory's is the sha256 of one line per file, sorted by the file's path relative to the
//! directory (`/` separated, byte order), each line the path, a NUL byte, the file's sha256 in
//! lower-case hex and `\n`. Every file counts, hidden ones too; a symbolic link counts as a
//! file whose content is its target's path (it is not followed); empty folders do not count.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::discover::{self, SkillRoot, SkillSource};
use super::package::{Skill, SkillKind};
use super::record;
use super::signing::{hex_eq, sha256_hex};

/// The lockfile format version.
pub const LOCK_VERSION: u32 = 1;

/// A lockfile that cannot be read or written, or a folder that cannot be hashed: one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LockError(pub String);

/// The lockfile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lockfile {
    /// [`LOCK_VERSION`].
    pub version: u32,
    /// The locked skills, by name.
    pub skills: Vec<LockedSkill>,
}

/// One locked skill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockedSkill {
    pub name: String,
    #[serde(default)]
    pub version: Option<String>,
    /// The skill's file or directory, relative to the project (absolute when outside it).
    pub path: String,
    /// [`content_hash`] of the installed skill.
    pub sha256: String,
    /// Where it was installed from (the artifact URL or local path); `None` when pi has no
    /// record of installing it.
    #[serde(default)]
    pub source: Option<String>,
    /// The registry manifest's URL, for registry installs.
    #[serde(default)]
    pub registry: Option<String>,
    /// The key that signed it (registry installs); `None` is unsigned.
    #[serde(default)]
    pub signing_key: Option<String>,
}

/// One difference between the skills folder and the lockfile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Drift {
    /// Locked but not installed.
    Missing { name: String, path: String },
    /// Installed but not locked.
    Extra { name: String, path: String },
    /// Installed with other content than locked.
    Changed {
        name: String,
        path: String,
        locked_sha256: String,
        actual_sha256: String,
    },
    /// Installed from elsewhere than locked (source URL or path, registry or signing key).
    SourceMismatch {
        name: String,
        locked: String,
        actual: String,
    },
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Drift::Missing { name, path } => write!(f, "missing: {name} (locked at {path})"),
            Drift::Extra { name, path } => write!(f, "extra: {name} at {path} is not locked"),
            Drift::Changed {
                name,
                locked_sha256,
                actual_sha256,
                ..
            } => write!(
                f,
                "changed: {name} content sha256 {actual_sha256}, locked {locked_sha256}"
            ),
            Drift::SourceMismatch {
                name,
                locked,
                actual,
            } => write!(f, "source mismatch: {name} from {actual}, locked {locked}"),
        }
    }
}

/// The differences between a skills folder and a lockfile, JSON-serialisable for
/// `/skills-lock-diff --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockDiff {
    /// The lockfile compared against.
    pub lock_file: String,
    /// Each difference, locked skills first in lockfile order, then the extras by name.
    pub drifts: Vec<Drift>,
}

impl LockDiff {
    /// Whether the folder matches the lockfile.
    pub fn is_clean(&self) -> bool {
        self.drifts.is_empty()
    }
}

/// An installed skill that the lockfile does not name, removed by [`prune`] with `apply`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pruned {
    pub name: String,
    /// Its file or directory (absolute).
    pub path: PathBuf,
}

/// The skills installed in `skills_dir` (front matter names, as discovery sees them), each
/// with the file or directory that holds it.
fn installed(skills_dir: &Path) -> Result<Vec<(Skill, PathBuf)>, LockError> {
    let found = discover::discover(&[SkillRoot {
        dir: skills_dir.to_path_buf(),
        source: SkillSource::Project,
    }]);
    if let Some(problem) = found.errors().next() {
        return Err(LockError(format!("cannot lock the skills: {problem}")));
    }
    Ok(found
        .skills
        .into_iter()
        .map(|f| {
            let home = match f.skill.kind {
                SkillKind::File => f.skill.path.clone(),
                SkillKind::Dir => f
                    .skill
                    .path
                    .parent()
                    .map_or_else(|| f.skill.path.clone(), Path::to_path_buf),
            };
            (f.skill, home)
        })
        .collect())
}

/// The lockfile `skills_dir` should have now: every installed skill, with its install record's
/// source. `root` is the project's folder (paths are written relative to it).
pub fn snapshot(skills_dir: &Path, root: &Path) -> Result<Lockfile, LockError> {
    let records = record::read(skills_dir).map_err(LockError)?;
    let mut skills = Vec::new();
    for (skill, home) in installed(skills_dir)? {
        let rec = records.skills.get(&skill.name);
        skills.push(LockedSkill {
            version: skill
                .version
                .clone()
                .or_else(|| rec.and_then(|r| r.version.clone())),
            path: display_relative(&home, root),
            sha256: content_hash(&home)?,
            source: rec.map(|r| r.source_url.clone()),
            registry: rec.and_then(|r| r.registry.clone()),
            signing_key: rec.and_then(|r| r.signing_key.clone()),
            name: skill.name,
        });
    }
    Ok(Lockfile {
        version: LOCK_VERSION,
        skills,
    })
}

/// Writes the lockfile of `skills_dir` to `lock_file` atomically; returns what it wrote.
pub fn write(skills_dir: &Path, root: &Path, lock_file: &Path) -> Result<Lockfile, LockError> {
    let lock = snapshot(skills_dir, root)?;
    record::write_json_atomic(lock_file, &lock).map_err(LockError)?;
    Ok(lock)
}

/// Reads a lockfile; a missing or invalid one is an error naming it.
pub fn read(lock_file: &Path) -> Result<Lockfile, LockError> {
    let text = std::fs::read_to_string(lock_file).map_err(|e| {
        LockError(match e.kind() {
            std::io::ErrorKind::NotFound => format!(
                "no lockfile {}: write one with --skills-lock-write",
                lock_file.display()
            ),
            _ => format!("cannot read {}: {e}", lock_file.display()),
        })
    })?;
    let lock: Lockfile = serde_json::from_str(&text)
        .map_err(|e| LockError(format!("{} is not valid: {e}", lock_file.display())))?;
    if lock.version != LOCK_VERSION {
        return Err(LockError(format!(
            "{} has version {}; this pi reads version {LOCK_VERSION}",
            lock_file.display(),
            lock.version
        )));
    }
    Ok(lock)
}

/// Compares `skills_dir` with `lock_file`: missing, extra, changed (content hash) and
/// source-mismatched skills. Drift is not an error; an unreadable lockfile is.
pub fn diff(skills_dir: &Path, root: &Path, lock_file: &Path) -> Result<LockDiff, LockError> {
    let lock = read(lock_file)?;
    let actual = snapshot(skills_dir, root)?;
    let mut now: BTreeMap<&str, &LockedSkill> =
        actual.skills.iter().map(|s| (s.name.as_str(), s)).collect();
    let mut drifts = Vec::new();
    for want in &lock.skills {
        let Some(have) = now.remove(want.name.as_str()) else {
            drifts.push(Drift::Missing {
                name: want.name.clone(),
                path: want.path.clone(),
            });
            continue;
        };
        if !hex_eq(&want.sha256, &have.sha256) {
            drifts.push(Drift::Changed {
                name: want.name.clone(),
                path: have.path.clone(),
                locked_sha256: want.sha256.clone(),
                actual_sha256: have.sha256.clone(),
            });
        }
        let (locked, actual) = (origin(want), origin(have));
        if locked != actual {
            drifts.push(Drift::SourceMismatch {
                name: want.name.clone(),
                locked,
                actual,
            });
        }
    }
    for (name, have) in now {
        drifts.push(Drift::Extra {
            name: name.to_string(),
            path: have.path.clone(),
        });
    }
    Ok(LockDiff {
        lock_file: lock_file.display().to_string(),
        drifts,
    })
}

/// Where a locked skill came from, as one comparable phrase.
fn origin(s: &LockedSkill) -> String {
    let mut text = s
        .source
        .clone()
        .unwrap_or_else(|| "no install record".into());
    if let Some(r) = &s.registry {
        text.push_str(&format!(" (registry {r})"));
    }
    text.push_str(&match &s.signing_key {
        Some(k) => format!(" signed by {k}"),
        None => " unsigned".into(),
    });
    text
}

/// The installed skills of `skills_dir` that `lock_file` does not name; with `apply` they are
/// removed (each moved out of sight first, then deleted) along with their install records.
pub fn prune(skills_dir: &Path, lock_file: &Path, apply: bool) -> Result<Vec<Pruned>, LockError> {
    let lock = read(lock_file)?;
    let locked: std::collections::HashSet<&str> =
        lock.skills.iter().map(|s| s.name.as_str()).collect();
    let extra: Vec<Pruned> = installed(skills_dir)?
        .into_iter()
        .filter(|(s, _)| !locked.contains(s.name.as_str()))
        .map(|(s, home)| Pruned {
            name: s.name,
            path: home,
        })
        .collect();
    if !apply || extra.is_empty() {
        return Ok(extra);
    }
    let trash = tempfile::Builder::new()
        .prefix(".prune-")
        .tempdir_in(skills_dir)
        .map_err(|e| LockError(format!("cannot prune {}: {e}", skills_dir.display())))?;
    let mut records = record::read(skills_dir).map_err(LockError)?;
    for (i, p) in extra.iter().enumerate() {
        std::fs::rename(&p.path, trash.path().join(i.to_string()))
            .map_err(|e| LockError(format!("cannot remove {}: {e}", p.path.display())))?;
        records.skills.remove(&p.name);
    }
    record::write(skills_dir, &records).map_err(LockError)?;
    Ok(extra)
}

/// The content hash of a skill (see the module doc): a file's sha256, or the canonical hash of
/// a directory's files.
pub fn content_hash(path: &Path) -> Result<String, LockError> {
    let fail = |e: std::io::Error| LockError(format!("cannot hash {}: {e}", path.display()));
    let meta = std::fs::symlink_metadata(path).map_err(fail)?;
    if !meta.is_dir() {
        return std::fs::read(path).map(|b| sha256_hex(&b)).map_err(fail);
    }
    let mut lines: Vec<(String, String)> = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).map_err(fail)? {
            let entry = entry.map_err(fail)?;
            let p = entry.path();
            let kind = entry.file_type().map_err(fail)?;
            if kind.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(path)
                .map_err(|e| LockError(e.to_string()))?
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let digest = if kind.is_symlink() {
                let target = std::fs::read_link(&p).map_err(fail)?;
                sha256_hex(target.as_os_str().as_encoded_bytes())
            } else {
                sha256_hex(&std::fs::read(&p).map_err(fail)?)
            };
            lines.push((rel, digest));
        }
    }
    lines.sort();
    let mut canonical = Vec::new();
    for (rel, digest) in lines {
        canonical.extend_from_slice(rel.as_bytes());
        canonical.push(0);
        canonical.extend_from_slice(digest.as_bytes());
        canonical.push(b'\n');
    }
    Ok(sha256_hex(&canonical))
}

/// `path` relative to `root` with `/` separators, or absolute when outside it.
fn display_relative(path: &Path, root: &Path) -> String {
    match path.strip_prefix(root) {
        Ok(rel) => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => path.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_hash_is_canonical() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("s/b")).unwrap();
        std::fs::write(dir.path().join("s/SKILL.md"), "x").unwrap();
        std::fs::write(dir.path().join("s/b/c.txt"), "y").unwrap();
        let mut canonical = Vec::new();
        for (p, body) in [("SKILL.md", "x"), ("b/c.txt", "y")] {
            canonical
                .extend_from_slice(format!("{p}\0{}\n", sha256_hex(body.as_bytes())).as_bytes());
        }
        assert_eq!(
            content_hash(&dir.path().join("s")).unwrap(),
            sha256_hex(&canonical)
        );
        assert_eq!(
            content_hash(&dir.path().join("s/SKILL.md")).unwrap(),
            sha256_hex(b"x")
        );
    }

    fn skill(dir: &Path, name: &str) {
        std::fs::write(
            dir.join(format!("{name}.md")),
            format!("---\nname: {name}\ndescription: d\n---\nbody\n"),
        )
        .unwrap();
    }

    #[test]
    fn diff_is_json_and_prune_previews_then_removes_with_the_record() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join(".pi/skills");
        std::fs::create_dir_all(&dir).unwrap();
        let lock_file = root.path().join(".pi/skills.lock.json");
        skill(&dir, "kept");
        write(&dir, root.path(), &lock_file).unwrap();
        skill(&dir, "extra");
        let mut records = record::InstallRecords::default();
        records.skills.insert(
            "extra".into(),
            record::InstallRecord {
                version: None,
                source: record::SourceKind::Local,
                source_url: "/x/extra.md".into(),
                registry: None,
                signing_key: None,
                sha256: sha256_hex(b""),
                installed_unix: 1,
                path: "extra.md".into(),
            },
        );
        record::write(&dir, &records).unwrap();

        let d = diff(&dir, root.path(), &lock_file).unwrap();
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["drifts"][0]["kind"], "extra");
        assert_eq!(json["drifts"][0]["path"], ".pi/skills/extra.md");
        assert_eq!(d.drifts.len(), 1);

        let preview = prune(&dir, &lock_file, false).unwrap();
        assert_eq!(preview.len(), 1);
        assert!(dir.join("extra.md").exists(), "a preview removes nothing");
        let applied = prune(&dir, &lock_file, true).unwrap();
        assert_eq!(applied, preview);
        assert!(!dir.join("extra.md").exists());
        assert!(dir.join("kept.md").exists());
        assert!(record::read(&dir).unwrap().skills.is_empty());
        assert!(diff(&dir, root.path(), &lock_file).unwrap().is_clean());
        let hidden: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with(".prune-"))
            .collect();
        assert!(hidden.is_empty(), "the trash folder is gone");
    }
}
