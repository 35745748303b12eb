//! Defaults for flags from config files: the user's `<config>/pi/config.toml` and the project's
//! `.pi/config.toml`. A key is a long flag's name (`max-turns` or `max_turns`); its value goes
//! through the flag's own parser, so a file accepts exactly what the command line does.
//! Precedence: flag > environment > project file > user file > built-in default.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches, CommandFactory, FromArgMatches};
use toml::de::{DeTable, DeValue};

use super::args::Args;
use crate::tui::config::{ConfigError, line_of};

/// Who may set a key: a project file comes with a cloned repository, so keys that could send a
/// key or files elsewhere, run another program or loosen the tool policy are the user's alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    Anywhere,
    UserOnly,
}

use Scope::{Anywhere, UserOnly};

/// Every key a config file may hold, in `pi --print-config` order.
pub(super) const KEYS: &[(&str, Scope)] = &[
    ("model", Anywhere),
    ("fallback-model", Anywhere),
    ("thinking", Anywhere),
    ("openai-api", Anywhere),
    ("reasoning-summary", Anywhere),
    ("api-base", UserOnly),
    ("azure-openai-api-version", Anywhere),
    ("max-output-tokens", Anywhere),
    ("max-turns", Anywhere),
    ("context-window", Anywhere),
    ("request-timeout-ms", Anywhere),
    ("turn-timeout-ms", Anywhere),
    ("provider-max-retries", Anywhere),
    ("provider-retry-budget-ms", Anywhere),
    ("provider-retry-jitter", Anywhere),
    ("stream", Anywhere),
    ("model-catalog-url", UserOnly),
    ("model-catalog-cache", UserOnly),
    ("system-prompt-file", UserOnly),
    ("stream-output", Anywhere),
    ("stream-delay-ms", Anywhere),
    ("output-format", Anywhere),
    ("session-lock-wait-ms", Anywhere),
    ("session-lock-stale-ms", Anywhere),
    ("session-import-mode", Anywhere),
    ("command-file-error-mode", Anywhere),
    ("skills-dir", Anywhere),
    ("skill", Anywhere),
    ("skills-index", Anywhere),
    ("skill-registry-url", Anywhere),
    ("skill-registry-sha256", Anywhere),
    ("skills-cache-dir", UserOnly),
    ("skills-offline", Anywhere),
    ("require-signed-skills", UserOnly),
    ("skill-trust-root", UserOnly),
    ("skill-trust-root-file", UserOnly),
    ("theme", Anywhere),
    ("keymap", Anywhere),
    ("no-mouse", Anywhere),
    ("tool-policy-preset", Anywhere),
    ("max-file-read-bytes", Anywhere),
    ("max-file-write-bytes", Anywhere),
    ("max-tool-output-bytes", Anywhere),
    ("bash-timeout-ms", Anywhere),
    ("max-command-bytes", Anywhere),
    ("deny-command", Anywhere),
    ("deny-read", Anywhere),
    ("tool-policy-trace", Anywhere),
    ("command-newlines", UserOnly),
    ("destructive-commands", UserOnly),
    ("bash-profile", UserOnly),
    ("allow-command", UserOnly),
    ("allow-path", UserOnly),
    ("os-sandbox-mode", UserOnly),
    ("sandbox-network", UserOnly),
    ("os-sandbox-command", UserOnly),
    ("sandbox-caches", UserOnly),
    ("bash-env-allow", UserOnly),
    ("bash-env-inherit", UserOnly),
    ("enforce-regular-files", UserOnly),
    ("tool-audit-log", UserOnly),
    ("log-file", UserOnly),
];

/// Which file a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    User,
    Project,
}

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Flag,
    Env(String),
    File {
        layer: Layer,
        path: PathBuf,
        line: usize,
    },
    Default,
}

impl Origin {
    /// `flag --max-turns`, `env PI_MODEL`, `project /w/.pi/config.toml:3`, `default`.
    pub fn label(&self, key: &str) -> String {
        match self {
            Origin::Flag => format!("flag --{key}"),
            Origin::Env(var) => format!("env {var}"),
            Origin::File { layer, path, line } => {
                let layer = match layer {
                    Layer::User => "user",
                    Layer::Project => "project",
                };
                format!("{layer} {}:{line}", path.display())
            }
            Origin::Default => "default".to_string(),
        }
    }
}

