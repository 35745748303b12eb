//! The signals that end the interactive mode from outside: SIGTERM, SIGHUP (the terminal went
//! away), SIGQUIT, and SIGINT from `kill` (in raw mode Ctrl+C is a key, not a signal). Caught,
//! they end the loop like a quit, so the turn is cancelled, the session stays consistent, the
//! terminal is restored and the exit line printed, instead of the default action killing the
//! process with the terminal left in raw mode on the alternate screen.

use futures::future::select_all;
use tokio::signal::unix::{Signal, SignalKind, signal};

pub struct StopSignals {
    streams: Vec<(i32, Signal)>,
}

impl StopSignals {
    /// Starts catching them now (a handler installed later could miss one).
    pub fn register() -> StopSignals {
        use nix::sys::signal::Signal as N;
        let kinds = [
            (N::SIGINT as i32, SignalKind::interrupt()),
            (N::SIGTERM as i32, SignalKind::terminate()),
            (N::SIGHUP as i32, SignalKind::hangup()),
            (N::SIGQUIT as i32, SignalKind::quit()),
        ];
        let streams = kinds
            .into_iter()
            .filter_map(|(n, k)| match signal(k) {
                Ok(s) => Some((n, s)),
                Err(e) => {
                    tracing::warn!("cannot catch signal {n}: {e}");
                    None
                }
            })
            .collect();
        StopSignals { streams }
    }

    /// Forgets SIGINTs caught so far: Ctrl+C typed in an external editor (a cooked-mode or
    /// GUI one) also reaches pi, which shares its process group, and must not quit pi.
    pub fn forget_interrupts(&mut self) {
        use futures::FutureExt;
        let sigint = nix::sys::signal::Signal::SIGINT as i32;
        for (n, s) in &mut self.streams {
            if *n == sigint {
                while matches!(s.recv().now_or_never(), Some(Some(()))) {}
            }
        }
    }

    /// The number of the next signal caught (waits forever if none could be registered).
    pub async fn next(&mut self) -> i32 {
        if self.streams.is_empty() {
            return std::future::pending().await;
        }
        let waits = self
            .streams
            .iter_mut()
            .map(|(n, s)| {
                let n = *n;
                Box::pin(async move {
                    s.recv().await;
                    n
                })
            })
            .collect::<Vec<_>>();
        select_all(waits).await.0
    }
}
