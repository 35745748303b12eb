//! Ctrl+C cancels the turn and leaves the session consistent (exit 130).

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::json;

use super::{Run, stderr};
use crate::support::fake_provider::{FakeProvider, Reply};

/// Runs a turn whose tool call blocks, sends SIGINT once the tool started, and checks the
/// session holds a result for every call.
#[test]
fn ctrl_c_during_a_tool_call_cancels_cleanly() {
    let fake = FakeProvider::builder()
        .reply(
            Reply::turn()
                .tool_call("bash", json!({"command": "sleep 30"}))
                .tool_call("read", json!({"path": "missing.txt"})),
        )
        .reply(Reply::text("never reached"))
        .start_blocking();
    let run = Run::new();
    let mut child = run
        .pi(&fake, "anthropic/claude-sonnet-4-5")
        .args(["--prompt", "go"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let started = Instant::now();
    while !seen.contains("→ bash") {
        let mut line = String::new();
        if err.read_line(&mut line).unwrap() == 0 {
            break;
        }
        seen.push_str(&line);
    }
    assert!(seen.contains("→ bash"), "{seen}");
    std::thread::sleep(Duration::from_millis(200));
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(started.elapsed() < Duration::from_secs(20));
    let msgs = run.session_messages();
    let roles = run.session_roles();
    assert_eq!(roles, ["user", "assistant", "toolResult", "toolResult"]);
    assert_eq!(msgs[2]["isError"], true);
    assert_eq!(fake.requests().len(), 1);
}

#[test]
fn ctrl_c_while_streaming_keeps_the_partial_answer_as_aborted() {
    let long = "word ".repeat(4000);
    let fake = FakeProvider::builder()
        .chunk_size(8)
        .chunk_delay(Duration::from_millis(5))
        .reply(Reply::text(long.clone()))
        .reply(Reply::text("going on"))
        .start_blocking();
    let run = Run::new();
    let mut child = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args(["--stream-output", "true", "--prompt", "go"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut buf = [0u8; 16];
    std::io::Read::read_exact(&mut out, &mut buf).unwrap();
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    let messages = run.session_messages();
    let roles = run.session_roles();
    assert_eq!(roles, ["user", "assistant"]);
    // What had streamed, as pi records a cut-off answer.
    let answer = &messages[1];
    assert_eq!(answer["stopReason"], "aborted");
    let text = answer["content"][0]["text"].as_str().unwrap();
    assert!(
        text.len() >= 16 && text.len() < long.len(),
        "{}",
        text.len()
    );
    assert!(long.starts_with(text));

    // The next turn sends it back as what the assistant had said.
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args(["--prompt", "go on"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let sent = &fake.requests()[1].body["messages"];
    let roles: Vec<&str> = sent
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["system", "user", "assistant", "user"]);
    assert_eq!(sent[2]["content"].as_str(), Some(text));
}

#[test]
fn turn_timeout_stops_the_turn() {
    let fake = FakeProvider::builder()
        .reply(Reply::turn().tool_call("bash", json!({"command": "sleep 30"})))
        .start_blocking();
    let run = Run::new();
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args(["--turn-timeout-ms", "500", "--prompt", "go"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("--turn-timeout-ms"),
        "{}",
        stderr(&out)
    );
    let roles = run.session_roles();
    assert_eq!(roles, ["user", "assistant", "toolResult"]);
}
