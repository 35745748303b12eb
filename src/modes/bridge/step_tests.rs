use pretty_assertions::assert_eq;

use super::*;

fn msg(key: &str, conversation: &str, text: &str) -> Input {
    Input::Message(Inbound {
        key: key.into(),
        conversation: conversation.into(),
        author: "alice".into(),
        allowed: true,
        text: text.into(),
    })
}

fn started(out: &[Output]) -> Vec<(String, String)> {
    out.iter()
        .filter_map(|o| match o {
            Output::StartRun {
                conversation,
                inbound,
            } => Some((conversation.clone(), inbound.text.clone())),
            _ => None,
        })
        .collect()
}

fn pair(c: &str, t: &str) -> (String, String) {
    (c.to_string(), t.to_string())
}

#[test]
fn one_run_per_conversation_the_rest_queue_in_order() {
    let mut s = BridgeState::new(Limits::default());
    assert_eq!(
        started(&step(&mut s, msg("1", "a", "first"))),
        [pair("a", "first")]
    );
    assert!(started(&step(&mut s, msg("2", "a", "second"))).is_empty());
    assert!(started(&step(&mut s, msg("3", "a", "third"))).is_empty());
    assert_eq!(s.queued("a"), 2);
    let out = step(
        &mut s,
        Input::RunFinished {
            conversation: "a".into(),
        },
    );
    assert_eq!(started(&out), [pair("a", "second")]);
    let out = step(
        &mut s,
        Input::RunFinished {
            conversation: "a".into(),
        },
    );
    assert_eq!(started(&out), [pair("a", "third")]);
    let out = step(
        &mut s,
        Input::RunFinished {
            conversation: "a".into(),
        },
    );
    assert!(out.is_empty());
    assert_eq!(s.running(), 0);
}

#[test]
fn conversations_run_concurrently_up_to_the_limit_then_wait_their_turn() {
    let mut s = BridgeState::new(Limits {
        max_concurrent: 2,
        ..Limits::default()
    });
    step(&mut s, msg("1", "a", "a1"));
    step(&mut s, msg("2", "b", "b1"));
    assert!(
        started(&step(&mut s, msg("3", "c", "c1"))).is_empty(),
        "no slot"
    );
    step(&mut s, msg("4", "a", "a2"));
    // a finishes: c waited longer than a's second message.
    let out = step(
        &mut s,
        Input::RunFinished {
            conversation: "a".into(),
        },
    );
    assert_eq!(started(&out), [pair("c", "c1")]);
    let out = step(
        &mut s,
        Input::RunFinished {
            conversation: "b".into(),
        },
    );
    assert_eq!(started(&out), [pair("a", "a2")]);
}

#[test]
fn duplicates_are_dropped_even_after_a_restart() {
    let mut s = BridgeState::new(Limits::default());
    step(&mut s, msg("k1", "a", "hi"));
    let out = step(&mut s, msg("k1", "a", "hi"));
    assert_eq!(
        out,
        [Output::Ignored {
            key: "k1".into(),
            reason: "duplicate delivery"
        }]
    );
    // A new process loads the keys the store persisted.
    let mut fresh = BridgeState::new(Limits::default());
    fresh.remember(["k1".to_string()]);
    assert!(started(&step(&mut fresh, msg("k1", "a", "hi"))).is_empty());
}

#[test]
fn an_author_who_may_not_run_is_told_once_per_conversation_and_nothing_runs() {
    let mut s = BridgeState::new(Limits::default());
    let stranger = |key: &str| {
        Input::Message(Inbound {
            key: key.into(),
            conversation: "a".into(),
            author: "mallory".into(),
            allowed: false,
            text: "rm -rf /".into(),
        })
    };
    let out = step(&mut s, stranger("1"));
    assert!(matches!(&out[..], [Output::Reply { text, .. }] if text == NOT_ALLOWED));
    let out = step(&mut s, stranger("2"));
    assert!(matches!(&out[..], [Output::Ignored { .. }]), "{out:?}");
    let out = step(
        &mut s,
        Input::Message(Inbound {
            key: "3".into(),
            conversation: "a".into(),
            author: "mallory".into(),
            allowed: false,
            text: "/pi model x".into(),
        }),
    );
    assert!(
        matches!(&out[..], [Output::Ignored { .. }]),
        "commands too: {out:?}"
    );
    assert_eq!(s.running(), 0);
}

