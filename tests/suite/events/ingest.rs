//! The built `pi --event-webhook-ingest-file`: a signed payload becomes an immediate event
//! file, a wrong secret, a replay and a stale slack-v0 timestamp are refused with nothing
//! written, a 10 MB payload is queued with its prompt cut, a debounce key replaces the queued
//! event, and a running `pi --events-runner` answers an ingested payload into the outbox.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use pi_coding_agent::modes::events::webhook::{Algorithm, sign};

use super::super::oneshot::{Run, stderr, stdout};
use crate::support::fake_provider::{FakeProvider, Reply};
use crate::support::process::{sigterm, wait_for};

const SECRET: &str = "whsec_ingest_test_8c1d";
const MODEL: &str = "anthropic/claude-sonnet-4-5";

fn events(run: &Run) -> PathBuf {
    run.path().join("events")
}

/// `pi` ingesting `payload` (written to a file) into the run's events dir for local/hooks.
fn ingest_cmd(run: &Run, payload: &[u8]) -> Command {
    let file = run.path().join("payload.bin");
    std::fs::write(&file, payload).unwrap();
    let mut c = run.cmd();
    c.env_remove("PI_EVENT_WEBHOOK_SECRET")
        .arg("--event-webhook-ingest-file")
        .arg(&file)
        .arg("--events-dir")
        .arg(events(run))
        .args([
            "--event-webhook-channel",
            "local/hooks",
            "--event-webhook-prompt-prefix",
            "A webhook arrived:",
        ]);
    c
}

fn github_signed(run: &Run, payload: &[u8], secret: &str) -> Output {
    let sig = sign(Algorithm::GithubSha256, SECRET.as_bytes(), payload, None).unwrap();
    ingest_cmd(run, payload)
        .args(["--event-webhook-signature", &sig])
        .env("PI_EVENT_WEBHOOK_SECRET", secret)
        .output()
        .unwrap()
}

