//! The bridges' budgets (issue 11), on the `pi` binary built by `cargo bench` (the release
//! profile) against the fakes of the test suite, started in this process:
//!
//! 1. Idle memory: `pi --slack-bridge` and `pi --github-issues-bridge`, connected and polling
//!    with nothing to do, and `pi --events-runner` with 20 cron events not yet due, for
//!    [`IDLE`]; VmRSS and VmHWM from /proc (budget: 20 MiB each, issues 11 and 12).
//! 2. Drain: 100 Slack mentions over 10 threads (10 conversations) pushed at once at a bridge
//!    with `--bridge-max-concurrent-runs 2`; the fake model streams each answer in a handful
//!    of 256-byte chunks 5 ms apart. Reported: the time until every answer is shown, and from
//!    the conversations' `log.jsonl` the runs, their median and slowest time from start to
//!    end, the most runs at once in one conversation (must be 1) and in all (at most 2).
//!
//! Run with `cargo bench --bench bridge`; `PI_BENCH_BIN=/abs/path/pi` measures another binary,
//! `PI_BRIDGE_BENCH=idle` or `drain` runs one part.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::bridge_logs::overlap;
use support::fake_github::FakeGithub;
use support::fake_provider::{FakeProvider, Reply};
use support::fake_slack::{APP_TOKEN, BOT_TOKEN, FakeSlack, in_thread, mention};
use support::process::{sigterm, wait_for};

const MODEL: &str = "anthropic/claude-sonnet-4-5";
const IDLE: Duration = Duration::from_secs(10);
const MESSAGES: usize = 100;
const THREADS: usize = 10;

fn bin() -> String {
    std::env::var("PI_BENCH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_pi").into())
}

fn pi(dir: &Path, provider: &FakeProvider) -> Command {
    let mut c = Command::new(bin());
    c.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join(".xdg"))
        .env("PI_LOG_FILE", dir.join("pi.log"))
        .env("ANTHROPIC_API_KEY", "test-key")
        .env("ANTHROPIC_BASE_URL", provider.base_url())
        .args(["--model", MODEL])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// VmRSS and VmHWM of `pid`, in KiB.
