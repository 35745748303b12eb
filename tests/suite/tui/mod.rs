//! The interactive mode end to end: the real `pi` binary in a pseudo-terminal against the fake
//! provider, its screen read back through a terminal emulator (vt100).

mod approvals;
mod e2e;
mod focus;
mod hangup;
mod sessions;
mod vim;

use std::process::Command;
use std::time::{Duration, Instant};

use expectrl::session::OsSession;

/// A running `pi` in a pseudo-terminal and the screen it drew.
pub struct Tui {
    session: OsSession,
    parser: vt100::Parser,
    /// Everything pi wrote (escape sequences vt100 does not keep, e.g. kitty graphics).
    raw: Vec<u8>,
    /// What this terminal answers to pi's capability query (ending with the device
    /// attributes, as real terminals do); sent once.
    replies: Option<String>,
}

/// A terminal that has neither kitty graphics nor sixel (a VT220's device attributes).
pub const PLAIN_TERMINAL: &str = "\x1b[?62;22c";

impl Tui {
    pub fn spawn(cmd: Command, cols: u16, rows: u16) -> Tui {
        Tui::spawn_answering(cmd, cols, rows, Some(PLAIN_TERMINAL))
    }

    /// Spawns pi in a terminal that answers the capability query with `replies` (`None`: a
    /// terminal that never answers).
    pub fn spawn_answering(mut cmd: Command, cols: u16, rows: u16, replies: Option<&str>) -> Tui {
        cmd.env("TERM", "xterm-256color");
        if !cmd.get_envs().any(|(k, _)| k == "TMUX") {
            cmd.env_remove("TMUX");
        }
        cmd.env("PI_CONFIG_DIR", "/nonexistent-pi-config");
        let mut session = OsSession::spawn(cmd).expect("spawn pi in a pty");
        session
            .get_process_mut()
            .set_window_size(cols, rows)
            .expect("set the window size");
        Tui {
            session,
            parser: vt100::Parser::new(
                std::num::NonZeroU16::new(rows).unwrap(),
                std::num::NonZeroU16::new(cols).unwrap(),
                0,
            ),
            raw: Vec::new(),
            replies: replies.map(str::to_string),
        }
    }

    /// Whether some cell of the screen has this background colour (a picture drawn with
    /// half-blocks is coloured cells).
    pub fn has_background(&self, r: u8, g: u8, b: u8) -> bool {
        let screen = self.parser.screen();
        let (rows, cols) = screen.size();
        (0..rows.get()).any(|y| {
            (0..cols.get()).any(|x| {
                screen
                    .cell(y, x)
                    .is_some_and(|c| c.bgcolor() == vt100::Color::Rgb(r, g, b))
            })
        })
    }

    /// The process id of pi.
    pub fn pid(&self) -> i32 {
        self.session.get_process().pid().as_raw()
    }

    /// What pi wrote so far, raw.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// Reads what the program wrote so far into the emulator.
    pub fn pump(&mut self) {
        let mut buf = [0u8; 65536];
        loop {
            match self.session.try_read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    self.parser.process(&buf[..n]);
                    self.raw.extend_from_slice(&buf[..n]);
                }
                Err(_) => break,
            }
        }
        if self.raw.windows(3).any(|w| w == b"\x1b[c")
            && let Some(replies) = self.replies.take()
        {
            self.send(&replies);
        }
    }

    pub fn screen(&self) -> String {
        self.parser.screen().contents()
    }

    /// Waits until the screen shows `text`; panics with the screen after `secs` seconds.
    pub fn wait_for(&mut self, text: &str, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            self.pump();
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {text:?}; the screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    /// Waits until the screen no longer shows `text`.
    pub fn wait_gone(&mut self, text: &str, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            self.pump();
            let s = self.screen();
            if !s.contains(text) {
                return;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {text:?} to go; the screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    pub fn send(&mut self, text: &str) {
        use std::io::Write;
        self.session
            .write_all(text.as_bytes())
            .expect("write to pi");
        self.session.flush().expect("flush");
    }

    /// Waits for the process to exit; returns everything it printed after leaving the
    /// alternate screen.
    pub fn wait_exit(mut self, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        let mut raw = Vec::new();
        let mut buf = [0u8; 65536];
        loop {
            match self.session.try_read(&mut buf) {
                Ok(0) => break,
                Ok(n) => raw.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if Instant::now() > deadline {
                        panic!("pi did not exit; output: {}", String::from_utf8_lossy(&raw));
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                // EIO: the terminal's other end closed with the process.
                Err(_) => break,
            }
        }
        String::from_utf8_lossy(&raw).into_owned()
    }
}
