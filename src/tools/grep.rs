//! `grep`: regex or literal search over files, built on ripgrep's own crates.

use std::io;
use std::path::Path;

use grep_regex::{RegexMatcher, RegexMatcherBuilder};
use grep_searcher::{BinaryDetection, Searcher, SearcherBuilder, Sink, SinkContext, SinkMatch};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::args::{GREP_DEFAULT_LIMIT, GrepArgs};
use super::error::ToolError;
use super::walk::{self, SearchRoot};
use super::{ToolContext, ToolOutput, truncate};

/// Matched lines longer than this many characters are shortened.
const MAX_LINE_CHARS: usize = 500;
/// Context lines beyond this are not useful and only fill the output.
const MAX_CONTEXT: u64 = 50;

pub(crate) async fn run(args: GrepArgs, ctx: &ToolContext) -> Result<ToolOutput, ToolError> {
    let root = walk::search_root(ctx, args.path.as_deref()).await?;
    let matcher = RegexMatcherBuilder::new()
        .case_insensitive(args.ignore_case.unwrap_or(false))
        .fixed_strings(args.literal.unwrap_or(false))
        .line_terminator(Some(b'\n'))
        .build(&args.pattern)
        .map_err(|e| {
            ToolError::Invalid(format!(
                "Invalid regex pattern: {e}. Fix the pattern, or set literal=true to search for the text as written."
            ))
        })?;
    let query = Query {
        limit: usize::try_from(args.limit.unwrap_or(GREP_DEFAULT_LIMIT as u64))
            .unwrap_or(usize::MAX)
            .max(1),
        context: usize::try_from(args.context.unwrap_or(0).min(MAX_CONTEXT)).unwrap_or(0),
        max_bytes: ctx.policy.max_tool_output_bytes,
    };
    let glob = args.glob.clone();
    let cancel = ctx.cancel.clone();
    let found = tokio::task::spawn_blocking(move || {
        search(&root, glob.as_deref(), &matcher, &query, &cancel).map(|f| (f, query))
    })
    .await
    .map_err(|_| ToolError::Internal("grep"))??;
    Ok(render(found.0, &found.1))
}

struct Query {
    limit: usize,
    context: usize,
    max_bytes: usize,
}

#[derive(Default)]
struct Found {
    lines: Vec<String>,
    bytes: usize,
    matches: usize,
    long_lines: bool,
}

impl Found {
    fn full(&self, q: &Query) -> bool {
        // `bytes` counts a newline per line, so past `max_bytes + 1` the joined text is over.
        self.matches >= q.limit || self.bytes > q.max_bytes.saturating_add(1)
    }
}

fn search(
    root: &SearchRoot,
    glob: Option<&str>,
    matcher: &RegexMatcher,
    q: &Query,
    cancel: &CancellationToken,
) -> Result<Found, ToolError> {
    let mut searcher = SearcherBuilder::new()
        .line_number(true)
        .before_context(q.context)
        .after_context(q.context)
        .binary_detection(BinaryDetection::quit(0))
        .build();
    let mut found = Found::default();
    if !root.is_dir {
        let name = walk::relative(&root.path, &root.path);
        search_file(
            &mut searcher,
            matcher,
            &root.path,
            name,
            q,
            &mut found,
            cancel,
        );
        return Ok(found);
    }
    let include_hidden = glob.is_some_and(walk::names_hidden);
    for entry in walk::walker(&root.path, glob, include_hidden)?.build() {
        if cancel.is_cancelled() {
            return Err(ToolError::Cancelled);
        }
        let Ok(entry) = entry else { continue };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let name = walk::relative(&root.path, entry.path());
        search_file(
            &mut searcher,
            matcher,
            entry.path(),
            name,
            q,
            &mut found,
            cancel,
        );
        if found.full(q) {
            break;
        }
    }
    Ok(found)
}

fn search_file(
    searcher: &mut Searcher,
    matcher: &RegexMatcher,
    path: &Path,
    name: String,
    q: &Query,
    found: &mut Found,
    cancel: &CancellationToken,
) {
    let mut sink = Collector {
        name,
        q,
        found,
        cancel,
        started: false,
    };
    if let Err(e) = searcher.search_path(matcher, path, &mut sink) {
        tracing::debug!(path = %path.display(), error = %e, "grep skipped a file");
    }
}

/// Formats matches as `path:line: text` and context as `path-line- text`, like pi.
struct Collector<'a> {
    name: String,
    q: &'a Query,
    found: &'a mut Found,
    cancel: &'a CancellationToken,
    started: bool,
}

impl Collector<'_> {
    fn push(&mut self, sep: char, line_no: Option<u64>, bytes: &[u8]) {
        if !self.started {
            // Separate files the way rg does when context is shown.
            if self.q.context > 0 && !self.found.lines.is_empty() {
                self.push_raw("--".to_string());
            }
            self.started = true;
        }
        let text = String::from_utf8_lossy(bytes);
        let text = text.trim_end_matches('\n').trim_end_matches('\r');
        let (text, cut) = truncate::line(text, MAX_LINE_CHARS);
        self.found.long_lines |= cut;
        let n = line_no.unwrap_or(0);
        self.push_raw(format!("{}{sep}{n}{sep} {text}", self.name));
    }

    fn push_raw(&mut self, line: String) {
        self.found.bytes += line.len() + 1;
        self.found.lines.push(line);
    }

    fn keep_going(&self) -> bool {
        !self.found.full(self.q) && !self.cancel.is_cancelled()
    }
}

impl Sink for Collector<'_> {
    type Error = io::Error;

    fn matched(&mut self, _: &Searcher, m: &SinkMatch<'_>) -> Result<bool, io::Error> {
        self.push(':', m.line_number(), m.bytes());
        self.found.matches += 1;
        Ok(self.keep_going())
    }

    fn context(&mut self, _: &Searcher, c: &SinkContext<'_>) -> Result<bool, io::Error> {
        self.push('-', c.line_number(), c.bytes());
        Ok(!self.cancel.is_cancelled() && self.found.bytes <= self.q.max_bytes.saturating_add(1))
    }

    fn context_break(&mut self, _: &Searcher) -> Result<bool, io::Error> {
        self.push_raw("--".to_string());
        Ok(true)
    }
}

fn render(found: Found, q: &Query) -> ToolOutput {
    if found.matches == 0 {
        return ToolOutput::text("No matches found");
    }
    let mut notes = Vec::new();
    let limit_hit = found.matches >= q.limit;
    if limit_hit {
        notes.push(format!(
            "{} matches limit reached. Use limit={} for more, or refine pattern",
            q.limit,
            q.limit.saturating_mul(2)
        ));
    }
    if found.long_lines {
        notes.push(format!(
            "Some lines truncated to {MAX_LINE_CHARS} chars. Use read tool to see full lines"
        ));
    }
    let text = walk::finish_listing(&found.lines, q.max_bytes, notes);
    ToolOutput::text(text).with_details(json!({
        "matches": found.matches,
        "matchLimitReached": limit_hit,
    }))
}
