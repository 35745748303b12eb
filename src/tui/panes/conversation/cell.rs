//! History cells: what the conversation shows, one per user message, answer, thinking, tool
//! call or notice. Each renders to blocks of lines; blocks and their wrapped heights are cached
//! per cell and width, so a frame lays out only what it shows.

use std::cell::RefCell;

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use serde_json::Value;

use super::doc::{Chunk, ChunkScan, chunk_text, scan_chunks};
use super::tool_body;
use super::tool_view::summarize_args;
use crate::tui::config::theme::Theme;
use crate::tui::render::markdown::{self, Hangs, Tables};
use crate::tui::render::table::TableRows;
use crate::tui::render::wrap::{text_hang, wrap_hanging};

/// Output lines of a tool call shown in the conversation (the trace pane shows all).
const TOOL_PREVIEW_LINES: usize = 8;
/// Lines per block of plain text (user messages, thinking), so a huge paste wraps in pieces.
const PLAIN_BLOCK_LINES: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolStatus {
    Running,
    Ok,
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ToolCell {
    pub call_id: String,
    pub name: String,
    pub args: Value,
    pub output: String,
    pub status: ToolStatus,
    pub duration_ms: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeLevel {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CellKind {
    User {
        text: String,
    },
    Assistant {
        source: String,
        streaming: bool,
    },
    Thinking {
        text: String,
        streaming: bool,
    },
    Tool(ToolCell),
    Notice {
        level: NoticeLevel,
        text: String,
    },
    /// An image shown inline: `key` names the decoded picture the runtime draws over the
    /// rows the cell reserves.
    Image {
        label: String,
        width: u32,
        height: u32,
        key: Option<u64>,
    },
}

/// Lines that wrap as one paragraph, with their wrapped height cached per width.
#[derive(Debug)]
pub struct Block {
    /// The lines; a table's are its natural layout, replaced by `tables` when drawn.
    pub lines: Vec<Line<'static>>,
    /// Hanging indents of lines inside markdown lists and quotes (line index, spans).
    hangs: Hangs,
    /// Markdown tables among the lines, laid out (and cached) per width.
    tables: Vec<TableRows>,
    height: std::cell::Cell<(u16, usize)>,
    /// Set while the lines are a markdown chunk's layout with its code uncoloured: the chunk
    /// is rendered again, highlighted, only when the block is drawn.
    colour: Option<Recolour>,
}

/// How to render an answer's chunk again in colour: the same rows, the code highlighted.
#[derive(Debug)]
struct Recolour {
    chunk: Chunk,
    /// A blank line before the chunk (the gap to the chunk above).
    gap: bool,
    /// The cell's last block: "…" if the answer shows nothing yet, and a blank line after.
    last: Option<Waiting>,
}

/// Whether an answer's last block shows "…" when it renders to nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Waiting {
    Dots,
    No,
}

impl Block {
    pub fn new(lines: Vec<Line<'static>>) -> Block {
        Block::markdown(lines, Vec::new(), Vec::new())
    }

    pub fn markdown(lines: Vec<Line<'static>>, hangs: Hangs, tables: Tables) -> Block {
        Block {
            lines,
            hangs,
            tables: tables
                .into_iter()
                .map(|(range, t)| TableRows::new(range, t))
                .collect(),
            height: std::cell::Cell::new((0, 0)),
            colour: None,
        }
    }

    /// The block of an answer's `chunk`: laid out with its code uncoloured, highlighted when
    /// drawn (see [`Block::colour`]), so chunks that scroll by unseen are never highlighted.
    fn answer_chunk(
        source: &str,
        chunk: Chunk,
        gap: bool,
        last: Option<Waiting>,
        theme: &Theme,
    ) -> Block {
        let redo = Recolour { chunk, gap, last };
        let (mut block, uncoloured) = redo.render(source, theme, false);
        if uncoloured {
            block.colour = Some(redo);
        }
        block
    }

    /// Highlights the block's code if it was left uncoloured; its rows stay the same.
    fn colour(&mut self, source: &str, theme: &Theme) {
        if let Some(redo) = self.colour.take() {
            let (coloured, _) = redo.render(source, theme, true);
            self.lines = coloured.lines;
            self.hangs = coloured.hangs;
            self.tables = coloured.tables;
        }
    }

    /// The rows at `width` when the block has hanging indents or tables (else the paragraph
    /// wraps).
    pub fn wrapped(&self, width: u16) -> Option<Vec<Line<'static>>> {
        if self.hangs.is_empty() && self.tables.is_empty() {
            return None;
        }
        let mut hangs = self.hangs.iter().peekable();
        let mut tables = self.tables.iter().peekable();
        let mut out = Vec::with_capacity(self.lines.len());
        let mut i = 0;
        while let Some(line) = self.lines.get(i) {
            if let Some(t) = tables.next_if(|t| t.lines.start == i) {
                out.extend(t.at(width));
                i = t.lines.end;
                continue;
            }
            while hangs.next_if(|(j, _)| *j < i).is_some() {}
            let hang = hangs.next_if(|(j, _)| *j == i).map(|(_, h)| h.as_slice());
            out.extend(wrap_hanging(line, width, hang.unwrap_or_default()));
            i += 1;
        }
        Some(out)
    }

    /// Rows the block takes at `width`.
    pub fn height(&self, width: u16) -> usize {
        let (w, h) = self.height.get();
        if w == width && width != 0 {
            return h;
        }
        let h = self.count_rows(width.max(1));
        self.height.set((width, h));
        h
    }

    /// The rows of [`Block::wrapped`] (or of the wrapped paragraph) at `width`, counted line
    /// by line: a line that surely fits takes one row and is not wrapped to know it.
    fn count_rows(&self, width: u16) -> usize {
        let paragraph = self.hangs.is_empty() && self.tables.is_empty();
        let mut hangs = self.hangs.iter().peekable();
        let mut tables = self.tables.iter().peekable();
        let mut rows = 0;
        let mut i = 0;
        while let Some(line) = self.lines.get(i) {
            if let Some(t) = tables.next_if(|t| t.lines.start == i) {
                rows += t.rows(width);
                i = t.lines.end;
                continue;
            }
            while hangs.next_if(|(j, _)| *j < i).is_some() {}
            let hang = hangs.next_if(|(j, _)| *j == i).map(|(_, h)| h.as_slice());
            rows += if fits_one_row(line, width) {
                1
            } else if paragraph {
                Paragraph::new(line.clone())
                    .wrap(Wrap { trim: false })
                    .line_count(width)
            } else {
                wrap_hanging(line, width, hang.unwrap_or_default()).len()
            };
            i += 1;
        }
        rows
    }
}

/// Whether `line` surely takes a single row at `width`: its columns counted from above, a
/// printable ASCII character as one and any other as four (no character or cluster is wider
/// than three columns in unicode-width).
fn fits_one_row(line: &Line<'_>, width: u16) -> bool {
    let mut cols = 0usize;
    for span in &line.spans {
        let text = span.content.as_ref();
        cols += if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            text.len()
        } else {
            4 * text.chars().count()
        };
        if cols > usize::from(width) {
            return false;
        }
    }
    true
}

