use super::*;

fn theme() -> Theme {
    Theme::plain()
}

fn filled(n: usize) -> Conversation {
    let mut c = Conversation::default();
    for i in 0..n {
        c.push(CellKind::User {
            text: format!("message {i}"),
        });
    }
    c
}

#[test]
fn follow_shows_the_last_rows() {
    // Each user cell is 2 rows (text + blank).
    let c = filled(10);
    let v = c.visible(&theme(), 40, 5);
    assert_eq!(
        v,
        vec![
            Slice {
                cell: 7,
                skip: 1,
                rows: 1
            },
            Slice {
                cell: 8,
                skip: 0,
                rows: 2
            },
            Slice {
                cell: 9,
                skip: 0,
                rows: 2
            },
        ]
    );
}

#[test]
fn scrolling_up_anchors_and_appending_keeps_the_view() {
    let mut c = filled(10);
    let t = theme();
    c.scroll_by(-3, &t, 40, 5);
    assert_eq!(c.scroll, Scroll::At { cell: 6, row: 0 });
    c.push(CellKind::User { text: "new".into() });
    assert_eq!(c.visible(&t, 40, 5)[0].cell, 6);
    c.scroll_by(100, &t, 40, 5);
    assert_eq!(c.scroll, Scroll::Follow);
}

#[test]
fn scrolling_stops_at_the_top() {
    let mut c = filled(3);
    let t = theme();
    c.scroll_by(-100, &t, 40, 2);
    assert_eq!(c.scroll, Scroll::At { cell: 0, row: 0 });
}

#[test]
fn streaming_answer_commits_whole_lines() {
    let mut c = Conversation::default();
    let t = theme();
    c.text_delta("Hello wor");
    let text = |c: &Conversation| {
        c.cells[0].with_blocks(&t, c.style_gen, |b| {
            crate::tui::render::markdown::plain(
                &b.iter().flat_map(|b| b.lines.clone()).collect::<Vec<_>>(),
            )
        })
    };
    assert_eq!(text(&c), "…\n");
    c.text_delta("ld\nsecond li");
    assert_eq!(text(&c), "Hello world\n");
    c.answer_finished("Hello world\nsecond line");
    assert_eq!(text(&c), "Hello world\nsecond line\n");
}

#[test]
fn tool_calls_update_in_place() {
    let mut c = Conversation::default();
    c.text_delta("Let me look.\n");
    c.tool_started("c1", "bash", serde_json::json!({"command": "ls"}));
    c.tool_output("c1", "a\n");
    c.tool_finished("c1", false, "a\nb\n", 12);
    assert_eq!(c.cells.len(), 2);
    let CellKind::Tool(tool) = &c.cells[1].kind else {
        panic!("not a tool cell")
    };
    assert_eq!(tool.status, ToolStatus::Ok);
    assert_eq!(tool.output, "a\nb\n");
    assert!(matches!(
        c.cells[0].kind,
        CellKind::Assistant {
            streaming: false,
            ..
        }
    ));
}

fn rows(c: &Conversation, i: usize, width: u16) -> Vec<String> {
    let t = theme();
    c.cells[i].with_blocks(&t, c.style_gen, |blocks| {
        blocks
            .iter()
            .flat_map(|b| {
                b.wrapped(width)
                    .unwrap_or_else(|| b.lines.clone())
                    .into_iter()
                    .map(|l| l.to_string())
            })
            .collect()
    })
}

const WIDE_TABLE: &str = "Settings:\n\n| key | meaning |\n|---|---|\n| retry | how many times a failed request is sent again before the turn gives up |\n\nDone.";

#[test]
fn a_table_is_laid_out_at_the_width_it_is_drawn_at() {
    let mut c = Conversation::default();
    c.answer_finished(WIDE_TABLE);
    let t = theme();
    let narrow = rows(&c, 0, 40);
    assert_eq!(
        narrow[2..7],
        [
            "key   │ meaning                         ",
            "──────┼─────────────────────────────────",
            "retry │ how many times a failed request ",
            "      │ is sent again before the turn   ",
            "      │ gives up                        ",
        ]
    );
    assert_eq!(c.cells[0].height(&t, c.style_gen, 40), narrow.len());
    // Resized: laid out again, and the height follows.
    let wide = rows(&c, 0, 100);
    assert_eq!(wide.len(), narrow.len() - 2);
    assert_eq!(c.cells[0].height(&t, c.style_gen, 100), wide.len());
    assert_eq!(c.cells[0].height(&t, c.style_gen, 40), narrow.len());
}

