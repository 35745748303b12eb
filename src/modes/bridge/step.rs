//! The pure core of a bridge: what an inbound event does. `step(&mut BridgeState, Input)`
//! decides dedupe, who may run, queueing (one run per conversation, at most
//! `max_concurrent` runs in all, a bounded queue per conversation) and which run starts
//! next; the runner performs the returned [`Output`]s (start a turn, post a reply) and feeds
//! back what happened. Nothing here does I/O, so every rule is tested with plain values.

use std::collections::{BTreeMap, HashSet, VecDeque};

/// A conversation: `github/OWNER/REPO#12`, `slack/C123/1700000000.000100`, ... as the
/// transport names it.
pub type Conversation = String;

/// A message from the other side that may start a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// Unique per delivery of the same event (a comment id and its update time, a Slack
    /// event id): a key seen before is a duplicate.
    pub key: String,
    pub conversation: Conversation,
    /// Who wrote it, as the transport names them.
    pub author: String,
    /// Whether that author may start runs (the transport's rule: association, allow lists).
    pub allowed: bool,
    /// The prompt, or a `/pi ...` command line.
    pub text: String,
}

/// What the runner tells the core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Message(Inbound),
    /// The run of `conversation` ended (answered, failed or cancelled).
    RunFinished {
        conversation: Conversation,
    },
    /// SIGINT / SIGTERM: take no new work.
    Shutdown,
}

/// What the runner must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Start a turn in the conversation's session with this prompt (the inbound's text).
    StartRun {
        conversation: Conversation,
        inbound: Inbound,
    },
    /// Answer `/pi status` or `/pi stop` now, even while a run is active. (Other `/pi`
    /// commands touch the session, so they queue like prompts and arrive as a `StartRun`
    /// whose text is the command.)
    Command {
        conversation: Conversation,
        inbound: Inbound,
        line: String,
    },
    /// Post this reply in the conversation.
    Reply {
        conversation: Conversation,
        text: String,
    },
    /// Nothing runs for this inbound; the reason is for the event log.
    Ignored { key: String, reason: &'static str },
}

/// The limits of a bridge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Runs at once over all conversations (`--bridge-max-concurrent-runs`).
    pub max_concurrent: usize,
    /// Messages waiting per conversation.
    pub queue_per_conversation: usize,
    /// Event keys remembered for dedupe (the oldest are forgotten first).
    pub remembered_keys: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_concurrent: 2,
            queue_per_conversation: 20,
            remembered_keys: 10_000,
        }
    }
}

/// Everything the core remembers. The event keys are also persisted by the channel store, so
/// a restart knows them; `seen` is loaded from it.
#[derive(Debug, Clone, Default)]
pub struct BridgeState {
    pub limits: Limits,
    seen: HashSet<String>,
    seen_order: VecDeque<String>,
    /// Conversations with a run going.
    active: HashSet<Conversation>,
    /// Messages waiting, per conversation, in arrival order.
    queues: BTreeMap<Conversation, VecDeque<Inbound>>,
    /// Conversations with waiting messages and no run, in the order they started waiting.
    ready: VecDeque<Conversation>,
    /// Conversations already told their author may not start runs (once each).
    refused: HashSet<Conversation>,
    shutting_down: bool,
}

/// The reply to an author who may not start runs.
pub const NOT_ALLOWED: &str = "Sorry, I only run for this project's owners, members and collaborators (and users the bridge allows). Nothing was run.";

impl BridgeState {
    pub fn new(limits: Limits) -> BridgeState {
        BridgeState {
            limits,
            ..BridgeState::default()
        }
    }

    /// Remembers keys already handled (from the channel store, at start).
    pub fn remember<I: IntoIterator<Item = String>>(&mut self, keys: I) {
        for k in keys {
            self.mark_seen(k);
        }
    }

    fn mark_seen(&mut self, key: String) {
        if self.seen.insert(key.clone()) {
            self.seen_order.push_back(key);
            while self.seen_order.len() > self.limits.remembered_keys {
                if let Some(old) = self.seen_order.pop_front() {
                    self.seen.remove(&old);
                }
            }
        }
    }

    /// Runs going now.
    pub fn running(&self) -> usize {
        self.active.len()
    }

    /// Whether `conversation` has a run going.
    pub fn is_active(&self, conversation: &str) -> bool {
        self.active.contains(conversation)
    }

