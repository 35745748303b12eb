//! One-shot benchmark: the release `pi` binary runs the 4-turn scripted task (write; bash and
//! read in parallel; edit; answer) against the fake provider, as a user would run it.
//!
//! Budget (docs/benchmarks.md): median wall time ≤ 30 ms for the whole process, peak RSS
//! ≤ 16 MiB, release binary ≤ 20 MB, with the default tool policy; the sandboxed run (bwrap
//! around each bash call) within 15 ms of the unsandboxed one. Run with
//! `cargo bench --bench oneshot`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

#[path = "../tests/support/fake_provider/mod.rs"]
mod fake_provider;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fake_provider::FakeProvider;

const RUNS: usize = 40;

/// GNU time reports the peak RSS of `pi` and the children it waited for. The bench process's
/// own RUSAGE_CHILDREN figure would be wrong: a child forked from this process inherits this
/// process's (larger) resident set as its high-water mark before it execs `pi`.
const GNU_TIME: &str = "/usr/bin/time";

fn script() -> FakeProvider {
    FakeProvider::builder().four_turn_task().start_blocking()
}

/// One run: wall time, and peak RSS in KiB when GNU time is installed.
fn run_once(bin: &str, extra: &[&str]) -> (Duration, Option<u64>) {
    let fake = script();
    let dir = tempfile::tempdir().unwrap();
    let rss_file = dir.path().join("rss.txt");
    let timed = std::path::Path::new(GNU_TIME).exists();
    let mut cmd = if timed {
        let mut c = Command::new(GNU_TIME);
        c.arg("-f").arg("%M").arg("-o").arg(&rss_file).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.current_dir(dir.path())
        .env("ANTHROPIC_API_KEY", "test-key")
        .env("ANTHROPIC_BASE_URL", fake.base_url())
        .env("PI_LOG_FILE", dir.path().join("pi.log"))
        .args([
            "--model",
            "anthropic/claude-sonnet-4-5",
            "--prompt",
            "make the hello file",
        ])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let started = Instant::now();
    let status = cmd.status().unwrap();
    let elapsed = started.elapsed();
    assert!(status.success(), "pi failed: {status}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("hello.txt")).unwrap(),
        "hello rust\n"
    );
    assert_eq!(fake.remaining(), 0);
    let rss = timed
        .then(|| std::fs::read_to_string(&rss_file).ok())
        .flatten()
        .and_then(|t| t.trim().parse().ok());
    (elapsed, rss)
}

fn main() {
    let bin = env!("CARGO_BIN_EXE_pi");
    let size = std::fs::metadata(bin).unwrap().len();
    // The default policy (balanced: the sandbox is on when bwrap works), then the same
    // without the sandbox.
    for (label, extra) in [
        (
            "default policy, sandbox off",
            &["--os-sandbox-mode", "off"][..],
        ),
        ("default policy (sandbox auto)", &[][..]),
    ] {
        measure(bin, label, extra);
    }
    println!(
        "  binary size   {:>8.1} MB   (budget 20 MB)",
        size as f64 / 1e6
    );
}

fn measure(bin: &str, label: &str, extra: &[&str]) {
    // Warm the page cache and the fake provider's code paths.
    for _ in 0..3 {
        run_once(bin, extra);
    }
    let runs: Vec<(Duration, Option<u64>)> = (0..RUNS).map(|_| run_once(bin, extra)).collect();
    let mut times: Vec<Duration> = runs.iter().map(|r| r.0).collect();
    let peak_rss_kib = runs.iter().filter_map(|r| r.1).max();
    times.sort();
    let median = times[RUNS / 2];
    let p90 = times[RUNS * 9 / 10];
    println!("oneshot 4-turn task over {RUNS} runs, {label}");
    println!(
        "  median wall   {:>8.1} ms   (budget 30 ms)",
        median.as_secs_f64() * 1e3
    );
    println!("  p90 wall      {:>8.1} ms", p90.as_secs_f64() * 1e3);
    println!("  min wall      {:>8.1} ms", times[0].as_secs_f64() * 1e3);
    match peak_rss_kib {
        Some(kib) => println!(
            "  peak RSS      {:>8.1} MiB  (budget 16 MiB; max over runs, pi and its bash children)",
            kib as f64 / 1024.0
        ),
        None => println!("  peak RSS           n/a   (install GNU time: apt-get install time)"),
    }
}
