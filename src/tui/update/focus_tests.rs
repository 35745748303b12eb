//! Focus never eats typing: after every action that moves the focus, what the user types
//! reaches the prompt, except the letters a pane binds and shows in its footer.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::update;
use crate::tui::config::keymap::Context;
use crate::tui::layout::areas;
use crate::tui::msg::{EffectResult, Msg};
use crate::tui::pane_keys;
use crate::tui::state::{Pane, State};

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn alt(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT))
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        let mods = if c.is_ascii_uppercase() {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        update(s, Msg::Key(KeyEvent::new(KeyCode::Char(c), mods)));
    }
}

/// A state whose graph holds two entries, the head on the second.
fn with_graph(cols: u16, rows: u16) -> State {
    let mut s = State::new(cols, rows);
    let (tree, _) = crate::tui::panes::graph::tree_from_lines(&[
        r#"{"type":"message","id":"u1","parentId":null,"message":{"role":"user","content":"q"}}"#,
        r#"{"type":"message","id":"a1","parentId":"u1","message":{"role":"assistant","content":[{"type":"text","text":"a"}]}}"#,
    ]);
    update(&mut s, alt('3'));
    let id = s.graph.request;
    update(
        &mut s,
        Msg::Done {
            id,
            result: EffectResult::Graph(Ok(tree)),
        },
    );
    s
}

#[test]
fn enter_on_a_graph_entry_gives_the_prompt_back() {
    let mut s = with_graph(120, 40);
    assert_eq!(s.focus, Pane::Graph);
    update(&mut s, key(KeyCode::Up));
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(s.focus, Pane::Editor);
    typed(&mut s, "bad idea");
    assert_eq!(s.editor.text(), "bad idea");
    assert!(s.graph.prompt.is_none());
}

#[test]
fn typing_after_every_focus_change_reaches_the_prompt() {
    for (cols, rows) in [(120, 40), (80, 24), (60, 20)] {
        let mut s = with_graph(cols, rows);
        let mut want = String::new();
        // Each step moves the focus somehow; "hello " has no letter any pane binds.
        let steps: Vec<(&str, Vec<Msg>)> = vec![
            ("tab", vec![key(KeyCode::Tab)]),
            ("backtab", vec![key(KeyCode::BackTab)]),
            ("alt-1", vec![alt('1')]),
            ("alt-3", vec![alt('3')]),
            ("alt-4", vec![alt('4')]),
            ("esc", vec![key(KeyCode::Esc)]),
            ("help and back", vec![key(KeyCode::F(1)), key(KeyCode::Esc)]),
            ("graph enter", vec![alt('3'), key(KeyCode::Enter)]),
        ];
        for (name, msgs) in steps {
            for m in msgs {
                update(&mut s, m);
            }
            typed(&mut s, "hello ");
            want.push_str("hello ");
            assert_eq!(s.editor.text(), want, "after {name} at {cols}×{rows}");
            assert_eq!(s.focus, Pane::Editor, "after {name} at {cols}×{rows}");
        }
    }
}

#[test]
fn a_letter_does_its_action_only_when_the_pane_shows_it() {
    for (cols, rows) in [(120, 40), (80, 24), (60, 20)] {
        for (pane, focus_key, ctx) in [
            (Pane::Conversation, '1', Context::Conversation),
            (Pane::Graph, '3', Context::Graph),
            (Pane::Trace, '4', Context::Trace),
        ] {
            for c in ('a'..='z').chain('A'..='Z').chain(['[', ']', ' ']) {
                let mut s = State::new(cols, rows);
                update(&mut s, alt(focus_key));
                let width = areas(&s).of(pane).map_or(0, |r| r.width);
                let k = KeyEvent::new(
                    KeyCode::Char(c),
                    if c.is_ascii_uppercase() {
                        KeyModifiers::SHIFT
                    } else {
                        KeyModifiers::NONE
                    },
                );
                let bound = s.keymap.resolve(&[ctx, Context::Global], &k, false);
                let shown = bound.is_some_and(|a| pane_keys::shown(&s.keymap, pane, width, a));
                typed(&mut s, &c.to_string());
                let took = s.editor.text() == c.to_string();
                assert_eq!(
                    took, !shown,
                    "{c:?} in {pane:?} at {cols}×{rows}: bound {bound:?}, shown {shown}"
                );
            }
        }
    }
}

