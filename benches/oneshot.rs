//! One-shot benchmark: the release `pi` binary runs the 4-turn scripted task (write; bash and
//! read in parallel; edit; answer) against the fake provider, as a user would run it.
//!
//! Budget (docs/benchmarks.md): median wall time ≤ 30 ms for the whole process, peak RSS
//! ≤ 16 MiB, release binary ≤ 20 MB, with the default tool policy; the sandboxed run (bwrap
//! around each bash call) within 15 ms of the unsandboxed one. Run with
//! `cargo bench --bench oneshot`; `PI_BENCH_BIN=path` runs the same task against another `pi`
//! binary (a `dist` build, an older commit's) instead of the one this bench was built with.
//! Last, the same task on openai/gpt-5-codex through the Responses API and through Chat
//! Completions (`--openai-api chat`), runs interleaved: budget, Responses within 10% of Chat
//! with the body in TCP-segment-sized chunks (also printed: the fake's 11-byte chunks).
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

/// GNU time reports the peak RSS of `pi` and the children it waited for, and their CPU time
/// (user + sys, in centiseconds: the mean over the runs is what is printed). The bench process's
/// own RUSAGE_CHILDREN figure would be wrong: a child forked from this process inherits this
/// process's (larger) resident set as its high-water mark before it execs `pi`.
const GNU_TIME: &str = "/usr/bin/time";

/// The fake provider with the task queued; `chunk` bytes per body chunk (`None`: the fake's
/// default of 11, a stress shape).
fn script(chunk: Option<usize>) -> FakeProvider {
    let mut fake = FakeProvider::builder();
    if let Some(bytes) = chunk {
        fake = fake.chunk_size(bytes);
    }
    fake.four_turn_task().start_blocking()
}

/// What one run measured: wall time, and when GNU time is installed, peak RSS and CPU time.
struct Run {
    wall: Duration,
    rss_kib: Option<u64>,
    cpu: Option<Duration>,
}

/// The provider wire a run goes through.
#[derive(Clone, Copy)]
enum Via {
    Anthropic,
    OpenAiResponses,
    OpenAiChat,
}

fn run_once(bin: &str, extra: &[&str]) -> Run {
    run_via(bin, Via::Anthropic, None, extra)
}

fn run_via(bin: &str, via: Via, chunk: Option<usize>, extra: &[&str]) -> Run {
    let fake = script(chunk);
    let dir = tempfile::tempdir().unwrap();
    let rss_file = dir.path().join("rss.txt");
    let timed = std::path::Path::new(GNU_TIME).exists();
    let mut cmd = if timed {
        let mut c = Command::new(GNU_TIME);
        c.arg("-f")
            .arg("%M %U %S")
            .arg("-o")
            .arg(&rss_file)
            .arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.current_dir(dir.path())
        .env("PI_LOG_FILE", dir.path().join("pi.log"));
    match via {
        Via::Anthropic => cmd
            .env("ANTHROPIC_API_KEY", "test-key")
            .env("ANTHROPIC_BASE_URL", fake.base_url())
            .args(["--model", "anthropic/claude-sonnet-4-5"]),
        Via::OpenAiResponses | Via::OpenAiChat => cmd
            .env("OPENAI_API_KEY", "test-key")
            .env("OPENAI_BASE_URL", fake.openai_base_url())
            .args(["--model", "openai/gpt-5-codex"]),
    };
    if matches!(via, Via::OpenAiChat) {
        cmd.args(["--openai-api", "chat"]);
    }
    cmd.args(["--prompt", "make the hello file"])
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
    let report = timed
        .then(|| std::fs::read_to_string(&rss_file).ok())
        .flatten()
        .unwrap_or_default();
    let fields: Vec<&str> = report.split_whitespace().collect();
    let (rss_kib, cpu) = match fields[..] {
        [rss, user, sys] => (
            rss.parse().ok(),
            user.parse::<f64>()
                .ok()
                .zip(sys.parse::<f64>().ok())
                .map(|(u, s)| Duration::from_secs_f64(u + s)),
        ),
        _ => (None, None),
    };
    Run {
        wall: elapsed,
        rss_kib,
        cpu,
    }
}

fn main() {
    let bin = std::env::var("PI_BENCH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_pi").into());
    let bin = bin.as_str();
    let size = std::fs::metadata(bin)
        .unwrap_or_else(|e| panic!("{bin}: {e} (PI_BENCH_BIN names the pi binary to measure)"))
        .len();
    println!("binary {bin}");
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
    compare_openai_apis(bin);
}

