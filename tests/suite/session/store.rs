//! Opening, appending and reading back.

use std::path::Path;

use pi_coding_agent::ai::types::{Message, ThinkingLevel};
use pi_coding_agent::session::{LoadWarning, SessionError, SessionStore};

use super::{PI_FIXTURE, assistant, fixture_copy, open, texts};

#[test]
fn the_pi_fixture_rebuilds_the_same_conversation() {
    let (_dir, path) = fixture_copy();
    let (store, warnings) = open(&path);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(store.entry_count(), 13);
    assert_eq!(store.head(), Some("440760ec"));
    let ctx = store.context().unwrap();
    let roles: Vec<&str> = ctx.messages.iter().map(Message::role).collect();
    assert_eq!(
        roles,
        [
            "user",
            "assistant",
            "toolResult",
            "assistant",
            "toolResult",
            "toolResult",
            "assistant",
            "toolResult",
            "assistant",
            "user",
            "assistant"
        ]
    );
    assert_eq!(
        ctx.model,
        Some(("fakeant".to_string(), "fake-claude".to_string()))
    );
    assert_eq!(ctx.thinking, Some(ThinkingLevel::Off));
    assert_eq!(ctx.entry_ids.len(), ctx.messages.len());
    assert_eq!(ctx.entry_ids[0], "8fd951b1");
    assert_eq!(ctx.entry_ids[10], "440760ec");

    // Every tool call is answered, in call order, by a result with its id and name.
    let mut calls = Vec::new();
    let mut results = Vec::new();
    for m in &ctx.messages {
        match m {
            Message::Assistant(a) => {
                calls.extend(a.tool_calls().into_iter().map(|(id, name, _)| (id, name)))
            }
            Message::ToolResult(t) => results.push((t.tool_call_id.clone(), t.tool_name.clone())),
            _ => {}
        }
    }
    assert_eq!(calls, results);
    assert_eq!(
        calls.iter().map(|c| c.1.as_str()).collect::<Vec<_>>(),
        ["write", "bash", "read", "edit"]
    );
    let Message::ToolResult(edit) = &ctx.messages[7] else {
        panic!("not a tool result")
    };
    assert!(edit.details.is_some());
    assert_eq!(ctx.messages[0].text(), "make the hello file");
    assert!(ctx.messages[10].text().contains("changed world to rust"));
}

#[cfg(unix)]
fn inode(path: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).unwrap().ino()
}

#[test]
fn an_append_only_adds_one_line() {
    let (_dir, path) = fixture_copy();
    let (mut store, _) = open(&path);
    #[cfg(unix)]
    let before_inode = inode(&path);
    let id = store
        .append_message(&Message::user_text("next", 1))
        .unwrap();
    let id2 = store.append_message(&assistant("answer", 5)).unwrap();
    assert_eq!(id.len(), 8);
    assert_eq!(store.head(), Some(id2.as_str()));
    let after = std::fs::read_to_string(&path).unwrap();
    #[cfg(unix)]
    assert_eq!(inode(&path), before_inode);
    assert!(after.starts_with(PI_FIXTURE));
    let added: Vec<&str> = after[PI_FIXTURE.len()..].lines().collect();
    assert_eq!(added.len(), 2);
    let v: serde_json::Value = serde_json::from_str(added[0]).unwrap();
    assert_eq!(v["type"], "message");
    assert_eq!(v["parentId"], "440760ec");
    assert_eq!(v["id"], id.as_str());
    assert!(v["timestamp"].as_str().unwrap().ends_with('Z'));

    let (reopened, warnings) = open(&path);
    assert!(warnings.is_empty());
    assert_eq!(reopened.head(), Some(id2.as_str()));
    let t = texts(&reopened);
    assert_eq!(t[t.len() - 2..], ["next".to_string(), "answer".to_string()]);
}

#[test]
fn a_new_session_gets_a_v3_header_and_parent_dirs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/new.jsonl");
    let (mut store, warnings) = open(&path);
    assert!(warnings.is_empty());
    assert_eq!(store.head(), None);
    assert!(store.context().unwrap().messages.is_empty());
    store.append_model_change("anthropic", "claude-x").unwrap();
    store.append_thinking_level(ThinkingLevel::High).unwrap();
    store.append_message(&Message::user_text("hi", 1)).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let header: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(header["type"], "session");
    assert_eq!(header["version"], 3);
    assert_eq!(header["cwd"], "/work");
    assert_eq!(header["id"].as_str().unwrap().len(), 36);
    let first: serde_json::Value = serde_json::from_str(text.lines().nth(1).unwrap()).unwrap();
    assert_eq!(first["parentId"], serde_json::Value::Null);
    let (reopened, _) = open(&path);
    let ctx = reopened.context().unwrap();
    assert_eq!(ctx.model, Some(("anthropic".into(), "claude-x".into())));
    assert_eq!(ctx.thinking, Some(ThinkingLevel::High));
    assert_eq!(ctx.messages.len(), 1);
}

