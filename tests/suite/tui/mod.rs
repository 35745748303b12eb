//! The interactive mode end to end: the real `pi` binary in a pseudo-terminal against the fake
//! provider, its screen read back through a terminal emulator (vt100).

mod e2e;

use std::io::Read;
use std::process::Command;
use std::time::{Duration, Instant};

use expectrl::session::OsSession;

/// A running `pi` in a pseudo-terminal and the screen it drew.
pub struct Tui {
    session: OsSession,
    parser: vt100::Parser,
}

impl Tui {
    pub fn spawn(mut cmd: Command, cols: u16, rows: u16) -> Tui {
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("TMUX");
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
        }
    }

    /// Reads what the program wrote so far into the emulator.
    pub fn pump(&mut self) {
        let mut buf = [0u8; 65536];
        loop {
            match self.session.try_read(&mut buf) {
                Ok(0) => break,
                Ok(n) => self.parser.process(&buf[..n]),
                Err(_) => break,
            }
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
            match self.session.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => raw.extend_from_slice(&buf[..n]),
                Err(_) => break,
            }
            if Instant::now() > deadline {
                panic!("pi did not exit; output: {}", String::from_utf8_lossy(&raw));
            }
        }
        String::from_utf8_lossy(&raw).into_owned()
    }
}
