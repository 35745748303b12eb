//! The interactive mode: the full-screen UI of `src/tui` driving the agent task, with the
//! slash-command engine on the shared session. On exit it prints one line: the session file
//! and the command that resumes it.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;
use std::path::PathBuf;

use crate::agent::{AgentConfig, EventMsg, spawn_agent};
use crate::ai::AiError;
use crate::commands::{
    COMMANDS, CommandEngine, EngineContext, Outcome, SharedSession, lock_session, share_session,
};
use crate::session::{ImportMode, SessionStore, SessionTree};
use crate::tools::policy::PolicySources;
use crate::tui::config::keymap::{Action, Context, Keymap};
use crate::tui::config::theme::Theme;
use crate::tui::config::{ConfigKind, ConfigSource, locate, user_config_dir};
use crate::tui::panes::conversation::NoticeLevel;
use crate::tui::{BranchHistory, CommandReply, Host, ModelChoice, NoHost, State, TuiContext};

/// The interactive mode's own flags.
#[derive(Debug, Clone, Default)]
pub struct InteractiveOptions {
    /// `--theme NAME|PATH`.
    pub theme: Option<String>,
    /// `--keymap NAME|PATH`.
    pub keymap: Option<String>,
    /// The skills folders and `--skills-index`.
    pub skills_config: crate::skills::SkillsConfig,
    /// `--skill a,b`: active from the start.
    pub skills: Vec<String>,
    /// Start with mouse capture off.
    pub no_mouse: bool,
    pub import_mode: ImportMode,
    /// Where each tool policy value came from (`/policy`).
    pub policy_sources: PolicySources,
    /// `--resume`: open with a picker of this directory's sessions.
    pub resume_picker: bool,
    /// The events runner's files, for the `/events-*` commands.
    pub events: Option<std::sync::Arc<dyn crate::commands::EventsAccess>>,
}

/// What set-up produced: the agent's configuration, the session and warnings, or why not.
pub type InteractiveSetup = Result<(AgentConfig, SessionStore, Vec<String>), String>;

/// Finds the skills before the first frame (the `--skill` names are checked against them, and
/// the agent gets the active skills and the index before any prompt); the pane reloads them
/// when the folders change.
fn load_skills(
    state: &mut State,
    options: &InteractiveOptions,
    notices: &mut Vec<(NoticeLevel, String)>,
) {
    use crate::skills::discover;
    let config = &options.skills_config;
    state.skills.dir = Some(config.dir.clone());
    state.skills.user_dir = config.user_dir.clone();
    state.skills.index = config.index;
    state.skills.config = Some(config.clone());
    match crate::skills::record::read(&config.dir) {
        Ok(records) => state.skills.records = records,
        Err(e) => notices.push((NoticeLevel::Warning, e)),
    }
    let roots = discover::roots(config);
    let found = discover::discover(&roots);
    for name in options
        .skills
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
    {
        if found.get(name).is_some() {
            state.skills.active.insert(name.to_string());
        } else {
            notices.push((
                NoticeLevel::Error,
                discover::unknown_skill(&found, name, &roots),
            ));
        }
    }
    for p in found.errors() {
        notices.push((NoticeLevel::Warning, format!("skill not loaded: {p}")));
    }
    state.skills.set_discovery(found);
}

