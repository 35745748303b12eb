//! `bash`: `bash -c COMMAND` (not a login shell: it starts fast) in the working directory, in a
//! process group of its own, in the OS sandbox the policy asks for (`sandbox::plan`), with
//! pi's environment less its credentials (`bash_env`). stdout and stderr share one pipe, so
//! they arrive in the order they were written. On timeout or cancel the whole group gets
//! SIGTERM, then SIGKILL; in bubblewrap the group is bwrap's, and its `--die-with-parent` and
//! pid namespace take everything inside down with it.

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
use super::bash_env::bash_env;
use super::bash_output::OutputLog;
use super::error::ToolError;
use super::sandbox::{self, SandboxReport};
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
    let launch = sandbox::plan(&ctx.policy, &args.command)?;
    let mut cmd = Command::new(&launch.program);
    cmd.args(&launch.args)
        .current_dir(cwd)
        .env_clear()
        .envs(bash_env(&ctx.policy.env, std::env::vars_os()))
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(writer_err)
        .process_group(0);
    let spawned = cmd.spawn();
    // The command holds our copies of the pipe's write end; close them or EOF never comes.
    drop(cmd);
    let mut child = spawned.map_err(|e| {
        ToolError::Invalid(format!(
            "Could not start {}: {e}. Is it installed and on PATH?",
            launch.program.to_string_lossy()
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
    let mut log = OutputLog::new(ctx.policy.max_tool_output_bytes, ctx.spill.clone());

    let ending = pump(&mut child, &mut pipe, &mut log, ctx, timeout.limit).await;
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
    Ok(result(ending, log, &timeout, &launch.report))
}

/// The time limit of one call.
#[derive(Debug, Clone, PartialEq)]
struct Timeout {
    limit: Option<Duration>,
    /// What the call asked for when the ceiling replaced it (`Some(0.0)`: no limit).
    capped_from: Option<f64>,
}

/// The policy's `bash_timeout_ms` is the default and the ceiling: a call may ask for less,
/// never for more, and `0` (no limit) is capped to it too. A ceiling of 0 means no limit; a
/// call may still ask for one.
fn resolve_timeout(arg: Option<f64>, ceiling_ms: u64) -> Result<Timeout, ToolError> {
    let ceiling = (ceiling_ms > 0).then(|| Duration::from_millis(ceiling_ms));
    let asked = match arg {
        None => None,
        Some(s) if s.is_finite() && (0.0..=MAX_TIMEOUT_SECS).contains(&s) => Some(s),
        Some(s) => {
            let most = ceiling.map_or(MAX_TIMEOUT_SECS, |c| c.as_secs_f64());
            return Err(ToolError::Invalid(format!(
                "timeout must be a number of seconds from 0 to {} (0 = as long as allowed); got {s}.",
                format_secs(most)
            )));
        }
    };
    let (limit, capped) = match (asked, ceiling) {
        (None, ceiling) => (ceiling, false),
        (Some(s), None) => ((s > 0.0).then(|| Duration::from_secs_f64(s)), false),
        (Some(s), Some(c)) if s == 0.0 || s > c.as_secs_f64() => (Some(c), true),
        (Some(s), Some(_)) => (Some(Duration::from_secs_f64(s)), false),
    };
    Ok(Timeout {
        limit,
        capped_from: if capped { asked } else { None },
    })
}

impl Timeout {
    /// Says that the call's own timeout was replaced by the ceiling.
    fn capped_note(&self) -> Option<String> {
        let (asked, limit) = (self.capped_from?, self.limit?);
        let asked = if asked == 0.0 {
            "no timeout".to_string()
        } else {
            format!("{} seconds", format_secs(asked))
        };
        Some(format!(
            "[The call asked for {asked}; the most allowed is {} seconds (--bash-timeout-ms), which was used.]",
            format_secs(limit.as_secs_f64())
        ))
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

fn result(ending: Ending, log: OutputLog, timeout: &Timeout, report: &SandboxReport) -> ToolOutput {
    let fin = log.finish();
    let cause = match &ending {
        Ending::Exited { status, .. } => report.diagnose(&fin.text, status.code()),
        _ => None,
    };
    let mut text = fin.text;
    if let Some(note) = &fin.note {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(note);
    }
    let secs = timeout.limit.map_or(0.0, |d| d.as_secs_f64());
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
    let notes = [
        timeout.capped_note(),
        cause.as_ref().map(|c| {
            format!(
                "[The OS sandbox likely caused this failure: {}. Do not try to get around it; if the command needs this, tell the user, who can {}.]",
                c.cause, c.loosen
            )
        }),
    ];
    for note in notes.into_iter().flatten() {
        text.push_str("\n\n");
        text.push_str(&note);
    }
    let details = json!({
        "exitCode": code,
        "timedOut": matches!(ending, Ending::TimedOut),
        "cancelled": matches!(ending, Ending::Cancelled),
        "truncated": fin.note.is_some(),
        "fullOutputPath": fin.full_output.as_ref().map(|p| p.display().to_string()),
        "totalBytes": fin.total_bytes,
        "timeoutCapped": timeout.capped_from.is_some(),
        "sandbox": report.details(cause.as_ref()),
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

    fn limit(arg: Option<f64>, ceiling_ms: u64) -> (Option<Duration>, bool) {
        let t = resolve_timeout(arg, ceiling_ms).unwrap();
        (t.limit, t.capped_from.is_some())
    }

    #[test]
    fn the_policy_timeout_is_the_default_and_the_ceiling() {
        let secs = |s: f64| Some(Duration::from_secs_f64(s));
        assert_eq!(limit(None, 120_000), (secs(120.0), false));
        assert_eq!(limit(Some(1.5), 120_000), (secs(1.5), false));
        assert_eq!(limit(Some(120.0), 120_000), (secs(120.0), false));
        assert_eq!(limit(Some(600.0), 120_000), (secs(120.0), true));
        assert_eq!(limit(Some(0.0), 120_000), (secs(120.0), true));
        // No ceiling: no default limit, and a call may still ask for one.
        assert_eq!(limit(None, 0), (None, false));
        assert_eq!(limit(Some(0.0), 0), (None, false));
        assert_eq!(limit(Some(5.0), 0), (secs(5.0), false));
        assert!(resolve_timeout(Some(-1.0), 5).is_err());
        assert!(resolve_timeout(Some(f64::NAN), 5).is_err());
        let e = resolve_timeout(Some(f64::INFINITY), 90_000).unwrap_err();
        assert!(e.to_string().contains("from 0 to 90 "), "{e}");
    }

    #[test]
    fn a_capped_timeout_says_so() {
        let note = resolve_timeout(Some(0.0), 60_000)
            .unwrap()
            .capped_note()
            .unwrap();
        assert_eq!(
            note,
            "[The call asked for no timeout; the most allowed is 60 seconds (--bash-timeout-ms), which was used.]"
        );
        let note = resolve_timeout(Some(90.5), 60_000)
            .unwrap()
            .capped_note()
            .unwrap();
        assert!(
            note.starts_with("[The call asked for 90.5 seconds;"),
            "{note}"
        );
        assert_eq!(
            resolve_timeout(Some(5.0), 60_000).unwrap().capped_note(),
            None
        );
        assert_eq!(format_secs(2.0), "2");
        assert_eq!(format_secs(0.5), "0.5");
    }
}
