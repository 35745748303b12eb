use super::*;

#[test]
fn history_walks_and_restores_the_draft() {
    let mut e = Editor::default();
    e.textarea.insert_str("first");
    assert_eq!(e.take(), "first");
    e.textarea.insert_str("second");
    e.take();
    e.textarea.insert_str("draft");
    assert!(e.history_prev());
    assert_eq!(e.text(), "second");
    assert!(e.history_prev());
    assert_eq!(e.text(), "first");
    assert!(!e.history_prev());
    assert!(e.history_next());
    assert!(e.history_next());
    assert_eq!(e.text(), "draft");
}

#[test]
fn large_pastes_collapse_and_expand_on_send() {
    let mut e = Editor::default();
    let big: String = (0..20).map(|i| format!("line {i}\n")).collect();
    e.textarea.insert_str("see ");
    e.paste(&big);
    assert_eq!(e.text(), "see [paste #1 +20 lines]");
    assert_eq!(e.take(), format!("see {big}"));
    e.paste("small\r\npaste");
    assert_eq!(e.text(), "small\npaste");
}

#[test]
fn file_completion_asks_for_files_once_then_filters() {
    let mut e = Editor::default();
    e.textarea.insert_str("look at @mai");
    assert!(e.refresh_completion().files);
    assert!(!e.refresh_completion().files);
    e.files = Some(vec!["src/main.rs".into(), "docs/x.md".into()]);
    e.refresh_completion();
    let c = e.completion.clone().unwrap();
    assert_eq!(c.items[0].0, "src/main.rs");
    assert!(e.completion_accept());
    assert_eq!(e.text(), "look at @src/main.rs ");
}

#[test]
fn command_completion_at_the_start_only() {
    let mut e = Editor::new(vec![
        ("help".into(), "show help".into()),
        ("branch".into(), "move the head".into()),
        ("branches".into(), "list tips".into()),
    ]);
    e.textarea.insert_str("/bra");
    e.refresh_completion();
    let c = e.completion.clone().unwrap();
    assert_eq!(c.items.len(), 2);
    e.completion_move(1);
    assert!(e.completion_accept());
    assert_eq!(e.text(), "/branches ");
    e.clear();
    e.textarea.insert_str("not /bra");
    e.refresh_completion();
    assert!(e.completion.is_none());
}

#[test]
fn image_refs_are_found() {
    assert_eq!(
        Editor::image_refs("see @a.png and @src/x.rs, @B.JPG."),
        vec!["a.png".to_string(), "B.JPG".to_string()]
    );
}

#[test]
fn a_whole_command_word_is_complete_a_partial_one_is_not() {
    let mut e = Editor::new(vec![
        ("session".into(), "show the session".into()),
        ("session-diff".into(), "compare".into()),
        ("sessions".into(), "list".into()),
    ]);
    e.textarea.insert_str("/sess");
    e.refresh_completion();
    assert_eq!(e.completion.as_ref().map(|c| c.items.len()), Some(3));
    assert!(!e.completion_is_complete());
    e.textarea.insert_str("ion");
    e.refresh_completion();
    assert!(e.completion.is_some(), "session-diff still matches");
    assert!(e.completion_is_complete());
}

#[test]
fn arguments_are_asked_for_once_per_word_position_and_filtered_here() {
    let mut e = Editor::new(vec![("branch".into(), "move the head".into())]);
    e.textarea.insert_str("/branch ");
    let needs = e.refresh_completion();
    assert_eq!(needs.arguments.as_deref(), Some("/branch "));
    assert!(
        e.completion.is_none(),
        "nothing to show until the answer comes"
    );
    e.textarea.insert_str("fe");
    assert_eq!(e.refresh_completion(), CompletionNeeds::default());
    e.arg_cache.insert(
        "/branch ".into(),
        vec![
            ("feature".into(), String::new()),
            ("fix".into(), String::new()),
            ("a1b2c3".into(), String::new()),
        ],
    );
    e.refresh_completion();
    let c = e.completion.clone().unwrap();
    assert_eq!(c.kind, CompletionKind::Argument);
    assert_eq!(c.items, vec![("feature".to_string(), String::new())]);
    assert!(e.completion_accept());
    assert_eq!(e.text(), "/branch feature ");
    // A path asks again for its directory, once.
    e.textarea.insert_str("src/m");
    assert_eq!(
        e.refresh_completion().arguments.as_deref(),
        Some("/branch feature src/")
    );
    assert_eq!(e.refresh_completion(), CompletionNeeds::default());
}
