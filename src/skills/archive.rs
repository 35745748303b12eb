//! Safe extraction of a skill archive (`.tar.gz`, `.tgz`, `.zip`) into an empty folder, done
//! only after the archive's sha256 matched.
//!
//! Policy: every entry's path must be relative with no `..` component; only regular files
//! and directories are extracted: links of any kind (symbolic or hard, wherever they point),
//! devices and pipes are refused, which is simpler to check than "links that stay inside" and
//! no skill needs one. Files are written 0644 and directories 0755 at most (no setuid, no
//! execute bits). At most [`MAX_ENTRIES`] entries and [`MAX_UNPACKED`] bytes, counted as
//! written rather than as the headers claim. The archive must hold one skill: `SKILL.md` at
//! its top, or a single top folder with `SKILL.md` in it. A refusal is one line naming the
//! entry and the reason; the caller removes the folder, so nothing is left behind.

use std::fs::{DirBuilder, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};

/// The most bytes an archive may unpack to.
pub const MAX_UNPACKED: u64 = 50 * 1024 * 1024;
/// The most entries (files and folders) an archive may hold.
pub const MAX_ENTRIES: usize = 5_000;

/// Mode of an extracted file.
const FILE_MODE: u32 = 0o644;
/// Mode of an extracted folder.
const DIR_MODE: u32 = 0o755;

/// What an artifact is, by its URL's or file's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArtifactKind {
    /// A single `NAME.md` skill.
    Markdown,
    /// A gzipped tar of a skill folder (`.tar.gz`, `.tgz`).
    TarGz,
    /// A zip of a skill folder.
    Zip,
}

impl ArtifactKind {
    /// The kind of the artifact at `url` (or a file name), by its path's ending; the query and
    /// fragment are ignored. `None` when it is none of the three.
    pub fn of(url: &str) -> Option<ArtifactKind> {
        let path = url.split(['?', '#']).next().unwrap_or(url);
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".md") {
            Some(ArtifactKind::Markdown)
        } else if lower.ends_with(".tar.gz") || lower.ends_with(".tgz") {
            Some(ArtifactKind::TarGz)
        } else if lower.ends_with(".zip") {
            Some(ArtifactKind::Zip)
        } else {
            None
        }
    }

    /// The name the artifact suggests for its skill: the file name without its extension.
    pub fn stem(url: &str) -> String {
        let path = url.split(['?', '#']).next().unwrap_or(url);
        let file = path.rsplit('/').next().unwrap_or(path);
        let lower = file.to_ascii_lowercase();
        let cut = [".tar.gz", ".tgz", ".zip", ".md"]
            .iter()
            .find(|ext| lower.ends_with(*ext))
            .map_or(0, |ext| ext.len());
        file[..file.len() - cut].to_string()
    }
}

/// Why an archive was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArchiveError {
    /// One entry broke a rule.
    #[error("refused archive entry {entry}: {reason}")]
    Entry { entry: String, reason: String },
    /// The archive as a whole broke a rule (size, count, shape).
    #[error("refused archive: {0}")]
    Archive(String),
    /// It could not be read or written.
    #[error("cannot extract the archive: {0}")]
    Io(String),
}

fn entry_error(entry: &str, reason: impl Into<String>) -> ArchiveError {
    ArchiveError::Entry {
        entry: entry.to_string(),
        reason: reason.into(),
    }
}

/// Extracts `bytes` (an archive of `kind`, not Markdown) into `dest`, which must exist and be
/// empty; returns the skill's folder: `dest` itself, or its single top folder.
pub fn extract(bytes: &[u8], kind: ArtifactKind, dest: &Path) -> Result<PathBuf, ArchiveError> {
    let mut out = Writer {
        dest,
        entries: 0,
        written: 0,
    };
    match kind {
        ArtifactKind::TarGz => extract_tar(bytes, &mut out)?,
        ArtifactKind::Zip => extract_zip(bytes, &mut out)?,
        ArtifactKind::Markdown => {
            return Err(ArchiveError::Archive("a .md file is not an archive".into()));
        }
    }
    skill_root(dest)
}

