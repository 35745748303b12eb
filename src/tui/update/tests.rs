//! Controller tests: feed `Msg`s, compare the state and the effects. The flows of the
//! session (the graph moving the head, compaction) compare the whole state after each step
//! with `whole_state_tests::step`; the rest check what they are about.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};
use pretty_assertions::assert_eq;

use super::update;
use super::whole_state_tests::{agent as event, done, notice, reply, step, tokens, user};
use crate::agent::{CompactionReason, Event, EventMsg, Op};
use crate::ai::types::{Message, SummaryMessage};
use crate::tui::config::ConfigKind;
use crate::tui::host::BranchHistory;
use crate::tui::msg::{Effect, EffectResult, Msg, NameKind};
use crate::tui::overlay::Overlay;
use crate::tui::panes::conversation::{CellKind, NoticeLevel, Scroll};
use crate::tui::panes::graph::NamePrompt;
use crate::tui::state::{Busy, Pane, State};

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
fn enter_in_the_graph_moves_the_head_and_the_branch_reloads() {
    let mut s = State::new(120, 40);
    step(&mut s, alt('3'), vec![Effect::LoadGraph { id: 101 }], |w| {
        w.focus = Pane::Graph;
        w.graph.request = 101;
    });
    let (tree, labels) = crate::tui::panes::graph::tree_from_lines(&[
        r#"{"type":"message","id":"u1","parentId":null,"message":{"role":"user","content":"q"}}"#,
        r#"{"type":"message","id":"a1","parentId":"u1","message":{"role":"assistant","content":[{"type":"text","text":"a"}]}}"#,
    ]);
    // The cursor starts on the head; its text and the labels in view are asked for.
    let fx = vec![
        Effect::PreviewEntry {
            id: 102,
            entry_id: "a1".into(),
        },
        Effect::LoadEntryLabels {
            id: 103,
            ids: vec!["u1".into(), "a1".into()],
        },
    ];
    step(
        &mut s,
        done(101, EffectResult::Graph(Ok(tree.clone()))),
        fx,
        |w| {
            w.graph.loaded = true;
            w.graph.tree = vec![
                "u1 message/user".into(),
                "a1 ← u1 message/assistant *head".into(),
            ];
            w.graph.head = Some("a1".into());
            w.graph.cursor = 1;
            w.graph.selected = Some("a1".into());
            w.graph.preview_request = 102;
            w.graph.labels = [("u1".into(), None), ("a1".into(), None)].into();
        },
    );
    step(
        &mut s,
        done(103, EffectResult::EntryLabels(Ok(labels.clone()))),
        vec![],
        |w| {
            w.graph.labels = labels
                .iter()
                .map(|(k, v)| (k.clone(), Some(v.clone())))
                .collect();
        },
    );
    let preview = EffectResult::EntryPreview {
        entry_id: "a1".into(),
        text: Ok("a".into()),
    };
    step(&mut s, done(102, preview), vec![], |w| {
        w.graph.preview = Some(("a1".into(), "a".into()));
    });
    let fx = vec![Effect::PreviewEntry {
        id: 104,
        entry_id: "u1".into(),
    }];
    step(&mut s, key(KeyCode::Up), fx, |w| {
        w.graph.cursor = 0;
        w.graph.selected = Some("u1".into());
        w.graph.preview_request = 104;
    });
    // `b` names the entry at the cursor.
    step(&mut s, key(KeyCode::Char('b')), vec![], |w| {
        w.graph.prompt = Some(NamePrompt {
            kind: NameKind::Bookmark,
            entry_id: "u1".into(),
            input: String::new(),
        });
    });
    step(&mut s, key(KeyCode::Char('x')), vec![], |w| {
        if let Some(p) = &mut w.graph.prompt {
            p.input.push('x');
        }
    });
    let fx = vec![Effect::RunCommand {
        id: 105,
        line: "/session-bookmark set x u1".into(),
    }];
    step(&mut s, key(KeyCode::Enter), fx, |w| w.graph.prompt = None);
    let fx = vec![Effect::RunCommand {
        id: 106,
        line: "/branch u1".into(),
    }];
    // The head moved: the prompt has the focus again, so typing is never a graph key.
    step(&mut s, key(KeyCode::Enter), fx, |w| w.focus = Pane::Editor);
    // The engine moved the head: the branch and the graph reload, the answer shows after.
    let fx = vec![
        Effect::LoadHistory { id: 107 },
        Effect::LoadGraph { id: 108 },
    ];
    step(
        &mut s,
        done(106, reply("head at u1", true, None)),
        fx,
        |w| {
            w.pending_notices
                .push((NoticeLevel::Info, "head at u1".into()));
            w.graph.request = 108;
        },
    );
    let history = EffectResult::History(Ok(BranchHistory {
        messages: vec![Message::user_text("q", 0)],
        head: Some("u1".into()),
        usage: tokens(10, 0),
    }));
    step(&mut s, done(107, history), vec![], |w| {
        w.history_loaded = true;
        w.conversation.cells = vec![user("q"), notice(NoticeLevel::Info, "head at u1")];
        w.pending_notices.clear();
        w.editor.history = vec!["q".into()];
        w.status.usage = tokens(10, 0);
        w.status.head = Some("u1".into());
    });
    let mut moved = tree;
    moved.head = Some("u1".into());
    for n in &mut moved.nodes {
        n.is_head = n.id == "u1";
    }
    let fx = vec![Effect::PreviewEntry {
        id: 109,
        entry_id: "u1".into(),
    }];
    step(&mut s, done(108, EffectResult::Graph(Ok(moved))), fx, |w| {
        w.graph.tree = vec![
            "u1 message/user *head".into(),
            "a1 ← u1 message/assistant".into(),
        ];
        w.graph.head = Some("u1".into());
        w.graph.preview_request = 109;
    });
}

