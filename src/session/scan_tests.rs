use super::*;
use proptest::prelude::*;
use std::io::Cursor;

const USER: &str = r#"{"type":"message","id":"8fd951b1","parentId":"8823f5ba","timestamp":"2026-11-24T05:49:20.167Z","message":{"role":"user","content":[{"type":"text","text":"make \"the\" hello file"}],"timestamp":1795499360165}}"#;
const ASSISTANT: &str = r#"{"type":"message","id":"6ea65c0a","parentId":"8fd951b1","timestamp":"t","message":{"role":"assistant","content":[{"type":"toolCall","id":"x","name":"write","arguments":{"path":"h","content":"{\"type\":\"nested\"}"}}],"api":"anthropic-messages","provider":"p","model":"m","usage":{"input":100,"output":13,"cacheRead":2,"cacheWrite":1,"totalTokens":113,"cost":{"input":0.1,"output":0.2,"cacheRead":0,"cacheWrite":0,"total":0.3}},"stopReason":"toolUse","timestamp":1}}"#;

#[test]
fn header_fields_of_a_message_line() {
    let e = scan_line(SessionFormat::PiV3, USER.as_bytes()).unwrap();
    assert_eq!(e.kind, EntryKind::Message);
    assert_eq!(&*e.id, "8fd951b1");
    assert_eq!(e.parent.as_deref(), Some("8823f5ba"));
    assert_eq!(e.role, Some(Role::User));
    assert_eq!(e.usage, None);
}

#[test]
fn assistant_usage_is_kept_and_nested_types_do_not_confuse_the_scan() {
    let e = scan_line(SessionFormat::PiV3, ASSISTANT.as_bytes()).unwrap();
    assert_eq!(e.role, Some(Role::Assistant));
    let u = e.usage.unwrap();
    assert_eq!((u.input, u.output, u.total_tokens), (100, 13, 113));
    assert!((u.cost.total - 0.3).abs() < 1e-12);
}

#[test]
fn null_parent_and_field_order_do_not_matter() {
    let line = r#"{"parentId":null,"provider":"a","modelId":"b","id":"1","type":"model_change"}"#;
    let e = scan_line(SessionFormat::PiV3, line.as_bytes()).unwrap();
    assert_eq!(e.kind, EntryKind::ModelChange);
    assert_eq!(e.parent, None);
}

#[test]
fn labels_heads_and_aliases_carry_their_targets() {
    let label =
        r#"{"type":"label","id":"l","parentId":"a","timestamp":"t","targetId":"x","label":"fav"}"#;
    let e = scan_line(SessionFormat::PiV3, label.as_bytes()).unwrap();
    assert_eq!(
        e.extra,
        Extra::Label {
            target: "x".into(),
            label: Some("fav".into())
        }
    );
    let head = r#"{"type":"custom","id":"h","parentId":"x","timestamp":"t","customType":"rust-pi.head","data":{"headId":"x","previousHeadId":"y"}}"#;
    let e = scan_line(SessionFormat::PiV3, head.as_bytes()).unwrap();
    assert_eq!(e.kind, EntryKind::Head);
    assert_eq!(
        e.extra,
        Extra::Head {
            target: "x".into(),
            previous: Some("y".into())
        }
    );
    let alias = r#"{"type":"custom","id":"al","parentId":"x","timestamp":"t","customType":"rust-pi.branch-alias","data":{"name":"exp","targetId":"x"}}"#;
    let e = scan_line(SessionFormat::PiV3, alias.as_bytes()).unwrap();
    assert_eq!(
        e.extra,
        Extra::Alias {
            name: "exp".into(),
            target: Some("x".into())
        }
    );
}

#[test]
fn unknown_types_and_odd_field_types_still_scan() {
    let line = r#"{"type":"future_thing","id":"f","parentId":null,"label":{"x":1},"message":"str","data":[1,2]}"#;
    let e = scan_line(SessionFormat::PiV3, line.as_bytes()).unwrap();
    assert_eq!(e.kind, EntryKind::Unknown);
    assert_eq!(e.role, None);
}

