//! The GitHub REST client (`modes::bridge::github`) against `support::fake_github`: polls with
//! ETags (an unchanged poll is a free 304), `since` filtering, pagination, posting and editing
//! comments, a 5xx, a 429, secondary and primary rate limits, bad credentials, a long answer
//! split into comments GitHub accepts.

mod bridge;

use std::time::Duration;

use pi_coding_agent::modes::bridge::github::{
    AuthorAssociation, COMMENT_LIMIT, GithubClient, GithubError, Polled, split_comment,
};

use crate::support::fake_github::{FakeGithub, Fault};

const REPO: &str = "acme/widgets";
const TOKEN: &str = "ghp_testtoken_4f1d2c";

fn setup() -> (FakeGithub, GithubClient) {
    let fake = FakeGithub::start(REPO, TOKEN, "pi-bot");
    let client = GithubClient::new(fake.base(), TOKEN, REPO)
        .unwrap()
        .with_retries(3, Duration::from_secs(2));
    (fake, client)
}

fn changed<T>(polled: Polled<T>) -> (T, Option<String>) {
    match polled {
        Polled::Changed { items, etag } => (items, etag),
        Polled::NotModified => panic!("expected a changed answer, got 304"),
    }
}

#[tokio::test]
async fn unchanged_poll_is_a_free_304() {
    let (fake, client) = setup();
    fake.add_issue("Crash on start", "It crashes.", "alice", "MEMBER");
    fake.add_pull_request("Fix it", "bob");
    let (issues, etag) = changed(client.list_issues_since(None, None).await.unwrap());
    assert_eq!(issues.len(), 2);
    assert_eq!(issues[0].title, "Crash on start");
    assert_eq!(issues[0].author().login, "alice");
    assert_eq!(issues[0].author().association, AuthorAssociation::Member);
    assert!(!issues[0].is_pull_request() && issues[1].is_pull_request());
    let etag = etag.expect("an etag");
    let before = fake.remaining();
    assert_eq!(client.rate_limit().remaining, Some(before));

    let again = client.list_issues_since(None, Some(&etag)).await.unwrap();
    assert_eq!(again, Polled::NotModified);
    assert_eq!(fake.remaining(), before, "a 304 costs no rate limit");
    let log = fake.requests_for("/repos/acme/widgets/issues");
    let last = log.last().unwrap();
    assert_eq!(last.status, 304);
    assert_eq!(last.if_none_match.as_deref(), Some(etag.as_str()));
    assert_eq!(last.accept.as_deref(), Some("application/vnd.github+json"));
    assert_eq!(last.api_version.as_deref(), Some("2022-11-28"));
    assert!(last.query.contains("state=all") && last.query.contains("sort=updated"));

    // A change makes the same ETag miss.
    fake.add_comment(1, "more detail", "carol", "NONE");
    let (issues, new_etag) = changed(client.list_issues_since(None, Some(&etag)).await.unwrap());
    assert_eq!(
        issues.last().unwrap().number,
        1,
        "the commented issue is updated last"
    );
    assert_ne!(new_etag.as_deref(), Some(etag.as_str()));
}

#[tokio::test]
async fn since_filters_issues_and_comments() {
    let (fake, client) = setup();
    let first = fake.add_issue("old", "", "alice", "OWNER");
    fake.add_comment(first, "old comment", "alice", "OWNER");
    let (comments, _) = changed(client.list_comments_since(None, None).await.unwrap());
    let mark = comments[0].updated_at.clone();
    assert_eq!(comments[0].issue_number(), Some(first));

    let second = fake.add_issue("new", "", "dave", "CONTRIBUTOR");
    let id = fake.add_comment(second, "@pi-bot help", "dave", "CONTRIBUTOR");
    // `since` is inclusive, as on GitHub: the mark's own comment comes back too.
    let (comments, _) = changed(client.list_comments_since(Some(&mark), None).await.unwrap());
    let ids: Vec<u64> = comments.iter().map(|c| c.id).collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(*ids.last().unwrap(), id);
    assert_eq!(comments[1].body, "@pi-bot help");
    assert_eq!(
        comments[1].author().association,
        AuthorAssociation::Contributor
    );

    let late = comments[1].updated_at.clone();
    let (issues, _) = changed(client.list_issues_since(Some(&late), None).await.unwrap());
    assert_eq!(
        issues.iter().map(|i| i.number).collect::<Vec<_>>(),
        vec![second]
    );
}

