//! Installing a skill from the Skills pane: the registry's skills in a picker (fetched and
//! verified off the loop), the pick installed off the loop, the pane reloaded after.

use crate::tui::msg::Effect;
use crate::tui::overlay::{ListPicker, Overlay, PaletteKind};
use crate::tui::panes::conversation::NoticeLevel;
use crate::tui::state::State;

/// `install_skill` (Ctrl+O in the Skills pane): asks for the registry's skills.
pub fn open_registry(state: &mut State, fx: &mut Vec<Effect>) {
    let has_registry = state
        .skills
        .config
        .as_ref()
        .is_some_and(|c| c.registry_url.is_some());
    if !has_registry {
        state.toast(
            "no skill registry: start pi with --skill-registry-url URL (or skill-registry-url in config.toml)",
            5000,
        );
        return;
    }
    let id = state.next_id();
    state.skills.registry_request = id;
    state.toast("reading the skill registry…", 3000);
    fx.push(Effect::LoadRegistry { id });
}

/// The registry was read: a picker of what may be installed, or why not.
pub fn registry_loaded(state: &mut State, id: u64, entries: Result<Vec<(String, String)>, String>) {
    if id != state.skills.registry_request {
        return;
    }
    match entries {
        Ok(items) if items.is_empty() => {
            state.toast("the registry has no skill the trust roots accept", 4000)
        }
        Ok(items) => {
            state.overlay = Some(Overlay::Picker {
                kind: PaletteKind::RegistrySkills,
                list: ListPicker::new(items),
            });
        }
        Err(e) => state.toast(format!("skill registry: {e}"), 6000),
    }
}

/// A registry skill was picked: install it.
pub fn install_picked(state: &mut State, value: &str, fx: &mut Vec<Effect>) {
    install_source(state, &format!("registry:{value}"), fx);
}

/// Installs `source` (the `/skills-install` forms) off the loop.
pub fn install_source(state: &mut State, source: &str, fx: &mut Vec<Effect>) {
    let id = state.next_id();
    state.toast(format!("installing {source}…"), 3000);
    fx.push(Effect::InstallSkill {
        id,
        source: source.to_string(),
    });
}

/// An install finished: say so, and read the skills again.
pub fn installed(state: &mut State, result: Result<String, String>, fx: &mut Vec<Effect>) {
    match result {
        Ok(summary) => {
            state.toast(summary.clone(), 5000);
            state.conversation.notice(NoticeLevel::Info, summary);
            super::actions::load_skills(state, fx);
        }
        Err(e) => {
            let text = format!("not installed: {e}");
            state.toast(text.clone(), 8000);
            state.conversation.notice(NoticeLevel::Warning, text);
        }
    }
}
