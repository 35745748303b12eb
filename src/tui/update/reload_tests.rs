//! Live reload through the real path: a keymap and a theme file in a temp directory, watched
//! by `watch_configs`; what the watcher sends goes through `update`.

use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use super::update;
use crate::tui::config::keymap::{Action, Context, Keymap};
use crate::tui::config::theme::Theme;
use crate::tui::config::watch::watch_configs;
use crate::tui::config::{ConfigKind, locate};
use crate::tui::msg::Msg;
use crate::tui::panes::conversation::{CellKind, NoticeLevel};
use crate::tui::state::State;

/// The next change the watcher reports for `kind` (after a write), fed to `update`.
async fn next_change(rx: &mut UnboundedReceiver<Msg>, state: &mut State, kind: ConfigKind) {
    let wait = async {
        loop {
            match rx.recv().await {
                Some(m @ Msg::ConfigChanged { kind: k, .. }) if k == kind => return m,
                Some(_) => continue,
                None => panic!("the watcher stopped"),
            }
        }
    };
    let msg = tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .expect("the watcher reports the change within 10 s");
    assert!(update(state, msg).is_empty());
}

/// Replaces a file the way editors do (a temp file renamed over it), so the watcher never
/// reads a half-written file.
fn replace(path: &std::path::Path, text: &str) {
    let tmp = path.with_extension("swp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn last_notice(state: &State) -> (NoticeLevel, String) {
    match state.conversation.cells.last().map(|c| &c.kind) {
        Some(CellKind::Notice { level, text }) => (*level, text.clone()),
        other => panic!("no notice: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn editing_the_keymap_and_theme_files_reloads_them_and_a_bad_edit_keeps_the_last_good() {
    let dir = tempfile::tempdir().unwrap();
    let keymap_path = dir.path().join("mine.toml");
    let theme_dir = dir.path().join("themes");
    std::fs::create_dir(&theme_dir).unwrap();
    let theme_path = theme_dir.join("mine.toml");
    std::fs::write(
        &keymap_path,
        "extends = \"default\"\n[global]\nhelp = [\"f3\"]\n",
    )
    .unwrap();
    std::fs::write(&theme_path, "name = \"mine\"\n").unwrap();
    let sources = vec![
        locate(ConfigKind::Keymap, keymap_path.to_str().unwrap(), None).unwrap(),
        locate(ConfigKind::Theme, theme_path.to_str().unwrap(), None).unwrap(),
    ];
    let mut s = State::new(120, 40);
    s.keymap = Keymap::parse(&sources[0].name, &sources[0].text).unwrap();
    s.set_theme(Theme::parse(&sources[1].text).unwrap());
    let (tx, mut rx) = unbounded_channel();
    let _watcher = watch_configs(&sources, tx).expect("files to watch");
    // Let the watch start before the first write.
    tokio::time::sleep(Duration::from_millis(300)).await;

    // A valid keymap edit applies.
    replace(
        &keymap_path,
        "extends = \"default\"\n[global]\nhelp = [\"f4\"]\n",
    );
    next_change(&mut rx, &mut s, ConfigKind::Keymap).await;
    assert_eq!(
        s.keymap.keys_for(Context::Global, Action::Help).as_deref(),
        Some("f4")
    );
    assert_eq!(
        s.toast.as_ref().map(|t| t.text.as_str()),
        Some("keymap reloaded")
    );
    let good = s.keymap.clone();

    // An invalid one names its line and keeps the last good keymap.
    replace(
        &keymap_path,
        "extends = \"default\"\n[global]\nhelp = [\"f5\"]\nno_such_action = [\"x\"]\n",
    );
    next_change(&mut rx, &mut s, ConfigKind::Keymap).await;
    assert_eq!(s.keymap, good);
    let (level, text) = last_notice(&s);
    assert_eq!(level, NoticeLevel::Error);
    assert!(text.contains("line 4"), "{text}");
    assert!(text.contains("mine.toml"), "names the file: {text}");
    assert!(text.contains("keeping the last good keymap"), "{text}");

    // The theme: a valid edit applies, a bad colour is refused with its line.
    replace(&theme_path, "name = \"mine\"\n[colors]\naccent = \"red\"\n");
    next_change(&mut rx, &mut s, ConfigKind::Theme).await;
    assert_eq!(s.theme.accent, ratatui::style::Color::Red);
    let good = s.theme.clone();
    replace(
        &theme_path,
        "name = \"mine\"\n[colors]\naccent = \"nope\"\n",
    );
    next_change(&mut rx, &mut s, ConfigKind::Theme).await;
    assert_eq!(s.theme, good);
    let (level, text) = last_notice(&s);
    assert_eq!(level, NoticeLevel::Error);
    assert!(text.contains("line 3"), "{text}");
}
