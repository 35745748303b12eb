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

/// Markdown with code where layout could go wrong: in a list and a quote, an empty line, a
/// long line, a table, an unknown language, carriage returns.
const CODE_EVERYWHERE: &str = "Intro with `code`.\n\n```rust\nfn main() {\n\n    let a_rather_long_name = vec![1, 2, 3].iter().map(|x| x * 2).collect::<Vec<_>>();\n}\n```\n\n- item:\n\n  ```python\n  def f(x):\n      return x  # a comment that is long enough to wrap at forty columns\n  ```\n\n> ```sh\n> echo \"quoted\" && ls -la /tmp\n> ```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```nolang\nplain text\n```\n\n```rust\r\nlet crlf = 1;\r\n```\r\n";

#[test]
fn layout_has_the_rows_of_the_coloured_document() {
    let theme = Theme::plain();
    let coloured = render_document(CODE_EVERYWHERE, &theme);
    let (layout, uncoloured) = layout_document(CODE_EVERYWHERE, &theme);
    assert!(uncoloured);
    // Highlighting changed the spans, not the text.
    assert_ne!(coloured.lines, layout.lines);
    let text = |d: &Document| d.lines.iter().map(|l| l.to_string()).collect::<Vec<_>>();
    assert_eq!(text(&coloured), text(&layout));
    assert_eq!(coloured.hangs, layout.hangs);
    assert_eq!(
        coloured
            .tables
            .iter()
            .map(|t| t.0.clone())
            .collect::<Vec<_>>(),
        layout
            .tables
            .iter()
            .map(|t| t.0.clone())
            .collect::<Vec<_>>()
    );
    for width in [8u16, 13, 20, 40, 120] {
        for (c, l) in coloured.lines.iter().zip(&layout.lines) {
            assert_eq!(
                crate::tui::render::wrap::wrap_hanging(c, width, &[]).len(),
                crate::tui::render::wrap::wrap_hanging(l, width, &[]).len(),
                "{c:?} at {width}"
            );
        }
    }
    // Nothing to colour: the layout is the document.
    let (plain_doc, uncoloured) = layout_document("text\n\n```\nno language\n```\n", &theme);
    assert!(!uncoloured);
    assert_eq!(
        plain_doc.lines,
        render_document("text\n\n```\nno language\n```\n", &theme).lines
    );
}