/// Copies the skill directory `src` into the empty `dest` under the same rules as an archive
/// (regular files and folders only, the same limits and modes); returns `dest`.
pub fn copy_dir(src: &Path, dest: &Path) -> Result<PathBuf, ArchiveError> {
    let mut out = Writer {
        dest,
        entries: 0,
        written: 0,
    };
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let dir = src.join(&rel);
        let listing = std::fs::read_dir(&dir)
            .map_err(|e| ArchiveError::Io(format!("{}: {e}", dir.display())))?;
        for entry in listing {
            let entry = entry.map_err(|e| ArchiveError::Io(format!("{}: {e}", dir.display())))?;
            let rel = rel.join(entry.file_name());
            let name = rel.to_string_lossy().into_owned();
            let rel_checked = out.count_and_check(&name)?;
            let kind = entry
                .file_type()
                .map_err(|e| entry_error(&name, e.to_string()))?;
            if kind.is_dir() {
                out.dir(&name, rel_checked.as_deref())?;
                stack.push(rel);
            } else if kind.is_file() {
                let mut f = std::fs::File::open(entry.path())
                    .map_err(|e| entry_error(&name, format!("cannot read it: {e}")))?;
                out.file(&name, rel_checked.as_deref(), &mut f)?;
            } else if kind.is_symlink() {
                return Err(entry_error(&name, "links are not copied"));
            } else {
                return Err(entry_error(&name, "devices and pipes are not copied"));
            }
        }
    }
    if !dest.join("SKILL.md").is_file() {
        return Err(ArchiveError::Archive(format!(
            "{} has no SKILL.md",
            src.display()
        )));
    }
    Ok(dest.to_path_buf())
}

/// The tar stream of a `.tar.gz`, capped: headers and padding on top of the data limit; a
/// longer stream is a bomb.
fn tar_stream(bytes: &[u8]) -> tar::Archive<impl Read + '_> {
    let stream_cap = MAX_UNPACKED + (MAX_ENTRIES as u64 + 16) * 1024;
    tar::Archive::new(flate2::read::GzDecoder::new(bytes).take(stream_cap))
}

/// A first pass over the headers, writing nothing: too many entries, or sizes adding up to
/// more than the limit, are refused before a single file is created (the second pass still
/// counts the bytes it writes).
fn scan_tar(bytes: &[u8]) -> Result<(), ArchiveError> {
    let mut archive = tar_stream(bytes);
    let entries = archive
        .entries()
        .map_err(|e| ArchiveError::Io(e.to_string()))?;
    let (mut count, mut total) = (0usize, 0u64);
    for entry in entries {
        let entry = entry.map_err(|e| ArchiveError::Io(format!("not a valid tar.gz: {e}")))?;
        count += 1;
        if count > MAX_ENTRIES {
            return Err(too_many());
        }
        total = total.saturating_add(entry.size());
        if total > MAX_UNPACKED {
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            return Err(too_big(&name));
        }
    }
    Ok(())
}

fn too_big(name: &str) -> ArchiveError {
    entry_error(
        name,
        format!(
            "the archive unpacks to more than {} MB",
            MAX_UNPACKED / (1024 * 1024)
        ),
    )
}

fn extract_tar(bytes: &[u8], out: &mut Writer<'_>) -> Result<(), ArchiveError> {
    use tar::EntryType;
    scan_tar(bytes)?;
    let mut archive = tar_stream(bytes);
    let entries = archive
        .entries()
        .map_err(|e| ArchiveError::Io(e.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| ArchiveError::Io(format!("not a valid tar.gz: {e}")))?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let kind = entry.header().entry_type();
        if kind == EntryType::XGlobalHeader {
            continue;
        }
        let rel = out.count_and_check(&name)?;
        match kind {
            EntryType::Directory => out.dir(&name, rel.as_deref())?,
            EntryType::Regular | EntryType::Continuous => {
                out.file(&name, rel.as_deref(), &mut entry)?;
            }
            EntryType::Symlink | EntryType::Link => {
                return Err(entry_error(&name, "links are not extracted"));
            }
            EntryType::Char | EntryType::Block | EntryType::Fifo => {
                return Err(entry_error(&name, "devices and pipes are not extracted"));
            }
            other => {
                return Err(entry_error(
                    &name,
                    format!("unsupported entry type {:?}", other.as_byte() as char),
                ));
            }
        }
    }
    Ok(())
}

