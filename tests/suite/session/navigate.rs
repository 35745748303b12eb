//! Branching, resume, aliases, bookmarks, search, stats and diff.

use std::path::{Path, PathBuf};

use pi_coding_agent::ai::types::{AssistantMessage, ContentBlock, Message};
use pi_coding_agent::session::{SessionError, SessionStore};

use super::{assistant, fixture_copy, open, texts};

/// u1 → a1 → u2 → a2 (tip A), and from a1: u3 → a3 (tip B, the head).
pub struct Branched {
    pub _dir: tempfile::TempDir,
    pub path: PathBuf,
    pub store: SessionStore,
    pub ids: [String; 6], // u1 a1 u2 a2 u3 a3
}

pub fn branched() -> Branched {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.jsonl");
    let (mut store, _) = open(&path);
    let u1 = store
        .append_message(&Message::user_text("Hello world", 1))
        .unwrap();
    let a1 = store.append_message(&assistant("hi there", 10)).unwrap();
    let u2 = store
        .append_message(&Message::user_text("plan A: use a \"quoted\" word", 2))
        .unwrap();
    let a2 = store.append_message(&assistant("doing A", 20)).unwrap();
    store.set_head(&a1).unwrap();
    let u3 = store
        .append_message(&Message::user_text("plan B instead", 3))
        .unwrap();
    let a3 = store.append_message(&assistant("doing B", 30)).unwrap();
    Branched {
        _dir: dir,
        path,
        store,
        ids: [u1, a1, u2, a2, u3, a3],
    }
}

#[test]
fn set_head_forks_and_is_persisted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.jsonl");
    let (mut store, _) = open(&path);
    let u1 = store.append_message(&Message::user_text("one", 1)).unwrap();
    store.append_message(&Message::user_text("two", 2)).unwrap();
    store.set_head(&u1).unwrap();
    assert_eq!(store.head(), Some(u1.as_str()));
    assert_eq!(texts(&store), ["one"]);
    // The head entry is a pi `custom` entry whose parent is the new head, so pi opens there too.
    let text = std::fs::read_to_string(&path).unwrap();
    let last: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(last["type"], "custom");
    assert_eq!(last["customType"], "rust-pi.head");
    assert_eq!(last["parentId"], u1.as_str());
    let (reopened, _) = open(&path);
    assert_eq!(reopened.head(), Some(u1.as_str()));
    assert!(matches!(
        store.set_head("nope"),
        Err(SessionError::UnknownEntry { .. })
    ));
}

#[test]
fn branches_lists_every_tip_with_its_last_user_message() {
    let b = branched();
    let branches = b.store.branches().unwrap();
    assert_eq!(branches.len(), 2);
    assert_eq!(b.store.branch_count(), 2);
    assert_eq!(branches[0].leaf_id, b.ids[3]);
    assert_eq!(
        branches[0].last_user_message.as_deref(),
        Some("plan A: use a \"quoted\" word")
    );
    assert!(!branches[0].active);
    assert_eq!(branches[1].leaf_id, b.ids[5]);
    assert_eq!(branches[1].last_user_id.as_deref(), Some(b.ids[4].as_str()));
    assert!(branches[1].active);
    assert_eq!(branches[1].depth, 4);
}

#[test]
fn resume_returns_to_the_latest_work() {
    let mut b = branched();
    b.store.set_head(&b.ids[0]).unwrap();
    assert_eq!(b.store.previous_head(), Some(b.ids[5].as_str()));
    assert_eq!(
        b.store.resume().unwrap().as_deref(),
        Some(b.ids[5].as_str())
    );
    let (reopened, _) = open(&b.path);
    assert_eq!(reopened.head(), Some(b.ids[5].as_str()));
}

#[test]
fn diff_shows_the_common_ancestor_and_each_side() {
    let mut b = branched();
    let d = b.store.diff(&b.ids[3], &b.ids[5]).unwrap();
    assert_eq!(d.common_ancestor.as_deref(), Some(b.ids[1].as_str()));
    let only_a: Vec<&str> = d.only_a.iter().map(|e| e.id.as_str()).collect();
    let only_b: Vec<&str> = d.only_b.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(only_a, [b.ids[2].as_str(), b.ids[3].as_str()]);
    assert_eq!(only_b, [b.ids[4].as_str(), b.ids[5].as_str()]);
    assert_eq!(d.only_b[0].kind, "message/user");
    assert_eq!(d.only_b[0].preview.as_deref(), Some("plan B instead"));

    // Default: the active head against the previous one.
    b.store.set_head(&b.ids[3]).unwrap();
    let d = b.store.diff_with_previous_head().unwrap();
    assert_eq!(
        (d.a.as_str(), d.b.as_str()),
        (b.ids[5].as_str(), b.ids[3].as_str())
    );
    let fresh = SessionStore::in_memory(Path::new("/"));
    assert!(fresh.diff_with_previous_head().is_err());
}

#[test]
fn branch_aliases_persist_and_move_the_head_when_used() {
    let mut b = branched();
    let head = b.store.head().unwrap().to_string();
    b.store.set_branch_alias("plan-a", &b.ids[3]).unwrap();
    assert_eq!(
        b.store.head(),
        Some(head.as_str()),
        "an alias does not move the head"
    );
    assert_eq!(b.store.branch_count(), 2, "an alias entry is not a branch");
    let (mut reopened, warnings) = open(&b.path);
    assert!(warnings.is_empty());
    assert_eq!(reopened.head(), Some(head.as_str()));
    let aliases = reopened.branch_aliases();
    assert_eq!(aliases.len(), 1);
    assert_eq!(
        (aliases[0].name.as_str(), aliases[0].target_id.as_str()),
        ("plan-a", b.ids[3].as_str())
    );
    assert_eq!(reopened.branches().unwrap()[0].names, ["plan-a"]);
    assert_eq!(reopened.use_branch_alias("plan-a").unwrap(), b.ids[3]);
    assert_eq!(reopened.head(), Some(b.ids[3].as_str()));
    assert_eq!(reopened.resolve_ref("plan-a").unwrap(), b.ids[3]);
    reopened.delete_branch_alias("plan-a").unwrap();
    assert!(reopened.branch_aliases().is_empty());
    let err = reopened.use_branch_alias("plan-a").unwrap_err();
    assert!(err.to_string().contains("/branch-alias list"), "{err}");
    assert!(reopened.set_branch_alias("two words", &b.ids[0]).is_err());
}

