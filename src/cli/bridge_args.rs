//! The flags of the bridges (`--github-issues-bridge`, `--slack-bridge`) and what they share.

use std::path::PathBuf;

use clap::{Args as ClapArgs, ValueEnum};

const BRIDGES: &str = "Bridges";

/// Which GitHub comments start runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RespondToArg {
    /// Comments that mention the bot's login.
    Mentions,
    /// Every new comment by someone who may start runs.
    All,
}

/// Where a long Slack answer's whole text goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ThreadDetailArg {
    /// In the thread under the summary that replaces the "working…" message.
    Thread,
    /// Nowhere in Slack: the summary says the whole text is in the conversation's session.
    Off,
}

#[derive(Debug, Clone, ClapArgs)]
pub struct BridgeArgs {
    /// Run the GitHub Issues bridge: issues and @mentions in --github-repo start runs; token in
    /// GITHUB_TOKEN or --github-token-file.
    #[arg(long, conflicts_with = "slack_bridge", help_heading = BRIDGES)]
    pub github_issues_bridge: bool,
    /// The repository the GitHub bridge serves.
    #[arg(long, value_name = "OWNER/REPO", help_heading = BRIDGES)]
    pub github_repo: Option<String>,
    /// The login the bridge posts as (its own comments are never prompts).
    #[arg(long, value_name = "LOGIN", help_heading = BRIDGES)]
    pub github_bot_login: Option<String>,
    /// The GitHub bridge's state: poll position and one folder per issue.
    #[arg(long, value_name = "DIR", help_heading = BRIDGES)]
    pub github_state_dir: Option<PathBuf>,
    /// Seconds between polls.
    #[arg(long, value_name = "N", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..), help_heading = BRIDGES)]
    pub github_poll_interval_seconds: u64,
    /// Read the GitHub token from this file instead of GITHUB_TOKEN.
    #[arg(long, value_name = "FILE", help_heading = BRIDGES)]
    pub github_token_file: Option<PathBuf>,
    /// Which comments start runs.
    #[arg(long, value_name = "WHICH", value_enum, default_value_t = RespondToArg::Mentions, help_heading = BRIDGES)]
    pub github_respond_to: RespondToArg,
    /// A login that may start runs besides the repository's owners, members and
    /// collaborators (repeatable).
    #[arg(long, value_name = "LOGIN", help_heading = BRIDGES)]
    pub github_allow_user: Vec<String>,
    /// The GitHub REST API base.
    #[arg(long, value_name = "URL", default_value = "https://api.github.com", help_heading = BRIDGES)]
    pub github_api_base: String,

    /// Run the Slack bridge (Socket Mode): mentions and direct messages start runs; tokens in
    /// PI_SLACK_APP_TOKEN and PI_SLACK_BOT_TOKEN or the token files.
    #[arg(long, help_heading = BRIDGES)]
    pub slack_bridge: bool,
    /// The Slack bridge's state: one folder per channel or thread.
    #[arg(long, value_name = "DIR", help_heading = BRIDGES)]
    pub slack_state_dir: Option<PathBuf>,
    /// Read the app-level token (xapp-..., connections:write) from this file.
    #[arg(long, value_name = "FILE", help_heading = BRIDGES)]
    pub slack_app_token_file: Option<PathBuf>,
    /// Read the bot token (xoxb-...) from this file.
    #[arg(long, value_name = "FILE", help_heading = BRIDGES)]
    pub slack_bot_token_file: Option<PathBuf>,
    /// The Slack Web API base.
    #[arg(long, value_name = "URL", default_value = "https://slack.com/api", help_heading = BRIDGES)]
    pub slack_api_base: String,
    /// Events older than this are skipped (a backlog after an outage is not replayed).
    #[arg(long, value_name = "N", default_value_t = 300, help_heading = BRIDGES)]
    pub slack_max_event_age_seconds: u64,
    /// Answers longer than this post a summary and put the whole answer in the thread.
    #[arg(long, value_name = "N", default_value_t = 3000, help_heading = BRIDGES)]
    pub slack_thread_detail_threshold_chars: usize,
    /// Where a long answer's detail goes.
    #[arg(long, value_name = "WHERE", value_enum, default_value_t = ThreadDetailArg::Thread, help_heading = BRIDGES)]
    pub slack_thread_detail_output: ThreadDetailArg,
    /// Largest attached file downloaded, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 10 * 1024 * 1024, help_heading = BRIDGES)]
    pub slack_max_file_bytes: u64,
    /// Only this user may start runs (repeatable; default: anyone in the workspace).
    #[arg(long, value_name = "ID", help_heading = BRIDGES)]
    pub slack_allow_user: Vec<String>,
    /// Only messages in this channel start runs (repeatable; default: any channel).
    #[arg(long, value_name = "ID", help_heading = BRIDGES)]
    pub slack_allow_channel: Vec<String>,

    /// Runs at once over all conversations of a bridge.
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=64), help_heading = BRIDGES)]
    pub bridge_max_concurrent_runs: u64,
    /// After SIGINT/SIGTERM, seconds running turns may go on before they are cancelled.
    #[arg(long, value_name = "N", default_value_t = 30, help_heading = BRIDGES)]
    pub bridge_shutdown_grace_seconds: u64,
    /// Seconds between updates of a run's "working…" reply.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..), help_heading = BRIDGES)]
    pub bridge_progress_interval_seconds: u64,
}

impl BridgeArgs {
    /// Whether a bridge runs (its tools default to the strict preset).
    pub fn any(&self) -> bool {
        self.github_issues_bridge || self.slack_bridge
    }
}