impl Recolour {
    /// The chunk's block, and whether its code was left uncoloured (only when `colour` is off).
    fn render(&self, source: &str, theme: &Theme, colour: bool) -> (Block, bool) {
        let mut lines = Vec::new();
        if self.gap {
            lines.push(Line::default());
        }
        let text = chunk_text(source, &self.chunk);
        let (doc, uncoloured) = if self.chunk.end <= self.chunk.start {
            // An empty tail (even inside a fence) shows nothing.
            (markdown::Document::default(), false)
        } else if colour {
            (markdown::render_document(&text, theme), false)
        } else {
            markdown::layout_document(&text, theme)
        };
        let (hangs, tables) = push_document(&mut lines, doc);
        if let Some(waiting) = self.last {
            if waiting == Waiting::Dots && lines.is_empty() {
                lines.push(Line::styled("…", theme.dim()));
            }
            lines.push(Line::default());
        }
        (Block::markdown(lines, hangs, tables), uncoloured)
    }
}

/// What each history cell keeps of its rendering (many cells are never drawn: keep it small).
#[derive(Debug, Default)]
struct Cache {
    /// (cell revision, style generation) the blocks were made for.
    key: Option<(u64, u64)>,
    /// Stable markdown blocks of a streaming answer and where their scan stopped.
    stable: Vec<Block>,
    scan: ChunkScan,
    /// The width `ends` are for, and the row each stable block ends at (a running sum), so
    /// a frame finds its rows without walking every block of a long answer.
    ends_width: u16,
    ends: Vec<usize>,
    /// The blocks after the stable ones (all of them for cells that are not answers).
    rest: Vec<Block>,
}

