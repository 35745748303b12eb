//! Interactive-mode benchmarks (issue 4, docs/benchmarks.md):
//! - drawing a frame costs the same with 10,000 messages as with 10 (budget ≤ 2 ms): only the
//!   visible cells are laid out, wrapped heights are cached per width;
//! - streaming 1 MB of markdown at full speed, a frame drawn every 16 KB (budget ≤ 1 s CPU);
//! - resident memory with a 10,000-message conversation drawn (budget ≤ 100 MiB), printed once.
//!
//! Run with `cargo bench --bench tui`. The first-frame time of the real binary is measured by
//! `benches/tui_first_frame.sh` (tmux).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

#[path = "support/markdown.rs"]
mod markdown;
use divan::Bencher;
use markdown::{ANSWER, megabyte};
use pi_coding_agent::agent::{Event, EventMsg};
use pi_coding_agent::tui::panes::conversation::CellKind;
use pi_coding_agent::tui::{Msg, State, draw, update};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

fn main() {
    // `PI_TUI_GENERATE=FILE`: write a session of about 10,000 entries for the memory check of
    // the real binary (benches/tui_first_frame.sh) and stop.
    if let Some(path) = std::env::var_os("PI_TUI_GENERATE") {
        let g =
            pi_coding_agent::session::generate_session(std::path::Path::new(&path), 10 << 20, 7)
                .unwrap();
        eprintln!("generated {} entries, {} bytes", g.entries, g.bytes);
        return;
    }
    report_memory();
    divan::main();
}

fn session_state(messages: usize) -> State {
    let mut s = State::new(120, 40);
    for i in 0..messages / 2 {
        s.conversation.push(CellKind::User {
            text: format!("question {i}: how does the session store append a line?"),
        });
        s.conversation.answer_finished(ANSWER);
    }
    s
}

fn frame(s: &State) -> Buffer {
    let mut buf = Buffer::empty(Rect::new(0, 0, s.width, s.height));
    draw(s, &mut buf);
    buf
}

#[divan::bench(args = [10, 10_000])]
fn draw_frame(bencher: Bencher, messages: usize) {
    let s = session_state(messages);
    frame(&s);
    bencher.bench_local(|| frame(&s));
}

#[divan::bench(sample_count = 5)]
fn stream_1mb_markdown(bencher: Bencher) {
    let text = megabyte();
    bencher.bench_local(|| {
        let mut s = State::new(120, 40);
        let mut since_frame = 0;
        let bytes = text.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            let mut end = (at + 64).min(bytes.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            update(
                &mut s,
                Msg::Agent(Event {
                    id: 1,
                    msg: EventMsg::TextDelta {
                        delta: text[at..end].to_string(),
                    },
                }),
            );
            since_frame += end - at;
            at = end;
            if since_frame >= 16 << 10 {
                frame(&s);
                since_frame = 0;
            }
        }
        s.conversation.answer_finished(&text);
        frame(&s)
    });
}

/// A state streaming an answer that is already `bytes` long, drawn once.
fn streaming_state(text: &str, bytes: usize) -> State {
    let mut s = State::new(120, 40);
    let mut end = bytes.min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    s.conversation.text_delta(&text[..end]);
    frame(&s);
    s
}

/// One frame of a stream in full flow: 32 KB more of the answer (the most the runtime lets
/// in between two frames), then the frame, with 1 MB of the answer already streamed. The
/// cost must not grow with what streamed before.
#[divan::bench(args = [0, 1 << 20])]
fn frame_while_streaming(bencher: Bencher, before: usize) {
    let text = megabyte();
    let mut s = streaming_state(&text, before);
    let step = 32 << 10;
    let mut at = 0;
    bencher.bench_local(|| {
        let mut end = (at + step).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        s.conversation.text_delta(&text[at..end]);
        at = if end == text.len() { 0 } else { end };
        frame(&s)
    });
}

/// A frame that only shows a key (nothing new streamed) with a 1 MB answer streaming.
#[divan::bench]
fn key_frame_while_streaming(bencher: Bencher) {
    let text = megabyte();
    let mut s = streaming_state(&text, text.len());
    let mut typed = 0usize;
    bencher.bench_local(|| {
        typed += 1;
        let key = if typed.is_multiple_of(2) { 'x' } else { 'y' };
        update(
            &mut s,
            Msg::Key(crossterm::event::KeyEvent::from(
                crossterm::event::KeyCode::Char(key),
            )),
        );
        frame(&s)
    });
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Resident memory of a 10,000-message conversation, drawn at the bottom and the top.
fn report_memory() {
    let before = rss_kib();
    let mut s = session_state(10_000);
    frame(&s);
    s.conversation.scroll_top();
    frame(&s);
    let after = rss_kib();
    eprintln!(
        "tui: 10,000 messages: process RSS {:.1} MiB ({:.1} MiB for the conversation)",
        after as f64 / 1024.0,
        after.saturating_sub(before) as f64 / 1024.0
    );
}
