use super::*;
use serde_json::json;

fn cell(name: &str, args: Value, output: &str) -> ToolCell {
    ToolCell {
        call_id: "c1".into(),
        name: name.into(),
        args,
        output: output.into(),
        status: ToolStatus::Ok,
        duration_ms: Some(3),
    }
}

fn text(l: &Line) -> String {
    l.spans.iter().map(|s| s.content.as_ref()).collect()
}

fn texts(b: &ToolBody) -> Vec<String> {
    b.lines.iter().map(text).collect()
}

fn badge(b: &ToolBody) -> String {
    b.badge.iter().map(|s| s.content.as_ref()).collect()
}

/// What the edit tool returns: the sentence, a blank line, the unified diff (radius 3).
const EDIT: &str = "Successfully replaced 1 block(s) in src/a.rs.

--- a/src/a.rs
+++ b/src/a.rs
@@ -7,8 +7,9 @@
 fn a() {}
 fn b() {}
 fn c() {}
-fn d() {}
+fn d() -> u8 {
+    1
+}
 fn e() {}
 fn f() {}
 fn g() {}
";

#[test]
fn an_edit_shows_its_changes_first_with_a_summary_and_no_headers() {
    let b = body(
        &cell("edit", json!({"path": "src/a.rs"}), EDIT),
        false,
        &Theme::default(),
    );
    assert_eq!(badge(&b), "+3 −1");
    assert_eq!(
        texts(&b),
        vec![
            "10 - fn d() {}",
            "10 + fn d() -> u8 {",
            "11 +     1",
            "12 + }",
            "13   fn e() {}",
            "14   fn f() {}",
        ]
    );
    // Unfolded, the whole diff, still without headers.
    let all = texts(&body(
        &cell("edit", json!({}), EDIT),
        true,
        &Theme::default(),
    ));
    assert_eq!(all.len(), 10);
    assert_eq!(all[0], " 7   fn a() {}");
    assert!(
        all.iter()
            .all(|l| !l.contains("Successfully") && !l.contains("+++"))
    );
}

#[test]
fn a_loose_edit_keeps_its_note_and_hunks_are_separated() {
    let out = "Successfully replaced 1 block(s) in a. Note: oldText matched only after ignoring trailing whitespace.

--- a/a
+++ b/a
@@ -1,2 +1,2 @@
-x
+y
 k
@@ -40,2 +40,2 @@
 m
-p
+q
";
    let b = body(&cell("edit", json!({}), out), false, &Theme::default());
    let t = texts(&b);
    assert!(t[0].starts_with("Note: oldText matched"), "{t:?}");
    assert_eq!(
        &t[1..],
        &[" 1 - x", " 1 + y", " 2   k", "⋯", "41 - p", "41 + q"]
    );
}

#[test]
fn a_write_previews_its_first_lines_and_size() {
    let content = (1..=10)
        .map(|i| format!("line {i}"))
        .collect::<Vec<_>>()
        .join("\n");
    let c = cell(
        "write",
        json!({"path": "notes.txt", "content": content}),
        "Successfully wrote 70 bytes to notes.txt",
    );
    let b = body(&c, false, &Theme::default());
    assert_eq!(badge(&b), "10 lines · 70 B");
    let t = texts(&b);
    assert_eq!(t.first().map(String::as_str), Some("line 1"));
    assert_eq!(t.last().map(String::as_str), Some("… 4 more lines"));
    assert!(t.iter().all(|l| !l.contains("Successfully")));
    let one = cell(
        "write",
        json!({"path": "a.rs", "content": "fn main() {}\n"}),
        "ok",
    );
    assert_eq!(
        badge(&body(&one, false, &Theme::default())),
        "1 line · 13 B"
    );
}

#[test]
fn a_read_is_one_line_until_unfolded() {
    let c = cell("read", json!({"path": "a.rs"}), "a\nb\nc\n");
    let b = body(&c, false, &Theme::default());
    assert!(b.lines.is_empty());
    assert_eq!(badge(&b), "3 lines · 6 B");
    assert_eq!(
        texts(&body(&c, true, &Theme::default())),
        vec!["a", "b", "c"]
    );
    let cut = cell(
        "read",
        json!({"path": "a.rs", "offset": 3}),
        "line 3\nline 4\nline 5\n\n[Showing lines 3-5 of 100 (20B limit). Use offset=6 to continue.]",
    );
    assert_eq!(
        badge(&body(&cut, false, &Theme::default())),
        "lines 3–5 · 20 B"
    );
}

#[test]
fn failed_calls_show_their_error() {
    let mut c = cell("edit", json!({}), "oldText not found in a.rs");
    c.status = ToolStatus::Error;
    let b = body(&c, false, &Theme::default());
    assert_eq!(texts(&b), vec!["oldText not found in a.rs"]);
    assert!(b.badge.is_empty());
}
