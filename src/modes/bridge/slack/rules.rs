//! The Slack bridge's rules, as pure functions over an `events_api` envelope's payload: an
//! `app_mention` or a direct message (`message` in an `im` channel) becomes an inbound
//! message; edits, bot messages, pi's own messages and events older than
//! `--slack-max-event-age-seconds` do not. A thread is its own conversation; a message
//! outside one belongs to its channel's. `--slack-allow-user` / `--slack-allow-channel`,
//! when given, decide who may start runs.

use serde_json::Value;

use crate::modes::bridge::step::Inbound;

/// What the bridge was told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// The bot's own user id (`auth.test`): its messages are never inbound, and a leading
    /// mention of it is not part of the prompt.
    pub bot_user_id: String,
    /// `--slack-allow-user`: when not empty, only these users may start runs.
    pub allow_users: Vec<String>,
    /// `--slack-allow-channel`: when not empty, runs start only in these channels.
    pub allow_channels: Vec<String>,
    /// Events older than this (seconds) are skipped.
    pub max_event_age_secs: u64,
}

/// A file attached to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlackFile {
    pub id: String,
    pub name: String,
    pub mimetype: String,
    /// Downloaded with the bot token.
    pub url: String,
    pub size: u64,
}

/// What an event is to the bridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Classified {
    /// A message for the core (`step`), with the files to download first.
    Message {
        inbound: Inbound,
        files: Vec<SlackFile>,
        /// Where the reply goes: the channel and the thread (`ts` of its first message).
        channel: String,
        thread_ts: String,
    },
    /// Nothing to do; the reason is for the event log.
    Skip(&'static str),
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Classifies an `events_api` payload received at `now_unix`.
pub fn classify(rules: &Rules, payload: &Value, now_unix: u64) -> Classified {
    let event = &payload["event"];
    let kind = str_of(event, "type").unwrap_or("");
    let is_dm = kind == "message" && str_of(event, "channel_type") == Some("im");
    if kind != "app_mention" && !is_dm {
        return Classified::Skip("not a mention or a direct message");
    }
    if event.get("subtype").is_some_and(|s| !s.is_null()) {
        // message_changed, message_deleted, bot_message, channel_join, ...
        return Classified::Skip("an edit, a deletion or a bot message");
    }
    if event.get("bot_id").is_some_and(|b| !b.is_null()) {
        return Classified::Skip("a bot's message");
    }
    let user = str_of(event, "user").unwrap_or("");
    if user.is_empty() || user == rules.bot_user_id {
        return Classified::Skip("pi's own message");
    }
    let event_time = payload["event_time"].as_u64().unwrap_or(now_unix);
    if now_unix.saturating_sub(event_time) > rules.max_event_age_secs {
        return Classified::Skip("older than --slack-max-event-age-seconds");
    }
    let (Some(channel), Some(ts)) = (str_of(event, "channel"), str_of(event, "ts")) else {
        return Classified::Skip("no channel or timestamp");
    };
    let thread = str_of(event, "thread_ts");
    let conversation = match thread {
        Some(t) => format!("slack/{channel}/{t}"),
        None => format!("slack/{channel}"),
    };
    let key = str_of(payload, "event_id")
        .map(str::to_string)
        .unwrap_or_else(|| format!("{channel}:{ts}"));
    let allowed = (rules.allow_users.is_empty() || rules.allow_users.iter().any(|u| u == user))
        && (rules.allow_channels.is_empty() || rules.allow_channels.iter().any(|c| c == channel));
    let text = strip_mention(str_of(event, "text").unwrap_or(""), &rules.bot_user_id);
    Classified::Message {
        inbound: Inbound {
            key,
            conversation,
            author: user.to_string(),
            allowed,
            text,
        },
        files: files(event),
        channel: channel.to_string(),
        thread_ts: thread.unwrap_or(ts).to_string(),
    }
}

/// The text without a leading `<@BOT>` mention.
pub fn strip_mention(text: &str, bot_user_id: &str) -> String {
    let mention = format!("<@{bot_user_id}>");
    text.trim()
        .strip_prefix(&mention)
        .unwrap_or(text.trim())
        .trim()
        .to_string()
}

fn files(event: &Value) -> Vec<SlackFile> {
    event["files"]
        .as_array()
        .map(|files| {
            files
                .iter()
                .filter_map(|f| {
                    Some(SlackFile {
                        id: str_of(f, "id")?.to_string(),
                        name: str_of(f, "name").unwrap_or("file").to_string(),
                        mimetype: str_of(f, "mimetype").unwrap_or("").to_string(),
                        url: str_of(f, "url_private_download")
                            .or_else(|| str_of(f, "url_private"))?
                            .to_string(),
                        size: f["size"].as_u64().unwrap_or(0),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
