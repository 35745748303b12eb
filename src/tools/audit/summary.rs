//! Reading the audit log back and summarising it per tool (`/audit-summary`). A line that is
//! not a record (torn by a crash, or not ours) is skipped and counted, never fatal.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use serde::Serialize;

use super::error::AuditError;
use super::record::{AuditPhase, AuditRecord};
use crate::tools::Verdict;

/// The records of a log and how many lines were skipped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditLines {
    pub records: Vec<AuditRecord>,
    /// Lines that did not parse as a record (a torn last line, say). Blank lines are not counted.
    pub skipped: usize,
}

/// Reads every record of `reader`, passing each to `each`; returns how many lines were
/// skipped. Lines are read as bytes: a torn line may end inside a UTF-8 character.
pub fn read_records(
    mut reader: impl BufRead,
    mut each: impl FnMut(AuditRecord),
) -> std::io::Result<usize> {
    let mut skipped = 0;
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(skipped);
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<AuditRecord>(&line) {
            Ok(record) => each(record),
            Err(_) => skipped += 1,
        }
    }
}

fn open(path: &Path) -> Result<BufReader<File>, AuditError> {
    File::open(path)
        .map(BufReader::new)
        .map_err(|source| AuditError::Read {
            path: path.to_path_buf(),
            source,
        })
}

/// Every record of the log at `path`.
pub fn read_audit_log(path: &Path) -> Result<AuditLines, AuditError> {
    let mut records = Vec::new();
    let skipped =
        read_records(open(path)?, |r| records.push(r)).map_err(|source| AuditError::Read {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(AuditLines { records, skipped })
}

/// The summary of the log at `path`, read as a stream (the log is never held whole).
pub fn summarize_file(path: &Path) -> Result<AuditSummary, AuditError> {
    let mut tally = Tally::default();
    let skipped =
        read_records(open(path)?, |r| tally.add(&r)).map_err(|source| AuditError::Read {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(tally.finish(skipped))
}

/// The summary of `records`, `skipped` being the lines the reader skipped.
pub fn summarize<'a>(
    records: impl IntoIterator<Item = &'a AuditRecord>,
    skipped: usize,
) -> AuditSummary {
    let mut tally = Tally::default();
    for r in records {
        tally.add(r);
    }
    tally.finish(skipped)
}

/// One tool's line of the summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolSummary {
    pub tool: String,
    /// Every call logged: a start line, or an end line whose start is missing.
    pub calls: u64,
    /// Calls that ran and ended with an error (denied calls are not errors).
    pub errors: u64,
    /// `errors` over the calls that ran and ended; `None` when none did.
    pub error_rate: Option<f64>,
    /// Calls not let run: denied by the policy, or an ask that was denied.
    pub denied: u64,
    /// Calls the policy asked about, whatever the answer.
    pub asked: u64,
    /// Durations of the calls that ran and ended (nearest rank), in milliseconds.
    pub p50_ms: Option<u64>,
    pub p95_ms: Option<u64>,
    /// Output bytes of the calls that ran and ended.
    pub output_bytes: u64,
}

/// Per-tool counts of an audit log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditSummary {
    /// By tool name.
    pub tools: Vec<ToolSummary>,
    /// Records read.
    pub records: u64,
    /// Lines that were not records (torn by a crash, or not ours).
    pub skipped_lines: u64,
    /// Calls with a start but no end (still running, or pi was killed).
    pub unfinished: u64,
}

/// The `p`-th percentile of ascending `sorted` by the nearest-rank method: the smallest value
/// at least `p`% of the values are at or below. `None` for no values.
pub fn nearest_rank(sorted: &[u64], p: u32) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len() as u64;
    let rank = (u64::from(p.min(100)) * n).div_ceil(100).max(1);
    usize::try_from(rank - 1)
        .ok()
        .and_then(|i| sorted.get(i))
        .copied()
}

#[derive(Default)]
struct ToolTally {
    calls: u64,
    errors: u64,
    finished_runs: u64,
    denied: u64,
    asked: u64,
    durations: Vec<u64>,
    output_bytes: u64,
}

