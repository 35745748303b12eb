//! The binary's edge: flags, configuration, and the choice of mode.

mod args;
mod bridge;
mod bridge_args;
mod bridge_slack;
mod channel_store;
mod config_file;
mod config_report;
mod events;
mod events_args;
mod policy;
mod resume;
mod setup;
mod skills_actions;
mod skills_config;
mod webhook;
mod webhook_args;

pub use args::{Args, CommandFileErrorMode, ImportModeArg, OutputFormat, SkillsIndex, ThinkingArg};
pub use config_file::{Origin, Origins, project_config_path, user_config_path};
pub use policy::build_policy;
pub use setup::{Setup, SetupError, build_setup, default_model, session_path};
pub use skills_config::skills_config;

use std::process::ExitCode;

/// Exit statuses of `pi`.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FAILURE: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const CANCELLED: u8 = 130;
}

/// Parses the command line (with the config files' defaults), sets up logging and runs the
/// chosen mode.
pub fn run() -> ExitCode {
    let cwd = std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from("."));
    let user = user_config_path();
    let loaded = match config_file::load(std::env::args_os().collect(), &cwd, user.as_deref()) {
        Ok(l) => l,
        Err(config_file::LoadError::Clap(e)) if !e.use_stderr() => {
            // --help and --version print as clap renders them.
            let _ = e.print();
            return ExitCode::from(exit::OK);
        }
        Err(config_file::LoadError::Clap(e)) => {
            report(&one_line_usage_error(&e.to_string()));
            return ExitCode::from(exit::USAGE);
        }
        Err(config_file::LoadError::Config(message)) => {
            report(&message);
            return ExitCode::from(exit::USAGE);
        }
    };
    if loaded.args.print_config {
        print_lines(&config_report::render(&loaded));
        return ExitCode::from(exit::OK);
    }
    let args = loaded.args;
    crate::ai::install_crypto_provider();
    if let Err(e) = init_logging(&args) {
        report(&e);
        return ExitCode::from(exit::USAGE);
    }
    // One worker thread besides the main one: a session append that waits for another
    // process's lock runs under `block_in_place` (session::agent_log), which needs the
    // multi-thread runtime, so Ctrl+C and the UI keep running meanwhile.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            report(&format!("cannot start the async runtime: {e}"));
            return ExitCode::from(exit::FAILURE);
        }
    };
    let code = runtime.block_on(dispatch(args));
    // Do not wait for stray blocking work (a tool's walker) once the answer is out.
    runtime.shutdown_background();
    ExitCode::from(code)
}

/// Picks the mode from the flags and runs it; returns the exit status.
async fn dispatch(args: Args) -> u8 {
    use std::io::IsTerminal;
    let cwd = std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from("."));
    let args = match resume::apply_continue(args, &cwd) {
        Ok(a) => a,
        Err(e) => {
            report(&e);
            return exit::USAGE;
        }
    };
    if args.session_validate {
        return session_validate(&args);
    }
    if args.print_tool_policy {
        return print_tool_policy(&args);
    }
    if let Some(code) = skills_actions::run(&args).await {
        return code;
    }
    if let Some(code) = channel_store::run(&args) {
        return code;
    }
    if let Some(code) = bridge::run(&args).await {
        return code;
    }
    if let Some(code) = events::run(&args).await {
        return code;
    }
    if let Some(code) = webhook::listen(&args).await {
        return code;
    }
    if let Some(code) = webhook::run(&args) {
        return code;
    }
    if let Some(file) = &args.command_file {
        return command_file(&args, file).await;
    }
    let prompt = match setup::read_prompt(&args) {
        Ok(p) => p,
        Err(e) => {
            report(&e.to_string());
            return e.exit_code();
        }
    };
    let Some(prompt) = prompt else {
        if std::io::stdin().is_terminal() {
            let setup = build_setup(&args, false).await;
            let policy_sources = setup
                .as_ref()
                .map(|s| s.policy_sources.clone())
                .unwrap_or_default();
            let setup = setup.map(|s| (s.agent, s.session, s.warnings));
            let options = crate::modes::InteractiveOptions {
                theme: args.theme.clone(),
                keymap: args.keymap.clone(),
                skills_config: skills_config(&args, &cwd),
                skills: args.skill.clone(),
                no_mouse: args.no_mouse,
                import_mode: match args.session_import_mode {
                    ImportModeArg::Merge => crate::session::ImportMode::Merge,
                    ImportModeArg::Replace => crate::session::ImportMode::Replace,
                },
                policy_sources,
                resume_picker: args.resume,
                events: events::access(&args),
            };
            return crate::modes::run_interactive(setup.map_err(|e| e.to_string()), options).await;
        } else {
            report("no prompt: pass --prompt TEXT, --prompt-file F, or pipe a prompt on stdin");
        }
        return exit::USAGE;
    };
    let setup = match with_skills(&args, true).await {
        Ok(s) => s,
        Err(e) => {
            report(&e.to_string());
            return e.exit_code();
        }
    };
    let options = crate::modes::OneshotOptions {
        json: args.output_format == OutputFormat::Json,
        stream_output: args.stream_output,
        stream_delay_ms: args.stream_delay_ms,
        approve_all: args.approve_all,
    };
    crate::modes::run_oneshot(setup.agent, setup.session, setup.warnings, prompt, options).await
}

