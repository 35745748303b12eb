//! The agent task: takes `Submission`s, keeps the active branch's messages in step with the
//! shared session, runs turns and compactions, and reports `Event`s.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::approval::PendingApprovals;
use super::audit::{AuditRecorder, relay};
use super::log::{LogError, SessionLog, SharedSessionLog, lock_log};
use super::protocol::{Event, EventMsg, Op, Submission};
use crate::ai::types::{Message, ThinkingLevel, ToolSpec, Usage};
use crate::ai::{AiClient, ModelRef};
use crate::tools::sandbox::{SandboxUnavailable, probe_bwrap};
use crate::tools::secrets::Secrets;
use crate::tools::{SandboxMode, SpillFolder, ToolPolicy, tool_specs};

/// Everything the agent task needs besides the session.
#[derive(Clone)]
pub struct AgentConfig {
    pub model: ModelRef,
    pub client: Arc<AiClient>,
    pub policy: Arc<ToolPolicy>,
    pub system_prompt: String,
    /// Most model requests in one user turn.
    pub max_turns: u32,
    /// Whole-turn limit; 0 disables it.
    pub turn_timeout_ms: u64,
    pub max_output_tokens: Option<u32>,
    pub thinking: ThinkingLevel,
    /// Use the providers' streaming endpoints.
    pub stream: bool,
    /// The model's context window in tokens when the catalog does not know it (or to
    /// override it); compaction starts before a request would exceed it.
    pub context_window: Option<u64>,
    /// Secret values replaced by `[redacted]` in tool output before anyone sees it.
    pub secrets: Secrets,
    /// Append one JSON line per tool call start and end here (`--tool-audit-log`).
    pub audit_log: Option<PathBuf>,
}

/// The front end's side of a running agent task.
pub struct AgentHandle {
    pub submissions: mpsc::UnboundedSender<Submission>,
    pub events: mpsc::UnboundedReceiver<Event>,
    pub join: JoinHandle<()>,
}

/// Starts the agent task on the current tokio runtime. The session stays shared: a front end
/// keeps its own clone of the `Arc` to run session commands between turns.
pub fn spawn_agent(config: AgentConfig, session: SharedSessionLog) -> AgentHandle {
    let (sub_tx, sub_rx) = mpsc::unbounded_channel();
    let (ev_tx, ev_rx) = mpsc::unbounded_channel();
    let join = match config.audit_log.clone() {
        None => tokio::spawn(Agent::new(config, session, ev_tx).run(sub_rx)),
        Some(path) => {
            let recorder = AuditRecorder::new(path, config.secrets.clone(), session.clone());
            let (agent_tx, agent_rx) = mpsc::unbounded_channel();
            let agent = Agent::new(config, session, agent_tx);
            // One task for both, so `join` ends only after the last record is written.
            tokio::spawn(async move {
                tokio::join!(agent.run(sub_rx), relay(recorder, agent_rx, ev_tx));
            })
        }
    };
    AgentHandle {
        submissions: sub_tx,
        events: ev_rx,
        join,
    }
}

pub(super) struct Agent {
    pub(super) cfg: AgentConfig,
    pub(super) session: SharedSessionLog,
    /// The session revision `messages` was loaded at (`None`: not loaded yet).
    pub(super) revision: Option<u64>,
    /// The active branch as sent to the model.
    pub(super) messages: Vec<Message>,
    /// The entry id of each message in `messages`.
    pub(super) entry_ids: Vec<String>,
    /// The model last recorded on the active branch.
    pub(super) branch_model: Option<(String, String)>,
    pub(super) session_usage: Usage,
    pub(super) tools: Vec<ToolSpec>,
    /// Size of the tool schemas as sent, for token estimates.
    pub(super) tools_bytes: usize,
    /// The active skills and the index of the others, appended to `cfg.system_prompt`
    /// (`Op::SetSkills`).
    pub(super) skills_section: String,
    pub(super) events: mpsc::UnboundedSender<Event>,
    /// Calls of the running turn waiting for `Op::Approve`.
    pub(super) approvals: PendingApprovals,
    /// Calls approved "for the session": the same call runs unasked for the rest of the run.
    pub(super) session_approved: HashSet<String>,
    /// Where bash keeps long outputs for this run; removed when the agent ends.
    pub(super) spill: Arc<SpillFolder>,
    /// The (model, thinking level) pairs whose reasoning-value mapping was already shown.
    pub(super) effort_notes: HashSet<(String, ThinkingLevel)>,
}