/// Running counts while the log is read. Starts wait for their end by (session, call id):
/// that pair is unique within a run, and runs follow each other in the file.
#[derive(Default)]
struct Tally {
    tools: BTreeMap<String, ToolTally>,
    /// Whether each started call was let run.
    open_calls: HashMap<(Option<String>, String), bool>,
    records: u64,
}

impl Tally {
    fn add(&mut self, record: &AuditRecord) {
        self.records += 1;
        let (session, call_id) = record.call_key();
        let key = (session.map(str::to_string), call_id.to_string());
        let tool = self.tools.entry(record.tool.clone()).or_default();
        match &record.phase {
            AuditPhase::Start { decision, .. } => {
                tool.calls += 1;
                let runs = decision.as_ref().is_none_or(|d| d.runs);
                if !runs {
                    tool.denied += 1;
                }
                if decision.as_ref().is_some_and(|d| d.verdict == Verdict::Ask) {
                    tool.asked += 1;
                }
                self.open_calls.insert(key, runs);
            }
            AuditPhase::End {
                duration_ms,
                is_error,
                output_bytes,
                ..
            } => {
                let runs = match self.open_calls.remove(&key) {
                    Some(runs) => runs,
                    None => {
                        // Its start line was lost (torn): still a call.
                        tool.calls += 1;
                        true
                    }
                };
                if runs {
                    tool.finished_runs += 1;
                    tool.errors += u64::from(*is_error);
                    tool.durations.push(*duration_ms);
                    tool.output_bytes += output_bytes;
                }
            }
        }
    }

