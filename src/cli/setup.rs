//! Resolves flags, environment and session into what a mode needs.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::args::Args;
use super::exit;
use super::policy::build_policy;
use crate::agent::AgentConfig;
use crate::agent::prompt::{DEFAULT_SYSTEM_PROMPT, build_system_prompt};
use crate::ai::{AiClient, ClientOptions, ModelRef};
use crate::session::{LockOptions, SessionStore};
use crate::skills::prompt::PromptSkills;
use crate::tools::policy::PolicySources;

/// A configuration problem, reported as one line.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// Wrong flags, a bad model name, a missing key: exit 2.
    #[error("{0}")]
    Usage(String),
    /// Something failed that the flags could not prevent: exit 1.
    #[error("{0}")]
    Failure(String),
}

impl SetupError {
    pub fn exit_code(&self) -> u8 {
        match self {
            SetupError::Usage(_) => exit::USAGE,
            SetupError::Failure(_) => exit::FAILURE,
        }
    }
}

/// What a mode runs with.
pub struct Setup {
    pub agent: AgentConfig,
    pub session: SessionStore,
    /// Problems found while loading (torn lines, a corrupt catalog cache) to show the user.
    pub warnings: Vec<String>,
    /// Where each tool policy value came from (`/policy`).
    pub policy_sources: PolicySources,
}

/// The prompt of a one-shot run: `--prompt`, `--prompt-file` (`-` = stdin), or piped stdin.
/// `None` means no prompt was given (the interactive mode).
pub fn read_prompt(args: &Args) -> Result<Option<String>, SetupError> {
    if let Some(p) = &args.prompt {
        return non_empty(p.clone()).map(Some);
    }
    if let Some(file) = &args.prompt_file {
        let text = if file.as_os_str() == "-" {
            read_stdin()?
        } else {
            std::fs::read_to_string(file).map_err(|e| {
                SetupError::Usage(format!("cannot read prompt file {}: {e}", file.display()))
            })?
        };
        return non_empty(text).map(Some);
    }
    if !std::io::stdin().is_terminal() {
        let text = read_stdin()?;
        if !text.trim().is_empty() {
            return Ok(Some(text));
        }
    }
    Ok(None)
}

fn read_stdin() -> Result<String, SetupError> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| SetupError::Usage(format!("cannot read the prompt from stdin: {e}")))?;
    Ok(text)
}

fn non_empty(text: String) -> Result<String, SetupError> {
    if text.trim().is_empty() {
        Err(SetupError::Usage("the prompt is empty".to_string()))
    } else {
        Ok(text)
    }
}

/// The skills of the system prompt for the runs without a skill browser (one-shot and command
/// files): the `--skill` skills whole, and (unless `--skills-index off`) every other skill of
/// both folders by name, description and path. An unknown name is a usage error, found before
/// the session is touched. Skills that cannot be read are returned as warnings.
pub fn resolve_skills(args: &Args, cwd: &Path) -> Result<(PromptSkills, Vec<String>), SetupError> {
    use crate::skills::discover;
    let config = super::skills_config(args, cwd);
    let roots = discover::roots(&config);
    let found = discover::discover(&roots);
    let active = discover::select(&found, &args.skill, &roots)
        .map_err(|e| SetupError::Usage(format!("{e}; check --skill")))?;
    let warnings = found
        .errors()
        .map(|p| format!("skill not loaded: {p}"))
        .collect();
    Ok((
        crate::skills::prompt::prompt_skills(&found.skills, &active, config.index),
        warnings,
    ))
}

/// The skills folders, for the read tool: the model reads an indexed skill (and the files
/// beside a directory skill) there, even outside the working directory. Read-only; only
/// folders that exist.
fn skill_read_roots(args: &Args, cwd: &Path) -> Vec<PathBuf> {
    let config = super::skills_config(args, cwd);
    crate::skills::discover::roots(&config)
        .into_iter()
        .map(|r| r.dir)
        .filter(|d| d.is_dir() && !d.starts_with(cwd))
        .collect()
}

/// The model used when neither `--model` nor the session names one: the first provider
/// whose key is set, else Anthropic's.
pub fn default_model() -> &'static str {
    let has = |var: &str| std::env::var_os(var).is_some_and(|v| !v.is_empty());
    if has("ANTHROPIC_API_KEY") {
        "anthropic/claude-sonnet-4-5"
    } else if has("OPENAI_API_KEY") {
        "openai/gpt-4.1"
    } else if has("GEMINI_API_KEY") {
        "google/gemini-2.5-flash"
    } else if has("OPENROUTER_API_KEY") {
        "openrouter/anthropic/claude-sonnet-4.5"
    } else {
        "anthropic/claude-sonnet-4-5"
    }
}

fn default_session_path(cwd: &Path) -> PathBuf {
    cwd.join(".pi").join("sessions").join("default.jsonl")
}

/// Parses `name` and, with `require_key`, checks its provider's key is set.
fn resolve_model(client: &AiClient, name: &str, require_key: bool) -> Result<ModelRef, SetupError> {
    let model: ModelRef = name
        .parse()
        .map_err(|e: crate::ai::AiError| SetupError::Usage(e.to_string()))?;
    if require_key {
        client
            .check_model(&model)
            .map_err(|e| SetupError::Usage(e.to_string()))?;
    }
    Ok(model)
}

