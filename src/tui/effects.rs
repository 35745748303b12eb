//! Carrying out effects. Slow work (walking files, reading the session, decoding images) runs
//! on blocking threads and answers through the message channel; the terminal is only touched
//! here, in the loop.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use crossterm::event::EventStream;
use image::DynamicImage;
use ratatui_image::picker::Picker;
use ratatui_image::protocol::StatefulProtocol;
use tokio::sync::mpsc::UnboundedSender;

use crate::agent::{AgentHandle, ImageInput, Op, Submission};
use crate::tui::host::Host;
use crate::tui::msg::{Effect, EffectResult, ImageInfo, Msg};
use crate::tui::term::images::picker_for;
use crate::tui::term::terminal::TerminalGuard;

/// Most files listed for `@` completion.
const MAX_FILES: usize = 50_000;

/// The runtime's side of effects.
pub struct Effects {
    pub tx: UnboundedSender<Msg>,
    pub cwd: PathBuf,
    /// The skills folders, searched in order.
    pub skill_roots: Vec<crate::skills::discover::SkillRoot>,
    /// The skills settings, for installs (`None`: skills are off).
    pub skills: Option<crate::skills::SkillsConfig>,
    /// Images ready to draw, by key.
    pub images: HashMap<u64, StatefulProtocol>,
    pub decoded: HashMap<u64, DynamicImage>,
    /// Chosen on the first image.
    pub picker: Option<Picker>,
    pub query_images: bool,
    pub next_image: u64,
}

fn done(tx: &UnboundedSender<Msg>, id: u64, result: EffectResult) {
    let _ = tx.send(Msg::Done { id, result });
}

