//! Turning text into styled, wrapped lines: markdown, tables, syntax highlighting and the
//! one wrapping function every pane uses.

pub mod highlight;
pub mod markdown;
pub(crate) mod table;
pub(crate) mod wrap;

/// A count with its noun in the right number: "1 line", "3 lines", "1 branch", "2 branches".
pub fn count(n: usize, one: &str, many: &str) -> String {
    crate::text::count(n, one, many)
}

/// The noun for `n` things: `one` for 1, `many` otherwise ("2 more lines").
pub fn noun<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// Hints joined by `sep` that fit in `width` columns: `items` are (text, priority), lower
/// priorities kept first; the ones that do not fit are left out whole, and the kept ones
/// stay in their given order. Nothing is ever cut mid-word.
pub fn fit(items: &[(&str, u8)], sep: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| items[i].1);
    let mut kept = vec![false; items.len()];
    let mut used = 0;
    for i in order {
        let w = items[i].0.width() + if used == 0 { 0 } else { sep.width() };
        // The first hint that does not fit ends the list: a less important one never
        // shows while a more important one is left out.
        if used + w > width {
            break;
        }
        used += w;
        kept[i] = true;
    }
    let parts: Vec<&str> = items
        .iter()
        .zip(kept)
        .filter(|(_, k)| *k)
        .map(|((t, _), _)| *t)
        .collect();
    parts.join(sep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_drops_whole_hints_by_priority() {
        let items = [
            ("Ask pi…", 0),
            ("Enter sends", 1),
            ("@ file", 3),
            ("F1 help", 2),
        ];
        assert_eq!(
            fit(&items, " · ", 80),
            "Ask pi… · Enter sends · @ file · F1 help"
        );
        assert_eq!(fit(&items, " · ", 31), "Ask pi… · Enter sends · F1 help");
        assert_eq!(fit(&items, " · ", 30), "Ask pi… · Enter sends");
        assert_eq!(fit(&items, " · ", 21), "Ask pi… · Enter sends");
        assert_eq!(fit(&items, " · ", 20), "Ask pi…");
        assert_eq!(fit(&items, " · ", 8), "Ask pi…");
        assert_eq!(fit(&items, " · ", 3), "");
        assert_eq!(count(1, "branch", "branches"), "1 branch");
        assert_eq!(count(3, "entry", "entries"), "3 entries");
    }
}