impl Cache {
    /// The rows of the stable blocks at `width`, the new blocks' running sums added first.
    fn stable_rows(&mut self, width: u16) -> usize {
        if self.ends_width != width || self.ends.len() > self.stable.len() {
            self.ends.clear();
            self.ends_width = width;
        }
        let mut total = self.ends.last().copied().unwrap_or(0);
        for b in &self.stable[self.ends.len()..] {
            total += b.height(width);
            self.ends.push(total);
        }
        total
    }
}

/// One history cell.
#[derive(Debug)]
pub struct Cell {
    pub kind: CellKind,
    /// Bumped on every change, so the cache knows to re-render.
    pub rev: u64,
    /// Whether the cell shows its full content (tool output, thinking).
    pub expanded: bool,
    cache: RefCell<Cache>,
}

impl Cell {
    pub fn new(kind: CellKind) -> Cell {
        Cell {
            kind,
            rev: 0,
            expanded: false,
            cache: RefCell::new(Cache::default()),
        }
    }

    pub fn touch(&mut self) {
        self.rev += 1;
    }

    /// The cache, its blocks rendered first if the cell changed.
    fn cache(&self, theme: &Theme, style_gen: u64) -> std::cell::RefMut<'_, Cache> {
        let mut cache = self.cache.borrow_mut();
        let key = (self.rev, style_gen);
        if cache.key != Some(key) {
            if cache.key.map(|k| k.1) != Some(style_gen) {
                cache.stable.clear();
                cache.scan = ChunkScan::default();
            }
            self.render_into(&mut cache, theme);
            cache.key = Some(key);
        }
        cache
    }

    /// The source of an answer (what its chunks are cut from).
    fn source(&self) -> &str {
        match &self.kind {
            CellKind::Assistant { source, .. } => source,
            _ => "",
        }
    }

    /// Calls `f` with all the cell's blocks, highlighted.
    #[cfg(test)]
    pub fn with_blocks<R>(
        &self,
        theme: &Theme,
        style_gen: u64,
        f: impl FnOnce(&[&Block]) -> R,
    ) -> R {
        let mut cache = self.cache(theme, style_gen);
        let cache = &mut *cache;
        for b in cache.stable.iter_mut().chain(cache.rest.iter_mut()) {
            b.colour(self.source(), theme);
        }
        let all: Vec<&Block> = cache.stable.iter().chain(cache.rest.iter()).collect();
        f(&all)
    }

    /// Calls `f(block, skip, take)` for each block that shows in rows `skip..skip + rows` of
    /// the cell at `width`, in order: skip `skip` rows of the block, show `take`. Only those
    /// blocks are highlighted, and finding them does not walk the blocks above.
    pub fn with_rows(
        &self,
        theme: &Theme,
        style_gen: u64,
        width: u16,
        skip: usize,
        rows: usize,
        mut f: impl FnMut(&Block, usize, usize),
    ) {
        let mut cache = self.cache(theme, style_gen);
        let cache = &mut *cache;
        let stable_rows = cache.stable_rows(width);
        // The first stable block that ends below `skip`, and the rows above it.
        let first = cache.ends.partition_point(|&end| end <= skip);
        let above = first
            .checked_sub(1)
            .and_then(|i| cache.ends.get(i))
            .copied()
            .unwrap_or(0);
        let mut skip = if first < cache.stable.len() {
            skip - above
        } else {
            skip.saturating_sub(stable_rows)
        };
        let mut rows = rows;
        let source = self.source();
        let from = first.min(cache.stable.len());
        for b in cache.stable[from..].iter_mut().chain(cache.rest.iter_mut()) {
            if rows == 0 {
                break;
            }
            let h = b.height(width);
            if skip >= h {
                skip -= h;
                continue;
            }
            let take = (h - skip).min(rows);
            b.colour(source, theme);
            f(b, skip, take);
            rows -= take;
            skip = 0;
        }
    }

    /// Blocks laid out but not highlighted yet, and all blocks.
    #[cfg(test)]
    pub fn uncoloured_blocks(&self) -> (usize, usize) {
        let cache = self.cache.borrow();
        let all = cache.stable.iter().chain(cache.rest.iter());
        let waiting = all.filter(|b| b.colour.is_some()).count();
        (waiting, cache.stable.len() + cache.rest.len())
    }

    /// Rows the cell takes at `width` (its trailing blank line included).
    pub fn height(&self, theme: &Theme, style_gen: u64, width: u16) -> usize {
        let mut cache = self.cache(theme, style_gen);
        let stable = cache.stable_rows(width);
        stable + cache.rest.iter().map(|b| b.height(width)).sum::<usize>()
    }

    fn render_into(&self, cache: &mut Cache, theme: &Theme) {
        cache.rest.clear();
        match &self.kind {
            CellKind::Assistant { source, streaming } => {
                // While streaming only whole lines are shown (no half-rendered markdown).
                let end = if *streaming {
                    source.rfind('\n').map_or(0, |i| i + 1)
                } else {
                    source.len()
                };
                if cache.scan.offset > end {
                    cache.stable.clear();
                    cache.scan = ChunkScan::default();
                }
                for chunk in scan_chunks(source, end, &mut cache.scan) {
                    let gap = chunk.gap_before && !cache.stable.is_empty();
                    let block = Block::answer_chunk(source, chunk, gap, None, theme);
                    cache.stable.push(block);
                }
                let tail = cache.scan.tail(end);
                let waiting = if *streaming && cache.stable.is_empty() {
                    Waiting::Dots
                } else {
                    Waiting::No
                };
                let gap = tail.gap_before && !cache.stable.is_empty() && tail.end > tail.start;
                let block = Block::answer_chunk(source, tail, gap, Some(waiting), theme);
                cache.rest.push(block);
            }
            CellKind::User { text } => {
                let style = Style::default().fg(theme.user);
                let bar = Span::styled("▌ ", style.add_modifier(Modifier::BOLD));
                // The bar goes down the whole prompt, wrapped rows included.
                let lines: Vec<&str> = text.split('\n').collect();
                for piece in lines.chunks(PLAIN_BLOCK_LINES) {
                    let rows = piece
                        .iter()
                        .map(|l| Line::from(vec![bar.clone(), Span::styled(l.to_string(), style)]))
                        .collect();
                    let hangs = (0..piece.len()).map(|i| (i, vec![bar.clone()])).collect();
                    cache.rest.push(Block::markdown(rows, hangs, Vec::new()));
                }
                cache.rest.push(Block::new(vec![Line::default()]));
            }
            CellKind::Thinking { text, streaming } => {
                let style = Style::default()
                    .fg(theme.thinking)
                    .add_modifier(Modifier::ITALIC);
                let n = text.lines().count();
                if self.expanded {
                    cache
                        .rest
                        .push(Block::new(vec![Line::styled("▾ thinking", style)]));
                    plain_blocks(&mut cache.rest, text, 2, |l| {
                        Line::styled(format!("  {l}"), style)
                    });
                } else {
                    let what = if *streaming {
                        "thinking…"
                    } else {
                        "thinking"
                    };
                    cache.rest.push(Block::new(vec![Line::styled(
                        format!("▸ {what} ({})", crate::text::count(n, "line", "lines")),
                        style,
                    )]));
                }
                cache.rest.push(Block::new(vec![Line::default()]));
            }
            CellKind::Tool(t) => {
                let (dot, color) = match t.status {
                    ToolStatus::Running => ("◌", theme.tool),
                    ToolStatus::Ok => ("●", theme.tool_ok),
                    ToolStatus::Error => ("●", theme.tool_error),
                };
                let mut head = vec![
                    Span::styled(format!("{dot} "), Style::default().fg(color)),
                    Span::styled(
                        t.name.clone(),
                        Style::default().fg(theme.tool).add_modifier(Modifier::BOLD),
                    ),
                    Span::raw(" "),
                    Span::raw(summarize_args(&t.name, &t.args)),
                ];
                let body = tool_body::body(t, self.expanded, theme);
                if !body.badge.is_empty() {
                    head.push(Span::raw("  "));
                    head.extend(body.badge);
                }
                if let Some(ms) = t.duration_ms {
                    head.push(Span::styled(format!("  {}", duration(ms)), theme.dim()));
                }
                // Wrapped rows keep their place: the head's under the name, the output's
                // behind the gutter.
                let indent = vec![Span::raw("  ")];
                let mut lines = vec![Line::from(head)];
                let mut hangs: Hangs = vec![(0, indent.clone())];
                let out = body.lines;
                let shown = if self.expanded {
                    out.len()
                } else {
                    TOOL_PREVIEW_LINES
                };
                let hidden = out.len().saturating_sub(shown);
                let gutter = Span::styled("  │ ", Style::default().fg(theme.border));
                for l in out.into_iter().take(shown) {
                    let mut spans = vec![gutter.clone()];
                    spans.extend(l.spans);
                    hangs.push((lines.len(), vec![gutter.clone()]));
                    lines.push(Line::from(spans));
                }
                if hidden > 0 {
                    lines.push(Line::styled(
                        format!(
                            "  … {hidden} more {} (select it and Enter unfolds; Tools: Enter shows all)",
                            crate::tui::render::noun(hidden, "line", "lines")
                        ),
                        theme.dim(),
                    ));
                    hangs.push((lines.len() - 1, indent));
                }
                lines.push(Line::default());
                cache.rest.push(Block::markdown(lines, hangs, Vec::new()));
            }
            CellKind::Notice { level, text } => {
                let (mark, color) = match level {
                    NoticeLevel::Info => ("·", theme.dim),
                    NoticeLevel::Warning => ("!", theme.notice),
                    NoticeLevel::Error => ("✗", theme.error),
                };
                let style = Style::default().fg(color);
                let mut hangs: Hangs = Vec::new();
                let mut lines: Vec<Line<'static>> = Vec::new();
                for (i, l) in text.lines().enumerate() {
                    let m = if i == 0 { mark } else { " " };
                    // Wrapped rows stay right of the mark, under the line's own indent.
                    hangs.push((i, text_hang(l, 2)));
                    lines.push(Line::styled(format!("{m} {l}"), style));
                }
                lines.push(Line::default());
                cache.rest.push(Block::markdown(lines, hangs, Vec::new()));
            }
            CellKind::Image {
                label,
                width,
                height,
                key,
            } => {
                let mut lines = vec![Line::styled(
                    format!("▣ image {label} ({width}×{height})"),
                    Style::default().fg(theme.accent),
                )];
                if key.is_some() {
                    lines.extend((0..image_rows(*width, *height)).map(|_| Line::raw(" ")));
                }
                lines.push(Line::default());
                cache.rest.push(Block::new(lines));
            }
        }
    }

    /// The text to copy for this cell.
    pub fn copy_text(&self) -> String {
        match &self.kind {
            CellKind::User { text } | CellKind::Thinking { text, .. } => text.clone(),
            CellKind::Assistant { source, .. } => source.clone(),
            CellKind::Tool(t) => without_ansi(&t.output),
            CellKind::Notice { text, .. } => text.clone(),
            CellKind::Image { label, .. } => label.clone(),
        }
    }
}

