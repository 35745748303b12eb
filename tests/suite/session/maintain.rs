//! Repair, validate, compact, export, import and graph export.

use std::path::Path;

use pi_coding_agent::ai::types::Message;
use pi_coding_agent::session::{
    ImportMode, LoadWarning, SessionError, SessionStore, repair_file, validate_file,
};

use super::navigate::branched;
use super::{PI_FIXTURE, fixture_copy, open, quick_lock, texts};

/// The fixture with a duplicate id, an orphan with a child, a blank line and a torn end.
fn damaged() -> String {
    let lines: Vec<&str> = PI_FIXTURE.lines().collect();
    let dup = lines[5].to_string();
    let orphan = r#"{"type":"message","id":"0rphan00","parentId":"gone0000","timestamp":"2026-11-24T05:49:22.000Z","message":{"role":"user","content":"lost","timestamp":1}}"#;
    let orphan_child = r#"{"type":"message","id":"0rphan01","parentId":"0rphan00","timestamp":"2026-11-24T05:49:22.000Z","message":{"role":"user","content":"lost too","timestamp":1}}"#;
    format!(
        "{}\n{dup}\n\n{orphan}\n{orphan_child}\n{{\"type\":\"message\",\"id\":\"torn",
        lines.join("\n")
    )
}

#[test]
fn repair_drops_the_damage_keeps_a_backup_and_is_idempotent() {
    let (_dir, path) = fixture_copy();
    let damaged = damaged();
    std::fs::write(&path, &damaged).unwrap();
    let (_, warnings) = open(&path);
    assert_eq!(warnings.len(), 3, "{warnings:?}");

    let report = repair_file(&path, quick_lock()).unwrap();
    assert!(report.changed);
    assert_eq!(report.kept, 13);
    assert_eq!(report.duplicate_ids.len(), 1);
    assert_eq!(report.duplicate_ids[0].line, 15);
    assert_eq!(report.missing_parents[0].id, "0rphan00");
    assert_eq!(report.descendants_dropped, 1);
    assert_eq!(report.torn_last_line, Some(19));
    assert_eq!(report.blank_lines, 1);
    let backup = report.backup.clone().unwrap();
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), damaged);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), PI_FIXTURE);
    let shown = report.to_string();
    assert!(shown.contains("backup:"), "{shown}");
    assert!(shown.contains("0rphan00 (line 17)"), "{shown}");

    let (store, warnings) = open(&path);
    assert!(warnings.is_empty());
    assert_eq!(texts(&store).len(), 11);
    let again = repair_file(&path, quick_lock()).unwrap();
    assert!(!again.changed);
    assert_eq!(again.backup, None);
}

#[test]
fn repair_through_an_open_store_reloads_it() {
    let (_dir, path) = fixture_copy();
    std::fs::write(&path, format!("{PI_FIXTURE}{{\"torn")).unwrap();
    let (mut store, _) = open(&path);
    let report = store.repair().unwrap();
    assert_eq!(report.torn_last_line, Some(15));
    let id = store
        .append_message(&Message::user_text("after repair", 1))
        .unwrap();
    let (reopened, warnings) = open(&path);
    assert!(warnings.is_empty());
    assert_eq!(reopened.head(), Some(id.as_str()));
}

#[test]
fn repair_breaks_parent_cycles() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.jsonl");
    let header = PI_FIXTURE.lines().next().unwrap();
    let e = |id: &str, parent: &str| {
        format!(
            r#"{{"type":"custom","id":"{id}","parentId":"{parent}","timestamp":"t","customType":"x"}}"#
        )
    };
    let root = r#"{"type":"custom","id":"root","parentId":null,"timestamp":"t","customType":"x"}"#;
    std::fs::write(
        &path,
        format!(
            "{header}\n{root}\n{}\n{}\n{}\n",
            e("a", "b"),
            e("b", "a"),
            e("c", "a")
        ),
    )
    .unwrap();
    let (_, warnings) = open(&path);
    assert!(
        warnings
            .iter()
            .any(|w| matches!(w, LoadWarning::Cycle { .. }))
    );
    let report = repair_file(&path, quick_lock()).unwrap();
    let mut cyc: Vec<&str> = report.cycles.iter().map(|d| d.id.as_str()).collect();
    cyc.sort();
    assert_eq!(cyc, ["a", "b"]);
    assert_eq!(report.descendants_dropped, 1);
    assert_eq!(report.kept, 1);
    let (store, warnings) = open(&path);
    assert!(warnings.is_empty());
    assert_eq!(store.entry_count(), 1);
}

