//! Histories with a tool call but no result (a killed run, a branch made at an assistant
//! entry, an aborted pi turn) are still accepted by providers: the fake refuses unpaired
//! calls with a 400 as the real APIs do, so these runs fail without the repair pass.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::json;

use super::{Run, assert_four_turn_outcome, four_turn_script, stderr, stdout};
use crate::support::fake_provider::{FakeProvider, Reply};

#[test]
fn a_branch_made_at_a_tool_call_can_be_continued() {
    for model in [
        "anthropic/claude-sonnet-4-5",
        "openai/gpt-4o-mini",
        "google/gemini-2.5-flash",
    ] {
        let fake = four_turn_script(FakeProvider::builder());
        let run = Run::new();
        let out = run
            .pi(&fake, model)
            .args(["--prompt", "go"])
            .output()
            .unwrap();
        assert_four_turn_outcome(&run, &out);
        // The assistant entry holding the parallel bash + read calls.
        let lines = run.session_lines();
        let entry = lines
            .iter()
            .find(|l| {
                l["type"] == "message"
                    && l["message"]["content"]
                        .as_array()
                        .is_some_and(|c| c.iter().filter(|b| b["type"] == "toolCall").count() == 2)
            })
            .unwrap();
        let id = entry["id"].as_str().unwrap();
        std::fs::write(
            run.path().join("cmds.txt"),
            format!("/branch {id}\nwhat now?\n"),
        )
        .unwrap();
        fake.push_reply(Reply::text("continuing from the branch"));
        let out = run
            .pi(&fake, model)
            .args(["--command-file", "cmds.txt"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{model}: {}", stderr(&out));
        assert!(
            stdout(&out).contains("continuing from the branch"),
            "{model}: {}",
            stdout(&out)
        );
        let last = fake.requests().last().unwrap().body.to_string();
        assert!(
            last.contains("interrupted before it finished"),
            "{model}: {last}"
        );
    }
}

#[test]
fn an_aborted_pi_turn_with_an_unanswered_call_is_continued() {
    let run = Run::new();
    let file = run.path().join("aborted.jsonl");
    let lines = [
        json!({"type":"session","version":3,"id":"s1","timestamp":"2026-11-24T05:49:20.144Z","cwd":"/x"}),
        json!({"type":"message","id":"u1","parentId":null,"timestamp":"2026-11-24T05:49:21.000Z",
            "message":{"role":"user","content":[{"type":"text","text":"run it"}],"timestamp":1}}),
        json!({"type":"message","id":"a1","parentId":"u1","timestamp":"2026-11-24T05:49:22.000Z",
            "message":{"role":"assistant","content":[{"type":"toolCall","id":"toolu_x","name":"bash","arguments":{"command":"sleep 100"}}],
            "api":"anthropic-messages","provider":"anthropic","model":"claude-sonnet-4-5","stopReason":"aborted","timestamp":2}}),
        json!({"type":"message","id":"a2","parentId":"a1","timestamp":"2026-11-24T05:49:23.000Z",
            "message":{"role":"assistant","content":[],"api":"anthropic-messages","provider":"anthropic","model":"claude-sonnet-4-5","stopReason":"error","errorMessage":"overloaded","timestamp":3}}),
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&file, text).unwrap();
    let fake = FakeProvider::builder()
        .reply(Reply::text("fine"))
        .start_blocking();
    let out = run
        .pi(&fake, "anthropic/claude-sonnet-4-5")
        .args(["--session", "aborted.jsonl", "--prompt", "try again"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "fine\n");
}

#[test]
fn a_second_ctrl_c_still_leaves_a_result_for_every_call() {
    double_ctrl_c(&["--prompt", "go"], |_| {});
}

#[test]
fn a_second_ctrl_c_in_a_command_file_still_leaves_a_result_for_every_call() {
    double_ctrl_c(&["--command-file", "cmds.txt"], |run| {
        std::fs::write(run.path().join("cmds.txt"), "go\n").unwrap();
    });
}

/// Starts a turn whose bash call ignores SIGINT and SIGTERM, presses Ctrl+C twice, and checks
/// the session still answers the call.
fn double_ctrl_c(args: &[&str], prepare: impl Fn(&Run)) {
    let fake = FakeProvider::builder()
        .reply(Reply::turn().tool_call("bash", json!({"command": "trap '' INT TERM; sleep 30"})))
        .start_blocking();
    let run = Run::new();
    prepare(&run);
    let mut child = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    while !seen.contains("bash") {
        let mut line = String::new();
        if err.read_line(&mut line).unwrap() == 0 {
            break;
        }
        seen.push_str(&line);
    }
    assert!(seen.contains("bash"), "{seen}");
    std::thread::sleep(Duration::from_millis(200));
    let pid = Pid::from_raw(child.id() as i32);
    kill(pid, Signal::SIGINT).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    kill(pid, Signal::SIGINT).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let roles = run.session_roles();
    assert_eq!(roles, ["user", "assistant", "toolResult"]);
}