/// The origin of each setting a config file may hold, by key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origins(BTreeMap<String, Origin>);

impl Origins {
    /// Where `key`'s value came from; a key never recorded was given as a flag.
    pub fn label(&self, key: &str) -> String {
        self.0.get(key).unwrap_or(&Origin::Flag).label(key)
    }

    pub fn get(&self, key: &str) -> Option<&Origin> {
        self.0.get(key)
    }
}

/// One key of a config file: its values as command-line text, and where it was.
#[derive(Debug, Clone)]
struct Entry {
    /// For a flag without a value (`no-mouse = true`): whether it is on.
    switch: Option<bool>,
    values: Vec<String>,
    line: usize,
}

/// A config file that was found and read.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    pub layer: Layer,
    pub path: PathBuf,
    entries: BTreeMap<&'static str, Entry>,
}

/// Why the command line and config files could not be turned into `Args`.
#[derive(Debug)]
pub enum LoadError {
    /// clap's own error (usage, `--help`, `--version`), rendered by the caller as before.
    Clap(clap::Error),
    /// A config file problem, one line naming the file and line.
    Config(String),
}

/// The flags in force, with where each came from and the files read.
#[derive(Debug)]
pub struct Loaded {
    pub args: Args,
    pub matches: ArgMatches,
    pub files: Vec<(Layer, PathBuf, bool)>,
}

/// The user's config file: `config.toml` in pi's config directory (`$XDG_CONFIG_HOME/pi`,
/// `~/.config/pi`, or `$PI_CONFIG_DIR`, where themes and keymaps live too).
pub fn user_config_path() -> Option<PathBuf> {
    crate::tui::config::user_config_dir().map(|d| d.join("config.toml"))
}

/// The project's config file below `cwd`.
pub fn project_config_path(cwd: &Path) -> PathBuf {
    cwd.join(".pi").join("config.toml")
}

/// Parses `argv`, then fills every setting neither a flag nor the environment gave from the
/// project file, else the user file.
pub fn load(argv: Vec<OsString>, cwd: &Path, user: Option<&Path>) -> Result<Loaded, LoadError> {
    let cmd = Args::command();
    let given = cmd
        .clone()
        .try_get_matches_from(&argv)
        .map_err(LoadError::Clap)?;
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let project_path = project_config_path(cwd);
    let mut files = Vec::new();
    let mut layers = Vec::new();
    for (layer, path) in [
        (Layer::Project, Some(project_path)),
        (Layer::User, user.map(Path::to_path_buf)),
    ] {
        let Some(path) = path else { continue };
        let found = read(&path).map_err(LoadError::Config)?;
        files.push((layer, path.clone(), found.is_some()));
        if let Some(text) = found {
            let base = match layer {
                Layer::Project => cwd.to_path_buf(),
                Layer::User => path
                    .parent()
                    .map_or_else(|| cwd.to_path_buf(), Path::to_path_buf),
            };
            let file = parse(&cmd, layer, &path, &text, &base, home.as_deref())
                .map_err(LoadError::Config)?;
            layers.push(file);
        }
    }

    let mut extra: Vec<OsString> = Vec::new();
    let mut origins = Origins::default();
    for (key, _) in KEYS {
        let Some(arg) = find_arg(&cmd, key) else {
            continue;
        };
        let id = arg.get_id().as_str();
        let origin = match given.value_source(id) {
            Some(ValueSource::CommandLine) => Origin::Flag,
            Some(ValueSource::EnvVariable) => Origin::Env(
                arg.get_env()
                    .map(|v| v.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            ),
            _ => match layers
                .iter()
                .find_map(|f| f.entries.get(key).map(|e| (f, e)))
            {
                Some((file, entry)) => {
                    extra.extend(command_line(key, entry));
                    Origin::File {
                        layer: file.layer,
                        path: file.path.clone(),
                        line: entry.line,
                    }
                }
                None => Origin::Default,
            },
        };
        origins.0.insert((*key).to_string(), origin);
    }

    let mut full: Vec<OsString> = argv.iter().take(1).cloned().collect();
    full.extend(extra);
    full.extend(argv.iter().skip(1).cloned());
    let matches = cmd.try_get_matches_from(&full).map_err(|e| {
        LoadError::Config(format!(
            "the config files do not fit the flags given: {}",
            first_line(&e)
        ))
    })?;
    let mut args = Args::from_arg_matches(&matches).map_err(LoadError::Clap)?;
    args.origins = origins;
    Ok(Loaded {
        args,
        matches,
        files,
    })
}

/// The file's text; `None` when it does not exist.
fn read(path: &Path) -> Result<Option<String>, String> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read config file {}: {e}", path.display())),
    }
}

