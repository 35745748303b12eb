//! One run in one conversation: a model turn (the agent task on the conversation's session)
//! or a queued `/pi` command (the command engine on it), shown through the transport as a
//! "working…" reply kept up to date and then replaced by the answer.

use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::super::step::{Inbound, command_line};
use super::super::store::{Channel, Direction, QueuedMessage};
use super::commands::{blocked, describe_answer};
use super::transport::{Answer, Begin, RunFooter, Transport};
use super::{RunContext, log_event, update_state};
use crate::agent::{AgentHandle, EventMsg, Op, Submission, spawn_agent};
use crate::commands::{CommandEngine, Outcome, share_session};
use crate::modes::{bridge_answer, progress_line};

/// How long a cancelled turn gets to wind down before the run gives up on it.
const CANCEL_GRACE: Duration = Duration::from_secs(5);

/// What a run left behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEnd {
    Answered,
    /// The reply was already there (a restart after the answer was posted).
    AlreadyAnswered,
    Cancelled,
    Failed,
}

/// Runs `inbound` in `channel` (the reply handle a previous process left is in the channel's
/// state); returns how it ended and the answer's text (or why it failed).
pub async fn run_message<T: Transport>(
    ctx: &RunContext,
    transport: &T,
    channel: &Channel,
    inbound: &Inbound,
    run_id: &str,
    cancel: CancellationToken,
) -> (RunEnd, String) {
    let saved = channel
        .state()
        .ok()
        .and_then(|s| s.reply)
        .and_then(|v| serde_json::from_value::<T::Handle>(v).ok());
    let handle = match transport.begin(channel, inbound, saved).await {
        Ok(Begin::Reply(h)) => h,
        Ok(Begin::AlreadyAnswered) => {
            log_event(
                channel,
                Direction::Out,
                "already_answered",
                &inbound.key,
                serde_json::json!({ "run": run_id }),
            );
            return (RunEnd::AlreadyAnswered, String::new());
        }
        Err(e) => {
            tracing::warn!(conversation = %inbound.conversation, "cannot post the working reply: {e}");
            log_event(
                channel,
                Direction::Out,
                "error",
                &inbound.key,
                serde_json::json!({ "run": run_id, "error": e }),
            );
            return (RunEnd::Failed, e);
        }
    };
    let saved_handle = serde_json::to_value(&handle).ok();
    update_state(ctx, channel, |st| st.reply = saved_handle);
    log_event(
        channel,
        Direction::Out,
        "working",
        &inbound.key,
        serde_json::json!({ "run": run_id }),
    );
    let started = Instant::now();
    let (answer, end) = match command_line(&inbound.text) {
        Some(line) => run_command(ctx, channel, &line, cancel).await,
        None => run_turn(ctx, transport, channel, inbound, &handle, run_id, cancel).await,
    };
    let answer = Answer {
        text: answer.text,
        footer: answer.footer.map(|mut f| {
            f.duration_ms = started.elapsed().as_millis() as u64;
            f
        }),
    };
    if let Err(e) = transport.finish(&handle, &answer).await {
        tracing::warn!(conversation = %inbound.conversation, "cannot post the answer: {e}");
        log_event(
            channel,
            Direction::Out,
            "error",
            &inbound.key,
            serde_json::json!({ "run": run_id, "error": e }),
        );
        return (RunEnd::Failed, e);
    }
    log_event(
        channel,
        Direction::Out,
        "answer",
        &inbound.key,
        serde_json::json!({ "run": run_id, "text": answer.text, "end": format!("{end:?}") }),
    );
    (end, answer.text)
}

