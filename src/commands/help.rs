//! `/help` and `/help <command>`, both printed from the command table.

use super::error::CommandError;
use super::output::CommandOutput;
use super::parse::Invocation;
use super::spec::{CommandGroup, CommandSpec};
use super::table::{self, COMMANDS};

pub fn help(inv: &Invocation) -> Result<CommandOutput, CommandError> {
    match inv.arg(0) {
        None => Ok(CommandOutput::lines(overview())),
        Some(name) => {
            let spec = table::find(name).ok_or_else(|| CommandError::Unknown {
                name: name.trim_start_matches('/').to_string(),
                suggestion: table::suggest(name).map(|c| c.name.to_string()),
            })?;
            Ok(CommandOutput::lines(details(spec)))
        }
    }
}

/// Every command, by group, with its one-line summary.
pub fn overview() -> Vec<String> {
    let width = COMMANDS.iter().map(|c| c.name.len()).max().unwrap_or(0) + 1;
    let mut lines = Vec::new();
    for group in CommandGroup::ALL {
        lines.push(format!("{}:", group.title()));
        for c in COMMANDS.iter().filter(|c| c.group == group) {
            lines.push(format!("  /{:<width$}  {}", c.name, c.summary));
        }
    }
    lines.push("/help <command> shows a command's usage and what it does.".to_string());
    lines
}

/// The usage line, the help text, subcommands and flags of one command.
pub fn details(spec: &CommandSpec) -> Vec<String> {
    let mut lines = vec![format!("usage: {}", spec.usage()), spec.help.to_string()];
    if !spec.subcommands.is_empty() {
        let width = spec
            .subcommands
            .iter()
            .map(|s| s.usage().len())
            .max()
            .unwrap_or(0);
        for s in spec.subcommands {
            lines.push(format!("  {:<width$}  {}", s.usage(), s.summary));
        }
    }
    if spec.json {
        lines.push("  --json  print the result as one line of JSON".to_string());
    }
    lines
}
