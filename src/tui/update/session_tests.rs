//! Controller tests of what comes from the session and the files around it: the status bar
//! of a resumed session, live reload of the theme and keymap files.

use pretty_assertions::assert_eq;

use super::update;
use crate::agent::{Event, EventMsg};
use crate::ai::types::{AssistantMessage, Cost, Message, Usage, UserContent, UserMessage};
use crate::tui::host::BranchHistory;
use crate::tui::msg::{EffectResult, Msg};
use crate::tui::state::State;

fn usage(input: u64, output: u64, cost: f64) -> Usage {
    Usage {
        input,
        output,
        total_tokens: input + output,
        cost: Cost {
            total: cost,
            ..Cost::default()
        },
        ..Usage::default()
    }
}

fn answer(u: Usage) -> Message {
    Message::Assistant(AssistantMessage {
        usage: u,
        ..AssistantMessage::default()
    })
}

/// A history load of `messages` whose branch used `usage`.
fn loaded(messages: Vec<Message>, head: Option<&str>, usage: Usage) -> EffectResult {
    EffectResult::History(Ok(BranchHistory {
        messages,
        head: head.map(str::to_string),
        usage,
    }))
}

fn question() -> Message {
    Message::User(UserMessage {
        content: UserContent::Text("q".into()),
        timestamp: 0,
    })
}

#[test]
fn a_resumed_session_shows_its_usage_before_the_first_turn() {
    let mut s = State::new(120, 40);
    // A compacted branch: the session's total counts the summarised turns too.
    let history = vec![
        Message::CompactionSummary(crate::ai::types::SummaryMessage {
            summary: "earlier".into(),
            timestamp: 0,
        }),
        question(),
        answer(usage(1500, 300, 0.02)),
    ];
    update(
        &mut s,
        Msg::Done {
            id: 1,
            result: loaded(history, Some("h2"), usage(2500, 500, 0.03)),
        },
    );
    assert_eq!(s.status.usage.input, 2500);
    assert_eq!(s.status.usage.output, 500);
    assert!((s.status.usage.cost.total - 0.03).abs() < 1e-9);
    assert_eq!(s.status.context_tokens, 1800, "the last answer's context");
    assert_eq!(s.status.head.as_deref(), Some("h2"));

    // The agent's running total takes over from the first turn on.
    let mut session = s.status.usage;
    let turn = usage(2000, 100, 0.015);
    session.add(&turn);
    update(
        &mut s,
        Msg::Agent(Event {
            id: 5,
            msg: EventMsg::Usage { turn, session },
        }),
    );
    assert_eq!(s.status.usage.input, 4500);
    assert_eq!(s.status.usage.output, 600);
    assert_eq!(s.status.context_tokens, 2100);
}

