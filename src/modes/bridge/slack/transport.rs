//! The Slack side of a run: a "working…" message (in the thread when the request came in
//! one) updated with `chat.update` as the run goes and replaced by the answer; an answer
//! over the threshold becomes a summary with the whole text in the thread. Files attached to
//! the request are downloaded with the bot token into the conversation's attachments.
//! Every message pi posts carries a [`Marker`] (hidden metadata naming the event it
//! answers), so a bridge that lost its state file finds its reply again instead of
//! answering twice.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::rules::SlackFile;
use super::web::{FoundReply, Marker, SlackWeb};
use crate::agent::ImageInput;
use crate::modes::bridge::github::split_comment;
use crate::modes::bridge::runner::{Answer, Begin, Prompt, RunFooter, Transport};
use crate::modes::bridge::step::Inbound;
use crate::modes::bridge::store::Channel;

/// Characters of one message of a long answer's detail (Slack shows longer ones folded).
const DETAIL_PART: usize = 3_900;
/// Messages with attachments remembered until their run, at most.
const MAX_PENDING_FILES: usize = 1_000;
/// Largest image sent to the model, in bytes.
const MAX_IMAGE_BYTES: u64 = 5 * 1024 * 1024;

/// Where a long answer's whole text goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// In the thread under the summary, split into messages.
    Thread,
    /// Nowhere but the session and the event log: the summary says so.
    Off,
}

/// A posted reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlackReply {
    pub channel: String,
    pub ts: String,
    /// The thread the reply is in, if any.
    pub thread_ts: Option<String>,
    /// The event key the reply answers (its marker); empty in state saved before markers.
    #[serde(default)]
    pub key: String,
}

pub struct SlackTransport {
    pub web: SlackWeb,
    pub detail_threshold: usize,
    pub detail: Detail,
    pub max_file_bytes: u64,
    /// Files of inbound messages not yet run, by event key.
    files: Mutex<HashMap<String, Vec<SlackFile>>>,
}

/// The channel and thread of a conversation `slack/C` or `slack/C/THREAD_TS`.
pub fn place(conversation: &str) -> Result<(String, Option<String>), String> {
    let rest = conversation
        .strip_prefix("slack/")
        .ok_or_else(|| format!("{conversation} is not a Slack conversation"))?;
    Ok(match rest.split_once('/') {
        Some((c, t)) => (c.to_string(), Some(t.to_string())),
        None => (rest.to_string(), None),
    })
}

/// pi's marker for a message answering `key`; none for an empty key (a handle saved before
/// markers, a reply to no event).
fn mark(key: &str, done: bool) -> Option<Marker> {
    (!key.is_empty()).then(|| Marker::new(key, done))
}

/// A file name safe in the attachments folder.
fn safe_name(id: &str, name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let clean = clean.trim_start_matches('.');
    let id: String = id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("{id}-{}", if clean.is_empty() { "file" } else { clean })
}

/// The footer line under an answer.
fn footer_line(f: &RunFooter) -> String {
    format!(
        "_run {} · {} · {} in / {} out · ${:.4} · {:.1} s_",
        f.run_id,
        f.model,
        f.input_tokens,
        f.output_tokens,
        f.cost_usd,
        f.duration_ms as f64 / 1000.0
    )
}

/// The first part of a long answer, cut at a paragraph or line break.
fn summary(text: &str, max: usize) -> String {
    let first = split_comment(text, max)
        .into_iter()
        .next()
        .unwrap_or_default();
    first.trim_end().to_string()
}

impl SlackTransport {
    pub fn new(
        web: SlackWeb,
        detail_threshold: usize,
        detail: Detail,
        max_file_bytes: u64,
    ) -> Self {
        SlackTransport {
            web,
            detail_threshold: detail_threshold.max(100),
            detail,
            max_file_bytes,
            files: Mutex::new(HashMap::new()),
        }
    }

    /// Keeps the files of an inbound message until its run builds the prompt.
    pub fn remember_files(&self, key: &str, files: Vec<SlackFile>) {
        if files.is_empty() {
            return;
        }
        let mut map = self
            .files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Messages that never run (refused, duplicates, a full queue) leave their entry:
        // past this many, the oldest waiting lists are dropped wholesale.
        if map.len() >= MAX_PENDING_FILES {
            tracing::warn!(
                "forgetting the attachments of {} messages that never ran",
                map.len()
            );
            map.clear();
        }
        drop(map);
        self.files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(key.to_string(), files);
    }

    /// pi's replies to `key` in `channel` (and `thread_ts`); none when the key is empty or
    /// Slack cannot be asked (a missing history scope is logged, not fatal: pi then posts).
    async fn earlier_replies(
        &self,
        channel: &str,
        thread_ts: Option<&str>,
        key: &str,
    ) -> Vec<FoundReply> {
        if key.is_empty() {
            return Vec::new();
        }
        match self.web.find_replies(channel, thread_ts, key).await {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(channel, key, "cannot look for an earlier reply: {e}");
                Vec::new()
            }
        }
    }

    fn take_files(&self, key: &str) -> Vec<SlackFile> {
        self.files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(key)
            .unwrap_or_default()
    }
}

impl Transport for SlackTransport {
    type Handle = SlackReply;