/// Runs the UI until the user quits; returns the exit status.
pub async fn run_interactive(setup: InteractiveSetup, options: InteractiveOptions) -> u8 {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let mut state = State::new(80, 24);
    state.mouse_capture = !options.no_mouse;
    let mut notices: Vec<(NoticeLevel, String)> = Vec::new();
    let watched = load_look(&mut state, &options, &mut notices);

    load_skills(&mut state, &options, &mut notices);
    state.editor.commands = COMMANDS
        .iter()
        .map(|c| (c.name.to_string(), format!("{}  {}", c.usage(), c.summary)))
        .chain([
            (
                "image".to_string(),
                "/image <path>  preview an image".to_string(),
            ),
            ("keys".to_string(), "/keys  list every key".to_string()),
            (
                "copy".to_string(),
                "/copy  copy the last answer (OSC 52)".to_string(),
            ),
            (
                "thinking".to_string(),
                "/thinking <level>  off, minimal, low, medium, high, xhigh".to_string(),
            ),
        ])
        .collect();

    let (ctx, startup_messages) = match setup {
        Ok((config, session, warnings)) => {
            for w in warnings {
                notices.push((NoticeLevel::Warning, w));
            }
            if let Err(e) = config.client.check_model(&config.model) {
                notices.push((NoticeLevel::Error, model_problem(&state, &e)));
            }
            state.models = config
                .client
                .catalog()
                .models
                .iter()
                .map(|m| ModelChoice {
                    name: m.model_ref().to_string(),
                    context_window: m.context_window,
                    label: m.name.clone(),
                    missing_key: match config.client.check_model(&m.model_ref()) {
                        Err(AiError::MissingApiKey { var }) => Some(var.to_string()),
                        _ => None,
                    },
                })
                .collect();
            state.status.model = config.model.to_string();
            state.status.thinking = config.thinking;
            state.status.context_window = config.context_window.or_else(|| {
                config
                    .client
                    .catalog()
                    .find(&config.model)
                    .map(|m| m.context_window)
            });
            state.status.session = session.path().map(|p| p.display().to_string());
            state.status.head = session.head().map(str::to_string);
            let shared = share_session(session);
            let engine = CommandEngine::new(
                shared.clone(),
                EngineContext {
                    cwd: cwd.clone(),
                    client: config.client.clone(),
                    settings: config.settings(),
                    import_mode: options.import_mode,
                    policy: config.policy.clone(),
                    policy_sources: options.policy_sources.clone(),
                    audit_log: config.audit_log.clone(),
                    skills: options.skills_config.clone(),
                    events: options.events.clone(),
                },
            );
            let agent = spawn_agent(config, shared.clone());
            let host = EngineHost {
                engine,
                session: shared,
            };
            (
                TuiContext {
                    agent: Some(agent),
                    host: Box::new(host),
                    cwd: cwd.clone(),
                    watched,
                    query_images: true,
                    startup: crate::tui::update::startup(&mut state),
                },
                notices,
            )
        }
        Err(e) => {
            state.agent_ready = false;
            notices.push((NoticeLevel::Error, e));
            (
                TuiContext {
                    agent: None,
                    host: Box::new(NoHost),
                    cwd: cwd.clone(),
                    watched,
                    query_images: true,
                    startup: Vec::new(),
                },
                notices,
            )
        }
    };
    if options.resume_picker && ctx.agent.is_some() {
        crate::tui::update::open_sessions(&mut state, resume_items(&cwd));
    }
    if ctx.agent.is_some() {
        // Shown below the history once it is loaded.
        state.pending_notices = startup_messages;
    } else {
        for (level, text) in startup_messages {
            state.conversation.notice(level, text);
        }
    }
    match crate::tui::run(state, ctx).await {
        Ok(exit) => {
            // After SIGHUP nobody reads this: a failed write is not an error.
            let _ = writeln!(std::io::stdout(), "{}", exit_line(&exit));
            exit.signal.map_or(0, |sig| 128 + sig as u8)
        }
        Err(e) => {
            crate::tui::term::terminal::restore();
            // The terminal may be gone (a hang-up): a failed write is not worth a panic.
            let _ = writeln!(std::io::stderr(), "pi: the terminal failed: {e}");
            1
        }
    }
}

/// The one line printed on exit: the session file and a command that resumes it, pasteable
/// from any directory.
fn exit_line(exit: &crate::tui::ExitInfo) -> String {
    let Some(s) = &exit.session else {
        return "no session saved (--no-session)".to_string();
    };
    let path = std::fs::canonicalize(s).unwrap_or_else(|_| PathBuf::from(s));
    let shown = path.display().to_string();
    let head = exit
        .head
        .as_ref()
        .map(|h| format!(" (head {h})"))
        .unwrap_or_default();
    format!(
        "session {shown}{head} · resume with: pi --session {}",
        shell_words::quote(&shown)
    )
}

/// Theme and keymap from the flags (user files override the built-in ones); returns the files
/// to watch.
fn load_look(
    state: &mut State,
    options: &InteractiveOptions,
    notices: &mut Vec<(NoticeLevel, String)>,
) -> Vec<ConfigSource> {
    let user_dir = user_config_dir();
    let mut watched = Vec::new();
    let theme_spec = options.theme.clone().unwrap_or_else(|| "dark".into());
    match locate(ConfigKind::Theme, &theme_spec, user_dir.as_deref()) {
        Ok(src) => {
            match Theme::parse(&src.text) {
                Ok(t) => state.set_theme(t),
                Err(e) => notices.push((
                    NoticeLevel::Error,
                    format!("theme {}: {e}; using the built-in dark theme", where_(&src)),
                )),
            }
            watched.push(src);
        }
        Err(e) => notices.push((NoticeLevel::Error, e)),
    }
    let keymap_spec = options.keymap.clone().unwrap_or_else(|| "default".into());
    match locate(ConfigKind::Keymap, &keymap_spec, user_dir.as_deref()) {
        Ok(src) => {
            match Keymap::parse(&src.name, &src.text) {
                Ok(k) => state.keymap = k,
                Err(e) => notices.push((
                    NoticeLevel::Error,
                    format!("keymap {}: {e}; using the default keymap", where_(&src)),
                )),
            }
            watched.push(src);
        }
        Err(e) => notices.push((NoticeLevel::Error, e)),
    }
    watched
}

