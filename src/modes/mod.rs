//! Front ends that drive the agent task: the one-shot run (`--prompt`), and later the
//! interactive TUI, command files and bridges.

mod oneshot;

pub use oneshot::{OneshotOptions, run_oneshot};
