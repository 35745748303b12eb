//! The Web API client against the fake: posting and editing, 429 and 5xx retried, Slack's
//! `ok: false` errors, a bad token, file downloads (the bearer token sent only to Slack, the
//! size cap, nothing left behind), long text cut; pi's marker kept as message metadata and
//! found again in a channel and a thread; and envelopes pushed to a live socket.

use std::future::Future;
use std::time::{Duration, Instant};

use pi_coding_agent::modes::bridge::slack::socket::{SocketConfig, SocketEvent, run_socket};
use pi_coding_agent::modes::bridge::slack::web::{
    FoundReply, MARKER_EVENT, Marker, SlackError, SlackWeb, TEXT_LIMIT,
};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::support::fake_slack::{APP_TOKEN, BOT_TOKEN, BOT_USER, FakeSlack, dm};

fn block_on<F: Future>(f: F) -> F::Output {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    pi_coding_agent::ai::install_crypto_provider();
    rt.block_on(f)
}

fn web(fake: &FakeSlack) -> SlackWeb {
    SlackWeb::new(&fake.api_base(), BOT_TOKEN.to_string()).unwrap()
}

#[test]
fn auth_test_says_who_the_bot_is() {
    let fake = FakeSlack::start(Vec::new());
    let info = block_on(web(&fake).auth_test()).unwrap();
    assert_eq!(info.user_id, BOT_USER);
    assert_eq!(info.bot_id.as_deref(), Some("BBOT"));
    assert_eq!(info.team.as_deref(), Some("Fake"));
}

#[test]
fn a_post_then_an_update_are_recorded() {
    let fake = FakeSlack::start(Vec::new());
    let slack = web(&fake);
    let (first, reply) = block_on(async {
        let first = slack
            .post_message("C1", None, "working…", None)
            .await
            .unwrap();
        let reply = slack
            .post_message("C1", Some(&first), "in the thread", None)
            .await
            .unwrap();
        slack
            .update_message("C1", &first, "done", None)
            .await
            .unwrap();
        (first, reply)
    });
    let messages = fake.messages();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0].ts, first);
    assert_eq!(messages[0].text, "working…");
    assert_eq!(messages[0].updates, ["done"]);
    assert_eq!(messages[0].current(), "done");
    assert_eq!(messages[1].ts, reply);
    assert_eq!(messages[1].thread_ts.as_deref(), Some(first.as_str()));
    assert!(reply > first, "ts values increase");
}

#[test]
fn a_429_is_retried_after_its_retry_after_and_a_500_after_a_backoff() {
    let fake = FakeSlack::start(Vec::new());
    fake.rate_limit_once("chat.postMessage", 1);
    fake.fail_once("chat.update", 503);
    let slack = web(&fake);
    let started = Instant::now();
    let ts = block_on(slack.post_message("C1", None, "hello", None)).unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited Retry-After"
    );
    assert_eq!(fake.calls("chat.postMessage"), 2);
    block_on(slack.update_message("C1", &ts, "again", None)).unwrap();
    assert_eq!(fake.calls("chat.update"), 2);
    assert_eq!(fake.messages().len(), 1, "the 429 posted nothing");
    assert_eq!(fake.messages()[0].current(), "again");
}

#[test]
fn retries_run_out_as_rate_limited_or_the_status() {
    let fake = FakeSlack::start(Vec::new());
    let slack = web(&fake).with_retries(0, Duration::from_secs(60));
    fake.rate_limit_once("chat.postMessage", 30);
    let e = block_on(slack.post_message("C1", None, "x", None)).unwrap_err();
    assert_eq!(
        e,
        SlackError::RateLimited {
            wait: Duration::from_secs(30)
        }
    );
    fake.fail_once("chat.postMessage", 502);
    let e = block_on(slack.post_message("C1", None, "x", None)).unwrap_err();
    assert_eq!(e, SlackError::Status(502));
    // A Retry-After longer than the client will sleep comes back at once.
    let slack = web(&fake).with_retries(3, Duration::from_secs(5));
    fake.rate_limit_once("auth.test", 120);
    let started = Instant::now();
    let e = block_on(slack.auth_test()).unwrap_err();
    assert!(matches!(e, SlackError::RateLimited { wait } if wait == Duration::from_secs(120)));
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(fake.messages().is_empty());
}