pub async fn run_effect(
    effect: Effect,
    fx: &mut Effects,
    term: &mut TerminalGuard,
    events: &mut Option<EventStream>,
    agent: Option<&AgentHandle>,
    host: &mut dyn Host,
) -> std::io::Result<()> {
    match effect {
        Effect::Submit { id, op } => submit(agent, id, op),
        Effect::SubmitPrompt {
            id,
            text,
            attachments,
        } => {
            let tx = fx.tx.clone();
            let cwd = fx.cwd.clone();
            let sender = agent.map(|a| a.submissions.clone());
            tokio::task::spawn_blocking(move || {
                let images = match read_images(&cwd, &attachments) {
                    Ok(i) => i,
                    Err(e) => return done(&tx, id, EffectResult::SubmitFailed(e)),
                };
                let sub = Submission {
                    id,
                    op: Op::UserTurn { text, images },
                };
                if sender.is_none_or(|s| s.send(sub).is_err()) {
                    done(
                        &tx,
                        id,
                        EffectResult::SubmitFailed("the agent is not running".into()),
                    );
                }
            });
        }
        Effect::Quit => {}
        Effect::Suspend { id } => {
            *events = None;
            term.suspend()?;
            *events = Some(EventStream::new());
            let (width, height) = crossterm::terminal::size()?;
            done(&fx.tx, id, EffectResult::Resumed { width, height });
        }
        Effect::SetMouseCapture(on) => term.set_mouse(on)?,
        Effect::Copy { id, text } => {
            if std::env::var_os("TMUX").is_some() {
                copy_through_tmux(text.clone());
            }
            let (b64, cut) = osc52_payload(&text);
            let r = term
                .write_raw(format!("\x1b]52;c;{b64}\x07").as_bytes())
                .map(|()| cut)
                .map_err(|e| format!("cannot copy: {e}"));
            done(&fx.tx, id, EffectResult::Copied(r));
        }
        Effect::ListFiles { id } => {
            let tx = fx.tx.clone();
            let cwd = fx.cwd.clone();
            tokio::task::spawn_blocking(move || {
                done(&tx, id, EffectResult::Files(list_files(&cwd)));
            });
        }
        Effect::ExternalEditor { id, text } => {
            *events = None;
            term.release()?;
            let r = edit_externally(&text).await;
            term.resume()?;
            *events = Some(EventStream::new());
            done(&fx.tx, id, EffectResult::ExternalEditor(r));
        }
        Effect::LoadGraph { id } => done(&fx.tx, id, EffectResult::Graph(host.graph())),
        Effect::LoadHistory { id } => done(&fx.tx, id, EffectResult::History(host.history())),
        Effect::LoadEntryLabels { id, ids } => {
            done(
                &fx.tx,
                id,
                EffectResult::EntryLabels(host.entry_labels(&ids)),
            );
        }
        Effect::PreviewEntry { id, entry_id } => {
            let text = host.entry_text(&entry_id);
            done(&fx.tx, id, EffectResult::EntryPreview { entry_id, text });
        }
        Effect::CompleteArguments { id, line } => {
            let items = host.complete(&line);
            done(&fx.tx, id, EffectResult::Arguments { line, items });
        }
        Effect::RunCommand { id, line } => {
            done(&fx.tx, id, EffectResult::Command(host.run_command(&line)));
        }
        Effect::LoadSkills { id } => {
            let tx = fx.tx.clone();
            let roots = fx.skill_roots.clone();
            let project = fx.skills.as_ref().map(|c| c.dir.clone());
            tokio::task::spawn_blocking(move || {
                let found = crate::skills::discover::discover(&roots);
                let records = project
                    .and_then(|dir| crate::skills::record::read(&dir).ok())
                    .unwrap_or_default();
                done(&tx, id, EffectResult::Skills(found, records));
            });
        }
        Effect::LoadRegistry { id } => {
            let tx = fx.tx.clone();
            let config = fx.skills.clone();
            tokio::spawn(async move {
                let result = match config {
                    Some(c) => super::skill_installs::registry_items(&c).await,
                    None => Err("skills are off".to_string()),
                };
                done(&tx, id, EffectResult::Registry(result));
            });
        }
        Effect::InstallSkill { id, source } => {
            let tx = fx.tx.clone();
            let config = fx.skills.clone();
            let cwd = fx.cwd.clone();
            tokio::spawn(async move {
                let result = match config {
                    Some(c) => super::skill_installs::install(&c, &source, &cwd).await,
                    None => Err("skills are off".to_string()),
                };
                done(&tx, id, EffectResult::SkillInstalled(result));
            });
        }
        Effect::LoadImage {
            id,
            source,
            overlay,
        } => {
            let result = crate::tui::term::images::decode(&source, &fx.cwd).map(|(label, img)| {
                let key = fx.next_image;
                fx.next_image += 1;
                let (width, height) = (img.width(), img.height());
                let picker = fx
                    .picker
                    .take()
                    .unwrap_or_else(|| picker_for(fx.query_images));
                fx.images
                    .insert(key, picker.new_resize_protocol(img.clone()));
                fx.picker = Some(picker);
                fx.decoded.insert(key, img);
                ImageInfo {
                    label,
                    width,
                    height,
                    key,
                    overlay,
                }
            });
            done(&fx.tx, id, EffectResult::Image(result));
        }
    }
    Ok(())
}

fn submit(agent: Option<&AgentHandle>, id: u64, op: Op) {
    if let Some(a) = agent {
        let _ = a.submissions.send(Submission { id, op });
    }
}

/// The images named by `@path` in a prompt, as base64 attachments.
fn read_images(cwd: &Path, paths: &[PathBuf]) -> Result<Vec<ImageInput>, String> {
    let mut out = Vec::new();
    for p in paths {
        let full = if p.is_absolute() {
            p.clone()
        } else {
            cwd.join(p)
        };
        let bytes =
            std::fs::read(&full).map_err(|e| format!("cannot attach {}: {e}", full.display()))?;
        let mime = match image::guess_format(&bytes) {
            Ok(image::ImageFormat::Png) => "image/png",
            Ok(image::ImageFormat::Jpeg) => "image/jpeg",
            Ok(image::ImageFormat::Gif) => "image/gif",
            Ok(image::ImageFormat::WebP) => "image/webp",
            _ => {
                return Err(format!(
                    "{} is not a PNG, JPEG, GIF or WebP image",
                    full.display()
                ));
            }
        };
        out.push(ImageInput {
            mime_type: mime.to_string(),
            data: base64::engine::general_purpose::STANDARD.encode(&bytes),
        });
    }
    Ok(out)
}

