//! The binary's edge: flags, configuration, and the choice of mode.

mod args;
mod setup;

pub use args::{Args, OutputFormat, ThinkingArg};
pub use setup::{Setup, SetupError, build_setup, default_model};

use std::process::ExitCode;

use clap::Parser;

/// Exit statuses of `pi`.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FAILURE: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const CANCELLED: u8 = 130;
}

/// Parses the command line, sets up logging and runs the chosen mode.
pub fn run() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    crate::ai::install_crypto_provider();
    let _log_guard = init_logging(&args);
    let runtime = match tokio::runtime::Builder::new_current_thread()
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
    let prompt = match setup::read_prompt(&args) {
        Ok(p) => p,
        Err(e) => {
            report(&e.to_string());
            return e.exit_code();
        }
    };
    let Some(prompt) = prompt else {
        if std::io::stdin().is_terminal() {
            report(
                "interactive mode is not available yet: pass --prompt TEXT, --prompt-file F, or pipe a prompt on stdin",
            );
        } else {
            report("no prompt: pass --prompt TEXT, --prompt-file F, or pipe a prompt on stdin");
        }
        return exit::USAGE;
    };
    let setup = match build_setup(&args).await {
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
    };
    crate::modes::run_oneshot(setup.agent, setup.session, setup.warnings, prompt, options).await
}

/// Prints a one-line error for the user on stderr.
#[allow(clippy::print_stderr)]
pub fn report(message: &str) {
    eprintln!("pi: {message}");
}

/// Logs go to a file, never the terminal: `--log-file`, else `pi.log` in the cache directory.
fn init_logging(args: &Args) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    use etcetera::BaseStrategy;
    let path = match &args.log_file {
        Some(p) => p.clone(),
        None => etcetera::choose_base_strategy()
            .ok()?
            .cache_dir()
            .join("pi")
            .join("pi.log"),
    };
    let dir = path.parent()?;
    std::fs::create_dir_all(dir).ok()?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let level = match std::env::var("PI_LOG").ok().as_deref() {
        Some("trace") => tracing::Level::TRACE,
        Some("debug") => tracing::Level::DEBUG,
        Some("info") => tracing::Level::INFO,
        Some("error") => tracing::Level::ERROR,
        _ => tracing::Level::WARN,
    };
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_max_level(level)
        .try_init()
        .ok()?;
    Some(guard)
}
