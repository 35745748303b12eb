//! `/new`, `/clear` and `/session-open`: starting over without losing anything.

use pi_coding_agent::commands::lock_session;
use pi_coding_agent::session::{LockOptions, SessionStore};

use super::{Bench, user};

fn lock() -> LockOptions {
    LockOptions {
        wait_ms: 2_000,
        stale_ms: 30_000,
    }
}

#[test]
fn new_starts_a_fresh_file_beside_the_old_one_and_names_it() {
    let mut b = Bench::new();
    let old = b.session_file();
    let before = std::fs::read(&old).unwrap();
    let text = b.ok("/new");
    assert!(
        text.contains(&format!("the previous one is {}", old.display())),
        "{text}"
    );
    let new_path = {
        let s = lock_session(b.engine.session());
        assert_eq!(s.entry_count(), 0);
        assert_eq!(s.head(), None);
        s.path().unwrap().to_path_buf()
    };
    assert_ne!(new_path, old);
    assert_eq!(new_path.parent(), old.parent());
    assert!(text.contains(&new_path.display().to_string()), "{text}");
    // The next message goes to the new file; the old one is untouched.
    lock_session(b.engine.session())
        .append_message(&user("a fresh start"))
        .unwrap();
    assert_eq!(std::fs::read(&old).unwrap(), before);
    let (reopened, _) = SessionStore::open(&new_path, b.path(), lock()).unwrap();
    assert_eq!(reopened.entry_count(), 1);
    // And /session-open goes back.
    let text = b.ok(&format!("/session-open {}", old.display()));
    assert!(text.contains(&old.display().to_string()), "{text}");
    assert_eq!(lock_session(b.engine.session()).entry_count(), 7);
    assert!(
        b.err("/session-open nowhere.jsonl")
            .contains("not a session file")
    );
}

#[test]
fn clear_starts_a_new_root_branch_in_the_same_file() {
    let mut b = Bench::new();
    let old_head = b.head().unwrap();
    let text = b.ok("/clear");
    assert!(text.contains(&format!("/branch {old_head}")), "{text}");
    assert_eq!(b.head(), None);
    let id = lock_session(b.engine.session())
        .append_message(&user("something else entirely"))
        .unwrap();
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(b.session_file())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let last = lines.last().unwrap();
    assert_eq!(last["id"], id.as_str());
    assert!(last["parentId"].is_null(), "{last}");
    // Everything before is still there, and the file reopens on the new conversation.
    assert_eq!(lines.iter().filter(|l| l["type"] == "message").count(), 7);
    let (reopened, _) = SessionStore::open(&b.session_file(), b.path(), lock()).unwrap();
    assert_eq!(reopened.head(), Some(id.as_str()));
    assert_eq!(reopened.context().unwrap().messages.len(), 1);
}