#[tokio::test]
async fn follows_pagination_across_three_pages() {
    let (fake, client) = setup();
    let n = fake.add_issue("busy", "", "alice", "OWNER");
    for i in 0..250 {
        fake.add_comment(n, &format!("comment {i}"), "bob", "COLLABORATOR");
    }
    let (comments, etag) = changed(client.list_comments_since(None, None).await.unwrap());
    assert_eq!(comments.len(), 250);
    assert_eq!(comments[0].body, "comment 0");
    assert_eq!(comments[249].body, "comment 249");
    let log = fake.requests_for("/repos/acme/widgets/issues/comments");
    assert_eq!(log.len(), 3);
    assert!(log[1].query.contains("page=2") && log[2].query.contains("page=3"));
    // The ETag kept is the first page's: re-polling with it is a 304.
    let again = client
        .list_comments_since(None, etag.as_deref())
        .await
        .unwrap();
    assert_eq!(again, Polled::NotModified);

    let all = client.issue_comments(n).await.unwrap();
    assert_eq!(all.len(), 250);
}

#[tokio::test]
async fn posts_then_edits_a_comment() {
    let (fake, client) = setup();
    let n = fake.add_issue("question", "how?", "alice", "OWNER");
    let posted = client.post_comment(n, "working…").await.unwrap();
    assert_eq!(posted.issue_number(), Some(n));
    assert_eq!(posted.author().login, "pi-bot");
    assert_eq!(fake.comments_of(n), vec!["working…"]);
    let edited = client
        .edit_comment(posted.id, "The answer is 42.")
        .await
        .unwrap();
    assert_eq!(edited.id, posted.id);
    assert_eq!(fake.comments_of(n), vec!["The answer is 42."]);
    let listed = client.issue_comments(n).await.unwrap();
    assert_eq!(listed[0].body, "The answer is 42.");
    let patch = fake
        .log()
        .into_iter()
        .find(|l| l.method == "PATCH")
        .unwrap();
    assert_eq!(
        patch.path,
        format!("/repos/acme/widgets/issues/comments/{}", posted.id)
    );
}

#[tokio::test]
async fn a_server_error_is_retried() {
    let (fake, client) = setup();
    fake.add_issue("x", "", "alice", "OWNER");
    fake.fault_once("/repos/acme/widgets/issues", Fault::Status(500));
    let (issues, _) = changed(client.list_issues_since(None, None).await.unwrap());
    assert_eq!(issues.len(), 1);
    let statuses: Vec<u16> = fake
        .requests_for("/repos/acme/widgets/issues")
        .iter()
        .map(|l| l.status)
        .collect();
    assert_eq!(statuses, vec![500, 200]);

    // Always failing: a retryable server error after the retries.
    let client = client.with_retries(1, Duration::from_secs(2));
    fake.fault_once("/repos/acme/widgets/issues", Fault::Status(502));
    fake.fault_once("/repos/acme/widgets/issues", Fault::Status(503));
    let err = client.list_issues_since(None, None).await.unwrap_err();
    assert!(
        matches!(err, GithubError::Server { status: 503, .. }),
        "{err}"
    );
    assert!(err.retry_after().is_some());
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let (fake, client) = setup();
    let n = fake.add_issue("x", "", "alice", "OWNER");
    let path = format!("/repos/acme/widgets/issues/{n}/comments");
    fake.fault_once(&path, Fault::TooMany { retry_after: 1 });
    client.post_comment(n, "hello").await.unwrap();
    let log = fake.requests_for(&path);
    assert_eq!(
        log.iter().map(|l| l.status).collect::<Vec<_>>(),
        vec![429, 201]
    );
    let gap = log[1].at - log[0].at;
    assert!(gap >= Duration::from_millis(950), "waited only {gap:?}");
    assert_eq!(fake.comments_of(n), vec!["hello"], "posted once");

    // A secondary limit (403) is retried the same way.
    fake.fault_once(&path, Fault::Secondary { retry_after: 1 });
    client.post_comment(n, "again").await.unwrap();
    assert_eq!(fake.comments_of(n).len(), 2);

    // A secondary limit known only by its message: at least a minute, longer than the
    // client's maximum here, so it comes back as an error after one request.
    fake.fault_once(&path, Fault::SecondaryNoHeader);
    let before = fake.requests_for(&path).len();
    let err = client.post_comment(n, "burst").await.unwrap_err();
    assert!(
        matches!(err, GithubError::RateLimited { status: 403, .. }),
        "{err}"
    );
    assert_eq!(err.retry_after(), Some(Duration::from_secs(60)));
    assert_eq!(fake.requests_for(&path).len(), before + 1);

    // A wait longer than the client's maximum comes back as an error carrying the wait.
    fake.fault_once(&path, Fault::TooMany { retry_after: 30 });
    let err = client.post_comment(n, "later").await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)), "{err}");
    assert!(matches!(err, GithubError::RateLimited { status: 429, .. }));
}

