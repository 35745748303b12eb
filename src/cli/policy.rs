//! The tool policy from the flags: a preset, then every flag given overriding its value (an
//! explicit value equal to the preset's included), with where each value came from for
//! `--print-tool-policy` and `/policy`.

use std::path::{Path, PathBuf};

use super::args::{
    Args, BashProfileArg, EnvInheritArg, OnOff, PresetArg, SandboxModeArg, VerdictArg,
};
use super::setup::SetupError;
use crate::tools::policy::PolicySources;
use crate::tools::{BashProfile, EnvInherit, Preset, SandboxMode, ToolPolicy, Verdict};

impl From<PresetArg> for Preset {
    fn from(p: PresetArg) -> Self {
        match p {
            PresetArg::Permissive => Preset::Permissive,
            PresetArg::Balanced => Preset::Balanced,
            PresetArg::Strict => Preset::Strict,
            PresetArg::Hardened => Preset::Hardened,
        }
    }
}

impl From<VerdictArg> for Verdict {
    fn from(v: VerdictArg) -> Self {
        match v {
            VerdictArg::Allow => Verdict::Allow,
            VerdictArg::Ask => Verdict::Ask,
            VerdictArg::Deny => Verdict::Deny,
        }
    }
}

impl From<BashProfileArg> for BashProfile {
    fn from(p: BashProfileArg) -> Self {
        match p {
            BashProfileArg::Permissive => BashProfile::Permissive,
            BashProfileArg::Balanced => BashProfile::Balanced,
            BashProfileArg::Strict => BashProfile::Strict,
        }
    }
}

impl From<SandboxModeArg> for SandboxMode {
    fn from(m: SandboxModeArg) -> Self {
        match m {
            SandboxModeArg::Off => SandboxMode::Off,
            SandboxModeArg::Auto => SandboxMode::Auto,
            SandboxModeArg::Force => SandboxMode::Force,
        }
    }
}

/// The effective policy for `args`, rooted at `cwd`, with `home` for `~` and the default
/// caches and denied paths.
pub fn build_policy(
    args: &Args,
    cwd: &Path,
    home: Option<&Path>,
) -> Result<(ToolPolicy, PolicySources), SetupError> {
    let mut src = PolicySources::default();
    // `flag --x`, or the config file and line that gave the value.
    let from = |key: &str| args.origins.label(key);
    // The bridges run tools for other people: strict unless the user names a preset (a flag
    // or their own config file; a project file's preset does not loosen a bridge).
    let from_project = matches!(
        args.origins.get("tool-policy-preset"),
        Some(super::Origin::File {
            layer: super::config_file::Layer::Project,
            ..
        })
    );
    let named = args
        .tool_policy_preset
        .filter(|_| !(args.runs_for_others() && from_project));
    let preset: Preset = match named {
        Some(p) => p.into(),
        None if args.runs_for_others() => Preset::Strict,
        None => Preset::default(),
    };
    let preset_source = match named {
        Some(_) => from("tool-policy-preset"),
        None if args.runs_for_others() && from_project => {
            "default for bridges and events (the project file's preset does not apply)".to_string()
        }
        None if args.runs_for_others() => "default for bridges and events".to_string(),
        None => "default".to_string(),
    };
    src.set("preset", preset_source);
    let mut p = preset.policy(cwd, home);
    let resolve = |raw: &Path| -> PathBuf {
        let expanded = expand_home(raw, home);
        if expanded.is_absolute() {
            expanded
        } else {
            cwd.join(expanded)
        }
    };

    macro_rules! flag {
        ($field:expr, $value:expr, $key:literal, $flag:literal) => {
            if let Some(v) = $value {
                $field = v.into();
                src.set($key, from(&$flag[2..]));
            }
        };
    }
    flag!(
        p.max_file_read_bytes,
        args.max_file_read_bytes,
        "max_file_read_bytes",
        "--max-file-read-bytes"
    );
    flag!(
        p.max_file_write_bytes,
        args.max_file_write_bytes,
        "max_file_write_bytes",
        "--max-file-write-bytes"
    );
    flag!(
        p.max_tool_output_bytes,
        args.max_tool_output_bytes,
        "max_tool_output_bytes",
        "--max-tool-output-bytes"
    );
    flag!(
        p.bash_timeout_ms,
        args.bash_timeout_ms,
        "bash_timeout_ms",
        "--bash-timeout-ms"
    );
    flag!(
        p.bash.max_command_bytes,
        args.max_command_bytes,
        "max_command_bytes",
        "--max-command-bytes"
    );
    flag!(
        p.bash.newlines,
        args.command_newlines,
        "command_newlines",
        "--command-newlines"
    );
    flag!(
        p.bash.destructive,
        args.destructive_commands,
        "destructive_commands",
        "--destructive-commands"
    );
    flag!(
        p.bash.profile,
        args.bash_profile,
        "bash_profile",
        "--bash-profile"
    );
    flag!(
        p.sandbox.mode,
        args.os_sandbox_mode,
        "os_sandbox_mode",
        "--os-sandbox-mode"
    );
    if let Some(net) = args.sandbox_network {
        p.sandbox.network = net == OnOff::On;
        src.set("sandbox_network", from("sandbox-network"));
    }
    if let Some(inherit) = args.bash_env_inherit {
        p.env.inherit = match inherit {
            EnvInheritArg::Filtered => EnvInherit::Filtered,
            EnvInheritArg::All => EnvInherit::All,
        };
        src.set("bash_env_inherit", from("bash-env-inherit"));
    }
    flag!(
        p.enforce_regular_files,
        args.enforce_regular_files,
        "enforce_regular_files",
        "--enforce-regular-files"
    );

    let patterns = |list: &[String], flag: &str| -> Result<Vec<String>, SetupError> {
        list.iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(|s| {
                if s.split_whitespace()
                    .any(|w| w.contains('*') && !w.ends_with('*') || w.matches('*').count() > 1)
                {
                    Err(SetupError::Usage(format!(
                        "{flag} {s:?}: a `*` may only end the last word (e.g. `git st*`)"
                    )))
                } else {
                    Ok(s.split_whitespace().collect::<Vec<_>>().join(" "))
                }
            })
            .collect()
    };
    p.bash.allow = patterns(&args.allow_command, "--allow-command")?;
    if !p.bash.allow.is_empty() {
        src.set("allow_commands", from("allow-command"));
    }
    p.bash.deny = patterns(&args.deny_command, "--deny-command")?;
    if !p.bash.deny.is_empty() {
        src.set("deny_commands", from("deny-command"));
    }
    if let Some(t) = &args.os_sandbox_command {
        if !t.contains("{command}") {
            return Err(SetupError::Usage(format!(
                "--os-sandbox-command {t:?} has no {{command}}: the template must say where the command goes"
            )));
        }
        if shell_words::split(t).is_err() {
            return Err(SetupError::Usage(format!(
                "--os-sandbox-command {t:?} has an unclosed quote"
            )));
        }
        p.sandbox.launcher = Some(t.clone());
        src.set("os_sandbox_command", from("os-sandbox-command"));
    }
    if let Some(caches) = &args.sandbox_caches {
        p.sandbox.writable = caches
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty() && *c != "none")
            .map(|c| resolve(Path::new(c)))
            .collect();
        src.set("sandbox_caches", from("sandbox-caches"));
    }
    if !args.deny_read.is_empty() {
        p.sandbox
            .deny_read
            .extend(args.deny_read.iter().map(|d| resolve(d)));
        src.set("deny_read", format!("preset + {}", from("deny-read")));
    }
    p.env.allow = args
        .bash_env_allow
        .iter()
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .collect();
    if !p.env.allow.is_empty() {
        src.set("bash_env_allow", from("bash-env-allow"));
    }
    p.allowed_roots = args.allow_path.iter().map(|r| resolve(r)).collect();
    if !p.allowed_roots.is_empty() {
        src.set("allow_paths", from("allow-path"));
    }
    if args.bash_dry_run {
        p.dry_run = true;
        src.set("bash_dry_run", from("bash-dry-run"));
    }
    if args.tool_policy_trace {
        p.trace = true;
        src.set("tool_policy_trace", from("tool-policy-trace"));
    }
    Ok((p, src))
}

