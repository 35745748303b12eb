//! The GitHub bridge's rules, as pure functions: which issues and comments become inbound
//! messages (a new issue; a comment that mentions the bot, or every comment with
//! `--github-respond-to all`), who may start runs, the event keys that make a second delivery
//! a duplicate, and the hidden marker and footer of every comment pi posts (the marker is how
//! a restarted bridge that lost its state still never answers twice).

use super::{Author, AuthorAssociation, Comment, Issue};
use crate::modes::bridge::step::Inbound;

/// Which comments start runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RespondTo {
    /// Comments that mention `@BOT`.
    Mentions,
    /// Every new comment.
    All,
}

/// What the bridge was told about this repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// `OWNER/REPO`.
    pub repo: String,
    /// The bot's login (`--github-bot-login`): its own comments are never inbound.
    pub bot_login: String,
    pub respond_to: RespondTo,
    /// `--github-allow-user`: logins allowed besides owners, members and collaborators.
    pub allow_users: Vec<String>,
}

/// The start of the hidden marker in every comment pi posts.
pub const MARKER_PREFIX: &str = "<!-- rust-pi-bridge ";

/// The conversation of issue `number`.
pub fn conversation(repo: &str, number: u64) -> String {
    format!("github/{repo}#{number}")
}

/// Whether `author` may start runs: the repository's owner, members and collaborators, and
/// the logins allowed by flag (compared without case, as GitHub logins are).
pub fn may_run(author: &Author, allow_users: &[String]) -> bool {
    matches!(
        author.association,
        AuthorAssociation::Owner | AuthorAssociation::Member | AuthorAssociation::Collaborator
    ) || allow_users
        .iter()
        .any(|u| u.eq_ignore_ascii_case(&author.login))
}

/// Whether `body` mentions `@login` as a whole word (not `@login-bot`, not an e-mail).
pub fn mentions(body: &str, login: &str) -> bool {
    let needle = format!("@{}", login.to_ascii_lowercase());
    let text = body.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = text[from..].find(&needle) {
        let start = from + at;
        let end = start + needle.len();
        let before_ok = start == 0
            || !text[..start]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        let after_ok = !text[end..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if before_ok && after_ok {
            return true;
        }
        from = end;
    }
    false
}

/// The comment's text without a leading `@login` (so `@pi-bot /pi status` is the command
/// `/pi status`).
pub fn strip_mention(body: &str, login: &str) -> String {
    let text = body.trim();
    let needle = format!("@{login}");
    match text.get(..needle.len()) {
        Some(head) if head.eq_ignore_ascii_case(&needle) => {
            let rest = &text[needle.len()..];
            if rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                return text.to_string();
            }
            rest.trim_start_matches([',', ':']).trim().to_string()
        }
        _ => text.to_string(),
    }
}

/// The hidden marker of a reply to the inbound event `key`.
pub fn marker(key: &str) -> String {
    format!("{MARKER_PREFIX}reply-to={key} -->")
}

/// The event key a comment's marker answers, if it is one of pi's replies.
pub fn answered_key(body: &str) -> Option<&str> {
    let start = body.find(MARKER_PREFIX)? + MARKER_PREFIX.len();
    let rest = body[start..].strip_prefix("reply-to=")?;
    let end = rest.find(" -->")?;
    Some(&rest[..end])
}

/// The inbound message of a newly seen issue (its title and body are the prompt), if it
/// starts a run. Pull requests and the bot's own issues do not.
pub fn issue_inbound(rules: &Rules, issue: &Issue) -> Option<Inbound> {
    if issue.is_pull_request() {
        return None;
    }
    let author = issue.author();
    if author.login.eq_ignore_ascii_case(&rules.bot_login) {
        return None;
    }
    let body = issue.body.as_deref().unwrap_or("").trim();
    Some(Inbound {
        // The issue is handled once, whatever edits follow.
        key: format!("issue:{}", issue.number),
        conversation: conversation(&rules.repo, issue.number),
        allowed: may_run(&author, &rules.allow_users),
        author: author.login,
        text: format!("{}\n\n{body}", issue.title).trim().to_string(),
    })
}

/// The inbound message of a new comment, if it starts a run: not the bot's own (nor any
/// comment carrying pi's marker), and a mention of the bot unless every comment counts.
pub fn comment_inbound(rules: &Rules, comment: &Comment) -> Option<Inbound> {
    let author = comment.author();
    if author.login.eq_ignore_ascii_case(&rules.bot_login) || answered_key(&comment.body).is_some()
    {
        return None;
    }
    if rules.respond_to == RespondTo::Mentions && !mentions(&comment.body, &rules.bot_login) {
        return None;
    }
    let number = comment.issue_number()?;
    Some(Inbound {
        // An edited comment keeps its key: editing does not start a second run.
        key: format!("comment:{}", comment.id),
        conversation: conversation(&rules.repo, number),
        allowed: may_run(&author, &rules.allow_users),
        author: author.login,
        text: strip_mention(&comment.body, &rules.bot_login),
    })
}

pub use super::super::runner::RunFooter;

/// The footer under an answer: `run r-1 · anthropic/claude-sonnet-4-5 · 1,234 in / 56 out ·
/// $0.0123 · 4.2 s`.
pub fn footer(f: &RunFooter) -> String {
    format!(
        "<sub>run {} · {} · {} in / {} out · ${:.4} · {:.1} s</sub>",
        f.run_id,
        f.model,
        thousands(f.input_tokens),
        thousands(f.output_tokens),
        f.cost_usd,
        f.duration_ms as f64 / 1000.0
    )
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