fn extract_zip(bytes: &[u8], out: &mut Writer<'_>) -> Result<(), ArchiveError> {
    let mut archive = zip::ZipArchive::new(io::Cursor::new(bytes))
        .map_err(|e| ArchiveError::Io(format!("not a valid zip: {e}")))?;
    if archive.len() > MAX_ENTRIES {
        return Err(too_many());
    }
    for i in 0..archive.len() {
        let mut file = archive
            .by_index(i)
            .map_err(|e| ArchiveError::Io(format!("not a valid zip: {e}")))?;
        let name = String::from_utf8_lossy(file.name_raw()).into_owned();
        let rel = out.count_and_check(&name)?;
        let mode = file.unix_mode().unwrap_or(0);
        let file_type = mode & 0o170_000;
        if file.is_symlink() || file_type == 0o120_000 {
            return Err(entry_error(&name, "links are not extracted"));
        }
        if file.is_dir() {
            out.dir(&name, rel.as_deref())?;
        } else if file_type == 0 || file_type == 0o100_000 {
            out.file(&name, rel.as_deref(), &mut file)?;
        } else {
            return Err(entry_error(&name, "devices and pipes are not extracted"));
        }
    }
    Ok(())
}

fn too_many() -> ArchiveError {
    ArchiveError::Archive(format!("more than {MAX_ENTRIES} entries"))
}

/// Writes entries under `dest`, counting them and the bytes written.
struct Writer<'a> {
    dest: &'a Path,
    entries: usize,
    written: u64,
}

impl Writer<'_> {
    /// Counts the entry and checks its path: relative, no `..`, no backslash or NUL. `None`
    /// is the archive's top itself (`./`).
    fn count_and_check(&mut self, name: &str) -> Result<Option<PathBuf>, ArchiveError> {
        self.entries += 1;
        if self.entries > MAX_ENTRIES {
            return Err(too_many());
        }
        if name.contains('\\') || name.contains('\0') {
            return Err(entry_error(
                name,
                "backslashes and NUL are not allowed in paths",
            ));
        }
        let mut rel = PathBuf::new();
        for c in Path::new(name).components() {
            match c {
                Component::Normal(part) => rel.push(part),
                Component::CurDir => {}
                Component::ParentDir => {
                    return Err(entry_error(name, "a path with `..` is not extracted"));
                }
                Component::RootDir | Component::Prefix(_) => {
                    return Err(entry_error(name, "an absolute path is not extracted"));
                }
            }
        }
        Ok((!rel.as_os_str().is_empty()).then_some(rel))
    }

    fn dir(&mut self, name: &str, rel: Option<&Path>) -> Result<(), ArchiveError> {
        let Some(rel) = rel else { return Ok(()) };
        DirBuilder::new()
            .recursive(true)
            .mode(DIR_MODE)
            .create(self.dest.join(rel))
            .map_err(|e| entry_error(name, format!("cannot create it: {e}")))
    }

    fn file(
        &mut self,
        name: &str,
        rel: Option<&Path>,
        data: &mut dyn Read,
    ) -> Result<(), ArchiveError> {
        let Some(rel) = rel else {
            return Err(entry_error(name, "a file without a name"));
        };
        if let Some(parent) = rel.parent().filter(|p| !p.as_os_str().is_empty()) {
            self.dir(name, Some(parent))?;
        }
        let path = self.dest.join(rel);
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(FILE_MODE)
            .open(&path)
            .map_err(|e| match e.kind() {
                io::ErrorKind::AlreadyExists => entry_error(name, "the archive has it twice"),
                _ => entry_error(name, format!("cannot create it: {e}")),
            })?;
        let room = MAX_UNPACKED - self.written;
        let n = io::copy(&mut data.take(room + 1), &mut file)
            .map_err(|e| entry_error(name, format!("cannot unpack it: {e}")))?;
        self.written += n;
        if self.written > MAX_UNPACKED {
            return Err(too_big(name));
        }
        Ok(())
    }
}

