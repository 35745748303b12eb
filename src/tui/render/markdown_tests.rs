//! Tests of the markdown renderer.

use super::*;

fn md(src: &str) -> String {
    plain(&render(src, &Theme::plain()))
}

#[test]
fn headings_paragraphs_and_lists() {
    let out = md("# Title\n\nSome *text* here.\n\n- one\n- two\n  - nested\n\n1. a\n2. b\n");
    assert_eq!(
        out,
        "# Title\n\nSome text here.\n\n• one\n• two\n  ◦ nested\n\n1. a\n2. b"
    );
}

#[test]
fn quotes_links_and_rules() {
    let out = md("> quoted\n> more\n\nsee [docs](https://x.io) and <https://y.io>\n\n---\n");
    assert_eq!(
        out,
        "│ quoted\n│ more\n\nsee docs (https://x.io) and https://y.io\n\n────────────────────────"
    );
}

#[test]
fn tables_align_columns() {
    let out = md("| a | long name |\n|---|---|\n| 1 | x |\n| 22 | yy |\n");
    assert_eq!(
        out,
        "a  │ long name\n───┼──────────\n1  │ x        \n22 │ yy       "
    );
}

#[test]
fn wrapped_list_items_and_quotes_keep_their_indentation() {
    let theme = Theme::plain();
    let (lines, hangs) = render_hanging(
        "- first item wraps here
  - nested item wraps too

> a quote that wraps
",
        &theme,
    );
    let rows: Vec<String> = lines
        .iter()
        .enumerate()
        .flat_map(|(i, l)| {
            let hang = hangs
                .iter()
                .find(|(j, _)| *j == i)
                .map(|(_, h)| h.as_slice());
            crate::tui::render::wrap::wrap_hanging(l, 12, hang.unwrap_or_default())
        })
        .map(|l| l.to_string())
        .collect();
    assert_eq!(
        rows,
        [
            "• first item",
            "  wraps here",
            "  ◦ nested",
            "    item",
            "    wraps",
            "    too",
            "",
            "│ a quote",
            "│ that wraps",
        ]
    );
}

#[test]
fn code_blocks_keep_lines() {
    let out = md("```rust\nfn main() {\n\n}\n```\nafter\n");
    assert_eq!(out, "▎ fn main() {\n▎ \n▎ }\n\nafter");
}