    fn finish(self, skipped: usize) -> AuditSummary {
        let tools = self
            .tools
            .into_iter()
            .map(|(name, mut t)| {
                t.durations.sort_unstable();
                ToolSummary {
                    tool: name,
                    calls: t.calls,
                    errors: t.errors,
                    error_rate: (t.finished_runs > 0)
                        .then(|| t.errors as f64 / t.finished_runs as f64),
                    denied: t.denied,
                    asked: t.asked,
                    p50_ms: nearest_rank(&t.durations, 50),
                    p95_ms: nearest_rank(&t.durations, 95),
                    output_bytes: t.output_bytes,
                }
            })
            .collect();
        AuditSummary {
            tools,
            records: self.records,
            skipped_lines: skipped as u64,
            unfinished: self.open_calls.len() as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::audit::{AuditDecision, AuditSession, AuditTime};
    use serde_json::json;

    fn session(id: &str) -> AuditSession {
        AuditSession {
            id: Some(id.into()),
            path: None,
        }
    }

    fn start(s: &str, call: &str, tool: &str, verdict: Verdict, runs: bool) -> AuditRecord {
        let decision = AuditDecision {
            verdict,
            reason: "because".into(),
            answer: (verdict == Verdict::Ask)
                .then(|| if runs { "approved" } else { "denied" }.into()),
            runs,
        };
        AuditRecord::new(
            &AuditTime::now(),
            session(s),
            call,
            tool,
            AuditPhase::Start {
                arguments: json!({}),
                decision: Some(decision),
            },
        )
    }

    fn end(s: &str, call: &str, tool: &str, ms: u64, is_error: bool, bytes: u64) -> AuditRecord {
        AuditRecord::new(
            &AuditTime::now(),
            session(s),
            call,
            tool,
            AuditPhase::End {
                duration_ms: ms,
                exit_code: None,
                is_error,
                output_bytes: bytes,
            },
        )
    }

    #[test]
    fn nearest_rank_percentiles_on_known_durations() {
        let ten: Vec<u64> = (1..=10).map(|i| i * 10).collect();
        assert_eq!(nearest_rank(&ten, 50), Some(50));
        assert_eq!(nearest_rank(&ten, 95), Some(100));
        assert_eq!(nearest_rank(&ten, 90), Some(90));
        assert_eq!(nearest_rank(&ten, 0), Some(10));
        assert_eq!(nearest_rank(&ten, 100), Some(100));
        let twenty: Vec<u64> = (1..=20).collect();
        assert_eq!(nearest_rank(&twenty, 95), Some(19));
        assert_eq!(nearest_rank(&twenty, 50), Some(10));
        assert_eq!(nearest_rank(&[7], 50), Some(7));
        assert_eq!(nearest_rank(&[7], 95), Some(7));
        assert_eq!(nearest_rank(&[3, 9], 50), Some(3));
        assert_eq!(nearest_rank(&[], 50), None);
    }

    #[test]
    fn a_torn_last_line_is_skipped_and_counted() {
        let mut bytes = Vec::new();
        bytes.extend(
            start("s", "c1", "bash", Verdict::Allow, true)
                .to_line()
                .unwrap(),
        );
        bytes.extend(b"\n");
        bytes.extend(end("s", "c1", "bash", 5, false, 3).to_line().unwrap());
        let torn = start("s", "c2", "read", Verdict::Allow, true)
            .to_line()
            .unwrap();
        // Cut inside a multi-byte character too: the reader must not choke on bad UTF-8.
        bytes.extend(&torn[..torn.len() / 2]);
        bytes.extend("é".as_bytes().first());
        let mut records = Vec::new();
        let skipped = read_records(bytes.as_slice(), |r| records.push(r)).unwrap();
        assert_eq!(skipped, 1);
        assert_eq!(records.len(), 2);
        let s = summarize(&records, skipped);
        assert_eq!(s.skipped_lines, 1);
        assert_eq!(s.tools.len(), 1);
        assert_eq!(s.tools[0].calls, 1);
        assert_eq!(s.unfinished, 0);
    }

    #[test]
    fn counts_errors_denials_asks_and_durations_per_tool() {
        let mut log = Vec::new();
        // Twenty bash calls of 1..=20 ms, every fifth failing.
        for i in 1..=20u64 {
            let id = format!("b{i}");
            log.push(start("s1", &id, "bash", Verdict::Allow, true));
            log.push(end("s1", &id, "bash", i, i % 5 == 0, 100));
        }
        // An ask approved, an ask denied, a denial: only the approved one ran.
        log.push(start("s1", "r1", "read", Verdict::Ask, true));
        log.push(end("s1", "r1", "read", 4, false, 10));
        log.push(start("s1", "r2", "read", Verdict::Ask, false));
        log.push(end("s1", "r2", "read", 0, true, 50));
        log.push(start("s1", "r3", "read", Verdict::Deny, false));
        log.push(end("s1", "r3", "read", 0, true, 50));
        // The same call id in another session is another call; one never ends.
        log.push(start("s2", "r1", "read", Verdict::Allow, true));
        log.push(end("s2", "r1", "read", 8, true, 7));
        log.push(start("s2", "w1", "write", Verdict::Allow, true));
        // An end whose start was lost still counts.
        log.push(end("s3", "x", "ls", 2, false, 1));
        let s = summarize(&log, 0);
        let by = |name: &str| s.tools.iter().find(|t| t.tool == name).unwrap().clone();
        let names: Vec<&str> = s.tools.iter().map(|t| t.tool.as_str()).collect();
        assert_eq!(names, ["bash", "ls", "read", "write"]);
        let bash = by("bash");
        assert_eq!(
            (bash.calls, bash.errors, bash.denied, bash.asked),
            (20, 4, 0, 0)
        );
        assert_eq!(bash.error_rate, Some(0.2));
        assert_eq!((bash.p50_ms, bash.p95_ms), (Some(10), Some(19)));
        assert_eq!(bash.output_bytes, 2000);
        let read = by("read");
        assert_eq!(
            (read.calls, read.errors, read.denied, read.asked),
            (4, 1, 2, 2)
        );
        assert_eq!(read.error_rate, Some(0.5));
        assert_eq!((read.p50_ms, read.p95_ms), (Some(4), Some(8)));
        assert_eq!(read.output_bytes, 17);
        let write = by("write");
        assert_eq!(
            (write.calls, write.error_rate, write.p50_ms),
            (1, None, None)
        );
        assert_eq!(by("ls").calls, 1);
        assert_eq!(s.unfinished, 1);
        assert_eq!(s.records, 50);
    }
}
