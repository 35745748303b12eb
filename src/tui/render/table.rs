//! Markdown tables laid out for the width they are drawn at. At its natural width a table is
//! one line per row; in a narrower pane the widest columns shrink and their cells wrap, so a
//! row takes several lines with the `│` separators aligned; when even the narrowest columns do
//! not fit, every row becomes "header: value" lines.

use std::cell::RefCell;
use std::ops::Range;

use ratatui::layout::Alignment;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use crate::tui::render::wrap::wrap_hanging;

/// A column is not shrunk below this (a column narrower by nature keeps its width).
const MIN_COLUMN: usize = 6;
const SEPARATOR: &str = " │ ";
/// Width of the rule between records in the narrow fallback.
const RECORD_RULE: usize = 8;

/// The spans of one table cell.
pub type CellSpans = Vec<Span<'static>>;

/// A table as markdown gave it: its cells, styles kept, laid out only when drawn.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub rows: Vec<Vec<CellSpans>>,
    /// How many of `rows` are the header (its rule follows them).
    pub header_rows: usize,
    /// Per column; a column without one is left-aligned.
    pub aligns: Vec<Alignment>,
    pub border: Style,
    /// What the first line starts with (a list marker, quote bars) and what the others do.
    pub first: Vec<Span<'static>>,
    pub hang: Vec<Span<'static>>,
}

