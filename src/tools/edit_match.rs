//! Finding `oldText` in a file and replacing it, keeping the file's line endings and BOM.
//!
//! Order: the text exactly as sent; then with its line endings adapted to the file's (models
//! send LF for CRLF files); then, only if that finds exactly one place, line by line ignoring
//! trailing whitespace. Everything outside the replaced range stays byte-identical.

const BOM: &str = "\u{feff}";

/// A successful replacement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Replaced {
    /// The whole new file, BOM and line endings kept.
    pub content: String,
    /// 1-based line of the new file where the change starts.
    pub first_changed_line: usize,
    /// Set when the match needed the trailing-whitespace fallback.
    pub loose: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MatchError {
    EmptyOld,
    Identical,
    NotFound,
    Several(usize),
}

/// Replaces the one occurrence of `old` in `file` with `new`.
pub(crate) fn replace_once(file: &str, old: &str, new: &str) -> Result<Replaced, MatchError> {
    if old.is_empty() {
        return Err(MatchError::EmptyOld);
    }
    let (bom, body) = match file.strip_prefix(BOM) {
        Some(rest) => (BOM, rest),
        None => ("", file),
    };
    let crlf = uses_crlf(body);
    let old_adapted = adapt_endings(old, crlf);
    let new_adapted = adapt_endings(new, crlf);
    if old_adapted == new_adapted {
        return Err(MatchError::Identical);
    }
    let mut candidates = vec![old];
    if old_adapted != old {
        candidates.push(&old_adapted);
    }
    for cand in candidates {
        match occurrences(body, cand) {
            0 => continue,
            1 => {
                let start = body.find(cand).unwrap_or(0);
                return Ok(splice(
                    bom,
                    body,
                    start..start + cand.len(),
                    &new_adapted,
                    false,
                ));
            }
            n => return Err(MatchError::Several(n)),
        }
    }
    let range = loose_match(body, &old_adapted)?;
    // A newline the model ended oldText with is part of the match; keep it in the replacement
    // only if newText ends with one too (it then replaces the consumed line break).
    Ok(splice(bom, body, range, &new_adapted, true))
}

fn splice(
    bom: &str,
    body: &str,
    range: std::ops::Range<usize>,
    new: &str,
    loose: bool,
) -> Replaced {
    let old = &body[range.clone()];
    let common = common_prefix(old, new);
    let first_changed_line = body[..range.start + common].matches('\n').count() + 1;
    let mut content = String::with_capacity(bom.len() + body.len() + new.len());
    content.push_str(bom);
    content.push_str(&body[..range.start]);
    content.push_str(new);
    content.push_str(&body[range.end..]);
    Replaced {
        content,
        first_changed_line,
        loose,
    }
}

/// Bytes `a` and `b` share at their start, at a char boundary.
fn common_prefix(a: &str, b: &str) -> usize {
    a.char_indices()
        .zip(b.chars())
        .find(|((_, ca), cb)| ca != cb)
        .map_or(a.len().min(b.len()), |((i, _), _)| i)
}

/// The file's line ending is CRLF if its first line break is one.
pub(crate) fn uses_crlf(text: &str) -> bool {
    text.find('\n')
        .is_some_and(|i| i > 0 && text.as_bytes()[i - 1] == b'\r')
}

/// `text` with every line break made `\r\n` (if `crlf`) or `\n`.
pub(crate) fn adapt_endings(text: &str, crlf: bool) -> String {
    let lf = text.replace("\r\n", "\n");
    if crlf { lf.replace('\n', "\r\n") } else { lf }
}

/// Occurrences of `needle` in `haystack`, overlapping ones included (they are just as ambiguous).
fn occurrences(haystack: &str, needle: &str) -> usize {
    let mut count = 0;
    let mut from = 0;
    while let Some(i) = haystack[from..].find(needle) {
        count += 1;
        let at = from + i;
        from = at + haystack[at..].chars().next().map_or(1, char::len_utf8);
        if from > haystack.len() {
            break;
        }
    }
    count
}

