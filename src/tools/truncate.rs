//! Cutting tool output to its limits at line boundaries: the head for files and listings, the
//! tail for command output (the end of a build log is where the error is).

use std::borrow::Cow;

/// What a cut kept. `content` never ends with the newline that ended its last line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Truncation<'a> {
    pub content: &'a str,
    pub truncated: bool,
    /// The line limit, not the byte limit, was hit first.
    pub by_lines: bool,
    /// A single line was longer than the byte limit and only part of it was kept.
    pub partial_line: bool,
    pub total_lines: usize,
    pub output_lines: usize,
}

/// Lines of `text`; a final newline ends the last line rather than starting an empty one.
pub(crate) fn count_lines(text: &str) -> usize {
    if text.is_empty() {
        0
    } else {
        text.strip_suffix('\n').unwrap_or(text).split('\n').count()
    }
}

/// The longest run of whole lines from the start of `text` within both limits.
pub(crate) fn head(text: &str, max_bytes: usize, max_lines: usize) -> Truncation<'_> {
    let body = text.strip_suffix('\n').unwrap_or(text);
    let total_lines = count_lines(text);
    let max_lines = max_lines.max(1);
    if body.len() <= max_bytes && total_lines <= max_lines {
        return whole(body, total_lines);
    }
    let mut end = 0;
    let mut kept = 0;
    let mut by_lines = false;
    let mut start = 0;
    for line in body.split('\n') {
        let line_end = start + line.len();
        if kept >= max_lines {
            by_lines = true;
            break;
        }
        if line_end > max_bytes {
            break;
        }
        end = line_end;
        kept += 1;
        start = line_end + 1;
    }
    let partial_line = kept == 0;
    if partial_line {
        end = body.floor_char_boundary(max_bytes);
        kept = 1;
    }
    Truncation {
        content: &body[..end],
        truncated: true,
        by_lines,
        partial_line,
        total_lines,
        output_lines: kept,
    }
}

/// The longest run of whole lines from the end of `text` within both limits.
pub(crate) fn tail(text: &str, max_bytes: usize, max_lines: usize) -> Truncation<'_> {
    let body = text.strip_suffix('\n').unwrap_or(text);
    let total_lines = count_lines(text);
    let max_lines = max_lines.max(1);
    if body.len() <= max_bytes && total_lines <= max_lines {
        return whole(body, total_lines);
    }
    let mut start = body.len();
    let mut kept = 0;
    let mut by_lines = false;
    let mut end = body.len();
    for line in body.rsplit('\n') {
        let line_start = end - line.len();
        if kept >= max_lines {
            by_lines = true;
            break;
        }
        if body.len() - line_start > max_bytes {
            break;
        }
        start = line_start;
        kept += 1;
        end = line_start.saturating_sub(1);
    }
    let partial_line = kept == 0;
    if partial_line {
        start = body.ceil_char_boundary(body.len().saturating_sub(max_bytes));
        kept = 1;
    }
    Truncation {
        content: &body[start..],
        truncated: true,
        by_lines,
        partial_line,
        total_lines,
        output_lines: kept,
    }
}

fn whole(body: &str, total_lines: usize) -> Truncation<'_> {
    Truncation {
        content: body,
        truncated: false,
        by_lines: false,
        partial_line: false,
        total_lines,
        output_lines: total_lines,
    }
}

/// `line` cut to `max_chars` characters with a marker saying how much was cut.
pub(crate) fn line(line: &str, max_chars: usize) -> (Cow<'_, str>, bool) {
    match line.char_indices().nth(max_chars) {
        None => (Cow::Borrowed(line), false),
        Some((cut, _)) => {
            let rest = line.len() - cut;
            (
                Cow::Owned(format!("{}... [{rest} more bytes]", &line[..cut])),
                true,
            )
        }
    }
}

