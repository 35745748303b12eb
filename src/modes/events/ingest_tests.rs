use std::time::Duration;

use super::*;

fn cfg(dir: &Path) -> Ingest {
    Ingest {
        events_dir: dir.to_path_buf(),
        channel: ConversationKey::parse("local/hooks").unwrap(),
        prompt_prefix: "A webhook arrived:".into(),
        debounce: None,
        max_prompt_bytes: DEFAULT_MAX_PROMPT_BYTES,
    }
}

fn read(file: &Path) -> super::super::Event {
    parse_event(&std::fs::read_to_string(file).unwrap(), file).unwrap()
}

fn json_files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json") && !n.starts_with('.'))
        .collect();
    v.sort();
    v
}

#[test]
fn writes_an_immediate_event_with_prefix_and_payload() {
    let tmp = tempfile::tempdir().unwrap();
    let out = ingest(
        &cfg(tmp.path()),
        br#"{"action":"opened"}"#,
        1_700_000_000_000,
    )
    .unwrap();
    assert!(!out.replaced && !out.truncated);
    check_id(&out.id).unwrap();
    assert!(out.id.starts_with("webhook-1700000000000-"), "{}", out.id);
    let ev = read(&out.file);
    assert_eq!(ev.id, out.id);
    assert_eq!(ev.channel.to_string(), "local/hooks");
    assert_eq!(ev.prompt, "A webhook arrived:\n\n{\"action\":\"opened\"}");
    assert_eq!(ev.schedule, super::super::Schedule::Immediate);
}

#[test]
fn two_payloads_in_one_millisecond_get_two_files() {
    let tmp = tempfile::tempdir().unwrap();
    let a = ingest(&cfg(tmp.path()), b"one", 5).unwrap();
    let b = ingest(&cfg(tmp.path()), b"two", 5).unwrap();
    assert_ne!(a.id, b.id);
    assert_eq!(json_files(tmp.path()).len(), 2);
}

#[test]
fn a_long_payload_is_cut_on_a_char_boundary_with_a_note() {
    let tmp = tempfile::tempdir().unwrap();
    let mut c = cfg(tmp.path());
    c.max_prompt_bytes = 9;
    // 'é' is two bytes: byte 9 falls inside the fifth one.
    let payload = "ééééééééééé".as_bytes();
    let out = ingest(&c, payload, 1).unwrap();
    assert!(out.truncated);
    let ev = read(&out.file);
    assert_eq!(
        ev.prompt,
        "A webhook arrived:\n\néééé\n\n[payload truncated: 8 of 22 bytes shown]"
    );
}

#[test]
fn invalid_utf8_is_replaced_not_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = ingest(&cfg(tmp.path()), b"ok \xff\xfe end", 1).unwrap();
    assert!(read(&out.file).prompt.ends_with("ok \u{fffd}\u{fffd} end"));
}

#[test]
fn debounce_replaces_within_the_window_and_starts_anew_after() {
    let tmp = tempfile::tempdir().unwrap();
    let mut c = cfg(tmp.path());
    c.debounce = Some(("repo/acme widgets#12".into(), Duration::from_secs(60)));
    let first = ingest(&c, b"first", 1_000).unwrap();
    check_id(&first.id).unwrap();
    assert!(!first.replaced);
    let second = ingest(&c, b"second", 30_000).unwrap();
    assert!(second.replaced);
    assert_eq!(second.id, first.id);
    assert_eq!(second.file, first.file);
    assert_eq!(json_files(tmp.path()).len(), 1);
    assert!(read(&first.file).prompt.ends_with("second"));
    // Past the window: a new event beside the queued one.
    let third = ingest(&c, b"third", 61_001).unwrap();
    assert!(!third.replaced);
    assert_ne!(third.id, first.id);
    assert_eq!(json_files(tmp.path()).len(), 2);
}

#[test]
fn debounce_starts_anew_when_the_queued_event_already_ran() {
    let tmp = tempfile::tempdir().unwrap();
    let mut c = cfg(tmp.path());
    c.debounce = Some(("k".into(), Duration::from_secs(60)));
    let first = ingest(&c, b"first", 1_000).unwrap();
    std::fs::remove_file(&first.file).unwrap();
    let second = ingest(&c, b"second", 2_000).unwrap();
    assert!(!second.replaced);
    assert_ne!(second.id, first.id);
    assert!(second.file.exists());
}

#[test]
fn keys_that_sanitize_alike_stay_apart_and_long_keys_give_valid_ids() {
    let tmp = tempfile::tempdir().unwrap();
    let mut c = cfg(tmp.path());
    c.debounce = Some(("a b".into(), Duration::from_secs(60)));
    let a = ingest(&c, b"x", 1).unwrap();
    c.debounce = Some(("a/b".into(), Duration::from_secs(60)));
    let b = ingest(&c, b"y", 2).unwrap();
    assert_ne!(a.id, b.id);
    c.debounce = Some(("ü".repeat(200), Duration::from_secs(60)));
    let long = ingest(&c, b"z", i64::MAX / 2).unwrap();
    check_id(&long.id).unwrap();
}

#[test]
fn nothing_is_written_when_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("events");
    let mut c = cfg(&dir);
    c.prompt_prefix = String::new();
    c.debounce = Some(("k".into(), Duration::from_secs(60)));
    let err = ingest(&c, b"  \n", 1).unwrap_err();
    assert!(err.contains("empty payload"), "{err}");
    assert!(!dir.exists());
}
