use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use serde_json::json;

use super::super::oneshot::Run;
use crate::support::fake_github::FakeGithub;
use crate::support::fake_provider::{FakeProvider, Fault, Reply};
use crate::support::process::{sigterm, wait_for};

const MODEL: &str = "anthropic/claude-sonnet-4-5";
const REPO: &str = "acme/widgets";
const TOKEN: &str = "ghp_eventstoken_5e6f7a";

fn write_event(dir: &Path, name: &str, value: serde_json::Value) {
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, serde_json::to_vec_pretty(&value).unwrap()).unwrap();
    std::fs::rename(tmp, dir.join(name)).unwrap();
}

struct Runner {
    run: Run,
    child: Option<Child>,
}

impl Runner {
    fn new() -> Runner {
        let run = Run::new();
        std::fs::create_dir_all(run.path().join("events")).unwrap();
        Runner { run, child: None }
    }

    fn events(&self) -> PathBuf {
        self.run.path().join("events")
    }

    fn state_dir(&self) -> PathBuf {
        self.run.path().join("state")
    }

    fn command(
        &self,
        provider: &FakeProvider,
        github: Option<&FakeGithub>,
    ) -> std::process::Command {
        let mut c = self.run.pi(provider, MODEL);
        c.args(["--events-runner", "--events-dir"])
            .arg(self.events())
            .arg("--events-state-path")
            .arg(self.state_dir().join("events.json"))
            .args(["--events-poll-interval-ms", "200"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(g) = github {
            c.args(["--github-repo", REPO, "--github-api-base", g.base()])
                .env("GITHUB_TOKEN", TOKEN);
        }
        c
    }

    fn start(&mut self, provider: &FakeProvider, github: Option<&FakeGithub>) {
        self.child = Some(self.command(provider, github).spawn().unwrap());
        wait_for(20, "the runner's state lock", || {
            self.state_dir().join("events.json.lock").exists()
        });
    }

    fn stop(&mut self) -> (Option<i32>, String) {
        sigterm(self.child.take().unwrap())
    }

    fn outbox(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.state_dir().join("outbox.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

#[test]
fn an_immediate_event_for_an_issue_posts_its_answer_on_github() {
    let provider = FakeProvider::builder()
        .reply(Reply::text("Nightly summary: all green."))
        .start_blocking();
    let github = FakeGithub::start(REPO, TOKEN, "pi-bot");
    let n = github.add_issue("Nightly", "summaries go here", "alice", "OWNER");
    let mut r = Runner::new();
    r.start(&provider, Some(&github));
    write_event(
        &r.events(),
        "nightly.json",
        json!({"id": "nightly", "channel": format!("github/{REPO}#{n}"),
               "prompt": "Summarise the night.", "schedule": "immediate"}),
    );
    wait_for(30, "the answer on the issue", || {
        github
            .comments_of(n)
            .iter()
            .any(|c| c.contains("Nightly summary: all green.") && c.contains("rust-pi-bridge done"))
    });
    assert_eq!(
        provider.requests()[0].last_user_text().unwrap(),
        "Summarise the night."
    );
    wait_for(10, "the done event's file to go", || {
        !r.events().join("nightly.json").exists()
    });
    let (code, err) = r.stop();
    assert_eq!(code, Some(0), "{err}");
    let state = std::fs::read_to_string(r.state_dir().join("events.json")).unwrap();
    let state: serde_json::Value = serde_json::from_str(&state).unwrap();
    assert_eq!(state["events"]["nightly"]["done"], true, "{state}");
    assert_eq!(state["events"]["nightly"]["runs"], 1, "{state}");
}

#[test]
fn local_answers_go_to_the_outbox_and_a_bad_file_does_not_stop_the_others() {
    let provider = FakeProvider::builder()
        .when_empty(Reply::text("Done locally."))
        .start_blocking();
    let mut r = Runner::new();
    std::fs::write(r.events().join("broken.json"), "{\"id\": \"x\", ").unwrap();
    write_event(
        &r.events(),
        "a.json",
        json!({"id": "a", "channel": "local/reports", "prompt": "first", "schedule": {"immediate": true}}),
    );
    write_event(
        &r.events(),
        "b.json",
        json!({"id": "b", "channel": "local/reports", "prompt": "second",
               "schedule": {"at_unix_ms": 1_000}, "model": "anthropic/claude-haiku-4-5"}),
    );
    write_event(
        &r.events(),
        "later.json",
        json!({"id": "later", "channel": "local/reports", "prompt": "not yet",
               "schedule": {"at_unix_ms": 4_102_444_800_000i64}}),
    );
    r.start(&provider, None);
    wait_for(30, "two answers", || {
        r.outbox().iter().filter(|v| v["kind"] == "answer").count() == 2
    });
    std::thread::sleep(Duration::from_millis(600));
    let (code, err) = r.stop();
    assert_eq!(code, Some(0), "{err}");
    let outbox = r.outbox();
    let keys: Vec<_> = outbox
        .iter()
        .map(|v| v["key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(keys.len(), 2, "{outbox:?}");
    assert!(
        outbox
            .iter()
            .all(|v| v["channel"] == "local/reports" && v["text"] == "Done locally.")
    );
    assert_eq!(provider.requests().len(), 2, "the future event did not run");
    // One run at a time in the channel: the second prompt saw the first's answer.
    let second = &provider.requests()[1].body;
    assert!(second.to_string().contains("Done locally."), "same session");
    assert_eq!(second["model"], "claude-haiku-4-5", "the event's own model");
    assert_eq!(provider.requests()[0].body["model"], "claude-sonnet-4-5");
    let log = std::fs::read_to_string(r.run.path().join("pi.log")).unwrap_or_default();
    assert!(
        log.contains("broken.json"),
        "the bad file is reported: {log}"
    );
    // The at event stays (it is done); the immediate one is removed.
    assert!(!r.events().join("a.json").exists());
    assert!(r.events().join("b.json").exists());
}

#[test]
fn a_second_runner_on_the_same_state_refuses() {
    let provider = FakeProvider::builder().start_blocking();
    let mut r = Runner::new();
    r.start(&provider, None);
    let out = r.command(&provider, None).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("another events runner"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(r.stop().0, Some(0));
}

#[test]
fn the_queue_limit_holds_due_events_back_and_says_so() {
    let provider = FakeProvider::builder()
        .chunk_size(64)
        .chunk_delay(Duration::from_millis(20))
        .when_empty(Reply::text("Handled."))
        .start_blocking();
    let mut r = Runner::new();
    for i in 0..4 {
        write_event(
            &r.events(),
            &format!("e{i}.json"),
            json!({"id": format!("e{i}"), "channel": format!("local/c{i}"),
                   "prompt": "go", "schedule": "immediate"}),
        );
    }
    let mut c = r.command(&provider, None);
    c.args([
        "--events-queue-limit",
        "1",
        "--bridge-max-concurrent-runs",
        "4",
    ]);
    r.child = Some(c.spawn().unwrap());
    wait_for(60, "four answers", || {
        r.outbox().iter().filter(|v| v["kind"] == "answer").count() == 4
    });
    assert_eq!(r.stop().0, Some(0));
    let o = crate::support::bridge_logs::overlap(&r.state_dir());
    assert_eq!(o.runs, 4);
    assert_eq!(o.max_global, 1, "one outstanding run at a time: {o:?}");
    let log = std::fs::read_to_string(r.run.path().join("pi.log")).unwrap_or_default();
    assert!(log.contains("events queue full"), "{log}");
}

#[test]
fn a_failed_run_is_recorded_with_its_reason_and_a_retry_time() {
    let provider = FakeProvider::builder()
        .reply(Reply::fault(Fault::status(400)))
        .start_blocking();
    let mut r = Runner::new();
    write_event(
        &r.events(),
        "fails.json",
        json!({"id": "fails", "channel": "local/x", "prompt": "go", "schedule": "immediate"}),
    );
    r.start(&provider, None);
    let state_file = r.state_dir().join("events.json");
    wait_for(30, "the failure to be recorded", || {
        std::fs::read_to_string(&state_file).is_ok_and(|t| t.contains("\"failures\": 1"))
    });
    assert_eq!(r.stop().0, Some(0));
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state_file).unwrap()).unwrap();
    let e = &state["events"]["fails"];
    let reason = e["last_error"].as_str().unwrap();
    assert!(reason.contains("400"), "{reason}");
    assert!(e["next_retry_ms"].as_i64().is_some(), "{state}");
    assert_eq!(e["done"], false);
    assert!(r.events().join("fails.json").exists(), "kept for its retry");
}

#[test]
fn the_outbox_and_catch_up_flags_are_taken() {
    let provider = FakeProvider::builder()
        .reply(Reply::text("Into my outbox."))
        .start_blocking();
    let mut r = Runner::new();
    write_event(
        &r.events(),
        "one.json",
        json!({"id": "one", "channel": "local/x", "prompt": "go", "schedule": "immediate"}),
    );
    let outbox = r.run.path().join("answers/out.jsonl");
    let mut c = r.command(&provider, None);
    c.arg("--events-outbox")
        .arg(&outbox)
        .args(["--events-catch-up", "none"]);
    r.child = Some(c.spawn().unwrap());
    wait_for(30, "the answer in the named outbox", || {
        std::fs::read_to_string(&outbox).is_ok_and(|t| t.contains("Into my outbox."))
    });
    assert!(!r.state_dir().join("outbox.jsonl").exists());
    assert_eq!(r.stop().0, Some(0));
}
