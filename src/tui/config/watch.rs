//! Live reload: the theme and keymap files in use are watched; a change is read and sent to
//! the loop, which parses it (and keeps the last good one if it does not parse).

use std::path::PathBuf;
use std::time::Duration;

use notify::RecursiveMode;
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use tokio::sync::mpsc::UnboundedSender;

use crate::tui::config::{ConfigKind, ConfigSource};
use crate::tui::msg::Msg;

/// Keeps watching while alive.
pub struct ConfigWatcher {
    _debouncer: Debouncer<notify::RecommendedWatcher, RecommendedCache>,
}

/// Watches the files of `sources` that are files; `None` when there is nothing to watch.
pub fn watch_configs(sources: &[ConfigSource], tx: UnboundedSender<Msg>) -> Option<ConfigWatcher> {
    let files: Vec<(ConfigKind, PathBuf)> = sources
        .iter()
        .filter_map(|s| Some((s.kind, std::fs::canonicalize(s.path.as_ref()?).ok()?)))
        .collect();
    if files.is_empty() {
        return None;
    }
    let watched = files.clone();
    // Editors write a file in several steps: send each new content once.
    let mut last: Vec<Option<Result<String, String>>> = vec![None; files.len()];
    let mut debouncer = new_debouncer(
        Duration::from_millis(150),
        None,
        move |res: DebounceEventResult| {
            let Ok(events) = res else { return };
            for (i, (kind, path)) in watched.iter().enumerate() {
                let touched = events
                    .iter()
                    .any(|e| e.paths.iter().any(|p| same_file(p, path)));
                if touched {
                    let text = std::fs::read_to_string(path)
                        .map_err(|e| format!("cannot read {}: {e}", path.display()));
                    if last[i].as_ref() == Some(&text) {
                        continue;
                    }
                    last[i] = Some(text.clone());
                    let _ = tx.send(Msg::ConfigChanged {
                        kind: *kind,
                        path: path.clone(),
                        text,
                    });
                }
            }
        },
    )
    .ok()?;
    for (_, path) in &files {
        // Editors replace files by renaming: watch the directory, not the file.
        if let Some(dir) = path.parent() {
            let _ = debouncer.watch(dir, RecursiveMode::NonRecursive);
        }
    }
    Some(ConfigWatcher {
        _debouncer: debouncer,
    })
}

/// Whether an event's path names the watched file. Event paths may come through a symlinked
/// directory (macOS's /var), so the file and its directory's names are compared when the
/// whole paths differ.
fn same_file(event: &std::path::Path, watched: &std::path::Path) -> bool {
    let dir_name =
        |p: &std::path::Path| p.parent().and_then(|d| d.file_name().map(|n| n.to_owned()));
    event == watched
        || (event.file_name() == watched.file_name() && dir_name(event) == dir_name(watched))
}

#[cfg(test)]
mod tests {
    use super::same_file;
    use std::path::Path;

    #[test]
    fn files_of_the_same_name_in_other_directories_are_not_the_watched_one() {
        let watched = Path::new("/home/u/.config/pi/themes/mine.toml");
        assert!(same_file(watched, watched));
        assert!(same_file(
            Path::new("/private/home/u/.config/pi/themes/mine.toml"),
            watched
        ));
        assert!(!same_file(
            Path::new("/home/u/.config/pi/mine.toml"),
            watched
        ));
        assert!(!same_file(
            Path::new("/home/u/.config/pi/themes/other.toml"),
            watched
        ));
    }
}
