//! Controller tests: feed `Msg`s, compare the state and the effects.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};
use pretty_assertions::assert_eq;
use serde_json::json;

use super::update;
use crate::agent::{Event, EventMsg, Op};
use crate::ai::types::StopReason;
use crate::tui::config::ConfigKind;
use crate::tui::conversation::{CellKind, NoticeLevel, Scroll};
use crate::tui::msg::{CommandReply, Effect, EffectResult, Msg};
use crate::tui::overlay::Overlay;
use crate::tui::state::{Pane, State};

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn alt(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT))
}

fn typed(state: &mut State, text: &str) -> Vec<Effect> {
    let mut fx = Vec::new();
    for c in text.chars() {
        fx.extend(update(state, key(KeyCode::Char(c))));
    }
    fx
}

fn agent(state: &mut State, id: u64, msg: EventMsg) -> Vec<Effect> {
    update(state, Msg::Agent(Event { id, msg }))
}

fn state() -> State {
    State::new(120, 40)
}

fn kinds(s: &State) -> Vec<&'static str> {
    s.conversation
        .cells
        .iter()
        .map(|c| match c.kind {
            CellKind::User { .. } => "user",
            CellKind::Assistant { .. } => "assistant",
            CellKind::Thinking { .. } => "thinking",
            CellKind::Tool(_) => "tool",
            CellKind::Notice { .. } => "notice",
            CellKind::Image { .. } => "image",
        })
        .collect()
}

#[test]
fn enter_sends_the_prompt_and_the_turn_streams_in() {
    let mut s = state();
    assert!(typed(&mut s, "hello").is_empty());
    let fx = update(&mut s, key(KeyCode::Enter));
    let id = s.busy.map(|b| b.submission).unwrap();
    assert_eq!(
        fx,
        vec![Effect::SubmitPrompt {
            id,
            text: "hello".into(),
            attachments: vec![],
        }]
    );
    assert!(s.editor.is_empty());
    agent(&mut s, id, EventMsg::TurnStarted);
    agent(
        &mut s,
        id,
        EventMsg::ThinkingDelta {
            delta: "hmm".into(),
        },
    );
    agent(
        &mut s,
        id,
        EventMsg::TextDelta {
            delta: "Hi ".into(),
        },
    );
    agent(
        &mut s,
        id,
        EventMsg::ToolCallStarted {
            call_id: "c1".into(),
            name: "ls".into(),
            arguments: json!({"path": "."}),
        },
    );
    agent(
        &mut s,
        id,
        EventMsg::ToolCallFinished {
            call_id: "c1".into(),
            name: "ls".into(),
            is_error: false,
            output: "a\nb".into(),
            duration_ms: 5,
            images: Vec::new(),
        },
    );
    agent(
        &mut s,
        id,
        EventMsg::AssistantFinished {
            text: "Hi there".into(),
            stop_reason: StopReason::Stop,
            entry_id: Some("e1".into()),
        },
    );
    let fx = agent(
        &mut s,
        id,
        EventMsg::TurnFinished {
            text: "Hi there".into(),
            stop_reason: StopReason::Stop,
            turns: 1,
        },
    );
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(kinds(&s), ["user", "thinking", "assistant", "tool"]);
    assert_eq!(s.busy, None);
    assert_eq!(s.status.head.as_deref(), Some("e1"));
    assert_eq!(s.trace.rows.len(), 1);
    assert_eq!(s.trace.rows[0].summary, ".");
    assert_eq!(s.conversation.last_answer(), Some("Hi "));
    assert_eq!(s.conversation.cells.len(), 4);
}

#[test]
fn enter_during_a_turn_queues_and_the_queue_drains_after_it() {
    let mut s = state();
    typed(&mut s, "one");
    update(&mut s, key(KeyCode::Enter));
    let first = s.busy.unwrap().submission;
    typed(&mut s, "two");
    let fx = update(&mut s, key(KeyCode::Enter));
    assert!(fx.is_empty());
    assert_eq!(s.queue, ["two"]);
    let fx = agent(&mut s, first, EventMsg::TurnCancelled);
    let second = s.busy.unwrap().submission;
    assert_eq!(
        fx,
        vec![Effect::SubmitPrompt {
            id: second,
            text: "two".into(),
            attachments: vec![],
        }]
    );
    assert!(s.queue.is_empty());
}

