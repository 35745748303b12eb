//! `/events-list`, `/events-show`, `/events-run` and `/events-disable` over an events dir and
//! the runner's state file.

use serde_json::json;

use super::Bench;

fn setup(b: &Bench) {
    let dir = b.path().join("events");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("daily.json"),
        json!({"id": "daily", "channel": "local/reports", "prompt": "Summarise yesterday.",
               "schedule": {"cron": "0 9 * * MON-FRI", "timezone": "Europe/Berlin"},
               "model": "anthropic/claude-haiku-4-5"})
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.join("later.json"),
        json!({"id": "later", "channel": "slack/C1", "prompt": "Remind me.",
               "schedule": {"at_unix_ms": 4_102_444_800_000i64}})
        .to_string(),
    )
    .unwrap();
    std::fs::write(dir.join("bad.json"), "{\"id\": ").unwrap();
    std::fs::write(
        b.path().join("events-state.json"),
        json!({"events": {"daily": {"last_slot_ms": 1_767_225_600_000i64, "runs": 3,
                                     "failures": 1, "last_error": "the run failed",
                                     "next_retry_ms": 4_102_444_800_000i64}}})
        .to_string(),
    )
    .unwrap();
}

#[test]
fn list_and_show_read_the_files_and_the_state() {
    let mut b = Bench::new();
    setup(&b);
    let text = b.ok("/events-list");
    assert!(text.contains("daily  local/reports  cron \"0 9 * * MON-FRI\" Europe/Berlin  enabled  runs 3  failures 1"), "{text}");
    assert!(
        text.contains("later  slack/C1  at 2100-01-01T00:00:00Z"),
        "{text}"
    );
    assert!(
        text.contains("skipped: ") && text.contains("bad.json"),
        "{text}"
    );
    let out = b.run("/events-list --json").unwrap();
    let v = out.json.unwrap();
    assert_eq!(v["events"][0]["id"], "daily");
    assert_eq!(v["events"][0]["last_error"], "the run failed");
    assert_eq!(v["problems"].as_array().unwrap().len(), 1);
    let text = b.ok("/events-show daily");
    for part in [
        "file: ",
        "model: anthropic/claude-haiku-4-5",
        "runs: 3",
        "last error: the run failed",
        "next retry: 2100-01-01",
        "prompt: Summarise yesterday.",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
    let err = b.err("/events-show nope");
    assert!(err.contains("no event \"nope\""), "{err}");
}

#[test]
fn run_writes_an_immediate_copy_and_disable_edits_the_file() {
    let mut b = Bench::new();
    setup(&b);
    let text = b.ok("/events-run daily");
    assert!(text.starts_with("queued daily.now-"), "{text}");
    let copy = text
        .split_whitespace()
        .nth(1)
        .unwrap()
        .trim_end_matches(':');
    let written: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(b.path().join("events").join(format!("{copy}.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(written["schedule"], "immediate");
    assert_eq!(written["channel"], "local/reports");
    assert_eq!(written["model"], "anthropic/claude-haiku-4-5");
    assert!(b.ok("/events-list").contains(copy));
    assert_eq!(b.ok("/events-disable later"), "disabled later");
    let edited: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(b.path().join("events/later.json")).unwrap())
            .unwrap();
    assert_eq!(edited["enabled"], false);
    assert_eq!(edited["prompt"], "Remind me.");
    assert!(b.ok("/events-list").contains("later  slack/C1"));
    assert!(
        b.ok("/events-show later")
            .contains("next: never (disabled)")
    );
}
