//! `/session-search`, `/session-stats`, `/session-diff`, `/session-graph-export`, `/doctor`.

use super::Bench;

#[test]
fn search_is_case_insensitive_newest_first_with_a_limit() {
    let mut b = Bench::new();
    let text = b.ok("/session-search IDEA");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with(&b.ids[5]) && lines[0].contains("assistant"));
    assert!(lines[1].starts_with(&b.ids[4]) && lines[1].contains("user"));
    let text = b.ok("/session-search idea 1");
    assert_eq!(text.lines().count(), 1, "{text}");
    // Several words are one query.
    let v = b.json("/session-search another idea --json");
    assert_eq!(v.as_array().unwrap().len(), 2, "{v}");
    assert_eq!(v[0]["role"], "assistant");
    assert!(
        b.ok("/session-search zebra")
            .contains("no message contains 'zebra'")
    );
}

#[test]
fn stats_count_entries_branches_roles_and_tokens() {
    let mut b = Bench::new();
    let text = b.ok("/session-stats");
    assert!(text.contains("branches   2"), "{text}");
    assert!(
        text.contains("assistant 3") && text.contains("user 3"),
        "{text}"
    );
    assert!(text.contains("input 300, output 30"), "{text}");
    let v = b.json("/session-stats --json");
    assert_eq!(v["branches"], 2);
    assert_eq!(v["messages_by_role"]["user"], 3);
    assert_eq!(v["usage"]["input"], 300);
    assert_eq!(v["active_usage"]["input"], 200);
}

#[test]
fn diff_compares_two_lineages_or_the_previous_head() {
    let mut b = Bench::new();
    let (a, c) = (b.ids[3].clone(), b.ids[5].clone());
    let v = b.json(&format!("/session-diff {a} {c} --json"));
    assert_eq!(v["common_ancestor"], b.ids[1].as_str());
    assert_eq!(v["only_a"].as_array().unwrap().len(), 2);
    assert_eq!(v["only_b"][0]["preview"], "try another idea");
    let text = b.ok(&format!("/session-diff {a} {c}"));
    assert!(
        text.starts_with(&format!("common ancestor {}", b.ids[1])),
        "{text}"
    );
    // Without arguments: the head against the head before the last move.
    b.ok(&format!("/branch {a}"));
    let v = b.json("/session-diff --json");
    assert_eq!(v["a"], c.as_str());
    assert_eq!(v["b"], a.as_str());
    let e = b.err(&format!("/session-diff {a}"));
    assert!(e.contains("name two entries"), "{e}");
    assert!(e.contains("usage: /session-diff [a b] [--json]"), "{e}");
}

#[test]
fn graph_export_writes_mermaid_and_dot() {
    let mut b = Bench::new();
    let text = b.ok("/session-graph-export tree.mmd");
    assert!(text.contains("Mermaid"), "{text}");
    let mmd = std::fs::read_to_string(b.path().join("tree.mmd")).unwrap();
    assert!(mmd.contains(&b.ids[0]));
    b.ok("/session-graph-export out/tree.dot");
    let dot = std::fs::read_to_string(b.path().join("out/tree.dot")).unwrap();
    assert!(dot.starts_with("digraph"), "{dot}");
    let e = b.err("/session-graph-export tree.png");
    assert!(e.contains("unknown graph format"), "{e}");
    // An existing file is kept unless --force.
    std::fs::write(b.path().join("tree.mmd"), "mine").unwrap();
    let e = b.err("/session-graph-export tree.mmd");
    assert!(e.contains("already exists") && e.contains("--force"), "{e}");
    assert_eq!(
        std::fs::read_to_string(b.path().join("tree.mmd")).unwrap(),
        "mine"
    );
    b.ok("/session-graph-export tree.mmd --force");
    let mmd = std::fs::read_to_string(b.path().join("tree.mmd")).unwrap();
    assert!(mmd.starts_with("flowchart"), "{mmd}");
}

#[test]
fn doctor_reports_each_check_and_fails_on_a_failed_one() {
    let mut b = Bench::new();
    let out = b.run("/doctor").unwrap();
    let text = out.lines.join("\n");
    for name in [
        "api key",
        "model",
        "session",
        "lock",
        "skills dir",
        "write access",
        "sandbox",
    ] {
        assert!(text.contains(name), "{name} missing: {text}");
    }
    assert!(out.ok, "{text}");
    assert!(text.contains("pass  api key"), "{text}");
    // No skills folders yet: nothing wrong.
    assert!(
        text.contains("pass  skills dir    project ")
            && text.contains("(none: the folder does not exist)"),
        "{text}"
    );
    // The balanced policy sandboxes bash; .ci/run installs bubblewrap.
    assert!(text.contains("pass  sandbox       bubblewrap at"), "{text}");
    let v = b.json("/doctor --json");
    assert_eq!(v["failed"], 0);
    assert!(v["checks"].as_array().unwrap().len() >= 6);
    // Azure without its deployment URL can never be used: the key check fails.
    b.engine
        .observe(&pi_coding_agent::agent::EventMsg::ModelChanged {
            model: "azure/gpt-4o".into(),
        });
    let out = b.run("/doctor --json").unwrap();
    assert!(!out.ok);
    let v = out.json.unwrap();
    assert_eq!(v["checks"][0]["status"], "fail");
    // A session with problems fails its check.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(b.session_file())
        .unwrap();
    std::io::Write::write_all(&mut f, b"{not json}\n").unwrap();
    let v = b.json("/doctor --json");
    let session = &v["checks"][2];
    assert_eq!(session["name"], "session");
    assert_eq!(session["status"], "fail");
    assert_eq!(v["checks"][4]["status"], "pass", "{v}");
}
