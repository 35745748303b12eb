use pretty_assertions::assert_eq;
use serde_json::json;

use super::*;

fn rules(respond_to: RespondTo) -> Rules {
    Rules {
        repo: "acme/app".into(),
        bot_login: "pi-bot".into(),
        respond_to,
        allow_users: vec!["Friend".into()],
    }
}

fn issue(number: u64, login: &str, association: &str, pr: bool) -> Issue {
    let mut v = json!({
        "number": number, "title": "Crash on start", "body": "It panics.\n",
        "user": {"login": login}, "author_association": association,
        "created_at": "2026-12-01T10:00:00Z", "updated_at": "2026-12-01T10:00:00Z",
        "html_url": format!("https://github.com/acme/app/issues/{number}")
    });
    if pr {
        v["pull_request"] = json!({"url": "x"});
    }
    serde_json::from_value(v).unwrap()
}

fn comment(id: u64, login: &str, association: &str, body: &str) -> Comment {
    serde_json::from_value(json!({
        "id": id, "body": body, "user": {"login": login}, "author_association": association,
        "issue_url": "https://api.github.com/repos/acme/app/issues/7",
        "created_at": "2026-12-01T10:00:00Z", "updated_at": "2026-12-01T10:00:00Z",
        "html_url": "https://github.com/acme/app/issues/7#issuecomment-1"
    }))
    .unwrap()
}

#[test]
fn owners_members_collaborators_and_allowed_users_may_run_no_one_else() {
    let r = rules(RespondTo::Mentions);
    for (assoc, allowed) in [
        ("OWNER", true),
        ("MEMBER", true),
        ("COLLABORATOR", true),
        ("CONTRIBUTOR", false),
        ("FIRST_TIME_CONTRIBUTOR", false),
        ("NONE", false),
    ] {
        let i = issue_inbound(&r, &issue(1, "someone", assoc, false)).unwrap();
        assert_eq!(i.allowed, allowed, "{assoc}");
    }
    let friend = issue_inbound(&r, &issue(1, "friend", "NONE", false)).unwrap();
    assert!(friend.allowed, "allowed by flag, whatever the case");
}

#[test]
fn an_issue_is_its_title_and_body_and_pull_requests_and_the_bot_are_skipped() {
    let r = rules(RespondTo::Mentions);
    let i = issue_inbound(&r, &issue(12, "alice", "OWNER", false)).unwrap();
    assert_eq!(i.key, "issue:12");
    assert_eq!(i.conversation, "github/acme/app#12");
    assert_eq!(i.text, "Crash on start\n\nIt panics.");
    assert_eq!(issue_inbound(&r, &issue(13, "alice", "OWNER", true)), None);
    assert_eq!(
        issue_inbound(&r, &issue(14, "PI-BOT", "OWNER", false)),
        None
    );
}

#[test]
fn comments_start_runs_when_they_mention_the_bot_or_with_respond_to_all() {
    let r = rules(RespondTo::Mentions);
    assert!(comment_inbound(&r, &comment(1, "alice", "OWNER", "@pi-bot please fix")).is_some());
    assert!(comment_inbound(&r, &comment(2, "alice", "OWNER", "thanks all")).is_none());
    let all = rules(RespondTo::All);
    let c = comment_inbound(&all, &comment(3, "alice", "OWNER", "thanks all")).unwrap();
    assert_eq!(
        (c.key.as_str(), c.conversation.as_str()),
        ("comment:3", "github/acme/app#7")
    );
    // The bot's own comments, and anything carrying pi's marker, never start a run.
    let own = format!("done\n{}", marker("comment:3"));
    assert!(comment_inbound(&all, &comment(4, "pi-bot", "NONE", "hi")).is_none());
    assert!(comment_inbound(&all, &comment(5, "alice", "OWNER", &own)).is_none());
}

#[test]
fn a_mention_is_a_whole_login() {
    assert!(mentions("@pi-bot do it", "pi-bot"));
    assert!(mentions("hey @PI-BOT.", "pi-bot"));
    assert!(mentions("(@pi-bot)", "pi-bot"));
    assert!(!mentions("@pi-bot-2 do it", "pi-bot"));
    assert!(!mentions("mail me@pi-bot", "pi-bot"));
    assert!(!mentions("pi-bot", "pi-bot"));
    assert!(mentions("@pi-botx and @pi-bot", "pi-bot"));
}

#[test]
fn the_marker_round_trips_and_the_footer_reads_well() {
    let body = format!("The answer.\n\n{}", marker("comment:99"));
    assert_eq!(answered_key(&body), Some("comment:99"));
    assert_eq!(answered_key("no marker here"), None);
    let f = footer(&RunFooter {
        run_id: "r-3".into(),
        model: "anthropic/claude-sonnet-4-5".into(),
        input_tokens: 12_345,
        output_tokens: 678,
        cost_usd: 0.01234,
        duration_ms: 4_210,
    });
    assert_eq!(
        f,
        "<sub>run r-3 · anthropic/claude-sonnet-4-5 · 12,345 in / 678 out · $0.0123 · 4.2 s</sub>"
    );
}

#[test]
fn a_leading_mention_is_not_part_of_the_text() {
    assert_eq!(strip_mention("@pi-bot /pi status", "pi-bot"), "/pi status");
    assert_eq!(strip_mention("@PI-BOT: fix it", "pi-bot"), "fix it");
    assert_eq!(strip_mention("@pi-bot-2 hi", "pi-bot"), "@pi-bot-2 hi");
    assert_eq!(
        strip_mention("hey @pi-bot look", "pi-bot"),
        "hey @pi-bot look"
    );
}
