//! Key-to-screen latency of the release `pi` binary while it streams about 1 MB of markdown
//! from the fake provider at full speed (issue 4: "keys stay responsive meanwhile"), and the
//! same with the app idle afterwards, for comparison.
//!
//! `pi` runs in a pseudo-terminal at 120×40; a thread blocks on its output and feeds a terminal
//! emulator (vt100). Once the answer visibly streams, one marker character is typed into the
//! editor every 50 ms (no Enter, so nothing is queued) and the latency is the time from the
//! write to the read that brought the frame showing it. A sample counts as "while streaming"
//! only if that frame still shows the busy spinner in the status bar.
//!
//! Also printed per run: when the first line showed (the fake provider builds its whole 30 MB
//! body before the first byte, most of that wait), how long the screen took from the first line
//! to the last, and the CPU time of `pi` (utime + stime of the process, all threads, read from
//! /proc by this process) from Enter to the last line with the turn over. The fake provider runs
//! in this process, not in `pi`, as a real provider would. [`QUIET_RUNS`] more runs type
//! nothing, for the CPU of the stream alone.
//!
//! Run with `cargo bench --bench tui_keys`. `PI_KEYS_VERBOSE=1` prints every sample;
//! `PI_BENCH_BIN=/abs/path/pi` measures another binary (e.g. an unstripped one for `perf`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

#[path = "../tests/support/fake_provider/mod.rs"]
mod fake_provider;

#[path = "support/markdown.rs"]
mod markdown;
use std::fs::File;
use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::os::fd::AsFd;
use std::process::Command;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use expectrl::session::OsSession;
use fake_provider::{FakeProvider, Reply};

const COLS: u16 = 120;
const ROWS: u16 = 40;
const MODEL: &str = "openai/gpt-4o-mini";
/// Runs of the whole scenario; the samples of all runs are pooled.
const RUNS: usize = 5;
/// Runs with no key typed: the CPU of the stream alone.
const QUIET_RUNS: usize = 3;
/// Time between two typed keys.
const KEY_EVERY: Duration = Duration::from_millis(50);
/// Keys typed with the app idle, per run.
const IDLE_KEYS: usize = 20;
/// The typed character; the streamed markdown never contains it.
const MARK: char = '¤';
/// The last line of the answer.
const END: &str = "END-OF-THE-MEGABYTE";
/// Bytes per body chunk of the fake provider's response (an SSE stream of about 30 MB: one
/// `chat.completion.chunk` event per 8 characters of text).
const CHUNK_BYTES: usize = 1024;
/// Clock ticks per second of /proc/PID/stat (Linux USER_HZ).
const USER_HZ: u64 = 100;

/// About 1 MB of markdown (the text of `benches/tui.rs`'s `stream_1mb_markdown`), then [`END`].
fn megabyte_then_end() -> String {
    let mut out = markdown::megabyte();
    out.push_str(END);
    out.push('\n');
    out
}

/// What the terminal shows, kept up to date by the reader thread.
struct Screen {
    parser: vt100::Parser,
    /// Marker characters on screen (only the editor ever holds them), and when the read that
    /// brought the latest one returned.
    marks: usize,
    marks_at: Instant,
    /// Whether the status bar showed the spinner of a running turn after that read.
    busy_at_mark: bool,
    /// Whether the status bar shows the spinner now.
    busy: bool,
    /// When the read that brought the last line of the answer returned.
    end_at: Option<Instant>,
}

impl Screen {
    fn process(&mut self, bytes: &[u8], at: Instant) {
        self.parser.process(bytes);
        let rows: Vec<String> = self.parser.screen().rows(0, COLS).collect();
        let marks = rows
            .iter()
            .map(|r| r.chars().filter(|c| *c == MARK).count())
            .sum();
        if self.end_at.is_none() && rows.iter().any(|r| r.contains(END)) {
            self.end_at = Some(at);
        }
        let status = rows.last().map_or("", String::as_str);
        self.busy = !status.trim_start().starts_with('●');
        if marks != self.marks {
            self.marks = marks;
            self.marks_at = at;
            self.busy_at_mark = self.busy;
        }
    }
}

type Shared = Arc<(Mutex<Screen>, Condvar)>;

/// `pi` in a pseudo-terminal. A thread blocks on the terminal's output and feeds the emulator,
/// so the time a key shows is taken when its frame arrives, without polling.
struct Tui {
    session: OsSession,
    screen: Shared,
}