/// Tool output as plain text: its ANSI colours dropped.
fn without_ansi(text: &str) -> String {
    use ansi_to_tui::IntoText;
    match text.as_bytes().into_text() {
        Ok(t) => markdown::plain(&t.lines),
        Err(_) => text.to_string(),
    }
}

/// Rows an inline image takes: its aspect at cells about twice as tall as wide, 4 to 16 rows.
pub fn image_rows(width: u32, height: u32) -> usize {
    let cols = 40.0;
    let rows = cols * height as f64 / width.max(1) as f64 / 2.0;
    (rows.round() as usize).clamp(4, 16)
}

/// Plain text in blocks of [`PLAIN_BLOCK_LINES`], each line drawn by `line` after a prefix
/// `prefix` columns wide; wrapped rows hang under the line's text.
fn plain_blocks(
    out: &mut Vec<Block>,
    text: &str,
    prefix: usize,
    line: impl Fn(&str) -> Line<'static>,
) {
    let lines: Vec<&str> = text.split('\n').collect();
    for piece in lines.chunks(PLAIN_BLOCK_LINES) {
        let rows = piece.iter().map(|l| line(l)).collect();
        let hangs = piece
            .iter()
            .enumerate()
            .map(|(i, l)| (i, text_hang(l, prefix)))
            .collect();
        out.push(Block::markdown(rows, hangs, Vec::new()));
    }
}

/// "850 ms", "2.4 s", "3 m 5 s".
pub fn duration(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else {
        format!("{} m {} s", ms / 60_000, (ms % 60_000) / 1000)
    }
}

/// Appends rendered markdown to `lines`; returns its hanging indents and tables, indexed in
/// `lines`.
fn push_document(lines: &mut Vec<Line<'static>>, doc: markdown::Document) -> (Hangs, Tables) {
    let base = lines.len();
    lines.extend(doc.lines);
    let hangs = doc.hangs.into_iter().map(|(i, h)| (base + i, h)).collect();
    let tables = doc
        .tables
        .into_iter()
        .map(|(r, t)| (base + r.start..base + r.end, t))
        .collect();
    (hangs, tables)
}
