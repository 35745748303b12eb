//! The built `pi --slack-bridge` against the fake Slack (Web API and Socket Mode) and the
//! fake provider: a run from a mention answered in place of the "working…" message, a
//! direct message with a long answer split into its thread, duplicates and stale events,
//! the socket dropped mid-run, a 429 on `chat.update`, attached files and images, the allow
//! list, SIGTERM during a run.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use super::super::oneshot::Run;
use crate::support::fake_provider::{FakeProvider, Reply};
use crate::support::fake_slack::{
    APP_TOKEN, BOT_TOKEN, FakeSlack, Posted, dm, in_thread, mention, with_file,
};
use crate::support::process::{sigterm, wait_for};

const MODEL: &str = "anthropic/claude-sonnet-4-5";

struct Bridge {
    run: Run,
    slack: FakeSlack,
    child: Option<Child>,
}

impl Bridge {
    fn new() -> Bridge {
        Bridge {
            run: Run::new(),
            slack: FakeSlack::start(Vec::new()),
            child: None,
        }
    }

    fn start(&mut self, provider: &FakeProvider, extra: &[&str]) {
        let opens = self.slack.opens();
        let child = self
            .run
            .pi(provider, MODEL)
            .args(["--slack-bridge", "--slack-state-dir"])
            .arg(self.run.path().join("state"))
            .args(["--slack-api-base", &self.slack.api_base()])
            .args(["--bridge-progress-interval-seconds", "1"])
            .args(extra)
            .env("PI_SLACK_APP_TOKEN", APP_TOKEN)
            .env("PI_SLACK_BOT_TOKEN", BOT_TOKEN)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        self.child = Some(child);
        wait_for(20, "the socket", || {
            self.slack.opens() > opens && self.slack.connected()
        });
    }

    fn stop(&mut self) -> (Option<i32>, String) {
        sigterm(self.child.take().unwrap())
    }

    /// The bot's message whose current text holds `text`.
    fn shown(&self, text: &str) -> Option<Posted> {
        self.slack
            .messages()
            .into_iter()
            .find(|m| m.current().contains(text))
    }