fn spans_width(spans: &[Span<'_>]) -> usize {
    spans.iter().map(|s| s.content.width()).sum()
}

impl Table {
    /// An empty table with markdown's column alignments, its separators in `border`.
    pub fn new(aligns: &[pulldown_cmark::Alignment], border: Style) -> Table {
        use pulldown_cmark::Alignment as Md;
        let aligns = aligns
            .iter()
            .map(|a| match a {
                Md::Center => Alignment::Center,
                Md::Right => Alignment::Right,
                Md::Left | Md::None => Alignment::Left,
            })
            .collect();
        Table {
            aligns,
            border,
            ..Table::default()
        }
    }

    /// The table with every column as wide as its widest cell (what a wide enough pane shows).
    pub fn natural(&self) -> Vec<Line<'static>> {
        self.lines(usize::MAX)
    }

    /// The table laid out in `width` columns: no line is wider, but for the prefix of a table
    /// inside a list or quote when the pane is too narrow for it (then it is left out).
    pub fn lines(&self, width: usize) -> Vec<Line<'static>> {
        let indent = spans_width(&self.first).max(spans_width(&self.hang));
        let (first, hang, room) = if indent.saturating_add(4) > width {
            (&[][..], &[][..], width)
        } else {
            (&self.first[..], &self.hang[..], width - indent)
        };
        let rows = match self.column_widths(room) {
            Some(widths) => self.grid(&widths),
            None => self.records(room),
        };
        rows.into_iter()
            .enumerate()
            .map(|(i, body)| {
                let mut spans = if i == 0 {
                    first.to_vec()
                } else {
                    hang.to_vec()
                };
                spans.extend(body);
                Line::from(spans)
            })
            .collect()
    }

    fn columns(&self) -> usize {
        self.rows.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// Column widths that fit in `room`: the natural ones if they fit, else the widest
    /// columns lowered to a common ceiling (never below `MIN_COLUMN` or their natural
    /// width); `None` when even that does not fit.
    fn column_widths(&self, room: usize) -> Option<Vec<usize>> {
        let mut natural = vec![0usize; self.columns()];
        for row in &self.rows {
            for (w, cell) in natural.iter_mut().zip(row) {
                *w = (*w).max(spans_width(cell));
            }
        }
        let seps = SEPARATOR.width() * natural.len().saturating_sub(1);
        let room = room.checked_sub(seps)?;
        if natural.iter().sum::<usize>() <= room {
            return Some(natural);
        }
        let least: Vec<usize> = natural.iter().map(|&n| n.min(MIN_COLUMN)).collect();
        let at = |cap: usize| -> Vec<usize> {
            natural
                .iter()
                .zip(&least)
                .map(|(&n, &m)| n.min(cap).max(m))
                .collect()
        };
        if least.iter().sum::<usize>() > room {
            return None;
        }
        // The highest ceiling that fits: at `lo` it fits, at `hi` (the natural widths) not.
        let (mut lo, mut hi) = (0, natural.iter().copied().max().unwrap_or(0));
        while lo + 1 < hi {
            let mid = lo + (hi - lo) / 2;
            if at(mid).iter().sum::<usize>() <= room {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let mut widths = at(lo);
        // What is left goes one column each to the columns held at the ceiling.
        let mut left = room - widths.iter().sum::<usize>();
        for (w, &n) in widths.iter_mut().zip(&natural) {
            if left == 0 {
                break;
            }
            if *w == lo && n > lo {
                *w += 1;
                left -= 1;
            }
        }
        Some(widths)
    }

    /// Rows at `widths`: each cell wrapped in its column, the row as tall as its tallest cell.
    fn grid(&self, widths: &[usize]) -> Vec<Vec<Span<'static>>> {
        let border = || Span::styled(SEPARATOR, self.border);
        let mut out = Vec::new();
        for (r, row) in self.rows.iter().enumerate() {
            let cells: Vec<Vec<Line<'static>>> = widths
                .iter()
                .enumerate()
                .map(|(i, &w)| wrap_cell(row.get(i).map_or(&[][..], Vec::as_slice), w))
                .collect();
            let height = cells.iter().map(Vec::len).max().unwrap_or(0).max(1);
            for k in 0..height {
                let mut spans = Vec::new();
                for (i, &w) in widths.iter().enumerate() {
                    if i > 0 {
                        spans.push(border());
                    }
                    let part = cells.get(i).and_then(|c| c.get(k));
                    let used = part.map_or(0, |l| spans_width(&l.spans));
                    let pad = w.saturating_sub(used);
                    let before = match self.aligns.get(i) {
                        Some(Alignment::Right) => pad,
                        Some(Alignment::Center) => pad / 2,
                        _ => 0,
                    };
                    push_pad(&mut spans, before);
                    if let Some(l) = part {
                        spans.extend(l.spans.iter().cloned());
                    }
                    push_pad(&mut spans, pad - before);
                }
                out.push(spans);
            }
            if r + 1 == self.header_rows {
                let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
                out.push(vec![Span::styled(rule.join("─┼─"), self.border)]);
            }
        }
        out
    }

    /// The narrow fallback: each body row as "header: value" lines, a short rule between rows.
    fn records(&self, room: usize) -> Vec<Vec<Span<'static>>> {
        let header = self.rows.first().filter(|_| self.header_rows > 0);
        let body = self.rows.get(self.header_rows..).unwrap_or_default();
        let width = u16::try_from(room).unwrap_or(u16::MAX);
        let hang = [Span::raw("  ")];
        let mut out = Vec::new();
        let mut push = |line: Line<'static>| {
            out.extend(
                wrap_hanging(&line, width, &hang)
                    .into_iter()
                    .map(|l| l.spans),
            );
        };
        if body.is_empty() {
            for cell in header.into_iter().flatten() {
                push(Line::from(cell.clone()));
            }
        }
        for (n, row) in body.iter().enumerate() {
            if n > 0 {
                let rule = "─".repeat(RECORD_RULE.min(room.max(1)));
                push(Line::from(Span::styled(rule, self.border)));
            }
            for (i, cell) in row.iter().enumerate() {
                let mut spans = Vec::new();
                if let Some(h) = header.and_then(|h| h.get(i))
                    && spans_width(h) > 0
                {
                    spans.extend(h.iter().cloned());
                    spans.push(Span::raw(": "));
                }
                spans.extend(cell.iter().cloned());
                push(Line::from(spans));
            }
        }
        out
    }
}

fn push_pad(spans: &mut Vec<Span<'static>>, n: usize) {
    if n > 0 {
        spans.push(Span::raw(" ".repeat(n)));
    }
}

