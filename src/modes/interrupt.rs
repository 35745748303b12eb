//! Ctrl+C for the headless modes. The handler is registered when a run starts: a
//! `tokio::signal::ctrl_c()` future installs it only when first polled, and a `select!` that
//! keeps finding agent events ready may never poll it, leaving the default action (killing
//! the process mid-turn) in place.

use tokio::signal::unix::{Signal, SignalKind, signal};

pub struct Interrupts {
    signal: Option<Signal>,
}

impl Interrupts {
    /// Starts catching SIGINT now.
    pub fn register() -> Interrupts {
        Interrupts {
            signal: signal(SignalKind::interrupt()).ok(),
        }
    }

    /// Waits for the next Ctrl+C (forever if the handler could not be installed).
    pub async fn next(&mut self) {
        let caught = match &mut self.signal {
            Some(s) => s.recv().await.is_some(),
            None => false,
        };
        if !caught {
            std::future::pending::<()>().await;
        }
    }
}