/// The project's files, relative to `cwd`, .gitignore respected, sorted.
pub fn list_files(cwd: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in ignore::WalkBuilder::new(cwd).hidden(true).build().flatten() {
        if out.len() >= MAX_FILES {
            break;
        }
        if entry.file_type().is_some_and(|t| t.is_file())
            && let Ok(rel) = entry.path().strip_prefix(cwd)
        {
            out.push(rel.to_string_lossy().into_owned());
        }
    }
    out.sort();
    out
}

/// Opens `$VISUAL` / `$EDITOR` (else vi) on `text`; returns the edited text.
async fn edit_externally(text: &str) -> Result<String, String> {
    let editor = std::env::var("VISUAL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .or_else(|| {
            std::env::var("EDITOR")
                .ok()
                .filter(|v| !v.trim().is_empty())
        })
        .unwrap_or_else(|| "vi".to_string());
    let file = tempfile::Builder::new()
        .prefix("pi-prompt-")
        .suffix(".md")
        .tempfile()
        .map_err(|e| format!("cannot create a temporary file: {e}"))?;
    std::fs::write(file.path(), text).map_err(|e| format!("cannot write the prompt: {e}"))?;
    let status = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("pi-editor")
        .arg(file.path())
        .status()
        .await
        .map_err(|e| format!("cannot run {editor}: {e}"))?;
    if !status.success() {
        return Err(format!(
            "{editor} exited with {status}; the prompt is unchanged"
        ));
    }
    std::fs::read_to_string(file.path()).map_err(|e| format!("cannot read the prompt back: {e}"))
}

/// Base64 bytes of an OSC 52 copy at most: terminals drop (or choke on) longer sequences.
const OSC52_MAX: usize = 100 * 1024;

/// Inside tmux an application's OSC 52 reaches the clipboard only with `set-clipboard on`
/// (the default, `external`, drops it): the text also goes into tmux's buffer, and with `-w`
/// tmux passes it on to the outer terminal's clipboard itself.
fn copy_through_tmux(text: String) {
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        let child = tokio::process::Command::new("tmux")
            .args(["load-buffer", "-w", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        let mut child = match child {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!("cannot run tmux load-buffer: {e}");
                return;
            }
        };
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(text.as_bytes()).await;
        }
        match child.wait().await {
            Ok(s) if s.success() => {}
            other => tracing::warn!("tmux load-buffer failed: {other:?}"),
        }
    });
}

/// The base64 payload of `text` for OSC 52, cut at a character boundary to fit `OSC52_MAX`;
/// whether it was cut.
fn osc52_payload(text: &str) -> (String, bool) {
    use base64::Engine;
    let max_bytes = OSC52_MAX / 4 * 3;
    let mut end = text.len().min(max_bytes);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let b64 = base64::engine::general_purpose::STANDARD.encode(&text.as_bytes()[..end]);
    (b64, end < text.len())
}

#[cfg(test)]
mod osc52_tests {
    use super::*;

    #[test]
    fn osc52_payload_is_capped_at_a_char_boundary() {
        let (b64, cut) = osc52_payload("hello");
        assert_eq!((b64.as_str(), cut), ("aGVsbG8=", false));
        let big = "é".repeat(100_000);
        let (b64, cut) = osc52_payload(&big);
        assert!(cut);
        assert!(b64.len() <= OSC52_MAX, "{}", b64.len());
    }
}
