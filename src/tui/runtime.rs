//! The runtime: the one `select!` loop over terminal input, agent events, effect results, the
//! config watcher and the frame timer. It redraws only when something changed, at most once a
//! frame (input sooner: a key shows at once), and sends ticks only while something animates, so
//! an idle UI costs no CPU.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossterm::event::{Event as TermEvent, EventStream};
use futures::StreamExt;
use ratatui_image::protocol::StatefulProtocol;
use ratatui_image::{Resize, StatefulImage};
use tokio::sync::mpsc;

use crate::agent::{AgentHandle, Op, Submission};
use crate::tui::config::ConfigSource;
use crate::tui::config::watch::watch_configs;
use crate::tui::effects::{Effects, run_effect};
use crate::tui::host::Host;
use crate::tui::layout::{areas, inner};
use crate::tui::msg::{Effect, Msg};
use crate::tui::overlay::{Overlay, image_area};
use crate::tui::state::State;
use crate::tui::term::images::{picker_from_replies, wants_query};
use crate::tui::term::query as term_query;
use crate::tui::term::signals::StopSignals;
use crate::tui::term::terminal::TerminalGuard;
use crate::tui::update::update_at;
use crate::tui::view::view;

/// Shortest time between two frames.
const FRAME: Duration = Duration::from_millis(16);
/// Shortest time between a frame and the next when input is waiting to show: a key shows at
/// once, not at the stream's next frame, while a burst of keys still shares frames.
const INPUT_FRAME: Duration = Duration::from_millis(4);
/// Tick period while something animates (the spinner) or expires (a notice).
const TICK: Duration = Duration::from_millis(80);
/// Streamed text laid out per frame at most (about 3 ms of markdown layout: only the rows on
/// screen are highlighted; `frame_while_streaming` in benches/tui.rs).
const FRAME_TEXT: usize = 32 << 10;
/// The longest run of ready agent events applied before input and frames get a turn.
const BATCH: Duration = Duration::from_millis(4);
/// How long the terminal has to answer the capability query (a round trip, over SSH too).
const QUERY_TIMEOUT: Duration = Duration::from_millis(800);

/// What the runtime runs with.
pub struct TuiContext {
    /// The agent; `None` when set-up failed (the UI still opens and says why).
    pub agent: Option<AgentHandle>,
    pub host: Box<dyn Host>,
    pub cwd: PathBuf,
    /// Theme and keymap files to watch for changes.
    pub watched: Vec<ConfigSource>,
    /// Pick the image protocol from the environment (kitty, iTerm2; else half-blocks).
    pub query_images: bool,
    /// Effects to run once the first frame is drawn (loading the history).
    pub startup: Vec<Effect>,
}

/// How the UI ended.
#[derive(Debug, Clone, Default)]
pub struct ExitInfo {
    pub session: Option<String>,
    pub head: Option<String>,
    /// The signal that ended the UI (SIGTERM, SIGHUP, ...), if one did.
    pub signal: Option<i32>,
}

/// Runs the UI until the user quits.
pub async fn run(mut state: State, mut ctx: TuiContext) -> std::io::Result<ExitInfo> {
    let mut stop = StopSignals::register();
    let mut term = TerminalGuard::enter(state.mouse_capture)?;
    let size = term.terminal.size()?;
    state.width = size.width;
    state.height = size.height;
    let outcome = event_loop(&mut state, &mut ctx, &mut term, &mut stop).await;
    // Whatever ended the loop, the agent stops its turn (the session stays consistent).
    shutdown(ctx.agent.take()).await;
    let hung_up = matches!(outcome, Ok(Some(HANGUP))) || outcome.is_err();
    let released = term.release();
    if hung_up && released.is_err() {
        // The terminal is gone: ratatui's drop would report the cursor it cannot show with
        // `eprintln!`, which panics on a dead terminal. Nothing is left to restore.
        std::mem::forget(term);
    }
    let stopped_by = outcome?;
    if stopped_by.is_none() {
        released?;
    }
    Ok(ExitInfo {
        session: state.status.session.clone(),
        head: state.status.head.clone(),
        signal: stopped_by,
    })
}