/// The skill's folder in `dest`: `dest` when `SKILL.md` is at the top, else its single top
/// folder when that has `SKILL.md`.
fn skill_root(dest: &Path) -> Result<PathBuf, ArchiveError> {
    if dest.join("SKILL.md").is_file() {
        return Ok(dest.to_path_buf());
    }
    let tops: Vec<PathBuf> = std::fs::read_dir(dest)
        .map_err(|e| ArchiveError::Io(e.to_string()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    match tops.as_slice() {
        [only] if only.is_dir() && only.join("SKILL.md").is_file() => Ok(only.clone()),
        _ => Err(ArchiveError::Archive(
            "it does not hold one skill: SKILL.md at the top or in a single top folder".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tar.gz of (name, type, data) with names written raw, so bad ones get in.
    fn tar_gz(entries: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
        let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut b = tar::Builder::new(gz);
        for (name, kind, data) in entries {
            let mut h = tar::Header::new_gnu();
            h.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name.as_bytes());
            h.set_entry_type(*kind);
            h.set_size(data.len() as u64);
            h.set_mode(0o4777);
            if *kind == tar::EntryType::Symlink {
                h.set_link_name("../../outside").unwrap();
            }
            h.set_cksum();
            b.append(&h, *data).unwrap();
        }
        b.into_inner().unwrap().finish().unwrap()
    }

    fn extract_tar_gz(entries: &[(&str, tar::EntryType, &[u8])]) -> Result<PathBuf, ArchiveError> {
        let dir = tempfile::tempdir().unwrap();
        let r = extract(&tar_gz(entries), ArtifactKind::TarGz, dir.path());
        r.map(|p| p.strip_prefix(dir.path()).unwrap().to_path_buf())
    }

    const FILE: tar::EntryType = tar::EntryType::Regular;

    #[test]
    fn a_skill_folder_is_extracted_with_safe_modes() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let bytes = tar_gz(&[
            ("review/", tar::EntryType::Directory, b""),
            ("review/SKILL.md", FILE, b"---\nname: review\n---\nbody\n"),
            ("review/scripts/run.sh", FILE, b"echo hi\n"),
        ]);
        let root = extract(&bytes, ArtifactKind::TarGz, dir.path()).unwrap();
        assert_eq!(root, dir.path().join("review"));
        let mode = std::fs::metadata(root.join("scripts/run.sh"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o7022,
            0,
            "no setuid, no group/other write: {mode:o}"
        );
        assert_eq!(
            extract_tar_gz(&[("SKILL.md", FILE, b"x")]).unwrap(),
            PathBuf::new()
        );
    }

    #[test]
    fn bad_entries_are_refused_by_name() {
        let cases: [(&str, tar::EntryType, &str); 5] = [
            ("../x", FILE, "`..`"),
            ("/etc/x", FILE, "absolute"),
            ("a/link", tar::EntryType::Symlink, "links"),
            ("a/hard", tar::EntryType::Link, "links"),
            ("a/fifo", tar::EntryType::Fifo, "pipes"),
        ];
        for (name, kind, why) in cases {
            let e = extract_tar_gz(&[("SKILL.md", FILE, b"x"), (name, kind, b"")])
                .unwrap_err()
                .to_string();
            assert!(e.contains(name) && e.contains(why), "{name}: {e}");
        }
    }

    #[test]
    fn shapes_other_than_one_skill_are_refused() {
        let e = extract_tar_gz(&[("a/SKILL.md", FILE, b"x"), ("b/SKILL.md", FILE, b"x")]);
        assert!(e.unwrap_err().to_string().contains("one skill"));
        let e = extract_tar_gz(&[("README.md", FILE, b"x")]);
        assert!(e.unwrap_err().to_string().contains("one skill"));
    }

    #[test]
    fn kinds_and_stems_come_from_the_url() {
        assert_eq!(
            ArtifactKind::of("http://x/a/b.tgz?x=1"),
            Some(ArtifactKind::TarGz)
        );
        assert_eq!(ArtifactKind::of("b.ZIP"), Some(ArtifactKind::Zip));
        assert_eq!(ArtifactKind::of("b.txt"), None);
        assert_eq!(ArtifactKind::stem("http://x/a/review.tar.gz#f"), "review");
    }
}
