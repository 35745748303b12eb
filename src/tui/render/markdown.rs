//! Markdown to ratatui lines: headings, emphasis, lists, tables, block quotes, links, rules and
//! code blocks (highlighted by [`crate::tui::render::highlight`]). Wrapping is left to the paragraph that
//! shows the lines, so the output does not depend on the width; tables come with their cells
//! too ([`render_document`]), to be laid out at the width they are drawn at.

use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use crate::tui::config::theme::Theme;
use crate::tui::render::highlight;
use crate::tui::render::table::{CellSpans, Table};

/// Renders `src` as lines.
pub fn render(src: &str, theme: &Theme) -> Vec<Line<'static>> {
    render_document(src, theme).lines
}

/// Renders `src` as lines, with the hanging indent of each line inside a list item or a
/// quote (line index, spans its wrapped rows start with).
pub fn render_hanging(src: &str, theme: &Theme) -> (Vec<Line<'static>>, Hangs) {
    let doc = render_document(src, theme);
    (doc.lines, doc.hangs)
}

/// Rendered markdown: its lines (tables at their natural width), the hanging indents of the
/// lines in lists and quotes, and the tables with the lines they take.
#[derive(Debug, Default)]
pub struct Document {
    pub lines: Vec<Line<'static>>,
    pub hangs: Hangs,
    pub tables: Tables,
}

/// Tables by the range of lines their natural layout takes.
pub type Tables = Vec<(Range<usize>, Table)>;

/// Renders `src` as a [`Document`].
pub fn render_document(src: &str, theme: &Theme) -> Document {
    render_with(src, theme, true).0
}

/// Renders `src` for layout: the lines of [`render_document`] with the code blocks left
/// uncoloured (highlighting is most of the cost of rendering), text for text and row for row
/// the same, so the heights are too. Also says whether a code block may have been coloured
/// by `render_document`, i.e. whether it is still needed for drawing.
pub fn layout_document(src: &str, theme: &Theme) -> (Document, bool) {
    render_with(src, theme, false)
}

fn render_with(src: &str, theme: &Theme, colour_code: bool) -> (Document, bool) {
    let mut r = Renderer::new(theme);
    r.colour_code = colour_code;
    let opts = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    for ev in Parser::new_ext(src, opts) {
        r.event(ev);
    }
    let uncoloured = r.uncoloured;
    (r.finish(), uncoloured)
}

/// Hanging indents by line index.
pub type Hangs = Vec<(usize, Vec<Span<'static>>)>;

enum Container {
    Quote,
    Item { marker: String, first: bool },
}

/// A table being read: the cell and the row not finished yet.
struct OpenTable {
    table: Table,
    cell: CellSpans,
    row: Vec<CellSpans>,
}

struct Renderer<'t> {
    theme: &'t Theme,
    lines: Vec<Line<'static>>,
    hangs: Hangs,
    cur: Vec<Span<'static>>,
    styles: Vec<Style>,
    containers: Vec<Container>,
    lists: Vec<Option<u64>>,
    code: Option<(String, String)>,
    table: Option<OpenTable>,
    tables: Tables,
    links: Vec<(String, usize)>,
    needs_blank: bool,
    /// Whether code blocks are highlighted; else they are left plain, see `uncoloured`.
    colour_code: bool,
    /// A code block was left plain that highlighting may colour.
    uncoloured: bool,
}

impl<'t> Renderer<'t> {
    fn new(theme: &'t Theme) -> Self {
        Renderer {
            theme,
            lines: Vec::new(),
            hangs: Vec::new(),
            cur: Vec::new(),
            styles: vec![Style::default()],
            containers: Vec::new(),
            lists: Vec::new(),
            code: None,
            table: None,
            tables: Vec::new(),
            links: Vec::new(),
            needs_blank: false,
            colour_code: true,
            uncoloured: false,
        }
    }

    fn style(&self) -> Style {
        self.styles.last().copied().unwrap_or_default()
    }

    fn push_style(&mut self, f: impl FnOnce(Style) -> Style) {
        let s = f(self.style());
        self.styles.push(s);
    }

    fn pop_style(&mut self) {
        if self.styles.len() > 1 {
            self.styles.pop();
        }
    }