impl Agent {
    fn new(
        mut cfg: AgentConfig,
        session: SharedSessionLog,
        events: mpsc::UnboundedSender<Event>,
    ) -> Self {
        // The read tool may open the run's long bash outputs (and only read them).
        let spill = Arc::new(SpillFolder::new());
        Arc::make_mut(&mut cfg.policy)
            .read_only_roots
            .push(spill.path().to_path_buf());
        let tools = tool_specs();
        let tools_bytes = serde_json::to_string(&tools).map_or(0, |s| s.len());
        Agent {
            cfg,
            session,
            revision: None,
            messages: Vec::new(),
            entry_ids: Vec::new(),
            branch_model: None,
            session_usage: Usage::default(),
            tools,
            tools_bytes,
            skills_section: String::new(),
            events,
            approvals: PendingApprovals::default(),
            session_approved: HashSet::new(),
            spill,
            effort_notes: HashSet::new(),
        }
    }

    /// The system prompt of the next request: the configured one, then the active skills.
    pub(super) fn system_prompt(&self) -> String {
        format!("{}{}", self.cfg.system_prompt, self.skills_section)
    }

    pub(super) fn emit(&self, id: u64, msg: EventMsg) {
        // A closed receiver means the front end is gone; nothing is left to tell.
        let _ = self.events.send(Event { id, msg });
    }

    pub(super) fn emit_error(&self, id: u64, message: impl Into<String>) {
        self.emit(
            id,
            EventMsg::Error {
                message: message.into(),
            },
        );
    }

    /// Reloads the active branch if the session changed since it was loaded (a front end
    /// moved the head, imported, repaired ...).
    pub(super) fn sync(&mut self) -> Result<(), String> {
        let log = lock_log(&self.session);
        let revision = log.revision();
        if self.revision == Some(revision) {
            return Ok(());
        }
        let ctx = log.context().map_err(|e| e.to_string())?;
        drop(log);
        self.messages = ctx.messages;
        self.entry_ids = ctx.entry_ids;
        self.branch_model = ctx.model;
        self.revision = Some(revision);
        // The running total is the branch's (compacted turns included): recounted whenever
        // the branch is reloaded.
        self.session_usage = ctx.usage;
        Ok(())
    }

    /// Runs one append on the shared log. If the cached messages were in step before it,
    /// they stay in step (the caller adds what it appended); otherwise the next `sync`
    /// reloads them.
    pub(super) fn append(
        &mut self,
        write: impl FnOnce(&mut dyn SessionLog) -> Result<String, LogError>,
    ) -> Result<String, String> {
        let mut log = lock_log(&self.session);
        let in_step = self.revision == Some(log.revision());
        let id = write(&mut *log).map_err(|e| e.to_string())?;
        if in_step {
            self.revision = Some(log.revision());
        }
        drop(log);
        self.emit(
            0,
            EventMsg::HeadMoved {
                entry_id: id.clone(),
            },
        );
        Ok(id)
    }

    /// Appends a message and adds it to the cached branch.
    pub(super) fn push_message(&mut self, message: Message) -> Result<String, String> {
        let id = self.append(|log| log.append_message(&message))?;
        self.messages.push(message);
        self.entry_ids.push(id.clone());
        Ok(id)
    }