/// The event files (not hidden) in the events dir.
fn event_files(run: &Run) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(events(run)) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.ends_with(".json") && !name.starts_with('.')
        })
        .collect();
    v.sort();
    v
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_signed_payload_is_queued_and_its_replay_refused() {
    let run = Run::new();
    let payload = br#"{"action":"opened","number":7}"#;
    let out = github_signed(&run, payload, SECRET);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let line = stdout(&out);
    assert!(
        line.starts_with("queued event webhook-") && line.trim_end().ends_with(" for local/hooks"),
        "{line}"
    );
    let files = event_files(&run);
    assert_eq!(files.len(), 1);
    let ev = read_json(&files[0]);
    assert_eq!(ev["channel"], "local/hooks");
    assert_eq!(ev["schedule"], "immediate");
    assert_eq!(
        ev["prompt"],
        "A webhook arrived:\n\n{\"action\":\"opened\",\"number\":7}"
    );
    assert!(line.contains(ev["id"].as_str().unwrap()), "{line}");

    // The same delivery again: refused as a replay, nothing more queued.
    let again = github_signed(&run, payload, SECRET);
    assert_eq!(again.status.code(), Some(1));
    let err = stderr(&again);
    assert!(err.starts_with("pi: webhook refused: "), "{err}");
    assert!(err.contains("replay"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert_eq!(event_files(&run).len(), 1);
}

#[test]
fn a_wrong_secret_is_refused_and_writes_nothing() {
    let run = Run::new();
    let out = github_signed(&run, b"{\"x\":1}", "not-the-secret");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.starts_with("pi: webhook refused: "), "{err}");
    assert!(err.contains("does not match"), "{err}");
    assert!(!err.contains(SECRET), "{err}");
    assert!(event_files(&run).is_empty());
    assert!(stdout(&out).is_empty());
}

#[test]
fn a_secret_without_signature_is_refused_and_a_signature_without_secret_is_usage() {
    let run = Run::new();
    let out = ingest_cmd(&run, b"{}")
        .env("PI_EVENT_WEBHOOK_SECRET", SECRET)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("no signature"), "{}", stderr(&out));
    let out = ingest_cmd(&run, b"{}")
        .args(["--event-webhook-signature", "sha256=00"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(event_files(&run).is_empty());
}

#[test]
fn a_stale_slack_timestamp_is_refused() {
    let run = Run::new();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let ts = (now - 3_600).to_string();
    let payload = b"token=x&team_id=T1&event=message";
    let sig = sign(Algorithm::SlackV0, SECRET.as_bytes(), payload, Some(&ts)).unwrap();
    let secret_file = run.path().join("secret");
    std::fs::write(&secret_file, format!("{SECRET}\n")).unwrap();
    let out = ingest_cmd(&run, payload)
        .args(["--event-webhook-signature-algorithm", "slack-v0"])
        .args(["--event-webhook-signature", &sig])
        .args(["--event-webhook-timestamp", &ts])
        .arg("--event-webhook-secret-file")
        .arg(&secret_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.starts_with("pi: webhook refused: "), "{err}");
    assert!(err.contains("old"), "{err}");
    assert!(event_files(&run).is_empty());

    // A fresh timestamp with the same secret file is accepted.
    let ts = now.to_string();
    let sig = sign(Algorithm::SlackV0, SECRET.as_bytes(), payload, Some(&ts)).unwrap();
    let out = ingest_cmd(&run, payload)
        .args(["--event-webhook-signature-algorithm", "slack-v0"])
        .args(["--event-webhook-signature", &sig])
        .args(["--event-webhook-timestamp", &ts])
        .arg("--event-webhook-secret-file")
        .arg(&secret_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(event_files(&run).len(), 1);
}

#[test]
fn a_ten_megabyte_payload_is_queued_with_its_prompt_cut() {
    let run = Run::new();
    let payload = vec![b'a'; 10_000_000];
    let out = github_signed(&run, &payload, SECRET);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let files = event_files(&run);
    assert_eq!(files.len(), 1);
    let prompt = read_json(&files[0])["prompt"].as_str().unwrap().to_string();
    assert!(
        prompt.ends_with("[payload truncated: 65536 of 10000000 bytes shown]"),
        "{}",
        &prompt[prompt.len() - 80..]
    );
    assert!(prompt.len() < 70_000);
}

#[test]
fn a_payload_over_ten_mebibytes_is_refused() {
    let run = Run::new();
    let out = ingest_cmd(&run, &vec![b'a'; 10 * 1024 * 1024 + 1])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("10 MiB"), "{}", stderr(&out));
    assert!(event_files(&run).is_empty());
}

#[test]
fn a_debounce_key_replaces_the_queued_event() {
    let run = Run::new();
    let debounced = |payload: &[u8]| {
        ingest_cmd(&run, payload)
            .args(["--event-webhook-debounce-key", "push/main"])
            .output()
            .unwrap()
    };
    let first = debounced(b"first push");
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert!(stdout(&first).starts_with("queued event webhook-push_main-"));
    let second = debounced(b"second push");
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    let line = stdout(&second);
    assert!(
        line.starts_with("replaced queued event webhook-push_main-"),
        "{line}"
    );
    let files = event_files(&run);
    assert_eq!(files.len(), 1);
    assert_eq!(
        read_json(&files[0])["prompt"],
        "A webhook arrived:\n\nsecond push"
    );
    assert!(events(&run).join(".debounce.json").exists());
}

#[test]
fn an_ingested_payload_is_answered_by_a_running_events_runner() {
    let provider = FakeProvider::builder()
        .when_empty(Reply::text("Webhook handled."))
        .start_blocking();
    let run = Run::new();
    std::fs::create_dir_all(events(&run)).unwrap();
    let state = run.path().join("state");
    let child = run
        .pi(&provider, MODEL)
        .args(["--events-runner", "--events-dir"])
        .arg(events(&run))
        .arg("--events-state-path")
        .arg(state.join("events.json"))
        .args(["--events-poll-interval-ms", "200"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(20, "the runner's state lock", || {
        state.join("events.json.lock").exists()
    });
    let out = github_signed(&run, br#"{"ref":"refs/heads/main"}"#, SECRET);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let outbox = || -> Vec<serde_json::Value> {
        std::fs::read_to_string(state.join("outbox.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    wait_for(30, "the answer in the outbox", || {
        outbox().iter().any(|v| v["kind"] == "answer")
    });
    let answer = outbox()
        .into_iter()
        .find(|v| v["kind"] == "answer")
        .unwrap();
    assert_eq!(answer["channel"], "local/hooks");
    assert_eq!(answer["text"], "Webhook handled.");
    assert_eq!(sigterm(child).0, Some(0));
}
