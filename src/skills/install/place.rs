//! Building a skill in its staging folder (see [`super::stage`]): a `.md` written as
//! `NAME.md`, an archive extracted, a local directory copied; then checked (front matter
//! parses, the name is a safe file name, a registry entry's name matches) before the stage
//! renames it into place.

use std::fs::{DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

use super::stage::{Built, Stage};
use super::{InstallError, Installed};
use crate::skills::archive::{self, ArtifactKind};
use crate::skills::manifest;
use crate::skills::package::{self, SKILL_FILE, SkillKind};
use crate::skills::record::InstallRecord;

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
