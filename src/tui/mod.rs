//! The interactive UI, built the Elm way (see docs/tui.md): one `Msg` enum, a synchronous
//! `update(&mut State, Msg) -> Vec<Effect>`, a pure `view(&State, &mut Frame)`, and one
//! `select!` loop in [`runtime`] that owns the terminal and carries out effects.

pub mod approval;
pub mod config;
mod effects;
pub mod fuzzy;
pub mod host;
pub mod layout;
pub mod msg;
pub mod overlay;
pub mod pane_keys;
pub mod panes;
pub mod render;
pub mod runtime;
mod skill_installs;
pub mod state;
#[cfg(test)]
pub mod state_summary;
pub mod status;
pub mod term;
pub mod update;
pub mod view;
#[cfg(test)]
mod view_tests;

pub use effects::list_files;
pub use host::{BranchHistory, Host, NoHost};
pub use msg::{CommandReply, Effect, EffectResult, Msg};
pub use runtime::{ExitInfo, TuiContext, run};
pub use state::{ModelChoice, Pane, State};
pub use update::update;
pub use view::{draw, view};
