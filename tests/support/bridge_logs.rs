//! Reading a bridge's `log.jsonl` files after the fact: how many runs there were and how
//! many overlapped, per conversation and in all (the drain test and the bridge benchmark).

use std::path::Path;

use serde_json::Value;

/// What the logs say about the runs.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Overlap {
    /// Conversations with a log.
    pub conversations: usize,
    /// Runs finished.
    pub runs: usize,
    /// Most runs going at once in one conversation.
    pub max_per_conversation: usize,
    /// Most runs going at once over all conversations (by the logs' millisecond stamps).
    pub max_global: usize,
    /// Each run's time from its start to its end in the log, milliseconds, sorted.
    pub run_ms: Vec<i64>,
}

fn millis(ts: &str) -> Option<i64> {
    ts.parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.as_millisecond())
}

/// Reads every `log.jsonl` under `state_dir/<transport>/<conversation>/`.
pub fn overlap(state_dir: &Path) -> Overlap {
    let mut out = Overlap::default();
    // (ts, +1 start / -1 finish)
    let mut all: Vec<(String, i32)> = Vec::new();
    for transport in ["github", "local", "slack"] {
        let Ok(dirs) = std::fs::read_dir(state_dir.join(transport)) else {
            continue;
        };
        for dir in dirs.flatten() {
            let Ok(text) = std::fs::read_to_string(dir.path().join("log.jsonl")) else {
                continue;
            };
            out.conversations += 1;
            let mut open = 0usize;
            let mut started: Option<i64> = None;
            for line in text.lines() {
                let Ok(v) = serde_json::from_str::<Value>(line) else {
                    continue;
                };
                let ts = v["ts"].as_str().unwrap_or("").to_string();
                match v["kind"].as_str() {
                    Some("run_started") => {
                        open += 1;
                        out.max_per_conversation = out.max_per_conversation.max(open);
                        started = millis(&ts);
                        all.push((ts, 1));
                    }
                    Some("run_finished") => {
                        open = open.saturating_sub(1);
                        out.runs += 1;
                        if let (Some(a), Some(b)) = (started.take(), millis(&ts)) {
                            out.run_ms.push(b - a);
                        }
                        all.push((ts, -1));
                    }
                    _ => {}
                }
            }
        }
    }
    out.run_ms.sort_unstable();
    // On equal stamps a finish counts before a start.
    all.sort();
    let mut open = 0i32;
    for (_, d) in all {
        open += d;
        out.max_global = out.max_global.max(open.max(0) as usize);
    }
    out
}
