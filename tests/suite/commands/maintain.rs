//! `/session-repair`, `/session-compact`, `/session-export`, `/session-import`.

use pi_coding_agent::session::{ImportMode, validate_file};

use super::Bench;

#[test]
fn repair_reports_a_clean_file_and_fixes_a_broken_one() {
    let mut b = Bench::new();
    assert!(b.ok("/session-repair").contains("nothing to repair"));
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(b.session_file())
        .unwrap();
    let dup = format!(
        "{{\"type\":\"message\",\"id\":\"{}\",\"parentId\":null,\"timestamp\":\"2026-01-01T00:00:00Z\",\"message\":{{\"role\":\"user\",\"content\":\"dup\"}}}}\n",
        b.ids[0]
    );
    std::io::Write::write_all(&mut f, dup.as_bytes()).unwrap();
    std::io::Write::write_all(&mut f, b"{\"type\":\"message\",\"id\":\"torn").unwrap();
    drop(f);
    let text = b.ok("/session-repair");
    assert!(text.contains("repaired"), "{text}");
    assert!(text.contains("duplicate ids"), "{text}");
    assert!(text.contains("backup:"), "{text}");
    assert!(validate_file(&b.session_file()).unwrap().ok);
    let v = b.json("/session-repair --json");
    assert_eq!(v["changed"], false);
}

#[test]
fn session_compact_keeps_only_the_active_lineage() {
    let mut b = Bench::new();
    let text = b.ok("/session-compact");
    assert!(text.contains("dropped"), "{text}");
    assert!(text.contains("backup:"), "{text}");
    let v = b.json("/session-stats --json");
    assert_eq!(v["branches"], 1);
    assert!(
        b.ok("/session-search verbose")
            .contains("no message contains")
    );
}

#[test]
fn export_writes_the_active_lineage_and_import_merges_it_back() {
    let mut b = Bench::new();
    let text = b.ok("/session-export exported.jsonl");
    assert!(text.contains("4 entries"), "{text}");
    let exported = b.path().join("exported.jsonl");
    assert!(validate_file(&exported).unwrap().ok);
    let before = b.json("/session-stats --json")["entries"].as_u64().unwrap();
    // Importing our own lineage again: every id collides and is remapped.
    let text = b.ok("/session-import exported.jsonl");
    assert!(text.contains("merged 4 entries"), "{text}");
    assert!(
        text.contains("4 colliding ids were given new ones"),
        "{text}"
    );
    assert!(text.contains(&format!("  {} → ", b.ids[0])), "{text}");
    let after = b.json("/session-stats --json")["entries"].as_u64().unwrap();
    assert!(after >= before + 4, "{before} → {after}");
    // The head stays where it was.
    assert_eq!(b.head().as_deref(), Some(b.ids[5].as_str()));
    // An existing file is kept unless --force.
    let e = b.err("/session-export exported.jsonl");
    assert!(e.contains("already exists") && e.contains("--force"), "{e}");
    let text = b.ok("/session-export exported.jsonl --force");
    assert!(text.contains("exported"), "{text}");
}

#[test]
fn import_replace_by_argument_or_by_default_mode() {
    let mut b = Bench::new();
    b.ok("/session-export one.jsonl");
    let text = b.ok("/session-import one.jsonl replace");
    assert!(text.contains("replaced this session's entries"), "{text}");
    assert!(text.contains("backup:"), "{text}");
    assert_eq!(b.json("/session-stats --json")["branches"], 1);
    let mut b = Bench::new();
    b.ok("/session-export one.jsonl");
    let mut engine_ctx = b.engine.context().clone();
    engine_ctx.import_mode = ImportMode::Replace;
    b.engine =
        pi_coding_agent::commands::CommandEngine::new(b.engine.session().clone(), engine_ctx);
    assert!(b.ok("/session-import one.jsonl").contains("replaced"));
    let e = b.err("/session-import one.jsonl sideways");
    assert!(e.contains("unknown import mode 'sideways'"), "{e}");
    assert!(
        e.contains("usage: /session-import <file> [merge|replace]"),
        "{e}"
    );
}

#[test]
fn importing_a_file_that_is_not_a_session_changes_nothing() {
    let mut b = Bench::new();
    std::fs::write(b.path().join("notes.txt"), "just some notes\n").unwrap();
    let before = std::fs::read(b.session_file()).unwrap();
    let e = b.err("/session-import notes.txt");
    assert!(e.contains("not a session file"), "{e}");
    let e = b.err("/session-import missing.jsonl replace");
    assert!(e.contains("missing.jsonl"), "{e}");
    assert_eq!(std::fs::read(b.session_file()).unwrap(), before);
}