impl Tui {
    fn spawn(bin: &str, fake: &FakeProvider, dir: &std::path::Path) -> Tui {
        let mut cmd = Command::new(bin);
        cmd.current_dir(dir)
            .env("HOME", dir)
            .env("TERM", "xterm-256color")
            .env_remove("TMUX")
            .env("PI_CONFIG_DIR", "/nonexistent-pi-config")
            .env("PI_LOG_FILE", dir.join("pi.log"))
            // No terminal capability query: vt100 would not answer it.
            .env("PI_IMAGE_PROTOCOL", "halfblocks")
            .env("OPENAI_API_KEY", "test-key")
            .env("OPENAI_BASE_URL", fake.openai_base_url())
            .args(["--model", MODEL, "--no-session"]);
        let mut session = OsSession::spawn(cmd).expect("spawn pi in a pty");
        session
            .get_process_mut()
            .set_window_size(COLS, ROWS)
            .expect("set the window size");
        let screen: Shared = Arc::new((
            Mutex::new(Screen {
                parser: vt100::Parser::new(
                    NonZeroU16::new(ROWS).unwrap(),
                    NonZeroU16::new(COLS).unwrap(),
                    0,
                ),
                marks: 0,
                marks_at: Instant::now(),
                busy_at_mark: false,
                busy: false,
                end_at: None,
            }),
            Condvar::new(),
        ));
        let mut output = File::from(session.get_stream().as_fd().try_clone_to_owned().unwrap());
        let feed = screen.clone();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 1 << 16];
            // Ends when pi is gone (EIO on the pty).
            while let Ok(n @ 1..) = output.read(&mut buf) {
                let at = Instant::now();
                feed.0.lock().unwrap().process(&buf[..n], at);
                feed.1.notify_all();
            }
        });
        Tui { session, screen }
    }

    fn send(&mut self, text: &str) {
        self.session.write_all(text.as_bytes()).unwrap();
        self.session.flush().unwrap();
    }

    /// Waits until `done` holds for the screen; panics with the screen after `limit`.
    fn wait_until<T>(&self, limit: Duration, mut done: impl FnMut(&Screen) -> Option<T>) -> T {
        let deadline = Instant::now() + limit;
        let (lock, changed) = &*self.screen;
        let mut screen = lock.lock().unwrap();
        loop {
            if let Some(v) = done(&screen) {
                return v;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "timed out; the screen:\n{}",
                screen.parser.screen().contents()
            );
            screen = changed.wait_timeout(screen, left).unwrap().0;
        }
    }

    fn wait_for(&self, text: &str, secs: u64) {
        self.wait_until(Duration::from_secs(secs), |s| {
            s.parser.screen().contents().contains(text).then_some(())
        });
    }

    fn busy(&self) -> bool {
        self.screen.0.lock().unwrap().busy
    }

    /// Types one marker and waits for the frame that shows it: the latency, and whether that
    /// frame still showed the turn running.
    fn key_to_screen(&mut self) -> (Duration, bool) {
        let want = self.screen.0.lock().unwrap().marks + 1;
        let mut utf8 = [0u8; 4];
        let sent = Instant::now();
        self.send(MARK.encode_utf8(&mut utf8));
        self.wait_until(Duration::from_secs(10), |s| {
            (s.marks >= want).then(|| (s.marks_at.saturating_duration_since(sent), s.busy_at_mark))
        })
    }

    fn cpu_ticks(&self) -> u64 {
        let pid = self.session.get_process().pid().as_raw();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // Fields after the command name: state is the 3rd field, utime the 14th, stime the 15th.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let field = |i: usize| fields.get(i - 3).and_then(|f| f.parse::<u64>().ok());
        field(14).unwrap_or(0) + field(15).unwrap_or(0)
    }
}

struct Run {
    /// Latencies of the keys whose frame still showed the turn running.
    streaming: Vec<Duration>,
    /// Keys typed during the stream whose frame no longer showed it running.
    late: usize,
    idle: Vec<Duration>,
    /// From Enter to the first streamed heading on screen.
    first_text: Duration,
    /// From Enter to the last line on screen, the turn over.
    stream_time: Duration,
    /// CPU time of `pi` (all threads) from Enter to the end of the stream.
    cpu: Duration,
}

fn verbose() -> bool {
    std::env::var_os("PI_KEYS_VERBOSE").is_some()
}

