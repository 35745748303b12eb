//! `/session`, `/branches`, `/branch`, `/resume`, `/branch-alias`, `/session-bookmark`,
//! `/help`, `/quit`, and what bad input gets.

use pi_coding_agent::commands::{COMMANDS, CommandError, Outcome};

use super::Bench;

#[test]
fn session_shows_file_entries_head_and_branches() {
    let mut b = Bench::new();
    let text = b.ok("/session");
    assert!(text.contains(".pi/sessions/s.jsonl"), "{text}");
    assert!(text.contains("branches  2"), "{text}");
    assert!(text.contains(&format!("head      {}", b.ids[5])), "{text}");
    let v = b.json("/session --json");
    assert_eq!(v["branches"], 2);
    assert_eq!(v["head"], b.ids[5].as_str());
}

#[test]
fn branches_lists_every_tip_with_its_last_user_message() {
    let mut b = Bench::new();
    let text = b.ok("/branches");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].contains(&b.ids[3]) && lines[0].contains("add a --verbose flag"));
    assert!(lines[1].starts_with('*') && lines[1].contains("try another idea"));
    let v = b.json("/branches --json");
    assert_eq!(v.as_array().unwrap().len(), 2);
}

#[test]
fn branch_moves_the_head_and_resume_returns_to_the_latest() {
    let mut b = Bench::new();
    let prefix = b.ids[3][..6].to_string();
    let text = b.ok(&format!("/branch {prefix}"));
    assert!(text.contains(&b.ids[3]), "{text}");
    assert_eq!(b.head().as_deref(), Some(b.ids[3].as_str()));
    let text = b.ok("/resume");
    assert!(text.contains(&b.ids[5]), "{text}");
    assert_eq!(b.head().as_deref(), Some(b.ids[5].as_str()));
    let e = b.err("/branch nosuchentry");
    assert!(e.contains("no entry with id 'nosuchentry'"), "{e}");
}

#[test]
fn branch_aliases_set_list_use_delete() {
    let mut b = Bench::new();
    let id = b.ids[3].clone();
    assert!(b.ok("/branch-alias list").contains("no branch aliases yet"));
    b.ok(&format!("/branch-alias set verbose {id}"));
    assert!(
        b.ok("/branch-alias list")
            .contains(&format!("verbose  →  {id}"))
    );
    let v = b.json("/branch-alias list --json");
    assert_eq!(v[0]["name"], "verbose");
    b.ok("/branch-alias use verbose");
    assert_eq!(b.head(), Some(id.clone()));
    // An alias names an entry anywhere a reference is taken.
    b.ok("/resume");
    b.ok("/branch verbose");
    assert_eq!(b.head(), Some(id));
    b.ok("/branch-alias delete verbose");
    let e = b.err("/branch-alias use verbose");
    assert!(e.contains("no branch alias named 'verbose'"), "{e}");
}

#[test]
fn bookmarks_set_list_use_delete() {
    let mut b = Bench::new();
    let id = b.ids[0].clone();
    b.ok(&format!("/session-bookmark set start {id}"));
    assert!(
        b.ok("/session-bookmark list")
            .contains(&format!("start  →  {id}"))
    );
    b.ok("/session-bookmark use start");
    assert_eq!(b.head(), Some(id));
    b.ok("/session-bookmark delete start");
    assert!(b.ok("/session-bookmark list").contains("no bookmarks yet"));
    // Bookmarks are pi labels in the file.
    let text = std::fs::read_to_string(b.session_file()).unwrap();
    assert!(text.contains(r#""type":"label""#));
}

#[test]
fn help_lists_every_command_and_explains_one() {
    let mut b = Bench::new();
    let text = b.ok("/help");
    for c in COMMANDS.iter() {
        assert!(text.contains(&format!("/{}", c.name)), "{} missing", c.name);
    }
    let text = b.ok("/help session-search");
    assert!(
        text.starts_with("usage: /session-search <query...> [limit] [--json]"),
        "{text}"
    );
    let text = b.ok("/help /macro");
    assert!(text.contains("run <name> [--dry-run]"), "{text}");
    let e = b.err("/help sesion");
    assert!(e.contains("did you mean /session?"), "{e}");
}

#[test]
fn quit_asks_the_front_end_to_leave() {
    let mut b = Bench::new();
    assert_eq!(b.run("/quit").unwrap().outcome, Outcome::Quit);
}

#[test]
fn bad_input_suggests_or_prints_the_usage_line() {
    let mut b = Bench::new();
    let e = b.err("/branchs");
    assert!(
        e.contains("unknown command '/branchs'; did you mean /branches?"),
        "{e}"
    );
    let e = b.err("/frobnicate");
    assert!(e.contains("/help lists every command"), "{e}");
    let e = b.err("/branch");
    assert_eq!(e, "missing <id>; usage: /branch <id>");
    let e = b.err("/branch a b");
    assert!(
        e.contains("unexpected argument 'b'; usage: /branch <id>"),
        "{e}"
    );
    let e = b.err("/session-bookmark");
    assert!(
        e.starts_with("missing subcommand; usage: /session-bookmark set <name> <id> | list"),
        "{e}"
    );
    assert!(matches!(
        b.run("/branch 'unclosed"),
        Err(CommandError::Malformed { .. })
    ));
    assert!(matches!(
        b.run("not a command"),
        Err(CommandError::NotACommand)
    ));
}
