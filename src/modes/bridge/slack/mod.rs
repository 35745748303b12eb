//! The Slack bridge: the Socket Mode connection (`socket.rs`).

pub mod socket;