#[test]
fn a_torn_last_line_is_skipped_and_the_next_append_is_clean() {
    let (_dir, path) = fixture_copy();
    let torn = r#"{"type":"message","id":"deadbeef","parentId":"440760ec","timestamp":"2026-11-24T05:49:22.000Z","message":{"role":"user","con"#;
    std::fs::write(&path, format!("{PI_FIXTURE}{torn}")).unwrap();
    let (mut store, warnings) = open(&path);
    assert_eq!(warnings.len(), 1);
    assert!(matches!(
        warnings[0],
        LoadWarning::TornLastLine { line: 15, .. }
    ));
    let shown = warnings[0].to_string();
    assert!(shown.contains("s.jsonl:15:"), "{shown}");
    assert_eq!(store.head(), Some("440760ec"));
    assert_eq!(texts(&store).len(), 11);

    let id = store
        .append_message(&Message::user_text("after", 2))
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with(&format!("{PI_FIXTURE}{torn}\n{{")));
    assert!(text.ends_with("}\n"));

    let (reopened, warnings) = open(&path);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(matches!(
        warnings[0],
        LoadWarning::MalformedLine { line: 15, .. }
    ));
    assert_eq!(reopened.head(), Some(id.as_str()));
    assert_eq!(texts(&reopened).last().unwrap(), "after");
}

#[test]
fn a_complete_last_line_without_newline_loads_and_appends_after_it() {
    let (_dir, path) = fixture_copy();
    std::fs::write(&path, PI_FIXTURE.trim_end()).unwrap();
    let (mut store, warnings) = open(&path);
    assert!(warnings.is_empty());
    assert_eq!(store.head(), Some("440760ec"));
    store.append_message(&Message::user_text("x", 1)).unwrap();
    let (reopened, warnings) = open(&path);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(reopened.entry_count(), 14);
}

#[test]
fn a_malformed_middle_line_is_reported_with_its_number_and_the_rest_loads() {
    let (_dir, path) = fixture_copy();
    let mut lines: Vec<&str> = PI_FIXTURE.lines().collect();
    lines.insert(4, "{this is not json");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let (store, warnings) = open(&path);
    assert_eq!(warnings.len(), 1);
    match &warnings[0] {
        LoadWarning::MalformedLine { line, path: p, .. } => {
            assert_eq!(*line, 5);
            assert_eq!(p, &path);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(store.entry_count(), 13);
    assert_eq!(texts(&store).len(), 11);
}

#[test]
fn a_missing_parent_is_a_warning_not_an_error() {
    let (_dir, path) = fixture_copy();
    let mut lines: Vec<&str> = PI_FIXTURE.lines().collect();
    lines.remove(4); // the first assistant message
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let (store, warnings) = open(&path);
    assert!(matches!(
        &warnings[..],
        [LoadWarning::MissingParent { line: 5, .. }]
    ));
    // The lineage now starts at the orphan.
    assert_eq!(texts(&store).len(), 9);
}

#[test]
fn a_file_that_is_not_a_session_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.jsonl");
    std::fs::write(&path, "{\"hello\":1}\n").unwrap();
    let err = SessionStore::open(&path, Path::new("/"), super::quick_lock())
        .err()
        .unwrap();
    assert!(matches!(err, SessionError::NotASession { line: 1, .. }));
    assert!(
        err.to_string()
            .starts_with(&format!("{}:1:", path.display()))
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"hello\":1}\n");
}

#[test]
fn compaction_sends_the_summary_then_the_kept_messages() {
    let mut store = SessionStore::in_memory(Path::new("/w"));
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            store
                .append_message(&Message::user_text(format!("m{i}"), i))
                .unwrap(),
        );
    }
    store.append_compaction("S", &ids[3], 1234).unwrap();
    store.append_message(&Message::user_text("m5", 5)).unwrap();
    let ctx = store.context().unwrap();
    let t: Vec<String> = ctx.messages.iter().map(Message::text).collect();
    assert_eq!(t, ["S", "m3", "m4", "m5"]);
    assert!(matches!(ctx.messages[0], Message::CompactionSummary(_)));
    assert_eq!(ctx.entry_ids[1], ids[3]);
    assert!(matches!(
        store.append_compaction("S", "nope", 1),
        Err(SessionError::UnknownEntry { .. })
    ));
}

