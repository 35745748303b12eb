//! What both bridges do around the runner: lock the state dir (one bridge per dir), stop on
//! SIGINT/SIGTERM, start the transport's source of inbound messages and run the hub.

use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::super::step::Inbound;
use super::super::store::ChannelStore;
use super::{HubOptions, HubReport, RunContext, Transport, run_hub};

/// Inbound messages waiting for the runner, at most.
const INBOX: usize = 1024;

/// Cancelled on the first SIGINT or SIGTERM.
fn shutdown_on_signals() -> Result<CancellationToken, String> {
    let token = CancellationToken::new();
    let mut int =
        signal(SignalKind::interrupt()).map_err(|e| format!("cannot catch SIGINT: {e}"))?;
    let mut term =
        signal(SignalKind::terminate()).map_err(|e| format!("cannot catch SIGTERM: {e}"))?;
    let t = token.clone();
    tokio::spawn(async move {
        tokio::select! {
            _ = int.recv() => tracing::info!("SIGINT: shutting down"),
            _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
        }
        t.cancel();
    });
    Ok(token)
}

/// Runs a bridge whose state lives in `dir`: `source` feeds inbound messages until it is
/// told to stop; returns what was done, or why the bridge could not start.
pub async fn serve<T, F, Fut>(
    dir: &Path,
    ctx: Arc<RunContext>,
    transport: Arc<T>,
    options: HubOptions,
    source: F,
) -> Result<HubReport, String>
where
    T: Transport,
    F: FnOnce(mpsc::Sender<Inbound>, CancellationToken) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    crate::private_fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create the state dir {}: {e}", dir.display()))?;
    let lock_path = dir.join("bridge.lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| format!("cannot open {}: {e}", lock_path.display()))?;
    if lock.try_lock().is_err() {
        return Err(format!(
            "another bridge is using {} (its lock {} is held)",
            dir.display(),
            lock_path.display()
        ));
    }
    let stop = shutdown_on_signals()?;
    let (tx, rx) = mpsc::channel(INBOX);
    let source = tokio::spawn(source(tx, stop.clone()));
    let report = run_hub(
        ctx,
        ChannelStore::open(dir),
        transport,
        options,
        rx,
        stop.clone(),
    )
    .await;
    stop.cancel();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), source).await;
    drop(lock);
    Ok(report)
}
