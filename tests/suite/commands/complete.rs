//! Completion from the command table and the session.

use pi_coding_agent::commands::completions;

use super::Bench;

fn values(b: &Bench, input: &str) -> Vec<String> {
    completions(&b.engine, input)
        .into_iter()
        .map(|c| c.value)
        .collect()
}

#[test]
fn completes_names_subcommands_flags_and_values() {
    let b = Bench::new();
    let names = values(&b, "/session-");
    assert!(names.contains(&"/session-search".to_string()), "{names:?}");
    assert!(names.iter().all(|n| n.starts_with("/session-")));
    assert!(
        completions(&b.engine, "/doc")[0]
            .description
            .contains("check")
    );
    assert_eq!(values(&b, "/branch-alias u"), ["use"]);
    assert_eq!(values(&b, "/models-list --to"), ["--tools"]);
    assert_eq!(values(&b, "/models-list --tools "), ["true", "false"]);
    assert_eq!(values(&b, "/session-import x.jsonl "), ["merge", "replace"]);
    assert!(values(&b, "/models-list --provider ").contains(&"anthropic".to_string()));
    assert!(
        values(&b, "/model anthropic/")
            .iter()
            .all(|m| m.starts_with("anthropic/"))
    );
    assert_eq!(values(&b, "/help sess")[0], "session");
    assert!(values(&b, "/stats").is_empty());
    assert!(values(&b, "hello").is_empty());
}

#[test]
fn completes_entries_names_and_files() {
    let mut b = Bench::new();
    let tip = b.ids[3].clone();
    b.ok(&format!("/branch-alias set verbose {tip}"));
    assert!(values(&b, "/branch ").contains(&tip));
    assert_eq!(values(&b, "/branch-alias use v"), ["verbose"]);
    std::fs::write(b.path().join("export-me.jsonl"), "").unwrap();
    assert_eq!(values(&b, "/session-import exp"), ["export-me.jsonl"]);
    assert_eq!(values(&b, "/session-export .p"), [".pi/"]);
}

#[test]
fn branch_completion_shows_each_id_with_its_role_and_first_words() {
    let mut b = Bench::new();
    let tip = b.ids[3].clone();
    b.ok(&format!("/branch-alias set verbose {tip}"));
    let all = completions(&b.engine, "/branch ");
    let find = |v: &str| {
        all.iter()
            .find(|c| c.value == v)
            .unwrap_or_else(|| panic!("no {v} in {all:?}"))
    };
    // The name first, with what it points at.
    assert_eq!(all[0].value, "verbose");
    assert!(all[0].description.contains(&tip), "{all:?}");
    assert!(
        all[0].description.contains("assistant: added --verbose"),
        "{all:?}"
    );
    // The active branch's entries, newest first, and the other tip.
    assert_eq!(find(&b.ids[5]).description, "assistant: another idea done");
    assert_eq!(find(&b.ids[4]).description, "user: try another idea");
    assert_eq!(find(&b.ids[0]).description, "user: fix the tests");
    assert_eq!(find(&tip).description, "assistant: added --verbose");
    // A typed prefix narrows the list.
    let prefix = &b.ids[4][..4];
    assert!(
        completions(&b.engine, &format!("/branch {prefix}"))
            .iter()
            .all(|c| c.value.starts_with(prefix))
    );
}
