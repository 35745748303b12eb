//! The issue and comment shapes of the GitHub REST API the bridge reads.

use serde::{Deserialize, Serialize};

/// A GitHub account (`user` of an issue or comment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The login, e.g. `octocat`.
    pub login: String,
}

/// How the author of an issue or comment is associated with the repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthorAssociation {
    Owner,
    Member,
    Collaborator,
    Contributor,
    FirstTimeContributor,
    FirstTimer,
    Mannequin,
    None,
    /// A value this client does not know.
    #[serde(other)]
    Other,
}

/// Who wrote an issue or comment: the login and the association with the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub login: String,
    pub association: AuthorAssociation,
}

fn author_of(user: &Option<User>, association: AuthorAssociation) -> Author {
    Author {
        // A deleted account comes back as null; GitHub shows it as "ghost".
        login: user
            .as_ref()
            .map_or_else(|| "ghost".to_string(), |u| u.login.clone()),
        association,
    }
}

/// An issue (or a pull request: the issues endpoints list both).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    pub number: u64,
    pub title: String,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub user: Option<User>,
    pub author_association: AuthorAssociation,
    pub created_at: String,
    pub updated_at: String,
    pub html_url: String,
    /// Present (an object) only on pull requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<serde_json::Value>,
}

impl Issue {
    /// Who opened it.
    pub fn author(&self) -> Author {
        author_of(&self.user, self.author_association)
    }

    /// Whether this is a pull request rather than an issue.
    pub fn is_pull_request(&self) -> bool {
        self.pull_request.is_some()
    }
}

/// A comment on an issue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    pub id: u64,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub user: Option<User>,
    pub author_association: AuthorAssociation,
    /// The API URL of the issue it is on (`…/issues/NUMBER`).
    pub issue_url: String,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default)]
    pub html_url: String,
}

impl Comment {
    /// Who wrote it.
    pub fn author(&self) -> Author {
        author_of(&self.user, self.author_association)
    }

    /// The number of the issue it is on, from `issue_url`.
    pub fn issue_number(&self) -> Option<u64> {
        self.issue_url.rsplit('/').next()?.parse().ok()
    }
}

/// The answer to a conditional listing.
#[derive(Debug, Clone, PartialEq)]
pub enum Polled<T> {
    /// 304: nothing changed since the ETag sent (and no rate limit spent).
    NotModified,
    /// The items (all pages), and the first page's ETag for the next poll.
    Changed { items: T, etag: Option<String> },
}
