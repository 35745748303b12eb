//! Properties: whatever sequence of operations a session sees, reopening the file gives the
//! same session back, without warnings; and a generated large session reads back whole.

use std::path::Path;

use pi_coding_agent::ai::types::Message;
use pi_coding_agent::session::{SessionStore, generate_session, validate_file};
use proptest::prelude::*;

use super::{open, texts};

#[derive(Debug, Clone)]
enum Op {
    Append(u8),
    Branch(usize),
    Resume,
    Alias(u8, usize),
    Bookmark(u8, usize),
    Compact(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => any::<u8>().prop_map(Op::Append),
        2 => any::<usize>().prop_map(Op::Branch),
        1 => Just(Op::Resume),
        1 => (0u8..3, any::<usize>()).prop_map(|(n, k)| Op::Alias(n, k)),
        1 => (0u8..3, any::<usize>()).prop_map(|(n, k)| Op::Bookmark(n, k)),
        1 => any::<usize>().prop_map(Op::Compact),
    ]
}

fn apply(store: &mut SessionStore, ids: &mut Vec<String>, op: &Op) {
    let pick = |k: usize, ids: &[String]| ids[k % ids.len()].clone();
    match op {
        Op::Append(n) => ids.push(
            store
                .append_message(&Message::user_text(format!("m{n}"), 0))
                .unwrap(),
        ),
        Op::Branch(k) if !ids.is_empty() => store.set_head(&pick(*k, ids)).unwrap(),
        Op::Resume => {
            store.resume().unwrap();
        }
        Op::Alias(n, k) if !ids.is_empty() => store
            .set_branch_alias(&format!("a{n}"), &pick(*k, ids))
            .unwrap(),
        Op::Bookmark(n, k) if !ids.is_empty() => store
            .set_bookmark(&format!("b{n}"), &pick(*k, ids))
            .unwrap(),
        Op::Compact(k) => {
            let ctx = store.context().unwrap();
            if !ctx.entry_ids.is_empty() {
                let keep = ctx.entry_ids[k % ctx.entry_ids.len()].clone();
                store.append_compaction("summary", &keep, 1).unwrap();
            }
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn reopening_gives_the_same_session(ops in proptest::collection::vec(op(), 0..40)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.jsonl");
        let (mut store, _) = open(&path);
        let mut ids = Vec::new();
        for op in &ops {
            apply(&mut store, &mut ids, op);
        }
        let (reopened, warnings) = open(&path);
        prop_assert!(warnings.is_empty(), "{:?}", warnings);
        prop_assert_eq!(reopened.head(), store.head());
        prop_assert_eq!(reopened.entry_count(), store.entry_count());
        prop_assert_eq!(texts(&reopened), texts(&store));
        prop_assert_eq!(reopened.bookmarks(), store.bookmarks());
        prop_assert_eq!(reopened.branch_aliases(), store.branch_aliases());
        prop_assert_eq!(reopened.branch_count(), store.branch_count());
        prop_assert!(validate_file(&path).unwrap().ok);

        // The same operations in memory give the same conversation.
        let mut memory = SessionStore::in_memory(Path::new("/"));
        let mut mem_ids = Vec::new();
        for op in &ops {
            apply(&mut memory, &mut mem_ids, op);
        }
        prop_assert_eq!(texts(&memory), texts(&store));
        prop_assert_eq!(memory.entry_count(), store.entry_count());
    }
}

#[test]
fn a_generated_session_reads_back_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.jsonl");
    let generated = generate_session(&path, 12 << 20, 7).unwrap();
    let (store, warnings) = open(&path);
    assert!(warnings.is_empty());
    assert_eq!(store.entry_count() as u64, generated.entries);
    assert_eq!(store.head(), Some(generated.head.as_str()));
    let ctx = store.context().unwrap();
    assert_eq!(ctx.messages[0].role(), "compactionSummary");
    assert_eq!(
        ctx.model,
        Some(("anthropic".to_string(), "claude-sonnet-4-5".to_string()))
    );
    // The search crosses the 8 MB blocks and returns the newest hits first.
    let hits = store.search(&generated.rare_word, 1000).unwrap();
    assert_eq!(hits.len() as u64, generated.rare_hits);
    assert!(hits.windows(2).all(|w| w[0].line > w[1].line));
    assert!(hits[0].snippet.contains("ZanzibarQuux"));
    let stats = store.stats();
    assert_eq!(stats.file_bytes, generated.bytes);
    assert!(stats.branches > 1);
    assert!(validate_file(&path).unwrap().ok);
}
