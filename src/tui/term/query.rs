//! Asking the terminal what it can draw: the kitty graphics protocol, sixel, and the size of a
//! cell in pixels. The questions go out once, after the first frame and before the event
//! stream starts reading the terminal, so no reply is mistaken for a key and the first frame is
//! not delayed. The replies are read with `poll` and a deadline: a terminal that never answers
//! costs at most the timeout, and no reader is left behind to steal later input.

use std::io::Write;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The kitty graphics query (a 1×1 RGB image, `a=q`: checked, not stored), the cell size in
/// pixels (`CSI 16 t`), then the primary device attributes (`CSI c`), which every terminal
/// answers, so its reply ends the wait.
pub const QUERY: &str = "\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\\x1b[16t\x1b[c";

/// What the terminal said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replies {
    /// It answered the kitty graphics query with OK.
    pub kitty: bool,
    /// Its device attributes list sixel graphics (attribute 4).
    pub sixel: bool,
    /// (width, height) of a cell in pixels.
    pub cell: Option<(u16, u16)>,
    /// The device attributes came back: everything asked before them has been answered.
    pub answered: bool,
    /// Bytes that were no reply: keys typed during the query, given to the editor after it.
    pub typed: Vec<u8>,
}

/// Reads the replies in `buf` (everything read so far).
pub fn parse(buf: &[u8]) -> Replies {
    let mut r = Replies::default();
    let mut i = 0;
    while i < buf.len() {
        if buf[i] != 0x1b {
            r.typed.push(buf[i]);
            i += 1;
            continue;
        }
        match buf.get(i + 1) {
            // APC: ESC _ ... ESC \
            Some(b'_') => {
                let Some(end) = find(&buf[i + 2..], b"\x1b\\") else {
                    break;
                };
                let body = &buf[i + 2..i + 2 + end];
                if body.starts_with(b"Gi=31") && find(body, b";OK").is_some() {
                    r.kitty = true;
                }
                i += 2 + end + 2;
            }
            // CSI: ESC [ parameters final-byte
            Some(b'[') => {
                let Some(len) = buf[i + 2..].iter().position(|b| (0x40..=0x7e).contains(b)) else {
                    break;
                };
                let params = &buf[i + 2..i + 2 + len];
                match buf[i + 2 + len] {
                    b'c' if params.first() == Some(&b'?') => {
                        r.answered = true;
                        r.sixel = params[1..].split(|b| *b == b';').any(|p| p == b"4");
                    }
                    b't' => {
                        let nums: Vec<u16> = std::str::from_utf8(params)
                            .unwrap_or("")
                            .split(';')
                            .filter_map(|n| n.parse().ok())
                            .collect();
                        if let [6, h, w] = nums[..]
                            && w > 0
                            && h > 0
                        {
                            r.cell = Some((w, h));
                        }
                    }
                    _ => {}
                }
                i += 2 + len + 1;
            }
            _ => {
                r.typed.push(buf[i]);
                i += 1;
            }
        }
    }
    r
}