/// The session file the flags name (`None` with `--no-session`).
pub fn session_path(args: &Args, cwd: &Path) -> Option<PathBuf> {
    if args.no_session {
        return None;
    }
    Some(
        args.session
            .clone()
            .unwrap_or_else(|| default_session_path(cwd)),
    )
}

/// Opens the session, resolves the model and builds the agent's configuration. With
/// `require_key` false (command files), a missing API key is reported only when a command
/// needs the model.
pub async fn build_setup(args: &Args, require_key: bool) -> Result<Setup, SetupError> {
    let cwd = std::env::current_dir()
        .map_err(|e| SetupError::Failure(format!("cannot read the working directory: {e}")))?;
    let mut warnings = Vec::new();

    let mut fallback_models = Vec::new();
    for f in args.fallback_model.iter().filter(|f| !f.trim().is_empty()) {
        let m: ModelRef = f
            .trim()
            .parse()
            .map_err(|e: crate::ai::AiError| SetupError::Usage(format!("--fallback-model: {e}")))?;
        fallback_models.push(m);
    }
    let options = ClientOptions {
        api_base: args.api_base.clone(),
        azure_api_version: args.azure_openai_api_version.clone(),
        request_timeout_ms: args.request_timeout_ms,
        max_retries: args.provider_max_retries,
        retry_budget_ms: args.provider_retry_budget_ms,
        retry_jitter: args.provider_retry_jitter,
        fallback_models,
        openai_api: args.openai_api,
        reasoning_summary: args.reasoning_summary,
    };
    let mut client = AiClient::new(options).map_err(|e| match e {
        crate::ai::AiError::InvalidApiBase { .. } => SetupError::Usage(e.to_string()),
        e => SetupError::Failure(e.to_string()),
    })?;
    // A model named on the command line is checked before the session is touched.
    let flag_model = match &args.model {
        Some(m) => Some(resolve_model(&client, m, require_key)?),
        None => None,
    };

    let path = session_path(args, &cwd);
    if let Some(p) = &path
        && p.is_dir()
    {
        return Err(SetupError::Usage(format!(
            "--session {} is a directory; name a session file (e.g. {}/default.jsonl)",
            p.display(),
            p.display()
        )));
    }
    // A new session file names no model: resolve the default before creating the file, so a
    // run that fails setup (a missing key) leaves nothing behind.
    let is_new = |p: &Path| !std::fs::metadata(p).is_ok_and(|m| m.len() > 0);
    let model = match flag_model {
        Some(m) => Some(m),
        None if path.as_deref().is_none_or(is_new) => {
            Some(resolve_model(&client, default_model(), require_key)?)
        }
        None => None,
    };
    let base_prompt = match &args.system_prompt_file {
        Some(f) => std::fs::read_to_string(f).map_err(|e| {
            SetupError::Usage(format!(
                "cannot read system prompt file {}: {e}",
                f.display()
            ))
        })?,
        None => DEFAULT_SYSTEM_PROMPT.to_string(),
    };

    let session = match path {
        None => SessionStore::in_memory(&cwd),
        Some(path) => {
            let lock = LockOptions {
                wait_ms: args.session_lock_wait_ms,
                stale_ms: args.session_lock_stale_ms,
            };
            let (store, load_warnings) = SessionStore::open(&path, &cwd, lock)
                .map_err(|e| SetupError::Failure(e.to_string()))?;
            warnings.extend(load_warnings.iter().map(ToString::to_string));
            store
        }
    };

    let model = match model {
        Some(m) => m,
        None => {
            // Only the model is needed here: a walk of the index, not the whole context.
            let from_session = session
                .active_model()
                .ok()
                .flatten()
                .map(|(p, id)| format!("{p}/{id}"));
            match from_session {
                Some(name) if name.parse::<ModelRef>().is_ok() => {
                    resolve_model(&client, &name, require_key)?
                }
                _ => resolve_model(&client, default_model(), require_key)?,
            }
        }
    };
    if args.model_catalog_url.is_some() || args.model_catalog_cache.is_some() {
        let catalog_warnings = client
            .refresh_catalog(
                args.model_catalog_url.as_deref(),
                args.model_catalog_cache.as_deref(),
            )
            .await;
        warnings.extend(catalog_warnings);
    }

    let system_prompt = build_system_prompt(&base_prompt, &cwd, &[]);

    let home = std::env::var_os("HOME").map(PathBuf::from);
    let (mut policy, policy_sources) = build_policy(args, &cwd, home.as_deref())?;
    policy.read_only_roots.extend(skill_read_roots(args, &cwd));

    let agent = AgentConfig {
        model,
        client: Arc::new(client),
        policy: Arc::new(policy),
        system_prompt,
        max_turns: args.max_turns,
        turn_timeout_ms: args.turn_timeout_ms,
        max_output_tokens: args.max_output_tokens,
        thinking: args.thinking.map(Into::into).unwrap_or_default(),
        stream: args.stream,
        context_window: args.context_window,
        secrets: crate::tools::secrets::Secrets::from_env(),
        audit_log: args.tool_audit_log.as_ref().map(|p| cwd.join(p)),
    };
    Ok(Setup {
        agent,
        session,
        warnings,
        policy_sources,
    })
}
