//! Why a command did not run. Each message is one line that says what to do.

use crate::session::SessionError;

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("not a slash command: commands start with '/'; /help lists them")]
    NotACommand,

    #[error("malformed command line: {detail}")]
    Malformed { detail: String },

    #[error("unknown command '/{name}'{}", match .suggestion {
        Some(s) => format!("; did you mean /{s}? (/help lists every command)"),
        None => "; /help lists every command".to_string(),
    })]
    Unknown {
        name: String,
        suggestion: Option<String>,
    },

    #[error("{problem}; usage: {usage}")]
    Usage { problem: String, usage: String },

    #[error("{0}")]
    Session(#[from] SessionError),

    /// A state file (macros, profiles) could not be read or written.
    #[error("{path}: {detail}")]
    StateFile { path: String, detail: String },

    #[error("{0}")]
    Failed(String),
}

impl CommandError {
    pub fn failed(message: impl Into<String>) -> CommandError {
        CommandError::Failed(message.into())
    }
}