/// The long flag `key` names.
fn find_arg<'a>(cmd: &'a clap::Command, key: &str) -> Option<&'a Arg> {
    cmd.get_arguments().find(|a| a.get_long() == Some(key))
}

/// `key`'s values as command-line arguments.
fn command_line(key: &str, entry: &Entry) -> Vec<OsString> {
    match entry.switch {
        Some(true) => vec![format!("--{key}").into()],
        Some(false) => Vec::new(),
        None => entry
            .values
            .iter()
            .map(|v| format!("--{key}={v}").into())
            .collect(),
    }
}

fn first_line(e: &clap::Error) -> String {
    let text = e.to_string();
    let line = text.lines().next().unwrap_or("invalid value").trim();
    line.strip_prefix("error: ").unwrap_or(line).to_string()
}

/// What a key's value must be in TOML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A flag without a value (`--no-mouse`): true or false.
    Switch,
    Bool,
    Integer,
    Text,
    Path,
    List,
}

pub(super) fn kind(arg: &Arg) -> Kind {
    use std::any::TypeId;
    let t = arg.get_value_parser().type_id();
    match arg.get_action() {
        ArgAction::SetTrue => Kind::Switch,
        ArgAction::Append => Kind::List,
        _ if t == TypeId::of::<bool>() => Kind::Bool,
        _ if t == TypeId::of::<u32>() || t == TypeId::of::<u64>() || t == TypeId::of::<usize>() => {
            Kind::Integer
        }
        _ if t == TypeId::of::<PathBuf>() => Kind::Path,
        _ => Kind::Text,
    }
}

/// Reads one config file's keys and checks each value with its flag's parser.
fn parse(
    cmd: &clap::Command,
    layer: Layer,
    path: &Path,
    text: &str,
    base: &Path,
    home: Option<&Path>,
) -> Result<ConfigFile, String> {
    let at = |line: usize, message: String| format!("{}:{line}: {message}", path.display());
    let table = DeTable::parse(text).map_err(|e| {
        let e = ConfigError::from_toml(text, &e);
        at(e.line, e.message)
    })?;
    let mut entries: BTreeMap<&'static str, Entry> = BTreeMap::new();
    for (raw_key, value) in table.get_ref().iter() {
        let line = line_of(text, raw_key.span().start);
        let name = raw_key.get_ref().replace('_', "-");
        let Some(&(key, scope)) = KEYS.iter().find(|(k, _)| *k == name) else {
            return Err(at(line, unknown_key(raw_key.get_ref())));
        };
        if layer == Layer::Project && scope == UserOnly {
            return Err(at(
                line,
                format!(
                    "{key} may be set only in your user config file, the environment or a flag: a project's file must not send your key or files elsewhere or loosen the tool policy"
                ),
            ));
        }
        let Some(arg) = find_arg(cmd, key) else {
            return Err(at(line, unknown_key(raw_key.get_ref())));
        };
        let entry = entry(arg, value.get_ref(), line, base, home)
            .map_err(|m| at(line_of(text, value.span().start), format!("{key}: {m}")))?;
        if layer == Layer::Project
            && key == "tool-policy-preset"
            && entry.values.iter().any(|v| v == "permissive")
        {
            return Err(at(
                line,
                "tool-policy-preset permissive may be set only in your user config file or with a flag: a project's file must not loosen the tool policy".to_string(),
            ));
        }
        if let Some(first) = entries.get(key) {
            return Err(at(
                line,
                format!("{key} is set twice (first on line {})", first.line),
            ));
        }
        entries.insert(key, entry);
    }
    Ok(ConfigFile {
        layer,
        path: path.to_path_buf(),
        entries,
    })
}

