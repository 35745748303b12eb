//! Controller tests of the prompt: `/` completion, command arguments, Ctrl+G, Ctrl+Z.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use pretty_assertions::assert_eq;

use super::update;
use crate::tui::msg::{CommandReply, Effect, EffectResult, Msg};
use crate::tui::panes::editor::CompletionKind;
use crate::tui::state::State;

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn typed(state: &mut State, text: &str) -> Vec<Effect> {
    let mut fx = Vec::new();
    for c in text.chars() {
        fx.extend(update(state, key(KeyCode::Char(c))));
    }
    fx
}

fn state() -> State {
    let mut s = State::new(120, 40);
    s.editor.commands = ["session", "session-diff", "sessions", "branch", "help"]
        .iter()
        .map(|n| (n.to_string(), format!("/{n}")))
        .collect();
    s
}

fn arguments_effect(fx: &[Effect]) -> Option<(u64, String)> {
    fx.iter().find_map(|e| match e {
        Effect::CompleteArguments { id, line } => Some((*id, line.clone())),
        _ => None,
    })
}

#[test]
fn enter_sends_a_whole_command_even_with_the_list_open() {
    let mut s = state();
    typed(&mut s, "/session");
    let c = s.editor.completion.clone().unwrap();
    assert_eq!(c.items.len(), 3, "session, session-diff, sessions");
    let fx = update(&mut s, key(KeyCode::Enter));
    let id = match fx.as_slice() {
        [Effect::RunCommand { id, .. }] => *id,
        other => panic!("one command expected, got {other:?}"),
    };
    assert_eq!(
        fx,
        vec![Effect::RunCommand {
            id,
            line: "/session".into()
        }]
    );
    assert!(s.editor.is_empty());
    assert_eq!(s.editor.completion, None);
}

#[test]
fn enter_completes_a_partial_command_and_tab_accepts() {
    let mut s = state();
    typed(&mut s, "/sess");
    update(&mut s, key(KeyCode::Down));
    let fx = update(&mut s, key(KeyCode::Enter));
    assert_eq!(s.editor.text(), "/session-diff ");
    // The argument candidates are asked for at once; nothing is sent.
    assert_eq!(
        arguments_effect(&fx).map(|(_, l)| l),
        Some("/session-diff ".to_string())
    );
    assert!(!fx.iter().any(|e| matches!(e, Effect::RunCommand { .. })));

    let mut s = state();
    typed(&mut s, "/session");
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(
        s.editor.text(),
        "/session ",
        "Tab accepts even a whole word"
    );
}

#[test]
fn arguments_complete_from_the_engine_once_per_word_position() {
    let mut s = state();
    let fx = typed(&mut s, "/branch ");
    let (id, line) = arguments_effect(&fx).unwrap();
    assert_eq!(line, "/branch ");
    let fx = update(
        &mut s,
        Msg::Done {
            id,
            result: EffectResult::Arguments {
                line,
                items: vec![
                    ("feature".into(), String::new()),
                    ("e5f6a7b8".into(), String::new()),
                ],
            },
        },
    );
    assert_eq!(fx, vec![]);
    let c = s.editor.completion.clone().unwrap();
    assert_eq!(c.kind, CompletionKind::Argument);
    assert_eq!(c.items.len(), 2);
    // No word begun: Enter would send, not pick a suggestion.
    assert!(s.editor.completion_is_complete());
    // Typing filters without asking again.
    assert_eq!(typed(&mut s, "fe"), vec![]);
    assert_eq!(
        s.editor.completion.as_ref().map(|c| c.items.clone()),
        Some(vec![("feature".to_string(), String::new())])
    );
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(s.editor.text(), "/branch feature ");
    // Enter on a whole argument sends.
    update(&mut s, ctrl('u'));
    typed(&mut s, "/branch feature");
    assert_eq!(s.editor.completion, None, "one match, fully typed: no list");
    let fx = update(&mut s, key(KeyCode::Enter));
    assert!(
        matches!(fx.as_slice(), [Effect::RunCommand { line, .. }] if line == "/branch feature")
    );
    // The session changed: the candidates are asked for again.
    let cid = s.next_id();
    update(
        &mut s,
        Msg::Done {
            id: cid,
            result: EffectResult::Command(Ok(CommandReply {
                lines: vec![],
                ok: true,
                submit: None,
                quit: false,
                run: vec![],
                session_changed: true,
                session_file: None,
            })),
        },
    );
    let fx = typed(&mut s, "/branch ");
    assert_eq!(
        arguments_effect(&fx).map(|(_, l)| l),
        Some("/branch ".into())
    );
}

