//! The tools a model can call: `read`, `write`, `edit`, `bash`, `grep`, `find`, `ls`.
//!
//! Parameter names are the pi coding agent's, so prompts and skills written for it work
//! unchanged. Every failure comes back as a [`ToolOutput`] with `is_error` set and a message
//! that tells the model how to fix its call; [`run_tool`] never panics and never returns `Err`.

mod args;
pub mod audit;
mod bash;
mod bash_env;
mod bash_output;
mod edit;
mod edit_match;
mod error;
mod find;
mod grep;
mod ls;
mod paths;
pub mod policy;
mod read;
mod regular;
mod replace_file;
pub mod sandbox;
pub mod secrets;
mod spill;
mod truncate;
mod walk;
mod write;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::ai::types::{ContentBlock, ToolSpec, blocks_text};
use error::ToolError;
pub use policy::{
    BashProfile, BashRules, Decision, EnvInherit, EnvSettings, Preset, SandboxMode,
    SandboxSettings, ToolCall, Verdict, decide,
};
pub use sandbox::sandbox_likely_cause;
pub use spill::{SPILL_FILE_CAP, SPILL_FOLDER_CAP, SpillFolder};

/// Limits, rules and the directories the tools may touch. Built from a [`Preset`]
/// (`Preset::policy`) with flags overriding single values; [`decide`] reads it before every
/// call, the tools while they run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolPolicy {
    /// Relative paths resolve against it; bash runs in it.
    pub cwd: PathBuf,
    /// Directories besides `cwd` the file tools may touch (`--allow-path`); writable in the
    /// sandbox.
    pub allowed_roots: Vec<PathBuf>,
    /// Directories read, grep, find and ls may also open, never write: the spill folder of
    /// long bash outputs. Visible read-only inside the sandbox.
    pub read_only_roots: Vec<PathBuf>,
    /// Most bytes of text one `read` call returns (`--max-file-read-bytes`).
    pub max_file_read_bytes: u64,
    /// Largest file `write` or `edit` will produce (`--max-file-write-bytes`).
    pub max_file_write_bytes: u64,
    /// Most bytes of output bash, grep, find and ls return (`--max-tool-output-bytes`).
    pub max_tool_output_bytes: usize,
    /// Bash timeout when the call gives none, and the most a call may ask for
    /// (`--bash-timeout-ms`; 0 = no timeout at all).
    pub bash_timeout_ms: u64,
    /// The preset the rest started from.
    pub preset: Preset,
    pub bash: BashRules,
    pub sandbox: SandboxSettings,
    pub env: EnvSettings,
    /// read, write and edit refuse devices, FIFOs and sockets (`--enforce-regular-files`).
    pub enforce_regular_files: bool,
    /// Decide bash calls without running them (`--bash-dry-run`).
    pub dry_run: bool,
    /// Attach the decision and its reason to every tool result (`--tool-policy-trace`).
    pub trace: bool,
}

impl ToolPolicy {
    pub const DEFAULT_MAX_FILE_READ_BYTES: u64 = 50 * 1024;
    pub const DEFAULT_MAX_FILE_WRITE_BYTES: u64 = 10 * 1024 * 1024;
    pub const DEFAULT_MAX_TOOL_OUTPUT_BYTES: usize = 50 * 1024;
    pub const DEFAULT_BASH_TIMEOUT_MS: u64 = 120_000;

    /// The `balanced` preset rooted at `cwd`, with the caches and denied paths under `$HOME`.
    pub fn new(cwd: impl Into<PathBuf>) -> Self {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        Preset::Balanced.policy(cwd, home.as_deref())
    }
}

/// Receives live output chunks (bash stdout and stderr, merged) while a tool runs.
pub type OutputSink = Arc<dyn Fn(&str) + Send + Sync>;

