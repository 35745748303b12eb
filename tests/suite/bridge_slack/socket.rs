//! Socket Mode: envelopes acknowledged at once, a dropped socket and a `disconnect` envelope
//! reconnect through `apps.connections.open`, pings answered, a bad token said.

use std::time::Duration;

use pi_coding_agent::modes::bridge::slack::socket::{SocketConfig, SocketEvent, run_socket};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::support::fake_slack::{APP_TOKEN, FakeSlack, Step, disconnect, mention};

fn config(fake: &FakeSlack, token: &str) -> SocketConfig {
    SocketConfig {
        api_base: fake.api_base(),
        app_token: token.to_string(),
        backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
    }
}

/// Runs the socket until `until` says the events so far are enough (or 10 s pass).
fn collect(config: SocketConfig, until: impl Fn(&[SocketEvent]) -> bool) -> Vec<SocketEvent> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        pi_coding_agent::ai::install_crypto_provider();
        let (tx, mut rx) = mpsc::channel(64);
        let stop = CancellationToken::new();
        let task = tokio::spawn(run_socket(config, tx, stop.clone()));
        let mut seen = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !until(&seen) {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(e)) => seen.push(e),
                _ => break,
            }
        }
        stop.cancel();
        let _ = task.await;
        seen
    })
}

fn envelope_ids(events: &[SocketEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            SocketEvent::Envelope(env) => env.envelope_id.clone(),
            _ => None,
        })
        .collect()
}

#[test]
fn envelopes_are_acknowledged_and_the_socket_comes_back_after_a_drop_and_a_disconnect() {
    let fake = FakeSlack::start(vec![
        vec![
            Step::Send(mention("e1", "<@UBOT> hi")),
            Step::Ping,
            Step::Send(mention("e2", "<@UBOT> again")),
            Step::Drop,
        ],
        vec![
            Step::Send(mention("e3", "<@UBOT> three")),
            Step::Send(disconnect("refresh_requested")),
        ],
        vec![Step::Send(mention("e4", "<@UBOT> four"))],
    ]);
    let events = collect(config(&fake, APP_TOKEN), |seen| {
        envelope_ids(seen).contains(&"e4".to_string())
    });
    assert_eq!(
        envelope_ids(&events),
        ["e1", "e2", "e3", "e4"],
        "{events:#?}"
    );
    let connected = events
        .iter()
        .filter(|e| **e == SocketEvent::Connected)
        .count();
    assert_eq!(connected, 3, "{events:#?}");
    let reasons: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            SocketEvent::Disconnected { reason, .. } => Some(reason.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons[1].contains("refresh_requested"), "{reasons:?}");
    assert_eq!(fake.opens(), 3);
    // Every envelope was acknowledged (the fake saw the acks on the socket).
    let acks = fake.acks();
    for id in ["e1", "e2", "e3", "e4"] {
        assert!(acks.contains(&id.to_string()), "{id} not acked: {acks:?}");
    }
    assert!(fake.pongs() >= 1, "the ping was answered");
}

#[test]
fn a_refused_app_token_is_said_and_retried_with_backoff() {
    let fake = FakeSlack::start(Vec::new());
    let events = collect(config(&fake, "xapp-wrong"), |seen| seen.len() >= 2);
    let SocketEvent::Disconnected { reason, retry_in } = &events[0] else {
        panic!("{events:?}");
    };
    assert!(reason.contains("invalid_auth"), "{reason}");
    assert!(!reason.contains("xapp-wrong"), "the token is never shown");
    assert_eq!(*retry_in, Duration::from_millis(10));
    let SocketEvent::Disconnected { retry_in, .. } = &events[1] else {
        panic!("{events:?}");
    };
    assert_eq!(*retry_in, Duration::from_millis(20), "backoff doubles");
    assert_eq!(fake.opens(), 0);
}