#[test]
fn a_resumed_session_fills_the_tool_trace() {
    use crate::ai::types::{ContentBlock, ToolResultMessage};
    use crate::tui::panes::conversation::ToolStatus;
    let call = |id: &str, cmd: &str| ContentBlock::ToolCall {
        id: id.into(),
        name: "bash".into(),
        arguments: serde_json::json!({ "command": cmd }),
    };
    let result = |id: &str, text: &str, is_error: bool, duration_ms: Option<u64>| {
        Message::ToolResult(ToolResultMessage {
            tool_call_id: id.into(),
            tool_name: "bash".into(),
            content: vec![ContentBlock::Text { text: text.into() }],
            is_error,
            timestamp: 0,
            details: None,
            duration_ms,
        })
    };
    let history = vec![
        question(),
        Message::Assistant(AssistantMessage {
            content: vec![call("c1", "ls"), call("c2", "false")],
            ..AssistantMessage::default()
        }),
        // A result stored with its duration, and one from before durations were stored.
        result("c1", "a\nb\n", false, Some(1234)),
        result("c2", "Command exited with code 1", true, None),
        Message::Assistant(AssistantMessage {
            content: vec![call("c3", "sleep 9")],
            ..AssistantMessage::default()
        }),
    ];
    let mut s = State::new(120, 40);
    update(
        &mut s,
        Msg::Done {
            id: 1,
            result: loaded(history, None, Usage::default()),
        },
    );
    let rows: Vec<_> = s
        .trace
        .rows
        .iter()
        .map(|r| {
            (
                r.call_id.as_str(),
                r.status,
                r.duration_ms,
                r.output.as_str(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("c1", ToolStatus::Ok, Some(1234), "a\nb\n"),
            ("c2", ToolStatus::Error, None, "Command exited with code 1"),
            ("c3", ToolStatus::Error, None, ""),
        ]
    );
    let area = ratatui::layout::Rect::new(0, 0, 60, 3);
    let mut buf = ratatui::buffer::Buffer::empty(area);
    s.trace.render(&s.theme, false, area, &mut buf);
    let row = |y| -> String { (0..60).map(|x| buf[(x, y)].symbol().to_string()).collect() };
    assert!(row(0).contains("1.2 s"), "stored duration: {:?}", row(0));
    assert!(
        row(1).contains(" – "),
        "unknown duration shown as a dash: {:?}",
        row(1)
    );
    let durations: Vec<Option<u64>> = s
        .conversation
        .cells
        .iter()
        .filter_map(|c| match &c.kind {
            crate::tui::panes::conversation::CellKind::Tool(t) => Some(t.duration_ms),
            _ => None,
        })
        .collect();
    assert_eq!(durations, vec![Some(1234), None, None]);
}

fn click(r: ratatui::layout::Rect) -> Msg {
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    Msg::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: r.x + 2,
        row: r.y + 2,
        modifiers: KeyModifiers::NONE,
    })
}

#[test]
fn clicking_a_pane_runs_its_lazy_load_and_startup_loads_the_skills() {
    use crate::tui::layout::areas;
    use crate::tui::msg::Effect;
    use crate::tui::state::Pane;
    let mut s = State::new(120, 40);
    s.skills.dir = Some("skills".into());
    let fx = super::startup(&mut s);
    assert!(
        matches!(
            fx.as_slice(),
            [
                Effect::LoadHistory { .. },
                Effect::LoadGraph { .. },
                Effect::LoadSkills { .. }
            ]
        ),
        "{fx:?}"
    );

    // Nothing loaded yet (say the loads failed to arrive): a click loads like the key.
    let mut s = State::new(120, 40);
    s.skills.dir = Some("skills".into());
    let a = areas(&s);
    let (Some(graph), Some(skills)) = (a.graph, a.skills) else {
        panic!("the wide layout shows the graph and skills panes");
    };
    let fx = update(&mut s, click(graph));
    assert_eq!(s.focus, Pane::Graph);
    assert!(
        matches!(fx.as_slice(), [Effect::LoadGraph { .. }]),
        "{fx:?}"
    );
    let fx = update(&mut s, click(skills));
    assert_eq!(s.focus, Pane::Skills);
    assert!(
        matches!(fx.as_slice(), [Effect::LoadSkills { .. }]),
        "{fx:?}"
    );
}

#[test]
fn an_in_memory_session_loads_its_graph_at_startup() {
    use crate::tui::msg::Effect;
    // --no-session: no file, but the in-memory store has a tree all the same.
    let mut s = State::new(120, 40);
    let fx = super::startup(&mut s);
    let graph = fx.iter().find_map(|e| match e {
        Effect::LoadGraph { id } => Some(*id),
        _ => None,
    });
    let Some(id) = graph else {
        panic!("no LoadGraph at startup: {fx:?}");
    };
    update(
        &mut s,
        Msg::Done {
            id,
            result: EffectResult::Graph(Ok(crate::session::SessionTree::default())),
        },
    );
    assert!(s.graph.loaded);
    assert_eq!(s.graph.error, None);
}