#[test]
fn ctrl_c_cancels_a_turn_then_twice_quits() {
    let mut s = state();
    typed(&mut s, "go");
    update(&mut s, key(KeyCode::Enter));
    let fx = update(&mut s, ctrl('c'));
    assert!(matches!(
        fx.as_slice(),
        [Effect::Submit {
            op: Op::Interrupt,
            ..
        }]
    ));
    s.busy = None;
    // Ctrl+C clears a non-empty prompt first.
    typed(&mut s, "draft");
    assert!(update(&mut s, ctrl('c')).is_empty());
    assert!(s.editor.is_empty());
    assert!(update(&mut s, ctrl('c')).is_empty());
    assert!(s.quit_armed_until.is_some());
    // The arm expires.
    update(&mut s, Msg::Tick { now_ms: 5_000 });
    assert_eq!(s.quit_armed_until, None);
    update(&mut s, ctrl('c'));
    assert_eq!(update(&mut s, ctrl('c')), vec![Effect::Quit]);
    assert!(s.quitting);
}

#[test]
fn ctrl_d_quits_only_on_an_empty_prompt() {
    let mut s = state();
    typed(&mut s, "ab");
    update(&mut s, key(KeyCode::Left));
    assert!(update(&mut s, ctrl('d')).is_empty());
    assert!(!s.quitting);
    update(&mut s, ctrl('u'));
    assert_eq!(update(&mut s, ctrl('d')), vec![Effect::Quit]);
}

#[test]
fn focus_moves_and_the_graph_loads_when_first_shown() {
    let mut s = state();
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(s.focus, Pane::Graph);
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
    );
    assert_eq!(s.focus, Pane::Editor);
    let fx = update(&mut s, alt('3'));
    assert_eq!(
        fx,
        vec![Effect::LoadGraph {
            id: s.graph.request
        }]
    );
    // Typing while the graph has focus goes to the prompt.
    update(&mut s, alt('1'));
    update(&mut s, key(KeyCode::Char('x')));
    assert_eq!(s.focus, Pane::Editor);
    assert_eq!(s.editor.text(), "x");
    update(&mut s, alt('z'));
    assert!(s.zoom);
}

#[test]
fn graph_enter_moves_the_head_through_the_command_engine() {
    let mut s = state();
    update(&mut s, alt('3'));
    let (snap, _) = crate::tui::graph::tree_from_lines(&[
        r#"{"type":"message","id":"u1","parentId":null,"message":{"role":"user","content":"q"}}"#,
        r#"{"type":"message","id":"a1","parentId":"u1","message":{"role":"assistant","content":[{"type":"text","text":"a"}]}}"#,
    ]);
    let req = s.graph.request;
    let fx = update(
        &mut s,
        Msg::Done {
            id: req,
            result: EffectResult::Graph(Ok(snap)),
        },
    );
    assert!(
        matches!(fx.as_slice(), [Effect::PreviewEntry { entry_id, .. }, Effect::LoadEntryLabels { ids, .. }]
            if entry_id == "a1" && ids == &["u1", "a1"]),
        "{fx:?}"
    );
    // Labels are asked for once.
    let fx = update(&mut s, key(KeyCode::Up));
    assert!(
        !fx.iter()
            .any(|f| matches!(f, Effect::LoadEntryLabels { .. })),
        "{fx:?}"
    );
    update(&mut s, key(KeyCode::Down));
    update(&mut s, key(KeyCode::Up));
    let fx = update(&mut s, key(KeyCode::Enter));
    assert!(
        matches!(fx.as_slice(), [Effect::RunCommand { line, .. }] if line == "/branch u1"),
        "{fx:?}"
    );
    // Naming: `b` asks for a bookmark name.
    update(&mut s, key(KeyCode::Char('b')));
    typed(&mut s, "start");
    let fx = update(&mut s, key(KeyCode::Enter));
    assert!(
        matches!(fx.as_slice(), [Effect::RunCommand { line, .. }] if line == "/session-bookmark set start u1"),
        "{fx:?}"
    );
    // A command that moved the head reloads the history and the graph.
    let fx = update(
        &mut s,
        Msg::Done {
            id: 1,
            result: EffectResult::Command(Ok(CommandReply {
                lines: vec!["head moved".into()],
                ok: true,
                submit: None,
                quit: false,
                run: vec![],
                session_changed: true,
            })),
        },
    );
    assert!(matches!(
        fx.as_slice(),
        [Effect::LoadHistory { .. }, Effect::LoadGraph { .. }]
    ));
    assert_eq!(s.pending_notices.len(), 1);
}