fn expand_home(raw: &Path, home: Option<&Path>) -> PathBuf {
    let s = raw.to_string_lossy();
    match (s.as_ref(), home) {
        ("~", Some(h)) => h.to_path_buf(),
        (s, Some(h)) if s.starts_with("~/") => h.join(&s[2..]),
        _ => raw.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::policy::policy_json;
    use clap::Parser;

    fn build(argv: &[&str]) -> Result<(ToolPolicy, PolicySources), SetupError> {
        let mut full = vec!["pi"];
        full.extend_from_slice(argv);
        let args = Args::try_parse_from(full).unwrap();
        build_policy(&args, Path::new("/w"), Some(Path::new("/home/u")))
    }

    #[test]
    fn flags_override_the_preset_and_say_so() {
        let (p, src) = build(&[
            "--tool-policy-preset",
            "strict",
            "--bash-timeout-ms",
            "120000",
        ])
        .unwrap();
        assert_eq!(p.preset, Preset::Strict);
        assert_eq!(p.bash.profile, BashProfile::Strict);
        let j = policy_json(&p, &src);
        assert_eq!(j["bash_timeout_ms"]["value"], 120_000);
        // An explicit value equal to the preset's still counts as the flag's.
        assert_eq!(j["bash_timeout_ms"]["source"], "flag --bash-timeout-ms");
        assert_eq!(j["bash_profile"]["source"], "preset strict");
        assert_eq!(j["sandbox_network"]["value"], "off");
        let (p, src) = build(&[
            "--sandbox-network",
            "on",
            "--sandbox-caches",
            "~/.cargo,none",
            "--allow-command",
            "git  status,py*",
        ])
        .unwrap();
        assert!(p.sandbox.network);
        assert_eq!(p.sandbox.writable, vec![PathBuf::from("/home/u/.cargo")]);
        assert_eq!(p.bash.allow, vec!["git status", "py*"]);
        let j = policy_json(&p, &src);
        assert_eq!(j["preset"]["source"], "default");
        assert_eq!(j["sandbox_caches"]["source"], "flag --sandbox-caches");
    }

    #[test]
    fn bad_values_are_refused() {
        // --max-command-bytes 0 is refused by clap (args.rs, `at_least`).
        assert!(Args::try_parse_from(["pi", "--max-command-bytes", "0"]).is_err());
        assert!(build(&["--allow-command", "g*t"]).is_err());
        assert!(build(&["--os-sandbox-command", "firejail bash"]).is_err());
        let (p, _) = build(&["--enforce-regular-files"]).unwrap();
        assert!(p.enforce_regular_files);
        let (p, _) = build(&[
            "--tool-policy-preset",
            "hardened",
            "--enforce-regular-files=false",
        ])
        .unwrap();
        assert!(!p.enforce_regular_files);
    }
}
