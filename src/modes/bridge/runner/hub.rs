//! The runner's loop: inbound messages through [`step`], runs as tasks, replies posted, the
//! channels' state files kept in line, and the shutdown with its grace period.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::super::step::{BridgeState, Conversation, Inbound, Input, Output, step};
use super::super::store::{Channel, ChannelStore, ConversationKey, Direction};
use super::run::{RunEnd, queued, run_message};
use super::status::{set_aside, status_text};
use super::{HubOptions, HubReport, RunContext, Transport, log_event, update_state};

/// How long cancelled turns get to end before shutdown abandons them.
const HARD_STOP: Duration = Duration::from_secs(15);

/// The core's reason for a key seen before.
const DUPLICATE: &str = "duplicate delivery";

struct Hub<T: Transport> {
    ctx: Arc<RunContext>,
    store: ChannelStore,
    transport: Arc<T>,
    state: BridgeState,
    runs: JoinSet<(Conversation, RunEnd)>,
    posts: JoinSet<()>,
    /// The cancel token and inbound key of each running conversation.
    active: HashMap<Conversation, (CancellationToken, String)>,
    /// Which conversation and message each run task serves (a task that panics still frees
    /// its slot and is reported).
    tasks: HashMap<tokio::task::Id, (Conversation, String)>,
    report: HubReport,
    next_run: u64,
}

