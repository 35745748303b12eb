//! What a command returns: lines of text, JSON when `--json` was given, and what the front
//! end must do next. The engine never prints.

use serde_json::Value;

use crate::agent::Op;

/// What the front end does after showing a command's output.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Nothing more: the command is complete.
    Done,
    /// Send this op to the agent and wait for its answer (`Op::is_answered_by`).
    Submit(Op),
    /// Leave: the interactive mode exits, a command file stops.
    Quit,
    /// Run these lines, in order, as if typed (`/macro run`): slash commands go to the engine,
    /// other lines are prompts.
    Run { name: String, lines: Vec<String> },
}

/// The result of one command.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandOutput {
    /// Human-readable lines.
    pub lines: Vec<String>,
    /// Machine-readable output, present when the command was given `--json`.
    pub json: Option<Value>,
    pub outcome: Outcome,
    /// False when the command ran but reports a failure (a `/doctor` check failed, a
    /// validation found problems); a command file counts it as failed.
    pub ok: bool,
}

impl CommandOutput {
    pub fn lines(lines: Vec<String>) -> CommandOutput {
        CommandOutput {
            lines,
            json: None,
            outcome: Outcome::Done,
            ok: true,
        }
    }

    pub fn line(line: impl Into<String>) -> CommandOutput {
        CommandOutput::lines(vec![line.into()])
    }

    /// Text lines, and the JSON when `json` is true.
    pub fn with_json(lines: Vec<String>, json: bool, value: impl FnOnce() -> Value) -> Self {
        CommandOutput {
            json: json.then(value),
            ..CommandOutput::lines(lines)
        }
    }

    pub fn then(mut self, outcome: Outcome) -> CommandOutput {
        self.outcome = outcome;
        self
    }

    /// What to show: the JSON on one line if there is any, else the text lines.
    pub fn render(&self) -> Vec<String> {
        match &self.json {
            Some(v) => vec![v.to_string()],
            None => self.lines.clone(),
        }
    }
}

/// `value` as JSON (`null` if it cannot be represented).
pub fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}