    /// The spans that start a line inside the current containers.
    fn prefix(&mut self) -> Vec<Span<'static>> {
        let quote = Style::default().fg(self.theme.quote);
        let mut out = Vec::new();
        for c in &mut self.containers {
            match c {
                Container::Quote => out.push(Span::styled("│ ", quote)),
                Container::Item { marker, first } => {
                    if *first {
                        out.push(Span::styled(
                            marker.clone(),
                            Style::default().fg(self.theme.accent),
                        ));
                        *first = false;
                    } else {
                        out.push(Span::raw(" ".repeat(marker.width())));
                    }
                }
            }
        }
        out
    }

    /// What the wrapped rows of a line inside the current containers start with.
    fn hang(&self) -> Vec<Span<'static>> {
        let quote = Style::default().fg(self.theme.quote);
        let mut out = Vec::new();
        for c in &self.containers {
            match c {
                Container::Quote => out.push(Span::styled("│ ", quote)),
                Container::Item { marker, .. } => out.push(Span::raw(" ".repeat(marker.width()))),
            }
        }
        out
    }

    fn flush(&mut self) {
        if self.cur.is_empty() {
            return;
        }
        let hang = self.hang();
        if !hang.is_empty() {
            self.hangs.push((self.lines.len(), hang));
        }
        let mut spans = self.prefix();
        spans.append(&mut self.cur);
        self.lines.push(Line::from(spans));
    }

    fn start_block(&mut self) {
        self.flush();
        if self.needs_blank && !self.lines.is_empty() {
            let quotes = self
                .containers
                .iter()
                .filter(|c| matches!(c, Container::Quote))
                .count();
            let quote = Style::default().fg(self.theme.quote);
            let spans: Vec<Span<'static>> = (0..quotes).map(|_| Span::styled("│", quote)).collect();
            self.lines.push(Line::from(spans));
        }
        self.needs_blank = false;
    }

    /// Where inline spans go: the current table cell, or the current line.
    fn inline(&mut self) -> &mut Vec<Span<'static>> {
        match &mut self.table {
            Some(t) => &mut t.cell,
            None => &mut self.cur,
        }
    }

    fn text(&mut self, text: &str) {
        let style = self.style();
        if let Some(t) = &mut self.table {
            t.cell.push(Span::styled(text.to_string(), style));
            return;
        }
        let mut first = true;
        for part in text.split('\n') {
            if !first {
                self.flush();
            }
            first = false;
            if !part.is_empty() {
                self.cur.push(Span::styled(part.to_string(), style));
            }
        }
    }

    fn event(&mut self, ev: Event<'_>) {
        if let Some((_, buf)) = &mut self.code {
            match ev {
                Event::Text(t) => buf.push_str(&t),
                Event::End(TagEnd::CodeBlock) => self.end_code(),
                _ => {}
            }
            return;
        }
        match ev {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => self.text(&t),
            Event::Code(t) => {
                let s = Style::default().fg(self.theme.code);
                self.inline().push(Span::styled(t.to_string(), s));
            }
            Event::InlineMath(t) | Event::DisplayMath(t) => self.text(&t),
            Event::Html(t) | Event::InlineHtml(t) => {
                self.push_style(|s| s.fg(self.theme.dim));
                self.text(t.trim_end_matches('\n'));
                self.pop_style();
            }
            Event::FootnoteReference(name) => self.text(&format!("[^{name}]")),
            Event::SoftBreak | Event::HardBreak => {
                if let Some(t) = &mut self.table {
                    t.cell.push(Span::raw(" "));
                } else {
                    self.flush();
                }
            }
            Event::Rule => {
                self.start_block();
                self.cur
                    .push(Span::styled("─".repeat(24), self.theme.dim()));
                self.flush();
                self.needs_blank = true;
            }
            Event::TaskListMarker(done) => {
                let mark = if done { "[x] " } else { "[ ] " };
                self.cur
                    .push(Span::styled(mark, Style::default().fg(self.theme.accent)));
            }
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph => self.start_block(),
            Tag::Heading { level, .. } => {
                self.start_block();
                let n = heading_level(level);
                let mut s = Style::default()
                    .fg(self.theme.heading)
                    .add_modifier(Modifier::BOLD);
                if n == 1 {
                    s = s.add_modifier(Modifier::UNDERLINED);
                }
                self.cur.push(Span::styled(
                    format!("{} ", "#".repeat(n)),
                    self.theme.dim(),
                ));
                self.styles.push(s);
            }
            Tag::BlockQuote(_) => {
                self.start_block();
                self.containers.push(Container::Quote);
                self.push_style(|s| s.add_modifier(Modifier::ITALIC));
            }
            Tag::CodeBlock(kind) => {
                self.start_block();
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split([' ', ',', '{']).next().unwrap_or("").to_string()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((lang, String::new()));
            }
            Tag::List(start) => {
                if self.lists.is_empty() {
                    self.start_block();
                } else {
                    self.flush();
                }
                self.lists.push(start);
            }
            Tag::Item => {
                self.flush();
                let depth = self.lists.len().saturating_sub(1);
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        let m = format!("{n}. ");
                        *n += 1;
                        m
                    }
                    _ => ["• ", "◦ ", "▪ "][depth % 3].to_string(),
                };
                self.containers.push(Container::Item {
                    marker,
                    first: true,
                });
            }
            Tag::Table(aligns) => {
                self.start_block();
                let border = Style::default().fg(self.theme.border);
                self.table = Some(OpenTable {
                    table: Table::new(&aligns, border),
                    cell: Vec::new(),
                    row: Vec::new(),
                });
            }
            Tag::TableHead => self.push_style(|s| s.add_modifier(Modifier::BOLD)),
            Tag::TableRow | Tag::TableCell => {}
            Tag::Emphasis => self.push_style(|s| s.add_modifier(Modifier::ITALIC)),
            Tag::Strong => self.push_style(|s| s.add_modifier(Modifier::BOLD)),
            Tag::Strikethrough => self.push_style(|s| s.add_modifier(Modifier::CROSSED_OUT)),
            Tag::Link { dest_url, .. } => {
                let at = self.inline().len();
                self.links.push((dest_url.to_string(), at));
                self.push_style(|s| s.fg(self.theme.link).add_modifier(Modifier::UNDERLINED));
            }
            Tag::Image { dest_url, .. } => {
                let at = self.inline().len();
                self.links.push((dest_url.to_string(), at));
                self.text("[image: ");
            }
            Tag::FootnoteDefinition(name) => {
                self.start_block();
                self.text(&format!("[^{name}]: "));
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => {
                self.flush();
                self.needs_blank = true;
            }
            TagEnd::Heading(_) => {
                self.pop_style();
                self.flush();
                self.needs_blank = true;
            }
            TagEnd::BlockQuote(_) => {
                self.flush();
                self.pop_style();
                self.containers.pop();
                self.needs_blank = true;
            }
            TagEnd::List(_) => {
                self.flush();
                self.lists.pop();
                self.needs_blank = true;
            }
            TagEnd::Item => {
                self.flush();
                self.containers.pop();
            }
            TagEnd::Table => self.end_table(),
            TagEnd::TableHead => {
                self.pop_style();
                if let Some(t) = &mut self.table {
                    let row = std::mem::take(&mut t.row);
                    t.table.rows.push(row);
                    t.table.header_rows = t.table.rows.len();
                }
            }
            TagEnd::TableRow => {
                if let Some(t) = &mut self.table {
                    let row = std::mem::take(&mut t.row);
                    t.table.rows.push(row);
                }
            }
            TagEnd::TableCell => {
                if let Some(t) = &mut self.table {
                    let cell = std::mem::take(&mut t.cell);
                    t.row.push(cell);
                }
            }
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => self.pop_style(),
            TagEnd::Link => {
                self.pop_style();
                if let Some((url, at)) = self.links.pop() {
                    let dim = self.theme.dim();
                    let spans = self.inline();
                    let shown: String = spans[at.min(spans.len())..]
                        .iter()
                        .map(|s| s.content.as_ref())
                        .collect();
                    if !url.is_empty() && shown != url && !url.starts_with('#') {
                        spans.push(Span::styled(format!(" ({url})"), dim));
                    }
                }
            }
            TagEnd::Image => {
                self.links.pop();
                self.text("]");
            }
            TagEnd::FootnoteDefinition => {
                self.flush();
                self.needs_blank = true;
            }
            _ => {}
        }
    }

    fn end_code(&mut self) {
        let Some((lang, code)) = self.code.take() else {
            return;
        };
        let gutter = Style::default().fg(self.theme.border);
        // Highlighting keeps the text of each line, except that it drops carriage returns.
        let lines = if self.colour_code || code.contains('\r') {
            highlight::highlight(&code, &lang, &self.theme.code_theme)
        } else {
            self.uncoloured |= highlight::may_colour(&code, &lang);
            highlight::plain(&code)
        };
        for line in lines {
            self.cur.push(Span::styled("▎ ", gutter));
            self.cur.extend(line.spans);
            if self.cur.len() == 1 {
                // An empty code line still takes a row.
                self.cur.push(Span::raw(""));
            }
            self.flush();
        }
        self.needs_blank = true;
    }

    /// Adds the table at its natural width and keeps its cells, to be laid out per width.
    fn end_table(&mut self) {
        let Some(open) = self.table.take() else {
            return;
        };
        self.flush();
        let mut table = open.table;
        table.first = self.prefix();
        table.hang = self.hang();
        let start = self.lines.len();
        self.lines.extend(table.natural());
        if self.lines.len() > start {
            self.tables.push((start..self.lines.len(), table));
        }
        self.needs_blank = true;
    }

    fn finish(mut self) -> Document {
        if self.code.is_some() {
            self.end_code();
        }
        if self.table.is_some() {
            self.end_table();
        }
        self.flush();
        Document {
            lines: self.lines,
            hangs: self.hangs,
            tables: self.tables,
        }
    }
}

fn heading_level(level: HeadingLevel) -> usize {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// The plain text of lines (for tests and copying).
pub fn plain(lines: &[Line<'_>]) -> String {
    lines
        .iter()
        .map(|l| {
            l.spans
                .iter()
                .map(|s| s.content.as_ref())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
#[path = "markdown_tests.rs"]
mod tests;
