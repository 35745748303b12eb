//! The effective policy as JSON, each value with where it came from (`--print-tool-policy`,
//! `/policy`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Value, json};

use crate::tools::ToolPolicy;

/// Where each policy value came from, by its name in the JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicySources(BTreeMap<&'static str, String>);

impl PolicySources {
    pub fn set(&mut self, key: &'static str, source: impl Into<String>) {
        self.0.insert(key, source.into());
    }

    fn get(&self, key: &str) -> &str {
        self.0.get(key).map_or("preset", String::as_str)
    }
}

/// The effective policy as JSON: each value with its source (`preset` means the preset's
/// value was kept).
pub fn policy_json(p: &ToolPolicy, sources: &PolicySources) -> Value {
    let paths = |v: &[PathBuf]| -> Value {
        v.iter()
            .map(|p| Value::String(p.display().to_string()))
            .collect()
    };
    let entries: Vec<(&'static str, Value)> = vec![
        ("preset", json!(p.preset.name())),
        ("max_file_read_bytes", json!(p.max_file_read_bytes)),
        ("max_file_write_bytes", json!(p.max_file_write_bytes)),
        ("max_tool_output_bytes", json!(p.max_tool_output_bytes)),
        ("bash_timeout_ms", json!(p.bash_timeout_ms)),
        ("max_command_bytes", json!(p.bash.max_command_bytes)),
        ("command_newlines", json!(p.bash.newlines.name())),
        ("destructive_commands", json!(p.bash.destructive.name())),
        ("bash_profile", json!(p.bash.profile.name())),
        ("allow_commands", json!(p.bash.allow)),
        ("deny_commands", json!(p.bash.deny)),
        ("os_sandbox_mode", json!(p.sandbox.mode.name())),
        (
            "sandbox_network",
            json!(if p.sandbox.network { "on" } else { "off" }),
        ),
        ("os_sandbox_command", json!(p.sandbox.launcher)),
        ("sandbox_caches", paths(&p.sandbox.writable)),
        ("deny_read", paths(&p.sandbox.deny_read)),
        ("bash_env_inherit", json!(p.env.inherit.name())),
        ("bash_env_allow", json!(p.env.allow)),
        ("enforce_regular_files", json!(p.enforce_regular_files)),
        ("allow_paths", paths(&p.allowed_roots)),
        ("bash_dry_run", json!(p.dry_run)),
        ("tool_policy_trace", json!(p.trace)),
    ];
    let mut out = serde_json::Map::new();
    out.insert("cwd".to_string(), json!(p.cwd.display().to_string()));
    for (key, value) in entries {
        let source = match (key, sources.get(key)) {
            (_, "preset") => format!("preset {}", p.preset.name()),
            (_, s) => s.to_string(),
        };
        out.insert(key.to_string(), json!({ "value": value, "source": source }));
    }
    Value::Object(out)
}
