//! Where an event's answer goes: its channel's transport. `github/OWNER/REPO#N` posts on the
//! issue (the repository given to the runner), `slack/...` in the channel or thread,
//! `local/NAME` appends to the outbox file. [`Routes`] is one `Transport` over the three.

mod outbox;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

pub use outbox::{LocalReply, Outbox};

use crate::modes::bridge::github::transport::{GithubTransport, ReplyRef};
use crate::modes::bridge::runner::{Answer, Begin, Prompt, Transport};
use crate::modes::bridge::slack::transport::{SlackReply, SlackTransport};
use crate::modes::bridge::step::Inbound;
use crate::modes::bridge::store::Channel;

/// The model an event asks for, by the key of its run (set by the scheduler, taken by the
/// run's prompt).
pub type Models = Arc<Mutex<HashMap<String, String>>>;

/// The transports the runner was given.
pub struct Routes {
    pub github: Option<GithubTransport>,
    pub slack: Option<SlackTransport>,
    pub local: Outbox,
    pub models: Models,
}

/// A reply on one of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "via", rename_all = "snake_case")]
pub enum RouteReply {
    Github(ReplyRef),
    Slack(SlackReply),
    Local(LocalReply),
}

enum Via<'a> {
    Github(&'a GithubTransport),
    Slack(&'a SlackTransport),
    Local(&'a Outbox),
}

impl Routes {
    fn via(&self, conversation: &str) -> Result<Via<'_>, String> {
        let transport = conversation.split('/').next().unwrap_or("");
        match transport {
            "github" => {
                let g = self.github.as_ref().ok_or_else(|| {
                    format!(
                        "{conversation}: the runner has no GitHub settings (--github-repo, a token)"
                    )
                })?;
                let repo = conversation
                    .strip_prefix("github/")
                    .and_then(|r| r.rsplit_once('#'))
                    .map(|(r, _)| r);
                if repo != Some(g.rules.repo.as_str()) {
                    return Err(format!(
                        "{conversation}: the runner posts to {} only",
                        g.rules.repo
                    ));
                }
                Ok(Via::Github(g))
            }
            "slack" => self
                .slack
                .as_ref()
                .map(Via::Slack)
                .ok_or_else(|| format!("{conversation}: the runner has no Slack tokens")),
            "local" => Ok(Via::Local(&self.local)),
            _ => Err(format!("{conversation}: unknown transport")),
        }
    }
}

fn wrap<H>(begin: Begin<H>, f: impl FnOnce(H) -> RouteReply) -> Begin<RouteReply> {
    match begin {
        Begin::Reply(h) => Begin::Reply(f(h)),
        Begin::AlreadyAnswered => Begin::AlreadyAnswered,
    }
}

impl Transport for Routes {
    type Handle = RouteReply;

    async fn begin(
        &self,
        channel: &Channel,
        inbound: &Inbound,
        saved: Option<RouteReply>,
    ) -> Result<Begin<RouteReply>, String> {
        match (self.via(&inbound.conversation)?, saved) {
            (Via::Github(t), saved) => {
                let saved = match saved {
                    Some(RouteReply::Github(h)) => Some(h),
                    _ => None,
                };
                Ok(wrap(
                    t.begin(channel, inbound, saved).await?,
                    RouteReply::Github,
                ))
            }
            (Via::Slack(t), saved) => {
                let saved = match saved {
                    Some(RouteReply::Slack(h)) => Some(h),
                    _ => None,
                };
                Ok(wrap(
                    t.begin(channel, inbound, saved).await?,
                    RouteReply::Slack,
                ))
            }
            (Via::Local(t), _) => Ok(wrap(
                t.begin(channel, inbound, None).await?,
                RouteReply::Local,
            )),
        }
    }

    async fn progress(&self, handle: &RouteReply, partial: &str) -> Result<(), String> {
        match handle {
            RouteReply::Github(h) => match &self.github {
                Some(t) => t.progress(h, partial).await,
                None => Ok(()),
            },
            RouteReply::Slack(h) => match &self.slack {
                Some(t) => t.progress(h, partial).await,
                None => Ok(()),
            },
            RouteReply::Local(h) => self.local.progress(h, partial).await,
        }
    }

    async fn finish(&self, handle: &RouteReply, answer: &Answer) -> Result<(), String> {
        match handle {
            RouteReply::Github(h) => match &self.github {
                Some(t) => t.finish(h, answer).await,
                None => Err("no GitHub settings".into()),
            },
            RouteReply::Slack(h) => match &self.slack {
                Some(t) => t.finish(h, answer).await,
                None => Err("no Slack tokens".into()),
            },
            RouteReply::Local(h) => self.local.finish(h, answer).await,
        }
    }

    async fn reply(
        &self,
        conversation: &str,
        reply_to: &Inbound,
        text: &str,
    ) -> Result<(), String> {
        match self.via(conversation)? {
            Via::Github(t) => t.reply(conversation, reply_to, text).await,
            Via::Slack(t) => t.reply(conversation, reply_to, text).await,
            Via::Local(t) => t.reply(conversation, reply_to, text).await,
        }
    }

    async fn prompt(
        &self,
        channel: &Channel,
        inbound: &Inbound,
        first_run: bool,
    ) -> Result<Prompt, String> {
        // An event's prompt is its own; the channel's history is in its session.
        let _ = (channel, first_run);
        self.via(&inbound.conversation)?;
        let model = self
            .models
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&inbound.key);
        Ok(Prompt {
            text: inbound.text.clone(),
            images: Vec::new(),
            model,
        })
    }
}