#[test]
fn bookmarks_are_pi_labels() {
    let mut b = branched();
    b.store.set_bookmark("start", &b.ids[0]).unwrap();
    b.store.set_bookmark("fav", &b.ids[2]).unwrap();
    b.store.set_bookmark("fav", &b.ids[4]).unwrap(); // moves
    let text = std::fs::read_to_string(&b.path).unwrap();
    let labels: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["type"] == "label")
        .collect();
    assert_eq!(labels.len(), 4); // start, fav, clear old fav, fav again
    assert_eq!(labels[0]["targetId"], b.ids[0].as_str());
    assert_eq!(labels[0]["label"], "start");
    assert!(
        labels[2].get("label").is_none(),
        "a cleared label has no label field"
    );
    let (mut reopened, _) = open(&b.path);
    let names: Vec<(String, String)> = reopened
        .bookmarks()
        .into_iter()
        .map(|n| (n.name, n.target_id))
        .collect();
    assert_eq!(
        names,
        [
            ("fav".to_string(), b.ids[4].clone()),
            ("start".to_string(), b.ids[0].clone())
        ]
    );
    assert_eq!(
        reopened.head(),
        Some(b.ids[5].as_str()),
        "labels do not move the head"
    );
    reopened.use_bookmark("start").unwrap();
    assert_eq!(reopened.head(), Some(b.ids[0].as_str()));
    reopened.delete_bookmark("start").unwrap();
    assert_eq!(reopened.bookmarks().len(), 1);
    assert!(matches!(
        reopened.delete_bookmark("start"),
        Err(SessionError::UnknownName { .. })
    ));
}

#[test]
fn references_resolve_ids_names_and_prefixes() {
    let b = branched();
    assert_eq!(b.store.resolve_ref(&b.ids[2]).unwrap(), b.ids[2]);
    let prefix = &b.ids[2][..6];
    if b.ids.iter().filter(|i| i.starts_with(prefix)).count() == 1 {
        assert_eq!(b.store.resolve_ref(prefix).unwrap(), b.ids[2]);
    }
    assert!(b.store.resolve_ref("zz").is_err());
}

#[test]
fn search_is_case_insensitive_newest_first_and_only_in_message_text() {
    let mut b = branched();
    let call = Message::Assistant(AssistantMessage {
        content: vec![ContentBlock::ToolCall {
            id: "c".into(),
            name: "bash".into(),
            arguments: serde_json::json!({"command": "echo onlyinargs"}),
        }],
        ..AssistantMessage::default()
    });
    b.store.append_message(&call).unwrap();
    let hits = b.store.search("PLAN", 10).unwrap();
    let ids: Vec<&str> = hits.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, [b.ids[4].as_str(), b.ids[2].as_str()]);
    assert_eq!(hits[0].role, "user");
    assert_eq!(hits[0].snippet, "plan B instead");
    assert_eq!(b.store.search("plan", 1).unwrap().len(), 1);
    let quoted = b.store.search("\"quoted\"", 10).unwrap();
    assert_eq!(quoted.len(), 1);
    assert_eq!(quoted[0].id, b.ids[2]);
    assert!(b.store.search("onlyinargs", 10).unwrap().is_empty());
    assert!(
        b.store.search("role", 10).unwrap().is_empty(),
        "JSON keys are not text"
    );
    assert_eq!(b.store.search("doing", 10).unwrap()[0].role, "assistant");
}

#[test]
fn stats_of_the_pi_fixture() {
    let (_dir, path) = fixture_copy();
    let (store, _) = open(&path);
    let s = store.stats();
    assert_eq!(s.entries, 13);
    assert_eq!(s.branches, 1);
    assert_eq!((s.max_depth, s.active_depth), (13, 13));
    assert_eq!(s.messages_by_role["user"], 2);
    assert_eq!(s.messages_by_role["assistant"], 5);
    assert_eq!(s.messages_by_role["toolResult"], 4);
    assert_eq!(s.entries_by_type["model_change"], 1);
    assert_eq!((s.usage.input, s.usage.output), (500, 81));
    assert_eq!(s.usage.total_tokens, 581);
    assert_eq!(s.active_usage, s.usage);
    assert_eq!(s.file_bytes, super::PI_FIXTURE.len() as u64);
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["messages_by_role"]["user"], 2);
}

#[test]
fn stats_count_branches_and_active_usage() {
    let b = branched();
    let s = b.store.stats();
    assert_eq!(s.branches, 2);
    assert_eq!(s.max_depth, 4);
    assert_eq!(s.usage.input, 60);
    assert_eq!(s.active_usage.input, 40);
    assert_eq!(s.entries_by_type["head"], 1);
}

#[test]
fn summary_for_the_session_command() {
    let b = branched();
    let s = b.store.summary();
    assert_eq!(s.path.as_deref(), Some(b.path.as_path()));
    assert_eq!(s.entries, 7);
    assert_eq!(s.branches, 2);
    assert_eq!(s.head.as_deref(), Some(b.ids[5].as_str()));
    assert!(!s.legacy_format);
}
