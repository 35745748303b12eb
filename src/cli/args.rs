//! Command-line flags. Every flag is documented in README.md.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

use super::config_file::Origins;
use crate::ai::types::ThinkingLevel;

/// `--skills-index`: whether the system prompt lists the skills that are not active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SkillsIndex {
    On,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

/// What a failing line of `--command-file` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CommandFileErrorMode {
    /// Stop at the first failing line.
    FailFast,
    /// Report the failure and run the remaining lines.
    ContinueOnError,
}

/// `/session-import`'s mode when the command names none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportModeArg {
    Merge,
    Replace,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ThinkingArg {
    Off,
    Minimal,
    Low,
    Medium,
    High,
    Xhigh,
}

impl From<ThinkingArg> for ThinkingLevel {
    fn from(t: ThinkingArg) -> Self {
        match t {
            ThinkingArg::Off => ThinkingLevel::Off,
            ThinkingArg::Minimal => ThinkingLevel::Minimal,
            ThinkingArg::Low => ThinkingLevel::Low,
            ThinkingArg::Medium => ThinkingLevel::Medium,
            ThinkingArg::High => ThinkingLevel::High,
            ThinkingArg::Xhigh => ThinkingLevel::Xhigh,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PresetArg {
    Permissive,
    Balanced,
    Strict,
    Hardened,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerdictArg {
    Allow,
    Ask,
    Deny,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BashProfileArg {
    Permissive,
    Balanced,
    Strict,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SandboxModeArg {
    Off,
    Auto,
    Force,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EnvInheritArg {
    Filtered,
    All,
}

// The headings of `pi --help`, in the order they appear.
const PROMPT: &str = "Prompt and output";
const MODEL: &str = "Model and provider";
const SESSION: &str = "Session";
const SKILLS: &str = "Skills";
const INTERACTIVE: &str = "Interactive";
const POLICY: &str = "Tools and policy";
const BRIDGES: &str = "Bridges";

const EXAMPLES: &str = "\
Examples:
  pi                                  the interactive UI in this directory
  pi -p \"explain src/main.rs\"         one prompt; the answer on stdout
  echo \"fix the build\" | pi           a prompt from stdin, no UI
  pi -m openai/gpt-4.1 --thinking high
                                      another model, thinking harder
  pi --command-file checks.txt        slash commands and prompts from a file
  pi --print-config                   each setting and where it came from

Defaults for these flags can live in ~/.config/pi/config.toml and in the
project's .pi/config.toml. More in README.md and docs/: config.md,
providers.md, security.md, commands.md, tui.md.";

/// A whole number of at least `MIN`: a zero turn limit or output budget would make every
/// request fail, so it is refused up front with the flag's name.
fn at_least<T: TryFrom<u64>, const MIN: u64>(text: &str) -> Result<T, String> {
    let n: u64 = text
        .trim()
        .parse()
        .map_err(|_| format!("expected a whole number of at least {MIN}"))?;
    if n < MIN {
        return Err(format!("must be at least {MIN}"));
    }
    T::try_from(n).map_err(|_| "too large".to_string())
}

/// At most `MAX`: more retries than this only hide a provider that is down.
fn at_most<const MAX: u32>(text: &str) -> Result<u32, String> {
    let n: u32 = text
        .trim()
        .parse()
        .map_err(|_| format!("expected a whole number from 0 to {MAX}"))?;
    if n > MAX {
        return Err(format!("must be at most {MAX}"));
    }
    Ok(n)
}

/// rust-pi: a fast terminal coding agent.
#[derive(Debug, Clone, Parser)]
#[command(name = "pi", version, about, max_term_width = 80, after_help = EXAMPLES)]
pub struct Args {
    /// Print each setting in force and where it came from (a flag, the environment, a config
    /// file or the default), and exit.
    #[arg(long)]
    pub print_config: bool,
    /// Log file (default: pi.log in the user's cache directory); level from PI_LOG.
    #[arg(long, value_name = "FILE", env = "PI_LOG_FILE")]
    pub log_file: Option<PathBuf>,

    /// Run one prompt to completion and exit.
    #[arg(long, value_name = "TEXT", short = 'p', help_heading = PROMPT)]
    pub prompt: Option<String>,
    /// Read the prompt from a file (`-` reads standard input).
    #[arg(long, value_name = "FILE", conflicts_with = "prompt", help_heading = PROMPT)]
    pub prompt_file: Option<PathBuf>,
    /// Replace the built-in system prompt with this file's text.
    #[arg(long, value_name = "FILE", help_heading = PROMPT)]
    pub system_prompt_file: Option<PathBuf>,
    /// Print assistant text as it streams (true) or only the final answer (false).
    #[arg(long, value_name = "BOOL", default_value_t = false, action = clap::ArgAction::Set, help_heading = PROMPT)]
    pub stream_output: bool,
    /// Pause between streamed output chunks, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 0, help_heading = PROMPT)]
    pub stream_delay_ms: u64,
    /// `text`: the answer on stdout; `json`: the agent's events, one JSON object a line.
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = OutputFormat::Text, help_heading = PROMPT)]
    pub output_format: OutputFormat,

    /// Model as provider/model-id, e.g. anthropic/claude-sonnet-4-5, openai/gpt-4.1,
    /// google/gemini-2.5-flash, openrouter/openai/gpt-4o-mini.
    #[arg(long, value_name = "MODEL", short = 'm', env = "PI_MODEL", help_heading = MODEL)]
    pub model: Option<String>,
    /// Base URL for the routed provider (OpenAI-style bases include /v1; Anthropic and
    /// Gemini bases are the host; Azure: the deployment URL).
    #[arg(long, value_name = "URL", help_heading = MODEL)]
    pub api_base: Option<String>,
    /// Azure OpenAI `api-version` query parameter.
    #[arg(long, value_name = "VERSION", help_heading = MODEL)]
    pub azure_openai_api_version: Option<String>,
    /// Fallback models tried in order when retries of a retryable failure are exhausted.
    #[arg(long, value_name = "MODELS", value_delimiter = ',', help_heading = MODEL)]
    pub fallback_model: Vec<String>,
    /// Thinking level for models that reason; a level the model does not take is mapped to
    /// the nearest one it does (with a note).
    #[arg(long, value_name = "LEVEL", value_enum, help_heading = MODEL)]
    pub thinking: Option<ThinkingArg>,
    /// API for OpenAI, Azure and OpenAI-compatible models: chat (Chat Completions) or
    /// responses (the Responses API). Default: the catalog's (Responses for gpt-5-codex,
    /// o3-pro and the other models served only there).
    #[arg(long, value_name = "API", value_parser = parse_openai_api, help_heading = MODEL)]
    pub openai_api: Option<crate::ai::OpenAiApi>,
    /// Reasoning summaries asked of the Responses API, shown as thinking: auto, concise,
    /// detailed or off.
    #[arg(long, value_name = "KIND", default_value = "auto", value_parser = parse_reasoning_summary, help_heading = MODEL)]
    pub reasoning_summary: crate::ai::ReasoningSummary,
    /// Most output tokens per model response, at least 1 (default: the catalog's limit).
    #[arg(long, value_name = "N", value_parser = at_least::<u32, 1>, help_heading = MODEL)]
    pub max_output_tokens: Option<u32>,
    /// Per-request timeout: connect, first byte and the longest gap in a stream (0 disables).
    #[arg(long, value_name = "MS", default_value_t = 120_000, help_heading = MODEL)]
    pub request_timeout_ms: u64,
    /// Limit for a whole user turn, tools included (0 disables).
    #[arg(long, value_name = "MS", default_value_t = 0, help_heading = MODEL)]
    pub turn_timeout_ms: u64,
    /// Retries of a retryable provider failure (408, 409, 429, 5xx, 529, connection), 0-100.
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = at_most::<100>, help_heading = MODEL)]
    pub provider_max_retries: u32,
    /// Cumulative backoff budget across retries (0 disables the budget).
    #[arg(long, value_name = "MS", default_value_t = 60_000, help_heading = MODEL)]
    pub provider_retry_budget_ms: u64,
    /// Randomize backoff delays.
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set, help_heading = MODEL)]
    pub provider_retry_jitter: bool,
    /// URL of a JSON model catalog to refresh the embedded one from.
    #[arg(long, value_name = "URL", help_heading = MODEL)]
    pub model_catalog_url: Option<String>,
    /// Cache file for the fetched catalog (used when offline).
    #[arg(long, value_name = "FILE", help_heading = MODEL)]
    pub model_catalog_cache: Option<PathBuf>,
    /// Use the providers' streaming endpoints (SSE).
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set, help_heading = MODEL)]
    pub stream: bool,
    /// Most model requests in one user turn, at least 1.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = at_least::<u32, 1>, help_heading = MODEL)]
    pub max_turns: u32,
    /// The model's context window in tokens (at least 1024), for models the catalog does not
    /// know (or to override it); older messages are compacted before a request would exceed
    /// it.
    #[arg(long, value_name = "TOKENS", value_parser = at_least::<u64, 1024>, help_heading = MODEL)]
    pub context_window: Option<u64>,

    /// Session file (default: .pi/sessions/default.jsonl).
    #[arg(long, value_name = "FILE", conflicts_with = "no_session", help_heading = SESSION)]
    pub session: Option<PathBuf>,
    /// Keep the conversation in memory only.
    #[arg(long, help_heading = SESSION)]
    pub no_session: bool,
    /// Continue the most recent session of this directory (.pi/sessions).
    #[arg(long = "continue", short = 'c', conflicts_with_all = ["session", "no_session", "resume"], help_heading = SESSION)]
    pub continue_session: bool,
    /// Pick one of this directory's recent sessions at start (interactive mode).
    #[arg(long, short = 'r', conflicts_with_all = ["session", "no_session", "command_file"], help_heading = SESSION)]
    pub resume: bool,
    /// How long to wait for another process's session lock.
    #[arg(long, value_name = "MS", default_value_t = 5_000, help_heading = SESSION)]
    pub session_lock_wait_ms: u64,
    /// Age after which a lock whose holder is gone is reclaimed.
    #[arg(long, value_name = "MS", default_value_t = 30_000, help_heading = SESSION)]
    pub session_lock_stale_ms: u64,
    /// How /session-import combines the sessions when the command names no mode.
    #[arg(long, value_name = "MODE", value_enum, default_value_t = ImportModeArg::Merge, help_heading = SESSION)]
    pub session_import_mode: ImportModeArg,
    /// Validate the session file, print a report and exit (0 when valid, 1 when not).
    #[arg(
        long,
        conflicts_with_all = ["prompt", "prompt_file", "command_file", "no_session"],
        help_heading = SESSION
    )]
    pub session_validate: bool,
    /// Run the slash commands of a file (`-` reads standard input), one a line, and exit.
    /// Blank lines and `#` comments are skipped; other lines are prompts to the agent.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["prompt", "prompt_file"], help_heading = SESSION)]
    pub command_file: Option<PathBuf>,
    /// What a failing line of --command-file does.
    #[arg(
        long,
        value_name = "MODE",
        value_enum,
        default_value_t = CommandFileErrorMode::FailFast,
        help_heading = SESSION
    )]
    pub command_file_error_mode: CommandFileErrorMode,

    /// Directory of skills: NAME.md files, or folders with a NAME/SKILL.md [default:
    /// .pi/skills]; then <config>/pi/skills. Installs go here.
    #[arg(long, value_name = "DIR", help_heading = SKILLS)]
    pub skills_dir: Option<std::path::PathBuf>,
    /// Skills active from the start (comma-separated names); in every mode their whole text
    /// ends the system prompt.
    #[arg(long, value_name = "NAMES", value_delimiter = ',', help_heading = SKILLS)]
    pub skill: Vec<String>,
    /// List the other skills (name, description, path) in the system prompt, for the model to
    /// read when it needs one.
    #[arg(long, value_name = "MODE", value_enum, default_value_t = SkillsIndex::On, help_heading = SKILLS)]
    pub skills_index: SkillsIndex,
    /// Install a skill from a file or a skill directory into --skills-dir, and exit.
    #[arg(long, value_name = "PATH", help_heading = SKILLS)]
    pub install_skill: Option<PathBuf>,
    /// Install a skill from a URL (.md, .tar.gz or .zip), checked against
    /// --install-skill-sha256, and exit.
    #[arg(long, value_name = "URL", requires = "install_skill_sha256", help_heading = SKILLS)]
    pub install_skill_url: Option<String>,
    /// The sha256 (hex) the --install-skill-url download must have.
    #[arg(long, value_name = "HEX", help_heading = SKILLS)]
    pub install_skill_sha256: Option<String>,
    /// The skill registry's manifest (registry.json) URL.
    #[arg(long, value_name = "URL", help_heading = SKILLS)]
    pub skill_registry_url: Option<String>,
    /// Pin the registry manifest: the sha256 (hex) its bytes must have.
    #[arg(long, value_name = "HEX", help_heading = SKILLS)]
    pub skill_registry_sha256: Option<String>,
    /// Install a skill from --skill-registry-url (the newest version unless @VERSION), and exit.
    #[arg(long, value_name = "NAME[@VERSION]", help_heading = SKILLS)]
    pub install_skill_from_registry: Option<String>,
    /// Keep downloaded manifests and artifacts here, by sha256 [default: <cache>/pi/skills].
    #[arg(long, value_name = "DIR", help_heading = SKILLS)]
    pub skills_cache_dir: Option<PathBuf>,
    /// Install only from the skills cache; a miss is an error.
    #[arg(long, help_heading = SKILLS)]
    pub skills_offline: bool,
    /// Refuse unsigned skills and registry manifests without a valid .sig.
    #[arg(long, help_heading = SKILLS)]
    pub require_signed_skills: bool,
    /// A trusted registry key, ID=BASE64 (32-byte Ed25519 public key); repeatable.
    #[arg(long, value_name = "ID=KEY", help_heading = SKILLS)]
    pub skill_trust_root: Vec<String>,
    /// The trust root file (JSON) [default: <config>/pi/skill-trust.json].
    #[arg(long, value_name = "PATH", help_heading = SKILLS)]
    pub skill_trust_root_file: Option<PathBuf>,
    /// Add ID=KEY to the trust root file, and exit.
    #[arg(long, value_name = "ID=KEY", help_heading = SKILLS)]
    pub skill_trust_add: Option<String>,
    /// Revoke a key of the trust root file, and exit.
    #[arg(long, value_name = "ID", help_heading = SKILLS)]
    pub skill_trust_revoke: Option<String>,
    /// Replace a trust root, OLD:NEW=KEY (OLD revoked, NEW added), and exit.
    #[arg(long, value_name = "OLD:NEW=KEY", help_heading = SKILLS)]
    pub skill_trust_rotate: Option<String>,
    /// Write .pi/skills.lock.json from the installed skills, and exit.
    #[arg(long, help_heading = SKILLS)]
    pub skills_lock_write: bool,
    /// Check the installed skills against .pi/skills.lock.json; drift fails, and exit.
    #[arg(long, help_heading = SKILLS)]
    pub skills_sync: bool,
    /// Publishing: make an Ed25519 key pair, the private key written to PATH (mode 0600), the
    /// public key printed, and exit.
    #[arg(long, value_name = "PATH", help_heading = SKILLS)]
    pub skill_keygen: Option<PathBuf>,
    /// Publishing: sign a registry.json in place (its skills' sha256 and signatures, the keys it
    /// certifies, and registry.json.sig) with --skill-signing-key, and exit.
    #[arg(long, value_name = "FILE", requires_all = ["skill_signing_key", "skill_signing_key_id"], help_heading = SKILLS)]
    pub skill_sign_registry: Option<PathBuf>,
    /// Publishing: the private key file (from --skill-keygen).
    #[arg(long, value_name = "PATH", help_heading = SKILLS)]
    pub skill_signing_key: Option<PathBuf>,
    /// Publishing: the signing key's id in the registry.
    #[arg(long, value_name = "ID", help_heading = SKILLS)]
    pub skill_signing_key_id: Option<String>,

    /// Colour theme: a name (dark, light, or a file in <config>/pi/themes) or a .toml path.
    #[arg(long, value_name = "NAME|PATH", env = "PI_THEME", help_heading = INTERACTIVE)]
    pub theme: Option<String>,
    /// Key bindings: a name (default, vim, emacs, or a file in <config>/pi/keymaps) or a .toml
    /// path.
    #[arg(long, value_name = "NAME|PATH", env = "PI_KEYMAP", help_heading = INTERACTIVE)]
    pub keymap: Option<String>,
    /// Start with mouse capture off (the terminal's own selection works; F2 switches).
    #[arg(long, help_heading = INTERACTIVE)]
    pub no_mouse: bool,

    /// Tool policy preset: sets every limit and rule below (docs/security.md).
    #[arg(long, value_name = "PRESET", value_enum, help_heading = POLICY)]
    pub tool_policy_preset: Option<PresetArg>,
    /// Print the effective tool policy as JSON, with where each value came from, and exit.
    #[arg(long, help_heading = POLICY)]
    pub print_tool_policy: bool,
    /// Most bytes the read tool returns from one file [preset: 50 KB in balanced].
    #[arg(long, value_name = "BYTES", value_parser = at_least::<u64, 1>, help_heading = POLICY)]
    pub max_file_read_bytes: Option<u64>,
    /// Largest file the write tool writes [preset: 10 MiB in balanced].
    #[arg(long, value_name = "BYTES", value_parser = at_least::<u64, 1>, help_heading = POLICY)]
    pub max_file_write_bytes: Option<u64>,
    /// Most bytes of tool output sent to the model; bash keeps the tail [preset: 50 KB].
    #[arg(long, value_name = "BYTES", value_parser = at_least::<usize, 1>, help_heading = POLICY)]
    pub max_tool_output_bytes: Option<usize>,
    /// Bash timeout: the default and the most a call may ask for; 0 = none [preset: 120000].
    #[arg(long, value_name = "MS", help_heading = POLICY)]
    pub bash_timeout_ms: Option<u64>,
    /// Longest bash command line accepted, in bytes [preset: 16384 in balanced].
    #[arg(long, value_name = "BYTES", value_parser = at_least::<usize, 1>, help_heading = POLICY)]
    pub max_command_bytes: Option<usize>,
    /// What a bash command spanning several lines gets [preset: allow in balanced].
    #[arg(long, value_name = "VERDICT", value_enum, help_heading = POLICY)]
    pub command_newlines: Option<VerdictArg>,
    /// What destructive commands get: removing outside the working directory, git push
    /// --force, curl | sh, writing to block devices, sudo [preset: ask in balanced].
    #[arg(long, value_name = "VERDICT", value_enum, help_heading = POLICY)]
    pub destructive_commands: Option<VerdictArg>,
    /// Which bash commands run unasked [preset: balanced].
    #[arg(long, value_name = "PROFILE", value_enum, help_heading = POLICY)]
    pub bash_profile: Option<BashProfileArg>,
    /// Commands that run unasked: `name`, `name subcommand`, or `prefix*` (repeatable,
    /// comma-separated). Never past --deny-command or a destructive pattern.
    #[arg(long, value_name = "PATTERNS", value_delimiter = ',', help_heading = POLICY)]
    pub allow_command: Vec<String>,
    /// Commands that never run, in any profile (same patterns as --allow-command).
    #[arg(long, value_name = "PATTERNS", value_delimiter = ',', help_heading = POLICY)]
    pub deny_command: Vec<String>,
    /// Decide bash calls without running them; the model gets the decision.
    #[arg(long, help_heading = POLICY)]
    pub bash_dry_run: bool,
    /// Attach the policy's decision and its reason to every tool result.
    #[arg(long, help_heading = POLICY)]
    pub tool_policy_trace: bool,
    /// Approve every call the policy asks about in one-shot and command-file runs (they are
    /// denied otherwise).
    #[arg(long, help_heading = POLICY)]
    pub approve_all: bool,
    /// Run bash in the bubblewrap sandbox: off, auto (when bwrap works) or force [preset:
    /// auto in balanced].
    #[arg(long, value_name = "MODE", value_enum, help_heading = POLICY)]
    pub os_sandbox_mode: Option<SandboxModeArg>,
    /// Network inside the sandbox [preset: on in balanced, off in strict and hardened].
    #[arg(long, value_name = "ON|OFF", value_enum, help_heading = POLICY)]
    pub sandbox_network: Option<OnOff>,
    /// Another sandbox: a launcher template with {shell}, {command} and {cwd}, split like a
    /// shell line, e.g. "firejail --quiet {shell} -c {command}".
    #[arg(long, value_name = "TEMPLATE", help_heading = POLICY)]
    pub os_sandbox_command: Option<String>,
    /// Directories kept writable in the sandbox for build caches, replacing the default list
    /// (~/.cargo, ~/.rustup, ~/.npm, ~/.cache, ...); `none` for no caches.
    #[arg(long, value_name = "DIRS", value_delimiter = ',', help_heading = POLICY)]
    pub sandbox_caches: Option<Vec<String>>,
    /// A path no tool may read (repeatable; added to ~/.ssh, ~/.aws, ~/.gnupg, ...).
    #[arg(long, value_name = "PATH", help_heading = POLICY)]
    pub deny_read: Vec<PathBuf>,
    /// Credential-like variables passed to bash on purpose (comma-separated names).
    #[arg(long, value_name = "NAMES", value_delimiter = ',', help_heading = POLICY)]
    pub bash_env_allow: Vec<String>,
    /// What bash inherits of pi's environment: filtered (no credentials) or all.
    #[arg(long, value_name = "MODE", value_enum, help_heading = POLICY)]
    pub bash_env_inherit: Option<EnvInheritArg>,
    /// read, write and edit refuse devices, FIFOs and sockets [preset: on in strict and
    /// hardened]; `--enforce-regular-files=false` turns it off.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", action = clap::ArgAction::Set, help_heading = POLICY)]
    pub enforce_regular_files: Option<bool>,
    /// Append one JSON line per tool call start and end to this file.
    #[arg(long, value_name = "FILE", help_heading = POLICY)]
    pub tool_audit_log: Option<PathBuf>,
    /// A directory outside the working directory that tools may touch (repeatable).
    #[arg(long, value_name = "DIR", help_heading = POLICY)]
    pub allow_path: Vec<PathBuf>,

    /// The channel store the bridges keep their conversations in (for the two flags below).
    #[arg(long, value_name = "DIR", help_heading = BRIDGES)]
    pub channel_store_root: Option<PathBuf>,
    /// Print a conversation's state (session head, event counts, last events, queue), then exit.
    #[arg(long, value_name = "TRANSPORT/ID", help_heading = BRIDGES)]
    pub channel_store_inspect: Option<String>,
    /// Remove malformed lines from a conversation's JSONL files (a backup is kept), then exit.
    #[arg(long, value_name = "TRANSPORT/ID", help_heading = BRIDGES)]
    pub channel_store_repair: Option<String>,
    #[command(flatten)]
    pub bridge: super::bridge_args::BridgeArgs,
    #[command(flatten)]
    pub events: super::events_args::EventsArgs,
    #[command(flatten)]
    pub webhook: super::webhook_args::WebhookArgs,

    /// Where each setting a config file may hold came from (filled by `config_file::load`).
    #[arg(skip)]
    pub origins: Origins,
}

fn parse_openai_api(s: &str) -> Result<crate::ai::OpenAiApi, String> {
    s.parse()
}

fn parse_reasoning_summary(s: &str) -> Result<crate::ai::ReasoningSummary, String> {
    s.parse()
}
