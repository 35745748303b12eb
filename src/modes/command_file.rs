//! `--command-file F`: runs a script through the command engine, one line at a time. Slash
//! commands go to the engine; other lines are prompts (a user turn, its answer printed).
//! Output goes to stdout, failures (naming file and line) and progress to stderr, and a last
//! line `N passed, N failed`; the exit status is 0 only if every line passed.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::VecDeque;
use std::io::Write;
use std::path::PathBuf;

use super::approve::{approval_progress, headless_answer};
use super::escape::escape_controls;
use super::progress::progress_line;
use crate::agent::{AgentConfig, AgentHandle, EventMsg, Op, Submission, spawn_agent};
use crate::commands::{
    CommandEngine, EngineContext, Outcome, is_command, script_lines, settings_lines, share_session,
};
use crate::session::{ImportMode, SessionStore};
use crate::tools::policy::PolicySources;

const EXIT_OK: u8 = 0;
const EXIT_FAILURE: u8 = 1;
const EXIT_CANCELLED: u8 = 130;
/// How deep macros may run macros.
const MAX_MACRO_DEPTH: usize = 8;

pub struct CommandFileOptions {
    /// The file's name as shown in messages.
    pub label: String,
    pub text: String,
    pub continue_on_error: bool,
    pub import_mode: ImportMode,
    pub cwd: PathBuf,
    /// Approve every call the policy asks about (`--approve-all`); else they are denied.
    pub approve_all: bool,
    /// Where each tool policy value came from (`/policy`).
    pub policy_sources: PolicySources,
    /// The skills folders, for `/doctor`.
    pub skills: crate::skills::SkillsConfig,
    /// The events runner's files, for the `/events-*` commands.
    pub events: Option<std::sync::Arc<dyn crate::commands::EventsAccess>>,
}

/// One line to run and where it came from.
struct Line {
    origin: String,
    number: usize,
    text: String,
    depth: usize,
}

/// How one line went.
enum Verdict {
    Passed,
    Failed(String),
    Quit,
    Cancelled,
}

struct Runner {
    engine: CommandEngine,
    agent: AgentHandle,
    next_id: u64,
    interrupts: u32,
    sigint: super::interrupt::Interrupts,
    approve_all: bool,
}

fn print_lines(lines: &[String]) {
    let mut out = std::io::stdout().lock();
    for l in lines {
        let _ = writeln!(out, "{}", escape_controls(l));
    }
    let _ = out.flush();
}

impl Runner {
    /// Sends `op` to the agent and waits for its answer, printing progress on the way.
    async fn submit(&mut self, op: Op) -> Verdict {
        self.next_id += 1;
        let id = self.next_id;
        if self
            .agent
            .submissions
            .send(Submission { id, op: op.clone() })
            .is_err()
        {
            return Verdict::Failed("the agent task stopped".to_string());
        }
        loop {
            tokio::select! {
                ev = self.agent.events.recv() => {
                    let Some(ev) = ev else {
                        return Verdict::Failed("the agent task stopped".to_string());
                    };
                    self.engine.observe(&ev.msg);
                    if let Some(op) = headless_answer(&ev.msg, self.approve_all) {
                        let _ = self.agent.submissions.send(Submission { id: ev.id, op });
                    }
                    if let Some(line) = progress_line(&ev.msg)
                        .or_else(|| approval_progress(&ev.msg, self.approve_all))
                    {
                        eprintln!("{}", escape_controls(&line));
                    }
                    if ev.id == 0 && let EventMsg::Error { message } = &ev.msg {
                        eprintln!("pi: {}", escape_controls(message));
                    }
                    if ev.id == id && op.is_answered_by(&ev.msg) {
                        return answer(&ev.msg);
                    }
                }
                () = self.sigint.next() => {
                    self.interrupts += 1;
                    if self.interrupts > 1 {
                        return Verdict::Cancelled;
                    }
                    eprintln!("pi: cancelling (Ctrl+C again to exit without waiting for the turn)");
                    let _ = self.agent.submissions.send(Submission { id: 0, op: Op::Interrupt });
                }
            }
        }
    }

    async fn run_line(&mut self, line: &Line, queue: &mut VecDeque<Line>) -> Verdict {
        if !is_command(&line.text) {
            return self
                .submit(Op::UserTurn {
                    text: line.text.clone(),
                    images: Vec::new(),
                })
                .await;
        }
        let out = match self.engine.execute(&line.text) {
            Ok(out) => out,
            Err(e) => return Verdict::Failed(e.to_string()),
        };
        print_lines(&out.render());
        let verdict = match out.outcome {
            Outcome::Done => Verdict::Passed,
            Outcome::Quit => Verdict::Quit,
            Outcome::Submit(op) => self.submit(op).await,
            Outcome::Run { name, lines } => {
                if line.depth >= MAX_MACRO_DEPTH {
                    return Verdict::Failed(format!(
                        "macro '{name}' is nested more than {MAX_MACRO_DEPTH} deep; does it run itself?"
                    ));
                }
                let origin = format!("macro {name}");
                for (i, text) in lines.into_iter().enumerate().rev() {
                    queue.push_front(Line {
                        origin: origin.clone(),
                        number: i + 1,
                        text,
                        depth: line.depth + 1,
                    });
                }
                Verdict::Passed
            }
        };
        match verdict {
            Verdict::Passed if !out.ok => {
                let name = line.text.split_whitespace().next().unwrap_or_default();
                let summary = out.lines.last().map_or("", String::as_str);
                Verdict::Failed(format!("{name} failed: {summary}"))
            }
            v => v,
        }
    }
}