/// Whole lines of `body` equal to the lines of `old` once trailing whitespace is ignored.
/// Returns the byte range to replace: from the start of the first line to the end of the last
/// (its line break included when `old` ends with one).
fn loose_match(body: &str, old: &str) -> Result<std::ops::Range<usize>, MatchError> {
    let old = old.replace("\r\n", "\n");
    let (old_body, ends_with_newline) = match old.strip_suffix('\n') {
        Some(b) => (b, true),
        None => (old.as_str(), false),
    };
    let wanted: Vec<&str> = old_body.split('\n').map(str::trim_end).collect();
    if wanted.iter().all(|l| l.is_empty()) {
        return Err(MatchError::NotFound);
    }
    // (start, end of content without the line break, end including it)
    let mut lines = Vec::new();
    let mut start = 0;
    for piece in body.split_inclusive('\n') {
        let without = piece.trim_end_matches('\n').trim_end_matches('\r');
        lines.push((start, start + without.len(), start + piece.len()));
        start += piece.len();
    }
    let k = wanted.len();
    if lines.len() < k {
        return Err(MatchError::NotFound);
    }
    let found: Vec<usize> = (0..=lines.len() - k)
        .filter(|&i| {
            (0..k).all(|j| {
                let (s, e, _) = lines[i + j];
                body[s..e].trim_end() == wanted[j]
            })
        })
        .collect();
    match found.as_slice() {
        [] => Err(MatchError::NotFound),
        [i] => {
            let (s, _, _) = lines[*i];
            let (_, e, e_nl) = lines[i + k - 1];
            Ok(s..if ends_with_newline { e_nl } else { e })
        }
        several => Err(MatchError::Several(several.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn exact_single_match() {
        let r = replace_once("a\nb\nc\n", "b", "B").unwrap();
        assert_eq!(r.content, "a\nB\nc\n");
        assert_eq!(r.first_changed_line, 2);
        assert!(!r.loose);
    }

    #[test]
    fn first_changed_line_skips_common_prefix() {
        let r = replace_once("a\nb\nc\n", "a\nb\nc", "a\nb\nX").unwrap();
        assert_eq!(r.first_changed_line, 3);
    }

    #[test]
    fn zero_and_several_matches() {
        assert_eq!(replace_once("abc", "x", "y"), Err(MatchError::NotFound));
        assert_eq!(replace_once("x x x", "x", "y"), Err(MatchError::Several(3)));
        assert_eq!(replace_once("aaa", "aa", "b"), Err(MatchError::Several(2)));
        assert_eq!(replace_once("abc", "", "y"), Err(MatchError::EmptyOld));
        assert_eq!(replace_once("abc", "b", "b"), Err(MatchError::Identical));
    }

    #[test]
    fn crlf_file_with_lf_old_text() {
        let file = "one\r\ntwo\r\nthree\r\n";
        let r = replace_once(file, "two\nthree", "2\n3\n3.5").unwrap();
        assert_eq!(r.content, "one\r\n2\r\n3\r\n3.5\r\n");
        assert_eq!(r.first_changed_line, 2);
    }

    #[test]
    fn lf_file_with_crlf_texts() {
        let r = replace_once("a\nb\n", "a\r\nb", "x\r\ny").unwrap();
        assert_eq!(r.content, "x\ny\n");
    }

    #[test]
    fn bom_is_kept() {
        let r = replace_once("\u{feff}hello\r\nworld\r\n", "world", "there").unwrap();
        assert_eq!(r.content, "\u{feff}hello\r\nthere\r\n");
        let r = replace_once("\u{feff}x", "x", "y").unwrap();
        assert_eq!(r.content, "\u{feff}y");
    }

    #[test]
    fn trailing_whitespace_fallback_when_unambiguous() {
        let file = "fn a() {  \n    let x = 1;\t\n}\nrest\n";
        let r = replace_once(file, "fn a() {\n    let x = 1;\n}\n", "fn a() {}\n").unwrap();
        assert!(r.loose);
        assert_eq!(r.content, "fn a() {}\nrest\n");
        // An exact substring match wins and leaves the rest of the line alone.
        let r = replace_once(file, "    let x = 1;", "    let x = 2;").unwrap();
        assert_eq!(r.content, "fn a() {  \n    let x = 2;\t\n}\nrest\n");
        assert!(!r.loose);
        // Indentation still matters.
        assert_eq!(
            replace_once(file, "let x = 1; ", "y"),
            Err(MatchError::NotFound)
        );
        // Ambiguous after normalizing: refused.
        assert_eq!(
            replace_once("x \ny\nx\t\n", "x  ", "z"),
            Err(MatchError::Several(2))
        );
        // Blank old text never matches loosely.
        assert_eq!(
            replace_once("a\n\t\nb", "  \n", "c"),
            Err(MatchError::NotFound)
        );
    }

    #[test]
    fn crlf_detection() {
        assert!(uses_crlf("a\r\nb\n"));
        assert!(!uses_crlf("a\nb\r\n"));
        assert!(!uses_crlf("\n"));
        assert!(!uses_crlf("none"));
    }

    proptest! {
        #[test]
        fn unique_exact_match_replaces_only_that_range(
            pre in "[a-d\n]{0,30}", post in "[a-d\n]{0,30}", new in "[a-dX\n]{0,10}",
        ) {
            let old = "@@unique@@";
            let file = format!("{pre}{old}{post}");
            let r = replace_once(&file, old, &new).unwrap();
            prop_assert_eq!(r.content, format!("{pre}{new}{post}"));
        }

        #[test]
        fn crlf_files_stay_crlf(lines in proptest::collection::vec("[a-z]{1,6}", 2..8), pick in 0usize..8, new in "[A-Z]{1,5}(\n[A-Z]{1,5})?") {
            let file: String = lines.iter().map(|l| format!("{l}\r\n")).collect();
            let target = &lines[pick % lines.len()];
            match replace_once(&file, &format!("{target}\n"), &format!("{new}\n")) {
                Ok(r) => {
                    prop_assert!(!r.content.replace("\r\n", "").contains('\n'));
                    prop_assert!(r.content.ends_with("\r\n"));
                }
                Err(MatchError::Several(n)) => prop_assert!(n > 1),
                Err(e) => prop_assert!(false, "unexpected {:?}", e),
            }
        }
    }
}
