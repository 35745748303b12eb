//! Events dir scan benchmark (issue 12): 10,000 event files in one folder (a mix of cron,
//! `at` and immediate schedules over local, Slack and GitHub channels, a few in zones), plus
//! a handful of bad files and duplicates, read and parsed as the runner does on each poll.
//!
//! Budget (docs/benchmarks.md): a scan of 10,000 event files ≤ 50 ms. Run with
//! `cargo bench --bench events`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

use std::path::PathBuf;
use std::sync::OnceLock;

use divan::Bencher;
use pi_coding_agent::modes::events::event::parse_event;
use pi_coding_agent::modes::events::scan::{event_files, scan};

const EVENTS: usize = 10_000;

struct Dir {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn event_text(i: usize) -> String {
    let channel = match i % 3 {
        0 => format!("local/notes-{i}"),
        1 => format!("slack/C{i:06}"),
        _ => format!("github/owner/repo#{i}"),
    };
    let schedule = match i % 4 {
        0 => r#"{"cron": "0 9 * * MON-FRI", "timezone": "Europe/Berlin"}"#.to_string(),
        1 => format!(r#"{{"cron": "*/{} * * * *"}}"#, 1 + i % 30),
        2 => format!(r#"{{"at_unix_ms": {}}}"#, 1_767_225_600_000_i64 + i as i64),
        _ => r#""immediate""#.to_string(),
    };
    format!(
        "{{\n  \"id\": \"event-{i:05}\",\n  \"channel\": \"{channel}\",\n  \"prompt\": \"{}\",\n  \
         \"schedule\": {schedule},\n  \"model\": \"anthropic/claude-sonnet\",\n  \"enabled\": true\n}}\n",
        "Summarise what changed since yesterday and list open questions. ".repeat(3)
    )
}

fn dir() -> &'static Dir {
    static DIR: OnceLock<Dir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_path_buf();
        for i in 0..EVENTS {
            std::fs::write(path.join(format!("event-{i:05}.json")), event_text(i)).unwrap();
        }
        // Bad files and duplicates, reported as problems.
        for i in 0..5 {
            std::fs::write(path.join(format!("zz-broken-{i}.json")), "{\"id\": ").unwrap();
            std::fs::write(path.join(format!("zz-dup-{i}.json")), event_text(i)).unwrap();
        }
        let found = scan(&path).unwrap();
        assert_eq!(found.events.len(), EVENTS);
        assert_eq!(found.problems.len(), 10);
        Dir { _dir: dir, path }
    })
}

/// The whole dir listed, read and parsed, as on each poll of the runner.
#[divan::bench(sample_count = 30)]
fn scan_10000_events(bencher: Bencher) {
    let dir = dir();
    bencher.bench(|| scan(divan::black_box(&dir.path)).unwrap());
}

/// The 10,000 files parsed from memory: the parsing share of a scan.
#[divan::bench(sample_count = 30)]
fn parse_10000_events(bencher: Bencher) {
    let texts: Vec<String> = (0..EVENTS).map(event_text).collect();
    let file = std::path::Path::new("e.json");
    bencher.bench(|| {
        for t in &texts {
            divan::black_box(parse_event(divan::black_box(t), file).unwrap());
        }
    });
}

/// The 10,000 files read on one thread without parsing: the file system's share.
#[divan::bench(sample_count = 30)]
fn read_10000_files(bencher: Bencher) {
    let dir = dir();
    let files = event_files(&dir.path).unwrap();
    bencher.bench(|| {
        for f in &files {
            divan::black_box(std::fs::read(f).unwrap());
        }
    });
}

/// The folder listed and sorted, no file opened: the listing's share.
#[divan::bench(sample_count = 30)]
fn list_10000_files(bencher: Bencher) {
    let dir = dir();
    bencher.bench(|| event_files(divan::black_box(&dir.path)).unwrap());
}

fn main() {
    divan::main();
}
