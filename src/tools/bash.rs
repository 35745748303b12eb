//! `bash`: `bash -c COMMAND` (not a login shell: it starts fast) in the working directory, in a
//! process group of its own. stdout and stderr share one pipe, so they arrive in the order
//! they were written. On timeout or cancel the whole group gets SIGTERM, then SIGKILL.

use std::os::fd::OwnedFd;
use std::os::unix::process::ExitStatusExt;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use serde_json::json;
use tokio::io::AsyncReadExt;
use tokio::net::unix::pipe;
use tokio::process::{Child, Command};
use tokio::time::Instant;

use super::args::BashArgs;
use super::bash_output::OutputLog;
use super::error::ToolError;
use super::{ToolContext, ToolOutput};

/// How long output is still read after bash exits while background processes hold the pipe.
const EXIT_GRACE: Duration = Duration::from_millis(250);
/// How long the group gets to exit on SIGTERM before SIGKILL.
const TERM_GRACE: Duration = Duration::from_millis(300);
/// Longest timeout a call may ask for: a week.
const MAX_TIMEOUT_SECS: f64 = 7.0 * 24.0 * 3600.0;

pub(crate) async fn run(args: BashArgs, ctx: &ToolContext) -> Result<ToolOutput, ToolError> {
    let timeout = resolve_timeout(args.timeout, ctx.policy.bash_timeout_ms)?;
    let cwd = &ctx.policy.cwd;
    if !tokio::fs::metadata(cwd).await.is_ok_and(|m| m.is_dir()) {
        return Err(ToolError::Invalid(format!(
            "The working directory {} does not exist, so bash cannot run in it.",
            cwd.display()
        )));
    }
    let io = |action| ToolError::io(action, cwd);
    let (reader, writer) = std::io::pipe().map_err(io("create an output pipe in"))?;
    let writer_err = writer.try_clone().map_err(io("create an output pipe in"))?;
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(&args.command)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(writer_err)
        .process_group(0);
    let spawned = cmd.spawn();
    // The command holds our copies of the pipe's write end; close them or EOF never comes.
    drop(cmd);
    let mut child = spawned.map_err(|e| {
        ToolError::Invalid(format!(
            "Could not start bash: {e}. Is bash installed and on PATH?"
        ))
    })?;
    let mut group = GroupGuard(
        child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .map(Pid::from_raw),
    );
    let mut pipe = pipe::Receiver::from_owned_fd(OwnedFd::from(reader))
        .map_err(io("read the output pipe in"))?;
    let mut log = OutputLog::new(ctx.policy.max_tool_output_bytes);

    let ending = pump(&mut child, &mut pipe, &mut log, ctx, timeout).await;
    match ending {
        Ending::TimedOut | Ending::Cancelled => {
            kill_group(group.0, &mut child).await;
            drain(&mut pipe, &mut log, ctx).await;
        }
        Ending::Exited { .. } | Ending::WaitFailed(_) => {}
    }
    // Background jobs of a command that finished on its own may keep running (`server &`).
    group.disarm();
    emit(ctx, &log.flush_live());
    Ok(result(ending, log, timeout))
}

fn resolve_timeout(arg: Option<f64>, default_ms: u64) -> Result<Option<Duration>, ToolError> {
    match arg {
        None => Ok((default_ms > 0).then(|| Duration::from_millis(default_ms))),
        Some(0.0) => Ok(None),
        Some(s) if s.is_finite() && s > 0.0 && s <= MAX_TIMEOUT_SECS => {
            Ok(Some(Duration::from_secs_f64(s)))
        }
        Some(s) => Err(ToolError::Invalid(format!(
            "timeout must be a number of seconds between 0 and {MAX_TIMEOUT_SECS} (0 = no timeout); got {s}."
        ))),
    }
}

#[derive(Debug)]
enum Ending {
    /// bash exited; `detached` when background processes still held the output pipe.
    Exited {
        status: ExitStatus,
        detached: bool,
    },
    TimedOut,
    Cancelled,
    WaitFailed(std::io::Error),
}

