use std::os::unix::fs::PermissionsExt;

use serde_json::json;

use super::*;

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn store() -> (tempfile::TempDir, ChannelStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = ChannelStore::open(&dir.path().join("root"));
    (dir, store)
}

#[test]
fn ids_are_encoded_as_safe_folder_names_and_decoded_back() {
    for (id, folder) in [
        ("owner/repo#12", "owner%2Frepo%2312"),
        ("..", "%2E."),
        (".hidden", "%2Ehidden"),
        ("C0123/1700000000.000100", "C0123%2F1700000000.000100"),
        ("50%", "50%25"),
        ("ü", "%C3%BC"),
    ] {
        assert_eq!(encode_id(id), folder);
        assert_eq!(decode_id(folder).as_deref(), Some(id));
    }
    assert_eq!(decode_id(".x"), None, "a leading dot is never produced");
    assert_eq!(decode_id("a%2f"), None, "lower-case hex is not canonical");
    assert_eq!(decode_id("a%2"), None);
    assert!(ConversationKey::new(Transport::Github, "").is_err());
    assert!(ConversationKey::new(Transport::Github, "a\nb").is_err());
    assert!(ConversationKey::new(Transport::Github, &"x".repeat(81)).is_err());
    let key = ConversationKey::parse("github/o/r#1").unwrap();
    assert_eq!(
        (key.transport, key.id.as_str()),
        (Transport::Github, "o/r#1")
    );
    assert_eq!(key.to_string(), "github/o/r#1");
    assert!(ConversationKey::parse("irc/x").is_err());
    assert!(ConversationKey::parse("github").is_err());
}

#[test]
fn channel_folder_session_and_attachments_are_private_and_pi_opens_the_session() {
    let (dir, store) = store();
    let ch = store.channel(Transport::Github, "o/r#7").unwrap();
    assert!(!ch.exists());
    assert_eq!(ch.dir(), dir.path().join("root/github/o%2Fr%237"));
    let session = ch.open_session(dir.path()).unwrap();
    assert_eq!(session.entry_count(), 0);
    assert!(ch.exists());
    assert!(ch.attachments_dir().is_dir());
    assert_eq!(mode(ch.dir()), 0o700);
    assert_eq!(mode(&ch.attachments_dir()), 0o700);
    assert_eq!(mode(&ch.session_path()), 0o600);
    let (again, _) = crate::session::SessionStore::open_read_only(&ch.session_path()).unwrap();
    assert_eq!(again.header().id, session.header().id);
}

#[test]
fn log_appends_whole_lines_and_reads_them_back() {
    let (_dir, store) = store();
    let ch = store.channel(Transport::Slack, "C1").unwrap();
    assert_eq!(ch.read_log().unwrap(), LogRead::default());
    let a = Event::new(Direction::In, "mention", Some("Ev1"), json!({"text": "hi"}));
    let b = Event::new(Direction::Out, "reply", None, json!({"text": "hello"}));
    ch.append_log(&a).unwrap();
    ch.append_log(&b).unwrap();
    let text = std::fs::read_to_string(ch.log_path()).unwrap();
    assert_eq!(text.lines().count(), 2);
    assert!(text.ends_with('\n'));
    assert!(text.starts_with("{\"ts\":"));
    assert!(text.contains("\"dir\":\"in\""));
    assert_eq!(mode(&ch.log_path()), 0o600);
    let read = ch.read_log().unwrap();
    assert_eq!(read.events, vec![a, b]);
    assert!(read.malformed.is_empty());
    assert!(!read.torn_last_line);
}

#[test]
fn a_torn_last_line_is_tolerated_and_the_next_append_stays_whole() {
    let (_dir, store) = store();
    let ch = store.channel(Transport::Slack, "C1").unwrap();
    let a = Event::new(Direction::In, "mention", Some("k1"), json!({}));
    ch.append_log(&a).unwrap();
    let mut f = crate::private_fs::open_append(&ch.log_path()).unwrap();
    std::io::Write::write_all(&mut f, b"{\"ts\":\"2026-01-01T00:00:00Z\",\"di").unwrap();
    let read = ch.read_log().unwrap();
    assert_eq!(read.events, vec![a.clone()]);
    assert!(read.torn_last_line);
    assert!(read.malformed.is_empty());
    let b = Event::new(Direction::Out, "reply", None, json!({}));
    ch.append_log(&b).unwrap();
    let read = ch.read_log().unwrap();
    assert_eq!(
        read.events,
        vec![a, b],
        "the new event is not glued to the torn line"
    );
    assert_eq!(read.malformed, vec![2]);
    assert!(!read.torn_last_line);
}