/// A model turn with the transport's prompt.
async fn run_turn<T: Transport>(
    ctx: &RunContext,
    transport: &T,
    channel: &Channel,
    inbound: &Inbound,
    handle: &T::Handle,
    run_id: &str,
    cancel: CancellationToken,
) -> (Answer, RunEnd) {
    let session = match channel.open_session(&ctx.cwd) {
        Ok(s) => s,
        Err(e) => return failed(format!("cannot open the conversation's session: {e}")),
    };
    let first_run = session.head().is_none();
    let mut config = ctx.agent.clone();
    if let Ok(Some((provider, id))) = session.active_model()
        && let Ok(model) = format!("{provider}/{id}").parse()
    {
        config.model = model;
    }
    // Tools may read what was downloaded for this conversation (and only read it).
    std::sync::Arc::make_mut(&mut config.policy)
        .read_only_roots
        .push(channel.attachments_dir());
    let mut prompt = match transport.prompt(channel, inbound, first_run).await {
        Ok(p) => p,
        Err(e) => return failed(format!("cannot build the prompt: {e}")),
    };
    if let Some(name) = prompt.model.take() {
        match name.parse::<crate::ai::ModelRef>() {
            Ok(m) if config.client.check_model(&m).is_ok() => config.model = m,
            Ok(m) => {
                let why = config.client.check_model(&m).err().map(|e| e.to_string());
                return failed(format!("model {name}: {}", why.unwrap_or_default()));
            }
            Err(e) => return failed(format!("model {name}: {e}")),
        }
    }
    let model = config.model.to_string();
    let takes_images = config
        .client
        .catalog()
        .find(&config.model)
        .is_none_or(|m| m.input_image);
    if !prompt.images.is_empty() && !takes_images {
        prompt.images.clear();
        prompt
            .text
            .push_str("\n\n(The attached images are not shown: this model does not take images.)");
    }
    let _ = channel.append_context(&serde_json::json!({
        "run": run_id, "key": inbound.key, "author": inbound.author, "prompt": prompt.text,
        "images": prompt.images.len(),
    }));
    let mut agent = spawn_agent(config, share_session(session));
    let turn = Op::UserTurn {
        text: prompt.text,
        images: prompt.images,
    };
    if agent
        .submissions
        .send(Submission { id: 1, op: turn })
        .is_err()
    {
        return failed("the agent task stopped before the prompt was sent".into());
    }
    let mut footer = RunFooter {
        run_id: run_id.to_string(),
        model,
        input_tokens: 0,
        output_tokens: 0,
        cost_usd: 0.0,
        duration_ms: 0,
    };
    let mut partial = String::new();
    let mut activity = String::new();
    let mut shown = String::new();
    let mut tick = tokio::time::interval(ctx.progress_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    let mut give_up = None::<tokio::time::Instant>;
    let result = loop {
        let deadline =
            give_up.unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(86_400));
        tokio::select! {
            ev = agent.events.recv() => {
                let Some(ev) = ev else { break failed("the agent task stopped".into()) };
                if let Some(op) = bridge_answer(&ev.msg) {
                    let _ = agent.submissions.send(Submission { id: ev.id, op });
                }
                if let Some(line) = progress_line(&ev.msg) {
                    activity = line;
                }
                match ev.msg {
                    EventMsg::TextDelta { delta } => partial.push_str(&delta),
                    EventMsg::AssistantFinished { .. } => partial.push_str("\n\n"),
                    EventMsg::Usage { turn, .. } => {
                        footer.input_tokens += turn.input;
                        footer.output_tokens += turn.output;
                        footer.cost_usd += turn.cost.total;
                    }
                    EventMsg::AssistantStarted { model } => footer.model = model,
                    EventMsg::TurnFinished { text, .. } => {
                        break (Answer { text, footer: Some(footer.clone()) }, RunEnd::Answered);
                    }
                    EventMsg::TurnCancelled => {
                        let text = "Stopped before it finished (`/pi stop` or the bridge shutting down).".to_string();
                        break (Answer { text, footer: Some(footer.clone()) }, RunEnd::Cancelled);
                    }
                    EventMsg::Error { message } if ev.id == 1 => {
                        break (Answer { text: format!("The run failed: {message}"), footer: Some(footer.clone()) }, RunEnd::Failed);
                    }
                    _ => {}
                }
            }
            _ = tick.tick() => {
                let now = working_text(&partial, &activity);
                if now != shown {
                    if let Err(e) = transport.progress(handle, &now).await {
                        tracing::warn!("cannot update the working reply: {e}");
                    }
                    shown = now;
                }
            }
            () = cancel.cancelled(), if give_up.is_none() => {
                let _ = agent.submissions.send(Submission { id: 2, op: Op::Interrupt });
                give_up = Some(tokio::time::Instant::now() + CANCEL_GRACE);
            }
            () = tokio::time::sleep_until(deadline), if give_up.is_some() => {
                break (Answer { text: "Stopped; the turn did not wind down in time.".into(), footer: None }, RunEnd::Cancelled);
            }
        }
    };
    shutdown(agent).await;
    result
}

