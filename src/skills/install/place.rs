//! The last step of every install: build the skill in a hidden staging folder inside the
//! skills folder (`.install-XXXX`), check it (front matter parses, the name is a safe file
//! name), then rename it into place. A skill already there under the same name (either shape)
//! is moved into the staging folder first and moved back if anything fails; on success it is
//! removed with the staging folder. The install record is written before that point of no
//! return, so a failure to write it also restores the old skill.

use std::fs::{DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::{InstallError, Installed};
use crate::skills::archive::{self, ArtifactKind};
use crate::skills::manifest;
use crate::skills::package::{self, SKILL_FILE, SkillKind};
use crate::skills::record::{self, InstallRecord};

/// Staging folders older than this are left over from a killed install and are removed.
const STALE_AFTER: Duration = Duration::from_secs(3600);

/// A checked skill in the staging folder.
struct Built {
    path: PathBuf,
    name: String,
    kind: SkillKind,
    version: Option<String>,
}

/// Installs a downloaded (or local) artifact: a `.md` is written as `NAME.md`, an archive is
/// extracted. `fallback` names a skill whose front matter has no name; `required_name` (a
/// registry entry's) must match the front matter's name when it has one.
pub(super) fn install_bytes(
    skills_dir: &Path,
    bytes: &[u8],
    kind: ArtifactKind,
    fallback: &str,
    required_name: Option<&str>,
    record: InstallRecord,
) -> Result<Installed, InstallError> {
    let stage = Stage::new(skills_dir)?;
    let built = match kind {
        ArtifactKind::Markdown => {
            let shown = record.source_url.clone();
            let skill = parse_skill(bytes, fallback, &shown)?;
            let name = checked_name(&skill.name, required_name, &shown)?;
            let path = stage.path().join(format!("{name}.md"));
            write_file(&path, bytes)?;
            Built {
                path,
                name,
                kind: SkillKind::File,
                version: skill.version,
            }
        }
        ArtifactKind::TarGz | ArtifactKind::Zip => {
            let tree = stage.path().join("tree");
            make_dir(&tree)?;
            let root = archive::extract(bytes, kind, &tree)?;
            built_dir(&root, &tree, fallback, required_name, &record.source_url)?
        }
    };
    stage.commit(built, record)
}

/// Installs a local skill directory (copied under the archive rules).
pub(super) fn install_local_dir(
    skills_dir: &Path,
    src: &Path,
    record: InstallRecord,
) -> Result<Installed, InstallError> {
    let stage = Stage::new(skills_dir)?;
    let tree = stage.path().join("tree");
    make_dir(&tree)?;
    let root = archive::copy_dir(src, &tree)?;
    let fallback = src
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let built = built_dir(&root, &tree, &fallback, None, &src.display().to_string())?;
    stage.commit(built, record)
}

fn built_dir(
    root: &Path,
    tree: &Path,
    fallback: &str,
    required_name: Option<&str>,
    source: &str,
) -> Result<Built, InstallError> {
    // A single top folder names the skill when the front matter does not.
    let fallback = match root.strip_prefix(tree) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.to_string_lossy().into_owned(),
        _ => fallback.to_string(),
    };
    let skill_file = root.join(SKILL_FILE);
    let bytes = std::fs::read(&skill_file)
        .map_err(|e| InstallError::Invalid(format!("{source}: cannot read SKILL.md: {e}")))?;
    let shown = format!("{source}: {SKILL_FILE}");
    let skill = parse_skill(&bytes, &fallback, &shown)?;
    let name = checked_name(&skill.name, required_name, source)?;
    Ok(Built {
        path: root.to_path_buf(),
        name,
        kind: SkillKind::Dir,
        version: skill.version,
    })
}

/// Parses a skill's text; errors name `shown` (the URL or path it came from).
fn parse_skill(bytes: &[u8], fallback: &str, shown: &str) -> Result<package::Skill, InstallError> {
    if bytes.len() > package::MAX_SKILL_BYTES {
        return Err(InstallError::Invalid(format!(
            "{shown}: a skill's text may have at most {} bytes",
            package::MAX_SKILL_BYTES
        )));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| InstallError::Invalid(format!("{shown}: not UTF-8 text")))?;
    package::parse(text, fallback, Path::new(shown))
        .map_err(|e| InstallError::Invalid(e.to_string()))
}