    fn log(&self, conversation_dir: &str) -> String {
        let path = self
            .run
            .path()
            .join("state/slack")
            .join(conversation_dir)
            .join("log.jsonl");
        std::fs::read_to_string(path).unwrap_or_default()
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

#[test]
fn a_mention_is_answered_in_place_and_duplicates_and_stale_events_are_dropped() {
    let provider = FakeProvider::builder()
        .reply(Reply::turn().text("Hello from pi.").usage(10, 5))
        .start_blocking();
    let mut b = Bridge::new();
    b.start(&provider, &[]);
    let envelope = mention("e1", "<@UBOT> say hello");
    b.slack.push(envelope.clone());
    wait_for(30, "the answer", || b.shown("Hello from pi.").is_some());
    let answer = b.shown("Hello from pi.").unwrap();
    assert_eq!(answer.channel, "C1");
    assert_eq!(answer.thread_ts, None);
    assert!(answer.text.contains("working"), "posted as working first");
    assert!(
        answer.current().contains("10 in / 5 out"),
        "{}",
        answer.current()
    );
    let prompt = provider.requests()[0].last_user_text().unwrap();
    assert_eq!(prompt, "say hello", "the mention is not in the prompt");
    // Slack delivering the same event again, and an event from long ago.
    let mut again = envelope;
    again["envelope_id"] = json!("e1-retry");
    again["retry_attempt"] = json!(1);
    b.slack.push(again);
    let mut old = mention("e2", "<@UBOT> old news");
    old["payload"]["event_time"] = json!(1_600_000_000u64);
    b.slack.push(old);
    wait_for(10, "both acks", || b.slack.acks().len() >= 3);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(provider.requests().len(), 1, "nothing ran twice");
    assert_eq!(b.slack.messages().len(), 1);
    assert_eq!(b.stop().0, Some(0));
    let log = b.log("C1");
    assert!(log.contains("duplicate delivery"), "{log}");
}

#[test]
fn a_direct_message_with_a_long_answer_puts_the_detail_in_the_thread() {
    let long = (1..=40)
        .map(|i| format!("Paragraph {i} of a long answer."))
        .collect::<Vec<_>>()
        .join("\n\n");
    let provider = FakeProvider::builder()
        .reply(Reply::text(long.clone()))
        .start_blocking();
    let mut b = Bridge::new();
    b.start(&provider, &["--slack-thread-detail-threshold-chars", "300"]);
    b.slack.push(dm("d1", "U2", "D1", "explain everything"));
    wait_for(30, "the detail", || b.shown("Paragraph 40").is_some());
    let msgs = b.slack.messages();
    let summary = &msgs[0];
    assert_eq!(summary.channel, "D1");
    assert!(summary.current().contains("Paragraph 1 of"));
    assert!(summary.current().contains("whole answer is in the thread"));
    assert!(summary.current().chars().count() < 600);
    let detail: Vec<_> = msgs[1..].iter().collect();
    assert!(!detail.is_empty());
    assert!(
        detail
            .iter()
            .all(|m| m.thread_ts.as_deref() == Some(&summary.ts))
    );
    let joined: String = detail.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(joined, long);
    assert_eq!(b.stop().0, Some(0));
}

#[test]
fn the_run_survives_a_dropped_socket_and_a_rate_limited_update() {
    let provider = FakeProvider::builder()
        .chunk_size(8)
        .chunk_delay(Duration::from_millis(60))
        .reply(Reply::text(format!("{} finished.", "word ".repeat(40))))
        .reply(Reply::text("Second thread answered."))
        .start_blocking();
    let mut b = Bridge::new();
    b.start(&provider, &[]);
    b.slack.rate_limit_once("chat.update", 1);
    b.slack.push(mention("e1", "<@UBOT> go"));
    wait_for(30, "the working message", || !b.slack.messages().is_empty());
    b.slack.drop_connection();
    wait_for(30, "a reconnection", || {
        b.slack.opens() >= 2 && b.slack.connected()
    });
    wait_for(30, "the answer", || b.shown("finished.").is_some());
    b.slack
        .push(in_thread(mention("e2", "<@UBOT> and here?"), "1700.5"));
    wait_for(30, "the second answer", || {
        b.shown("Second thread answered.").is_some()
    });
    let second = b.shown("Second thread answered.").unwrap();
    assert_eq!(second.thread_ts.as_deref(), Some("1700.5"));
    assert_eq!(b.slack.messages().len(), 2, "{:?}", b.slack.messages());
    assert!(b.slack.calls("chat.update") >= 2, "the 429 was retried");
    assert_eq!(b.stop().0, Some(0));
}

#[test]
fn attached_files_are_downloaded_with_the_bot_token_and_images_reach_the_model() {
    let provider = FakeProvider::builder()
        .reply(Reply::text("Read them."))
        .start_blocking();
    let mut b = Bridge::new();
    b.start(&provider, &[]);
    let notes = b
        .slack
        .add_file("F1", "notes.txt", b"remember the milk".to_vec());
    // A 1x1 PNG.
    let png: Vec<u8> = vec![
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52,
    ];
    let pic = b.slack.add_file("F2", "pic.png", png.clone());
    let mut envelope = with_file(mention("e1", "<@UBOT> look"), "F1", "notes.txt", &notes, 17);
    envelope = with_file(envelope, "F2", "pic.png", &pic, png.len() as u64);
    envelope["payload"]["event"]["files"][1]["mimetype"] = json!("image/png");
    b.slack.push(envelope);
    wait_for(30, "the answer", || b.shown("Read them.").is_some());
    let downloads = b.slack.downloads();
    assert_eq!(downloads.len(), 2);
    assert!(
        downloads
            .iter()
            .all(|d| d.authorization.as_deref() == Some(&format!("Bearer {BOT_TOKEN}")))
    );
    let saved = b.run.path().join("state/slack/C1/attachments/F1-notes.txt");
    assert_eq!(std::fs::read(&saved).unwrap(), b"remember the milk");
    let request = &provider.requests()[0];
    let prompt = request.last_user_text().unwrap();
    assert!(
        prompt.contains("notes.txt") && prompt.contains("F1-notes.txt"),
        "{prompt}"
    );
    let body = request.body.to_string();
    assert!(body.contains("image/png"), "the image went to the model");
    assert!(!body.contains(BOT_TOKEN) && !body.contains(APP_TOKEN));
    assert_eq!(b.stop().0, Some(0));
}

#[test]
fn only_allowed_users_start_runs() {
    let provider = FakeProvider::builder()
        .reply(Reply::text("For U9."))
        .start_blocking();
    let mut b = Bridge::new();
    b.start(&provider, &["--slack-allow-user", "U9"]);
    b.slack.push(mention("e1", "<@UBOT> run something"));
    b.slack.push(mention("e2", "<@UBOT> again"));
    wait_for(30, "the refusal", || b.shown("Sorry, I only run").is_some());
    b.slack.push(dm("e3", "U9", "D9", "hi"));
    wait_for(30, "the answer", || b.shown("For U9.").is_some());
    let refusals = b
        .slack
        .messages()
        .iter()
        .filter(|m| m.text.contains("Sorry"))
        .count();
    assert_eq!(refusals, 1);
    assert_eq!(provider.requests().len(), 1);
    assert_eq!(b.stop().0, Some(0));
}

#[test]
fn sigterm_during_a_run_stops_it_and_exits_0() {
    let provider = FakeProvider::builder()
        .chunk_size(8)
        .chunk_delay(Duration::from_millis(200))
        .reply(Reply::text("word ".repeat(300)))
        .start_blocking();
    let mut b = Bridge::new();
    b.start(&provider, &["--bridge-shutdown-grace-seconds", "1"]);
    b.slack.push(mention("e1", "<@UBOT> long one"));
    wait_for(30, "the run", || !provider.requests().is_empty());
    let started = Instant::now();
    let (code, err) = b.stop();
    assert_eq!(code, Some(0), "{err}");
    assert!(started.elapsed() < Duration::from_secs(15));
    let msgs = b.slack.messages();
    assert_eq!(msgs.len(), 1);
    assert!(
        msgs[0].current().contains("Stopped"),
        "{}",
        msgs[0].current()
    );
}

#[test]
fn many_messages_over_many_threads_drain_with_one_run_per_conversation() {
    let provider = FakeProvider::builder()
        .chunk_size(16)
        .chunk_delay(Duration::from_millis(5))
        .when_empty(Reply::text("Answer."))
        .start_blocking();
    let mut b = Bridge::new();
    b.start(&provider, &["--bridge-max-concurrent-runs", "2"]);
    let (threads, per_thread) = (6, 5);
    for i in 0..threads * per_thread {
        let thread = format!("1700.{}", i % threads);
        b.slack
            .push(in_thread(mention(&format!("m{i}"), "<@UBOT> go"), &thread));
    }
    let total = threads * per_thread;
    wait_for(120, "every answer", || {
        b.slack
            .messages()
            .iter()
            .filter(|m| m.current().contains("Answer."))
            .count()
            == total
    });
    assert_eq!(b.stop().0, Some(0));
    let o = crate::support::bridge_logs::overlap(&b.run.path().join("state"));
    assert_eq!(o.conversations, threads);
    assert_eq!(o.runs, total);
    assert_eq!(o.max_per_conversation, 1, "{o:?}");
    assert!(o.max_global <= 2, "{o:?}");
    assert_eq!(provider.requests().len(), total);
}

#[test]
fn a_lost_state_file_does_not_make_pi_answer_twice() {
    let provider = FakeProvider::builder()
        .reply(Reply::text("Answered once."))
        .when_empty(Reply::text("Answered twice!"))
        .start_blocking();
    let mut b = Bridge::new();
    b.start(&provider, &[]);
    let envelope = mention("e1", "<@UBOT> once please");
    b.slack.push(envelope.clone());
    wait_for(30, "the answer", || b.shown("Answered once.").is_some());
    let meta = b.slack.messages()[0].metadata.clone().unwrap();
    assert_eq!(meta["event_payload"]["reply_to"], "Eve1");
    assert_eq!(meta["event_payload"]["done"], true);
    assert_eq!(b.stop().0, Some(0));
    // The conversation's state (with its dedupe keys) is lost; Slack delivers the event again.
    let state = b.run.path().join("state/slack/C1/state.json");
    std::fs::remove_file(&state).unwrap();
    b.start(&provider, &[]);
    let mut again = envelope;
    again["envelope_id"] = json!("e1-again");
    b.slack.push(again);
    wait_for(30, "already answered", || {
        b.log("C1").contains("already_answered")
    });
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(provider.requests().len(), 1, "nothing ran twice");
    assert_eq!(b.slack.messages().len(), 1, "{:?}", b.slack.messages());
    assert!(b.slack.calls("conversations.history") >= 1);
    assert_eq!(b.stop().0, Some(0));
}

#[test]
fn without_the_history_scopes_pi_still_answers() {
    let provider = FakeProvider::builder()
        .reply(Reply::text("Answered anyway."))
        .start_blocking();
    let mut b = Bridge::new();
    b.slack.without_history_scope();
    b.start(&provider, &[]);
    b.slack.push(mention("e1", "<@UBOT> hi"));
    wait_for(30, "the answer", || b.shown("Answered anyway.").is_some());
    assert!(b.slack.calls("conversations.history") >= 1);
    assert_eq!(b.slack.messages().len(), 1);
    assert_eq!(b.stop().0, Some(0));
}

#[test]
fn token_files_detail_off_and_the_file_size_cap() {
    let long = "A long answer line.\n\n".repeat(40);
    let provider = FakeProvider::builder()
        .reply(Reply::text(long))
        .start_blocking();
    let mut b = Bridge::new();
    let app = b.run.path().join("app-token");
    let bot = b.run.path().join("bot-token");
    std::fs::write(&app, APP_TOKEN).unwrap();
    std::fs::write(&bot, format!("{BOT_TOKEN}\n")).unwrap();
    let opens = b.slack.opens();
    let child = b
        .run
        .pi(&provider, MODEL)
        .args(["--slack-bridge", "--slack-state-dir"])
        .arg(b.run.path().join("state"))
        .args(["--slack-api-base", &b.slack.api_base()])
        .arg("--slack-app-token-file")
        .arg(&app)
        .arg("--slack-bot-token-file")
        .arg(&bot)
        .args(["--slack-thread-detail-threshold-chars", "200"])
        .args(["--slack-thread-detail-output", "off"])
        .args(["--slack-max-file-bytes", "10"])
        .env_remove("PI_SLACK_APP_TOKEN")
        .env_remove("PI_SLACK_BOT_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    b.child = Some(child);
    wait_for(20, "the socket", || {
        b.slack.opens() > opens && b.slack.connected()
    });
    let url = b.slack.add_file("F9", "big.txt", vec![b'x'; 100]);
    b.slack.push(with_file(
        mention("e1", "<@UBOT> read it"),
        "F9",
        "big.txt",
        &url,
        100,
    ));
    wait_for(30, "the summary", || {
        b.shown("whole text is in the conversation's session")
            .is_some()
    });
    assert_eq!(b.slack.messages().len(), 1, "no detail in the thread");
    assert!(
        b.slack.downloads().is_empty(),
        "over the cap: not downloaded"
    );
    let prompt = provider.requests()[0].last_user_text().unwrap();
    assert!(
        prompt.contains("not downloaded, over the 10 byte limit"),
        "{prompt}"
    );
    assert_eq!(b.stop().0, Some(0));
}
