use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use super::*;

const NOW: u64 = 1_700_000_100;

fn rules() -> Rules {
    Rules {
        bot_user_id: "UBOT".into(),
        allow_users: Vec::new(),
        allow_channels: Vec::new(),
        max_event_age_secs: 300,
    }
}

fn payload(event: Value) -> Value {
    json!({"type": "event_callback", "event_id": "Ev1", "event_time": 1_700_000_000, "event": event})
}

fn mention(extra: Value) -> Value {
    let mut e = json!({"type": "app_mention", "user": "U1", "text": "<@UBOT> fix the build",
        "channel": "C1", "ts": "1700000000.000100"});
    if let (Some(e), Some(x)) = (e.as_object_mut(), extra.as_object()) {
        for (k, v) in x {
            e.insert(k.clone(), v.clone());
        }
    }
    payload(e)
}

fn message(c: Classified) -> (Inbound, Vec<SlackFile>, String, String) {
    match c {
        Classified::Message {
            inbound,
            files,
            channel,
            thread_ts,
        } => (inbound, files, channel, thread_ts),
        Classified::Skip(why) => panic!("skipped: {why}"),
    }
}

#[test]
fn a_mention_starts_a_run_in_its_channel_and_a_thread_is_its_own_conversation() {
    let (i, files, channel, thread) = message(classify(&rules(), &mention(json!({})), NOW));
    assert_eq!(i.key, "Ev1");
    assert_eq!(i.conversation, "slack/C1");
    assert_eq!(i.text, "fix the build");
    assert!(i.allowed);
    assert!(files.is_empty());
    assert_eq!(
        (channel.as_str(), thread.as_str()),
        ("C1", "1700000000.000100")
    );
    let (i, _, _, thread) = message(classify(
        &rules(),
        &mention(json!({"thread_ts": "1699999999.000001"})),
        NOW,
    ));
    assert_eq!(i.conversation, "slack/C1/1699999999.000001");
    assert_eq!(thread, "1699999999.000001");
}

#[test]
fn direct_messages_count_and_edits_bots_pi_and_old_events_do_not() {
    let dm = payload(
        json!({"type": "message", "channel_type": "im", "user": "U1",
        "text": "hello", "channel": "D1", "ts": "1.2"}),
    );
    assert_eq!(message(classify(&rules(), &dm, NOW)).0.text, "hello");
    let channel_msg = payload(
        json!({"type": "message", "channel_type": "channel", "user": "U1",
        "text": "hello", "channel": "C1", "ts": "1.2"}),
    );
    assert!(matches!(
        classify(&rules(), &channel_msg, NOW),
        Classified::Skip(_)
    ));
    for extra in [
        json!({"subtype": "message_changed"}),
        json!({"bot_id": "B1"}),
        json!({"user": "UBOT"}),
    ] {
        assert!(
            matches!(
                classify(&rules(), &mention(extra.clone()), NOW),
                Classified::Skip(_)
            ),
            "{extra}"
        );
    }
    assert_eq!(
        classify(&rules(), &mention(json!({})), NOW + 1_000),
        Classified::Skip("older than --slack-max-event-age-seconds")
    );
}

#[test]
fn allow_lists_decide_who_may_run_when_given() {
    let mut r = rules();
    r.allow_users = vec!["U2".into()];
    assert!(!message(classify(&r, &mention(json!({})), NOW)).0.allowed);
    r.allow_users = vec!["U1".into()];
    r.allow_channels = vec!["C9".into()];
    assert!(!message(classify(&r, &mention(json!({})), NOW)).0.allowed);
    r.allow_channels = vec!["C1".into()];
    assert!(message(classify(&r, &mention(json!({})), NOW)).0.allowed);
}

#[test]
fn attached_files_are_listed_for_download() {
    let files = json!({"files": [
        {"id": "F1", "name": "log.txt", "mimetype": "text/plain", "size": 12,
         "url_private_download": "https://files.slack.com/F1/download/log.txt"},
        {"id": "F2", "name": "no-url"}
    ]});
    let (_, files, _, _) = message(classify(&rules(), &mention(files), NOW));
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].name, "log.txt");
    assert_eq!(files[0].size, 12);
}
