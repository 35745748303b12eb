//! How the editor's text leaves it: a prompt for the agent, or a slash command line.

use std::path::PathBuf;

use super::actions::{copy_last, open_models, quit};
use crate::agent::Op;
use crate::ai::types::ThinkingLevel;
use crate::tui::msg::{Effect, ImageSource};
use crate::tui::overlay::Overlay;
use crate::tui::panes::conversation::{CellKind, NoticeLevel};
use crate::tui::panes::editor::Editor;
use crate::tui::state::{Busy, State};

/// Enter in the editor: a slash command runs, a prompt is sent (or queued during a turn).
pub(super) fn submit(state: &mut State, fx: &mut Vec<Effect>) {
    if state.editor.is_empty() {
        return;
    }
    let text = state.editor.take();
    state.conversation.follow();
    if text.trim_start().starts_with('/') {
        run_line(state, text.trim(), fx);
    } else if state.busy.is_some() {
        state.queue.push_back(text);
        state.toast("queued: it is sent when the turn ends", 3000);
    } else {
        send_prompt(state, text, fx);
    }
}

/// Sends `text` as a user turn.
pub fn send_prompt(state: &mut State, text: String, fx: &mut Vec<Effect>) {
    if !state.agent_ready {
        state.conversation.notice(
            NoticeLevel::Error,
            "the agent is not running; fix the problem above and start pi again",
        );
        return;
    }
    let id = state.next_id();
    state.busy = Some(Busy {
        submission: id,
        since_ms: state.now_ms,
        compacting: false,
    });
    state
        .conversation
        .push(CellKind::User { text: text.clone() });
    let attachments: Vec<PathBuf> = Editor::image_refs(&text)
        .into_iter()
        .map(PathBuf::from)
        .collect();
    let attachments_shown = attachments.clone();
    fx.push(Effect::SubmitPrompt {
        id,
        text,
        attachments,
    });
    // The attached images show below the prompt, as the model gets them.
    for path in attachments_shown {
        let id = state.next_id();
        fx.push(Effect::LoadImage {
            id,
            source: ImageSource::File(path),
            overlay: false,
        });
    }
}

/// Runs a slash command line: the UI's own commands here, the rest through the engine.
pub fn run_line(state: &mut State, line: &str, fx: &mut Vec<Effect>) {
    let mut words = line.trim_start_matches('/').split_whitespace();
    let name = words.next().unwrap_or("");
    let rest: Vec<&str> = words.collect();
    match name {
        "quit" | "exit" | "q" => quit(state, fx),
        "keys" => state.overlay = Some(Overlay::Help { scroll: 0 }),
        "copy" => copy_last(state, fx),
        "image" => match rest.first() {
            Some(p) => {
                let id = state.next_id();
                fx.push(Effect::LoadImage {
                    id,
                    source: ImageSource::File(PathBuf::from(p)),
                    overlay: true,
                });
            }
            None => state
                .conversation
                .notice(NoticeLevel::Warning, "usage: /image <path>"),
        },
        "model" if rest.is_empty() => open_models(state),
        // An install downloads: off the loop, like the Skills pane's (the engine would wait).
        "skills-install" if rest.len() == 1 && state.skills.config.is_some() => {
            super::skills::install_source(state, rest[0], fx)
        }
        "thinking" => match rest.first().and_then(|l| ThinkingLevel::parse(l)) {
            Some(level) => {
                let id = state.next_id();
                state.status.thinking = level;
                fx.push(Effect::Submit {
                    id,
                    op: Op::SetThinking { level },
                });
            }
            None => state.conversation.notice(
                NoticeLevel::Warning,
                "usage: /thinking off|minimal|low|medium|high|xhigh",
            ),
        },
        _ => {
            let id = state.next_id();
            fx.push(Effect::RunCommand {
                id,
                line: line.to_string(),
            });
        }
    }
}