#[test]
fn validate_reports_ok_or_each_problem() {
    let (_dir, path) = fixture_copy();
    let ok = validate_file(&path).unwrap();
    assert!(ok.ok, "{ok}");
    assert_eq!(ok.entries, 13);
    std::fs::write(&path, damaged()).unwrap();
    let before = std::fs::read(&path).unwrap();
    let bad = validate_file(&path).unwrap();
    assert!(!bad.ok);
    assert_eq!(bad.problems.len(), 3);
    assert!(bad.problems[0].contains(":15:"), "{}", bad.problems[0]);
    assert!(bad.to_string().contains("FAILED"));
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "validate changes nothing"
    );
    std::fs::write(&path, "hello\n").unwrap();
    assert!(!validate_file(&path).unwrap().ok);
    assert!(validate_file(&path.with_extension("missing")).is_err());
}

#[test]
fn compact_keeps_the_active_lineage_and_its_bookmarks() {
    let mut b = branched();
    b.store.set_bookmark("first", &b.ids[0]).unwrap();
    b.store.set_bookmark("other", &b.ids[2]).unwrap();
    b.store.set_branch_alias("b", &b.ids[5]).unwrap();
    let before = texts(&b.store);
    let report = b.store.compact_to_active().unwrap();
    assert!(report.backup.as_ref().unwrap().exists());
    assert_eq!(report.kept, 6); // u1 a1 u3 a3 + bookmark + alias
    assert_eq!(b.store.branch_count(), 1);
    assert_eq!(texts(&b.store), before);
    let (reopened, warnings) = open(&b.path);
    assert!(warnings.is_empty());
    assert_eq!(reopened.head(), Some(b.ids[5].as_str()));
    assert_eq!(texts(&reopened), before);
    let names: Vec<String> = reopened.bookmarks().into_iter().map(|n| n.name).collect();
    assert_eq!(names, ["first"]);
    assert_eq!(reopened.branch_aliases()[0].target_id, b.ids[5]);
}

#[test]
fn export_writes_the_active_lineage_as_a_new_session() {
    let b = branched();
    let dest = b.path.with_file_name("exported.jsonl");
    let report = b.store.export_active(&dest).unwrap();
    assert_eq!(report.entries, 4);
    assert_eq!(report.head.as_deref(), Some(b.ids[5].as_str()));
    let text = std::fs::read_to_string(&dest).unwrap();
    let header: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(header["type"], "session");
    assert_eq!(header["parentSession"], b.path.display().to_string());
    let (exported, warnings) = open(&dest);
    assert!(warnings.is_empty());
    assert_eq!(texts(&exported), texts(&b.store));
    assert_eq!(exported.branch_count(), 1);
    assert!(b.store.export_active(&b.path).is_err());
}

#[test]
fn merge_import_remaps_colliding_ids_and_keeps_our_head() {
    let (_dir, path) = fixture_copy();
    let (mut store, _) = open(&path);
    let ours = store
        .append_message(&Message::user_text("ours", 1))
        .unwrap();
    let src = path.with_file_name("src.jsonl");
    std::fs::write(&src, PI_FIXTURE).unwrap();
    let report = store.import(&src, ImportMode::Merge).unwrap();
    assert_eq!(report.imported, 13);
    assert_eq!(report.remapped.len(), 13, "every fixture id collides");
    let (old, new) = &report.remapped[0];
    assert_eq!(old, "75e4ad44");
    assert_ne!(old, new);
    let head = report.imported_head.clone().unwrap();
    assert_eq!(store.head(), Some(ours.as_str()));
    let (reopened, warnings) = open(&path);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(reopened.head(), Some(ours.as_str()));
    assert_eq!(reopened.branch_count(), 2);
    let theirs = reopened.context_of(&head).unwrap();
    let fixture = SessionStore::open_read_only(&src)
        .unwrap()
        .0
        .context()
        .unwrap();
    assert_eq!(theirs.messages, fixture.messages);
    assert_eq!(theirs.model, fixture.model);
}

#[test]
fn merge_import_without_collisions_copies_lines_verbatim() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.jsonl");
    let (mut store, _) = open(&path);
    let src = dir.path().join("src.jsonl");
    std::fs::write(&src, PI_FIXTURE).unwrap();
    let report = store.import(&src, ImportMode::Merge).unwrap();
    assert!(report.remapped.is_empty());
    assert_eq!(store.head(), Some("440760ec"));
    let text = std::fs::read_to_string(&path).unwrap();
    for line in PI_FIXTURE.lines().skip(1) {
        assert!(text.contains(line));
    }
}