#[test]
fn large_pastes_collapse_and_at_asks_for_files_once() {
    let mut s = state();
    let big = "x\n".repeat(50);
    update(&mut s, Msg::Paste(big));
    assert_eq!(s.editor.text(), "[paste #1 +50 lines]");
    update(&mut s, ctrl('u'));
    let fx = typed(&mut s, "@ma");
    assert!(matches!(fx.as_slice(), [Effect::ListFiles { .. }]));
    update(
        &mut s,
        Msg::Done {
            id: 0,
            result: EffectResult::Files(vec!["src/main.rs".into(), "b.txt".into()]),
        },
    );
    let c = s.editor.completion.clone().unwrap();
    assert_eq!(c.items[0].0, "src/main.rs");
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(s.editor.text(), "@src/main.rs ");
}

#[test]
fn slash_commands_run_locally_or_through_the_engine() {
    let mut s = state();
    typed(&mut s, "/image cat.png");
    let fx = update(&mut s, key(KeyCode::Esc));
    assert!(fx.is_empty());
    let fx = update(&mut s, key(KeyCode::Enter));
    assert!(
        matches!(fx.as_slice(), [Effect::LoadImage { source: crate::tui::msg::ImageSource::File(path), overlay: true, .. }] if path.to_str() == Some("cat.png")),
        "{fx:?}"
    );
    typed(&mut s, "/session-stats");
    update(&mut s, key(KeyCode::Esc));
    let fx = update(&mut s, key(KeyCode::Enter));
    assert!(matches!(fx.as_slice(), [Effect::RunCommand { line, .. }] if line == "/session-stats"));
    typed(&mut s, "/quit");
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(update(&mut s, key(KeyCode::Enter)), vec![Effect::Quit]);
}

#[test]
fn overlays_open_filter_and_close() {
    let mut s = state();
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::F(1), KeyModifiers::NONE)),
    );
    assert!(matches!(s.overlay, Some(Overlay::Help { .. })));
    update(&mut s, key(KeyCode::Esc));
    assert!(s.overlay.is_none());
    s.models = vec![crate::tui::state::ModelChoice {
        name: "openai/gpt-4.1".into(),
        context_window: 1_000_000,
        label: "GPT-4.1".into(),
    }];
    update(&mut s, ctrl('o'));
    typed(&mut s, "gpt");
    let fx = update(&mut s, key(KeyCode::Enter));
    assert!(
        matches!(fx.as_slice(), [Effect::RunCommand { line, .. }] if line == "/model openai/gpt-4.1"),
        "{fx:?}"
    );
    update(&mut s, ctrl('p'));
    typed(&mut s, "zoom");
    update(&mut s, key(KeyCode::Enter));
    assert!(s.zoom);
}

#[test]
fn overlay_scrolling_stops_at_the_last_row() {
    let help = |s: &State| match s.overlay {
        Some(Overlay::Help { scroll }) => scroll,
        ref o => panic!("not the help: {o:?}"),
    };
    let mut s = State::new(80, 24);
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::F(1), KeyModifiers::NONE)),
    );
    // The help is longer than 24 rows: End shows its last row at the bottom of the box.
    update(&mut s, key(KeyCode::End));
    let max = help(&s);
    let rows = crate::tui::overlay::help_lines(&s.keymap, &s.theme).len();
    assert_eq!(max, rows - (24 - 4 - 2), "box of 18 rows");
    for _ in 0..5 {
        update(&mut s, key(KeyCode::PageDown));
    }
    assert_eq!(help(&s), max);
    // One step up from the end moves at once (no dead rows to scroll back through).
    update(&mut s, key(KeyCode::Up));
    assert_eq!(help(&s), max - 1);

    // A short text does not scroll at all.
    s.overlay = Some(Overlay::Text {
        title: "out".into(),
        text: "one\ntwo\n".into(),
        scroll: 0,
    });
    update(&mut s, key(KeyCode::PageDown));
    assert!(matches!(s.overlay, Some(Overlay::Text { scroll: 0, .. })));
}

