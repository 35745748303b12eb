//! Watching the skills folders: a skill added, changed or removed in any root calls back once
//! per burst of changes (debounced), so the Skills pane reloads live.
//!
//! A root that exists is watched recursively (a directory skill's `SKILL.md` is one level
//! down). A root that does not exist yet is watched through its nearest existing parent,
//! without recursion, so creating it is seen; the watches follow whenever a change touches a
//! root or one of its parents.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use notify::RecursiveMode;
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};

use super::discover::SkillRoot;

/// How long a burst of changes may last before the callback runs.
const DEBOUNCE: Duration = Duration::from_millis(150);

type Inner = Debouncer<notify::RecommendedWatcher, RecommendedCache>;

/// What is watched for each root: the path and how.
#[derive(Default)]
struct Watches {
    debouncer: Option<Inner>,
    current: Vec<Option<(PathBuf, RecursiveMode)>>,
}

/// Keeps watching while alive.
pub struct SkillsWatcher {
    _watches: Arc<Mutex<Watches>>,
}

/// Watches `roots`; `on_change` runs (on the watcher's thread) after each burst of changes to
/// a skill. `None` when the platform watcher cannot start (logged).
pub fn watch_skills(
    roots: &[SkillRoot],
    on_change: impl Fn() + Send + 'static,
) -> Option<SkillsWatcher> {
    let dirs: Vec<PathBuf> = roots.iter().map(|r| r.dir.clone()).collect();
    let watches = Arc::new(Mutex::new(Watches::default()));
    let weak: Weak<Mutex<Watches>> = Arc::downgrade(&watches);
    let handler_dirs = dirs.clone();
    let debouncer = new_debouncer(DEBOUNCE, None, move |res: DebounceEventResult| {
        let Ok(events) = res else { return };
        let touched = events
            .iter()
            .flat_map(|e| e.paths.iter())
            .any(|p| handler_dirs.iter().any(|d| concerns(p, d)));
        if !touched {
            return;
        }
        if let Some(w) = weak.upgrade() {
            let mut w = w.lock().unwrap_or_else(PoisonError::into_inner);
            follow(&mut w, &handler_dirs);
        }
        on_change();
    });
    let debouncer = match debouncer {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!("cannot watch the skills folders: {e}");
            return None;
        }
    };
    {
        let mut w = watches.lock().unwrap_or_else(PoisonError::into_inner);
        w.debouncer = Some(debouncer);
        w.current = vec![None; dirs.len()];
        follow(&mut w, &dirs);
    }
    Some(SkillsWatcher { _watches: watches })
}

/// Whether a change at `path` can concern the skills of `root`: it is in the root, or it is
/// the root or one of its parents (created, removed, renamed).
fn concerns(path: &Path, root: &Path) -> bool {
    path.starts_with(root) || root.starts_with(path) || {
        // Event paths may come through a resolved symlink (macOS's /var).
        std::fs::canonicalize(root).is_ok_and(|real| path.starts_with(&real))
    }
}

/// What to watch for `root` now.
fn target(root: &Path) -> Option<(PathBuf, RecursiveMode)> {
    if root.is_dir() {
        return Some((root.to_path_buf(), RecursiveMode::Recursive));
    }
    root.ancestors()
        .skip(1)
        .find(|d| d.is_dir())
        .map(|d| (d.to_path_buf(), RecursiveMode::NonRecursive))
}

/// Moves the watches to where each root's skills can change now.
fn follow(w: &mut Watches, dirs: &[PathBuf]) {
    let Watches { debouncer, current } = w;
    let Some(debouncer) = debouncer.as_mut() else {
        return;
    };
    for (i, dir) in dirs.iter().enumerate() {
        let want = target(dir);
        let Some(slot) = current.get_mut(i) else {
            continue;
        };
        if *slot == want {
            continue;
        }
        if let Some((old, _)) = slot.take() {
            let _ = debouncer.unwatch(&old);
        }
        if let Some((path, mode)) = &want
            && let Err(e) = debouncer.watch(path, *mode)
        {
            tracing::warn!("cannot watch {}: {e}", path.display());
        }
        *slot = want;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::skills::discover::SkillSource;
    use std::sync::mpsc;

    fn wait(rx: &mpsc::Receiver<()>) -> bool {
        rx.recv_timeout(Duration::from_secs(5)).is_ok()
    }

    #[test]
    fn changes_to_skills_call_back_and_a_new_root_is_followed() {
        let t = tempfile::tempdir().unwrap();
        let existing = t.path().join("user");
        std::fs::create_dir_all(&existing).unwrap();
        let later = t.path().join("project/.pi/skills");
        let roots = [
            SkillRoot {
                dir: later.clone(),
                source: SkillSource::Project,
            },
            SkillRoot {
                dir: existing.clone(),
                source: SkillSource::User,
            },
        ];
        let (tx, rx) = mpsc::channel();
        let _w = watch_skills(&roots, move || {
            let _ = tx.send(());
        })
        .unwrap();
        std::fs::write(existing.join("a.md"), "A\n").unwrap();
        assert!(wait(&rx), "a new file skill is seen");
        std::fs::create_dir_all(existing.join("b")).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        while rx.try_recv().is_ok() {}
        std::fs::write(existing.join("b/SKILL.md"), "B\n").unwrap();
        assert!(wait(&rx), "a directory skill's SKILL.md is seen");
        // The project root does not exist yet: creating it, then a skill in it, is seen.
        std::fs::create_dir_all(&later).unwrap();
        assert!(wait(&rx), "the root's creation is seen");
        std::thread::sleep(Duration::from_millis(300));
        while rx.try_recv().is_ok() {}
        std::fs::write(later.join("c.md"), "C\n").unwrap();
        assert!(wait(&rx), "a skill in the new root is seen");
        // Files elsewhere are not skills.
        std::thread::sleep(Duration::from_millis(300));
        while rx.try_recv().is_ok() {}
        std::fs::write(t.path().join("project/README.md"), "x\n").unwrap();
        assert!(
            rx.recv_timeout(Duration::from_millis(600)).is_err(),
            "a file outside the roots is not a skill change"
        );
    }

    #[test]
    fn what_concerns_a_root() {
        let root = Path::new("/p/.pi/skills");
        assert!(concerns(Path::new("/p/.pi/skills/a.md"), root));
        assert!(concerns(Path::new("/p/.pi"), root));
        assert!(!concerns(Path::new("/p/README.md"), root));
        assert!(!concerns(Path::new("/p/.pi/sessions/x.jsonl"), root));
    }
}
