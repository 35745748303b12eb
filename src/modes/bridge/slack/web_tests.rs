use super::*;

#[test]
fn short_text_is_kept_and_long_text_is_cut_on_a_char_boundary() {
    assert!(matches!(truncate_text("hi"), Cow::Borrowed("hi")));
    let exact = "é".repeat(TEXT_LIMIT);
    assert_eq!(truncate_text(&exact), exact);
    let long = "é".repeat(TEXT_LIMIT + 5);
    let cut = truncate_text(&long);
    assert_eq!(cut.chars().count(), TEXT_LIMIT);
    assert!(cut.ends_with("é…"));
}

#[test]
fn rate_limits_wait_their_retry_after_and_server_errors_back_off() {
    let after = HeaderValue::from_static("7");
    assert_eq!(
        retry_wait(StatusCode::TOO_MANY_REQUESTS, Some(&after), 2),
        Some(Duration::from_secs(7))
    );
    assert_eq!(
        retry_wait(StatusCode::TOO_MANY_REQUESTS, None, 0),
        Some(DEFAULT_RETRY_AFTER)
    );
    assert_eq!(
        retry_wait(StatusCode::BAD_GATEWAY, None, 0),
        Some(Duration::from_millis(500))
    );
    assert_eq!(
        retry_wait(StatusCode::SERVICE_UNAVAILABLE, None, 2),
        Some(Duration::from_secs(2))
    );
    assert_eq!(retry_wait(StatusCode::OK, None, 0), None);
    assert_eq!(retry_wait(StatusCode::FORBIDDEN, Some(&after), 0), None);
}

#[test]
fn the_token_is_never_shown_and_only_slack_hosts_get_it() {
    crate::ai::install_crypto_provider();
    let web = SlackWeb::new("http://127.0.0.1:9/api/", "xoxb-secret".into()).unwrap();
    assert!(!format!("{web:?}").contains("secret"));
    assert!(web.file_url("http://127.0.0.1:9/files/F1/a.txt").is_ok());
    assert!(
        web.file_url("https://files.slack.com/files-pri/T1-F1/a.txt")
            .is_ok()
    );
    for bad in [
        "https://evil.example/files/F1",
        "http://files.slack.com/x",
        "http://127.0.0.1:10/files/F1",
        "not a url",
    ] {
        let e = web.file_url(bad).unwrap_err();
        assert!(matches!(e, SlackError::Refused(_)), "{bad}: {e}");
    }
}

#[test]
fn errors_are_one_line_and_name_what_to_do() {
    let e = SlackError::Api("invalid_auth".into()).to_string();
    assert!(
        e.contains("invalid_auth") && e.contains("PI_SLACK_BOT_TOKEN"),
        "{e}"
    );
    let e = SlackError::RateLimited {
        wait: Duration::from_secs(30),
    };
    assert_eq!(
        e.to_string(),
        "Slack is rate limiting the bot; retry in 30s"
    );
}

#[test]
fn markers_round_trip_and_only_pis_answering_the_key_are_found() {
    let m = Marker::new("Ev1", true);
    assert_eq!(
        m.metadata(),
        json!({"event_type": "rust_pi_reply", "event_payload": {"reply_to": "Ev1", "done": true}})
    );
    assert_eq!(Marker::from_metadata(&m.metadata()), Some(m.clone()));
    assert_eq!(Marker::from_metadata(&Value::Null), None);
    let messages = [
        json!({"ts": "1.1", "metadata": Marker::new("Ev1", false).metadata()}),
        json!({"ts": "1.2", "text": "no metadata"}),
        json!({"ts": "1.3", "metadata": {"event_type": "other", "event_payload": {"reply_to": "Ev1"}}}),
        json!({"ts": "1.4", "metadata": Marker::new("Ev2", true).metadata()}),
        json!({"ts": "1.5", "metadata": m.metadata()}),
    ];
    let found = replies::replies_to(&messages, "Ev1");
    assert_eq!(
        found,
        [
            FoundReply {
                ts: "1.1".into(),
                done: false
            },
            FoundReply {
                ts: "1.5".into(),
                done: true
            },
        ]
    );
}