/// What one tool call runs with.
#[derive(Clone)]
pub struct ToolContext {
    pub policy: Arc<ToolPolicy>,
    /// Fires when the turn is cancelled; every tool then returns promptly.
    pub cancel: CancellationToken,
    pub on_output: Option<OutputSink>,
    /// Where bash keeps outputs over the limit; its path should be among the policy's
    /// `read_only_roots` so the read tool can open them. Shared by every call of a run and
    /// removed when the last holder drops it.
    pub spill: Arc<SpillFolder>,
}

impl ToolContext {
    /// A context with a spill folder of its own, readable through the policy.
    pub fn new(policy: Arc<ToolPolicy>) -> Self {
        let spill = Arc::new(SpillFolder::new());
        let mut policy = policy;
        Arc::make_mut(&mut policy)
            .read_only_roots
            .push(spill.path().to_path_buf());
        ToolContext {
            policy,
            cancel: CancellationToken::new(),
            on_output: None,
            spill,
        }
    }
}

impl fmt::Debug for ToolContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ToolContext")
            .field("policy", &self.policy)
            .field("cancelled", &self.cancel.is_cancelled())
            .field("on_output", &self.on_output.is_some())
            .field("spill", &self.spill.path())
            .finish()
    }
}

/// The result of one tool call, as it goes back to the model.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutput {
    pub content: Vec<ContentBlock>,
    pub is_error: bool,
    /// Display-only data (an edit's diff, where bash kept its full output); never sent to a model.
    pub details: Option<Value>,
    /// How long the call ran, set by the agent when it finishes; stored with the result.
    pub duration_ms: Option<u64>,
}

impl ToolOutput {
    pub fn text(text: impl Into<String>) -> Self {
        ToolOutput {
            content: vec![ContentBlock::text(text)],
            is_error: false,
            details: None,
            duration_ms: None,
        }
    }

    pub fn error(text: impl Into<String>) -> Self {
        ToolOutput {
            is_error: true,
            ..ToolOutput::text(text)
        }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// All text blocks joined by newlines.
    pub fn text_content(&self) -> String {
        blocks_text(&self.content)
    }
}

/// Names of the built-in tools, in the order [`tool_specs`] lists them.
pub const TOOL_NAMES: [&str; 7] = ["read", "write", "edit", "bash", "grep", "find", "ls"];

/// The built-in tools as offered to a model.
pub fn tool_specs() -> Vec<ToolSpec> {
    args::specs()
}

/// Runs one tool call. Unknown tools, bad arguments, refused paths, failures and cancellation
/// all come back as an error output the model can act on.
pub async fn run_tool(name: &str, arguments: &Value, ctx: &ToolContext) -> ToolOutput {
    if ctx.cancel.is_cancelled() {
        return ToolError::Cancelled.into();
    }
    tracing::debug!(tool = name, "running tool");
    let result = if name == "bash" {
        // bash watches the token itself: it has a process group to kill first.
        dispatch(name, arguments, ctx).await
    } else {
        tokio::select! {
            biased;
            () = ctx.cancel.cancelled() => Err(ToolError::Cancelled),
            r = dispatch(name, arguments, ctx) => r,
        }
    };
    result.unwrap_or_else(ToolOutput::from)
}

async fn dispatch(
    name: &str,
    arguments: &Value,
    ctx: &ToolContext,
) -> Result<ToolOutput, ToolError> {
    match name {
        "read" => read::run(args::parse(name, arguments)?, ctx).await,
        "write" => write::run(args::parse(name, arguments)?, ctx).await,
        "edit" => edit::run(args::parse(name, arguments)?, ctx).await,
        "bash" => bash::run(args::parse(name, arguments)?, ctx).await,
        "grep" => grep::run(args::parse(name, arguments)?, ctx).await,
        "find" => find::run(args::parse(name, arguments)?, ctx).await,
        "ls" => ls::run(args::parse(name, arguments)?, ctx).await,
        other => Err(ToolError::Invalid(format!(
            "Unknown tool `{other}`. The available tools are: {}.",
            TOOL_NAMES.join(", ")
        ))),
    }
}

impl From<ToolError> for ToolOutput {
    fn from(e: ToolError) -> Self {
        ToolOutput::error(e.to_string())
    }
}