#[test]
fn up_recalls_the_prompts_of_the_resumed_branch() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let ask = |t: &str| {
        Message::User(UserMessage {
            content: UserContent::Text(t.into()),
            timestamp: 0,
        })
    };
    let history = vec![ask("first"), answer(usage(1, 1, 0.0)), ask("second")];
    let mut s = State::new(120, 40);
    update(
        &mut s,
        Msg::Done {
            id: 1,
            result: loaded(history, None, Usage::default()),
        },
    );
    assert_eq!(s.editor.history, ["first", "second"]);
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Up, KeyModifiers::NONE)),
    );
    assert_eq!(s.editor.text(), "second");
}

#[test]
fn a_catch_up_tick_keeps_its_effects() {
    use crate::tui::msg::Effect;
    let mut s = State::new(120, 40);
    // The tree arrived outside `update` (its labels not asked for yet).
    let (snap, _) = crate::tui::panes::graph::tree_from_lines(&[
        r#"{"type":"message","id":"u1","parentId":null,"message":{"role":"user","content":"q"}}"#,
    ]);
    s.graph.set_snapshot(snap, None);
    s.graph.loaded = true;
    let fx = super::update_at(
        &mut s,
        Msg::Resize {
            width: 120,
            height: 40,
        },
        10_000,
        80,
    );
    assert_eq!(s.now_ms, 10_000);
    let asked: Vec<_> = fx
        .iter()
        .filter(|e| matches!(e, Effect::LoadEntryLabels { .. }))
        .collect();
    assert_eq!(asked.len(), 1, "{fx:?}");
}

#[test]
fn the_model_picker_opens_on_the_current_model() {
    use crate::tui::overlay::Overlay;
    use crate::tui::state::ModelChoice;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut s = State::new(120, 40);
    s.models = ["a/one", "b/two", "c/three"]
        .iter()
        .map(|n| ModelChoice {
            name: n.to_string(),
            context_window: 1000,
            label: n.to_string(),
            missing_key: None,
        })
        .collect();
    s.status.model = "b/two".into();
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('o'), KeyModifiers::CONTROL)),
    );
    let Some(Overlay::Picker { list, .. }) = &s.overlay else {
        panic!("no picker: {:?}", s.overlay);
    };
    assert_eq!(list.items[list.matches[list.cursor]].0, "b/two");
}

#[test]
fn a_cut_copy_says_so() {
    use crate::tui::panes::conversation::CellKind;
    let mut s = State::new(120, 40);
    update(
        &mut s,
        Msg::Done {
            id: 1,
            result: EffectResult::Copied(Ok(true)),
        },
    );
    let last = s.conversation.cells.last().map(|c| &c.kind);
    assert!(
        matches!(last, Some(CellKind::Notice { text, .. }) if text.contains("first 75 KB")),
        "{last:?}"
    );
}