/// The sessions `--resume` offers: this directory's, newest first, those with a prompt.
fn resume_items(cwd: &std::path::Path) -> Vec<(String, String)> {
    let now = std::time::SystemTime::now();
    crate::session::recent_sessions(&crate::session::sessions_dir(cwd))
        .into_iter()
        .filter_map(|s| {
            let prompt = s.first_prompt?;
            let shown = s.path.strip_prefix(cwd).unwrap_or(&s.path);
            Some((
                shown.display().to_string(),
                format!("{} · {prompt}", crate::session::age(s.modified, now)),
            ))
        })
        .collect()
}

/// Why the chosen model cannot be used, said the UI's way: a missing key points to the
/// model picker rather than to a flag.
fn model_problem(state: &State, e: &AiError) -> String {
    match e {
        AiError::MissingApiKey { var } => {
            let keys = state
                .keymap
                .keys_for(Context::Global, Action::ModelPicker)
                .unwrap_or_else(|| "/model".into());
            format!(
                "{var} is not set: export it and start pi again, or pick another model ({keys})"
            )
        }
        other => other.to_string(),
    }
}

fn where_(src: &ConfigSource) -> String {
    match &src.path {
        Some(p) => p.display().to_string(),
        None => src.name.clone(),
    }
}

/// The UI's access to the command engine and the shared session.
struct EngineHost {
    engine: CommandEngine,
    session: SharedSession,
}

impl Host for EngineHost {
    fn run_command(&mut self, line: &str) -> Result<CommandReply, String> {
        let look = |session: &SharedSession| {
            let s = lock_session(session);
            (
                s.head().map(str::to_string),
                s.entry_count(),
                s.header().id.clone(),
                s.path().map(|p| p.display().to_string()),
            )
        };
        let before = look(&self.session);
        let out = self.engine.execute(line).map_err(|e| e.to_string())?;
        let after = look(&self.session);
        let session_file = (before.2 != after.2).then(|| {
            after
                .3
                .clone()
                .unwrap_or_else(|| "<in-memory session>".into())
        });
        let mut reply = CommandReply {
            lines: out.render(),
            ok: out.ok,
            submit: None,
            quit: false,
            run: Vec::new(),
            session_changed: before != after,
            session_file,
        };
        match out.outcome {
            Outcome::Done => {}
            Outcome::Submit(op) => reply.submit = Some(op),
            Outcome::Quit => reply.quit = true,
            Outcome::Run { lines, .. } => reply.run = lines,
        }
        Ok(reply)
    }

    fn observe(&mut self, msg: &EventMsg) {
        self.engine.observe(msg);
    }

    fn history(&mut self) -> Result<BranchHistory, String> {
        let s = lock_session(&self.session);
        let ctx = s.context().map_err(|e| e.to_string())?;
        Ok(BranchHistory {
            messages: ctx.messages,
            head: s.head().map(str::to_string),
            usage: ctx.usage,
        })
    }

    fn session_path(&self) -> Option<PathBuf> {
        lock_session(&self.session).path().map(PathBuf::from)
    }

    fn graph(&mut self) -> Result<SessionTree, String> {
        Ok(lock_session(&self.session).tree())
    }

    fn entry_labels(&mut self, ids: &[String]) -> Result<Vec<(String, String)>, String> {
        lock_session(&self.session)
            .entry_labels(ids)
            .map_err(|e| e.to_string())
    }

    fn complete(&mut self, line: &str) -> Vec<(String, String)> {
        crate::commands::completions(&self.engine, line)
            .into_iter()
            .map(|c| (c.value, c.description))
            .collect()
    }

    fn entry_text(&mut self, id: &str) -> Result<String, String> {
        lock_session(&self.session)
            .entry_preview(id)
            .map_err(|e| e.to_string())
    }
}