#[test]
fn status_and_stop_run_at_once_even_during_a_run() {
    let mut s = BridgeState::new(Limits::default());
    step(&mut s, msg("1", "a", "work"));
    let out = step(&mut s, msg("2", "a", "/pi stop"));
    assert!(
        matches!(&out[..], [Output::Command { line, .. }] if line == "/stop"),
        "{out:?}"
    );
    // A session command waits for the run, like a prompt.
    let out = step(&mut s, msg("3", "a", "/pi compact"));
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(s.queued("a"), 1);
    let out = step(
        &mut s,
        Input::RunFinished {
            conversation: "a".into(),
        },
    );
    assert!(
        matches!(&out[..], [Output::StartRun { inbound, .. }] if inbound.text == "/pi compact"),
        "{out:?}"
    );
    assert!(is_immediate("/status") && is_immediate("/stop now"));
    assert!(!is_immediate("/model x") && !is_immediate("/statusbar"));
    assert_eq!(command_line("/pi"), Some("/status".into()));
    assert_eq!(
        command_line("/pi model openai/gpt-4.1"),
        Some("/model openai/gpt-4.1".into())
    );
    assert_eq!(command_line("/pizza"), None);
    assert_eq!(command_line("please /pi stop"), None);
}

#[test]
fn a_full_queue_says_so_and_shutdown_takes_no_new_work() {
    let mut s = BridgeState::new(Limits {
        queue_per_conversation: 1,
        ..Limits::default()
    });
    step(&mut s, msg("1", "a", "run"));
    step(&mut s, msg("2", "a", "queued"));
    let out = step(&mut s, msg("3", "a", "too many"));
    assert!(matches!(&out[..], [Output::Reply { text, .. }] if text.contains("not queued")));
    step(&mut s, Input::Shutdown);
    let out = step(&mut s, msg("4", "b", "late"));
    assert!(matches!(&out[..], [Output::Reply { text, .. }] if text.contains("shutting down")));
    // The running turn ends; the queued one does not start.
    let out = step(
        &mut s,
        Input::RunFinished {
            conversation: "a".into(),
        },
    );
    assert!(started(&out).is_empty());
    assert!(s.finished());
}

#[test]
fn a_hundred_messages_over_ten_conversations_drain_one_run_per_conversation() {
    let limits = Limits {
        max_concurrent: 3,
        queue_per_conversation: 100,
        ..Limits::default()
    };
    let mut s = BridgeState::new(limits);
    let mut running: Vec<String> = Vec::new();
    let mut order: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut record = |out: Vec<Output>, running: &mut Vec<String>| {
        for (c, t) in started(&out) {
            assert!(!running.contains(&c), "two runs in {c}");
            running.push(c.clone());
            order.entry(c).or_default().push(t.parse().unwrap());
        }
        assert!(running.len() <= 3);
    };
    for i in 0..100 {
        let out = step(
            &mut s,
            msg(&i.to_string(), &format!("c{}", i % 10), &i.to_string()),
        );
        record(out, &mut running);
        // Now and then the oldest run ends while messages still arrive.
        if i % 7 == 6 && !running.is_empty() {
            let done = running.remove(0);
            record(
                step(&mut s, Input::RunFinished { conversation: done }),
                &mut running,
            );
        }
    }
    while !running.is_empty() {
        let done = running.remove(0);
        record(
            step(&mut s, Input::RunFinished { conversation: done }),
            &mut running,
        );
    }
    let total: usize = order.values().map(Vec::len).sum();
    assert_eq!(total, 100, "every message ran");
    for (c, runs) in &order {
        let mut sorted = runs.clone();
        sorted.sort();
        assert_eq!(runs, &sorted, "{c} ran in arrival order");
    }
}
