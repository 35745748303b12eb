//! The GitHub side of a run: a "working…" comment carrying pi's hidden marker, edited as the
//! run goes and replaced by the answer (split over several comments when too long), and the
//! prompt built from the issue and its comments.

use serde::{Deserialize, Serialize};

use super::rules::{Rules, answered_key, footer, marker};
use super::{COMMENT_LIMIT, Comment, GithubClient, split_comment};
use crate::modes::bridge::runner::{Answer, Begin, Prompt, Transport};
use crate::modes::bridge::step::Inbound;
use crate::modes::bridge::store::Channel;

/// Marks a finished answer (a "working…" comment lacks it, so a restarted bridge edits it).
const DONE: &str = "<!-- rust-pi-bridge done -->";
/// Room kept in each comment for the marker lines.
const MARKER_ROOM: usize = 200;

/// A posted reply: the issue and the comment being edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyRef {
    pub issue: u64,
    pub comment: u64,
    /// The event key the reply answers (its marker).
    pub key: String,
}

pub struct GithubTransport {
    pub client: GithubClient,
    pub rules: Rules,
}

/// The issue number of a conversation `github/OWNER/REPO#N`.
pub fn issue_of(conversation: &str) -> Result<u64, String> {
    conversation
        .rsplit_once('#')
        .and_then(|(_, n)| n.parse().ok())
        .ok_or_else(|| format!("{conversation} names no issue"))
}

fn body(key: &str, text: &str, done: bool) -> String {
    let mut out = format!("{text}\n\n{}", marker(key));
    if done {
        out.push('\n');
        out.push_str(DONE);
    }
    out
}

/// The last `max` characters of `text`, marked as cut when cut.
fn tail(text: &str, max: usize) -> String {
    let n = text.chars().count();
    if n <= max {
        return text.to_string();
    }
    let skip = n - max;
    format!("…{}", text.chars().skip(skip).collect::<String>())
}

impl GithubTransport {
    /// Whether pi posted `c`: a marker counts only in the bot's own comments (anyone can
    /// type one). With no bot login given (the events runner), any marked comment counts.
    fn is_mine(&self, c: &Comment) -> bool {
        self.rules.bot_login.is_empty()
            || c.author().login.eq_ignore_ascii_case(&self.rules.bot_login)
    }

    /// pi's comments answering `key` on the issue.
    async fn replies_to(&self, issue: u64, key: &str) -> Result<Vec<Comment>, String> {
        let comments = self
            .client
            .issue_comments(issue)
            .await
            .map_err(|e| e.to_string())?;
        Ok(comments
            .into_iter()
            .filter(|c| self.is_mine(c) && answered_key(&c.body) == Some(key))
            .collect())
    }
}

impl Transport for GithubTransport {
    type Handle = ReplyRef;

    async fn begin(
        &self,
        _channel: &Channel,
        inbound: &Inbound,
        saved: Option<ReplyRef>,
    ) -> Result<Begin<ReplyRef>, String> {
        let issue = issue_of(&inbound.conversation)?;
        // The marker on GitHub is the truth: a lost or stale state file cannot make pi
        // answer twice.
        let mine = self.replies_to(issue, &inbound.key).await?;
        if mine.iter().any(|c| c.body.contains(DONE)) {
            return Ok(Begin::AlreadyAnswered);
        }
        if let Some(c) = mine
            .iter()
            .find(|c| saved.as_ref().is_some_and(|s| s.comment == c.id))
            .or_else(|| mine.first())
        {
            return Ok(Begin::Reply(ReplyRef {
                issue,
                comment: c.id,
                key: inbound.key.clone(),
            }));
        }
        let posted = self
            .client
            .post_comment(issue, &body(&inbound.key, "_working…_", false))
            .await
            .map_err(|e| e.to_string())?;
        Ok(Begin::Reply(ReplyRef {
            issue,
            comment: posted.id,
            key: inbound.key.clone(),
        }))
    }