/// How long a failed draw waits for the signal of a hang-up before it is an error.
const HANGUP_GRACE: Duration = Duration::from_millis(500);

/// SIGHUP: the terminal went away.
const HANGUP: i32 = nix::sys::signal::Signal::SIGHUP as i32;

/// The loop; returns the signal that ended it, if one did.
async fn event_loop(
    state: &mut State,
    ctx: &mut TuiContext,
    term: &mut TerminalGuard,
    stop: &mut StopSignals,
) -> std::io::Result<Option<i32>> {
    let mut stopped_by = None;
    let started = Instant::now();
    term.terminal.draw(|f| view(state, f))?;
    // A test hook, in debug builds only: the end-to-end tests check that a panic gives the
    // terminal back and is logged (tests/suite/tui/e2e.rs).
    if cfg!(debug_assertions) && std::env::var_os("PI_TEST_PANIC").is_some() {
        panic!("PI_TEST_PANIC is set: panicking after the first frame");
    }
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let _watcher = watch_configs(&ctx.watched, tx.clone());
    let skill_roots = state.skills.roots();
    let _skills_watcher = (!skill_roots.is_empty())
        .then(|| {
            let tx = tx.clone();
            crate::skills::watch::watch_skills(&skill_roots, move || {
                let _ = tx.send(Msg::SkillsChanged);
            })
        })
        .flatten();
    let mut fx = Effects {
        tx: tx.clone(),
        cwd: ctx.cwd.clone(),
        skill_roots,
        skills: state.skills.config.clone(),
        images: HashMap::new(),
        decoded: HashMap::new(),
        picker: None,
        query_images: ctx.query_images,
        next_image: 1,
    };
    // The terminal is asked what images it can draw after the first frame, and answers while
    // the history loads; the event stream starts reading only once the replies are in.
    let query = ctx.query_images && wants_query(true) && term_query::send().is_ok();
    let mut events: Option<EventStream> = None;
    for e in std::mem::take(&mut ctx.startup) {
        run_effect(
            e,
            &mut fx,
            term,
            &mut events,
            ctx.agent.as_ref(),
            ctx.host.as_mut(),
        )
        .await?;
    }
    if query {
        let replies = tokio::task::spawn_blocking(|| term_query::read_replies(QUERY_TIMEOUT))
            .await
            .unwrap_or_default();
        tracing::info!("terminal capabilities: {replies:?}");
        fx.picker = Some(picker_from_replies(&replies));
        // Keys typed before the replies came go to the loop first, in order.
        for key in term_query::typed_keys(&replies.typed) {
            let _ = tx.send(Msg::Key(key));
        }
    }
    // A resize before the event stream started was not seen as an event.
    if let Ok(size) = term.terminal.size()
        && (size.width, size.height) != (state.width, state.height)
    {
        let _ = tx.send(Msg::Resize {
            width: size.width,
            height: size.height,
        });
    }
    events = Some(EventStream::new());
    let mut dirty = false;
    let mut last_draw = Instant::now();
    // Streamed text applied since the last frame: past FRAME_TEXT the next frame comes
    // first, so no frame has an unbounded amount of new text to lay out and a key typed
    // meanwhile shows within a frame or two.
    let mut unframed = 0usize;
    // Input (a key, a paste, the mouse) applied since the last frame: its frame comes first,
    // before more of a stream is taken in.
    let mut input = false;
    // An agent event taken from the channel while merging deltas, to apply before any other.
    let mut held: Option<crate::agent::Event> = None;
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        let pace = if input { INPUT_FRAME } else { FRAME };
        let frame_due = tokio::time::Instant::from_std(last_draw + pace);
        let msg = tokio::select! {
            biased;
            () = tokio::time::sleep_until(frame_due), if dirty => {
                // Frames are paced from the start of a draw: a slow draw does not add a
                // whole frame period on top of itself.
                last_draw = Instant::now();
                if let Err(e) = draw(term, state, &mut fx.images) {
                    // A hang-up often shows first as a failed write: the SIGHUP that follows
                    // ends the UI the orderly way (exit 128 + SIGHUP), not as an error.
                    match tokio::time::timeout(HANGUP_GRACE, stop.next()).await {
                        Ok(sig) => {
                            tracing::info!("signal {sig} after a failed draw ({e}): quitting");
                            stopped_by = Some(sig);
                            break;
                        }
                        Err(_) => return Err(e),
                    }
                }
                dirty = false;
                unframed = 0;
                input = false;
                continue;
            }
            sig = stop.next() => {
                tracing::info!("signal {sig}: quitting");
                stopped_by = Some(sig);
                break;
            }
            ev = next_event(&mut events) => match ev {
                Some(Ok(e)) => match term_msg(e) {
                    Some(m) => {
                        input = true;
                        m
                    }
                    None => continue,
                },
                Some(Err(e)) => {
                    tracing::warn!("terminal input failed: {e}");
                    events = None;
                    continue;
                }
                None => { events = None; continue; }
            },
            ev = next_agent_event(&mut held, &mut ctx.agent, ctx.host.as_mut()),
                if unframed < FRAME_TEXT && !input => match ev {
                Some(ev) => Msg::Agent(ev),
                None => { ctx.agent = None; Msg::AgentGone }
            },
            Some(m) = rx.recv() => m,
            _ = ticker.tick(), if state.wants_ticks() => Msg::Tick { now_ms: ms_since(started) },
        };
        // A burst of agent events (a fast stream) is applied as one batch, bounded in time:
        // the terminal is checked once per batch rather than once per event.
        let batch_start = Instant::now();
        let mut next = Some(msg);
        while let Some(mut msg) = next.take() {
            if let Msg::Agent(ev) = &mut msg {
                let room = FRAME_TEXT.saturating_sub(unframed);
                merge_deltas(ev, room, &mut held, &mut ctx.agent, ctx.host.as_mut());
            }
            let from_agent = matches!(msg, Msg::Agent(_));
            unframed += streamed_len(&msg);
            // Time is injected: a message long after the last tick brings the clock up to date.
            let now = ms_since(started);
            let effects = update_at(state, msg, now, TICK.as_millis() as u64);
            dirty = true;
            for e in effects {
                let editor = matches!(e, Effect::ExternalEditor { .. });
                run_effect(
                    e,
                    &mut fx,
                    term,
                    &mut events,
                    ctx.agent.as_ref(),
                    ctx.host.as_mut(),
                )
                .await?;
                if editor {
                    stop.forget_interrupts();
                }
            }
            if state.quitting {
                break;
            }
            if from_agent && batch_start.elapsed() < BATCH && unframed < FRAME_TEXT && !input {
                next = ready_agent_event(&mut held, &mut ctx.agent, ctx.host.as_mut());
            }
        }
        if state.quitting {
            break;
        }
    }
    Ok(stopped_by)
}

