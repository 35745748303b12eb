//! The agent task, reached only through the `Submission` / `Event` protocol.

pub mod prompt;
pub mod protocol;
mod task;

pub use protocol::{Event, EventMsg, ImageInput, Op, Submission};
pub use task::{AgentConfig, AgentHandle, spawn_agent};
