//! The Slack bridge: the Socket Mode connection (`socket.rs`), which events start runs
//! (`rules.rs`), the Web API client (`web.rs`), the source of inbound messages
//! (`listen.rs`) and the reply side of a run (`transport.rs`).

pub mod listen;
pub mod rules;
pub mod socket;
pub mod transport;
pub mod web;