#[test]
fn a_streaming_table_is_laid_out_as_it_grows() {
    let mut c = Conversation::default();
    let mut shown = Vec::new();
    for piece in WIDE_TABLE.split_inclusive('\n') {
        c.text_delta(piece);
        shown.push(rows(&c, 0, 40));
    }
    let last = rows(&c, 0, 40);
    assert!(
        last.iter()
            .any(|l| l == "      │ gives up                        ")
    );
    for r in shown.iter().flatten() {
        assert!(
            unicode_width::UnicodeWidthStr::width(r.as_str()) <= 40,
            "{r}"
        );
    }
    c.answer_finished(WIDE_TABLE);
    let mut whole = Conversation::default();
    whole.answer_finished(WIDE_TABLE);
    assert_eq!(rows(&c, 0, 40), rows(&whole, 0, 40));
}

#[test]
fn a_wrapped_prompt_keeps_its_bar_on_every_row() {
    let mut c = Conversation::default();
    c.push(CellKind::User {
        text: "one two three four five six seven eight nine ten\nshort".into(),
    });
    let area = ratatui::layout::Rect::new(0, 0, 20, 8);
    let mut buf = ratatui::buffer::Buffer::empty(area);
    render(&c, None, &theme(), area, &mut buf);
    let rows: Vec<String> = (0..8)
        .map(|y| (0..20).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .map(|r| r.trim_end().to_string())
        .filter(|r| !r.is_empty())
        .collect();
    assert!(rows.len() >= 4, "{rows:?}");
    assert!(rows.iter().all(|r| r.starts_with("▌ ")), "{rows:?}");
    assert_eq!(rows.last().map(String::as_str), Some("▌ short"));
}

/// The rows a conversation draws at `width`, as text.
fn drawn(c: &Conversation, width: u16, height: u16) -> Vec<String> {
    let area = ratatui::layout::Rect::new(0, 0, width, height);
    let mut buf = ratatui::buffer::Buffer::empty(area);
    super::render(c, None, &theme(), area, &mut buf);
    (0..height)
        .map(|y| {
            (0..width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect()
}

#[test]
fn wrapped_rows_keep_their_indent_and_gutter() {
    let mut c = Conversation::default();
    c.notice(
        NoticeLevel::Info,
        "doctor:\n  ✓ provider key ANTHROPIC_API_KEY is set and looks fine",
    );
    let mut thinking = Cell::new(CellKind::Thinking {
        text: "a long thought that goes on and on past the edge".into(),
        streaming: false,
    });
    thinking.expanded = true;
    c.cells.push(thinking);
    c.tool_started(
        "c1",
        "bash",
        serde_json::json!({"command": "cargo test --workspace --all-features"}),
    );
    c.tool_finished(
        "c1",
        false,
        "error: a very long line of compiler output here",
        1800,
    );
    let rows = drawn(&c, 24, 40);
    let at = |needle: &str| rows.iter().position(|r| r.contains(needle)).unwrap();
    // The notice: under the text after "✓ ".
    let i = at("✓ provider");
    assert!(rows[i + 1].starts_with("      "), "{rows:#?}");
    // The thinking text: under its two-space indent.
    let i = at("a long");
    assert!(
        rows[i + 1].starts_with("  ") && !rows[i + 1].starts_with("   "),
        "{rows:#?}"
    );
    // The tool: the head under the name, the duration never at the left edge, the
    // output behind its gutter.
    let i = at("● bash");
    for r in &rows[i + 1..] {
        if r.is_empty() {
            break;
        }
        assert!(r.starts_with("  "), "{rows:#?}");
    }
    let i = at("│ error");
    assert!(rows[i + 1].starts_with("  │ "), "{rows:#?}");
}

/// Sections of markdown with a code block, as the TUI benchmarks stream.
fn sections(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "## Section {i}\n\nSome `code` and a list:\n\n1. one\n2. two\n\n```rust\nfn f{i}() -> u32 {{\n    {i}\n}}\n```\n\n"
            )
        })
        .collect()
}

fn buffer(c: &Conversation, width: u16, height: u16) -> ratatui::buffer::Buffer {
    let area = ratatui::layout::Rect::new(0, 0, width, height);
    let mut buf = ratatui::buffer::Buffer::empty(area);
    super::render(c, None, &theme(), area, &mut buf);
    buf
}

#[test]
fn a_long_answer_highlights_only_what_is_drawn() {
    let text = sections(300);
    let mut c = Conversation::default();
    // Frames now and then, as while streaming: most chunks scroll by between two frames.
    for (i, piece) in text.split_inclusive("\n\n").enumerate() {
        c.text_delta(piece);
        if i.is_multiple_of(50) {
            buffer(&c, 60, 12);
        }
    }
    c.answer_finished(&text);
    let at_bottom = buffer(&c, 60, 12);
    // One block of each section holds code.
    let (waiting, blocks) = c.cells[0].uncoloured_blocks();
    assert!(blocks > 1000, "{blocks}");
    let highlighted = 300 - waiting;
    assert!(
        highlighted < 30,
        "{highlighted} of 300 code blocks highlighted"
    );
    // The same pixels as the answer rendered and highlighted whole.
    let mut whole = Conversation::default();
    whole.answer_finished(&text);
    let t = theme();
    whole.cells[0].with_blocks(&t, whole.style_gen, |_| ());
    assert_eq!(whole.cells[0].uncoloured_blocks().0, 0);
    assert_eq!(at_bottom, buffer(&whole, 60, 12));
    assert_eq!(
        c.cells[0].height(&t, c.style_gen, 60),
        whole.cells[0].height(&t, whole.style_gen, 60)
    );
    for scroll in [-7, -500, -3000] {
        c.follow();
        whole.follow();
        c.scroll_by(scroll, &t, 60, 12);
        whole.scroll_by(scroll, &t, 60, 12);
        assert_eq!(c.scroll, whole.scroll);
        assert_eq!(buffer(&c, 60, 12), buffer(&whole, 60, 12), "{scroll}");
    }
}

#[test]
fn heights_counted_line_by_line_are_the_wrapped_rows() {
    use ratatui::text::{Line, Span};
    use ratatui::widgets::{Paragraph, Wrap};
    let texts = [
        "",
        " ",
        "short",
        "words that go on and on until they no longer fit in a narrow row at all, surely",
        "trailing spaces    ",
        "    leading spaces and a tab\there",
        "名前: 値 abcdefgh 漢字漢字漢字漢字漢字漢字",
        "emoji 👨‍👩‍👧 and flags 🇫🇷🇩🇪 and ⚠️ signs",
        "khmer ៘៘៘ and a bell \u{7} and a return \r inside",
        "averyveryverylongwordwithoutanyspacesthatmustbesplitsomewhereinthemiddle",
        "▎ fn main() { println!(\"hello\"); }",
    ];
    let line = |t: &str| Line::from(vec![Span::raw("• "), Span::raw(t.to_string())]);
    let exact = |b: &Block, w: u16| match b.wrapped(w) {
        Some(rows) => rows.len(),
        None => Paragraph::new(b.lines.clone())
            .wrap(Wrap { trim: false })
            .line_count(w),
    };
    for width in [1u16, 2, 3, 5, 8, 13, 21, 34, 55, 89, 118, 200] {
        let plain = Block::new(texts.iter().map(|t| line(t)).collect());
        assert_eq!(
            plain.height(width),
            exact(&plain, width),
            "plain at {width}"
        );
        let hangs = (0..texts.len())
            .map(|i| (i, vec![Span::raw("  ")]))
            .collect();
        let hung = Block::markdown(texts.iter().map(|t| line(t)).collect(), hangs, Vec::new());
        assert_eq!(hung.height(width), exact(&hung, width), "hung at {width}");
    }
    let mut c = Conversation::default();
    c.answer_finished(WIDE_TABLE);
    let t = theme();
    for width in [10u16, 40, 100] {
        let rows = rows(&c, 0, width).len();
        assert_eq!(c.cells[0].height(&t, c.style_gen, width), rows);
    }
}

#[test]
fn an_undrawn_cell_stays_small() {
    // A long session holds a cell per message, most never drawn: the layout's running row
    // ends did not make a cell bigger than the 288 bytes it was (x86-64).
    assert!(
        std::mem::size_of::<Cell>() <= 288,
        "{}",
        std::mem::size_of::<Cell>()
    );
}
