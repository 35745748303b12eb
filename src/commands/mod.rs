//! The slash-command engine shared by the TUI, `--command-file` and the bridges.
//!
//! Every command is declared once in [`COMMANDS`] (name, arguments, flags, subcommands, help
//! text, `--json` support, completion hints). [`CommandEngine::execute`] parses a line, runs
//! it against the shared session and returns a [`CommandOutput`]: text lines, JSON with
//! `--json`, and an [`Outcome`] the front end carries out (submit an op to the agent, quit,
//! run a macro's lines). The engine never prints. See docs/commands.md.

mod audit;
mod complete;
mod doctor;
mod engine;
mod error;
mod events;
mod help;
mod inspect;
mod macros;
mod maintain;
mod models;
mod navigate;
mod output;
mod parse;
mod profiles;
mod script;
mod sessions;
mod skills;
mod skills_supply;
mod spec;
mod statefile;
mod table;
mod table_events;
mod table_skills;

pub use complete::{Completion, completions};
pub use doctor::{Check, CheckStatus, run_checks};
pub use engine::{CommandEngine, EngineContext, SharedSession, lock_session, share_session};
pub use error::CommandError;
pub use events::{EventRow, EventsAccess};
pub use help::{details as help_details, overview as help_overview};
pub use output::{CommandOutput, Outcome};
pub use parse::{Invocation, is_command, parse, split_words};
pub use profiles::settings_lines;
pub use script::{check_script, script_lines};
pub use spec::{ArgKind, ArgSpec, CommandGroup, CommandSpec, FlagSpec, SubcommandSpec};
pub use statefile::{read_json, write_json_atomic};
pub use table::{COMMANDS, find, matching, suggest};