#[test]
fn compact_is_busy_until_compacted_then_the_branch_reloads_with_a_notice_below() {
    use crate::agent::{CompactionReason, Op};
    use crate::tui::msg::{CommandReply, Effect};
    let mut s = State::new(120, 40);
    let fx = update(
        &mut s,
        Msg::Done {
            id: 1,
            result: EffectResult::Command(Ok(CommandReply {
                ok: true,
                lines: vec!["compacting the older part of the branch…".into()],
                submit: Some(Op::Compact { instructions: None }),
                ..CommandReply::default()
            })),
        },
    );
    let Some(Effect::Submit { id, .. }) = fx.last() else {
        panic!("no submit: {fx:?}");
    };
    let id = *id;
    let event = |msg| Msg::Agent(Event { id, msg });
    update(
        &mut s,
        event(EventMsg::CompactionStarted {
            reason: CompactionReason::Manual,
        }),
    );
    assert!(
        s.busy.is_some_and(|b| b.compacting),
        "spinner; Ctrl+C cancels"
    );
    let fx = update(
        &mut s,
        event(EventMsg::Compacted {
            reason: CompactionReason::Manual,
            entry_id: "c1".into(),
            summarized: 4,
            kept: 2,
            tokens_before: 9000,
            tokens_after: 1200,
            usage: usage(9000, 300, 0.002),
        }),
    );
    assert_eq!(s.busy, None);
    assert!(
        fx.iter().any(|e| matches!(e, Effect::LoadHistory { .. })),
        "{fx:?}"
    );
    assert_eq!(s.status.head.as_deref(), Some("c1"));
    assert_eq!(s.status.context_tokens, 1200);
    assert_eq!(
        s.status.usage,
        Usage::default(),
        "the summary is not branch usage"
    );
    let (_, text) = &s.pending_notices[0];
    assert!(
        text.starts_with("compacted: 4 messages summarised, 2 kept"),
        "{text}"
    );

    // Nothing to compact: said, and not busy any more.
    update(
        &mut s,
        event(EventMsg::CompactionStarted {
            reason: CompactionReason::Manual,
        }),
    );
    update(
        &mut s,
        event(EventMsg::CompactionSkipped {
            reason: "nothing to compact".into(),
        }),
    );
    assert_eq!(s.busy, None);
}

#[test]
fn the_model_picker_marks_missing_keys_and_always_lists_the_current_model() {
    use crate::tui::overlay::Overlay;
    use crate::tui::state::ModelChoice;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut s = State::new(120, 40);
    s.models = vec![
        ModelChoice {
            name: "openai/gpt-4.1".into(),
            context_window: 1_000_000,
            label: "GPT-4.1".into(),
            missing_key: Some("OPENAI_API_KEY".into()),
        },
        ModelChoice {
            name: "anthropic/claude-sonnet-4-5".into(),
            context_window: 200_000,
            label: "Claude Sonnet 4.5".into(),
            missing_key: None,
        },
    ];
    s.status.model = "openrouter/some/custom-model".into();
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('o'), KeyModifiers::CONTROL)),
    );
    let Some(Overlay::Picker { list, .. }) = &s.overlay else {
        panic!("no picker: {:?}", s.overlay);
    };
    assert_eq!(list.items[0].0, "openrouter/some/custom-model");
    assert_eq!(
        list.items[list.matches[list.cursor]].0,
        "openrouter/some/custom-model"
    );
    assert!(
        list.items[1].1.contains("OPENAI_API_KEY not set"),
        "{:?}",
        list.items
    );
    assert!(!list.items[2].1.contains("not set"), "{:?}", list.items);
}

#[test]
fn switching_model_says_it_once() {
    use crate::tui::CommandReply;
    use crate::tui::panes::conversation::CellKind;
    let mut s = State::new(120, 40);
    let reply = CommandReply {
        lines: vec!["switching to openai/gpt-4.1".into()],
        ok: true,
        ..CommandReply::default()
    };
    update(
        &mut s,
        Msg::Done {
            id: 1,
            result: EffectResult::Command(Ok(reply)),
        },
    );
    update(
        &mut s,
        Msg::Agent(Event {
            id: 2,
            msg: EventMsg::ModelChanged {
                model: "openai/gpt-4.1".into(),
            },
        }),
    );
    let notices = s
        .conversation
        .cells
        .iter()
        .filter(|c| matches!(&c.kind, CellKind::Notice { text, .. } if text.contains("gpt-4.1")))
        .count();
    assert_eq!(notices, 1);
    assert_eq!(s.status.model, "openai/gpt-4.1");
    // A change nobody asked for here (another front end, a profile) is still said.
    update(
        &mut s,
        Msg::Agent(Event {
            id: 3,
            msg: EventMsg::ModelChanged {
                model: "anthropic/claude-sonnet-4-5".into(),
            },
        }),
    );
    assert!(
        s.conversation
            .last_notice()
            .unwrap()
            .contains("model: anthropic/claude-sonnet-4-5")
    );
}