fn memory(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn stop(child: Child) {
    let _ = sigterm(child);
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn idle_slack() {
    let dir = tempfile::tempdir().unwrap();
    let provider = FakeProvider::builder().start_blocking();
    let slack = FakeSlack::start(Vec::new());
    let child = pi(dir.path(), &provider)
        .args(["--slack-bridge", "--slack-state-dir", "state"])
        .args(["--slack-api-base", &slack.api_base()])
        .env("PI_SLACK_APP_TOKEN", APP_TOKEN)
        .env("PI_SLACK_BOT_TOKEN", BOT_TOKEN)
        .spawn()
        .unwrap();
    wait_for(20, "the socket", || slack.connected());
    std::thread::sleep(IDLE);
    let (rss, hwm) = memory(child.id());
    println!(
        "slack bridge idle {IDLE:?}: VmRSS {:.1} MiB, VmHWM {:.1} MiB",
        mib(rss),
        mib(hwm)
    );
    stop(child);
}

fn idle_github() {
    let dir = tempfile::tempdir().unwrap();
    let provider = FakeProvider::builder().start_blocking();
    let github = FakeGithub::start("acme/widgets", "ghp_benchtoken_1234", "pi-bot");
    github.add_issue("history", "an old issue", "alice", "OWNER");
    let child = pi(dir.path(), &provider)
        .args(["--github-issues-bridge", "--github-repo", "acme/widgets"])
        .args([
            "--github-bot-login",
            "pi-bot",
            "--github-state-dir",
            "state",
        ])
        .args(["--github-api-base", github.base()])
        .args(["--github-poll-interval-seconds", "1"])
        .env("GITHUB_TOKEN", "ghp_benchtoken_1234")
        .spawn()
        .unwrap();
    wait_for(20, "the first poll", || !github.log().is_empty());
    std::thread::sleep(IDLE);
    let (rss, hwm) = memory(child.id());
    let polls = github.log().len();
    let not_modified = github.log().iter().filter(|l| l.status == 304).count();
    println!(
        "github bridge idle {IDLE:?} (1 s polls): VmRSS {:.1} MiB, VmHWM {:.1} MiB; {polls} requests, {not_modified} answered 304",
        mib(rss),
        mib(hwm)
    );
    stop(child);
}

fn idle_events() {
    let dir = tempfile::tempdir().unwrap();
    let provider = FakeProvider::builder().start_blocking();
    let events = dir.path().join("events");
    std::fs::create_dir_all(&events).unwrap();
    // A realistic dir: a few schedules that are not due while measured.
    for i in 0..20 {
        let event = serde_json::json!({
            "id": format!("daily-{i}"), "channel": format!("local/report-{i}"),
            "prompt": "Summarise yesterday's commits.",
            "schedule": {"cron": "0 9 * * MON-FRI", "timezone": "Europe/Berlin"},
        });
        std::fs::write(events.join(format!("daily-{i}.json")), event.to_string()).unwrap();
    }
    let child = pi(dir.path(), &provider)
        .args(["--events-runner", "--events-dir", "events"])
        .args(["--events-state-path", "state/events.json"])
        .spawn()
        .unwrap();
    wait_for(20, "the runner's state", || {
        dir.path().join("state/events.json").exists()
    });
    std::thread::sleep(IDLE);
    let (rss, hwm) = memory(child.id());
    println!(
        "events runner idle {IDLE:?} (20 cron events, 1 s polls): VmRSS {:.1} MiB, VmHWM {:.1} MiB",
        mib(rss),
        mib(hwm)
    );
    stop(child);
}

fn drain() {
    let dir = tempfile::tempdir().unwrap();
    let provider = FakeProvider::builder()
        .chunk_size(256)
        .chunk_delay(Duration::from_millis(5))
        .when_empty(Reply::text(
            "A short answer of a few words, streamed in small chunks.",
        ))
        .start_blocking();
    let slack = FakeSlack::start(Vec::new());
    let child = pi(dir.path(), &provider)
        .args(["--slack-bridge", "--slack-state-dir", "state"])
        .args(["--slack-api-base", &slack.api_base()])
        .args(["--bridge-max-concurrent-runs", "2"])
        .env("PI_SLACK_APP_TOKEN", APP_TOKEN)
        .env("PI_SLACK_BOT_TOKEN", BOT_TOKEN)
        .spawn()
        .unwrap();
    wait_for(20, "the socket", || slack.connected());
    let start = Instant::now();
    for i in 0..MESSAGES {
        let thread = format!("1700.{}", i % THREADS);
        slack.push(in_thread(mention(&format!("m{i}"), "<@UBOT> go"), &thread));
    }
    let answered = || {
        slack
            .messages()
            .iter()
            .filter(|m| m.current().contains("streamed in small chunks"))
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    while answered() < MESSAGES {
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(dir.path().join("pi.log")).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(20).collect();
            panic!(
                "{} of {MESSAGES} answered, {} messages posted, {} provider requests; first: {:?}; log tail: {tail:#?}",
                answered(),
                slack.messages().len(),
                provider.requests().len(),
                slack.messages().first().map(|m| m.current().to_string()),
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let took = start.elapsed();
    let (_, hwm) = memory(child.id());
    stop(child);
    let o = overlap(&dir.path().join("state"));
    if std::env::var_os("PI_BRIDGE_BENCH_LOG").is_some() {
        let slack_dir = dir.path().join("state/slack");
        if let Some(first) = std::fs::read_dir(&slack_dir).unwrap().flatten().next() {
            print!(
                "{}",
                std::fs::read_to_string(first.path().join("log.jsonl")).unwrap()
            );
        }
    }
    println!(
        "drain: {MESSAGES} messages over {THREADS} conversations in {:.2} s; from the logs: {} runs (median {} ms, slowest {} ms) in {} conversations, at most {} at once in one conversation, {} in all; VmHWM {:.1} MiB",
        took.as_secs_f64(),
        o.runs,
        o.run_ms.get(o.run_ms.len() / 2).copied().unwrap_or(0),
        o.run_ms.last().copied().unwrap_or(0),
        o.conversations,
        o.max_per_conversation,
        o.max_global,
        mib(hwm)
    );
    assert_eq!(o.runs, MESSAGES);
    assert_eq!(o.max_per_conversation, 1);
    assert!(o.max_global <= 2);
}

fn main() {
    pi_coding_agent::ai::install_crypto_provider();
    // `PI_BRIDGE_BENCH=drain` (or `idle`) runs one part.
    let only = std::env::var("PI_BRIDGE_BENCH").unwrap_or_default();
    if only != "drain" {
        idle_slack();
        idle_github();
        idle_events();
    }
    if only != "idle" {
        drain();
    }
}
