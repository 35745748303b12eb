//! Front ends that drive the agent task: the one-shot run (`--prompt`), command files
//! (`--command-file`), session validation, and later the interactive TUI and bridges.

mod approve;
pub mod bridge;
mod command_file;
mod escape;
pub mod events;
mod interactive;
mod interrupt;
mod oneshot;
mod progress;
mod validate;

pub use approve::{BRIDGE_NOTE, HEADLESS_NOTE, approval_progress, bridge_answer, headless_answer};
pub use command_file::{CommandFileOptions, run_command_file};
pub use escape::escape_controls;
pub use interactive::{InteractiveOptions, InteractiveSetup, run_interactive};
pub use oneshot::{OneshotOptions, run_oneshot};
pub use progress::progress_line;
pub use validate::run_session_validate;
