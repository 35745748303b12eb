//! The GitHub Issues bridge: the REST client (`api.rs`), its rate-limit decisions (`rate.rs`),
//! the splitting of long answers into comments (`split.rs`), and which issues and comments
//! start runs, who may start them, the reply marker and footer (`rules.rs`).

pub mod api;
pub mod poll;
pub mod rate;
pub mod rules;
pub mod split;
pub mod transport;
pub mod types;

pub use api::{Author, AuthorAssociation, Comment, GithubClient, GithubError, Issue, Polled, User};
pub use rate::{RateLimit, backoff, rate_backoff, wait_for};
pub use split::{COMMENT_LIMIT, split_comment};