    async fn begin(
        &self,
        _channel: &Channel,
        inbound: &Inbound,
        saved: Option<SlackReply>,
    ) -> Result<Begin<SlackReply>, String> {
        let (channel, thread_ts) = place(&inbound.conversation)?;
        let key = inbound.key.clone();
        // The markers on Slack are the truth: the answer may have been posted just before a
        // crash, or the state file may be gone.
        let earlier = self
            .earlier_replies(&channel, thread_ts.as_deref(), &key)
            .await;
        if earlier.iter().any(|r| r.done) {
            self.take_files(&key);
            return Ok(Begin::AlreadyAnswered);
        }
        if let Some(s) = saved {
            // A restart in the middle of the run: the same message is edited.
            return Ok(Begin::Reply(s));
        }
        let ts = match earlier.into_iter().next() {
            Some(working) => working.ts,
            None => self
                .web
                .post_message(
                    &channel,
                    thread_ts.as_deref(),
                    "_working…_",
                    mark(&key, false).as_ref(),
                )
                .await
                .map_err(|e| e.to_string())?,
        };
        Ok(Begin::Reply(SlackReply {
            channel,
            ts,
            thread_ts,
            key,
        }))
    }

    async fn progress(&self, handle: &SlackReply, partial: &str) -> Result<(), String> {
        let text = if partial.chars().count() > self.detail_threshold {
            let tail: String = {
                let n = partial.chars().count();
                partial.chars().skip(n - self.detail_threshold).collect()
            };
            format!("…{tail}")
        } else {
            partial.to_string()
        };
        self.web
            .update_message(
                &handle.channel,
                &handle.ts,
                &text,
                mark(&handle.key, false).as_ref(),
            )
            .await
            .map_err(|e| e.to_string())
    }

    async fn finish(&self, handle: &SlackReply, answer: &Answer) -> Result<(), String> {
        let text = answer.text.trim();
        let text = if text.is_empty() {
            "_(no text in the answer)_"
        } else {
            text
        };
        let done = mark(&handle.key, true);
        let footer = answer.footer.as_ref().map(footer_line);
        let with_footer = |t: &str| match &footer {
            Some(f) => format!("{t}\n\n{f}"),
            None => t.to_string(),
        };
        if text.chars().count() <= self.detail_threshold {
            return self
                .web
                .update_message(
                    &handle.channel,
                    &handle.ts,
                    &with_footer(text),
                    done.as_ref(),
                )
                .await
                .map_err(|e| e.to_string());
        }
        let head = summary(text, self.detail_threshold / 2);
        let note = match self.detail {
            Detail::Thread => "_The whole answer is in the thread._",
            Detail::Off => {
                "_The answer is longer; the whole text is in the conversation's session on the bridge._"
            }
        };
        self.web
            .update_message(
                &handle.channel,
                &handle.ts,
                &with_footer(&format!("{head}\n\n…\n\n{note}")),
                done.as_ref(),
            )
            .await
            .map_err(|e| e.to_string())?;
        if self.detail == Detail::Thread {
            let thread = handle.thread_ts.as_deref().unwrap_or(&handle.ts);
            for part in split_comment(text, DETAIL_PART) {
                self.web
                    .post_message(&handle.channel, Some(thread), &part, done.as_ref())
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }

    async fn reply(
        &self,
        conversation: &str,
        reply_to: &Inbound,
        text: &str,
    ) -> Result<(), String> {
        let (channel, thread_ts) = place(conversation)?;
        let key = &reply_to.key;
        if !self
            .earlier_replies(&channel, thread_ts.as_deref(), key)
            .await
            .is_empty()
        {
            // Answered before a restart.
            return Ok(());
        }
        self.web
            .post_message(
                &channel,
                thread_ts.as_deref(),
                text,
                mark(key, true).as_ref(),
            )
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    async fn prompt(
        &self,
        channel: &Channel,
        inbound: &Inbound,
        _first_run: bool,
    ) -> Result<Prompt, String> {
        let mut text = inbound.text.clone();
        let mut images = Vec::new();
        let files = self.take_files(&inbound.key);
        if files.is_empty() {
            return Ok(Prompt {
                text,
                images,
                model: None,
            });
        }
        let dir = channel.attachments_dir();
        crate::private_fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let mut lines = Vec::new();
        for f in files {
            if f.size > self.max_file_bytes {
                lines.push(format!(
                    "- {} ({} bytes): not downloaded, over the {} byte limit",
                    f.name, f.size, self.max_file_bytes
                ));
                continue;
            }
            let dest = dir.join(safe_name(&f.id, &f.name));
            match self.web.download(&f.url, self.max_file_bytes, &dest).await {
                Ok(n) => {
                    lines.push(format!("- {} ({n} bytes): {}", f.name, dest.display()));
                    if f.mimetype.starts_with("image/")
                        && n <= MAX_IMAGE_BYTES
                        && let Ok(bytes) = std::fs::read(&dest)
                    {
                        images.push(ImageInput {
                            mime_type: f.mimetype.clone(),
                            data: base64::engine::general_purpose::STANDARD.encode(bytes),
                        });
                    }
                }
                Err(e) => lines.push(format!("- {}: not downloaded ({e})", f.name)),
            }
        }
        text.push_str("\n\nFiles attached to this message (read them with the read tool):\n");
        text.push_str(&lines.join("\n"));
        Ok(Prompt {
            text,
            images,
            model: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_names_and_summaries() {
        assert_eq!(place("slack/C1"), Ok(("C1".into(), None)));
        assert_eq!(
            place("slack/C1/1700.1"),
            Ok(("C1".into(), Some("1700.1".into())))
        );
        assert!(place("github/o/r#1").is_err());
        assert_eq!(safe_name("F1", "../../etc/passwd"), "F1-_.._etc_passwd");
        assert_eq!(safe_name("F1", "a b.png"), "F1-a_b.png");
        assert_eq!(mark("Ev1", true), Some(Marker::new("Ev1", true)));
        assert_eq!(mark("", false), None);
        assert_eq!(safe_name("F1", "..."), "F1-file");
        assert_eq!(safe_name("../F1", "a"), "___F1-a");
        let s = summary("one\n\ntwo three four", 8);
        assert_eq!(s, "one");
    }
}
