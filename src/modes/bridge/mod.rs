//! The bridges (GitHub Issues, Slack) and what they share: the `ChannelStore` on disk (one
//! folder per conversation, its session an ordinary pi session file) and the pure `step` that
//! decides what an inbound event does (dedupe, queueing, who may run). See docs/bridges.md.

pub mod github;
pub mod runner;
pub mod slack;
pub mod step;
pub mod store;
