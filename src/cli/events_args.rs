//! The flags of the events runner (`--events-runner`).

use std::path::PathBuf;

use clap::{Args as ClapArgs, ValueEnum};

const EVENTS: &str = "Events";

/// Which cron slots missed while the runner was down run at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CatchUpArg {
    /// None of them.
    None,
    /// The newest one, once.
    Last,
    /// All of them, oldest first (at most 100).
    All,
}

#[derive(Debug, Clone, ClapArgs)]
pub struct EventsArgs {
    /// Run the events runner: the event files of --events-dir run when due, each in its
    /// channel's session; answers go to GitHub, Slack or the outbox.
    #[arg(long, conflicts_with_all = ["github_issues_bridge", "slack_bridge"], help_heading = EVENTS)]
    pub events_runner: bool,
    /// The folder of event files (`*.json`), watched and polled.
    #[arg(long, value_name = "DIR", help_heading = EVENTS)]
    pub events_dir: Option<PathBuf>,
    /// The runner's state file (what ran, failures, retries); its folder also holds the
    /// channels unless --channel-store-root names another.
    #[arg(long, value_name = "FILE", help_heading = EVENTS)]
    pub events_state_path: Option<PathBuf>,
    /// Milliseconds between scans of the events dir (a change seen by the watcher scans at
    /// once).
    #[arg(long, value_name = "MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(50..), help_heading = EVENTS)]
    pub events_poll_interval_ms: u64,
    /// Due runs waiting or running at once, at most; later ones wait (and the log says so).
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=10_000), help_heading = EVENTS)]
    pub events_queue_limit: u64,
    /// Which cron slots missed while the runner was down run at start.
    #[arg(long, value_name = "WHICH", value_enum, default_value_t = CatchUpArg::Last, help_heading = EVENTS)]
    pub events_catch_up: CatchUpArg,
    /// Where answers of `local/NAME` channels are appended (default: outbox.jsonl beside the
    /// state file).
    #[arg(long, value_name = "FILE", help_heading = EVENTS)]
    pub events_outbox: Option<PathBuf>,
}

impl super::args::Args {
    /// Whether pi runs tools for other people or unattended (a bridge, the events runner):
    /// the tool policy defaults to `strict` and every ask is denied.
    pub fn runs_for_others(&self) -> bool {
        self.bridge.any() || self.events.events_runner
    }
}
