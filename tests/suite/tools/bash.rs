//! bash: output, exit codes, the group kill on timeout and cancel, truncation to a temp file.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pi_coding_agent::tools::{SandboxMode, run_tool};
use serde_json::json;

use super::{Fixture, number_after, real, wait_gone};

/// Unsandboxed, for the tests that read a pid bash prints: inside bubblewrap's pid namespace
/// `$!` means nothing outside (sandbox.rs checks the kill under bwrap).
fn unsandboxed() -> Fixture {
    Fixture::with_policy(|p| p.sandbox.mode = SandboxMode::Off)
}

#[tokio::test]
async fn runs_in_cwd_and_merges_stderr_in_order() {
    let fx = Fixture::new();
    let text = fx
        .ok(
            "bash",
            json!({"command": "echo a; echo b >&2; echo c; pwd -P"}),
        )
        .await;
    let cwd = real(fx.dir.path());
    assert_eq!(text, format!("a\nb\nc\n{}", cwd.display()));
    assert_eq!(
        fx.ok("bash", json!({"command": "true"})).await,
        "(no output)"
    );
}

#[tokio::test]
async fn nonzero_exit_is_an_error_with_the_code() {
    let fx = Fixture::new();
    let out = fx.call("bash", json!({"command": "echo hi; exit 3"})).await;
    assert!(out.is_error);
    assert_eq!(out.text_content(), "hi\n\nCommand exited with code 3");
    assert_eq!(out.details.unwrap()["exitCode"], 3);
}

#[tokio::test]
async fn streams_output_live() {
    let mut fx = Fixture::new();
    let seen = Arc::new(Mutex::new(String::new()));
    let sink = seen.clone();
    fx.ctx.on_output = Some(Arc::new(move |s: &str| sink.lock().unwrap().push_str(s)));
    fx.ok(
        "bash",
        json!({"command": "for i in 1 2 3; do echo $i; sleep 0.05; done"}),
    )
    .await;
    assert_eq!(*seen.lock().unwrap(), "1\n2\n3\n");
}

#[tokio::test]
async fn timeout_kills_the_whole_process_group() {
    let fx = unsandboxed();
    let started = Instant::now();
    let out = fx
        .call(
            "bash",
            json!({"command": "sleep 30 & echo BG=$!; sleep 30", "timeout": 1}),
        )
        .await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert!(out.is_error);
    let text = out.text_content();
    assert!(text.contains("Command timed out after 1 seconds"), "{text}");
    let bg = number_after(&text, "BG=");
    assert!(
        wait_gone(bg, 5).await,
        "background sleep {bg} survived the timeout"
    );
}

#[tokio::test]
async fn policy_timeout_applies_when_the_call_gives_none() {
    let fx = Fixture::with_policy(|p| p.bash_timeout_ms = 500);
    let started = Instant::now();
    let msg = fx.err("bash", json!({"command": "sleep 30"})).await;
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(msg.contains("timed out after 0.5 seconds"), "{msg}");
}

#[tokio::test]
async fn cancel_kills_the_group_and_returns_promptly() {
    let mut fx = unsandboxed();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    fx.ctx.on_output = Some(Arc::new(move |s: &str| {
        let _ = tx.send(s.to_string());
    }));
    let ctx = fx.ctx.clone();
    let task = tokio::spawn(async move {
        run_tool(
            "bash",
            &json!({"command": "sleep 30 & echo BG=$!; sleep 30"}),
            &ctx,
        )
        .await
    });
    let mut seen = String::new();
    while !seen.contains('\n') {
        seen.push_str(&rx.recv().await.unwrap());
    }
    let bg = number_after(&seen, "BG=");
    let cancelled_at = Instant::now();
    fx.ctx.cancel.cancel();
    let out = tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("bash did not return after cancel")
        .unwrap();
    assert!(cancelled_at.elapsed() < Duration::from_secs(10));
    assert!(out.is_error);
    assert!(
        out.text_content().contains("cancelled"),
        "{}",
        out.text_content()
    );
    assert!(
        wait_gone(bg, 5).await,
        "background sleep {bg} survived the cancel"
    );
}

#[tokio::test]
async fn background_job_holding_the_pipe_does_not_hang_the_tool() {
    let fx = unsandboxed();
    let started = Instant::now();
    let text = fx
        .ok(
            "bash",
            json!({"command": "sleep 20 & echo BG=$!; echo done"}),
        )
        .await;
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "took {:?}",
        started.elapsed()
    );
    assert!(text.contains("done"));
    let bg = number_after(&text, "BG=");
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(bg),
        nix::sys::signal::Signal::SIGKILL,
    );
}

#[tokio::test]
async fn long_output_keeps_the_tail_and_the_full_output_in_a_file() {
    let fx = Fixture::with_policy(|p| p.max_tool_output_bytes = 1000);
    let out = fx.call("bash", json!({"command": "seq 1 100000"})).await;
    assert!(!out.is_error);
    let text = out.text_content();
    let (shown, note) = text.split_once("\n\n[Output truncated: ").unwrap();
    assert!(shown.len() <= 1000);
    assert!(shown.ends_with("\n99999\n100000"), "{shown}");
    assert!(
        shown.split('\n').all(|l| l.parse::<u32>().is_ok()),
        "cut mid-line: {shown}"
    );
    let full: String = (1..=100_000).map(|i| format!("{i}\n")).collect();
    assert!(
        note.contains(&format!(
            "showing last {} of {} bytes",
            shown.len(),
            full.len()
        )),
        "{note}"
    );
    let path = out.details.unwrap()["fullOutputPath"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(note.contains(&format!("Full output: {path}")), "{note}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), full);
    std::fs::remove_file(path).unwrap();
}

#[tokio::test]
async fn bad_timeout_is_refused() {
    let fx = Fixture::new();
    let msg = fx
        .err("bash", json!({"command": "true", "timeout": -2}))
        .await;
    assert!(msg.contains("timeout must be"), "{msg}");
}
