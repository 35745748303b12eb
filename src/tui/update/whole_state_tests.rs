//! Controller tests against the whole state: every step feeds one `Msg`, then compares the
//! whole `StateSummary` with the one before plus the changes the step should make (so any
//! other change fails), and the effects in full. Ids are the state's counter, from 101.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use pretty_assertions::assert_eq;
use serde_json::json;

use super::update;
use crate::agent::{Event, EventMsg, Op};
use crate::ai::types::{Cost, StopReason, Usage};
use crate::tui::msg::{CommandReply, Effect, EffectResult, Msg};
use crate::tui::overlay::{ListPicker, PaletteKind, palette_items};
use crate::tui::panes::conversation::{NoticeLevel, ToolStatus};
use crate::tui::panes::trace::TraceRow;
use crate::tui::state::{Busy, ModelChoice, Pane, State, Toast};
use crate::tui::state_summary::{CellSummary, OverlaySummary, StateSummary};

/// Feeds `msg`: the state must become the one before with `change` applied, and the effects
/// must be `fx`.
#[track_caller]
pub(super) fn step(
    s: &mut State,
    msg: Msg,
    fx: Vec<Effect>,
    change: impl FnOnce(&mut StateSummary),
) {
    let mut want = s.summary();
    change(&mut want);
    let got = update(s, msg);
    assert_eq!(s.summary(), want);
    assert_eq!(got, fx);
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn with(code: KeyCode, modifiers: KeyModifiers) -> Msg {
    Msg::Key(KeyEvent::new(code, modifiers))
}

fn ctrl(c: char) -> Msg {
    with(KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn alt(c: char) -> Msg {
    with(KeyCode::Char(c), KeyModifiers::ALT)
}

pub(super) fn agent(id: u64, msg: EventMsg) -> Msg {
    Msg::Agent(Event { id, msg })
}

pub(super) fn done(id: u64, result: EffectResult) -> Msg {
    Msg::Done { id, result }
}

/// Types `text` (one line, no completion) into the prompt, one key a step.
#[track_caller]
fn type_line(s: &mut State, text: &str) {
    for c in text.chars() {
        step(s, key(KeyCode::Char(c)), vec![], |w| {
            w.focus = Pane::Editor;
            w.editor.text.push(c);
            w.editor.cursor.1 += 1;
        });
    }
}

/// The editor after sending: empty, the prompt remembered.
fn sent(w: &mut StateSummary, text: &str) {
    w.editor.text.clear();
    w.editor.cursor = (0, 0);
    w.editor.history.push(text.into());
}

fn busy(submission: u64, since_ms: u64) -> Option<Busy> {
    Some(Busy {
        submission,
        since_ms,
        compacting: false,
    })
}

fn toast(text: &str, until_ms: u64) -> Option<Toast> {
    Some(Toast {
        text: text.into(),
        until_ms,
    })
}

pub(super) fn user(text: &str) -> CellSummary {
    CellSummary::User {
        text: text.into(),
        expanded: false,
    }
}

pub(super) fn notice(level: NoticeLevel, text: &str) -> CellSummary {
    CellSummary::Notice {
        level,
        text: text.into(),
        expanded: false,
    }
}

/// The prompt `text` goes to the agent as submission `id`.
pub(super) fn submitted(id: u64, text: &str) -> Vec<Effect> {
    vec![Effect::SubmitPrompt {
        id,
        text: text.into(),
        attachments: vec![],
    }]
}

/// Types `text` and sends it while idle: it goes out as submission `id`.
#[track_caller]
fn send(s: &mut State, text: &str, id: u64) {
    type_line(s, text);
    step(s, key(KeyCode::Enter), submitted(id, text), |w| {
        sent(w, text);
        w.busy = busy(id, w.now_ms);
        w.conversation.cells.push(user(text));
    });
}

fn finished(text: &str) -> EventMsg {
    EventMsg::TurnFinished {
        text: text.into(),
        stop_reason: StopReason::Stop,
        turns: 1,
    }
}

pub(super) fn tokens(input: u64, output: u64) -> Usage {
    Usage {
        input,
        output,
        total_tokens: input + output,
        cost: Cost {
            total: 0.002,
            ..Cost::default()
        },
        ..Usage::default()
    }
}

pub(super) fn reply(line: &str, session_changed: bool, submit: Option<Op>) -> EffectResult {
    EffectResult::Command(Ok(CommandReply {
        lines: vec![line.into()],
        ok: true,
        submit,
        session_changed,
        ..CommandReply::default()
    }))
}

#[test]
fn a_fresh_state() {
    insta::assert_debug_snapshot!(State::new(120, 40).summary());
}

#[test]
fn a_prompt_is_typed_and_sent() {
    let mut s = State::new(120, 40);
    send(&mut s, "hello", 101);
    // An empty prompt sends nothing.
    step(&mut s, key(KeyCode::Enter), vec![], |_| {});
}

#[test]
fn a_turn_streams_thinking_text_and_a_tool_call() {
    let mut s = State::new(120, 40);
    send(&mut s, "list", 101);
    step(&mut s, agent(101, EventMsg::TurnStarted), vec![], |_| {});
    let think = |text: &str, streaming| CellSummary::Thinking {
        text: text.into(),
        streaming,
        expanded: false,
    };
    let answer = |text: &str, streaming| CellSummary::Assistant {
        text: text.into(),
        streaming,
        expanded: false,
    };
    let delta = |d: &str| EventMsg::ThinkingDelta { delta: d.into() };
    step(&mut s, agent(101, delta("hmm")), vec![], |w| {
        w.conversation.cells.push(think("hmm", true));
    });
    step(&mut s, agent(101, delta(", ls")), vec![], |w| {
        w.conversation.cells[1] = think("hmm, ls", true);
    });
    let text = |d: &str| EventMsg::TextDelta { delta: d.into() };
    step(&mut s, agent(101, text("Looking")), vec![], |w| {
        w.conversation.cells[1] = think("hmm, ls", false);
        w.conversation.cells.push(answer("Looking", true));
    });
    let msg = EventMsg::AssistantFinished {
        text: "Looking.".into(),
        stop_reason: StopReason::ToolUse,
        entry_id: Some("a1".into()),
    };
    step(&mut s, agent(101, msg), vec![], |w| {
        w.conversation.cells[2] = answer("Looking.", false);
        w.status.head = Some("a1".into());
    });
    let tool = |status, output: &str, duration_ms| CellSummary::Tool {
        call_id: "c1".into(),
        name: "ls".into(),
        args: r#"{"path":"."}"#.into(),
        status,
        output: output.into(),
        duration_ms,
        expanded: false,
    };
    let row = |status, output: &str, duration_ms| TraceRow {
        call_id: "c1".into(),
        name: "ls".into(),
        summary: ".".into(),
        status,
        duration_ms,
        output: output.into(),
    };
    let msg = EventMsg::ToolCallStarted {
        call_id: "c1".into(),
        name: "ls".into(),
        arguments: json!({"path": "."}),
        decision: None,
    };
    step(&mut s, agent(101, msg), vec![], |w| {
        w.conversation
            .cells
            .push(tool(ToolStatus::Running, "", None));
        w.trace.rows.push(row(ToolStatus::Running, "", None));
    });
    let msg = EventMsg::ToolOutputDelta {
        call_id: "c1".into(),
        chunk: "a\n".into(),
    };
    step(&mut s, agent(101, msg), vec![], |w| {
        w.conversation.cells[3] = tool(ToolStatus::Running, "a\n", None);
        w.trace.rows[0] = row(ToolStatus::Running, "a\n", None);
    });
    let msg = EventMsg::ToolCallFinished {
        call_id: "c1".into(),
        name: "ls".into(),
        is_error: false,
        output: "a\nb".into(),
        duration_ms: 5,
        exit_code: None,
        output_bytes: 3,
        images: Vec::new(),
    };
    step(&mut s, agent(101, msg), vec![], |w| {
        w.conversation.cells[3] = tool(ToolStatus::Ok, "a\nb", Some(5));
        w.trace.rows[0] = row(ToolStatus::Ok, "a\nb", Some(5));
    });
    step(&mut s, agent(101, text("Two files.\n")), vec![], |w| {
        w.conversation.cells.push(answer("Two files.\n", true));
    });
    let msg = EventMsg::Usage {
        turn: tokens(900, 100),
        session: tokens(1900, 200),
    };
    step(&mut s, agent(101, msg), vec![], |w| {
        w.status.usage = tokens(1900, 200);
        w.status.context_tokens = 1000;
    });
    let msg = EventMsg::AssistantFinished {
        text: "Two files.\na and b.".into(),
        stop_reason: StopReason::Stop,
        entry_id: Some("a2".into()),
    };
    step(&mut s, agent(101, msg), vec![], |w| {
        w.conversation.cells[4] = answer("Two files.\na and b.", false);
        w.status.head = Some("a2".into());
    });
    step(&mut s, agent(101, finished("a and b.")), vec![], |w| {
        w.busy = None;
    });
    insta::assert_debug_snapshot!(s.summary());

    // The trace shows the call; Enter opens its output, Esc closes it.
    step(&mut s, alt('4'), vec![], |w| w.focus = Pane::Trace);
    step(&mut s, key(KeyCode::Enter), vec![], |w| {
        w.overlay = Some(OverlaySummary::Text {
            title: "ls .".into(),
            text: "a\nb".into(),
            scroll: 0,
        });
    });
    step(&mut s, key(KeyCode::Esc), vec![], |w| w.overlay = None);
}

#[test]
fn prompts_sent_during_a_turn_queue_and_drain_one_by_one() {
    let mut s = State::new(120, 40);
    send(&mut s, "one", 101);
    let queued = "queued: it is sent when the turn ends";
    for text in ["two", "three"] {
        type_line(&mut s, text);
        step(&mut s, key(KeyCode::Enter), vec![], |w| {
            sent(w, text);
            w.queue.push(text.into());
            w.toast = toast(queued, 3000);
        });
    }
    step(&mut s, Msg::Tick { now_ms: 1000 }, vec![], |w| {
        w.now_ms = 1000;
    });
    // A turn that ends, however it ends, sends the next queued prompt.
    step(
        &mut s,
        agent(101, EventMsg::TurnCancelled),
        submitted(102, "two"),
        |w| {
            w.conversation
                .cells
                .push(notice(NoticeLevel::Warning, "turn cancelled"));
            w.busy = busy(102, 1000);
            w.queue.remove(0);
            w.conversation.cells.push(user("two"));
        },
    );
    step(
        &mut s,
        agent(102, finished("")),
        submitted(103, "three"),
        |w| {
            w.busy = busy(103, 1000);
            w.queue.clear();
            w.conversation.cells.push(user("three"));
        },
    );
    step(&mut s, agent(103, finished("")), vec![], |w| w.busy = None);
    // The notice expires on its tick.
    step(&mut s, Msg::Tick { now_ms: 3000 }, vec![], |w| {
        w.now_ms = 3000;
        w.toast = None;
    });
}

#[test]
fn ctrl_c_cancels_the_turn_then_clears_then_twice_quits() {
    let mut s = State::new(120, 40);
    send(&mut s, "go", 101);
    type_line(&mut s, "later");
    step(&mut s, key(KeyCode::Enter), vec![], |w| {
        sent(w, "later");
        w.queue.push("later".into());
        w.toast = toast("queued: it is sent when the turn ends", 3000);
    });
    // Cancelling puts the queued prompt back in the editor.
    let fx = vec![Effect::Submit {
        id: 102,
        op: Op::Interrupt,
    }];
    step(&mut s, ctrl('c'), fx, |w| {
        w.queue.clear();
        w.editor.text = "later".into();
        w.editor.cursor = (0, 5);
        let note = "1 queued prompt(s) put back in the editor";
        w.conversation.cells.push(notice(NoticeLevel::Info, note));
        w.toast = toast("cancelling the turn…", 3000);
    });
    step(&mut s, agent(101, EventMsg::TurnCancelled), vec![], |w| {
        let note = notice(NoticeLevel::Warning, "turn cancelled");
        w.conversation.cells.push(note);
        w.busy = None;
        w.toast = None;
    });
    step(&mut s, ctrl('c'), vec![], |w| {
        w.editor.text.clear();
        w.editor.cursor = (0, 0);
    });
    let arm = |w: &mut StateSummary| {
        w.quit_armed_until = Some(w.now_ms + 2000);
        w.toast = toast("press Ctrl+C again to quit", w.now_ms + 2000);
    };
    step(&mut s, ctrl('c'), vec![], arm);
    // The arm expires with its notice.
    step(&mut s, Msg::Tick { now_ms: 2500 }, vec![], |w| {
        w.now_ms = 2500;
        w.quit_armed_until = None;
        w.toast = None;
    });
    step(&mut s, ctrl('c'), vec![], arm);
    step(&mut s, ctrl('c'), vec![Effect::Quit], |w| w.quitting = true);
}

#[test]
fn focus_moves_by_key_and_click_and_typing_returns_to_the_prompt() {
    let mut s = State::new(120, 40);
    step(&mut s, key(KeyCode::Tab), vec![], |w| w.focus = Pane::Graph);
    let back = with(KeyCode::BackTab, KeyModifiers::SHIFT);
    step(&mut s, back, vec![], |w| w.focus = Pane::Editor);
    step(&mut s, alt('1'), vec![], |w| w.focus = Pane::Conversation);
    type_line(&mut s, "x");
    // The graph loads the first time it is shown.
    step(&mut s, alt('3'), vec![Effect::LoadGraph { id: 101 }], |w| {
        w.focus = Pane::Graph;
        w.graph.request = 101;
    });
    step(&mut s, alt('4'), vec![], |w| w.focus = Pane::Trace);
    step(&mut s, alt('5'), vec![], |w| w.focus = Pane::Skills);
    step(&mut s, alt('z'), vec![], |w| w.zoom = true);
    step(&mut s, alt('z'), vec![], |w| w.zoom = false);
    let right = with(KeyCode::Right, KeyModifiers::ALT);
    step(&mut s, right, vec![], |w| w.split = 67);
    let left = with(KeyCode::Left, KeyModifiers::ALT);
    step(&mut s, left.clone(), vec![], |w| w.split = 62);
    step(&mut s, left, vec![], |w| w.split = 57);
    let click = Msg::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 5,
        row: 5,
        modifiers: KeyModifiers::NONE,
    });
    step(&mut s, click, vec![], |w| w.focus = Pane::Conversation);
    let f2 = key(KeyCode::F(2));
    step(&mut s, f2, vec![Effect::SetMouseCapture(false)], |w| {
        w.mouse_capture = false;
        w.toast = toast("mouse off: the terminal selects text", 3000);
    });
}

#[test]
fn overlays_open_filter_pick_and_close() {
    let mut s = State::new(120, 40);
    step(&mut s, key(KeyCode::F(1)), vec![], |w| {
        w.overlay = Some(OverlaySummary::Help { scroll: 0 });
    });
    step(&mut s, key(KeyCode::Down), vec![], |w| {
        w.overlay = Some(OverlaySummary::Help { scroll: 1 });
    });
    step(&mut s, key(KeyCode::Esc), vec![], |w| w.overlay = None);

    let model = |name: &str, label: &str| ModelChoice {
        name: name.into(),
        context_window: 200_000,
        label: label.into(),
        missing_key: None,
    };
    s.models = vec![
        model("anthropic/claude-opus", "Claude Opus"),
        model("openai/gpt-4.1", "GPT-4.1"),
    ];
    let picker = |kind, query: &str, items, shown, selected: &str| {
        Some(OverlaySummary::Picker {
            kind,
            query: query.into(),
            items,
            shown,
            cursor: 0,
            selected: Some(selected.into()),
        })
    };
    let claude = "anthropic/claude-opus";
    step(&mut s, ctrl('o'), vec![], |w| {
        w.overlay = picker(PaletteKind::Models, "", 2, 2, claude);
    });
    let gpt = "openai/gpt-4.1";
    step(&mut s, key(KeyCode::Char('g')), vec![], |w| {
        w.overlay = picker(PaletteKind::Models, "g", 2, 1, gpt);
    });
    step(&mut s, key(KeyCode::Backspace), vec![], |w| {
        w.overlay = picker(PaletteKind::Models, "", 2, 2, claude);
    });
    step(&mut s, key(KeyCode::Char('g')), vec![], |w| {
        w.overlay = picker(PaletteKind::Models, "g", 2, 1, gpt);
    });
    let fx = vec![Effect::RunCommand {
        id: 101,
        line: format!("/model {gpt}"),
    }];
    step(&mut s, key(KeyCode::Enter), fx, |w| w.overlay = None);

    // The palette runs an action by name. What matches a query is the fuzzy filter's
    // business (tested with it); here the keys must reach the query and refilter the list.
    let items = palette_items(&s.keymap, &s.editor.commands);
    let palette = |query: &str| {
        let mut list = ListPicker::new(items.clone());
        list.query = query.into();
        list.refilter();
        Some(OverlaySummary::Picker {
            kind: PaletteKind::Palette,
            query: query.into(),
            items: list.items.len(),
            shown: list.matches.len(),
            cursor: 0,
            selected: list.selected().map(|(v, _)| v.clone()),
        })
    };
    step(&mut s, ctrl('p'), vec![], |w| w.overlay = palette(""));
    for (i, c) in "zoom".char_indices() {
        step(&mut s, key(KeyCode::Char(c)), vec![], |w| {
            w.overlay = palette(&"zoom"[..=i]);
        });
    }
    assert!(
        matches!(&s.summary().overlay, Some(OverlaySummary::Picker { selected: Some(v), .. }) if v == "Zoom pane")
    );
    step(&mut s, key(KeyCode::Enter), vec![], |w| {
        w.overlay = None;
        w.zoom = true;
    });
}
