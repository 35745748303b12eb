//! The shape of a command's declaration: arguments, flags, subcommands and completion hints.
//! The declarations themselves are in `table.rs`.

use std::fmt::Write as _;

/// What an argument or flag value is, for completion and for the usage line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// An entry id, a unique id prefix, a branch alias or a bookmark.
    EntryRef,
    BranchAlias,
    Bookmark,
    /// A path (relative to the working directory).
    File,
    /// `provider/model-id`.
    Model,
    Provider,
    Macro,
    Profile,
    /// A skill's name (from the skills folders).
    Skill,
    /// A command name (for `/help`).
    Command,
    /// A whole number.
    Count,
    /// `true` or `false`.
    Bool,
    /// `merge` or `replace`.
    ImportMode,
    /// A name being created (no completion).
    NewName,
    /// Free text.
    Text,
}

/// One positional argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArgSpec {
    pub name: &'static str,
    pub kind: ArgKind,
    pub required: bool,
    /// Takes every remaining word (free text such as a search query).
    pub variadic: bool,
}

impl ArgSpec {
    pub const fn required(name: &'static str, kind: ArgKind) -> ArgSpec {
        ArgSpec {
            name,
            kind,
            required: true,
            variadic: false,
        }
    }

    pub const fn optional(name: &'static str, kind: ArgKind) -> ArgSpec {
        ArgSpec {
            name,
            kind,
            required: false,
            variadic: false,
        }
    }

    /// Optional free text: every remaining word.
    pub const fn text(name: &'static str, required: bool) -> ArgSpec {
        ArgSpec {
            name,
            kind: ArgKind::Text,
            required,
            variadic: true,
        }
    }
}

/// A `--flag` besides `--json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlagSpec {
    /// Without the dashes.
    pub name: &'static str,
    /// The value's placeholder and kind; `None` for a switch.
    pub value: Option<(&'static str, ArgKind)>,
}

impl FlagSpec {
    pub const fn switch(name: &'static str) -> FlagSpec {
        FlagSpec { name, value: None }
    }

    pub const fn value(name: &'static str, placeholder: &'static str, kind: ArgKind) -> FlagSpec {
        FlagSpec {
            name,
            value: Some((placeholder, kind)),
        }
    }
}

/// One subcommand (`/macro run`, `/profile save`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubcommandSpec {
    pub name: &'static str,
    pub summary: &'static str,
    pub args: &'static [ArgSpec],
    pub flags: &'static [FlagSpec],
    /// May run while the agent is working on a turn (it reads, or writes only its own file).
    pub busy_ok: bool,
}

/// Where a command is listed in `/help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandGroup {
    Navigate,
    Inspect,
    Maintain,
    Context,
    Skills,
    Automate,
}

impl CommandGroup {
    pub const ALL: [CommandGroup; 6] = [
        CommandGroup::Navigate,
        CommandGroup::Inspect,
        CommandGroup::Maintain,
        CommandGroup::Context,
        CommandGroup::Skills,
        CommandGroup::Automate,
    ];

    pub fn title(self) -> &'static str {
        match self {
            CommandGroup::Navigate => "Navigate",
            CommandGroup::Inspect => "Inspect",
            CommandGroup::Maintain => "Maintain",
            CommandGroup::Context => "Context and models",
            CommandGroup::Skills => "Skills",
            CommandGroup::Automate => "Automate",
        }
    }
}

/// One slash command, declared once: `/help`, argument checking and completion all read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandSpec {
    /// Without the slash.
    pub name: &'static str,
    pub group: CommandGroup,
    /// One line for the command list.
    pub summary: &'static str,
    /// What `/help <command>` adds below the usage line.
    pub help: &'static str,
    /// Positional arguments (commands without subcommands).
    pub args: &'static [ArgSpec],
    pub flags: &'static [FlagSpec],
    /// When not empty, the first word picks one of these.
    pub subcommands: &'static [SubcommandSpec],
    /// Accepts `--json` for machine-readable output.
    pub json: bool,
    /// May run while the agent is working on a turn.
    pub busy_ok: bool,
}

fn push_args(out: &mut String, args: &[ArgSpec], flags: &[FlagSpec]) {
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let dots = if a.variadic { "..." } else { "" };
        if a.required {
            let _ = write!(out, " <{}{dots}>", a.name);
            i += 1;
            continue;
        }
        // Consecutive optional arguments come together (`[a b]`: both or neither).
        let run = args[i..]
            .iter()
            .take_while(|a| !a.required && !a.variadic)
            .count()
            .max(1);
        let names: Vec<String> = args[i..i + run]
            .iter()
            .map(|a| format!("{}{}", a.name, if a.variadic { "..." } else { "" }))
            .collect();
        let _ = write!(out, " [{}]", names.join(" "));
        i += run;
    }
    for f in flags {
        match f.value {
            Some((placeholder, _)) => {
                let _ = write!(out, " [--{} {placeholder}]", f.name);
            }
            None => {
                let _ = write!(out, " [--{}]", f.name);
            }
        }
    }
}

impl SubcommandSpec {
    /// `run <name> [--dry-run]`.
    pub fn usage(&self) -> String {
        let mut out = self.name.to_string();
        push_args(&mut out, self.args, self.flags);
        out
    }
}

impl CommandSpec {
    /// The usage line, e.g. `/session-search <query...> [--limit n]`.
    pub fn usage(&self) -> String {
        let mut out = format!("/{}", self.name);
        if self.subcommands.is_empty() {
            push_args(&mut out, self.args, self.flags);
        } else {
            let subs: Vec<String> = self.subcommands.iter().map(SubcommandSpec::usage).collect();
            let _ = write!(out, " {}", subs.join(" | "));
        }
        if self.json {
            out.push_str(" [--json]");
        }
        out
    }

    /// The usage line of one subcommand, e.g. `/macro run <name> [--dry-run]`.
    pub fn sub_usage(&self, sub: &SubcommandSpec) -> String {
        let mut out = format!("/{} {}", self.name, sub.usage());
        if self.json {
            out.push_str(" [--json]");
        }
        out
    }

    pub fn subcommand(&self, name: &str) -> Option<&'static SubcommandSpec> {
        self.subcommands.iter().find(|s| s.name == name)
    }
}
