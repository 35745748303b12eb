//! `pi --events-webhook-listen`: the built binary receiving POSTs on 127.0.0.1.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use pi_coding_agent::modes::events::webhook::{Algorithm, sign};

use super::super::oneshot::Run;

const SECRET: &str = "listen-secret-123";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Listener {
    run: Run,
    child: Child,
    base: String,
}

impl Listener {
    fn start() -> Listener {
        let run = Run::new();
        std::fs::create_dir_all(run.path().join("events")).unwrap();
        let port = free_port();
        let child = run
            .cmd()
            .args(["--events-webhook-listen", &format!("127.0.0.1:{port}")])
            .args(["--events-dir", "events"])
            .env("PI_EVENT_WEBHOOK_SECRET", SECRET)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed() < Duration::from_secs(20), "never listened");
            std::thread::sleep(Duration::from_millis(50));
        }
        Listener {
            run,
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    fn events(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.run.path().join("events"))
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with('.'))
            .collect();
        names.sort();
        names
    }
}

fn post(url: &str, body: Vec<u8>, headers: &[(&str, String)]) -> (u16, String) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        pi_coding_agent::ai::install_crypto_provider();
        let client = reqwest::Client::new();
        let mut req = client.post(url).body(body);
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        match req.send().await {
            Ok(r) => {
                let status = r.status().as_u16();
                (status, r.text().await.unwrap_or_default())
            }
            Err(e) => (0, e.to_string()),
        }
    })
}

fn signed(body: &[u8]) -> Vec<(&'static str, String)> {
    let sig = sign(Algorithm::GithubSha256, SECRET.as_bytes(), body, None).unwrap();
    vec![("x-hub-signature-256", sig)]
}

#[test]
fn signed_posts_are_queued_and_everything_else_is_refused() {
    let mut l = Listener::start();
    let url = format!("{}/hooks/github/acme/widgets%2342", l.base);
    let body = br#"{"action":"deployed","sha":"abc123"}"#.to_vec();
    let (status, text) = post(&url, body.clone(), &signed(&body));
    assert_eq!(status, 202, "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["channel"], "github/acme/widgets#42");
    let files = l.events();
    assert_eq!(files.len(), 1, "{files:?}");
    let event: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(l.run.path().join("events").join(&files[0])).unwrap(),
    )
    .unwrap();
    assert_eq!(event["schedule"], "immediate");
    assert!(event["prompt"].as_str().unwrap().contains("abc123"));

    // The same delivery again, a wrong signature, no signature, a bad channel.
    let (status, text) = post(&url, body.clone(), &signed(&body));
    assert_eq!(status, 401, "a replay: {text}");
    assert!(text.contains("replay") || text.contains("seen"), "{text}");
    let other = b"{}".to_vec();
    let wrong = vec![(
        "x-hub-signature-256",
        sign(Algorithm::GithubSha256, b"not-the-secret", &other, None).unwrap(),
    )];
    assert_eq!(post(&url, other.clone(), &wrong).0, 401);
    assert_eq!(post(&url, other.clone(), &[]).0, 401);
    let bad = format!("{}/hooks/nowhere/x", l.base);
    assert_eq!(post(&bad, other.clone(), &signed(&other)).0, 400);
    assert_eq!(post(&format!("{}/other", l.base), other, &[]).0, 404);
    let big = vec![b'a'; 10 * 1024 * 1024 + 1];
    assert_eq!(post(&url, big.clone(), &signed(&big)).0, 413);
    assert_eq!(l.events().len(), 1, "nothing else was queued");

    kill(Pid::from_raw(l.child.id() as i32), Signal::SIGTERM).unwrap();
    let status = l.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn the_receiver_needs_a_secret() {
    let run = Run::new();
    std::fs::create_dir_all(run.path().join("events")).unwrap();
    let out = run
        .cmd()
        .args([
            "--events-webhook-listen",
            "127.0.0.1:1",
            "--events-dir",
            "events",
        ])
        .env_remove("PI_EVENT_WEBHOOK_SECRET")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("needs a secret"), "{err}");
}

#[test]
fn the_runner_serves_the_receiver_and_answers_what_arrives() {
    use crate::support::fake_provider::{FakeProvider, Reply};
    let provider = FakeProvider::builder()
        .reply(Reply::text("Deploy looks fine."))
        .start_blocking();
    let run = Run::new();
    std::fs::create_dir_all(run.path().join("events")).unwrap();
    let port = free_port();
    let mut child = run
        .pi(&provider, "anthropic/claude-sonnet-4-5")
        .args(["--events-runner", "--events-dir", "events"])
        .args(["--events-state-path", "state/events.json"])
        .args(["--events-poll-interval-ms", "200"])
        .args(["--events-webhook-listen", &format!("127.0.0.1:{port}")])
        .args(["--event-webhook-prompt-prefix", "A deploy webhook:"])
        .env("PI_EVENT_WEBHOOK_SECRET", SECRET)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(20), "never listened");
        std::thread::sleep(Duration::from_millis(50));
    }
    let body = br#"{"deploy":"v42"}"#.to_vec();
    let url = format!("http://127.0.0.1:{port}/hooks/local/deploys");
    let (status, text) = post(&url, body.clone(), &signed(&body));
    assert_eq!(status, 202, "{text}");
    let outbox = run.path().join("state/outbox.jsonl");
    let start = Instant::now();
    while !std::fs::read_to_string(&outbox).is_ok_and(|t| t.contains("Deploy looks fine.")) {
        assert!(start.elapsed() < Duration::from_secs(30), "no answer");
        std::thread::sleep(Duration::from_millis(50));
    }
    let prompt = provider.requests()[0].last_user_text().unwrap();
    assert!(
        prompt.starts_with("A deploy webhook:") && prompt.contains("v42"),
        "{prompt}"
    );
    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
}
