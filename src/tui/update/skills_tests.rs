//! Controller tests of installs from the Skills pane: Ctrl+O asks for the registry, the
//! picker installs the pick, the pane reloads after.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use pretty_assertions::assert_eq;

use super::update;
use crate::skills::SkillsConfig;
use crate::tui::msg::{Effect, EffectResult, Msg};
use crate::tui::overlay::{Overlay, PaletteKind};
use crate::tui::state::{Pane, State};

fn ctrl_o() -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char('o'), KeyModifiers::CONTROL))
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::from(code))
}

fn skills_state(registry: Option<&str>) -> State {
    let mut s = State::new(120, 40);
    s.skills.dir = Some("skills".into());
    s.skills.config = Some(SkillsConfig {
        dir: "skills".into(),
        registry_url: registry.map(str::to_string),
        ..SkillsConfig::default()
    });
    s.focus = Pane::Skills;
    s
}

fn toast(s: &State) -> String {
    s.toast.as_ref().map(|t| t.text.clone()).unwrap_or_default()
}

#[test]
fn without_a_registry_ctrl_o_says_how_to_set_one() {
    let mut s = skills_state(None);
    let fx = update(&mut s, ctrl_o());
    assert!(fx.is_empty(), "{fx:?}");
    assert!(toast(&s).contains("--skill-registry-url"), "{}", toast(&s));
    assert!(s.skills.filter.is_empty(), "the key is not filter text");
}

#[test]
fn the_registry_picker_installs_the_pick_and_reloads_the_pane() {
    let mut s = skills_state(Some("http://127.0.0.1:1/registry.json"));
    let fx = update(&mut s, ctrl_o());
    let id = match fx.as_slice() {
        [Effect::LoadRegistry { id }] => *id,
        other => panic!("{other:?}"),
    };
    // An older answer is dropped.
    update(
        &mut s,
        Msg::Done {
            id: id - 1,
            result: EffectResult::Registry(Ok(vec![("old@1".into(), "unsigned".into())])),
        },
    );
    assert!(s.overlay.is_none());
    let items = vec![
        ("lint@2.1.0".to_string(), "signed by team".to_string()),
        ("review@1.0.0".to_string(), "signed by team".to_string()),
    ];
    update(
        &mut s,
        Msg::Done {
            id,
            result: EffectResult::Registry(Ok(items)),
        },
    );
    assert!(
        matches!(
            &s.overlay,
            Some(Overlay::Picker {
                kind: PaletteKind::RegistrySkills,
                ..
            })
        ),
        "{:?}",
        s.overlay
    );
    update(&mut s, key(KeyCode::Down));
    let fx = update(&mut s, key(KeyCode::Enter));
    let install = match fx.as_slice() {
        [Effect::InstallSkill { id, source }] => {
            assert_eq!(source, "registry:review@1.0.0");
            *id
        }
        other => panic!("{other:?}"),
    };
    assert!(s.overlay.is_none());
    let fx = update(
        &mut s,
        Msg::Done {
            id: install,
            result: EffectResult::SkillInstalled(Ok("installed review 1.0.0 from R".into())),
        },
    );
    assert_eq!(toast(&s), "installed review 1.0.0 from R");
    assert!(
        matches!(fx.as_slice(), [Effect::LoadSkills { .. }]),
        "{fx:?}"
    );
}

#[test]
fn a_typed_skills_install_runs_off_the_loop_and_its_answer_is_a_notice() {
    let mut s = skills_state(None);
    s.focus = Pane::Editor;
    s.editor.set_text("/skills-install ./review.md");
    let fx = update(&mut s, key(KeyCode::Enter));
    let id = match fx.as_slice() {
        [Effect::InstallSkill { id, source }] => {
            assert_eq!(source, "./review.md");
            *id
        }
        other => panic!("{other:?}"),
    };
    update(
        &mut s,
        Msg::Done {
            id,
            result: EffectResult::SkillInstalled(Ok("installed review from ./review.md".into())),
        },
    );
    assert!(
        s.conversation
            .last_notice()
            .is_some_and(|n| n.contains("installed review")),
        "the answer stays in the conversation"
    );
}

#[test]
fn a_refused_registry_or_install_is_said_and_changes_nothing() {
    let mut s = skills_state(Some("http://127.0.0.1:1/registry.json"));
    let fx = update(&mut s, ctrl_o());
    let [Effect::LoadRegistry { id }] = fx.as_slice() else {
        panic!("{fx:?}");
    };
    update(
        &mut s,
        Msg::Done {
            id: *id,
            result: EffectResult::Registry(Err("registry manifest refused: bad sig".into())),
        },
    );
    assert!(s.overlay.is_none());
    assert!(toast(&s).contains("bad sig"), "{}", toast(&s));
    let fx = update(
        &mut s,
        Msg::Done {
            id: 999,
            result: EffectResult::SkillInstalled(Err("sha256 mismatch".into())),
        },
    );
    assert!(fx.is_empty(), "{fx:?}");
    assert!(toast(&s).contains("not installed: sha256 mismatch"));
}
