//! The agent task: owns the session and the conversation, takes `Submission`s, runs the
//! turn loop (assistant → tools → assistant ...) and reports `Event`s.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::protocol::{Event, EventMsg, ImageInput, Op, Submission};
use crate::ai::types::{
    ContentBlock, Message, StopReason, ThinkingLevel, ToolResultMessage, ToolSpec, Usage,
    UserContent, UserMessage, blocks_text, now_ms,
};
use crate::ai::{AiClient, AiError, CompletionRequest, ModelRef, StreamEvent};
use crate::session::SessionStore;
use crate::tools::{ToolContext, ToolOutput, ToolPolicy, run_tool, tool_specs};

/// Everything the agent task needs besides the session.
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
}

/// The front end's side of a running agent task.
pub struct AgentHandle {
    pub submissions: mpsc::UnboundedSender<Submission>,
    pub events: mpsc::UnboundedReceiver<Event>,
    pub join: JoinHandle<()>,
}

/// Starts the agent task on the current tokio runtime.
pub fn spawn_agent(config: AgentConfig, session: SessionStore) -> AgentHandle {
    let (sub_tx, sub_rx) = mpsc::unbounded_channel();
    let (ev_tx, ev_rx) = mpsc::unbounded_channel();
    let agent = Agent::new(config, session, ev_tx);
    let join = tokio::spawn(agent.run(sub_rx));
    AgentHandle {
        submissions: sub_tx,
        events: ev_rx,
        join,
    }
}

/// How one user turn ended.
enum TurnOutcome {
    Done {
        text: String,
        stop_reason: StopReason,
        turns: u32,
    },
    Cancelled,
    Failed(String),
}

struct Agent {
    cfg: AgentConfig,
    session: SessionStore,
    /// The active branch as sent to the model; kept in step with every append.
    messages: Vec<Message>,
    session_usage: Usage,
    tools: Vec<ToolSpec>,
    events: mpsc::UnboundedSender<Event>,
}

impl Agent {
    fn new(cfg: AgentConfig, session: SessionStore, events: mpsc::UnboundedSender<Event>) -> Self {
        Agent {
            cfg,
            session,
            messages: Vec::new(),
            session_usage: Usage::default(),
            tools: tool_specs(),
            events,
        }
    }

    fn emit(&self, id: u64, msg: EventMsg) {
        // A closed receiver means the front end is gone; nothing is left to tell.
        let _ = self.events.send(Event { id, msg });
    }

