//! Driving a long-running `pi` (a bridge, the events runner) from a test: waiting for a
//! condition, and stopping it with SIGTERM as a service manager would.

use std::io::Read;
use std::process::Child;
use std::time::{Duration, Instant};

/// Waits for `cond`, failing the test after `secs`.
pub fn wait_for(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends SIGTERM and waits (at most 30 s) for the exit; returns the exit status and stderr.
pub fn sigterm(mut child: Child) -> (Option<i32>, String) {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            return (status.code(), err);
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "pi did not exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