fn run_once(bin: &str, text: &str, type_keys: bool) -> Run {
    let fake = FakeProvider::builder()
        .chunk_size(CHUNK_BYTES)
        .reply(Reply::text(text))
        .start_blocking();
    let dir = tempfile::tempdir().unwrap();
    let mut tui = Tui::spawn(bin, &fake, dir.path());
    tui.wait_for("Prompt", 10);
    std::thread::sleep(Duration::from_millis(200));
    let cpu_before = tui.cpu_ticks();
    let enter = Instant::now();
    tui.send("stream a megabyte\r");
    tui.wait_for("## Section", 30);
    let first_text = enter.elapsed();
    let mut streaming = Vec::new();
    let mut late = 0;
    while !type_keys && tui.busy() {
        std::thread::sleep(KEY_EVERY);
    }
    while tui.busy() {
        let next = Instant::now() + KEY_EVERY;
        let (latency, busy) = tui.key_to_screen();
        if verbose() {
            eprintln!(
                "  at {:>5.0} ms: {:>5.1} ms{}",
                ms(enter.elapsed()),
                ms(latency),
                if busy { "" } else { " (after the end)" }
            );
        }
        if busy {
            streaming.push(latency);
        } else {
            late += 1;
        }
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
    let stream_time = tui.wait_until(Duration::from_secs(10), |s| s.end_at) - enter;
    let cpu = Duration::from_millis((tui.cpu_ticks() - cpu_before) * 1000 / USER_HZ);
    std::thread::sleep(Duration::from_millis(200));
    let mut idle = Vec::new();
    for _ in 0..IDLE_KEYS {
        let next = Instant::now() + KEY_EVERY;
        let (latency, _) = tui.key_to_screen();
        if verbose() {
            eprintln!("  idle: {:>5.1} ms", ms(latency));
        }
        idle.push(latency);
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
    Run {
        streaming,
        late,
        idle,
        first_text,
        stream_time,
        cpu,
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Median, p95 and max, in milliseconds.
fn summary(samples: &mut [Duration]) -> (f64, f64, f64) {
    samples.sort();
    let n = samples.len();
    if n == 0 {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let at = |q: f64| ms(samples[((n - 1) as f64 * q).round() as usize]);
    (at(0.5), at(0.95), ms(samples[n - 1]))
}

fn main() {
    let bin = std::env::var("PI_BENCH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_pi").into());
    let text = megabyte_then_end();
    println!(
        "tui_keys: {} bytes of markdown from the fake provider ({CHUNK_BYTES}-byte body chunks), \
         pi at {COLS}×{ROWS}, a key every {} ms",
        text.len(),
        KEY_EVERY.as_millis()
    );
    // Other processes on a 2-core machine show up as latency: say how busy it was.
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "  load average before: {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let mut streaming = Vec::new();
    let mut idle = Vec::new();
    for i in 0..RUNS {
        let run = run_once(&bin, &text, true);
        println!(
            "  run {}: first text {:>4.0} ms after Enter, last line {:>5.0} ms after the first; \
             pi CPU {:>4.2} s; {} keys while streaming, {} shown after the end",
            i + 1,
            ms(run.first_text),
            ms(run.stream_time - run.first_text),
            run.cpu.as_secs_f64(),
            run.streaming.len(),
            run.late
        );
        streaming.extend(run.streaming);
        idle.extend(run.idle);
    }
    let mut quiet = Vec::new();
    for i in 0..QUIET_RUNS {
        let run = run_once(&bin, &text, false);
        println!(
            "  quiet run {}: first text {:>4.0} ms after Enter, last line {:>5.0} ms after the \
             first; pi CPU {:>4.2} s",
            i + 1,
            ms(run.first_text),
            ms(run.stream_time - run.first_text),
            run.cpu.as_secs_f64(),
        );
        quiet.push(run.cpu.as_secs_f64());
        idle.extend(run.idle);
    }
    quiet.sort_by(f64::total_cmp);
    if let (Some(lo), Some(hi)) = (quiet.first(), quiet.last()) {
        println!("  pi CPU, Enter to the last line, no key typed: {lo:.2}–{hi:.2} s");
    }
    let rows = [("while streaming", &mut streaming), ("idle", &mut idle)];
    println!("  key-to-screen     samples   median      p95      max");
    for (name, samples) in rows {
        let n = samples.len();
        let (p50, p95, max) = summary(samples);
        println!("  {name:<16} {n:>8} {p50:>6.1} ms {p95:>5.1} ms {max:>5.1} ms");
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "  load average after: {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    if streaming.len() < 20 {
        println!("  WARNING: fewer than 20 keys fell inside the stream");
    }
}
