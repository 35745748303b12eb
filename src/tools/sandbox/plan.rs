//! How one bash call starts under `--os-sandbox-mode`: bash itself (`off`, or `auto` where
//! bwrap does not work), bash in bubblewrap, or bash through the user's launcher template.

use std::ffi::OsString;
use std::path::Path;

use serde_json::{Value, json};

use super::diagnose::{LikelyCause, likely_cause};
use super::{SandboxSpec, SandboxUnavailable, bwrap_args, launcher_argv, probe_bwrap};
use crate::tools::error::ToolError;
use crate::tools::{SandboxMode, ToolPolicy};

/// The program and arguments of one bash call, and what to say about its sandbox.
#[derive(Debug)]
pub(crate) struct Launch {
    pub program: OsString,
    pub args: Vec<OsString>,
    pub report: SandboxReport,
}

/// Whether and how a call was sandboxed; goes into the result's details.
#[derive(Debug, Clone)]
pub(crate) struct SandboxReport {
    pub mode: SandboxMode,
    pub sandboxed: bool,
    /// Why not, when not.
    pub why: Option<String>,
    /// The bubblewrap sandbox used, for the diagnosis (none for a launcher: its rules are
    /// not ours to read).
    pub spec: Option<SandboxSpec>,
}

impl SandboxReport {
    /// The likely sandbox cause of a failed run.
    pub fn diagnose(&self, output: &str, exit_code: Option<i32>) -> Option<LikelyCause> {
        likely_cause(self.spec.as_ref()?, output, exit_code)
    }

    pub fn details(&self, cause: Option<&LikelyCause>) -> Value {
        json!({
            "sandboxed": self.sandboxed,
            "mode": self.mode.name(),
            "why": self.why,
            "likelyCause": cause.map(|c| c.cause.as_str()),
        })
    }
}

/// How `command` runs under `policy`, with the cached bwrap probe.
pub(crate) fn plan(policy: &ToolPolicy, command: &str) -> Result<Launch, ToolError> {
    plan_with(policy, command, || probe_bwrap().map_err(Clone::clone))
}

fn plan_with<P: AsRef<Path>>(
    policy: &ToolPolicy,
    command: &str,
    probe: impl FnOnce() -> Result<P, SandboxUnavailable>,
) -> Result<Launch, ToolError> {
    let mode = policy.sandbox.mode;
    let direct = |why: String| Launch {
        program: "bash".into(),
        args: vec!["-c".into(), command.into()],
        report: SandboxReport {
            mode,
            sandboxed: false,
            why: Some(why),
            spec: None,
        },
    };
    if mode == SandboxMode::Off {
        return Ok(direct(
            "the OS sandbox is off (--os-sandbox-mode off)".into(),
        ));
    }
    if let Some(template) = &policy.sandbox.launcher {
        let mut argv = launcher_argv(template, "bash", command, &policy.cwd)
            .map_err(|e| ToolError::Invalid(format!("bash cannot run: {e}.")))?
            .into_iter()
            .map(OsString::from);
        let program = argv.next().ok_or_else(|| {
            ToolError::Invalid(
                "bash cannot run: the --os-sandbox-command template is empty.".into(),
            )
        })?;
        return Ok(Launch {
            program,
            args: argv.collect(),
            report: SandboxReport {
                mode,
                sandboxed: true,
                why: None,
                spec: None,
            },
        });
    }
    match probe() {
        Ok(bwrap) => {
            let spec = SandboxSpec::from_policy(policy);
            Ok(Launch {
                program: bwrap.as_ref().as_os_str().to_owned(),
                args: bwrap_args(&spec, command),
                report: SandboxReport {
                    mode,
                    sandboxed: true,
                    why: None,
                    spec: Some(spec),
                },
            })
        }
        Err(e) if mode == SandboxMode::Auto => Ok(direct(format!("{e}, so bash runs unsandboxed"))),
        Err(e) => Err(ToolError::Invalid(format!(
            "bash refused to run: --os-sandbox-mode force needs the OS sandbox, and {e}. Ask the user to install bubblewrap (e.g. `apt-get install bubblewrap`) or to start pi with --os-sandbox-mode auto or off."
        ))),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::tools::Preset;

    fn policy(mode: SandboxMode) -> ToolPolicy {
        let mut p = Preset::Balanced.policy("/", None);
        p.sandbox.mode = mode;
        p
    }

    fn works() -> Result<PathBuf, SandboxUnavailable> {
        Ok(PathBuf::from("/usr/bin/bwrap"))
    }

    fn missing() -> Result<PathBuf, SandboxUnavailable> {
        Err(SandboxUnavailable::NotInstalled("bwrap".into()))
    }

    #[test]
    fn off_runs_bash_directly_whatever_the_probe() {
        let l = plan_with(&policy(SandboxMode::Off), "ls", works).unwrap();
        assert_eq!(l.program, "bash");
        assert_eq!(l.args, ["-c", "ls"]);
        assert!(!l.report.sandboxed);
        assert!(l.report.why.unwrap().contains("off"));
    }

    #[test]
    fn auto_uses_bwrap_when_it_works_and_says_why_not_when_not() {
        let l = plan_with(&policy(SandboxMode::Auto), "ls", works).unwrap();
        assert_eq!(l.program, "/usr/bin/bwrap");
        assert_eq!(l.args.last().unwrap(), "ls");
        assert!(l.report.sandboxed && l.report.spec.is_some());
        let l = plan_with(&policy(SandboxMode::Auto), "ls", missing).unwrap();
        assert_eq!(l.program, "bash");
        let why = l.report.why.unwrap();
        assert!(
            why.contains("not installed") && why.contains("unsandboxed"),
            "{why}"
        );
    }

    #[test]
    fn force_refuses_without_bwrap_and_names_the_fix() {
        let e = plan_with(&policy(SandboxMode::Force), "ls", missing).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("install bubblewrap"), "{msg}");
        assert!(msg.contains("--os-sandbox-mode auto or off"), "{msg}");
        assert!(plan_with(&policy(SandboxMode::Force), "ls", works).is_ok());
    }

    #[test]
    fn a_launcher_replaces_bwrap() {
        let mut p = policy(SandboxMode::Force);
        p.sandbox.launcher = Some("sb --cwd {cwd} {shell} -c {command}".into());
        let l = plan_with(&p, "echo $HOME", missing).unwrap();
        assert_eq!(l.program, "sb");
        assert_eq!(l.args, ["--cwd", "/", "bash", "-c", "echo $HOME"]);
        assert!(l.report.sandboxed && l.report.spec.is_none());
        p.sandbox.launcher = Some("sb '{command}".into());
        assert!(plan_with(&p, "x", works).is_err());
    }
}
