//! `pi --print-config`: every setting a config file may hold, its effective value and where it
//! came from, as lines that can be pasted into a config file.

use clap::CommandFactory;

use super::args::Args;
use super::config_file::{KEYS, Kind, Layer, Loaded, Origin, kind};

/// Values longer than this are not used to align the source column.
const ALIGN_MAX: usize = 44;

/// The report, one line each: the files read, then `key = value  # source`.
pub fn render(loaded: &Loaded) -> Vec<String> {
    let mut lines: Vec<String> = loaded
        .files
        .iter()
        .map(|(layer, path, found)| {
            let layer = match layer {
                Layer::User => "user config",
                Layer::Project => "project config",
            };
            let state = if *found { "" } else { " (not found)" };
            format!("# {layer}: {}{state}", path.display())
        })
        .collect();
    if !loaded.files.iter().any(|(l, _, _)| *l == Layer::User) {
        lines.push("# user config: no config directory (set XDG_CONFIG_HOME or HOME)".into());
    }
    let cmd = Args::command();
    let rows: Vec<(String, String)> = KEYS
        .iter()
        .filter_map(|(key, _)| {
            let arg = cmd.get_arguments().find(|a| a.get_long() == Some(key))?;
            let origin = loaded.args.origins.get(key).unwrap_or(&Origin::Default);
            let value = value_of(loaded, arg, key);
            Some(match value {
                Some(v) => (format!("{key} = {v}"), origin.label(key)),
                None => (format!("# {key}"), unset_note(key)),
            })
        })
        .collect();
    let width = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .filter(|n| *n <= ALIGN_MAX)
        .max()
        .unwrap_or(0);
    lines.extend(
        rows.into_iter()
            .map(|(left, source)| format!("{left:<width$}  # {source}")),
    );
    lines
}

/// What an unset key means.
fn unset_note(key: &str) -> String {
    match key {
        "model" => format!(
            "not set: the session's model, else {} (from the API keys set)",
            super::setup::default_model()
        ),
        "thinking" => "not set: the session's level, else off".to_string(),
        "openai-api" => "not set: the catalog's API for each model".to_string(),
        "max-output-tokens" | "context-window" => "not set: the catalog's value".to_string(),
        "theme" | "keymap" => "not set: the built-in default".to_string(),
        "log-file" => "not set: pi.log in the user's cache directory".to_string(),
        _ => "not set".to_string(),
    }
}

/// `arg`'s effective value as TOML, `None` when unset.
fn value_of(loaded: &Loaded, arg: &clap::Arg, key: &str) -> Option<String> {
    let id = arg.get_id().as_str();
    let m = &loaded.matches;
    if kind(arg) == Kind::Switch {
        return Some(m.get_flag(id).to_string());
    }
    let raw: Vec<String> = m
        .get_raw(id)?
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    let quote = |s: &str| {
        // A key may ride in the API base's query: never print it.
        let s = if key == "api-base" {
            crate::ai::redact_url(s)
        } else {
            s.to_string()
        };
        toml::Value::String(s).to_string()
    };
    Some(match kind(arg) {
        Kind::List => {
            let items: Vec<String> = raw.iter().map(|v| quote(v)).collect();
            format!("[{}]", items.join(", "))
        }
        Kind::Bool | Kind::Integer | Kind::Switch => raw.join(","),
        Kind::Text | Kind::Path => quote(raw.first()?),
    })
}