/// A TCP segment's payload: how a real service's bytes arrive.
const SEGMENT: usize = 1460;

/// The 4-turn task on openai/gpt-5-codex through the Responses API and through Chat
/// Completions, runs interleaved so a change in the machine's load hits both alike: with the
/// body in TCP-segment-sized chunks (the budget), then in the fake's 11-byte chunks (a stress
/// shape in which the byte count rules: every Responses answer repeats the request's
/// instructions and tool schemas three times).
fn compare_openai_apis(bin: &str) {
    for (chunk, label) in [
        (Some(SEGMENT), "1460-byte chunks"),
        (None, "11-byte chunks"),
    ] {
        compare_at(bin, chunk, label);
    }
}

fn compare_at(bin: &str, chunk: Option<usize>, label: &str) {
    let extra = ["--os-sandbox-mode", "off"];
    for _ in 0..3 {
        run_via(bin, Via::OpenAiResponses, chunk, &extra);
        run_via(bin, Via::OpenAiChat, chunk, &extra);
    }
    let mut responses = Vec::with_capacity(RUNS);
    let mut chat = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        responses.push(run_via(bin, Via::OpenAiResponses, chunk, &extra));
        chat.push(run_via(bin, Via::OpenAiChat, chunk, &extra));
    }
    let median = |runs: &[Run]| {
        let mut t: Vec<Duration> = runs.iter().map(|r| r.wall).collect();
        t.sort();
        t[RUNS / 2]
    };
    let cpu = |runs: &[Run]| -> Option<Duration> { runs.iter().map(|r| r.cpu).sum() };
    let (r, c) = (median(&responses), median(&chat));
    let budget = if chunk.is_some() {
        "(budget ≤ 110 %)"
    } else {
        "(no budget)"
    };
    println!(
        "oneshot 4-turn task, openai/gpt-5-codex, {RUNS} interleaved runs each, sandbox off, {label}"
    );
    println!(
        "  median wall, Responses API     {:>8.1} ms",
        r.as_secs_f64() * 1e3
    );
    println!(
        "  median wall, Chat Completions  {:>8.1} ms",
        c.as_secs_f64() * 1e3
    );
    println!(
        "  Responses / Chat              {:>8.1} %   {budget}",
        r.as_secs_f64() / c.as_secs_f64() * 100.0
    );
    if let (Some(rc), Some(cc)) = (cpu(&responses), cpu(&chat)) {
        println!(
            "  mean CPU, Responses / Chat     {:>5.1} ms / {:.1} ms",
            rc.as_secs_f64() * 1e3 / RUNS as f64,
            cc.as_secs_f64() * 1e3 / RUNS as f64
        );
    }
}
fn measure(bin: &str, label: &str, extra: &[&str]) {
    // Warm the page cache and the fake provider's code paths.
    for _ in 0..3 {
        run_once(bin, extra);
    }
    let runs: Vec<Run> = (0..RUNS).map(|_| run_once(bin, extra)).collect();
    let mut times: Vec<Duration> = runs.iter().map(|r| r.wall).collect();
    let peak_rss_kib = runs.iter().filter_map(|r| r.rss_kib).max();
    // Wall time swings with the machine's load; CPU time much less.
    let cpu: Option<Duration> = runs.iter().map(|r| r.cpu).sum();
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
    if let Some(cpu) = cpu {
        println!(
            "  mean CPU      {:>8.1} ms   (user + sys of pi and its bash children)",
            cpu.as_secs_f64() * 1e3 / RUNS as f64
        );
    }
}