    /// Messages waiting in `conversation`.
    pub fn queued(&self, conversation: &str) -> usize {
        self.queues.get(conversation).map_or(0, VecDeque::len)
    }

    /// The messages waiting in `conversation`, oldest first.
    pub fn waiting(&self, conversation: &str) -> impl Iterator<Item = &Inbound> {
        self.queues.get(conversation).into_iter().flatten()
    }

    /// Whether the bridge is shutting down.
    pub fn shutting_down(&self) -> bool {
        self.shutting_down
    }

    /// Whether the bridge is done: shutting down with no run going.
    pub fn finished(&self) -> bool {
        self.shutting_down && self.active.is_empty()
    }
}

/// `/pi CMD ...` → the command line `/CMD ...` (`/pi status` → `/status`); `None` for a
/// prompt.
pub fn command_line(text: &str) -> Option<String> {
    let rest = text.trim().strip_prefix("/pi")?;
    if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        return None;
    }
    let rest = rest.trim();
    Some(if rest.is_empty() {
        "/status".to_string()
    } else {
        format!("/{rest}")
    })
}

/// Whether a command line is answered at once rather than queued: `/status` and `/stop`
/// only read or signal the bridge's state.
pub fn is_immediate(line: &str) -> bool {
    matches!(line.split_whitespace().next(), Some("/status" | "/stop"))
}

/// Applies one input; returns what the runner must do, in order.
pub fn step(state: &mut BridgeState, input: Input) -> Vec<Output> {
    let mut out = Vec::new();
    match input {
        Input::Message(inbound) => message(state, inbound, &mut out),
        Input::RunFinished { conversation } => {
            state.active.remove(&conversation);
            if state.queued(&conversation) > 0 && !state.ready.contains(&conversation) {
                // Its next message waits its turn behind conversations already waiting.
                state.ready.push_back(conversation);
            }
            start_ready(state, &mut out);
        }
        Input::Shutdown => state.shutting_down = true,
    }
    out
}

fn message(state: &mut BridgeState, inbound: Inbound, out: &mut Vec<Output>) {
    if state.seen.contains(&inbound.key) {
        out.push(Output::Ignored {
            key: inbound.key,
            reason: "duplicate delivery",
        });
        return;
    }
    state.mark_seen(inbound.key.clone());
    let conversation = inbound.conversation.clone();
    if !inbound.allowed {
        if state.refused.insert(conversation.clone()) {
            out.push(Output::Reply {
                conversation,
                text: NOT_ALLOWED.to_string(),
            });
        } else {
            out.push(Output::Ignored {
                key: inbound.key,
                reason: "author may not start runs (already told)",
            });
        }
        return;
    }
    if let Some(line) = command_line(&inbound.text).filter(|l| is_immediate(l)) {
        out.push(Output::Command {
            conversation,
            inbound,
            line,
        });
        return;
    }
    if state.shutting_down {
        out.push(Output::Reply {
            conversation,
            text: "pi is shutting down; send this again when it is back.".to_string(),
        });
        return;
    }
    let queue = state.queues.entry(conversation.clone()).or_default();
    if queue.len() >= state.limits.queue_per_conversation {
        out.push(Output::Reply {
            conversation,
            text: format!(
                "{} messages are already waiting here; this one was not queued. Send it again when pi has answered.",
                state.limits.queue_per_conversation
            ),
        });
        return;
    }
    queue.push_back(inbound);
    if !state.active.contains(&conversation) && !state.ready.contains(&conversation) {
        state.ready.push_back(conversation);
    }
    start_ready(state, out);
}

/// Starts the next message of the conversations waiting longest, while slots are free.
fn start_ready(state: &mut BridgeState, out: &mut Vec<Output>) {
    if state.shutting_down {
        return;
    }
    while state.active.len() < state.limits.max_concurrent {
        let Some(conversation) = state.ready.pop_front() else {
            return;
        };
        let Some(inbound) = state
            .queues
            .get_mut(&conversation)
            .and_then(VecDeque::pop_front)
        else {
            continue;
        };
        if state.queued(&conversation) == 0 {
            state.queues.remove(&conversation);
        }
        state.active.insert(conversation.clone());
        out.push(Output::StartRun {
            conversation,
            inbound,
        });
    }
}

#[cfg(test)]
#[path = "step_tests.rs"]
mod tests;