/// Runs the bridge until `shutdown` fires and the running turns have ended (or were
/// cancelled after the grace period). `inbound` carries what the transport received.
pub async fn run_hub<T: Transport>(
    ctx: Arc<RunContext>,
    store: ChannelStore,
    transport: Arc<T>,
    options: HubOptions,
    mut inbound: mpsc::Receiver<Inbound>,
    shutdown: CancellationToken,
) -> HubReport {
    let mut hub = Hub {
        ctx,
        store,
        transport,
        state: BridgeState::new(options.limits),
        runs: JoinSet::new(),
        posts: JoinSet::new(),
        active: HashMap::new(),
        tasks: HashMap::new(),
        report: HubReport::default(),
        next_run: 0,
    };
    hub.resume();
    let far = || tokio::time::Instant::now() + Duration::from_secs(86_400);
    let mut grace_end: Option<tokio::time::Instant> = None;
    // After the grace period the running turns are cancelled; a turn that still has not
    // ended this much later is abandoned, so shutdown always ends.
    let mut cancelled_at: Option<tokio::time::Instant> = None;
    loop {
        if hub.state.finished() {
            break;
        }
        let deadline = grace_end.unwrap_or_else(far);
        tokio::select! {
            msg = inbound.recv(), if grace_end.is_none() => match msg {
                Some(m) => hub.message(m),
                // The transport ended: shut down as on a signal.
                None => grace_end = Some(hub.begin_shutdown(options.shutdown_grace)),
            },
            Some(done) = hub.runs.join_next_with_id() => hub.run_done(done),
            Some(_) = hub.posts.join_next() => {}
            () = shutdown.cancelled(), if grace_end.is_none() => {
                grace_end = Some(hub.begin_shutdown(options.shutdown_grace));
                while let Ok(m) = inbound.try_recv() {
                    hub.park(m);
                }
            }
            () = tokio::time::sleep_until(deadline), if grace_end.is_some() => {
                if cancelled_at.is_none() {
                    tracing::info!(running = hub.active.len(), "grace period over; cancelling the running turns");
                    for (token, _) in hub.active.values() {
                        token.cancel();
                    }
                    // Cancelled turns still post their "stopped" answers.
                    let now = tokio::time::Instant::now();
                    cancelled_at = Some(now);
                    grace_end = Some(now + HARD_STOP);
                } else {
                    tracing::warn!(running = hub.active.len(), "turns did not end after being cancelled; abandoning them");
                    hub.runs.abort_all();
                    break;
                }
            }
        }
    }
    // What the transport sent while the bridge was stopping waits for the next start.
    while let Ok(m) = inbound.try_recv() {
        hub.park(m);
    }
    // Replies already on their way are posted before the process ends.
    let drain = async { while hub.posts.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(Duration::from_secs(10), drain).await;
    hub.report
}

impl<T: Transport> Hub<T> {
    fn channel(&self, conversation: &str) -> Option<Channel> {
        match ConversationKey::parse(conversation) {
            Ok(key) => Some(self.store.channel_for(&key)),
            Err(e) => {
                tracing::warn!("{e}");
                None
            }
        }
    }

    /// Loads what earlier runs of the bridge left: seen keys, the run that was going and the
    /// waiting messages (run again, in order). A state file that cannot be parsed is set
    /// aside; pi's reply markers still keep answers from being posted twice.
    fn resume(&mut self) {
        let keys = match self.store.list() {
            Ok(k) => k,
            Err(e) => {
                tracing::warn!("{e}");
                return;
            }
        };
        let mut seen = Vec::new();
        for key in keys {
            let channel = self.store.channel_for(&key);
            let state = match channel.state() {
                Ok(s) => s,
                Err(e) => {
                    set_aside(&channel, &e.to_string());
                    continue;
                }
            };
            let conversation = key.to_string();
            let waiting: Vec<_> = state
                .active_run
                .iter()
                .chain(state.queue.iter())
                .cloned()
                .collect();
            for m in waiting {
                let inbound = Inbound {
                    key: m.key,
                    conversation: conversation.clone(),
                    author: m.author,
                    allowed: true,
                    text: m.text,
                };
                log_event(
                    &channel,
                    Direction::In,
                    "resumed",
                    &inbound.key,
                    serde_json::json!({ "author": inbound.author }),
                );
                let out = step(&mut self.state, Input::Message(inbound.clone()));
                self.perform(out, &inbound);
            }
            seen.extend(state.seen);
        }
        self.state.remember(seen);
    }

    fn message(&mut self, inbound: Inbound) {
        self.report.messages += 1;
        let Some(channel) = self.channel(&inbound.conversation) else {
            return;
        };
        log_event(
            &channel,
            Direction::In,
            "message",
            &inbound.key,
            serde_json::json!({
                "author": inbound.author, "allowed": inbound.allowed, "text": inbound.text,
            }),
        );
        let out = step(&mut self.state, Input::Message(inbound.clone()));
        let duplicate = out
            .iter()
            .any(|o| matches!(o, Output::Ignored { reason, .. } if *reason == DUPLICATE));
        let started = out
            .iter()
            .any(|o| matches!(o, Output::StartRun { inbound: i, .. } if i.key == inbound.key));
        let waiting: Vec<_> = self
            .state
            .waiting(&inbound.conversation)
            .map(queued)
            .collect();
        let queued_now = waiting.iter().any(|m| m.key == inbound.key);
        // One write: the key seen and where the message now is (waiting or running), so a
        // crash between writes cannot lose it.
        update_state(&self.ctx, &channel, |st| {
            if duplicate {
                st.counters.duplicates += 1;
                return;
            }
            st.mark_seen(&inbound.key);
            st.counters.inbound += 1;
            if queued_now && !st.queue.iter().any(|m| m.key == inbound.key) {
                st.queue.push(queued(&inbound));
            }
            if started {
                st.active_run = Some(queued(&inbound));
                st.reply = None;
            }
        });
        let reason = out.iter().find_map(|o| match o {
            Output::Reply { text, .. } => Some(text.clone()),
            Output::Command { line, .. } => Some(format!("answered at once: {line}")),
            _ => None,
        });
        self.perform(out, &inbound);
        self.sync_queue(&inbound.conversation);
        if !duplicate && !started && !queued_now {
            // Refused, a full queue, shutting down, or an immediate command: no run will
            // report its end, so whoever waits for it hears now.
            self.tell_finished(
                &inbound.key,
                RunEnd::Failed,
                reason.unwrap_or_else(|| "not run".into()),
            );
        }
    }

    /// Tells the events runner (when it listens) how the run of `key` ended.
    fn tell_finished(&self, key: &str, end: RunEnd, detail: String) {
        if let Some(tx) = &self.ctx.finished {
            let _ = tx.send((key.to_string(), end, detail));
        }
    }

    /// A message that arrived as the bridge shut down: kept as waiting in the channel's
    /// state (not run now), so the next start runs it.
    pub(super) fn park(&mut self, inbound: Inbound) {
        let Some(channel) = self.channel(&inbound.conversation) else {
            return;
        };
        log_event(
            &channel,
            Direction::In,
            "parked",
            &inbound.key,
            serde_json::json!({ "author": inbound.author, "allowed": inbound.allowed }),
        );
        update_state(&self.ctx, &channel, |st| {
            if st.is_seen(&inbound.key) || !inbound.allowed {
                return;
            }
            st.mark_seen(&inbound.key);
            st.queue.push(queued(&inbound));
        });
    }

    /// Saves the conversation's waiting messages as the core holds them.
    fn sync_queue(&self, conversation: &str) {
        let Some(channel) = self.channel(conversation) else {
            return;
        };
        let waiting: Vec<_> = self.state.waiting(conversation).map(queued).collect();
        update_state(&self.ctx, &channel, |st| {
            // Keep the first-received stamps of messages already saved.
            let old = std::mem::take(&mut st.queue);
            st.queue = waiting
                .into_iter()
                .map(|mut m| {
                    if let Some(o) = old.iter().find(|o| o.key == m.key) {
                        m.received.clone_from(&o.received);
                    }
                    m
                })
                .collect();
        });
    }

    fn perform(&mut self, outputs: Vec<Output>, origin: &Inbound) {
        for output in outputs {
            match output {
                Output::Ignored { key, reason } => {
                    if let Some(channel) = self.channel(&origin.conversation) {
                        log_event(
                            &channel,
                            Direction::In,
                            "ignored",
                            &key,
                            serde_json::json!({ "reason": reason }),
                        );
                    }
                    // A duplicate that is not running was handled before (perhaps before a
                    // restart): whoever waits for its end hears it is answered.
                    let running = self.active.values().any(|(_, k)| *k == key)
                        || self
                            .state
                            .waiting(&origin.conversation)
                            .any(|m| m.key == key);
                    if reason == DUPLICATE
                        && !running
                        && let Some(tx) = &self.ctx.finished
                    {
                        let _ = tx.send((key, RunEnd::AlreadyAnswered, String::new()));
                    }
                }
                Output::Reply { conversation, text } => self.post(&conversation, origin, text),
                Output::Command {
                    conversation,
                    inbound,
                    line,
                } => self.command(&conversation, &inbound, &line),
                Output::StartRun {
                    conversation,
                    inbound,
                } => self.start(conversation, inbound),
            }
        }
    }

    fn post(&mut self, conversation: &str, origin: &Inbound, text: String) {
        if let Some(channel) = self.channel(conversation) {
            log_event(
                &channel,
                Direction::Out,
                "reply",
                &origin.key,
                serde_json::json!({ "text": text }),
            );
            update_state(&self.ctx, &channel, |st| st.counters.outbound += 1);
        }
        let transport = self.transport.clone();
        let conversation = conversation.to_string();
        let origin = origin.clone();
        self.posts.spawn(async move {
            if let Err(e) = transport.reply(&conversation, &origin, &text).await {
                tracing::warn!(%conversation, "cannot post a reply: {e}");
            }
        });
    }

    /// `/pi status` and `/pi stop`.
    fn command(&mut self, conversation: &str, inbound: &Inbound, line: &str) {
        let text = if line.split_whitespace().next() == Some("/stop") {
            match self.active.get(conversation) {
                Some((token, key)) => {
                    token.cancel();
                    format!("Stopping the run of {key}.")
                }
                None => "Nothing is running here.".to_string(),
            }
        } else {
            let channel = self.channel(conversation);
            status_text(
                &self.ctx,
                channel.as_ref(),
                self.active.get(conversation).map(|(_, k)| k.as_str()),
                self.state.queued(conversation),
                self.state.running(),
            )
        };
        self.post(conversation, inbound, text);
    }

    fn start(&mut self, conversation: Conversation, inbound: Inbound) {
        let Some(channel) = self.channel(&conversation) else {
            self.state_finished(conversation);
            return;
        };
        self.next_run += 1;
        self.report.runs += 1;
        let run_id = run_id(self.next_run);
        let message = queued(&inbound);
        update_state(&self.ctx, &channel, |st| {
            let resumed = st.active_run.as_ref().is_some_and(|m| m.key == message.key);
            if !resumed {
                st.reply = None;
            }
            st.queue.retain(|m| m.key != message.key);
            st.active_run = Some(message);
            st.counters.runs += 1;
        });
        log_event(
            &channel,
            Direction::Out,
            "run_started",
            &inbound.key,
            serde_json::json!({ "run": run_id }),
        );
        let token = CancellationToken::new();
        self.active
            .insert(conversation.clone(), (token.clone(), inbound.key.clone()));
        let ctx = self.ctx.clone();
        let transport = self.transport.clone();
        let conversation_of_task = conversation.clone();
        let key_of_task = inbound.key.clone();
        let task = self.runs.spawn(async move {
            let (end, detail) =
                run_message(&ctx, &*transport, &channel, &inbound, &run_id, token).await;
            update_state(&ctx, &channel, |st| {
                st.active_run = None;
                st.reply = None;
            });
            log_event(
                &channel,
                Direction::Out,
                "run_finished",
                &inbound.key,
                serde_json::json!({ "run": run_id, "end": format!("{end:?}") }),
            );
            if let Some(tx) = &ctx.finished {
                let _ = tx.send((inbound.key.clone(), end, detail));
            }
            (conversation, end)
        });
        self.tasks
            .insert(task.id(), (conversation_of_task, key_of_task));
    }

    fn run_done(
        &mut self,
        done: Result<(tokio::task::Id, (Conversation, RunEnd)), tokio::task::JoinError>,
    ) {
        let (id, end, crashed) = match done {
            Ok((id, (_, end))) => (id, end, false),
            Err(e) => {
                tracing::error!("a bridge run failed: {e}");
                (e.id(), RunEnd::Failed, true)
            }
        };
        let Some((conversation, key)) = self.tasks.remove(&id) else {
            return;
        };
        if crashed {
            // The run never reported; its message is not run again at the next start.
            if let Some(channel) = self.channel(&conversation) {
                update_state(&self.ctx, &channel, |st| {
                    st.active_run = None;
                    st.reply = None;
                });
            }
            self.tell_finished(&key, RunEnd::Failed, "the run stopped unexpectedly".into());
        }
        if end == RunEnd::Cancelled {
            self.report.cancelled += 1;
        }
        self.state_finished(conversation);
    }

    fn state_finished(&mut self, conversation: Conversation) {
        self.active.remove(&conversation);
        let origin = Inbound {
            key: String::new(),
            conversation: conversation.clone(),
            author: String::new(),
            allowed: true,
            text: String::new(),
        };
        let out = step(&mut self.state, Input::RunFinished { conversation });
        let started: Vec<_> = out
            .iter()
            .filter_map(|o| match o {
                Output::StartRun { conversation, .. } => Some(conversation.clone()),
                _ => None,
            })
            .collect();
        self.perform(out, &origin);
        for c in started {
            self.sync_queue(&c);
        }
    }

    fn begin_shutdown(&mut self, grace: Duration) -> tokio::time::Instant {
        tracing::info!(
            running = self.active.len(),
            "shutting down: no new work; running turns get {grace:?}"
        );
        step(&mut self.state, Input::Shutdown);
        tokio::time::Instant::now() + grace
    }
}

/// A run id: the process's start second and a counter, unique enough to find a run in the
/// logs (`r5f3a1c2e-3`).
fn run_id(n: u64) -> String {
    static START: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let start = START.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    });
    format!("r{start:x}-{n}")
}
