//! A generator of large, realistic sessions for benchmarks and tests: coding turns (user
//! prompt, assistant tool call, tool output, assistant answer) with usage, a fork every few
//! dozen turns, and a compaction about every megabyte, as a long real session would have.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use serde_json::json;

use super::entry::{EntryData, render_line};
use super::store::header_line;
use crate::ai::types::{
    AssistantMessage, ContentBlock, Cost, Message, StopReason, ThinkingLevel, ToolResultMessage,
    Usage, UserContent, UserMessage,
};

/// What `generate_session` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedSession {
    pub bytes: u64,
    pub entries: u64,
    /// The last entry (where the file opens).
    pub head: String,
    /// A word that occurs in exactly `rare_hits` user messages.
    pub rare_word: String,
    pub rare_hits: u64,
}

const WORDS: &[&str] = &[
    "the", "function", "returns", "error", "when", "file", "is", "missing", "parser", "token",
    "stream", "buffer", "index", "session", "branch", "commit", "test", "value", "module",
    "config", "option", "struct", "impl", "trait", "async", "await", "vector", "string", "path",
    "lock", "write", "read", "line", "offset", "length", "check", "build", "cargo", "clippy",
    "format", "update", "render", "widget", "layout", "cursor", "scroll", "event", "handler",
];

/// A tiny deterministic PRNG (xorshift64*), so generated files are reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// Between `min` and `min + spread` words.
    fn words_between(&mut self, min: usize, spread: u64) -> String {
        let n = min + self.below(spread) as usize;
        self.words(n)
    }
    fn words(&mut self, n: usize) -> String {
        let mut s = String::with_capacity(n * 7);
        for i in 0..n {
            if i > 0 {
                s.push(if self.below(12) == 0 { '\n' } else { ' ' });
            }
            s.push_str(WORDS[self.below(WORDS.len() as u64) as usize]);
        }
        s
    }
}

/// Writes a session of about `target_bytes` to `path` (replacing it). Deterministic per `seed`.
pub fn generate_session(
    path: &Path,
    target_bytes: u64,
    seed: u64,
) -> std::io::Result<GeneratedSession> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut rng = Rng(seed | 1);
    let header = header_line(
        "0190c0de-0000-7000-8000-000000000000",
        Path::new("/work/project"),
    );
    out.write_all(&header)?;
    let mut bytes = header.len() as u64;
    let mut count: u64 = 0;
    // The active path so far (ids), to fork from and to pick compaction points on.
    let mut path_ids: Vec<String> = Vec::new();
    let mut rare_hits = 0;
    let rare_word = "zanzibarquux".to_string();
    let ts = "2026-11-24T05:49:20.167Z";
    let mut push = |data: &EntryData,
                    parent: Option<&str>,
                    out: &mut BufWriter<File>,
                    bytes: &mut u64|
     -> std::io::Result<String> {
        count += 1;
        // Distinct 8-hex ids that look random: an odd multiplier is a bijection on u32.
        let id = format!("{:08x}", (count as u32).wrapping_mul(0x9E37_79B1));
        let line = render_line(data, &id, parent, ts).map_err(std::io::Error::other)?;
        out.write_all(&line)?;
        *bytes += line.len() as u64;
        Ok(id)
    };
    let first = push(
        &EntryData::ModelChange {
            provider: "anthropic".into(),
            model_id: "claude-sonnet-4-5".into(),
        },
        None,
        &mut out,
        &mut bytes,
    )?;
    path_ids.push(first);
    let id = push(
        &EntryData::ThinkingLevelChange {
            thinking_level: ThinkingLevel::Medium,
        },
        path_ids.last().map(String::as_str),
        &mut out,
        &mut bytes,
    )?;
    path_ids.push(id);
    let mut turn: u64 = 0;
    let mut since_compaction = 0u64;
    while bytes < target_bytes {
        turn += 1;
        // Every 40 turns, fork from a few turns back (an abandoned attempt stays behind).
        if turn.is_multiple_of(40) && path_ids.len() > 20 {
            let keep = path_ids.len() - 1 - rng.below(12) as usize;
            path_ids.truncate(keep);
        }
        let mut prompt = rng.words_between(20, 40);
        if turn.is_multiple_of(997) {
            prompt.push_str(" ZanzibarQuux");
            rare_hits += 1;
        }
        let call_id = format!("toolu_{:016x}", rng.next());
        let intro = rng.words(15);
        let command = format!("cargo test {}", rng.words(2));
        let output = rng.words_between(120, 200);
        let answer = rng.words_between(40, 80);
        let messages = [
            Message::User(UserMessage {
                content: UserContent::Blocks(vec![ContentBlock::text(prompt)]),
                timestamp: 1_795_499_360_000 + turn as i64,
            }),
            assistant(
                &mut rng,
                vec![
                    ContentBlock::text(intro),
                    ContentBlock::ToolCall {
                        id: call_id.clone(),
                        name: "bash".into(),
                        arguments: json!({ "command": command }),
                    },
                ],
                StopReason::ToolUse,
            ),
            Message::ToolResult(ToolResultMessage {
                tool_call_id: call_id,
                tool_name: "bash".into(),
                content: vec![ContentBlock::text(output)],
                is_error: false,
                timestamp: 1_795_499_360_000 + turn as i64,
                details: None,
                duration_ms: None,
            }),
            assistant(&mut rng, vec![ContentBlock::text(answer)], StopReason::Stop),
        ];
        for message in messages {
            let id = push(
                &EntryData::Message { message },
                path_ids.last().map(String::as_str),
                &mut out,
                &mut bytes,
            )?;
            path_ids.push(id);
        }
        since_compaction += 4;
        // About every megabyte of conversation, a compaction keeps the last few turns.
        if since_compaction >= 1000 {
            since_compaction = 0;
            let first_kept = path_ids[path_ids.len() - 12].clone();
            let id = push(
                &EntryData::Compaction {
                    summary: rng.words(300),
                    first_kept_entry_id: first_kept,
                    tokens_before: 180_000,
                    details: None,
                },
                path_ids.last().map(String::as_str),
                &mut out,
                &mut bytes,
            )?;
            path_ids.push(id);
        }
    }
    out.flush()?;
    Ok(GeneratedSession {
        bytes,
        entries: count,
        head: path_ids.last().cloned().unwrap_or_default(),
        rare_word,
        rare_hits,
    })
}

fn assistant(rng: &mut Rng, content: Vec<ContentBlock>, stop_reason: StopReason) -> Message {
    let input = 2_000 + rng.below(50_000);
    let output = 50 + rng.below(800);
    Message::Assistant(AssistantMessage {
        content,
        api: "anthropic-messages".into(),
        provider: "anthropic".into(),
        model: "claude-sonnet-4-5".into(),
        usage: Usage {
            input,
            output,
            cache_read: 0,
            cache_write: 0,
            total_tokens: input + output,
            cost: Cost {
                input: input as f64 * 3e-6,
                output: output as f64 * 15e-6,
                cache_read: 0.0,
                cache_write: 0.0,
                total: input as f64 * 3e-6 + output as f64 * 15e-6,
            },
        },
        stop_reason,
        timestamp: 1_795_499_360_000,
        ..AssistantMessage::default()
    })
}
