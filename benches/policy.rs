//! The policy decision for one bash call: parse the line, walk every command it would run,
//! judge each. Budget (issue 8, docs/benchmarks.md): a 2 KB command line under 1 ms.
//! Run with `cargo bench --bench policy`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use divan::Bencher;
use pi_coding_agent::tools::ToolPolicy;
use pi_coding_agent::tools::policy::{ToolCall, Verdict, decide};
use serde_json::{Value, json};

fn main() {
    divan::main();
}

/// A realistic long line: a build-and-check script the way models write them, ~2 KB.
fn long_line() -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while parts.iter().map(|p: &String| p.len() + 4).sum::<usize>() < 2000 {
        parts.push(match i % 5 {
            0 => format!(
                "cd crate{i} && cargo test --locked -p crate{i} -- --nocapture 2>&1 | tail -n 20"
            ),
            1 => format!("grep -rn \"TODO({i})\" src/ | sort | uniq -c | head -5"),
            2 => format!("for f in src/mod{i}/*.rs; do wc -l \"$f\"; done"),
            3 => format!("echo \"$(git rev-parse HEAD) {i}\" > out{i}.txt"),
            _ => format!("find . -name '*.tmp{i}' -exec rm -f {{}} +"),
        });
        i += 1;
    }
    parts.join(" && ")
}

fn bench_line(bencher: Bencher, command: &str) {
    let dir = tempfile::tempdir().unwrap();
    let policy = ToolPolicy::new(dir.path());
    let args: Value = json!({ "command": command });
    let call = ToolCall {
        name: "bash",
        arguments: &args,
    };
    assert_eq!(decide(&policy, &call).verdict, Verdict::Allow, "{command}");
    bencher.bench_local(|| decide(&policy, &call));
}

#[divan::bench]
fn short_command(bencher: Bencher) {
    bench_line(bencher, "cargo test --locked");
}

#[divan::bench]
fn two_kb_line(bencher: Bencher) {
    let line = long_line();
    assert!((1900..2300).contains(&line.len()), "{}", line.len());
    bench_line(bencher, &line);
}
