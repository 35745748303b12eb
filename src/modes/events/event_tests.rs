use std::path::Path;

use super::*;
use crate::modes::bridge::store::Transport;

fn parse(text: &str) -> Result<Event, String> {
    parse_event(text, Path::new("/events/e.json"))
}

fn with_schedule(schedule: &str) -> Result<Schedule, String> {
    parse(&format!(
        r#"{{"id": "e1", "channel": "local/notes", "prompt": "hi", "schedule": {schedule}}}"#
    ))
    .map(|e| e.schedule)
}

#[test]
fn a_full_event_is_read() {
    let e = parse(
        r#"{"id": "daily-summary", "channel": "github/o/r#42", "prompt": "Summarise",
            "schedule": {"cron": "0 9 * * MON-FRI", "timezone": "Europe/Berlin"},
            "model": "anthropic/claude", "enabled": false}"#,
    )
    .unwrap();
    assert_eq!(e.id, "daily-summary");
    assert_eq!(e.file, Path::new("/events/e.json"));
    assert_eq!(
        e.channel,
        ConversationKey::new(Transport::Github, "o/r#42").unwrap()
    );
    assert_eq!(e.prompt, "Summarise");
    assert_eq!(e.model.as_deref(), Some("anthropic/claude"));
    assert!(!e.enabled);
    let Schedule::Cron(c) = e.schedule else {
        panic!("not cron")
    };
    assert_eq!(c.pattern, "0 9 * * MON-FRI");
    assert_eq!(c.timezone, "Europe/Berlin");
}

#[test]
fn defaults_enabled_no_model_and_utc() {
    let e = parse(
        r#"{"id": "a", "channel": "slack/C123/1700.1", "prompt": "p", "schedule": {"cron": "*/5 * * * *"}}"#,
    )
    .unwrap();
    assert!(e.enabled);
    assert_eq!(e.model, None);
    assert_eq!(e.channel.transport, Transport::Slack);
    assert_eq!(e.channel.id, "C123/1700.1");
    let Schedule::Cron(c) = e.schedule else {
        panic!("not cron")
    };
    assert_eq!(c.timezone, "UTC");
}

#[test]
fn every_schedule_form() {
    assert_eq!(with_schedule(r#""immediate""#), Ok(Schedule::Immediate));
    assert_eq!(
        with_schedule(r#"{"immediate": true}"#),
        Ok(Schedule::Immediate)
    );
    assert_eq!(
        with_schedule(r#"{"at_unix_ms": 1767225600000}"#),
        Ok(Schedule::At {
            unix_ms: 1_767_225_600_000
        })
    );
    assert!(matches!(
        with_schedule(r#"{"timezone": "Asia/Tokyo", "cron": "0 0 1 * *"}"#),
        Ok(Schedule::Cron(_))
    ));
}

#[test]
fn bad_schedules_are_refused_with_the_reason() {
    let cases = [
        (r#""later""#, "expected"),
        (r#"{"immediate": false}"#, "must be true"),
        (r#"{"at_unix_ms": "soon"}"#, "whole number"),
        (r#"{"at_unix_ms": -5}"#, "whole number"),
        (r#"{"at_unix_ms": 1.5}"#, "whole number"),
        (r#"{"cron": "61 * * * *"}"#, "bad cron pattern"),
        (r#"{"cron": "0 0 9 * * MON"}"#, "bad cron pattern"),
        (r#"{"cron": ""}"#, "bad cron pattern"),
        (r#"{"cron": 5}"#, "must be a string"),
        (
            r#"{"cron": "0 9 * * *", "timezone": "Mars/Olympus"}"#,
            "unknown time zone",
        ),
        (
            r#"{"cron": "0 9 * * *", "timezone": 1}"#,
            "must be a string",
        ),
        (
            r#"{"cron": "0 9 * * *", "every": "day"}"#,
            "unexpected fields",
        ),
        (r#"{}"#, "unexpected fields"),
        (r#"[1]"#, "expected"),
    ];
    for (schedule, reason) in cases {
        let err = with_schedule(schedule).unwrap_err();
        assert!(err.starts_with("schedule: "), "{schedule}: {err}");
        assert!(err.contains(reason), "{schedule}: {err}");
        assert!(!err.contains('\n'), "{schedule}: {err}");
    }
}

#[test]
fn bad_fields_are_refused_with_one_line() {
    let good = r#""channel": "local/x", "prompt": "p", "schedule": "immediate""#;
    let cases = [
        (
            format!(r#"{{"id": "a", {good}, "colour": "red"}}"#),
            "unknown field",
        ),
        (format!(r#"{{{good}}}"#), "missing field `id`"),
        (format!(r#"{{"id": "", {good}}}"#), "id: "),
        (format!(r#"{{"id": "a b", {good}}}"#), "may hold only"),
        (format!(r#"{{"id": "../x", {good}}}"#), "may hold only"),
        (
            format!(r#"{{"id": "{}", {good}}}"#, "x".repeat(81)),
            "1 to 80",
        ),
        (
            r#"{"id": "a", "channel": "email/x", "prompt": "p", "schedule": "immediate"}"#.into(),
            "channel: unknown transport",
        ),
        (
            r#"{"id": "a", "channel": "local", "prompt": "p", "schedule": "immediate"}"#.into(),
            "channel: ",
        ),
        (
            r#"{"id": "a", "channel": "local/x", "prompt": "  ", "schedule": "immediate"}"#.into(),
            "prompt: empty",
        ),
        (
            format!(r#"{{"id": "a", {good}, "model": "gpt"}}"#),
            "not PROVIDER/ID",
        ),
        (
            format!(r#"{{"id": "a", {good}, "enabled": "yes"}}"#),
            "invalid type",
        ),
        ("{\n\"id\": \"a\",\n".into(), "EOF"),
        ("not json".into(), "expected"),
    ];
    for (text, reason) in cases {
        let err = parse(&text).unwrap_err();
        assert!(err.contains(reason), "{text}: {err}");
        assert!(!err.contains('\n'), "{text}: {err}");
    }
}

#[test]
fn ids_at_the_limits() {
    assert!(check_id(&"a".repeat(80)).is_ok());
    assert!(check_id("A.b_c-9").is_ok());
    assert!(check_id("é").is_err());
}
