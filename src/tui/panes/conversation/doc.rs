//! A streaming markdown document split into chunks at block boundaries, so each new line of a
//! long answer re-renders only the last chunk, never the whole answer.

/// Lines of a code block after which it is split into another chunk.
const CODE_CHUNK_LINES: usize = 64;
/// Lines of other text after which a chunk ends before the next list item or heading.
const TEXT_CHUNK_LINES: usize = 200;

/// One stable piece of the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub start: usize,
    pub end: usize,
    /// The fence line to put in front when the chunk starts inside a code block.
    pub fence: Option<String>,
    /// Whether a blank line separates it from the chunk before.
    pub gap_before: bool,
}

/// Where the chunker stopped: the source up to `offset` is split into stable chunks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChunkScan {
    pub offset: usize,
    /// The open fence (its line, and its marker) at `offset`, if any (boxed: every history
    /// cell holds a scan, few are inside a fence).
    fence: Option<Box<(String, String)>>,
    gap_next: bool,
}

impl ChunkScan {
    /// The chunk of `src[self.offset..end]` that is not stable yet (the tail).
    pub fn tail(&self, end: usize) -> Chunk {
        Chunk {
            start: self.offset,
            end,
            fence: self.fence.as_ref().map(|f| f.0.clone()),
            gap_before: self.gap_next,
        }
    }
}

/// Finds the chunks that became stable in `src[scan.offset..end]` (only whole lines up to
/// `end` are looked at) and advances `scan` past them.
pub fn scan_chunks(src: &str, end: usize, scan: &mut ChunkScan) -> Vec<Chunk> {
    let mut out = Vec::new();
    let mut chunk_lines = 0usize;
    let mut chunk_has_text = false;
    let mut pos = scan.offset;
    let bytes = &src.as_bytes()[..end.min(src.len())];
    // The fence open at the line being looked at; `scan.fence` stays the one at `offset`.
    let mut cur = scan.fence.as_deref().cloned();
    let close = |out: &mut Vec<Chunk>,
                 scan: &mut ChunkScan,
                 cur: &Option<(String, String)>,
                 stop: usize,
                 gap_after: bool| {
        out.push(scan.tail(stop));
        scan.fence = cur.clone().map(Box::new);
        scan.offset = stop;
        scan.gap_next = gap_after;
    };
    while pos < bytes.len() {
        let Some(nl) = bytes[pos..].iter().position(|&b| b == b'\n') else {
            break;
        };
        let line_end = pos + nl + 1;
        let line = &src[pos..pos + nl];
        let trimmed = line.trim_start();
        let marker = fence_marker(trimmed);
        match (&cur, &marker) {
            (Some((_, open)), Some(m)) if m.starts_with(open.as_str()) && trimmed.trim() == m => {
                cur = None;
            }
            (None, Some(m)) => cur = Some((line.to_string(), m.clone())),
            _ => {}
        }
        chunk_lines += 1;
        let blank = line.trim().is_empty();
        if cur.is_some() {
            chunk_has_text = true;
            if chunk_lines >= CODE_CHUNK_LINES && marker.is_none() {
                close(&mut out, scan, &cur, line_end, false);
                chunk_lines = 0;
                chunk_has_text = false;
            }
        } else if blank {
            if chunk_has_text {
                close(&mut out, scan, &cur, line_end, true);
                chunk_lines = 0;
                chunk_has_text = false;
            } else {
                // Leading blank lines belong to nothing; skip them.
                scan.offset = line_end;
                chunk_lines = 0;
            }
        } else {
            let starts_block = trimmed.starts_with('#')
                || trimmed.starts_with("- ")
                || trimmed.starts_with("* ")
                || trimmed.split_once(". ").is_some_and(|(n, _)| {
                    !n.is_empty() && n.len() < 10 && n.bytes().all(|b| b.is_ascii_digit())
                });
            if chunk_has_text && chunk_lines > TEXT_CHUNK_LINES && starts_block {
                close(&mut out, scan, &cur, pos, false);
                chunk_lines = 1;
            }
            chunk_has_text = true;
        }
        pos = line_end;
    }
    out
}

/// "```" or "~~~" (or longer) at the start of a line.
fn fence_marker(line: &str) -> Option<String> {
    for ch in ['`', '~'] {
        let n = line.chars().take_while(|&c| c == ch).count();
        if n >= 3 {
            return Some(std::iter::repeat_n(ch, n).collect());
        }
    }
    None
}

/// The text to render for `chunk` of `src`.
pub fn chunk_text(src: &str, chunk: &Chunk) -> String {
    let body = &src[chunk.start..chunk.end.min(src.len())];
    match &chunk.fence {
        Some(f) => format!("{f}\n{body}"),
        None => body.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(src: &str) -> (Vec<String>, String) {
        let mut scan = ChunkScan::default();
        let chunks = scan_chunks(src, src.len(), &mut scan);
        let texts = chunks.iter().map(|c| chunk_text(src, c)).collect();
        (texts, chunk_text(src, &scan.tail(src.len())))
    }

    #[test]
    fn splits_at_blank_lines_outside_fences() {
        let (chunks, tail) = split("a\nb\n\n```\nx\n\ny\n```\n\nlast");
        assert_eq!(chunks, ["a\nb\n\n", "```\nx\n\ny\n```\n\n"]);
        assert_eq!(tail, "last");
    }

    #[test]
    fn long_code_blocks_split_with_their_fence() {
        let mut src = String::from("```rust\n");
        for i in 0..100 {
            src.push_str(&format!("let x{i} = {i};\n"));
        }
        src.push_str("```\n");
        let (chunks, tail) = split(&src);
        assert_eq!(chunks.len(), 1);
        assert!(tail.starts_with("```rust\nlet x63"), "{tail}");
    }

    #[test]
    fn scanning_resumes_where_it_stopped() {
        let src = "one\n\ntwo\n\nthree\n";
        let mut scan = ChunkScan::default();
        let first = scan_chunks(src, 5, &mut scan);
        assert_eq!(first.len(), 1);
        let rest = scan_chunks(src, src.len(), &mut scan);
        assert_eq!(rest.len(), 1);
        assert_eq!(chunk_text(src, &rest[0]), "two\n\n");
    }
}