async fn pump(
    child: &mut Child,
    pipe: &mut pipe::Receiver,
    log: &mut OutputLog,
    ctx: &ToolContext,
    timeout: Option<Duration>,
) -> Ending {
    let mut buf = vec![0u8; 16 * 1024];
    let deadline = timeout.map(|d| Instant::now() + d);
    let mut status: Option<ExitStatus> = None;
    let mut grace: Option<Instant> = None;
    let mut eof = false;
    loop {
        if let (true, Some(status)) = (eof, status) {
            return Ending::Exited {
                status,
                detached: false,
            };
        }
        tokio::select! {
            biased;
            () = ctx.cancel.cancelled() => return Ending::Cancelled,
            () = sleep_until(deadline) => return Ending::TimedOut,
            r = pipe.read(&mut buf), if !eof => match r {
                Ok(0) => eof = true,
                Ok(n) => emit(ctx, &log.push(&buf[..n])),
                Err(e) => {
                    tracing::warn!(error = %e, "reading bash output failed");
                    eof = true;
                }
            },
            s = child.wait(), if status.is_none() => match s {
                Ok(s) => {
                    status = Some(s);
                    grace = Some(Instant::now() + EXIT_GRACE);
                }
                Err(e) => return Ending::WaitFailed(e),
            },
            () = sleep_until(grace), if !eof => {
                if let Some(status) = status {
                    return Ending::Exited { status, detached: true };
                }
            }
        }
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

fn emit(ctx: &ToolContext, text: &str) {
    if let (Some(sink), false) = (&ctx.on_output, text.is_empty()) {
        sink(text);
    }
}

/// SIGTERM to the group, a short wait, then SIGKILL to whatever is left of it.
async fn kill_group(group: Option<Pid>, child: &mut Child) {
    match group {
        Some(pg) => signal_group(pg, Signal::SIGTERM),
        None => {
            let _ = child.start_kill();
        }
    }
    let _ = tokio::time::timeout(TERM_GRACE, child.wait()).await;
    if let Some(pg) = group {
        signal_group(pg, Signal::SIGKILL);
    }
    let _ = child.start_kill();
    let _ = tokio::time::timeout(Duration::from_secs(2), child.wait()).await;
}

fn signal_group(pg: Pid, signal: Signal) {
    if let Err(e) = killpg(pg, signal)
        && e != nix::errno::Errno::ESRCH
    {
        tracing::warn!(error = %e, ?signal, "could not signal the bash process group");
    }
}

/// Reads what the killed group left in the pipe, briefly.
async fn drain(pipe: &mut pipe::Receiver, log: &mut OutputLog, ctx: &ToolContext) {
    let mut buf = vec![0u8; 16 * 1024];
    let until = Instant::now() + Duration::from_millis(200);
    while let Ok(Ok(n)) = tokio::time::timeout_at(until, pipe.read(&mut buf)).await {
        if n == 0 {
            break;
        }
        emit(ctx, &log.push(&buf[..n]));
    }
}

/// Kills the group if the tool future is dropped while the command runs.
struct GroupGuard(Option<Pid>);

impl GroupGuard {
    fn disarm(&mut self) {
        self.0 = None;
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(pg) = self.0.take() {
            signal_group(pg, Signal::SIGKILL);
        }
    }
}

fn result(ending: Ending, log: OutputLog, timeout: Option<Duration>) -> ToolOutput {
    let fin = log.finish();
    let mut text = fin.text;
    if let Some(note) = &fin.note {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(note);
    }
    let secs = timeout.map_or(0.0, |d| d.as_secs_f64());
    let (status, is_error, code) = match &ending {
        Ending::Exited { status, detached } => {
            let mut line = match (status.code(), status.signal()) {
                (Some(0), _) => None,
                (Some(code), _) => Some(format!("Command exited with code {code}")),
                (None, Some(sig)) => Some(format!("Command was killed by signal {sig}")),
                (None, None) => Some("Command ended abnormally".to_string()),
            };
            let failed = line.is_some();
            if *detached {
                let note = "(Background processes are still running and holding the output; their later output is not captured.)";
                line = Some(line.map_or(note.to_string(), |l| format!("{l}\n{note}")));
            }
            (line, failed, status.code())
        }
        Ending::TimedOut => (
            Some(format!(
                "Command timed out after {} seconds; its process group was killed.",
                format_secs(secs)
            )),
            true,
            None,
        ),
        Ending::Cancelled => (
            Some("Command cancelled; its process group was killed.".to_string()),
            true,
            None,
        ),
        Ending::WaitFailed(e) => (Some(format!("Could not wait for bash: {e}")), true, None),
    };
    match status {
        Some(status) if text.is_empty() => text = status,
        Some(status) => {
            text.push_str("\n\n");
            text.push_str(&status);
        }
        None if text.is_empty() => text = "(no output)".to_string(),
        None => {}
    }
    let details = json!({
        "exitCode": code,
        "timedOut": matches!(ending, Ending::TimedOut),
        "cancelled": matches!(ending, Ending::Cancelled),
        "truncated": fin.note.is_some(),
        "fullOutputPath": fin.full_output.as_ref().map(|p| p.display().to_string()),
        "totalBytes": fin.total_bytes,
    });
    ToolOutput {
        is_error,
        ..ToolOutput::text(text).with_details(details)
    }
}

fn format_secs(secs: f64) -> String {
    if secs.fract() == 0.0 {
        format!("{secs:.0}")
    } else {
        format!("{secs:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts() {
        assert_eq!(
            resolve_timeout(None, 120_000).unwrap(),
            Some(Duration::from_secs(120))
        );
        assert_eq!(resolve_timeout(None, 0).unwrap(), None);
        assert_eq!(resolve_timeout(Some(0.0), 5).unwrap(), None);
        assert_eq!(
            resolve_timeout(Some(1.5), 5).unwrap(),
            Some(Duration::from_millis(1500))
        );
        assert!(resolve_timeout(Some(-1.0), 5).is_err());
        assert!(resolve_timeout(Some(f64::NAN), 5).is_err());
        assert_eq!(format_secs(2.0), "2");
        assert_eq!(format_secs(0.5), "0.5");
    }
}
