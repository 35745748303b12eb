//! Fuzzy filtering with nucleo's matcher (helix's): used for `@` files, `/` commands, skills,
//! the command palette and the model picker.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher};

/// The indices of `items` matching `query`, best first (all of them, in order, for an empty
/// query), at most `limit`.
pub fn filter<T: AsRef<str>>(items: &[T], query: &str, paths: bool, limit: usize) -> Vec<usize> {
    filter_named(items, items, query, paths, limit)
}

/// Like [`filter`], with the exact/prefix ranking taken from `names` (an item's name, without
/// its description) while the fuzzy score reads the whole item.
pub fn filter_named<T: AsRef<str>, N: AsRef<str>>(
    items: &[T],
    names: &[N],
    query: &str,
    paths: bool,
    limit: usize,
) -> Vec<usize> {
    if query.trim().is_empty() {
        return (0..items.len().min(limit)).collect();
    }
    let config = if paths {
        Config::DEFAULT.match_paths()
    } else {
        Config::DEFAULT
    };
    let mut matcher = Matcher::new(config);
    let pattern = Pattern::parse(query, CaseMatching::Smart, Normalization::Smart);
    let mut buf = Vec::new();
    let mut scored: Vec<(usize, u32)> = items
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let hay = nucleo_matcher::Utf32Str::new(s.as_ref(), &mut buf);
            pattern.score(hay, &mut matcher).map(|score| (i, score))
        })
        .collect();
    // Exact, then prefix, then word-prefix matches; within each, best score first; ties keep
    // the shorter (then earlier) item.
    let q = query.trim().trim_start_matches('/').to_lowercase();
    scored.sort_by(|a, b| {
        tier(names[a.0].as_ref(), &q)
            .cmp(&tier(names[b.0].as_ref(), &q))
            .then(b.1.cmp(&a.1))
            .then(items[a.0].as_ref().len().cmp(&items[b.0].as_ref().len()))
            .then(a.0.cmp(&b.0))
    });
    scored.into_iter().take(limit).map(|(i, _)| i).collect()
}

/// How `item` matches the lowercase query `q`: 0 exactly (the whole item or its first
/// word), 1 as a prefix, 2 at the start of a later word, 3 otherwise (a subsequence).
fn tier(item: &str, q: &str) -> u8 {
    let item = item.trim_start_matches('/').to_lowercase();
    if item == q || item.split_whitespace().next() == Some(q) {
        0
    } else if item.starts_with(q) {
        1
    } else if item
        .split(|c: char| c.is_whitespace() || matches!(c, '/' | '-' | '_' | '.'))
        .any(|w| w.starts_with(q))
    {
        2
    } else {
        3
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_match_first() {
        let items = ["src/main.rs", "src/tui/mod.rs", "README.md", "src/lib.rs"];
        let got = filter(&items, "tuimod", true, 10);
        assert_eq!(got[0], 1);
        assert_eq!(filter(&items, "", true, 2), vec![0, 1]);
        assert!(filter(&items, "zzz", true, 10).is_empty());
    }

    #[test]
    fn exact_and_prefix_matches_rank_first() {
        // A subsequence scattered over a long item must not beat the item named exactly.
        let items = [
            "Toggle mouse capture",
            "/model switch the model",
            "Pick model",
            "/models list models",
        ];
        let got = filter(&items, "model", false, 10);
        assert_eq!(got[0], 1, "{got:?}");
        assert_eq!(got[1], 3, "{got:?}");
        let got = filter(&items, "mo", false, 10);
        let mut first_two = got[..2].to_vec();
        first_two.sort();
        assert_eq!(first_two, vec![1, 3], "{got:?}");
        let got = filter(&items, "pick", false, 10);
        assert_eq!(got[0], 2);
        // A name that matches beats a description that does.
        let hay = [
            "Focus branches focus the session graph",
            "/sessions-list list the sessions",
        ];
        let names = ["Focus branches", "/sessions-list"];
        assert_eq!(filter_named(&hay, &names, "ses", false, 10)[0], 1);
    }
}
