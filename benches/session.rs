//! Session store benchmark on a generated ~100 MB session (about 100,000 entries, forks and a
//! compaction about every megabyte, as a long real session has).
//!
//! Budgets (issue 3, docs/benchmarks.md): open + active context ≤ 300 ms, search ≤ 200 ms,
//! stats ≤ 300 ms, one append costs the same with 100k entries as with 10, resident memory
//! while open ≤ 1.5 × the file size. Run with `cargo bench --bench session`; the file is
//! generated once into the temp directory (`PI_SESSION_BENCH_FILE` overrides the path).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use divan::Bencher;
use pi_coding_agent::ai::types::Message;
use pi_coding_agent::session::{GeneratedSession, LockOptions, SessionStore, generate_session};

const TARGET_BYTES: u64 = 100 << 20;
const SEED: u64 = 42;

struct Big {
    path: PathBuf,
    generated: GeneratedSession,
}

fn big() -> &'static Big {
    static BIG: OnceLock<Big> = OnceLock::new();
    BIG.get_or_init(|| {
        let path = std::env::var_os("PI_SESSION_BENCH_FILE")
            .map(PathBuf::from)
            .unwrap_or_else(|| std::env::temp_dir().join("pi-session-bench-100mb.jsonl"));
        let generated = generate_session(&path, TARGET_BYTES, SEED).unwrap();
        Big { path, generated }
    })
}

fn open(path: &Path) -> SessionStore {
    SessionStore::open(path, Path::new("/work"), LockOptions::default())
        .unwrap()
        .0
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let b = big();
    let before = rss_kib();
    let store = open(&b.path);
    let ctx = store.context().unwrap();
    let after = rss_kib();
    eprintln!(
        "session bench file: {} ({:.1} MB, {} entries, {} branches); open + context: {} messages; RSS grew {:.1} MiB ({:.2} x the file)",
        b.path.display(),
        b.generated.bytes as f64 / 1e6,
        store.entry_count(),
        store.branch_count(),
        ctx.messages.len(),
        (after.saturating_sub(before)) as f64 / 1024.0,
        (after.saturating_sub(before) * 1024) as f64 / b.generated.bytes as f64,
    );
    drop(store);
    divan::main();
}

#[divan::bench(sample_count = 20)]
fn open_and_context(bencher: Bencher) {
    let b = big();
    bencher.bench_local(|| {
        let store = open(&b.path);
        store.context().unwrap()
    });
}

#[divan::bench(sample_count = 20, args = ["zanzibarquux", "cargo", "no such words here"])]
fn search(bencher: Bencher, query: &str) {
    let store = open(&big().path);
    bencher.bench_local(|| store.search(query, 20).unwrap());
}

#[divan::bench(sample_count = 20)]
fn stats(bencher: Bencher) {
    let store = open(&big().path);
    bencher.bench_local(|| store.stats());
}

#[divan::bench(sample_count = 200, args = [10, 100_000])]
fn append(bencher: Bencher, entries: usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("append.jsonl");
    if entries > 10 {
        std::fs::copy(&big().path, &path).unwrap();
    } else {
        let mut store = open(&path);
        for i in 0..entries {
            store
                .append_message(&Message::user_text(format!("m{i}"), 0))
                .unwrap();
        }
    }
    let mut store = open(&path);
    let msg = Message::user_text("one more line of conversation to append", 0);
    bencher.bench_local(|| store.append_message(&msg).unwrap());
}
