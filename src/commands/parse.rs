//! Turning a line like `/session-search "fix tests" 5 --json` into an `Invocation` checked
//! against the command table: words split like a shell (quotes group words), flags
//! recognised, the argument count checked against the declaration.

use std::collections::BTreeMap;

use super::error::CommandError;
use super::spec::{ArgSpec, CommandSpec, FlagSpec, SubcommandSpec};
use super::table;

/// A parsed, checked command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub spec: &'static CommandSpec,
    pub sub: Option<&'static SubcommandSpec>,
    /// Positional arguments (after the subcommand).
    pub args: Vec<String>,
    /// Flags given, by name without dashes (`""` for switches).
    pub flags: BTreeMap<&'static str, String>,
    /// `--json` was given.
    pub json: bool,
}

impl Invocation {
    pub fn arg(&self, i: usize) -> Option<&str> {
        self.args.get(i).map(String::as_str)
    }

    /// A positional argument the command needs; its absence is a usage error.
    pub fn required_arg(&self, i: usize) -> Result<&str, super::error::CommandError> {
        self.arg(i)
            .ok_or_else(|| self.usage_error("missing argument"))
    }

    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags.get(name).map(String::as_str)
    }

    pub fn has_flag(&self, name: &str) -> bool {
        self.flags.contains_key(name)
    }

    /// The usage line of what was invoked (the subcommand's, if any).
    pub fn usage(&self) -> String {
        match self.sub {
            Some(s) => self.spec.sub_usage(s),
            None => self.spec.usage(),
        }
    }

    /// A usage error for this invocation.
    pub fn usage_error(&self, problem: impl Into<String>) -> CommandError {
        CommandError::Usage {
            problem: problem.into(),
            usage: self.usage(),
        }
    }
}

/// Whether a line is a slash command (rather than a prompt).
pub fn is_command(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with('/') && !t.starts_with("//")
}

/// Splits a command line into words; quotes group words, a backslash escapes.
pub fn split_words(line: &str) -> Result<Vec<String>, CommandError> {
    shell_words::split(line).map_err(|_| CommandError::Malformed {
        detail: "a quote is not closed".to_string(),
    })
}

/// Parses and checks `line` against the command table.
pub fn parse(line: &str) -> Result<Invocation, CommandError> {
    let line = line.trim();
    let Some(rest) = line.strip_prefix('/') else {
        return Err(CommandError::NotACommand);
    };
    let mut words = split_words(rest)?.into_iter();
    let Some(name) = words.next().filter(|n| !n.is_empty()) else {
        return Err(CommandError::Malformed {
            detail: "a lone '/' names no command; /help lists them".to_string(),
        });
    };
    let Some(spec) = table::find(&name) else {
        return Err(CommandError::Unknown {
            suggestion: table::suggest(&name).map(|c| c.name.to_string()),
            name,
        });
    };
    let words: Vec<String> = words.collect();
    let (sub, words) = if spec.subcommands.is_empty() {
        (None, words)
    } else {
        let Some(first) = words.first() else {
            return Err(CommandError::Usage {
                problem: "missing subcommand".to_string(),
                usage: spec.usage(),
            });
        };
        let Some(sub) = spec.subcommand(first) else {
            return Err(CommandError::Usage {
                problem: format!("unknown subcommand '{first}'"),
                usage: spec.usage(),
            });
        };
        (Some(sub), words[1..].to_vec())
    };
    let (arg_specs, flag_specs) = match sub {
        Some(s) => (s.args, s.flags),
        None => (spec.args, spec.flags),
    };
    let mut inv = Invocation {
        spec,
        sub,
        args: Vec::new(),
        flags: BTreeMap::new(),
        json: false,
    };
    let mut words = words.into_iter();
    let mut only_positional = false;
    while let Some(w) = words.next() {
        if only_positional || !w.starts_with("--") {
            inv.args.push(w);
            continue;
        }
        if w == "--" {
            only_positional = true;
            continue;
        }
        let (flag, inline) = match w[2..].split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (w[2..].to_string(), None),
        };
        if flag == "json" && spec.json && inline.is_none() {
            inv.json = true;
            continue;
        }
        let Some(fs) = flag_specs.iter().find(|f| f.name == flag) else {
            return Err(inv.usage_error(format!("unknown option --{flag}")));
        };
        let value = flag_value(&inv, fs, inline, &mut words)?;
        inv.flags.insert(fs.name, value);
    }
    check_count(&inv, arg_specs)?;
    Ok(inv)
}