#[test]
fn the_palette_runs_a_command_without_arguments_and_fills_in_one_with() {
    use crate::tui::msg::Effect;
    let mut s = State::new(120, 40);
    s.editor.commands = vec![
        ("doctor".into(), "check the setup".into()),
        ("branch".into(), "<id> move the head".into()),
    ];
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('p'), KeyModifiers::CONTROL)),
    );
    typed(&mut s, "doctor");
    let fx = update(&mut s, key(KeyCode::Enter));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::RunCommand { line, .. } if line == "/doctor")),
        "{fx:?}"
    );
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('p'), KeyModifiers::CONTROL)),
    );
    typed(&mut s, "branch");
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(s.editor.text(), "/branch ");
    assert_eq!(s.focus, Pane::Editor);
    assert!(s.overlay.is_none());
}

/// The rows the graph pane draws, as text.
fn graph_rows_drawn(s: &State) -> Vec<String> {
    let area = ratatui::layout::Rect::new(0, 0, 40, 6);
    let mut buf = ratatui::buffer::Buffer::empty(area);
    s.graph
        .render(&s.theme, s.status.head.as_deref(), area, &mut buf);
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect()
        })
        .collect()
}

#[test]
fn the_status_head_and_the_graph_head_follow_a_cancel() {
    use crate::agent::{Event, EventMsg};
    let mut s = with_graph(120, 40);
    update(&mut s, key(KeyCode::Esc));
    typed(&mut s, "go on");
    let fx = update(&mut s, key(KeyCode::Enter));
    let id = fx
        .iter()
        .find_map(|e| match e {
            crate::tui::msg::Effect::SubmitPrompt { id, .. } => Some(*id),
            _ => None,
        })
        .expect("submitted");
    // The agent records the prompt and the cut-off answer, then says the turn was cancelled.
    for entry in ["u2", "a2"] {
        update(
            &mut s,
            Msg::Agent(Event {
                id: 0,
                msg: EventMsg::HeadMoved {
                    entry_id: entry.into(),
                },
            }),
        );
    }
    let fx = update(
        &mut s,
        Msg::Agent(Event {
            id,
            msg: EventMsg::TurnCancelled,
        }),
    );
    assert_eq!(s.status.head.as_deref(), Some("a2"));
    // The graph reloads; even a snapshot whose own head mark is stale shows the same head.
    let load = fx
        .iter()
        .find_map(|e| match e {
            crate::tui::msg::Effect::LoadGraph { id } => Some(*id),
            _ => None,
        })
        .expect("graph reload");
    let (mut tree, _) = crate::tui::panes::graph::tree_from_lines(&[
        r#"{"type":"message","id":"u1","parentId":null,"message":{"role":"user","content":"q"}}"#,
        r#"{"type":"message","id":"a1","parentId":"u1","message":{"role":"assistant","content":[{"type":"text","text":"a"}]}}"#,
        r#"{"type":"message","id":"u2","parentId":"a1","message":{"role":"user","content":"go on"}}"#,
        r#"{"type":"message","id":"a2","parentId":"u2","message":{"role":"assistant","content":[]}}"#,
    ]);
    tree.head = Some("a1".into());
    for n in &mut tree.nodes {
        n.is_head = n.id == "a1";
    }
    update(
        &mut s,
        Msg::Done {
            id: load,
            result: EffectResult::Graph(Ok(tree)),
        },
    );
    let rows = graph_rows_drawn(&s);
    let marked: Vec<&String> = rows.iter().filter(|r| r.contains('◉')).collect();
    assert_eq!(marked.len(), 1, "{rows:#?}");
    // Rows run oldest first: a2 is the fourth.
    assert!(rows[3].starts_with("◉ HEAD"), "{rows:#?}");
}