#[test]
fn slack_errors_and_a_bad_token_are_one_line_without_the_token() {
    let fake = FakeSlack::start(Vec::new());
    let e = block_on(web(&fake).post_message("nope", None, "hi", None)).unwrap_err();
    assert_eq!(e, SlackError::Api("channel_not_found".into()));
    let line = e.to_string();
    assert!(
        line.contains("channel_not_found") && !line.contains('\n'),
        "{line}"
    );

    let wrong = SlackWeb::new(&fake.api_base(), "xoxb-wrong".into()).unwrap();
    let e = block_on(wrong.auth_test()).unwrap_err();
    assert_eq!(e, SlackError::Api("invalid_auth".into()));
    assert!(!e.to_string().contains("xoxb-wrong"), "{e}");
    assert!(!format!("{wrong:?}").contains("xoxb-wrong"));
}

#[test]
fn a_file_downloads_with_the_bot_token() {
    let fake = FakeSlack::start(Vec::new());
    let url = fake.add_file("F1", "notes.txt", b"some notes".to_vec());
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("notes.txt");
    let n = block_on(web(&fake).download(&url, 1024, &dest)).unwrap();
    assert_eq!(n, 10);
    assert_eq!(std::fs::read(&dest).unwrap(), b"some notes");
    let downloads = fake.downloads();
    assert_eq!(downloads.len(), 1);
    assert_eq!(downloads[0].id, "F1");
    assert_eq!(
        downloads[0].authorization.as_deref(),
        Some(format!("Bearer {BOT_TOKEN}").as_str())
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temp file left"
    );
}

