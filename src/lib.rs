//! rust-pi: a terminal coding agent.
//!
//! Layers, each importing only the ones below it (see docs/architecture.md):
//! `cli` > `modes` > `tui` > `commands` > `session` > `agent` > `tools` > `ai`;
//! `private_fs` and `text` are leaves any layer may use.

pub mod agent;
pub mod ai;
pub mod cli;
pub mod commands;
pub mod modes;
pub mod private_fs;
pub mod session;
pub mod skills;
pub mod text;
pub mod tools;
pub mod tui;