    async fn progress(&self, handle: &ReplyRef, partial: &str) -> Result<(), String> {
        let text = tail(partial, COMMENT_LIMIT - MARKER_ROOM);
        self.client
            .edit_comment(handle.comment, &body(&handle.key, &text, false))
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    async fn finish(&self, handle: &ReplyRef, answer: &Answer) -> Result<(), String> {
        let mut text = answer.text.trim().to_string();
        if text.is_empty() {
            text = "_(no text in the answer)_".into();
        }
        if let Some(f) = &answer.footer {
            text.push_str("\n\n");
            text.push_str(&footer(f));
        }
        let parts = split_comment(&text, COMMENT_LIMIT - MARKER_ROOM);
        let mut parts = parts.into_iter();
        let first = parts.next().unwrap_or_default();
        self.client
            .edit_comment(handle.comment, &body(&handle.key, &first, true))
            .await
            .map_err(|e| e.to_string())?;
        for part in parts {
            self.client
                .post_comment(handle.issue, &body(&handle.key, &part, true))
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    async fn reply(
        &self,
        conversation: &str,
        reply_to: &Inbound,
        text: &str,
    ) -> Result<(), String> {
        let issue = issue_of(conversation)?;
        if !reply_to.key.is_empty() && !self.replies_to(issue, &reply_to.key).await?.is_empty() {
            // Answered before a restart.
            return Ok(());
        }
        self.client
            .post_comment(issue, &body(&reply_to.key, text, true))
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    async fn prompt(
        &self,
        _channel: &Channel,
        inbound: &Inbound,
        first_run: bool,
    ) -> Result<Prompt, String> {
        let number = issue_of(&inbound.conversation)?;
        let repo = &self.rules.repo;
        if inbound.key.starts_with("issue:") {
            return Ok(Prompt {
                text: format!(
                    "GitHub issue {repo}#{number}, opened by @{}. Your answer is posted as a comment on it.\n\n{}",
                    inbound.author, inbound.text
                ),
                images: Vec::new(),
                model: None,
            });
        }
        let issue = self.client.issue(number).await.map_err(|e| e.to_string())?;
        let comments = self
            .client
            .issue_comments(number)
            .await
            .map_err(|e| e.to_string())?;
        let this_id = inbound
            .key
            .strip_prefix("comment:")
            .and_then(|n| n.parse::<u64>().ok());
        // Comments since pi's last answer (all of them on the first run), not pi's own.
        let last_answer = comments.iter().rposition(|c| {
            self.is_mine(c) && answered_key(&c.body).is_some() && Some(c.id) < this_id
        });
        let start = if first_run {
            0
        } else {
            last_answer.map_or(0, |i| i + 1)
        };
        let earlier: Vec<String> = comments[start.min(comments.len())..]
            .iter()
            .filter(|c| {
                Some(c.id) != this_id && !(self.is_mine(c) && answered_key(&c.body).is_some())
            })
            .filter(|c| this_id.is_none_or(|t| c.id < t))
            .map(|c| format!("@{} wrote:\n{}", c.author().login, c.body.trim()))
            .collect();
        let mut text =
            format!("GitHub issue {repo}#{number}. Your answer is posted as a comment on it.\n\n");
        if first_run {
            text.push_str(&format!(
                "Issue by @{}: {}\n\n{}\n\n",
                issue.author().login,
                issue.title,
                issue.body.as_deref().unwrap_or("").trim()
            ));
        }
        if !earlier.is_empty() {
            let heading = if first_run {
                "Comments so far"
            } else {
                "New comments since your last answer"
            };
            text.push_str(&format!("{heading}:\n\n{}\n\n", earlier.join("\n\n")));
        }
        text.push_str(&format!(
            "Comment by @{} for you:\n{}",
            inbound.author, inbound.text
        ));
        Ok(Prompt {
            text,
            images: Vec::new(),
            model: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversations_name_their_issue_and_bodies_carry_the_marker() {
        assert_eq!(issue_of("github/o/r#12"), Ok(12));
        assert!(issue_of("github/o/r").is_err());
        let b = body("comment:5", "hi", true);
        assert_eq!(answered_key(&b), Some("comment:5"));
        assert!(b.contains(DONE));
        assert!(!body("issue:1", "_working…_", false).contains(DONE));
        assert_eq!(tail("abcdef", 3), "…def");
        assert_eq!(tail("abc", 3), "abc");
    }
}