fn checked_name(name: &str, required: Option<&str>, shown: &str) -> Result<String, InstallError> {
    manifest::check_skill_name(name)
        .map_err(|r| InstallError::Invalid(format!("{shown}: skill name: {r}")))?;
    if let Some(want) = required
        && want != name
    {
        return Err(InstallError::Invalid(format!(
            "{shown}: its front matter names it {name}, the registry {want}"
        )));
    }
    Ok(name.to_string())
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), InstallError> {
    let io = |e: std::io::Error| InstallError::Io(format!("cannot write {}: {e}", path.display()));
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(path)
        .map_err(io)?;
    f.write_all(bytes).map_err(io)?;
    f.sync_all().map_err(io)
}

fn make_dir(path: &Path) -> Result<(), InstallError> {
    DirBuilder::new()
        .mode(0o755)
        .create(path)
        .map_err(|e| InstallError::Io(format!("cannot create {}: {e}", path.display())))
}

/// The staging folder of one install; dropping it removes it (and whatever was moved aside),
/// and the skills folder too when this install created it and nothing landed.
struct Stage {
    dir: Option<tempfile::TempDir>,
    skills_dir: PathBuf,
    created_skills_dir: bool,
    committed: bool,
}

impl Stage {
    fn new(skills_dir: &Path) -> Result<Stage, InstallError> {
        let io = |e: std::io::Error| {
            InstallError::Io(format!("cannot install into {}: {e}", skills_dir.display()))
        };
        let created_skills_dir = !skills_dir.exists();
        crate::private_fs::create_dir_all(skills_dir).map_err(io)?;
        remove_stale(skills_dir);
        let dir = tempfile::Builder::new()
            .prefix(".install-")
            .tempdir_in(skills_dir)
            .map_err(io)?;
        Ok(Stage {
            dir: Some(dir),
            skills_dir: skills_dir.to_path_buf(),
            created_skills_dir,
            committed: false,
        })
    }

    fn path(&self) -> &Path {
        self.dir.as_ref().map_or(&self.skills_dir, |d| d.path())
    }

    /// Renames `built` into place (old skill aside, restored on failure) and records it.
    fn commit(
        mut self,
        built: Built,
        mut record: InstallRecord,
    ) -> Result<Installed, InstallError> {
        let dir = &self.skills_dir;
        let io = |what: &str, e: std::io::Error| InstallError::Io(format!("cannot {what}: {e}"));
        let mut records = record::read(dir).map_err(InstallError::Io)?;
        let file_target = dir.join(format!("{}.md", built.name));
        let dir_target = dir.join(&built.name);
        let target = match built.kind {
            SkillKind::File => file_target.clone(),
            SkillKind::Dir => dir_target.clone(),
        };
        let mut aside: Vec<(PathBuf, PathBuf)> = Vec::new();
        for (i, old) in [file_target, dir_target].into_iter().enumerate() {
            if std::fs::symlink_metadata(&old).is_err() {
                continue;
            }
            let to = self.path().join(format!("old-{i}"));
            if let Err(e) = std::fs::rename(&old, &to) {
                restore(&aside);
                return Err(io(&format!("move {} aside", old.display()), e));
            }
            aside.push((old, to));
        }
        if let Err(e) = std::fs::rename(&built.path, &target) {
            restore(&aside);
            return Err(io(&format!("move the skill to {}", target.display()), e));
        }
        record.path = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if record.version.is_none() {
            record.version = built.version.clone();
        }
        records.skills.insert(built.name.clone(), record.clone());
        if let Err(e) = record::write(dir, &records) {
            let _ = std::fs::rename(&target, self.path().join("failed"));
            restore(&aside);
            return Err(InstallError::Io(e));
        }
        self.committed = true;
        Ok(Installed {
            name: built.name,
            path: target,
            replaced: !aside.is_empty(),
            record,
        })
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        drop(self.dir.take());
        if self.created_skills_dir && !self.committed {
            // Only succeeds when empty: nothing of anyone else's is removed.
            let _ = std::fs::remove_dir(&self.skills_dir);
        }
    }
}

/// Moves the skills set aside back to where they were.
fn restore(aside: &[(PathBuf, PathBuf)]) {
    for (home, moved) in aside {
        if let Err(e) = std::fs::rename(moved, home) {
            tracing::error!("cannot restore {}: {e}", home.display());
        }
    }
}

/// Removes `.install-*` folders left by installs that were killed long ago.
fn remove_stale(skills_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(skills_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry.file_name().to_string_lossy().starts_with(".install-")
            && entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_some_and(|age| age > STALE_AFTER);
        if stale {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}