#[test]
fn the_branch_usage_counts_the_turns_a_compaction_summarised() {
    let (_dir, path) = fixture_copy();
    let (mut store, _) = open(&path);
    let mut ids = Vec::new();
    for (i, tokens) in [100, 200, 300].into_iter().enumerate() {
        store
            .append_message(&Message::user_text(format!("q{i}"), 0))
            .unwrap();
        ids.push(store.append_message(&assistant("a", tokens)).unwrap());
    }
    let before = store.context().unwrap().usage;
    store.append_compaction("S", &ids[2], 600).unwrap();
    let after = store.context().unwrap();
    assert_eq!(after.messages.len(), 2, "the summary and the last answer");
    assert_eq!(
        after.usage, before,
        "compaction costs nothing and forgets nothing"
    );
    // A fork before the compaction counts only its own path; reopening reads the same.
    let fork = store.context_of(&ids[0]).unwrap().usage;
    assert_eq!(before.input - fork.input, 500);
    drop(store);
    let (store, _) = open(&path);
    assert_eq!(store.context().unwrap().usage, before);
}

#[test]
fn an_in_memory_session_has_no_path() {
    let mut store = SessionStore::in_memory(Path::new("/w"));
    assert_eq!(store.path(), None);
    store.append_message(&Message::user_text("a", 1)).unwrap();
    store.append_message(&assistant("b", 3)).unwrap();
    assert_eq!(store.entry_count(), 2);
    assert_eq!(texts(&store), ["a", "b"]);
    assert_eq!(
        store.context().unwrap().model,
        Some(("p".to_string(), "m".to_string()))
    );
}

#[test]
fn the_older_rust_pi_format_loads_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.jsonl");
    let old = [
        r#"{"record_type":"meta","schema_version":1}"#,
        r#"{"record_type":"entry","id":1,"parent_id":null,"message":{"role":"system","content":[{"type":"text","text":"sys"}]}}"#,
        r#"{"record_type":"entry","id":2,"parent_id":1,"message":{"role":"user","content":[{"type":"text","text":"list files"}]}}"#,
        r#"{"record_type":"entry","id":3,"parent_id":2,"message":{"role":"assistant","content":[{"type":"tool_call","id":"c1","name":"ls","arguments":{"path":"."}}]}}"#,
        r#"{"id":4,"parent_id":3,"message":{"role":"tool","content":[{"type":"text","text":"a.txt"}],"tool_call_id":"c1","tool_name":"ls","is_error":false}}"#,
    ];
    std::fs::write(&path, old.join("\n") + "\n").unwrap();
    let before = std::fs::read(&path).unwrap();
    let (mut store, warnings) = open(&path);
    assert!(warnings.is_empty(), "{warnings:?}");
    let ctx = store.context().unwrap();
    let roles: Vec<&str> = ctx.messages.iter().map(Message::role).collect();
    assert_eq!(roles, ["user", "assistant", "toolResult"]);
    let Message::Assistant(a) = &ctx.messages[1] else {
        panic!()
    };
    assert_eq!(a.tool_calls()[0].1, "ls");
    let err = store
        .append_message(&Message::user_text("x", 1))
        .unwrap_err();
    assert!(matches!(err, SessionError::LegacyReadOnly { .. }));
    assert!(err.to_string().contains("/session-import"));
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn two_stores_on_one_file_see_each_other_and_keep_their_own_heads() {
    let (_dir, path) = fixture_copy();
    let (mut a, _) = open(&path);
    let (mut b, _) = open(&path);
    let a1 = a.append_message(&Message::user_text("from a", 1)).unwrap();
    let b1 = b.append_message(&Message::user_text("from b", 1)).unwrap();
    assert_ne!(a1, b1);
    assert_eq!(b.entry_count(), 15);
    assert!(b.contains(&a1));
    // b's head stayed b's: its context does not include a's message.
    assert_eq!(texts(&b).last().unwrap(), "from b");
    assert!(!texts(&b).contains(&"from a".to_string()));
    let a2 = a.append_message(&Message::user_text("a again", 2)).unwrap();
    assert_eq!(
        texts(&a)[11..],
        ["from a".to_string(), "a again".to_string()]
    );
    let (reopened, warnings) = open(&path);
    assert!(warnings.is_empty());
    assert_eq!(reopened.entry_count(), 16);
    assert_eq!(reopened.head(), Some(a2.as_str()));
}

#[test]
fn a_file_replaced_under_an_open_store_is_reloaded_before_appending() {
    let (dir, path) = fixture_copy();
    let (mut store, _) = open(&path);
    let copy = dir.path().join("copy.jsonl");
    std::fs::write(&copy, PI_FIXTURE).unwrap();
    std::fs::rename(&copy, &path).unwrap();
    let id = store
        .append_message(&Message::user_text("after swap", 1))
        .unwrap();
    let (reopened, warnings) = open(&path);
    assert!(warnings.is_empty());
    assert_eq!(reopened.head(), Some(id.as_str()));
    assert_eq!(reopened.entry_count(), 14);
}