/// The "working…" text: the answer so far, or the last tool line.
pub fn working_text(partial: &str, activity: &str) -> String {
    let partial = partial.trim();
    if !partial.is_empty() {
        format!("{partial}\n\n_working…_")
    } else if !activity.is_empty() {
        format!("_working…_ `{}`", activity.replace('`', "'"))
    } else {
        "_working…_".to_string()
    }
}

/// A queued `/pi` command: the command engine on the conversation's session, with an agent
/// task when the command needs one (`/compact`, `/model`).
async fn run_command(
    ctx: &RunContext,
    channel: &Channel,
    line: &str,
    cancel: CancellationToken,
) -> (Answer, RunEnd) {
    if let Some(why) = blocked(line) {
        return (
            Answer {
                text: why,
                footer: None,
            },
            RunEnd::Failed,
        );
    }
    let session = match channel.open_session(&ctx.cwd) {
        Ok(s) => s,
        Err(e) => return failed(format!("cannot open the conversation's session: {e}")),
    };
    let shared = share_session(session);
    let mut engine = CommandEngine::new(shared.clone(), ctx.engine.clone());
    let out = match engine.execute(line) {
        Ok(out) => out,
        Err(e) => return failed(e.to_string()),
    };
    let mut lines = out.render();
    let ok = out.ok;
    let op = match out.outcome {
        Outcome::Submit(op) => op,
        Outcome::Done => {
            let end = if ok { RunEnd::Answered } else { RunEnd::Failed };
            return (answer_lines(lines), end);
        }
        Outcome::Quit | Outcome::Run { .. } => {
            return failed("that command does not run from a bridge".into());
        }
    };
    let mut agent = spawn_agent(ctx.agent.clone(), shared);
    let _ = agent.submissions.send(Submission {
        id: 1,
        op: op.clone(),
    });
    let mut end = RunEnd::Answered;
    let mut give_up = None::<tokio::time::Instant>;
    loop {
        let deadline =
            give_up.unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(86_400));
        let ev = tokio::select! {
            ev = agent.events.recv() => match ev {
                Some(ev) => ev,
                None => break,
            },
            // `/pi stop` or the shutdown: the command's request is interrupted.
            () = cancel.cancelled(), if give_up.is_none() => {
                let _ = agent.submissions.send(Submission { id: 2, op: Op::Interrupt });
                give_up = Some(tokio::time::Instant::now() + CANCEL_GRACE);
                continue;
            }
            () = tokio::time::sleep_until(deadline), if give_up.is_some() => {
                lines.push("stopped: the command did not wind down in time".into());
                end = RunEnd::Cancelled;
                break;
            }
        };
        engine.observe(&ev.msg);
        if let Some(deny) = bridge_answer(&ev.msg) {
            let _ = agent.submissions.send(Submission {
                id: ev.id,
                op: deny,
            });
        }
        if ev.id == 1 && op.is_answered_by(&ev.msg) {
            if matches!(ev.msg, EventMsg::Error { .. } | EventMsg::TurnCancelled) {
                end = RunEnd::Failed;
            }
            lines.extend(describe_answer(&ev.msg));
            break;
        }
    }
    shutdown(agent).await;
    (answer_lines(lines), end)
}

fn answer_lines(lines: Vec<String>) -> Answer {
    Answer {
        text: format!("```\n{}\n```", lines.join("\n").replace("```", "'''")),
        footer: None,
    }
}

fn failed(text: String) -> (Answer, RunEnd) {
    (Answer { text, footer: None }, RunEnd::Failed)
}

/// Ends the agent task and waits for its last session append.
async fn shutdown(mut agent: AgentHandle) {
    let _ = agent.submissions.send(Submission {
        id: u64::MAX,
        op: Op::Shutdown,
    });
    let _ = tokio::time::timeout(Duration::from_secs(10), &mut agent.join).await;
}

/// The queued form of an inbound message, for the channel's state.
pub fn queued(inbound: &Inbound) -> QueuedMessage {
    QueuedMessage {
        key: inbound.key.clone(),
        author: inbound.author.clone(),
        text: inbound.text.clone(),
        received: crate::session::now_iso(),
    }
}