#[test]
fn replace_import_keeps_a_backup() {
    let b = branched();
    let mut store = b.store;
    let src = b.path.with_file_name("src.jsonl");
    std::fs::write(&src, PI_FIXTURE).unwrap();
    let report = store.import(&src, "replace".parse().unwrap()).unwrap();
    assert!(report.backup.as_ref().unwrap().exists());
    assert_eq!(store.entry_count(), 13);
    assert_eq!(store.head(), Some("440760ec"));
    let (reopened, _) = open(&b.path);
    assert_eq!(texts(&reopened).len(), 11);
}

#[test]
fn importing_something_that_is_not_a_session_changes_nothing() {
    let (_dir, path) = fixture_copy();
    let (mut store, _) = open(&path);
    let junk = path.with_file_name("junk.txt");
    std::fs::write(&junk, "just some notes\n").unwrap();
    let err = store.import(&junk, ImportMode::Merge).unwrap_err();
    assert!(matches!(err, SessionError::NotASession { .. }));
    assert!(err.to_string().contains("not a session"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), PI_FIXTURE);
    assert_eq!(store.entry_count(), 13);
    assert!(
        store.import(&path, ImportMode::Merge).is_err(),
        "not into itself"
    );
}

#[test]
fn the_older_format_imports_as_pi_entries() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.jsonl");
    std::fs::write(
        &old,
        [
            r#"{"record_type":"meta","schema_version":1}"#,
            r#"{"record_type":"entry","id":1,"parent_id":null,"message":{"role":"system","content":[{"type":"text","text":"sys"}]}}"#,
            r#"{"record_type":"entry","id":2,"parent_id":1,"message":{"role":"user","content":[{"type":"text","text":"hello"}]}}"#,
            r#"{"record_type":"entry","id":3,"parent_id":2,"message":{"role":"assistant","content":[{"type":"text","text":"hi"}]}}"#,
        ]
        .join("\n")
            + "\n",
    )
    .unwrap();
    let path = dir.path().join("new.jsonl");
    let (mut store, _) = open(&path);
    let report = store.import(&old, ImportMode::Merge).unwrap();
    assert_eq!(report.imported, 2);
    assert_eq!(texts(&store), ["hello", "hi"]);
    let (reopened, warnings) = open(&path);
    assert!(warnings.is_empty());
    assert_eq!(texts(&reopened), ["hello", "hi"]);
}

#[test]
fn graph_export_writes_mermaid_and_dot() {
    let mut b = branched();
    b.store.set_bookmark("fav", &b.ids[2]).unwrap();
    let mmd = b.path.with_file_name("g.mmd");
    let report = b.store.export_graph(&mmd).unwrap();
    assert_eq!((report.nodes, report.edges), (6, 5));
    let text = std::fs::read_to_string(&mmd).unwrap();
    assert!(text.starts_with("flowchart TD\n"));
    assert!(text.contains(&format!("n_{} --> n_{}", b.ids[1], b.ids[4])));
    assert!(text.contains("[fav]"));
    assert!(text.contains("#quot;quoted#quot;"));
    let md = b.path.with_file_name("g.md");
    b.store.export_graph(&md).unwrap();
    assert!(
        std::fs::read_to_string(&md)
            .unwrap()
            .starts_with("```mermaid\nflowchart TD")
    );
    let dot = b.path.with_file_name("g.dot");
    b.store.export_graph(&dot).unwrap();
    let text = std::fs::read_to_string(&dot).unwrap();
    assert!(text.starts_with("digraph session {"));
    assert!(text.contains(&format!("\"{}\" -> \"{}\";", b.ids[1], b.ids[2])));
    assert!(text.contains("\\\"quoted\\\""));
    let err = b.store.export_graph(Path::new("g.png")).unwrap_err();
    assert!(err.to_string().contains(".mmd"), "{err}");
}

#[test]
fn an_in_memory_session_compacts_exports_and_imports_too() {
    let mut store = SessionStore::in_memory(Path::new("/w"));
    let a = store.append_message(&Message::user_text("a", 1)).unwrap();
    store.append_message(&Message::user_text("b", 2)).unwrap();
    store.set_head(&a).unwrap();
    store.append_message(&Message::user_text("c", 3)).unwrap();
    assert_eq!(store.branch_count(), 2);
    let report = store.compact_to_active().unwrap();
    assert_eq!(report.backup, None);
    assert_eq!(store.branch_count(), 1);
    assert_eq!(texts(&store), ["a", "c"]);
    store.append_message(&Message::user_text("d", 4)).unwrap();
    assert_eq!(texts(&store), ["a", "c", "d"]);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    store.export_active(&out).unwrap();
    let (exported, _) = open(&out);
    assert_eq!(texts(&exported), ["a", "c", "d"]);

    let mut other = SessionStore::in_memory(Path::new("/w"));
    other.import(&out, ImportMode::Merge).unwrap();
    assert_eq!(other.entry_count(), 3);
}
