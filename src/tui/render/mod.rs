//! Turning text into styled, wrapped lines: markdown, tables, syntax highlighting and the
//! one wrapping function every pane uses.

pub mod highlight;
pub mod markdown;
pub(crate) mod table;
pub(crate) mod wrap;

/// A count with its noun in the right number: "1 line", "3 lines", "1 branch", "2 branches".
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The noun for `n` things: `one` for 1, `many` otherwise ("2 more lines").
pub fn noun<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}