    /// Records the model in use on the branch if the branch last recorded another one.
    pub(super) fn ensure_model_recorded(&mut self) -> Result<(), String> {
        let current = (
            self.cfg.model.provider.as_str().to_string(),
            self.cfg.model.id.clone(),
        );
        if self.branch_model.as_ref() == Some(&current) {
            return Ok(());
        }
        self.append(|log| log.append_model_change(&current.0, &current.1))?;
        self.branch_model = Some(current);
        Ok(())
    }

    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Submission>) {
        // The branch is loaded on first need (a turn, a compaction), not here: a command
        // file that only inspects a 100 MB session never parses its messages.
        let (session, head) = {
            let log = lock_log(&self.session);
            (log.path().map(|p| p.display().to_string()), log.head())
        };
        self.emit(
            0,
            EventMsg::SessionConfigured {
                model: self.cfg.model.to_string(),
                session,
                head,
            },
        );
        self.check_sandbox();
        let mut queue: VecDeque<Submission> = VecDeque::new();
        loop {
            let sub = match queue.pop_front() {
                Some(s) => s,
                None => match rx.recv().await {
                    Some(s) => s,
                    None => break,
                },
            };
            let cancel = CancellationToken::new();
            let approvals = self.approvals.clone();
            match sub.op {
                Op::UserTurn { text, images } => {
                    let turn = self.user_turn(sub.id, text, images, cancel.clone());
                    drive(turn, &cancel, &approvals, &mut rx, &mut queue).await;
                }
                Op::Compact { instructions } => {
                    let work = self.compact_op(sub.id, instructions, cancel.clone());
                    drive(work, &cancel, &approvals, &mut rx, &mut queue).await;
                }
                Op::Interrupt => {}
                Op::Approve { call_id, .. } => {
                    tracing::debug!(call_id, "an approval came when no call was waiting");
                }
                Op::SetModel { model } => self.set_model(sub.id, &model),
                Op::SetThinking { level } => self.set_thinking(sub.id, level),
                Op::Configure { settings } => self.configure(sub.id, &settings),
                Op::SetSkills { skills, index } => self.set_skills(sub.id, &skills, &index),
                Op::Shutdown => break,
            }
        }
        self.emit(0, EventMsg::ShutdownComplete);
    }
}

impl Agent {
    /// Probes bubblewrap off the agent's thread when the policy wants the sandbox, and reports
    /// the answer once (front ends show an unsandboxed run).
    fn check_sandbox(&self) {
        let sandbox = &self.cfg.policy.sandbox;
        if sandbox.mode == SandboxMode::Off || sandbox.launcher.is_some() {
            return;
        }
        let mode = sandbox.mode;
        let events = self.events.clone();
        tokio::task::spawn_blocking(move || {
            let (active, detail) = match probe_bwrap() {
                Ok(path) => (true, format!("bubblewrap at {}", path.display())),
                Err(e) => (false, unsandboxed_detail(mode, e)),
            };
            let _ = events.send(Event {
                id: 0,
                msg: EventMsg::SandboxChecked {
                    mode,
                    active,
                    detail,
                },
            });
        });
    }
}

/// What an unavailable sandbox means for bash, and the fix.
fn unsandboxed_detail(mode: SandboxMode, why: &SandboxUnavailable) -> String {
    let fix = "install bubblewrap (apt-get install bubblewrap)";
    match mode {
        SandboxMode::Force => format!(
            "bash will not run: {why}; {fix}, or pass --os-sandbox-mode auto to run it unsandboxed"
        ),
        _ => format!(
            "bash runs without the OS sandbox: {why}; {fix}, or pass --os-sandbox-mode off to silence this"
        ),
    }
}

/// Runs `work` while answering `Interrupt` (cancel it) and `Approve` (hand the answer to the
/// waiting call) and queueing other submissions.
async fn drive(
    work: impl Future<Output = ()>,
    cancel: &CancellationToken,
    approvals: &PendingApprovals,
    rx: &mut mpsc::UnboundedReceiver<Submission>,
    queue: &mut VecDeque<Submission>,
) {
    tokio::pin!(work);
    loop {
        tokio::select! {
            () = &mut work => break,
            Some(next) = rx.recv() => match next.op {
                Op::Interrupt => cancel.cancel(),
                Op::Approve { call_id, decision } => {
                    if !approvals.resolve(&call_id, decision) {
                        tracing::debug!(call_id, "an approval came for a call that is not waiting");
                    }
                }
                Op::Shutdown => {
                    cancel.cancel();
                    queue.push_back(next);
                }
                _ => queue.push_back(next),
            },
        }
    }
}