#[test]
fn ctrl_g_hands_the_prompt_to_the_editor_and_its_text_replaces_the_buffer() {
    let mut s = state();
    typed(&mut s, "draft");
    let fx = update(&mut s, ctrl('g'));
    let id = match fx.as_slice() {
        [Effect::ExternalEditor { id, .. }] => *id,
        other => panic!("one editor effect expected, got {other:?}"),
    };
    assert_eq!(
        fx,
        vec![Effect::ExternalEditor {
            id,
            text: "draft".into()
        }]
    );
    let fx = update(
        &mut s,
        Msg::Done {
            id,
            result: EffectResult::ExternalEditor(Ok("line one\nline two\n".into())),
        },
    );
    assert_eq!(fx, vec![]);
    assert_eq!(
        s.editor.text(),
        "line one\nline two",
        "the final newline is dropped"
    );
    assert_eq!(s.editor.cursor(), (1, 8), "the cursor at the end");
    // An editor that fails leaves the buffer and says why.
    update(&mut s, ctrl('g'));
    update(
        &mut s,
        Msg::Done {
            id: id + 1,
            result: EffectResult::ExternalEditor(Err("vi exited with 1".into())),
        },
    );
    assert_eq!(s.editor.text(), "line one\nline two");
    assert!(matches!(
        s.conversation.cells.last().map(|c| &c.kind),
        Some(crate::tui::panes::conversation::CellKind::Notice { text, .. }) if text == "vi exited with 1"
    ));
}

#[test]
fn ctrl_z_suspends_and_the_resume_redraws_at_the_new_size() {
    let mut s = state();
    typed(&mut s, "keep me");
    let fx = update(&mut s, ctrl('z'));
    let id = match fx.as_slice() {
        [Effect::Suspend { id }] => *id,
        other => panic!("one suspend effect expected, got {other:?}"),
    };
    // The terminal was resized while pi was stopped.
    let fx = update(
        &mut s,
        Msg::Done {
            id,
            result: EffectResult::Resumed {
                width: 80,
                height: 24,
            },
        },
    );
    assert_eq!(fx, vec![]);
    assert_eq!((s.width, s.height), (80, 24));
    assert_eq!(s.editor.text(), "keep me");
    // The next frame is drawn whole at that size.
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
    t.draw(|f| crate::tui::view::view(&s, f)).unwrap();
    let screen = format!("{}", t.backend());
    assert!(screen.contains("keep me"), "{screen}");
}

#[test]
fn ctrl_c_during_a_turn_puts_the_queued_prompts_back_in_the_editor() {
    use crate::agent::Op;
    use crate::tui::panes::conversation::CellKind;
    let mut s = state();
    typed(&mut s, "one");
    update(&mut s, key(KeyCode::Enter));
    typed(&mut s, "two");
    update(&mut s, key(KeyCode::Enter));
    typed(&mut s, "three");
    update(&mut s, key(KeyCode::Enter));
    typed(&mut s, "draft");
    assert_eq!(s.queue, ["two", "three"]);
    let fx = update(&mut s, ctrl('c'));
    assert!(matches!(
        fx.as_slice(),
        [Effect::Submit {
            op: Op::Interrupt,
            ..
        }]
    ));
    assert!(s.queue.is_empty());
    assert_eq!(s.editor.text(), "draft\ntwo\nthree");
    let last = s.conversation.cells.last().map(|c| &c.kind);
    assert!(
        matches!(last, Some(CellKind::Notice { text, .. }) if text.contains("2 queued prompt(s)")),
        "{last:?}"
    );
}