/// `1536` → `1.5KB`, as pi prints sizes.
pub(crate) fn format_size(bytes: u64) -> String {
    const KB: f64 = 1024.0;
    let b = bytes as f64;
    if b < KB {
        format!("{bytes}B")
    } else if b < KB * KB {
        format!("{:.1}KB", b / KB)
    } else {
        format!("{:.1}MB", b / (KB * KB))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn head_keeps_whole_lines_within_bytes() {
        let t = head("aaa\nbbb\nccc\n", 8, 100);
        assert_eq!(t.content, "aaa\nbbb");
        assert!(t.truncated && !t.by_lines && !t.partial_line);
        assert_eq!((t.output_lines, t.total_lines), (2, 3));
    }

    #[test]
    fn head_line_limit() {
        let t = head("1\n2\n3\n4", 1000, 2);
        assert_eq!(t.content, "1\n2");
        assert!(t.by_lines);
        assert_eq!(t.total_lines, 4);
    }

    #[test]
    fn head_untouched_when_within() {
        let t = head("a\nb\n", 4, 2);
        assert_eq!(t.content, "a\nb");
        assert!(!t.truncated);
        assert_eq!(count_lines(""), 0);
        assert_eq!(count_lines("\n"), 1);
        assert_eq!(count_lines("a\n\nb"), 3);
    }

    #[test]
    fn head_partial_first_line_at_char_boundary() {
        let t = head("ééééé\nb", 5, 10);
        assert_eq!(t.content, "éé");
        assert!(t.partial_line);
    }

    #[test]
    fn tail_keeps_last_lines() {
        let t = tail("aaa\nbbb\nccc\n", 8, 100);
        assert_eq!(t.content, "bbb\nccc");
        assert_eq!(t.output_lines, 2);
        let t = tail("1\n2\n3\n4\n", 1000, 3);
        assert_eq!(t.content, "2\n3\n4");
        assert!(t.by_lines);
    }

    #[test]
    fn tail_partial_last_line() {
        let t = tail("x\nabcdéf", 4, 10);
        assert_eq!(t.content, "déf");
        assert!(t.partial_line);
    }

    #[test]
    fn long_line_is_marked() {
        let (l, cut) = line("abcdef", 3);
        assert!(cut);
        assert_eq!(l, "abc... [3 more bytes]");
        assert_eq!(line("abc", 3), (Cow::Borrowed("abc"), false));
        assert_eq!(format_size(51200), "50.0KB");
        assert_eq!(format_size(12), "12B");
    }

    proptest! {
        #[test]
        fn head_is_prefix_within_limits(text in "[a-cé\n]{0,200}", max_bytes in 0usize..80, max_lines in 1usize..20) {
            let t = head(&text, max_bytes, max_lines);
            prop_assert!(text.starts_with(t.content));
            prop_assert!(t.content.len() <= max_bytes || !t.truncated);
            if t.truncated {
                prop_assert!(t.content.len() <= max_bytes);
                prop_assert!(t.output_lines <= max_lines);
                if !t.partial_line {
                    // Cut at a line boundary.
                    prop_assert_eq!(text.as_bytes().get(t.content.len()), Some(&b'\n'));
                }
            } else {
                prop_assert_eq!(t.content, text.strip_suffix('\n').unwrap_or(&text));
            }
        }

        #[test]
        fn tail_is_suffix_within_limits(text in "[a-cé\n]{0,200}", max_bytes in 0usize..80, max_lines in 1usize..20) {
            let t = tail(&text, max_bytes, max_lines);
            let body = text.strip_suffix('\n').unwrap_or(&text);
            prop_assert!(body.ends_with(t.content));
            if t.truncated {
                prop_assert!(t.content.len() <= max_bytes);
                prop_assert!(t.output_lines <= max_lines);
                if !t.partial_line {
                    let start = body.len() - t.content.len();
                    prop_assert!(start == 0 || body.as_bytes()[start - 1] == b'\n');
                    prop_assert_eq!(t.content.split('\n').count(), t.output_lines);
                }
            } else {
                prop_assert_eq!(t.content, body);
            }
        }
    }
}