fn ms_since(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn draw(
    term: &mut TerminalGuard,
    state: &State,
    images: &mut HashMap<u64, StatefulProtocol>,
) -> std::io::Result<()> {
    term.terminal.draw(|f| {
        view(state, f);
        // Pictures go over the rows their cells reserve, except under a popup.
        if let Some(r) = areas(state).conversation {
            for (key, slot) in crate::tui::view::inline_images(state, inner(r)) {
                if let Some(p) = images.get_mut(&key) {
                    f.render_stateful_widget(
                        StatefulImage::<StatefulProtocol>::default().resize(Resize::Scale(None)),
                        slot,
                        p,
                    );
                }
            }
        }
        if let Some(Overlay::Image { key, .. }) = &state.overlay
            && let Some(p) = images.get_mut(key)
        {
            let mut r = inner(image_area(f.area()));
            r.height = r.height.saturating_sub(1);
            f.render_stateful_widget(
                StatefulImage::<StatefulProtocol>::default().resize(Resize::Scale(None)),
                r,
                p,
            );
        }
    })?;
    Ok(())
}

async fn next_event(events: &mut Option<EventStream>) -> Option<std::io::Result<TermEvent>> {
    match events {
        Some(s) => s.next().await,
        None => std::future::pending().await,
    }
}

/// The bytes of streamed text (answer, thinking, tool output) a message adds.
fn streamed_len(msg: &Msg) -> usize {
    use crate::agent::EventMsg;
    match msg {
        Msg::Agent(ev) => match &ev.msg {
            EventMsg::TextDelta { delta } | EventMsg::ThinkingDelta { delta } => delta.len(),
            EventMsg::ToolOutputDelta { chunk, .. } => chunk.len(),
            _ => 0,
        },
        _ => 0,
    }
}

/// An agent event already waiting, if any (the channel's end is left to `next_agent_event`).
fn ready_agent_event(
    held: &mut Option<crate::agent::Event>,
    agent: &mut Option<AgentHandle>,
    host: &mut dyn Host,
) -> Option<Msg> {
    if let Some(ev) = held.take() {
        return Some(Msg::Agent(ev));
    }
    let ev = agent.as_mut()?.events.try_recv().ok()?;
    host.observe(&ev.msg);
    Some(Msg::Agent(ev))
}

/// The next agent event: the held one first, else the next from the channel.
async fn next_agent_event(
    held: &mut Option<crate::agent::Event>,
    agent: &mut Option<AgentHandle>,
    host: &mut dyn Host,
) -> Option<crate::agent::Event> {
    if let Some(ev) = held.take() {
        return Some(ev);
    }
    let ev = match agent {
        Some(a) => a.events.recv().await,
        None => std::future::pending().await,
    };
    if let Some(ev) = &ev {
        host.observe(&ev.msg);
    }
    ev
}

/// Appends to a text or thinking delta the deltas of the same kind already waiting, up to
/// `room` bytes: a fast stream (a delta every 8 characters) is applied, and updates the
/// state, once per run rather than once per delta. The first other event is `held`.
fn merge_deltas(
    ev: &mut crate::agent::Event,
    room: usize,
    held: &mut Option<crate::agent::Event>,
    agent: &mut Option<AgentHandle>,
    host: &mut dyn Host,
) {
    use crate::agent::EventMsg;
    let thinking = matches!(ev.msg, EventMsg::ThinkingDelta { .. });
    let (EventMsg::TextDelta { delta: text } | EventMsg::ThinkingDelta { delta: text }) =
        &mut ev.msg
    else {
        return;
    };
    while text.len() < room && held.is_none() {
        let Some(next) = agent.as_mut().and_then(|a| a.events.try_recv().ok()) else {
            break;
        };
        host.observe(&next.msg);
        match &next.msg {
            EventMsg::TextDelta { delta } if !thinking && next.id == ev.id => text.push_str(delta),
            EventMsg::ThinkingDelta { delta } if thinking && next.id == ev.id => {
                text.push_str(delta)
            }
            _ => *held = Some(next),
        }
    }
}

fn term_msg(e: TermEvent) -> Option<Msg> {
    Some(match e {
        TermEvent::Key(k) => Msg::Key(k),
        TermEvent::Paste(p) => Msg::Paste(p),
        TermEvent::Mouse(m) => Msg::Mouse(m),
        TermEvent::Resize(width, height) => Msg::Resize { width, height },
        TermEvent::FocusGained | TermEvent::FocusLost => return None,
    })
}

/// Stops the agent: cancel what runs, let it write its last entry, wait a little.
async fn shutdown(agent: Option<AgentHandle>) {
    let Some(mut agent) = agent else {
        return;
    };
    let _ = agent.submissions.send(Submission {
        id: u64::MAX - 1,
        op: Op::Interrupt,
    });
    let _ = agent.submissions.send(Submission {
        id: u64::MAX,
        op: Op::Shutdown,
    });
    let wait = async {
        while let Some(ev) = agent.events.recv().await {
            if matches!(ev.msg, crate::agent::EventMsg::ShutdownComplete) {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(3), wait).await;
    let _ = tokio::time::timeout(Duration::from_secs(1), agent.join).await;
}