#[test]
fn a_file_over_the_cap_is_refused_and_nothing_is_left() {
    let fake = FakeSlack::start(Vec::new());
    let sized = fake.add_file("F1", "big.bin", vec![7; 5000]);
    let streamed = fake.add_file_streamed("F2", "big.bin", vec![7; 5000]);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("big.bin");
    let slack = web(&fake);
    for url in [sized, streamed] {
        let e = block_on(slack.download(&url, 4096, &dest)).unwrap_err();
        assert_eq!(e, SlackError::TooLarge { limit: 4096 }, "{url}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "{url}");
    }
    // Exactly at the cap is fine, counted while streaming.
    let url = fake.add_file_streamed("F3", "ok.bin", vec![1; 4096]);
    assert_eq!(block_on(slack.download(&url, 4096, &dest)).unwrap(), 4096);
}

#[test]
fn a_file_elsewhere_is_refused_without_a_request() {
    let fake = FakeSlack::start(Vec::new());
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("x");
    let slack = web(&fake);
    let port: u16 = fake
        .api_base()
        .trim_end_matches("/api")
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let other_port = format!("http://127.0.0.1:{}/files/F1/x", port.wrapping_add(1));
    for url in ["https://evil.example/files/F1/x", other_port.as_str()] {
        let e = block_on(slack.download(url, 1024, &dest)).unwrap_err();
        assert!(matches!(e, SlackError::Refused(_)), "{url}: {e}");
        assert!(!e.to_string().contains(BOT_TOKEN));
    }
    assert!(fake.downloads().is_empty());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn long_text_is_cut_to_the_limit() {
    let fake = FakeSlack::start(Vec::new());
    let slack = web(&fake);
    let long = "ü".repeat(TEXT_LIMIT + 100);
    let ts = block_on(slack.post_message("C1", None, &long, None)).unwrap();
    block_on(slack.update_message("C1", &ts, &long, None)).unwrap();
    let posted = &fake.messages()[0];
    for text in [&posted.text, &posted.updates[0]] {
        assert_eq!(text.chars().count(), TEXT_LIMIT);
        assert!(text.ends_with('…'));
    }
}

#[test]
fn the_marker_is_kept_as_metadata_and_replaced_by_an_update() {
    let fake = FakeSlack::start(Vec::new());
    let slack = web(&fake);
    let working = Marker::new("Ev1", false);
    let ts = block_on(slack.post_message("C1", None, "working…", Some(&working))).unwrap();
    let posted = &fake.messages()[0];
    let meta = posted.metadata.clone().unwrap();
    assert_eq!(meta["event_type"], MARKER_EVENT);
    assert_eq!(meta["event_payload"]["reply_to"], "Ev1");
    assert_eq!(meta["event_payload"]["done"], false);
    assert_eq!(Marker::from_metadata(&meta), Some(working));
    // The fake keeps the metadata on an update without one (pi sends it on every update);
    // an update with a marker replaces it.
    block_on(slack.update_message("C1", &ts, "so far", None)).unwrap();
    assert_eq!(fake.messages()[0].metadata, Some(meta));
    let done = Marker::new("Ev1", true);
    block_on(slack.update_message("C1", &ts, "answer", Some(&done))).unwrap();
    let meta = fake.messages()[0].metadata.clone().unwrap();
    assert_eq!(Marker::from_metadata(&meta), Some(done));
    // A plain post has none, and someone else's metadata is not pi's marker.
    block_on(slack.post_message("C1", None, "plain", None)).unwrap();
    assert_eq!(fake.messages()[1].metadata, None);
    let other =
        serde_json::json!({"event_type": "task_created", "event_payload": {"reply_to": "Ev1"}});
    assert_eq!(Marker::from_metadata(&other), None);
}

#[test]
fn replies_are_found_by_their_marker_in_a_channel_and_in_a_thread() {
    let fake = FakeSlack::start(Vec::new());
    let slack = web(&fake);
    let (top, working, in_thread, other) = block_on(async {
        let top = slack
            .post_message("C1", None, "answer", Some(&Marker::new("Ev1", true)))
            .await
            .unwrap();
        slack
            .post_message("C1", None, "unmarked", None)
            .await
            .unwrap();
        slack
            .post_message("C2", None, "elsewhere", Some(&Marker::new("Ev1", true)))
            .await
            .unwrap();
        let working = slack
            .post_message(
                "C1",
                Some("1700.1"),
                "working…",
                Some(&Marker::new("Ev2", false)),
            )
            .await
            .unwrap();
        let detail = slack
            .post_message(
                "C1",
                Some("1700.1"),
                "detail",
                Some(&Marker::new("Ev2", true)),
            )
            .await
            .unwrap();
        let other = slack
            .post_message(
                "C1",
                Some("1700.1"),
                "other",
                Some(&Marker::new("Ev3", true)),
            )
            .await
            .unwrap();
        (top, working, detail, other)
    });
    let found = block_on(slack.find_replies("C1", None, "Ev1")).unwrap();
    assert_eq!(
        found,
        [FoundReply {
            ts: top,
            done: true
        }]
    );
    assert!(
        block_on(slack.find_replies("C1", None, "Ev2"))
            .unwrap()
            .is_empty(),
        "thread replies are not in the history"
    );
    let found = block_on(slack.find_replies("C1", Some("1700.1"), "Ev2")).unwrap();
    assert_eq!(
        found,
        [
            FoundReply {
                ts: working,
                done: false
            },
            FoundReply {
                ts: in_thread,
                done: true
            }
        ]
    );
    let found = block_on(slack.find_replies("C1", Some("1700.1"), "Ev3")).unwrap();
    assert_eq!(found[0].ts, other);
    assert!(
        block_on(slack.find_replies("C1", Some("1700.9"), "Ev2"))
            .unwrap()
            .is_empty()
    );
    assert_eq!(fake.calls("conversations.history"), 2);
    assert_eq!(fake.calls("conversations.replies"), 3);
    // An app without the history scopes gets Slack's error, with what to do.
    fake.without_history_scope();
    let e = block_on(slack.find_replies("C1", None, "Ev1")).unwrap_err();
    assert_eq!(e, SlackError::Api("missing_scope".into()));
    assert!(e.to_string().contains("channels:history"), "{e}");
}

#[test]
fn pushed_envelopes_reach_the_live_socket_and_wait_out_a_drop() {
    let fake = FakeSlack::start(Vec::new());
    let config = SocketConfig {
        api_base: fake.api_base(),
        app_token: APP_TOKEN.to_string(),
        backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
    };
    let ids = block_on(async {
        let (tx, mut rx) = mpsc::channel(64);
        let stop = CancellationToken::new();
        let task = tokio::spawn(run_socket(config, tx, stop.clone()));
        let mut ids = Vec::new();
        let mut connected = 0;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while ids.len() < 2 {
            let Ok(Some(event)) = tokio::time::timeout_at(deadline, rx.recv()).await else {
                break;
            };
            match event {
                SocketEvent::Connected => {
                    connected += 1;
                    if connected == 1 {
                        fake.push(dm("p1", "U2", "D1", "hello"));
                    }
                }
                SocketEvent::Envelope(env) => {
                    let id = env.envelope_id.clone().unwrap_or_default();
                    assert_eq!(env.payload["event"]["channel_type"], "im");
                    ids.push(id);
                    if ids.len() == 1 {
                        // Dropped, then pushed before the client is back: held for it.
                        fake.drop_connection();
                        while fake.connected() {
                            tokio::time::sleep(Duration::from_millis(5)).await;
                        }
                        fake.push(dm("p2", "U2", "D1", "again"));
                    }
                }
                SocketEvent::Disconnected { .. } => {}
            }
        }
        stop.cancel();
        let _ = task.await;
        ids
    });
    assert_eq!(ids, ["p1", "p2"]);
    assert_eq!(fake.opens(), 2);
    assert!(fake.acks().contains(&"p2".to_string()));
}
