//! A change in a skills folder reloads the pane; the agent hears only what changed.

use crate::agent::Op;
use crate::skills::discover::{Discovery, FoundSkill};
use crate::tui::msg::{Effect, Msg};
use crate::tui::panes::skills::parse_skill;
use crate::tui::state::State;
use crate::tui::update::update;

fn skill(name: &str, body: &str) -> FoundSkill {
    parse_skill(name, format!("skills/{name}.md").into(), body.into())
}

fn reload(s: &mut State, skills: Vec<FoundSkill>) -> Vec<Effect> {
    let fx = update(s, Msg::SkillsChanged);
    let [Effect::LoadSkills { id }] = fx.as_slice() else {
        panic!("a change on disk reads the folders again: {fx:?}");
    };
    let found = Discovery {
        skills,
        ..Discovery::default()
    };
    let mut fx = Vec::new();
    super::skills_loaded(s, *id, found, &mut fx);
    fx
}

#[test]
fn a_change_on_disk_reloads_the_pane_and_tells_the_agent_what_changed() {
    let mut s = State::new(120, 40);
    s.skills.dir = Some("skills".into());
    s.skills.index = true;
    s.skills.set_skills(vec![skill("a", "A\n")]);
    s.skills.active.insert("a".into());
    assert!(s.skills.take_op().is_some());
    // b appears: the agent gets b in the index; a stays active.
    let fx = reload(&mut s, vec![skill("a", "A\n"), skill("b", "B\n")]);
    let [
        Effect::Submit {
            op: Op::SetSkills { skills, index },
            ..
        },
    ] = fx.as_slice()
    else {
        panic!("{fx:?}");
    };
    assert_eq!(skills.len(), 1);
    assert_eq!(
        index.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
        ["b"]
    );
    assert_eq!(s.skills.skills.len(), 2);
    // The same skills again: nothing to send.
    assert!(reload(&mut s, vec![skill("a", "A\n"), skill("b", "B\n")]).is_empty());
    // a's text changed: the agent gets the new text.
    let fx = reload(&mut s, vec![skill("a", "A2\n"), skill("b", "B\n")]);
    assert!(
        matches!(fx.as_slice(), [Effect::Submit { op: Op::SetSkills { skills, .. }, .. }] if skills[0].content == "A2\n"),
        "{fx:?}"
    );
}

#[test]
fn an_older_load_finishing_late_is_dropped() {
    let mut s = State::new(120, 40);
    s.skills.dir = Some("skills".into());
    let old = update(&mut s, Msg::SkillsChanged);
    let new = update(&mut s, Msg::SkillsChanged);
    let ([Effect::LoadSkills { id: old }], [Effect::LoadSkills { id: new }]) =
        (old.as_slice(), new.as_slice())
    else {
        panic!();
    };
    let done = |s: &mut State, id: u64, skills: Vec<FoundSkill>| {
        let found = Discovery {
            skills,
            ..Discovery::default()
        };
        super::skills_loaded(s, id, found, &mut Vec::new());
    };
    done(&mut s, *new, vec![skill("fresh", "x\n")]);
    done(&mut s, *old, vec![skill("stale", "x\n")]);
    assert_eq!(s.skills.skills[0].name(), "fresh");
}