#[tokio::test]
async fn wrong_token_is_a_clear_error_without_the_token() {
    let fake = FakeGithub::start(REPO, TOKEN, "pi-bot");
    let secret = "ghp_wrong_secret_987";
    let client = GithubClient::new(fake.base(), secret, REPO).unwrap();
    let err = client.list_issues_since(None, None).await.unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, GithubError::Status { status: 401, .. }),
        "{text}"
    );
    assert!(text.contains("Bad credentials"), "{text}");
    assert!(
        !text.contains(secret) && !format!("{err:?}").contains(secret),
        "{text}"
    );
    assert_eq!(err.retry_after(), None);
    assert_eq!(fake.log().len(), 1, "a 401 is not retried");
    assert_eq!(
        fake.log()[0].authorization.as_deref(),
        Some(format!("Bearer {secret}").as_str())
    );
}

#[tokio::test]
async fn an_exhausted_quota_waits_until_the_reset() {
    let (fake, client) = setup();
    fake.add_issue("x", "", "alice", "OWNER");
    let path = "/repos/acme/widgets/issues";
    // Resetting within the client's maximum wait: it sleeps until then and retries.
    fake.fault_once(path, Fault::Exhausted { reset_in: 1 });
    let (issues, _) = changed(client.list_issues_since(None, None).await.unwrap());
    assert_eq!(issues.len(), 1);
    let log = fake.requests_for(path);
    assert_eq!(
        log.iter().map(|l| l.status).collect::<Vec<_>>(),
        vec![403, 200]
    );
    assert!(log[1].at - log[0].at >= Duration::from_millis(900));

    // Resetting in an hour: an error carrying the wait, no retry.
    fake.fault_once(path, Fault::Exhausted { reset_in: 3600 });
    let err = client.list_issues_since(None, None).await.unwrap_err();
    let wait = err.retry_after().unwrap();
    assert!(
        wait > Duration::from_secs(3500) && wait <= Duration::from_secs(3600),
        "{err}"
    );
    assert!(matches!(err, GithubError::RateLimited { status: 403, .. }));
    assert_eq!(client.rate_limit().remaining, Some(0));
    assert_eq!(fake.requests_for(path).len(), 3);
}

#[tokio::test]
async fn a_long_answer_is_posted_in_parts_github_accepts() {
    let (fake, client) = setup();
    let n = fake.add_issue("big", "", "alice", "OWNER");
    let answer = format!("{}\n\n", "é ".repeat(20_000)).repeat(5); // 200,010 characters
    // In one piece GitHub refuses it.
    let err = client.post_comment(n, &answer).await.unwrap_err();
    assert!(
        matches!(err, GithubError::Status { status: 422, .. }),
        "{err}"
    );
    let parts = split_comment(&answer, COMMENT_LIMIT);
    assert!(parts.len() >= 4);
    for part in &parts {
        client.post_comment(n, part).await.unwrap();
    }
    assert_eq!(fake.comments_of(n).concat(), answer);
}