    /// Loads the active branch and records the model in use if the session had another one.
    fn prepare(&mut self) {
        match self.session.context() {
            Ok(ctx) => {
                for m in &ctx.messages {
                    if let Message::Assistant(a) = m {
                        self.session_usage.add(&a.usage);
                    }
                }
                self.messages = ctx.messages;
                let current = (
                    self.cfg.model.provider.as_str().to_string(),
                    self.cfg.model.id.clone(),
                );
                if ctx.model.as_ref() != Some(&current) {
                    if let Err(e) = self.session.append_model_change(&current.0, &current.1) {
                        self.emit(
                            0,
                            EventMsg::Error {
                                message: e.to_string(),
                            },
                        );
                    }
                }
            }
            Err(e) => self.emit(
                0,
                EventMsg::Error {
                    message: e.to_string(),
                },
            ),
        }
    }

    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Submission>) {
        self.prepare();
        self.emit(
            0,
            EventMsg::SessionConfigured {
                model: self.cfg.model.to_string(),
                session: self.session.path().map(|p| p.display().to_string()),
                head: self.session.head().map(str::to_string),
            },
        );
        let mut queue: VecDeque<Submission> = VecDeque::new();
        loop {
            let sub = match queue.pop_front() {
                Some(s) => s,
                None => match rx.recv().await {
                    Some(s) => s,
                    None => break,
                },
            };
            match sub.op {
                Op::UserTurn { text, images } => {
                    let cancel = CancellationToken::new();
                    let turn = self.user_turn(sub.id, text, images, cancel.clone());
                    tokio::pin!(turn);
                    loop {
                        tokio::select! {
                            () = &mut turn => break,
                            Some(next) = rx.recv() => match next.op {
                                Op::Interrupt => cancel.cancel(),
                                Op::Shutdown => {
                                    cancel.cancel();
                                    queue.push_back(next);
                                }
                                _ => queue.push_back(next),
                            },
                        }
                    }
                }
                Op::Interrupt => {}
                Op::SetModel { model } => self.set_model(sub.id, &model),
                Op::SetThinking { level } => {
                    self.cfg.thinking = level;
                    if let Err(e) = self.session.append_thinking_level(level) {
                        self.emit(
                            sub.id,
                            EventMsg::Error {
                                message: e.to_string(),
                            },
                        );
                    }
                }
                Op::Shutdown => break,
            }
        }
        self.emit(0, EventMsg::ShutdownComplete);
    }

    fn set_model(&mut self, id: u64, model: &str) {
        let parsed = model
            .parse::<ModelRef>()
            .and_then(|m| self.cfg.client.check_model(&m).map(|()| m));
        match parsed {
            Ok(m) => {
                if let Err(e) = self.session.append_model_change(m.provider.as_str(), &m.id) {
                    self.emit(
                        id,
                        EventMsg::Error {
                            message: e.to_string(),
                        },
                    );
                    return;
                }
                self.emit(
                    id,
                    EventMsg::ModelChanged {
                        model: m.to_string(),
                    },
                );
                self.cfg.model = m;
            }
            Err(e) => self.emit(
                id,
                EventMsg::Error {
                    message: e.to_string(),
                },
            ),
        }
    }

    async fn user_turn(
        &mut self,
        id: u64,
        text: String,
        images: Vec<ImageInput>,
        cancel: CancellationToken,
    ) {
        self.emit(id, EventMsg::TurnStarted);
        let content = if images.is_empty() {
            UserContent::Text(text)
        } else {
            let mut blocks = vec![ContentBlock::text(text)];
            blocks.extend(images.into_iter().map(|i| ContentBlock::Image {
                data: i.data,
                mime_type: i.mime_type,
            }));
            UserContent::Blocks(blocks)
        };
        let user = Message::User(UserMessage {
            content,
            timestamp: now_ms(),
        });
        if let Err(e) = self.session.append_message(&user) {
            self.emit(
                id,
                EventMsg::Error {
                    message: e.to_string(),
                },
            );
            return;
        }
        self.messages.push(user);

        let timeout_ms = self.cfg.turn_timeout_ms;
        let timer_cancel = cancel.clone();
        let outcome = {
            let turn = self.turn_loop(id, &cancel);
            tokio::pin!(turn);
            let mut timed_out = false;
            let timer = async {
                if timeout_ms == 0 {
                    std::future::pending::<()>().await;
                }
                tokio::time::sleep(Duration::from_millis(timeout_ms)).await;
            };
            tokio::pin!(timer);
            loop {
                tokio::select! {
                    o = &mut turn => break if timed_out {
                        TurnOutcome::Failed(format!(
                            "the turn took longer than --turn-timeout-ms {timeout_ms} and was stopped"
                        ))
                    } else { o },
                    () = &mut timer, if !timed_out => {
                        timed_out = true;
                        timer_cancel.cancel();
                    }
                }
            }
        };
        match outcome {
            TurnOutcome::Done {
                text,
                stop_reason,
                turns,
            } => self.emit(
                id,
                EventMsg::TurnFinished {
                    text,
                    stop_reason,
                    turns,
                },
            ),
            TurnOutcome::Cancelled => self.emit(id, EventMsg::TurnCancelled),
            TurnOutcome::Failed(message) => self.emit(id, EventMsg::Error { message }),
        }
    }

    /// Assistant → tools → assistant ... until the model stops, fails or is cancelled.
    async fn turn_loop(&mut self, id: u64, cancel: &CancellationToken) -> TurnOutcome {
        for turn in 1..=self.cfg.max_turns.max(1) {
            if cancel.is_cancelled() {
                return TurnOutcome::Cancelled;
            }
            self.emit(
                id,
                EventMsg::AssistantStarted {
                    model: self.cfg.model.to_string(),
                },
            );
            let request = CompletionRequest {
                system_prompt: self.cfg.system_prompt.clone(),
                messages: self.messages.clone(),
                tools: self.tools.clone(),
                max_output_tokens: self.cfg.max_output_tokens,
                thinking: self.cfg.thinking,
                stream: self.cfg.stream,
            };
            let events = self.events.clone();
            let forward = move |ev: &StreamEvent| {
                if let Some(msg) = stream_event_to_msg(ev) {
                    let _ = events.send(Event { id, msg });
                }
            };
            let result = self
                .cfg
                .client
                .complete(&self.cfg.model, &request, cancel, forward)
                .await;
            let assistant = match result {
                Ok(a) => a,
                Err(AiError::Cancelled) => return TurnOutcome::Cancelled,
                Err(e) => return TurnOutcome::Failed(e.to_string()),
            };
            if cancel.is_cancelled() {
                // Nothing half-written goes into the session.
                return TurnOutcome::Cancelled;
            }
            let message = Message::Assistant(assistant.clone());
            let entry_id = match self.session.append_message(&message) {
                Ok(eid) => Some(eid),
                Err(e) => return TurnOutcome::Failed(e.to_string()),
            };
            self.messages.push(message);
            self.session_usage.add(&assistant.usage);
            self.emit(
                id,
                EventMsg::AssistantFinished {
                    text: assistant.text(),
                    stop_reason: assistant.stop_reason,
                    entry_id,
                },
            );
            self.emit(
                id,
                EventMsg::Usage {
                    turn: assistant.usage,
                    session: self.session_usage,
                },
            );
            let calls = assistant.tool_calls();
            if calls.is_empty() {
                return TurnOutcome::Done {
                    text: assistant.text(),
                    stop_reason: assistant.stop_reason,
                    turns: turn,
                };
            }
            let outputs = self.run_tools(id, &calls, cancel).await;
            for ((call_id, name, _), out) in calls.into_iter().zip(outputs) {
                let result = Message::ToolResult(ToolResultMessage {
                    tool_call_id: call_id,
                    tool_name: name,
                    content: out.content,
                    is_error: out.is_error,
                    timestamp: now_ms(),
                    details: out.details,
                });
                if let Err(e) = self.session.append_message(&result) {
                    return TurnOutcome::Failed(e.to_string());
                }
                self.messages.push(result);
            }
            if cancel.is_cancelled() {
                return TurnOutcome::Cancelled;
            }
        }
        TurnOutcome::Failed(format!(
            "stopped after {} model requests in one turn (--max-turns); ask again to continue",
            self.cfg.max_turns
        ))
    }

    /// Runs the tool calls of one assistant message concurrently; results in call order.
    async fn run_tools(
        &self,
        id: u64,
        calls: &[(String, String, serde_json::Value)],
        cancel: &CancellationToken,
    ) -> Vec<ToolOutput> {
        let runs = calls.iter().map(|(call_id, name, args)| {
            let events = self.events.clone();
            let delta_events = self.events.clone();
            let delta_id = call_id.clone();
            let ctx = ToolContext {
                policy: self.cfg.policy.clone(),
                cancel: cancel.clone(),
                on_output: Some(Arc::new(move |chunk: &str| {
                    let _ = delta_events.send(Event {
                        id,
                        msg: EventMsg::ToolOutputDelta {
                            call_id: delta_id.clone(),
                            chunk: chunk.to_string(),
                        },
                    });
                })),
            };
            let _ = events.send(Event {
                id,
                msg: EventMsg::ToolCallStarted {
                    call_id: call_id.clone(),
                    name: name.clone(),
                    arguments: args.clone(),
                },
            });
            async move {
                let started = Instant::now();
                let out = run_tool(name, args, &ctx).await;
                let _ = events.send(Event {
                    id,
                    msg: EventMsg::ToolCallFinished {
                        call_id: call_id.clone(),
                        name: name.clone(),
                        is_error: out.is_error,
                        output: blocks_text(&out.content),
                        duration_ms: u64::try_from(started.elapsed().as_millis())
                            .unwrap_or(u64::MAX),
                    },
                });
                out
            }
        });
        futures::future::join_all(runs).await
    }
}

/// The protocol event a provider stream event shows to front ends, if any.
fn stream_event_to_msg(ev: &StreamEvent) -> Option<EventMsg> {
    match ev {
        StreamEvent::TextDelta { delta } => Some(EventMsg::TextDelta {
            delta: delta.clone(),
        }),
        StreamEvent::ThinkingDelta { delta } => Some(EventMsg::ThinkingDelta {
            delta: delta.clone(),
        }),
        StreamEvent::Retry {
            attempt,
            max_retries,
            delay_ms,
            reason,
            model,
        } => Some(EventMsg::Retry {
            attempt: *attempt,
            max_retries: *max_retries,
            delay_ms: *delay_ms,
            reason: reason.clone(),
            model: model.clone(),
        }),
        StreamEvent::Fallback { from, to, reason } => Some(EventMsg::Fallback {
            from: from.clone(),
            to: to.clone(),
            reason: reason.clone(),
        }),
        _ => None,
    }
}
