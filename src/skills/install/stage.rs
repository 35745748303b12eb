//! The staging folder of one install, `.install-XXXX` inside the skills folder (hidden, so
//! discovery skips it), and the final rename. A skill already there under the same name
//! (either shape) is moved into the staging folder first (listed in its `aside.json`) and
//! moved back if anything fails; on success it is removed with the staging folder. The
//! install record is written before that point of no return, so a failure to write it also
//! restores the old skill. The final step holds a lock on the skills folder, so two installs
//! do not interleave.
//!
//! A live install holds a lock on its staging folder. The next install treats a staging folder
//! whose lock is free (its install was killed) as abandoned: the skills it had moved aside go
//! back where they were if their place is empty, and the folder is removed.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::{InstallError, Installed};
use crate::skills::package::SkillKind;
use crate::skills::record::{self, InstallRecord};

/// What an abandoned staging folder lists of the skills it moved aside.
const ASIDE: &str = "aside.json";
/// A staging folder this young may still be taking its lock: left alone.
const YOUNG: Duration = Duration::from_secs(10);

/// A checked skill in the staging folder.
pub(super) struct Built {
    pub path: PathBuf,
    pub name: String,
    pub kind: SkillKind,
    pub version: Option<String>,
}

/// The staging folder of one install; dropping it removes it (and whatever was moved aside),
/// and the skills folder too when this install created it and nothing landed.
pub(super) struct Stage {
    dir: Option<tempfile::TempDir>,
    _lock: File,
    skills_dir: PathBuf,
    created_skills_dir: bool,
    committed: bool,
}

impl Stage {
    pub fn new(skills_dir: &Path) -> Result<Stage, InstallError> {
        let io = |e: std::io::Error| {
            InstallError::Io(format!("cannot install into {}: {e}", skills_dir.display()))
        };
        let created_skills_dir = !skills_dir.exists();
        crate::private_fs::create_dir_all(skills_dir).map_err(io)?;
        recover_abandoned(skills_dir);
        let dir = tempfile::Builder::new()
            .prefix(".install-")
            .tempdir_in(skills_dir)
            .map_err(io)?;
        let lock = File::open(dir.path()).map_err(io)?;
        lock.lock().map_err(io)?;
        Ok(Stage {
            dir: Some(dir),
            _lock: lock,
            skills_dir: skills_dir.to_path_buf(),
            created_skills_dir,
            committed: false,
        })
    }

    pub fn path(&self) -> &Path {
        self.dir.as_ref().map_or(&self.skills_dir, |d| d.path())
    }

    /// Renames `built` into place (old skill aside, restored on failure) and records it.
    pub fn commit(
        mut self,
        built: Built,
        mut record: InstallRecord,
    ) -> Result<Installed, InstallError> {
        let dir = self.skills_dir.clone();
        let io = |what: &str, e: std::io::Error| InstallError::Io(format!("cannot {what}: {e}"));
        let folder_lock = File::open(&dir).map_err(|e| io("lock the skills folder", e))?;
        folder_lock
            .lock()
            .map_err(|e| io("lock the skills folder", e))?;
        let mut records = record::read(&dir).map_err(InstallError::Io)?;
        let file_target = dir.join(format!("{}.md", built.name));
        let dir_target = dir.join(&built.name);
        let target = match built.kind {
            SkillKind::File => file_target.clone(),
            SkillKind::Dir => dir_target.clone(),
        };
        let present: Vec<(PathBuf, PathBuf)> = [file_target, dir_target]
            .into_iter()
            .enumerate()
            .filter(|(_, old)| std::fs::symlink_metadata(old).is_ok())
            .map(|(i, old)| (old, self.path().join(format!("old-{i}"))))
            .collect();
        self.note_aside(&present)
            .map_err(|e| io("prepare the install", e))?;
        let mut aside: Vec<(PathBuf, PathBuf)> = Vec::new();
        for (old, to) in present {
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
        if let Err(e) = record::write(&dir, &records) {
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

    /// Lists in `aside.json` what is about to be moved aside (staging name, skills folder
    /// name), so a later install can put it back if this one is killed.
    fn note_aside(&self, moves: &[(PathBuf, PathBuf)]) -> std::io::Result<()> {
        let names: Vec<(String, String)> = moves
            .iter()
            .map(|(home, moved)| (file_name(moved), file_name(home)))
            .collect();
        let bytes = serde_json::to_vec(&names).map_err(std::io::Error::other)?;
        let path = self.path().join(ASIDE);
        std::fs::write(&path, bytes)?;
        File::open(&path)?.sync_all()
    }
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
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

/// Recovers the staging folders of killed installs (see the module doc).
fn recover_abandoned(skills_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(skills_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let stage = entry.path();
        let young = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_none_or(|age| age < YOUNG);
        if !entry.file_name().to_string_lossy().starts_with(".install-") || young {
            continue;
        }
        let Ok(lock) = File::open(&stage) else {
            continue;
        };
        if lock.try_lock().is_err() {
            continue; // a live install
        }
        let moved: Vec<(String, String)> = std::fs::read(stage.join(ASIDE))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        for (moved, home) in moved {
            let (from, to) = (stage.join(&moved), skills_dir.join(&home));
            let safe = !home.contains('/') && !home.starts_with('.') && !moved.contains('/');
            if safe && from.exists() && std::fs::symlink_metadata(&to).is_err() {
                tracing::warn!("putting back {} from a killed install", to.display());
                let _ = std::fs::rename(&from, &to);
            }
        }
        let _ = std::fs::remove_dir_all(&stage);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_killed_install_is_recovered_and_a_live_one_left_alone() {
        let skills = tempfile::tempdir().unwrap();
        let old = SystemTime::now() - Duration::from_secs(60);
        // Killed after moving review.md aside.
        let dead = skills.path().join(".install-dead");
        std::fs::create_dir(&dead).unwrap();
        std::fs::write(dead.join("old-0"), "old review").unwrap();
        std::fs::write(dead.join(ASIDE), r#"[["old-0","review.md"]]"#).unwrap();
        File::open(&dead).unwrap().set_modified(old).unwrap();
        // Still running: its lock is held.
        let live = skills.path().join(".install-live");
        std::fs::create_dir(&live).unwrap();
        let held = File::open(&live).unwrap();
        held.lock().unwrap();
        File::open(&live).unwrap().set_modified(old).unwrap();

        recover_abandoned(skills.path());
        assert_eq!(
            std::fs::read_to_string(skills.path().join("review.md")).unwrap(),
            "old review"
        );
        assert!(!dead.exists());
        assert!(live.exists());
    }
}
