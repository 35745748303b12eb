//! Controller tests for images: tool results and attachments show inline; `/image` also opens
//! the overlay.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use pretty_assertions::assert_eq;

use super::update;
use crate::agent::{Event, EventMsg, ImageInput};
use crate::tui::msg::{Effect, EffectResult, ImageInfo, ImageSource, Msg};
use crate::tui::overlay::Overlay;
use crate::tui::panes::conversation::CellKind;
use crate::tui::state::State;

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn images(s: &State) -> Vec<(String, Option<u64>)> {
    s.conversation
        .cells
        .iter()
        .filter_map(|c| match &c.kind {
            CellKind::Image { label, key, .. } => Some((label.clone(), *key)),
            _ => None,
        })
        .collect()
}

fn shown(s: &mut State, id: u64, label: &str, key: u64, overlay: bool) {
    update(
        s,
        Msg::Done {
            id,
            result: EffectResult::Image(Ok(ImageInfo {
                label: label.into(),
                width: 8,
                height: 8,
                key,
                overlay,
            })),
        },
    );
}

#[test]
fn a_tool_result_image_is_decoded_and_shown_inline_without_the_overlay() {
    let mut s = State::new(120, 40);
    let fx = update(
        &mut s,
        Msg::Agent(Event {
            id: 1,
            msg: EventMsg::ToolCallFinished {
                call_id: "c1".into(),
                name: "read".into(),
                is_error: false,
                output: "Read image file [image/png]".into(),
                duration_ms: 3,
                exit_code: None,
                output_bytes: 27,
                images: vec![ImageInput {
                    mime_type: "image/png".into(),
                    data: "AAAA".into(),
                }],
            },
        }),
    );
    let [
        Effect::LoadImage {
            id,
            source: ImageSource::Data { label, data, .. },
            overlay: false,
        },
    ] = fx.as_slice()
    else {
        panic!("{fx:?}");
    };
    assert_eq!((label.as_str(), data.as_str()), ("read result", "AAAA"));
    shown(&mut s, *id, "read result", 7, false);
    assert_eq!(images(&s), [("read result".to_string(), Some(7))]);
    assert_eq!(s.overlay, None);
}

#[test]
fn attached_images_show_below_the_prompt_and_slash_image_opens_the_overlay() {
    let mut s = State::new(120, 40);
    for c in "look @shot.png".chars() {
        update(&mut s, key(KeyCode::Char(c)));
    }
    update(&mut s, key(KeyCode::Esc));
    let fx = update(&mut s, key(KeyCode::Enter));
    let load = fx.iter().find_map(|f| match f {
        Effect::LoadImage {
            id,
            source: ImageSource::File(p),
            overlay: false,
        } if p.as_os_str() == "shot.png" => Some(*id),
        _ => None,
    });
    let Some(id) = load else { panic!("{fx:?}") };
    assert!(
        matches!(fx.first(), Some(Effect::SubmitPrompt { attachments, .. }) if attachments.len() == 1),
        "{fx:?}"
    );
    shown(&mut s, id, "shot.png", 1, false);
    assert_eq!(images(&s), [("shot.png".to_string(), Some(1))]);
    assert_eq!(s.overlay, None);

    s.busy = None;
    for c in "/image a.png".chars() {
        update(&mut s, key(KeyCode::Char(c)));
    }
    update(&mut s, key(KeyCode::Esc));
    let fx = update(&mut s, key(KeyCode::Enter));
    let [
        Effect::LoadImage {
            id, overlay: true, ..
        },
    ] = fx.as_slice()
    else {
        panic!("{fx:?}");
    };
    shown(&mut s, *id, "a.png", 2, true);
    assert!(matches!(s.overlay, Some(Overlay::Image { key: 2, .. })));
}

#[test]
fn popups_are_never_drawn_under_an_inline_picture() {
    let mut s = State::new(120, 40);
    s.editor.commands = (0..8).map(|i| (format!("cmd{i}"), String::new())).collect();
    // Enough above it that the picture sits at the bottom, just above the prompt.
    for i in 0..20 {
        s.conversation.push(CellKind::User {
            text: format!("message {i}"),
        });
    }
    s.conversation.push(CellKind::Image {
        label: "shot".into(),
        width: 40,
        height: 40,
        key: Some(9),
    });
    let r = crate::tui::layout::inner(crate::tui::layout::areas(&s).conversation.unwrap());
    let slots = crate::tui::view::inline_images(&s, r);
    assert_eq!(slots.len(), 1);
    // Typing `/` opens the completion list just above the prompt, over the picture's rows.
    for c in "/".chars() {
        update(&mut s, key(KeyCode::Char(c)));
    }
    let popup = crate::tui::view::popups(&s);
    assert!(
        popup.iter().any(|p| p.intersects(slots[0].1)),
        "{popup:?} {slots:?}"
    );
    assert!(crate::tui::view::inline_images(&s, r).is_empty());
    // Closed, the picture is back.
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(crate::tui::view::inline_images(&s, r).len(), 1);
    // The palette covers everything.
    update(
        &mut s,
        Msg::Key(crossterm::event::KeyEvent::new(
            KeyCode::Char('p'),
            crossterm::event::KeyModifiers::CONTROL,
        )),
    );
    assert!(crate::tui::view::inline_images(&s, r).is_empty());
}