/// [`build_setup`] for a run without the skill browser: the `--skill` skills (checked first)
/// and the index of the others end the system prompt.
async fn with_skills(args: &Args, require_key: bool) -> Result<Setup, SetupError> {
    let cwd = std::env::current_dir()
        .map_err(|e| SetupError::Failure(format!("cannot read the working directory: {e}")))?;
    let (skills, warnings) = setup::resolve_skills(args, &cwd)?;
    let mut setup = build_setup(args, require_key).await?;
    setup.agent.system_prompt.push_str(&skills.section());
    setup.warnings.extend(warnings);
    Ok(setup)
}

/// `--session-validate`: the session file the flags name, validated.
fn session_validate(args: &Args) -> u8 {
    let cwd = match std::env::current_dir() {
        Ok(c) => c,
        Err(e) => {
            report(&format!("cannot read the working directory: {e}"));
            return exit::FAILURE;
        }
    };
    match setup::session_path(args, &cwd) {
        Some(path) => crate::modes::run_session_validate(&path),
        None => {
            report("--session-validate needs a session file: pass --session FILE");
            exit::USAGE
        }
    }
}

/// `--print-tool-policy`: the effective policy as JSON on stdout.
fn print_tool_policy(args: &Args) -> u8 {
    let cwd = match std::env::current_dir() {
        Ok(c) => c,
        Err(e) => {
            report(&format!("cannot read the working directory: {e}"));
            return exit::FAILURE;
        }
    };
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    match build_policy(args, &cwd, home.as_deref()) {
        Ok((policy, sources)) => {
            let json = crate::tools::policy::policy_json(&policy, &sources);
            print_lines(
                &[serde_json::to_string_pretty(&json).unwrap_or_else(|_| json.to_string())],
            );
            exit::OK
        }
        Err(e) => {
            report(&e.to_string());
            e.exit_code()
        }
    }
}

/// `--command-file F` (`-` reads standard input).
async fn command_file(args: &Args, file: &std::path::Path) -> u8 {
    use std::io::Read;
    let (label, text) = if file.as_os_str() == "-" {
        let mut text = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut text) {
            report(&format!("cannot read the command file from stdin: {e}"));
            return exit::USAGE;
        }
        ("<stdin>".to_string(), text)
    } else {
        match std::fs::read_to_string(file) {
            Ok(t) => (file.display().to_string(), t),
            Err(e) => {
                report(&format!("cannot read command file {}: {e}", file.display()));
                return exit::USAGE;
            }
        }
    };
    let setup = match with_skills(args, false).await {
        Ok(s) => s,
        Err(e) => {
            report(&e.to_string());
            return e.exit_code();
        }
    };
    let cwd = setup.agent.policy.cwd.clone();
    let skills = skills_config(args, &cwd);
    let options = crate::modes::CommandFileOptions {
        label,
        text,
        continue_on_error: args.command_file_error_mode == CommandFileErrorMode::ContinueOnError,
        import_mode: match args.session_import_mode {
            ImportModeArg::Merge => crate::session::ImportMode::Merge,
            ImportModeArg::Replace => crate::session::ImportMode::Replace,
        },
        cwd,
        approve_all: args.approve_all,
        policy_sources: setup.policy_sources.clone(),
        skills,
        events: events::access(args),
    };
    crate::modes::run_command_file(setup.agent, setup.session, setup.warnings, options).await
}

