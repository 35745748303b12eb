//! The terminal going away under pi (an SSH connection dropped, a terminal window closed):
//! the kernel sends SIGHUP and every write to the terminal fails. pi must still stop the
//! turn, keep the session consistent and exit with 128 + SIGHUP, without panicking.

use std::os::fd::AsFd;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::suite::oneshot::Run;
use crate::support::fake_provider::{FakeProvider, Reply};

/// Reads what pi wrote so far (waiting at most `ms`).
fn read_some(master: &std::os::fd::OwnedFd, out: &mut Vec<u8>, ms: u16) {
    let mut fds = [nix::poll::PollFd::new(
        master.as_fd(),
        nix::poll::PollFlags::POLLIN,
    )];
    if nix::poll::poll(&mut fds, nix::poll::PollTimeout::from(ms)).unwrap_or(0) > 0 {
        let mut buf = [0u8; 65536];
        if let Ok(n) = nix::unistd::read(master, &mut buf) {
            out.extend_from_slice(&buf[..n]);
        }
    }
}

fn wait_for(master: &std::os::fd::OwnedFd, out: &mut Vec<u8>, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !String::from_utf8_lossy(out).contains(text) {
        assert!(
            Instant::now() < deadline,
            "no {text:?} on the screen: {:?}",
            String::from_utf8_lossy(&out[out.len().saturating_sub(3000)..])
        );
        read_some(master, out, 50);
    }
}

/// pi is not left running when an assertion fails before the hang-up.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_hang_up_mid_stream_ends_pi_cleanly() {
    let long = "streamed-token\n\n".repeat(5_000);
    let fake = FakeProvider::builder()
        .chunk_size(512)
        .chunk_delay(Duration::from_millis(5))
        .reply(Reply::text(long))
        .start_blocking();
    let run = Run::new();
    let size = nix::pty::Winsize {
        ws_row: 40,
        ws_col: 120,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let pty = nix::pty::openpty(Some(&size), None).unwrap();
    let slave = std::fs::File::from(pty.slave);
    let master = pty.master;
    // Only this test holds the other end: pi must not inherit it, or closing it is no hang-up.
    nix::fcntl::fcntl(
        &master,
        nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
    )
    .unwrap();
    // setsid --ctty: pi's session has this terminal as its controlling terminal, so closing
    // the other end sends it SIGHUP, as a real hang-up does.
    let mut child = KillOnDrop(
        Command::new("setsid")
            .args(["--ctty", "--wait", env!("CARGO_BIN_EXE_pi"), "--model"])
            .arg("openai/gpt-4o-mini")
            .current_dir(run.path())
            .env("OPENAI_API_KEY", "test-key")
            .env("OPENAI_BASE_URL", fake.openai_base_url())
            .env("PI_LOG_FILE", run.path().join("pi.log"))
            .env("PI_CONFIG_DIR", "/nonexistent-pi-config")
            .env("PI_IMAGE_PROTOCOL", "halfblocks")
            .env("TERM", "xterm-256color")
            .env_remove("TMUX")
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave))
            .spawn()
            .unwrap(),
    );
    let mut out = Vec::new();
    wait_for(&master, &mut out, "Prompt");
    nix::unistd::write(&master, b"go\r").unwrap();
    // ratatui writes only changed cells: look for a word, not for text with spaces.
    wait_for(&master, &mut out, "streamed-token");
    drop(master);
    let status = child.0.wait().unwrap();
    assert_eq!(status.code(), Some(129), "128 + SIGHUP");
    let log = std::fs::read_to_string(run.path().join("pi.log")).unwrap_or_default();
    assert!(!log.contains("panicked"), "{log}");
    // The answer so far is kept, marked aborted: the session is consistent.
    let messages = run.session_messages();
    let roles = run.session_roles();
    assert_eq!(roles, ["user", "assistant"]);
    assert_eq!(messages[1]["stopReason"], "aborted");
}