#[test]
fn state_round_trips_atomically_and_a_corrupt_one_names_the_file() {
    let (_dir, store) = store();
    let ch = store.channel(Transport::Github, "o/r#1").unwrap();
    assert_eq!(ch.state().unwrap(), ChannelState::default());
    let mut st = ChannelState::default();
    st.queue.push(QueuedMessage {
        key: "c2".into(),
        author: "ann".into(),
        text: "again".into(),
        received: "2026-01-01T00:00:00Z".into(),
    });
    st.active_run = Some(QueuedMessage {
        key: "c1".into(),
        author: "bob".into(),
        text: "first".into(),
        received: String::new(),
    });
    st.reply = Some(serde_json::json!({"comment": 7}));
    st.counters.runs = 3;
    ch.save_state(&st).unwrap();
    assert_eq!(ch.state().unwrap(), st);
    assert_eq!(mode(&ch.state_path()), 0o600);
    let leftovers: Vec<_> = std::fs::read_dir(ch.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(leftovers, vec!["state.json"], "no temp file is left behind");
    std::fs::write(ch.state_path(), "{\"seen\": [").unwrap();
    let err = ch.state().unwrap_err().to_string();
    assert!(
        err.contains("state.json: cannot parse the state file"),
        "{err}"
    );
}

#[test]
fn seen_keys_persist_and_only_the_newest_are_kept() {
    let (_dir, store) = store();
    let ch = store.channel(Transport::Slack, "D1").unwrap();
    assert!(!ch.seen("e1").unwrap());
    assert!(ch.mark_seen("e1").unwrap());
    assert!(!ch.mark_seen("e1").unwrap(), "already recorded");
    let reopened = ChannelStore::open(store.root())
        .channel(Transport::Slack, "D1")
        .unwrap();
    assert!(reopened.seen("e1").unwrap());
    let mut st = reopened.state().unwrap();
    for i in 0..SEEN_LIMIT {
        st.mark_seen(&format!("k{i}"));
    }
    assert_eq!(st.seen.len(), SEEN_LIMIT);
    assert!(!st.is_seen("e1"), "the oldest key went first");
    assert!(st.is_seen("k0") && st.is_seen(&format!("k{}", SEEN_LIMIT - 1)));
}

#[test]
fn list_gives_every_conversation_and_skips_foreign_folders() {
    let (_dir, store) = store();
    assert!(store.list().unwrap().is_empty());
    for (t, id) in [
        (Transport::Slack, "C9"),
        (Transport::Github, "o/r#2"),
        (Transport::Github, "o/r#10"),
    ] {
        store.channel(t, id).unwrap().mark_seen("x").unwrap();
    }
    std::fs::create_dir_all(store.root().join("github/.tmp")).unwrap();
    let ids: Vec<String> = store
        .list()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(ids, vec!["github/o/r#10", "github/o/r#2", "slack/C9"]);
}

#[test]
fn repair_removes_malformed_lines_after_a_backup() {
    let (_dir, store) = store();
    let ch = store.channel(Transport::Github, "o/r#3").unwrap();
    ch.append_context(&json!({"a": 1})).unwrap();
    assert_eq!(
        repair_jsonl(&ch.context_path(), 100).unwrap(),
        None,
        "clean"
    );
    assert_eq!(
        repair_jsonl(&ch.dir().join("missing.jsonl"), 100).unwrap(),
        None
    );
    let mut f = crate::private_fs::open_append(&ch.context_path()).unwrap();
    std::io::Write::write_all(&mut f, b"not json\n\n[1]\n{\"b\":2}\n{\"tor").unwrap();
    let before = std::fs::read(ch.context_path()).unwrap();
    let fix = repair_jsonl(&ch.context_path(), 1234).unwrap().unwrap();
    let lines: Vec<(u64, &str)> = fix
        .removed
        .iter()
        .map(|r| (r.line, r.excerpt.as_str()))
        .collect();
    assert_eq!(lines, vec![(2, "not json"), (4, "[1]"), (6, "{\\\"tor")]);
    assert_eq!(fix.backup, ch.dir().join("context.jsonl.bak-1234"));
    assert_eq!(std::fs::read(&fix.backup).unwrap(), before);
    assert_eq!(mode(&fix.backup), 0o600);
    assert_eq!(
        std::fs::read_to_string(ch.context_path()).unwrap(),
        "{\"a\":1}\n{\"b\":2}\n"
    );
    assert_eq!(repair_jsonl(&ch.context_path(), 1235).unwrap(), None);
    std::fs::write(ch.context_path(), "x\n{}\n").unwrap();
    let second = repair_jsonl(&ch.context_path(), 1234).unwrap().unwrap();
    assert_eq!(second.backup, ch.dir().join("context.jsonl.bak-1234-1"));
    assert_eq!(
        std::fs::read(&fix.backup).unwrap(),
        before,
        "the first backup is kept"
    );
}
