//! The Slack bridge: the Socket Mode connection (`socket.rs`) and which events start runs
//! (`rules.rs`).

pub mod rules;
pub mod socket;
pub mod web;