fn unknown_key(key: &str) -> String {
    let name = key.replace('_', "-");
    let near = KEYS
        .iter()
        .map(|(k, _)| (strsim::levenshtein(k, &name), *k))
        .min()
        .filter(|(d, _)| *d <= 3)
        .map(|(_, k)| format!("; did you mean {k}?"))
        .unwrap_or_default();
    format!("unknown key '{key}'{near} (keys are long flags; pi --print-config lists them)")
}

/// `value` as the command-line text of `arg`, checked by the flag's own parser.
fn entry(
    arg: &Arg,
    value: &DeValue<'_>,
    line: usize,
    base: &Path,
    home: Option<&Path>,
) -> Result<Entry, String> {
    let kind = kind(arg);
    // `deny-read`, `allow-path`: lists of paths, resolved like one path.
    let paths =
        kind == Kind::List && arg.get_value_parser().type_id() == std::any::TypeId::of::<PathBuf>();
    let scalar = |v: &DeValue<'_>| -> Result<String, String> {
        match (kind, v) {
            (Kind::List, DeValue::String(s)) if paths => Ok(resolve(s, base, home)),
            (Kind::Bool, DeValue::Boolean(b)) => Ok(b.to_string()),
            (Kind::Bool, _) => Err("expected true or false".to_string()),
            (Kind::Integer, DeValue::Integer(i)) => i128::from_str_radix(i.as_str(), i.radix())
                .map(|n| n.to_string())
                .map_err(|_| "expected a whole number".to_string()),
            (Kind::Integer, _) => Err("expected a whole number (no quotes)".to_string()),
            (Kind::Path, DeValue::String(s)) => Ok(resolve(s, base, home)),
            (Kind::Text | Kind::List, DeValue::String(s)) => Ok(expand_home(s, home)),
            _ => Err("expected a string".to_string()),
        }
    };
    let (switch, values) = match (kind, value) {
        (Kind::Switch, DeValue::Boolean(b)) => (Some(*b), Vec::new()),
        (Kind::Switch, _) => return Err("expected true or false".to_string()),
        (Kind::List, DeValue::Array(items)) => {
            let values = items
                .iter()
                .map(|i| scalar(i.get_ref()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| "expected a list of strings, like [\"a\", \"b\"]".to_string())?;
            (None, values)
        }
        (_, DeValue::Array(_)) => return Err("expected one value, not a list".to_string()),
        (_, v) => (None, vec![scalar(v)?]),
    };
    let entry = Entry {
        switch,
        values,
        line,
    };
    check(arg, &entry)?;
    Ok(entry)
}

/// Runs the flag's own parser (ranges, enum values) on the entry.
fn check(arg: &Arg, entry: &Entry) -> Result<(), String> {
    let Some(long) = arg.get_long() else {
        return Ok(());
    };
    let probe = clap::Command::new("pi")
        .no_binary_name(true)
        .arg(arg.clone().env(None::<&str>));
    probe
        .try_get_matches_from(command_line(long, entry))
        .map(|_| ())
        .map_err(|e| {
            // clap names the flag (`for '--max-turns <N>'`); here the key is named already.
            let text = super::one_line_usage_error(&e.to_string());
            let text = text.strip_suffix("; see pi --help").unwrap_or(&text);
            match text.split_once(" for '--") {
                Some((head, rest)) => {
                    let tail = rest.split_once('\'').map_or("", |(_, t)| t);
                    format!("{head}{tail}")
                }
                None => text.to_string(),
            }
        })
}

/// `~/x` with the home directory; another relative path joined to `base` (the project
/// directory for a project file, pi's config directory for the user's).
fn resolve(raw: &str, base: &Path, home: Option<&Path>) -> String {
    let expanded = expand_home(raw, home);
    let p = Path::new(&expanded);
    if p.is_absolute() || expanded.is_empty() {
        expanded
    } else {
        base.join(p).display().to_string()
    }
}

fn expand_home(raw: &str, home: Option<&Path>) -> String {
    match (raw, home) {
        ("~", Some(h)) => h.display().to_string(),
        (r, Some(h)) if r.starts_with("~/") => h.join(&r[2..]).display().to_string(),
        _ => raw.to_string(),
    }
}

#[cfg(test)]
#[path = "config_file_tests.rs"]
mod tests;
