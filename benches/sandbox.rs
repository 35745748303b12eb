//! What the OS sandbox adds to one bash call: the `bash` tool running `true` unsandboxed and
//! in bubblewrap (network on, and off: a new network namespace costs more).
//!
//! Budget (issue 8, docs/benchmarks.md): bwrap adds at most 10 ms a call. Run with
//! `cargo bench --bench sandbox`; needs `bwrap` (`apt-get install bubblewrap`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

use std::sync::Arc;

use divan::Bencher;
use pi_coding_agent::tools::{SandboxMode, ToolContext, ToolPolicy, run_tool};
use serde_json::json;

fn main() {
    if let Err(e) = pi_coding_agent::tools::sandbox::probe_bwrap() {
        eprintln!("bwrap does not work here ({e}); the sandboxed cases will fail");
    }
    divan::main();
}

fn bench_bash(bencher: Bencher, mode: SandboxMode, network: bool) {
    let dir = tempfile::tempdir().unwrap();
    let mut policy = ToolPolicy::new(dir.path());
    policy.sandbox.mode = mode;
    policy.sandbox.network = network;
    let ctx = ToolContext::new(Arc::new(policy));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let args = json!({"command": "true"});
    bencher.bench_local(|| {
        let out = rt.block_on(run_tool("bash", &args, &ctx));
        assert!(!out.is_error, "{}", out.text_content());
        let sandboxed = out.details.as_ref().unwrap()["sandbox"]["sandboxed"] == json!(true);
        assert_eq!(sandboxed, mode != SandboxMode::Off);
    });
}

#[divan::bench(sample_count = 60, sample_size = 1)]
fn bash_true_unsandboxed(bencher: Bencher) {
    bench_bash(bencher, SandboxMode::Off, true);
}

#[divan::bench(sample_count = 60, sample_size = 1)]
fn bash_true_bwrap_network_on(bencher: Bencher) {
    bench_bash(bencher, SandboxMode::Force, true);
}

#[divan::bench(sample_count = 60, sample_size = 1)]
fn bash_true_bwrap_network_off(bencher: Bencher) {
    bench_bash(bencher, SandboxMode::Force, false);
}
