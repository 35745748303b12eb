//! Word wrapping with a hanging indent: the continuation rows of a list item or a block quote
//! start with the item's indentation or the quote bar, not at the left edge.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

struct Row {
    spans: Vec<Span<'static>>,
    width: usize,
    /// Anything beyond the hanging indent.
    content: bool,
}

impl Row {
    fn new(hang: &[Span<'static>], hang_w: usize) -> Row {
        Row {
            spans: hang.to_vec(),
            width: hang_w,
            content: false,
        }
    }

    fn push(&mut self, c: char, style: Style) {
        self.width += c.width().unwrap_or(0);
        self.content = true;
        match self.spans.last_mut() {
            Some(last) if last.style == style => last.content.to_mut().push(c),
            _ => self.spans.push(Span::styled(c.to_string(), style)),
        }
    }
}

/// `line` wrapped at `width` columns, greedily at spaces (a word longer than a row is split),
/// every row after the first starting with `hang`. Spaces at a break are dropped.
pub fn wrap_hanging(
    line: &Line<'static>,
    width: u16,
    hang: &[Span<'static>],
) -> Vec<Line<'static>> {
    let width = usize::from(width.max(1));
    let mut hang_w: usize = hang.iter().map(Span::width).sum();
    let hang = if hang_w + 4 > width {
        hang_w = 0;
        &[][..]
    } else {
        hang
    };
    let mut rows: Vec<Row> = Vec::new();
    let mut cur = Row::new(&[], 0);
    let mut word: Vec<(char, Style)> = Vec::new();
    let mut spaces: Vec<(char, Style)> = Vec::new();
    let place = |word: &mut Vec<(char, Style)>,
                 spaces: &mut Vec<(char, Style)>,
                 cur: &mut Row,
                 rows: &mut Vec<Row>| {
        let ww: usize = word.iter().map(|(c, _)| c.width().unwrap_or(0)).sum();
        let sw: usize = spaces.iter().map(|(c, _)| c.width().unwrap_or(0)).sum();
        // A word longer than a whole row is split where it stands.
        let fits_a_row = hang_w + ww <= width;
        if cur.content && !word.is_empty() && cur.width + sw + ww > width && fits_a_row {
            rows.push(std::mem::replace(cur, Row::new(hang, hang_w)));
        } else {
            // Spaces before a word split where it stands never push the row past the width.
            for (c, s) in spaces.iter() {
                if cur.width + c.width().unwrap_or(0) <= width {
                    cur.push(*c, *s);
                }
            }
        }
        spaces.clear();
        for (c, s) in word.drain(..) {
            if cur.content && cur.width + c.width().unwrap_or(0) > width {
                rows.push(std::mem::replace(cur, Row::new(hang, hang_w)));
            }
            cur.push(c, s);
        }
    };
    for span in &line.spans {
        let style = line.style.patch(span.style);
        for c in span.content.chars() {
            if c == ' ' {
                if !word.is_empty() {
                    place(&mut word, &mut spaces, &mut cur, &mut rows);
                }
                spaces.push((c, style));
            } else {
                word.push((c, style));
            }
        }
    }
    place(&mut word, &mut spaces, &mut cur, &mut rows);
    rows.push(cur);
    rows.into_iter()
        .map(|r| {
            let mut l = Line::from(r.spans);
            l.alignment = line.alignment;
            l
        })
        .collect()
}

/// The hanging indent a plain text line wants when it wraps, after `prefix` columns (a mark
/// or gutter drawn before it): its own leading spaces, and a leading bullet ("- ", "• ",
/// "✓ ", "12. ") so continuation rows line up with the text after it.
pub fn text_hang(text: &str, prefix: usize) -> Vec<Span<'static>> {
    let rest = text.trim_start_matches(' ');
    let lead = text.len() - rest.len();
    let bullet = rest
        .split_once(' ')
        .map(|(first, _)| first)
        .filter(|w| {
            let mut cs = w.chars();
            let one_symbol =
                matches!((cs.next(), cs.next()), (Some(c), None) if !c.is_alphanumeric());
            let numbered = w.len() > 1
                && w.ends_with(['.', ')'])
                && w[..w.len() - 1].chars().all(|c| c.is_ascii_digit());
            one_symbol || numbered
        })
        .map_or(0, |w| w.width() + 1);
    vec![Span::raw(" ".repeat(prefix + lead + bullet))]
}

/// Lines each wrapped at `width` with its own hang.
pub fn wrap_all(lines: &[(Line<'static>, Vec<Span<'static>>)], width: u16) -> Vec<Line<'static>> {
    lines
        .iter()
        .flat_map(|(l, hang)| wrap_hanging(l, width, hang))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_hang_under_their_text() {
        let w = |s: &str, p| text_hang(s, p)[0].content.len();
        assert_eq!(w("plain words", 0), 0);
        assert_eq!(w("  indented", 2), 4);
        assert_eq!(w("✓ key found", 0), 2);
        assert_eq!(w("  - item", 0), 4);
        assert_eq!(w("12. step", 2), 6);
        assert_eq!(w("ok. not a list", 0), 0);
        let line = Line::raw("  ✓ provider key: ANTHROPIC_API_KEY is set and looks fine");
        let rows = wrap_hanging(&line, 24, &text_hang("  ✓ provider", 0));
        assert!(
            rows[1..].iter().all(|r| r.to_string().starts_with("    ")),
            "{rows:?}"
        );
    }

    fn text(lines: &[Line<'_>]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn continuation_rows_start_with_the_hang() {
        let line = Line::from(vec![Span::raw("• "), Span::raw("one two three four")]);
        let out = wrap_hanging(&line, 10, &[Span::raw("  ")]);
        assert_eq!(text(&out), ["• one two", "  three", "  four"]);
    }

    #[test]
    fn long_words_split_and_short_lines_stay() {
        let out = wrap_hanging(&Line::raw("│ abcdefghijkl"), 8, &[Span::raw("│ ")]);
        assert_eq!(text(&out), ["│ abcdef", "│ ghijkl"]);
        let out = wrap_hanging(&Line::raw("short"), 8, &[Span::raw("  ")]);
        assert_eq!(text(&out), ["short"]);
    }

    #[test]
    fn no_row_is_wider_than_the_width() {
        // From 2: a double-width character cannot fit in one column.
        for width in 2..14 {
            for src in [
                "abcdef ghijklmnopqrstuvwxyz",
                "x  abcdef   ",
                "名前: 値 abcdefgh",
            ] {
                for row in wrap_hanging(&Line::raw(src), width, &[]) {
                    assert!(
                        row.width() <= usize::from(width),
                        "{src:?} at {width}: {row:?}"
                    );
                }
            }
        }
    }
}