/// A cell's lines in a column `width` wide (one line when it fits).
fn wrap_cell(cell: &[Span<'static>], width: usize) -> Vec<Line<'static>> {
    let line = Line::from(cell.to_vec());
    if spans_width(cell) <= width {
        return vec![line];
    }
    wrap_hanging(&line, u16::try_from(width).unwrap_or(u16::MAX), &[])
}

/// A table among a block's lines (`lines` hold its natural layout), laid out once per width.
#[derive(Debug)]
pub struct TableRows {
    pub lines: Range<usize>,
    table: Table,
    laid: RefCell<Option<(u16, Vec<Line<'static>>)>>,
}

impl TableRows {
    pub fn new(lines: Range<usize>, table: Table) -> TableRows {
        TableRows {
            lines,
            table,
            laid: RefCell::new(None),
        }
    }

    /// How many rows the table takes at `width` (laid out as by [`TableRows::at`]).
    pub fn rows(&self, width: u16) -> usize {
        let mut laid = self.laid.borrow_mut();
        match &*laid {
            Some((w, rows)) if *w == width => rows.len(),
            _ => {
                let rows = self.table.lines(usize::from(width.max(1)));
                let n = rows.len();
                *laid = Some((width, rows));
                n
            }
        }
    }

    /// The table's rows at `width`, laid out the first time this width is asked for.
    pub fn at(&self, width: u16) -> Vec<Line<'static>> {
        let mut laid = self.laid.borrow_mut();
        match &*laid {
            Some((w, rows)) if *w == width => rows.clone(),
            _ => {
                let rows = self.table.lines(usize::from(width.max(1)));
                *laid = Some((width, rows.clone()));
                rows
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use ratatui::style::Modifier;
    use unicode_width::UnicodeWidthChar;

    use super::*;
    use crate::tui::config::theme::Theme;
    use crate::tui::render::markdown::render_document;

    fn table(src: &str) -> Table {
        let mut doc = render_document(src, &Theme::plain());
        assert_eq!(doc.tables.len(), 1, "{src}");
        doc.tables.remove(0).1
    }

    fn text(lines: &[Line<'_>]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    /// Display columns of the `│` separators in `line`.
    fn bars(line: &str) -> Vec<usize> {
        let mut col = 0;
        let mut out = Vec::new();
        for c in line.chars() {
            if c == '│' {
                out.push(col);
            }
            col += c.width().unwrap_or(0);
        }
        out
    }

    /// Every line fits `width` and every row line has its separators where the first has.
    fn assert_grid(lines: &[String], width: usize) {
        for l in lines {
            assert!(l.width() <= width, "{l:?} is wider than {width}");
        }
        let first = bars(&lines[0]);
        assert!(!first.is_empty(), "{lines:#?}");
        for l in lines.iter().filter(|l| !l.contains('┼')) {
            assert_eq!(bars(l), first, "{lines:#?}");
        }
    }

    const WIDE: &str = "| key | meaning |\n|---|---|\n| `retry` | how many times a request that failed with an overloaded or rate-limit status is sent again |\n| depth | 3 |\n";

    #[test]
    fn a_table_that_fits_is_laid_out_at_its_natural_width() {
        let t = table("| a | long name |\n|---|---|\n| 1 | x |\n| 22 | yy |\n");
        let want = [
            "a  │ long name",
            "───┼──────────",
            "1  │ x        ",
            "22 │ yy       ",
        ];
        assert_eq!(text(&t.natural()), want);
        assert_eq!(text(&t.lines(14)), want);
        assert_eq!(t.lines(80), t.natural());
    }

    #[test]
    fn a_wide_table_shrinks_its_widest_column_and_wraps_its_cells() {
        let t = table(WIDE);
        for width in [80, 40, 24] {
            let lines = text(&t.lines(width));
            assert_grid(&lines, width);
            // The narrow first column keeps its width; the long cell wraps onto more lines.
            assert!(lines[0].starts_with("key   │ meaning"), "{lines:#?}");
            assert!(lines[2].starts_with("retry │ how many"), "{lines:#?}");
            let rule = &lines[1];
            assert_eq!(rule.width(), lines[0].width(), "{lines:#?}");
            assert!(rule.chars().all(|c| c == '─' || c == '┼'), "{rule}");
            assert!(lines.len() > 4, "{lines:#?}");
            assert!(lines.iter().any(|l| l.starts_with("depth │ 3")));
        }
        // The pane's whole width is used.
        assert!(text(&t.lines(40)).iter().any(|l| l.width() == 40));
    }

    #[test]
    fn columns_shrink_widest_first_and_not_below_the_minimum() {
        let long = "word ".repeat(20);
        let t = table(&format!(
            "| a | b | c |\n|---|---|---|\n| {} | {long} | {} |\n",
            "x".repeat(10),
            "y".repeat(30)
        ));
        let widths = t.column_widths(50).unwrap_or_default();
        assert_eq!(widths.iter().sum::<usize>() + 6, 50);
        // `b` and `c` share the ceiling; `a` is narrower by nature and keeps its width.
        assert_eq!(widths[0], 10);
        assert!(widths[1].abs_diff(widths[2]) <= 1, "{widths:?}");
        assert_eq!(t.column_widths(24), Some(vec![6, 6, 6]));
        assert_eq!(t.column_widths(23), None);
    }

    #[test]
    fn a_very_narrow_pane_shows_each_row_as_header_value_lines() {
        let t = table(
            "| name | size | kind |\n|---|---|---|\n| a.rs | 12 KB | source |\n| b.png | 3 MB | image |\n",
        );
        let lines = text(&t.lines(16));
        assert_eq!(
            lines,
            [
                "name: a.rs",
                "size: 12 KB",
                "kind: source",
                "────────",
                "name: b.png",
                "size: 3 MB",
                "kind: image",
            ]
        );
        for l in text(&t.lines(8)) {
            assert!(l.width() <= 8, "{l}");
        }
    }

    #[test]
    fn wide_characters_are_measured_by_their_display_width() {
        let t = table(
            "| 名前 | 説明 |\n|---|---|\n| 東京 | 日本の首都で、世界で最も人口の多い都市圏です。 |\n",
        );
        assert_eq!(text(&t.natural())[0].width(), 4 + 3 + 46);
        for width in [30, 20] {
            let lines = text(&t.lines(width));
            assert_grid(&lines, width);
            assert!(lines[2].starts_with("東京 │ 日本"), "{lines:#?}");
        }
    }

    #[test]
    fn alignment_and_styles_are_kept_inside_cells() {
        let t = table("| name | count |\n|:---|---:|\n| **bold** and `code` wrap here | 7 |\n");
        let lines = t.lines(21);
        assert_eq!(
            text(&lines),
            [
                "name          │ count",
                "──────────────┼──────",
                "bold and code │     7",
                "wrap here     │      ",
            ]
        );
        assert_eq!(text(&t.natural())[2], "bold and code wrap here │     7");
        let header = &lines[0].spans[0];
        assert!(header.style.add_modifier.contains(Modifier::BOLD));
        let bold = lines[2].spans.iter().find(|s| s.content == "bold");
        assert!(bold.is_some_and(|s| s.style.add_modifier.contains(Modifier::BOLD)));
        let code = lines[2].spans.iter().find(|s| s.content == "code");
        let code_style = Style::default().fg(Theme::plain().code);
        assert!(code.is_some_and(|s| s.style == code_style), "{lines:?}");
    }

    #[test]
    fn a_link_stays_in_its_cell() {
        let t = table("| site | note |\n|---|---|\n| [docs](https://x.io) | ok |\n");
        assert_eq!(text(&t.natural())[2], "docs (https://x.io) │ ok  ");
    }

    #[test]
    fn a_table_in_a_list_item_keeps_the_indent_on_every_line() {
        let t = table(&format!(
            "- intro\n\n  | a | b |\n  |---|---|\n  | x | {} |\n",
            "long ".repeat(10)
        ));
        let lines = text(&t.lines(30));
        for l in &lines {
            assert!(l.starts_with("  "), "{lines:#?}");
            assert!(l.width() <= 30, "{l}");
        }
    }

    #[test]
    fn the_layout_is_cached_per_width() {
        let rows = TableRows::new(0..4, table(WIDE));
        let at40 = rows.at(40);
        assert!(matches!(&*rows.laid.borrow(), Some((40, r)) if *r == at40));
        assert_eq!(rows.at(40), at40);
        let at80 = rows.at(80);
        assert_ne!(at80, at40);
        assert!(matches!(&*rows.laid.borrow(), Some((80, _))));
    }
}
