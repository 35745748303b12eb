//! Finding pi's earlier replies to an event by the [`Marker`] in their metadata:
//! `conversations.replies` in a thread, `conversations.history` (the newest messages)
//! outside one, both with `include_all_metadata`. They need the `channels:history`,
//! `groups:history`, `im:history` and `mpim:history` scopes.

use serde_json::Value;

use super::{Marker, SlackError, SlackWeb};

/// Messages of a thread read when looking for a reply.
const THREAD_LIMIT: &str = "200";
/// The newest messages of a channel read when looking for a reply.
const HISTORY_LIMIT: &str = "100";

/// A message pi posted in answer to an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundReply {
    pub ts: String,
    /// The answer is final (not a "working…" message).
    pub done: bool,
}

impl SlackWeb {
    /// pi's messages answering the event `key` in `channel`: in the thread `thread_ts`
    /// when given, else among the channel's newest messages. Oldest first, as Slack lists a
    /// thread; the history's newest-first order is turned around.
    pub async fn find_replies(
        &self,
        channel: &str,
        thread_ts: Option<&str>,
        key: &str,
    ) -> Result<Vec<FoundReply>, SlackError> {
        let (method, reply) = match thread_ts {
            Some(ts) => {
                let args = [
                    ("channel", channel),
                    ("ts", ts),
                    ("include_all_metadata", "true"),
                    ("limit", THREAD_LIMIT),
                ];
                (
                    "conversations.replies",
                    self.call_get("conversations.replies", &args).await?,
                )
            }
            None => {
                let args = [
                    ("channel", channel),
                    ("include_all_metadata", "true"),
                    ("limit", HISTORY_LIMIT),
                ];
                (
                    "conversations.history",
                    self.call_get("conversations.history", &args).await?,
                )
            }
        };
        let messages = reply["messages"]
            .as_array()
            .ok_or_else(|| SlackError::Decode(format!("{method}: no messages")))?;
        let mut found = replies_to(messages, key);
        if thread_ts.is_none() {
            found.reverse();
        }
        Ok(found)
    }
}

/// The messages among `messages` whose marker answers `key`.
pub(super) fn replies_to(messages: &[Value], key: &str) -> Vec<FoundReply> {
    messages
        .iter()
        .filter_map(|m| {
            let marker = Marker::from_metadata(&m["metadata"])?;
            let ts = m["ts"].as_str()?;
            (marker.reply_to == key).then(|| FoundReply {
                ts: ts.to_string(),
                done: marker.done,
            })
        })
        .collect()
}
