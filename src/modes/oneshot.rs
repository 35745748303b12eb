//! One prompt to completion: the answer (or the agent's events as JSON lines) on stdout,
//! progress on stderr, and an exit status that tells how it went.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;
use std::time::Duration;

use super::approve::{approval_progress, headless_answer};
use super::escape::escape_controls;
use super::progress::progress_line;
use crate::agent::{AgentConfig, Event, EventMsg, Op, Submission, spawn_agent};
use crate::commands::share_session;
use crate::session::SessionStore;

/// Exit statuses (the same numbers as `cli::exit`, which sits above this layer).
const EXIT_OK: u8 = 0;
const EXIT_FAILURE: u8 = 1;
const EXIT_CANCELLED: u8 = 130;

/// How long a second Ctrl+C waits for the cancelled tools' results to be written.
const SECOND_INTERRUPT_GRACE: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy)]
pub struct OneshotOptions {
    /// Print every agent event as one JSON object a line.
    pub json: bool,
    /// Print assistant text as it streams instead of the final answer at the end.
    pub stream_output: bool,
    pub stream_delay_ms: u64,
    /// Approve every call the policy asks about (`--approve-all`); else they are denied.
    pub approve_all: bool,
}

/// Runs `prompt` as one user turn; returns the exit status.
pub async fn run_oneshot(
    config: AgentConfig,
    session: SessionStore,
    warnings: Vec<String>,
    prompt: String,
    options: OneshotOptions,
) -> u8 {
    for w in &warnings {
        eprintln!("pi: warning: {}", escape_controls(w));
    }
    let mut sigint = super::interrupt::Interrupts::register();
    let mut handle = spawn_agent(config, share_session(session));
    let turn = Submission {
        id: 1,
        op: Op::UserTurn {
            text: prompt,
            images: Vec::new(),
        },
    };
    if handle.submissions.send(turn).is_err() {
        eprintln!("pi: the agent task stopped before the prompt was sent");
        return EXIT_FAILURE;
    }
    let mut printer = Printer::new(options);
    let mut interrupts = 0u32;
    // After a second Ctrl+C, tools get this long to wind down so their results reach the
    // session; then the process exits whatever state the turn is in.
    let give_up = tokio::time::sleep(Duration::from_secs(3600));
    tokio::pin!(give_up);
    let code = loop {
        tokio::select! {
            ev = handle.events.recv() => {
                let Some(ev) = ev else { break EXIT_FAILURE };
                if let Some(op) = headless_answer(&ev.msg, options.approve_all) {
                    let _ = handle.submissions.send(Submission { id: ev.id, op });
                }
                if let Some(code) = printer.event(&ev).await {
                    break code;
                }
            }
            () = sigint.next() => {
                interrupts += 1;
                if interrupts > 1 {
                    eprintln!("pi: interrupted twice, exiting");
                    give_up.as_mut().reset(tokio::time::Instant::now() + SECOND_INTERRUPT_GRACE);
                    continue;
                }
                eprintln!("pi: cancelling (Ctrl+C again to exit without waiting for the turn)");
                let _ = handle.submissions.send(Submission { id: 2, op: Op::Interrupt });
            }
            () = &mut give_up, if interrupts > 1 => return EXIT_CANCELLED,
        }
    };
    let _ = handle.submissions.send(Submission {
        id: 3,
        op: Op::Shutdown,
    });
    // Let the task finish its last session append before the process ends.
    let _ = handle.join.await;
    code
}

/// Turns agent events into stdout / stderr output.
struct Printer {
    options: OneshotOptions,
    /// Whether streamed text has been printed since the last newline.
    mid_line: bool,
    streamed_any: bool,
}

impl Printer {
    fn new(options: OneshotOptions) -> Self {
        Printer {
            options,
            mid_line: false,
            streamed_any: false,
        }
    }

    /// Handles one event; `Some(code)` when the run is over.
    async fn event(&mut self, ev: &Event) -> Option<u8> {
        if self.options.json
            && let Ok(line) = serde_json::to_string(ev)
        {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
        if let Some(line) =
            progress_line(&ev.msg).or_else(|| approval_progress(&ev.msg, self.options.approve_all))
        {
            progress(&line);
        }
        match &ev.msg {
            EventMsg::TextDelta { delta } if self.options.stream_output && !self.options.json => {
                self.stream_text(delta).await;
            }
            EventMsg::AssistantFinished { .. }
                if self.options.stream_output && self.mid_line && !self.options.json =>
            {
                println!();
                self.mid_line = false;
            }
            EventMsg::TurnFinished { text, .. } => {
                if !self.options.json {
                    if self.options.stream_output && self.streamed_any {
                        if self.mid_line {
                            println!();
                        }
                    } else {
                        let mut out = std::io::stdout().lock();
                        let _ = write!(out, "{}", escape_controls(text));
                        if !text.ends_with('\n') {
                            let _ = writeln!(out);
                        }
                        let _ = out.flush();
                    }
                }
                return Some(EXIT_OK);
            }
            EventMsg::TurnCancelled => {
                progress("cancelled; the session is consistent");
                return Some(EXIT_CANCELLED);
            }
            EventMsg::Error { message } => {
                eprintln!("pi: {}", escape_controls(message));
                return Some(EXIT_FAILURE);
            }
            _ => {}
        }
        None
    }

    async fn stream_text(&mut self, delta: &str) {
        {
            let mut out = std::io::stdout().lock();
            let _ = write!(out, "{}", escape_controls(delta));
            let _ = out.flush();
        }
        self.streamed_any = true;
        self.mid_line = !delta.ends_with('\n');
        if self.options.stream_delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(self.options.stream_delay_ms)).await;
        }
    }
}

fn progress(line: &str) {
    eprintln!("{}", escape_controls(line));
}