fn flag_value(
    inv: &Invocation,
    fs: &FlagSpec,
    inline: Option<String>,
    words: &mut impl Iterator<Item = String>,
) -> Result<String, CommandError> {
    match (fs.value, inline) {
        (None, None) => Ok(String::new()),
        (None, Some(_)) => Err(inv.usage_error(format!("--{} takes no value", fs.name))),
        (Some(_), Some(v)) => Ok(v),
        (Some((placeholder, _)), None) => words
            .next()
            .ok_or_else(|| inv.usage_error(format!("--{} needs a value ({placeholder})", fs.name))),
    }
}

fn check_count(inv: &Invocation, specs: &[ArgSpec]) -> Result<(), CommandError> {
    let required = specs.iter().filter(|a| a.required).count();
    let variadic = specs.iter().any(|a| a.variadic);
    let n = inv.args.len();
    if n < required {
        let missing = &specs[n.min(specs.len() - 1)..]
            .iter()
            .filter(|a| a.required)
            .map(|a| format!("<{}>", a.name))
            .collect::<Vec<_>>();
        return Err(inv.usage_error(format!("missing {}", missing.join(" "))));
    }
    if !variadic && n > specs.len() {
        let extra = &inv.args[specs.len()..];
        return Err(inv.usage_error(format!("unexpected argument '{}'", extra.join(" "))));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_arguments_flags_and_subcommands() {
        let inv = parse(r#"/session-search "fix the tests" 5 --json"#).unwrap();
        assert_eq!(inv.spec.name, "session-search");
        assert_eq!(inv.args, ["fix the tests", "5"]);
        assert!(inv.json);
        let inv = parse("/macro run nightly --dry-run").unwrap();
        assert_eq!(inv.sub.unwrap().name, "run");
        assert_eq!(inv.args, ["nightly"]);
        assert!(inv.has_flag("dry-run"));
        let inv = parse("/models-list claude --provider=anthropic --limit 3").unwrap();
        assert_eq!(inv.flag("provider"), Some("anthropic"));
        assert_eq!(inv.flag("limit"), Some("3"));
        assert_eq!(inv.args, ["claude"]);
    }

    #[test]
    fn wrong_arguments_give_the_usage_line() {
        let e = parse("/branch").unwrap_err().to_string();
        assert!(
            e.contains("missing <id>") && e.contains("usage: /branch <id>"),
            "{e}"
        );
        let e = parse("/resume now").unwrap_err().to_string();
        assert!(e.contains("unexpected argument 'now'"), "{e}");
        let e = parse("/branch-alias rename x").unwrap_err().to_string();
        assert!(e.contains("unknown subcommand 'rename'"), "{e}");
        let e = parse("/session-bookmark set only-a-name")
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing <id>"), "{e}");
        let e = parse("/branch abc --json").unwrap_err().to_string();
        assert!(e.contains("unknown option --json"), "{e}");
        let e = parse("/models-list --limit").unwrap_err().to_string();
        assert!(e.contains("--limit needs a value"), "{e}");
    }

    #[test]
    fn unknown_and_malformed_lines() {
        let e = parse("/sesion").unwrap_err().to_string();
        assert!(e.contains("did you mean /session?"), "{e}");
        assert!(matches!(
            parse("/branch \"abc"),
            Err(CommandError::Malformed { .. })
        ));
        assert!(matches!(parse("hello"), Err(CommandError::NotACommand)));
        assert!(matches!(parse("/"), Err(CommandError::Malformed { .. })));
        assert!(is_command("  /help"));
        assert!(!is_command("// a comment in code"));
        assert!(!is_command("explain /etc/hosts"));
    }
}
