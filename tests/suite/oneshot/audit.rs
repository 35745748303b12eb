//! `--tool-audit-log` through the real binary, and `/audit-summary` reading what it wrote.

use std::os::unix::fs::PermissionsExt;

use serde_json::{Value, json};

use super::{Run, stderr, stdout};
use crate::support::fake_provider::{FakeProvider, Reply};

const MODEL: &str = "openai/gpt-4o-mini";
/// Long enough to count as a secret (short values are not redacted).
const KEY: &str = "sk-audit-e2e-0123456789abcdef";

/// Bash (echoing the key) and read in parallel; then a read of a denied path; then an answer.
fn script() -> FakeProvider {
    FakeProvider::builder()
        .api_key(KEY)
        .reply(
            Reply::turn()
                .tool_call(
                    "bash",
                    json!({"command": format!("echo {KEY} && echo AUDIT_OK")}),
                )
                .tool_call("read", json!({"path": "notes.txt"})),
        )
        .reply(Reply::turn().tool_call("read", json!({"path": "private/token.txt"})))
        .reply(Reply::text("done"))
        .start_blocking()
}

fn run_with_audit_log() -> (Run, FakeProvider) {
    let fake = script();
    let run = Run::new();
    std::fs::write(run.path().join("notes.txt"), "some notes\n").unwrap();
    std::fs::create_dir(run.path().join("private")).unwrap();
    std::fs::write(run.path().join("private/token.txt"), "t\n").unwrap();
    let out = run
        .pi(&fake, MODEL)
        .env("OPENAI_API_KEY", KEY)
        .args([
            "--tool-audit-log",
            "logs/audit.jsonl",
            "--deny-read",
            "private",
            "--prompt",
            "go",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "done\n");
    (run, fake)
}

fn audit_lines(run: &Run) -> Vec<Value> {
    let text = std::fs::read_to_string(run.path().join("logs/audit.jsonl")).unwrap();
    assert!(!text.contains(KEY), "the key is in the audit log: {text}");
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn every_call_has_a_start_and_an_end_line_with_its_decision_and_outcome() {
    let (run, _fake) = run_with_audit_log();
    let lines = audit_lines(&run);
    assert_eq!(lines.len(), 6, "{lines:#?}");
    let mode = std::fs::metadata(run.path().join("logs/audit.jsonl"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let dir_mode = std::fs::metadata(run.path().join("logs"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(dir_mode & 0o777, 0o700);

    let header = &run.session_lines()[0];
    let session_file = run.session_file().canonicalize().unwrap();
    for l in &lines {
        assert_eq!(l["version"], 1, "{l}");
        assert_eq!(l["session"]["id"], header["id"], "{l}");
        let path = std::path::Path::new(l["session"]["path"].as_str().unwrap());
        assert_eq!(path.canonicalize().unwrap(), session_file, "{l}");
        let time: jiff::Timestamp = l["time"].as_str().unwrap().parse().unwrap();
        assert_eq!(time.as_millisecond(), l["unix_ms"].as_i64().unwrap(), "{l}");
        assert!(l["time"].as_str().unwrap().ends_with('Z'), "{l}");
    }
    // Each call starts before it ends; the parallel calls start in call order.
    let events: Vec<(String, String, String)> = lines
        .iter()
        .map(|l| {
            let s = |k: &str| l[k].as_str().unwrap().to_string();
            (s("event"), s("tool"), s("call_id"))
        })
        .collect();
    let starts: Vec<&(String, String, String)> = events.iter().filter(|e| e.0 == "start").collect();
    assert_eq!(
        starts.iter().map(|e| e.1.as_str()).collect::<Vec<_>>(),
        ["bash", "read", "read"]
    );
    for (i, start) in events.iter().enumerate().filter(|(_, e)| e.0 == "start") {
        let ends: Vec<usize> = (0..events.len())
            .filter(|&j| events[j].0 == "end" && events[j].2 == start.2)
            .collect();
        assert_eq!(ends.len(), 1, "{start:?} in {events:?}");
        assert!(ends[0] > i, "{start:?} ends before it starts: {events:?}");
        assert_eq!(events[ends[0]].1, start.1);
    }
    let find = |event: &str, call_id: &str| -> &Value {
        lines
            .iter()
            .find(|l| l["event"] == event && l["call_id"] == call_id)
            .unwrap()
    };

    let bash_id = starts[0].2.as_str();
    let bash = find("start", bash_id);
    assert_eq!(
        bash["arguments"]["command"],
        "echo [redacted] && echo AUDIT_OK"
    );
    assert_eq!(bash["decision"]["verdict"], "allow");
    assert_eq!(bash["decision"]["runs"], true);
    assert!(!bash["decision"]["reason"].as_str().unwrap().is_empty());
    let bash_end = find("end", bash_id);
    assert_eq!(bash_end["exit_code"], 0, "{bash_end}");
    assert_eq!(bash_end["is_error"], false);
    assert!(bash_end["output_bytes"].as_u64().unwrap() >= "AUDIT_OK\n".len() as u64);
    assert!(bash_end["duration_ms"].is_u64());

    let read_id = starts[1].2.as_str();
    assert_eq!(
        find("start", read_id)["arguments"],
        json!({"path": "notes.txt"})
    );
    let read_end = find("end", read_id);
    assert_eq!(read_end["is_error"], false);
    assert_eq!(read_end["output_bytes"], "some notes\n".len());
    assert!(read_end.get("exit_code").is_none(), "{read_end}");

    let denied_id = starts[2].2.as_str();
    let denied = find("start", denied_id);
    assert_eq!(denied["decision"]["verdict"], "deny", "{denied}");
    assert_eq!(denied["decision"]["runs"], false);
    assert_eq!(find("end", denied_id)["is_error"], true);
}

#[test]
fn audit_summary_in_a_command_file_counts_the_calls_and_skips_a_torn_line() {
    let (run, _fake) = run_with_audit_log();
    // A crash mid-append leaves half a line at the end.
    let log = run.path().join("logs/audit.jsonl");
    let mut bytes = std::fs::read(&log).unwrap();
    bytes.extend_from_slice(br#"{"version":1,"event":"start","time":"2026-"#);
    std::fs::write(&log, bytes).unwrap();
    std::fs::write(
        run.path().join("cmds.txt"),
        "/audit-summary logs/audit.jsonl\n/audit-summary --json\n",
    )
    .unwrap();
    let out = run
        .cmd()
        .args([
            "--command-file",
            "cmds.txt",
            "--tool-audit-log",
            "logs/audit.jsonl",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let row = |tool: &str| -> Vec<String> {
        text.lines()
            .find(|l| l.starts_with(&format!("{tool} ")))
            .unwrap_or_else(|| panic!("no {tool} row in {text}"))
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    // tool, calls, errors, error rate, denied, asked, p50, p95, output bytes
    let bash = row("bash");
    assert_eq!(bash[..6], ["bash", "1", "0", "0.0%", "0", "0"], "{text}");
    let read = row("read");
    assert_eq!(read[..6], ["read", "2", "0", "0.0%", "1", "0"], "{text}");
    assert_eq!(read[8], "some notes\n".len().to_string(), "{text}");
    assert!(text.contains("1 torn line skipped"), "{text}");

    let json_line = text
        .lines()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no JSON line in {text}"));
    let summary: Value = serde_json::from_str(json_line).unwrap();
    assert_eq!(summary["skipped_lines"], 1);
    assert_eq!(summary["records"], 6);
    let tools = summary["tools"].as_array().unwrap();
    let read = tools.iter().find(|t| t["tool"] == "read").unwrap();
    assert_eq!((&read["calls"], &read["denied"]), (&json!(2), &json!(1)));
    assert!(
        summary["path"]
            .as_str()
            .unwrap()
            .ends_with("logs/audit.jsonl")
    );
}

#[test]
fn audit_summary_without_a_path_or_the_flag_says_what_to_pass() {
    let run = Run::new();
    std::fs::write(run.path().join("cmds.txt"), "/audit-summary\n").unwrap();
    let out = run
        .cmd()
        .args(["--command-file", "cmds.txt"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("--tool-audit-log PATH"), "{err}");
    assert!(err.contains("/audit-summary PATH"), "{err}");
}

#[test]
fn a_log_that_cannot_be_written_is_one_warning_and_the_run_still_succeeds() {
    let fake = script();
    let run = Run::new();
    std::fs::write(run.path().join("notes.txt"), "some notes\n").unwrap();
    let out = run
        .pi(&fake, MODEL)
        .env("OPENAI_API_KEY", KEY)
        // A directory that cannot exist: notes.txt is a file.
        .args([
            "--tool-audit-log",
            "notes.txt/audit.jsonl",
            "--prompt",
            "go",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "done\n");
    let err = stderr(&out);
    assert_eq!(
        err.matches("tool calls are not being audited").count(),
        1,
        "{err}"
    );
    assert_eq!(run.session_roles().len(), 7, "{:?}", run.session_roles());
}