#[test]
fn the_mouse_wheel_scrolls_the_conversation_and_end_follows() {
    let mut s = state();
    for i in 0..100 {
        s.conversation.push(CellKind::User {
            text: format!("m{i}"),
        });
    }
    let wheel = |kind| {
        Msg::Mouse(MouseEvent {
            kind,
            column: 5,
            row: 5,
            modifiers: KeyModifiers::NONE,
        })
    };
    update(&mut s, wheel(MouseEventKind::ScrollUp));
    assert!(matches!(s.conversation.scroll, Scroll::At { .. }));
    update(&mut s, alt('1'));
    update(&mut s, key(KeyCode::End));
    assert_eq!(s.conversation.scroll, Scroll::Follow);
    update(&mut s, key(KeyCode::Home));
    assert_eq!(s.conversation.scroll, Scroll::At { cell: 0, row: 0 });
}

#[test]
fn a_bad_theme_file_keeps_the_last_good_theme() {
    let mut s = state();
    let before = s.theme.clone();
    update(
        &mut s,
        Msg::ConfigChanged {
            kind: ConfigKind::Theme,
            path: "/home/u/.config/pi/themes/mine.toml".into(),
            text: Ok("[colors]\naccent = \"nope\"\n".into()),
        },
    );
    assert_eq!(s.theme, before);
    let CellKind::Notice { level, text } = &s.conversation.cells[0].kind else {
        panic!("no notice");
    };
    assert_eq!(*level, NoticeLevel::Error);
    assert!(text.contains("line 2"), "{text}");
    assert!(
        text.starts_with("theme /home/u/.config/pi/themes/mine.toml: "),
        "{text}"
    );
    update(
        &mut s,
        Msg::ConfigChanged {
            kind: ConfigKind::Theme,
            path: "/home/u/.config/pi/themes/mine.toml".into(),
            text: Ok("name = \"mine\"\n".into()),
        },
    );
    assert_eq!(s.theme.name, "mine");
}

#[test]
fn an_error_ends_the_turn_and_says_why() {
    let mut s = state();
    typed(&mut s, "go");
    update(&mut s, key(KeyCode::Enter));
    let id = s.busy.unwrap().submission;
    agent(
        &mut s,
        id,
        EventMsg::Error {
            message: "OPENAI_API_KEY is not set".into(),
        },
    );
    assert_eq!(s.busy, None);
    assert_eq!(kinds(&s), ["user", "notice"]);
}

#[test]
fn toggling_a_skill_sends_the_active_set_to_the_agent_at_once() {
    use crate::agent::SkillInput;
    use crate::tui::skills::parse_skill;
    let mut s = state();
    s.skills.dir = Some("skills".into());
    s.skills.set_skills(vec![
        parse_skill("a", "a.md".into(), "---\nname: a\n---\nA body\n".into()),
        parse_skill("b", "b.md".into(), "B body\n".into()),
    ]);
    update(&mut s, alt('5'));
    let fx = update(&mut s, key(KeyCode::Enter));
    let want = |skills: Vec<SkillInput>| move |fx: &[Effect]| matches!(fx, [Effect::Submit { op: Op::SetSkills { skills: got }, .. }] if *got == skills);
    let a = SkillInput {
        name: "a".into(),
        content: "A body\n".into(),
    };
    assert!(want(vec![a.clone()])(&fx), "{fx:?}");
    update(&mut s, key(KeyCode::Down));
    let fx = update(&mut s, key(KeyCode::Enter));
    let b = SkillInput {
        name: "b".into(),
        content: "B body\n".into(),
    };
    assert!(want(vec![a, b.clone()])(&fx), "{fx:?}");
    update(&mut s, key(KeyCode::Up));
    let fx = update(&mut s, key(KeyCode::Enter));
    assert!(want(vec![b])(&fx), "{fx:?}");
    // A prompt goes out as typed: the skills are in the system prompt, not in the message.
    update(&mut s, alt('2'));
    typed(&mut s, "hi");
    let fx = update(&mut s, key(KeyCode::Enter));
    assert!(
        matches!(fx.as_slice(), [Effect::SubmitPrompt { text, .. }] if text == "hi"),
        "{fx:?}"
    );
}