#[test]
fn compact_is_busy_until_compacted_then_the_branch_reloads() {
    let mut s = State::new(120, 40);
    let op = Op::Compact { instructions: None };
    let fx = vec![Effect::Submit {
        id: 101,
        op: op.clone(),
    }];
    step(
        &mut s,
        done(1, reply("compacting…", false, Some(op))),
        fx,
        |w| {
            w.conversation
                .cells
                .push(notice(NoticeLevel::Info, "compacting…"));
        },
    );
    let started = EventMsg::CompactionStarted {
        reason: CompactionReason::Manual,
    };
    step(&mut s, event(101, started), vec![], |w| {
        w.busy = Some(Busy {
            submission: 101,
            since_ms: 0,
            compacting: true,
        });
    });
    let compacted = EventMsg::Compacted {
        reason: CompactionReason::Manual,
        entry_id: "c1".into(),
        summarized: 4,
        kept: 2,
        tokens_before: 9000,
        tokens_after: 1200,
        usage: tokens(9000, 300),
    };
    let text = "compacted: 4 messages summarised, 2 kept; context about 9000 → 1200 tokens \
                (the summary cost $0.0020)";
    step(
        &mut s,
        event(101, compacted),
        vec![Effect::LoadHistory { id: 102 }],
        |w| {
            w.busy = None;
            w.status.head = Some("c1".into());
            w.status.context_tokens = 1200;
            w.pending_notices.push((NoticeLevel::Info, text.into()));
        },
    );
    let summary = Message::CompactionSummary(SummaryMessage {
        summary: "earlier".into(),
        timestamp: 0,
    });
    let history = EffectResult::History(Ok(BranchHistory {
        messages: vec![summary, Message::user_text("kept", 0)],
        head: Some("c1".into()),
        usage: tokens(5000, 500),
    }));
    step(&mut s, done(102, history), vec![], |w| {
        w.history_loaded = true;
        w.conversation.cells = vec![
            notice(
                NoticeLevel::Info,
                "summary of the earlier conversation:\nearlier",
            ),
            user("kept"),
            notice(NoticeLevel::Info, text),
        ];
        w.pending_notices.clear();
        w.editor.history = vec!["kept".into()];
        w.status.usage = tokens(5000, 500);
        w.status.context_tokens = 0;
    });
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
    // The help wraps inside the box (its border takes a column each side).
    let box_w = crate::tui::overlay::help_area(ratatui::layout::Rect::new(0, 0, 80, 24)).width;
    let rows = crate::tui::render::wrap::wrap_all(
        &crate::tui::overlay::help_lines(&s.keymap, &s.theme),
        box_w - 2,
    )
    .len();
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
        diff: false,
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
    use crate::tui::panes::skills::parse_skill;
    let mut s = state();
    s.skills.dir = Some("skills".into());
    s.skills.set_skills(vec![
        parse_skill("a", "a.md".into(), "---\nname: a\n---\nA body\n".into()),
        parse_skill("b", "b.md".into(), "B body\n".into()),
    ]);
    update(&mut s, alt('5'));
    let fx = update(&mut s, key(KeyCode::Enter));
    let want = |skills: Vec<SkillInput>| move |fx: &[Effect]| matches!(fx, [Effect::Submit { op: Op::SetSkills { skills: got, .. }, .. }] if *got == skills);
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
