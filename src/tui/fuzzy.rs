//! Fuzzy filtering with nucleo's matcher (helix's): used for `@` files, `/` commands, skills,
//! the command palette and the model picker.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher};

/// The indices of `items` matching `query`, best first (all of them, in order, for an empty
/// query), at most `limit`.
pub fn filter<T: AsRef<str>>(items: &[T], query: &str, paths: bool, limit: usize) -> Vec<usize> {
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
    // Best score first; ties keep the shorter (then earlier) item.
    scored.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then(items[a.0].as_ref().len().cmp(&items[b.0].as_ref().len()))
            .then(a.0.cmp(&b.0))
    });
    scored.into_iter().take(limit).map(|(i, _)| i).collect()
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
}