#[test]
fn broken_lines_are_errors() {
    for bad in [
        "not json",
        r#"{"type":"message","id":"a","message":{"role":"us"#,
        r#"{"id":"a"}"#,
        r#"{"type":"message"}"#,
        r#"{"type":"message","id":"a"}{"type":"message","id":"b"}"#,
        r#"{"type":"session","version":3,"id":"x"}"#,
    ] {
        assert!(
            scan_line(SessionFormat::PiV3, bad.as_bytes()).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn headers_of_both_formats() {
    let h = parse_header(br#"{"type":"session","version":3,"id":"u","timestamp":"t","cwd":"/w"}"#)
        .unwrap();
    assert_eq!(
        (h.format, h.version, h.cwd.as_str()),
        (SessionFormat::PiV3, 3, "/w")
    );
    let h = parse_header(br#"{"record_type":"meta","schema_version":1}"#).unwrap();
    assert_eq!(h.format, SessionFormat::LegacyV1);
    assert!(!h.first_line_is_entry);
    let h = parse_header(br#"{"id":1,"parent_id":null,"message":{"role":"user","content":[]}}"#)
        .unwrap();
    assert!(h.first_line_is_entry);
    assert!(parse_header(b"hello").is_err());
    assert!(parse_header(br#"{"name":"package.json"}"#).is_err());
}

#[test]
fn legacy_lines_use_integer_ids() {
    let e = scan_line(
        SessionFormat::LegacyV1,
        br#"{"record_type":"entry","id":7,"parent_id":6,"message":{"role":"tool","content":[]}}"#,
    )
    .unwrap();
    assert_eq!((&*e.id, e.parent.as_deref()), ("7", Some("6")));
    assert_eq!(e.role, Some(Role::ToolResult));
}

fn lines_of(data: &[u8]) -> Vec<(u64, Vec<u8>, bool)> {
    let mut out = Vec::new();
    let end = for_each_line(&mut Cursor::new(data), 0, |o, l, t| {
        out.push((o, l.to_vec(), t))
    })
    .unwrap();
    assert_eq!(end, data.len() as u64);
    out
}

#[test]
fn line_splitting_reports_offsets_and_the_torn_tail() {
    let got = lines_of(b"ab\n\ncd\nef");
    assert_eq!(
        got,
        vec![
            (0, b"ab".to_vec(), true),
            (3, b"".to_vec(), true),
            (4, b"cd".to_vec(), true),
            (7, b"ef".to_vec(), false)
        ]
    );
}

#[test]
fn lines_longer_than_a_chunk_survive() {
    let long = vec![b'x'; CHUNK * 2 + 17];
    let mut data = b"a\n".to_vec();
    data.extend_from_slice(&long);
    data.extend_from_slice(b"\nb\n");
    let got = lines_of(&data);
    assert_eq!(got.len(), 3);
    assert_eq!(got[1].1.len(), long.len());
    assert_eq!(got[2], (data.len() as u64 - 2, b"b".to_vec(), true));
}

proptest! {
    #[test]
    fn splitting_then_joining_gives_the_input_back(data in proptest::collection::vec(prop_oneof![Just(b'\n'), Just(b'a'), Just(b'{')], 0..200)) {
        let got = lines_of(&data);
        let mut joined = Vec::new();
        for (o, l, t) in &got {
            prop_assert_eq!(*o as usize, joined.len());
            joined.extend_from_slice(l);
            if *t { joined.push(b'\n'); }
        }
        prop_assert_eq!(joined, data);
    }

    #[test]
    fn the_scan_reads_what_was_written(id in "[a-z0-9]{1,12}", parent in proptest::option::of("[a-z0-9\"\\\\]{1,8}"), text in "\\PC{0,40}") {
        let msg = crate::ai::types::Message::user_text(text, 1);
        let line = crate::session::entry::render_line(
            &crate::session::EntryData::Message { message: msg },
            &id,
            parent.as_deref(),
            "t",
        ).unwrap();
        let e = scan_line(SessionFormat::PiV3, &line[..line.len() - 1]).unwrap();
        prop_assert_eq!(&*e.id, id.as_str());
        prop_assert_eq!(e.parent.as_deref(), parent.as_deref());
        prop_assert_eq!(e.role, Some(Role::User));
    }
}
