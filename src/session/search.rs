//! `/session-search`: case-insensitive search over message text, newest first. The file's
//! bytes are streamed in large blocks from the end and searched raw for the query (as it
//! appears inside a JSON string); only the entries with a hit are parsed, to confirm the
//! hit is in the message text and to cut a snippet.

use regex::RegexBuilder;
use regex::bytes::RegexBuilder as BytesRegexBuilder;
use serde::Serialize;

use super::convert::entry_message;
use super::error::SessionError;
use super::kinds::{EntryKind, Role};
use super::store::SessionStore;

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    pub id: String,
    /// pi's role name (`user`, `assistant`, `toolResult`, ...).
    pub role: String,
    /// The text around the first match, on one line.
    pub snippet: String,
    pub line: u64,
}

/// Bytes searched per block.
const BLOCK: u64 = 8 << 20;
/// Characters of context on each side of a match in a snippet.
const SNIPPET_CONTEXT: usize = 40;

fn searchable(kind: EntryKind) -> bool {
    matches!(
        kind,
        EntryKind::Message | EntryKind::CustomMessage | EntryKind::BranchSummary
    )
}

impl SessionStore {
    /// Up to `limit` messages whose text contains `query` (ignoring case), newest first.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>, SessionError> {
        let invalid = |e: regex::Error| SessionError::Invalid {
            path: self.label.clone(),
            detail: format!("cannot search for '{query}': {e}"),
        };
        if query.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        // The query as it is written inside a JSON string (quotes, backslashes, newlines).
        let json = serde_json::to_string(query).unwrap_or_default();
        let escaped = &json[1..json.len() - 1];
        let raw = BytesRegexBuilder::new(&regex::escape(escaped))
            .case_insensitive(true)
            .build()
            .map_err(invalid)?;
        let text_re = RegexBuilder::new(&regex::escape(query))
            .case_insensitive(true)
            .build()
            .map_err(invalid)?;
        let nodes = &self.index.nodes;
        let mut hits = Vec::new();
        let mut end = nodes.len();
        while end > 0 && hits.len() < limit {
            // A block of whole lines, ending at entry `end - 1`.
            let last = &nodes[end - 1];
            let block_end = last.offset + u64::from(last.len);
            let mut start = end - 1;
            while start > 0 && block_end - nodes[start - 1].offset <= BLOCK {
                start -= 1;
            }
            let block_start = nodes[start].offset;
            let bytes = self.read_range(
                block_start,
                (block_end - block_start) as usize,
                u64::from(nodes[start].line),
            )?;
            let mut candidates: Vec<usize> = Vec::new();
            for m in raw.find_iter(&bytes) {
                let at = block_start + m.start() as u64;
                // The entry whose line holds this byte.
                let i = start + nodes[start..end].partition_point(|n| n.offset <= at) - 1;
                let n = &nodes[i];
                if at < n.offset + u64::from(n.len)
                    && searchable(n.kind)
                    && candidates.last() != Some(&i)
                {
                    candidates.push(i);
                }
            }
            for &i in candidates.iter().rev() {
                let n = &nodes[i];
                let from = (n.offset - block_start) as usize;
                let line = &bytes[from..from + n.len as usize];
                let Ok(Some(message)) = entry_message(self.header.format, n.kind, line) else {
                    continue;
                };
                let text = message.text();
                if let Some(m) = text_re.find(&text) {
                    hits.push(SearchHit {
                        id: n.id.to_string(),
                        role: n.role.unwrap_or(Role::Custom).as_str().to_string(),
                        snippet: snippet(&text, m.start(), m.end()),
                        line: u64::from(n.line),
                    });
                    if hits.len() == limit {
                        break;
                    }
                }
            }
            end = start;
        }
        Ok(hits)
    }
}

/// `text[start..end]` with some context on each side, on one line.
fn snippet(text: &str, start: usize, end: usize) -> String {
    let before: Vec<char> = text[..start].chars().rev().take(SNIPPET_CONTEXT).collect();
    let after: String = text[end..].chars().take(SNIPPET_CONTEXT).collect();
    let mut out = String::new();
    if before.len() == SNIPPET_CONTEXT {
        out.push('…');
    }
    out.extend(before.into_iter().rev());
    out.push_str(&text[start..end]);
    out.push_str(&after);
    if text[end..].chars().count() > SNIPPET_CONTEXT {
        out.push('…');
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_one_line_with_context() {
        let text = format!("{}needle\nin a haystack", "x".repeat(100));
        let s = snippet(&text, 100, 106);
        assert!(s.starts_with('…'));
        assert!(s.ends_with("needle in a haystack"));
        assert_eq!(snippet("a needle", 2, 8), "a needle");
    }
}