/// clap's several-line usage error as one line: the message, the allowed values or a tip if
/// clap gave them, and where to look.
fn one_line_usage_error(rendered: &str) -> String {
    let mut lines = rendered.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("invalid arguments");
    let mut parts = vec![first.strip_prefix("error: ").unwrap_or(first).to_string()];
    for line in lines {
        if let Some(values) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            parts.push(values.to_string());
        } else if let Some(tip) = line.strip_prefix("tip: ") {
            parts.push(tip.to_string());
        }
    }
    format!("{}; see pi --help", parts.join("; "))
}

/// Prints a report on stdout; a closed pipe (`pi --print-config | head`) just ends it.
fn print_lines(lines: &[String]) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    for l in lines {
        if writeln!(out, "{l}").is_err() {
            return;
        }
    }
}

/// Prints a one-line error for the user on stderr.
#[allow(clippy::print_stderr)]
pub fn report(message: &str) {
    eprintln!("pi: {message}");
}

/// Logs go to a file, never the terminal: `--log-file`, else `pi.log` in the cache directory.
/// A log file the user named that cannot be opened (a directory, no permission) is an error;
/// the default one failing only means no log.
fn init_logging(args: &Args) -> Result<(), String> {
    use etcetera::BaseStrategy;
    let file = match &args.log_file {
        Some(path) => crate::private_fs::open_append(path).map_err(|e| {
            format!(
                "cannot open the log file {}: {e}; pass a writable file to --log-file (or PI_LOG_FILE)",
                path.display()
            )
        })?,
        None => {
            let Ok(strategy) = etcetera::choose_base_strategy() else {
                return Ok(());
            };
            let path = strategy.cache_dir().join("pi").join("pi.log");
            match crate::private_fs::open_append(&path) {
                Ok(f) => f,
                Err(_) => return Ok(()),
            }
        }
    };
    // Synchronous writes: logs are rare, and a background writer's channel costs ~4 MiB of
    // memory in a process whose whole budget is 16 MiB.
    let writer = std::sync::Mutex::new(file);
    let level = match std::env::var("PI_LOG").ok().as_deref() {
        Some("trace") => tracing::Level::TRACE,
        Some("debug") => tracing::Level::DEBUG,
        Some("info") => tracing::Level::INFO,
        Some("error") => tracing::Level::ERROR,
        _ => tracing::Level::WARN,
    };
    // Fails only when a subscriber is already set (tests): that one keeps logging.
    let _ = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_max_level(level)
        .try_init();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn clap_errors_become_one_line() {
        let err = Args::try_parse_from(["pi", "--thinking", "loud"]).unwrap_err();
        let line = one_line_usage_error(&err.to_string());
        assert!(!line.contains('\n'), "{line}");
        assert!(
            line.starts_with("invalid value 'loud' for '--thinking"),
            "{line}"
        );
        assert!(line.contains("possible values: off"), "{line}");
        assert!(line.ends_with("; see pi --help"), "{line}");
        let err = Args::try_parse_from(["pi", "--modle", "x"]).unwrap_err();
        let line = one_line_usage_error(&err.to_string());
        assert!(
            line.contains("'--modle'") && line.contains("--model"),
            "{line}"
        );
    }

    #[test]
    fn lock_defaults_match_the_library() {
        let args = Args::try_parse_from(["pi"]).unwrap();
        let lock = crate::session::LockOptions::default();
        assert_eq!(args.session_lock_wait_ms, lock.wait_ms);
        assert_eq!(args.session_lock_stale_ms, lock.stale_ms);
        assert_eq!(
            lock.wait_ms, 5_000,
            "docs/session-format.md and README.md say 5000"
        );
    }
}