/// The keys of bytes typed during the query: text, Enter, Tab, Backspace, Esc and Ctrl+letter.
/// (Escape sequences such as arrows were taken for replies and are gone.)
pub fn typed_keys(bytes: &[u8]) -> Vec<KeyEvent> {
    String::from_utf8_lossy(bytes)
        .chars()
        .filter_map(|c| {
            let (code, mods) = match c {
                '\r' | '\n' => (KeyCode::Enter, KeyModifiers::NONE),
                '\t' => (KeyCode::Tab, KeyModifiers::NONE),
                '\x7f' | '\x08' => (KeyCode::Backspace, KeyModifiers::NONE),
                '\x1b' => (KeyCode::Esc, KeyModifiers::NONE),
                '\x01'..='\x1a' => (
                    KeyCode::Char(char::from(c as u8 - 1 + b'a')),
                    KeyModifiers::CONTROL,
                ),
                c if c.is_control() || c == char::REPLACEMENT_CHARACTER => return None,
                c => (KeyCode::Char(c), KeyModifiers::NONE),
            };
            Some(KeyEvent::new(code, mods))
        })
        .collect()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Asks the terminal (on standard output). The replies come on standard input; `read_replies`
/// collects them, so other start-up work can run during the round trip.
pub fn send() -> std::io::Result<()> {
    let mut out = std::io::stdout();
    out.write_all(QUERY.as_bytes())?;
    out.flush()
}

/// Reads the replies to `send` from standard input (in raw mode) for at most `timeout`.
/// If the terminal did not answer in time, `answered` is false and the rest is what did come.
pub fn read_replies(timeout: Duration) -> Replies {
    let stdin = std::io::stdin();
    let fd = stdin.as_fd();
    let deadline = Instant::now() + timeout;
    let mut buf = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            tracing::info!("the terminal did not answer the capability query in {timeout:?}");
            return parse(&buf);
        }
        let ms = u16::try_from(left.as_millis()).unwrap_or(u16::MAX);
        let mut fds = [nix::poll::PollFd::new(fd, nix::poll::PollFlags::POLLIN)];
        match nix::poll::poll(&mut fds, nix::poll::PollTimeout::from(ms)) {
            Ok(0) => continue,
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => {
                tracing::warn!("cannot wait for the terminal's reply: {e}");
                return parse(&buf);
            }
        }
        let mut chunk = [0u8; 256];
        // Read the descriptor itself: std's buffered stdin would keep bytes past the reply
        // (typed keys) where the event reader never sees them.
        match nix::unistd::read(fd, &mut chunk) {
            Ok(0) => return parse(&buf),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(nix::errno::Errno::EINTR | nix::errno::Errno::EAGAIN) => continue,
            Err(e) => {
                tracing::warn!("cannot read the terminal's reply: {e}");
                return parse(&buf);
            }
        }
        let replies = parse(&buf);
        if replies.answered {
            return replies;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kitty_sixel_and_cell_size_replies_are_read() {
        let r = parse(b"\x1b_Gi=31;OK\x1b\\\x1b[6;20;10t\x1b[?62;4;22c");
        assert_eq!(
            r,
            Replies {
                kitty: true,
                sixel: true,
                cell: Some((10, 20)),
                answered: true,
                typed: Vec::new(),
            }
        );
    }

    #[test]
    fn a_plain_terminal_answers_only_the_device_attributes() {
        let r = parse(b"\x1b[?1;2c");
        assert!(r.answered && !r.kitty && !r.sixel && r.cell.is_none());
        // Attribute 42 is not 4.
        assert!(!parse(b"\x1b[?62;42c").sixel);
        // A kitty error reply is no support.
        assert!(!parse(b"\x1b_Gi=31;ENOTSUPPORTED:x\x1b\\\x1b[?62c").kitty);
    }

    #[test]
    fn keys_typed_during_the_query_become_key_events() {
        let keys = typed_keys("hé\r\x03\x7f".as_bytes());
        let codes: Vec<(KeyCode, KeyModifiers)> =
            keys.iter().map(|k| (k.code, k.modifiers)).collect();
        assert_eq!(
            codes,
            [
                (KeyCode::Char('h'), KeyModifiers::NONE),
                (KeyCode::Char('é'), KeyModifiers::NONE),
                (KeyCode::Enter, KeyModifiers::NONE),
                (KeyCode::Char('c'), KeyModifiers::CONTROL),
                (KeyCode::Backspace, KeyModifiers::NONE),
            ]
        );
    }

    #[test]
    fn partial_replies_wait_for_the_rest_and_keys_are_counted() {
        let whole = b"ab\x1b_Gi=31;OK\x1b\\\x1b[6;18;9t\x1b[?65;4c";
        for cut in 0..whole.len() {
            let r = parse(&whole[..cut]);
            assert!(!r.answered, "answered early at {cut}");
        }
        let r = parse(whole);
        assert_eq!(r.typed, b"ab");
        assert_eq!(r.cell, Some((9, 18)));
        // A key pressed mid-query (Alt+x arrives as ESC x) is not a reply.
        let r = parse(b"\x1bx\x1b[?62c");
        assert!(r.answered);
        assert_eq!(r.typed, b"\x1bx");
    }
}