/// Prints the answer to an op and says whether it succeeded.
fn answer(msg: &EventMsg) -> Verdict {
    match msg {
        EventMsg::TurnFinished { text, .. } => {
            let mut text = text.clone();
            if !text.ends_with('\n') {
                text.push('\n');
            }
            print!("{}", escape_controls(&text));
            let _ = std::io::stdout().flush();
            Verdict::Passed
        }
        EventMsg::ModelChanged { model } => {
            print_lines(&[format!("model: {model}")]);
            Verdict::Passed
        }
        EventMsg::ThinkingChanged { level } => {
            print_lines(&[format!("thinking: {level:?}").to_lowercase()]);
            Verdict::Passed
        }
        EventMsg::Compacted {
            entry_id,
            summarized,
            kept,
            tokens_before,
            tokens_after,
            ..
        } => {
            print_lines(&[format!(
                "compacted: {} summarised in entry {entry_id}, {kept} kept; about {tokens_before} → {tokens_after} tokens",
                crate::text::count(*summarized, "message", "messages")
            )]);
            Verdict::Passed
        }
        EventMsg::CompactionSkipped { reason } => {
            print_lines(std::slice::from_ref(reason));
            Verdict::Passed
        }
        EventMsg::SettingsApplied { settings } => {
            let mut lines = vec!["settings applied:".to_string()];
            lines.extend(
                settings_lines(settings)
                    .into_iter()
                    .map(|l| format!("  {l}")),
            );
            print_lines(&lines);
            Verdict::Passed
        }
        EventMsg::TurnCancelled => Verdict::Cancelled,
        EventMsg::Error { message } => Verdict::Failed(message.clone()),
        _ => Verdict::Passed,
    }
}

/// Runs the script; returns the exit status.
pub async fn run_command_file(
    config: AgentConfig,
    session: SessionStore,
    warnings: Vec<String>,
    options: CommandFileOptions,
) -> u8 {
    for w in &warnings {
        eprintln!("pi: warning: {}", escape_controls(w));
    }
    let shared = share_session(session);
    let ctx = EngineContext {
        cwd: options.cwd.clone(),
        client: config.client.clone(),
        settings: config.settings(),
        import_mode: options.import_mode,
        policy: config.policy.clone(),
        policy_sources: options.policy_sources.clone(),
        audit_log: config.audit_log.clone(),
        skills: options.skills.clone(),
        events: options.events.clone(),
    };
    let engine = CommandEngine::new(shared.clone(), ctx);
    let agent = spawn_agent(config, shared);
    let mut runner = Runner {
        engine,
        agent,
        next_id: 0,
        interrupts: 0,
        sigint: super::interrupt::Interrupts::register(),
        approve_all: options.approve_all,
    };
    let mut queue: VecDeque<Line> = script_lines(&options.text)
        .into_iter()
        .map(|(number, text)| Line {
            origin: options.label.clone(),
            number,
            text: text.to_string(),
            depth: 0,
        })
        .collect();
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut cancelled = false;
    while let Some(line) = queue.pop_front() {
        match runner.run_line(&line, &mut queue).await {
            Verdict::Passed => passed += 1,
            Verdict::Quit => {
                passed += 1;
                break;
            }
            Verdict::Failed(message) => {
                failed += 1;
                eprintln!(
                    "pi: {}:{}: {}",
                    line.origin,
                    line.number,
                    escape_controls(&message)
                );
                if !options.continue_on_error {
                    if !queue.is_empty() {
                        let n = queue.len();
                        let s = if n == 1 { "" } else { "s" };
                        eprintln!(
                            "pi: stopped at the first failure; {n} line{s} not run (--command-file-error-mode continue-on-error runs them)"
                        );
                    }
                    break;
                }
            }
            Verdict::Cancelled => {
                failed += 1;
                cancelled = true;
                eprintln!("pi: {}:{}: cancelled", line.origin, line.number);
                break;
            }
        }
    }
    print_lines(&[format!("{passed} passed, {failed} failed")]);
    let _ = runner.agent.submissions.send(Submission {
        id: u64::MAX,
        op: Op::Shutdown,
    });
    if cancelled {
        // A cancelled turn writes its tools' results as they wind down: give them a second.
        let _ =
            tokio::time::timeout(std::time::Duration::from_secs(1), &mut runner.agent.join).await;
    } else {
        // Let the task finish its last session append before the process ends.
        let _ = (&mut runner.agent.join).await;
    }
    if cancelled {
        EXIT_CANCELLED
    } else if failed == 0 {
        EXIT_OK
    } else {
        EXIT_FAILURE
    }
}
