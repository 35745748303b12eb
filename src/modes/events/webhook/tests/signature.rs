use std::time::{Duration, Instant};

use super::super::{Algorithm, DEFAULT_MAX_SKEW_SECS, Refusal, UnknownAlgorithm, sign, verify};

// GitHub, "Validating webhook deliveries", section "Testing the webhook payload validation":
// https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
const GH_SECRET: &[u8] = b"It's a Secret to Everybody";
const GH_BODY: &[u8] = b"Hello, World!";
const GH_SIGNATURE: &str =
    "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

// Slack, "Verifying requests from Slack", the step-by-step walk-through:
// https://api.slack.com/authentication/verifying-requests-from-slack
const SLACK_SECRET: &[u8] = b"8f742231b10e8888abcd99yyyzzz85a5";
const SLACK_TIMESTAMP: &str = "1531420618";
const SLACK_TS: i64 = 1_531_420_618;
const SLACK_BODY: &[u8] = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
const SLACK_SIGNATURE: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

const NOW: i64 = 1_700_000_000;

fn github(secret: &[u8], signature: &str, body: &[u8]) -> Result<(), Refusal> {
    verify(
        Algorithm::GithubSha256,
        secret,
        signature,
        body,
        None,
        NOW,
        DEFAULT_MAX_SKEW_SECS,
    )
    .map(|_| ())
}

fn slack(secret: &[u8], signature: &str, body: &[u8], ts: &str, now: i64) -> Result<(), Refusal> {
    verify(
        Algorithm::SlackV0,
        secret,
        signature,
        body,
        Some(ts),
        now,
        DEFAULT_MAX_SKEW_SECS,
    )
    .map(|_| ())
}

fn bad_format(r: Result<(), Refusal>) -> String {
    match r {
        Err(Refusal::BadFormat { reason }) => reason,
        other => panic!("expected BadFormat, got {other:?}"),
    }
}

#[test]
fn github_documented_vector_verifies_and_signs() {
    let v = verify(
        Algorithm::GithubSha256,
        GH_SECRET,
        GH_SIGNATURE,
        GH_BODY,
        None,
        NOW,
        DEFAULT_MAX_SKEW_SECS,
    )
    .unwrap();
    assert_eq!(v.algorithm(), Algorithm::GithubSha256);
    assert_eq!(v.timestamp(), None);
    assert_eq!(
        sign(Algorithm::GithubSha256, GH_SECRET, GH_BODY, None).unwrap(),
        GH_SIGNATURE
    );
}

#[test]
fn github_ignores_a_timestamp_and_any_clock() {
    // The scheme signs no time: a timestamp argument and a far-off clock change nothing.
    let v = verify(
        Algorithm::GithubSha256,
        GH_SECRET,
        GH_SIGNATURE,
        GH_BODY,
        Some("not a number"),
        i64::MIN,
        0,
    )
    .unwrap();
    assert_eq!(v.timestamp(), None);
}

#[test]
fn slack_documented_vector_verifies_and_signs() {
    let v = verify(
        Algorithm::SlackV0,
        SLACK_SECRET,
        SLACK_SIGNATURE,
        SLACK_BODY,
        Some(SLACK_TIMESTAMP),
        SLACK_TS + 10,
        DEFAULT_MAX_SKEW_SECS,
    )
    .unwrap();
    assert_eq!(v.algorithm(), Algorithm::SlackV0);
    assert_eq!(v.timestamp(), Some(SLACK_TS));
    assert_eq!(
        sign(
            Algorithm::SlackV0,
            SLACK_SECRET,
            SLACK_BODY,
            Some(SLACK_TIMESTAMP)
        )
        .unwrap(),
        SLACK_SIGNATURE
    );
}

#[test]
fn wrong_secret_is_a_mismatch() {
    assert_eq!(
        github(b"It's a Secret to Nobody", GH_SIGNATURE, GH_BODY),
        Err(Refusal::Mismatch)
    );
    assert_eq!(
        slack(
            b"wrong",
            SLACK_SIGNATURE,
            SLACK_BODY,
            SLACK_TIMESTAMP,
            SLACK_TS
        ),
        Err(Refusal::Mismatch)
    );
}

#[test]
fn a_flipped_body_byte_is_a_mismatch() {
    for i in [0, GH_BODY.len() / 2, GH_BODY.len() - 1] {
        let mut body = GH_BODY.to_vec();
        body[i] ^= 0x01;
        assert_eq!(
            github(GH_SECRET, GH_SIGNATURE, &body),
            Err(Refusal::Mismatch)
        );
    }
    let mut body = SLACK_BODY.to_vec();
    body[7] ^= 0x20;
    let r = slack(
        SLACK_SECRET,
        SLACK_SIGNATURE,
        &body,
        SLACK_TIMESTAMP,
        SLACK_TS,
    );
    assert_eq!(r, Err(Refusal::Mismatch));
}

#[test]
fn slack_timestamp_is_signed() {
    // Another timestamp within the skew still fails: the timestamp is part of the MAC.
    let r = slack(
        SLACK_SECRET,
        SLACK_SIGNATURE,
        SLACK_BODY,
        "1531420619",
        SLACK_TS,
    );
    assert_eq!(r, Err(Refusal::Mismatch));
}

#[test]
fn slack_stale_and_future_timestamps_are_refused() {
    let limit = DEFAULT_MAX_SKEW_SECS as i64;
    // Exactly at the limit, either side, is still accepted.
    for now in [SLACK_TS + limit, SLACK_TS - limit] {
        assert_eq!(
            slack(
                SLACK_SECRET,
                SLACK_SIGNATURE,
                SLACK_BODY,
                SLACK_TIMESTAMP,
                now
            ),
            Ok(())
        );
    }
    let stale = slack(
        SLACK_SECRET,
        SLACK_SIGNATURE,
        SLACK_BODY,
        SLACK_TIMESTAMP,
        SLACK_TS + limit + 1,
    );
    assert_eq!(
        stale,
        Err(Refusal::StaleTimestamp {
            skew: limit + 1,
            max_skew: DEFAULT_MAX_SKEW_SECS
        })
    );
    assert_eq!(
        stale.unwrap_err().to_string(),
        "webhook timestamp is 301 s old, more than the 300 s allowed \
         (a replay, or this machine's clock is off)"
    );
    let future = slack(
        SLACK_SECRET,
        SLACK_SIGNATURE,
        SLACK_BODY,
        SLACK_TIMESTAMP,
        SLACK_TS - 3600,
    );
    assert_eq!(
        future,
        Err(Refusal::StaleTimestamp {
            skew: -3600,
            max_skew: DEFAULT_MAX_SKEW_SECS
        })
    );
    assert!(
        future
            .unwrap_err()
            .to_string()
            .contains("3600 s in the future")
    );
    // Extreme clocks do not overflow.
    let r = slack(
        SLACK_SECRET,
        SLACK_SIGNATURE,
        SLACK_BODY,
        "999999999999999999",
        i64::MIN,
    );
    assert!(matches!(
        r,
        Err(Refusal::StaleTimestamp { skew: i64::MIN, .. })
    ));
}

#[test]
fn slack_needs_a_numeric_timestamp() {
    let r = verify(
        Algorithm::SlackV0,
        SLACK_SECRET,
        SLACK_SIGNATURE,
        SLACK_BODY,
        None,
        SLACK_TS,
        DEFAULT_MAX_SKEW_SECS,
    );
    assert_eq!(r, Err(Refusal::MissingTimestamp));
    for ts in [
        "",
        "  ",
        "abc",
        "-1531420618",
        "+1531420618",
        "1531420618.5",
        "1e9",
        "9999999999999999999",
    ] {
        let reason = bad_format(slack(
            SLACK_SECRET,
            SLACK_SIGNATURE,
            SLACK_BODY,
            ts,
            SLACK_TS,
        ));
        assert_eq!(
            reason, "the timestamp is not a number of Unix seconds",
            "{ts:?}"
        );
    }
}

#[test]
fn malformed_signatures_are_refused_with_a_reason() {
    let hex = &GH_SIGNATURE["sha256=".len()..];
    let cases: Vec<(String, &str)> = vec![
        (String::new(), "the X-Hub-Signature-256 value is empty"),
        (
            hex.to_string(),
            "github-sha256 signatures start with \"sha256=\"",
        ),
        (format!("sha1={hex}"), "start with \"sha256=\""),
        (format!("v0={hex}"), "start with \"sha256=\""),
        (format!("SHA256={hex}"), "start with \"sha256=\""),
        (format!("sha256={}", &hex[..63]), "found 63 characters"),
        (format!("sha256={hex}0"), "found 65 characters"),
        ("sha256=".to_string(), "found 0 characters"),
        (format!("sha256={}zz", &hex[..62]), "is not hexadecimal"),
        (format!("sha256={}é", &hex[..62]), "is not hexadecimal"),
        (format!("sha256={} ", &hex[..62]), "found 62 characters"),
    ];
    for (sig, want) in cases {
        let reason = bad_format(github(GH_SECRET, &sig, GH_BODY));
        assert!(reason.contains(want), "{sig:?}: {reason}");
        assert!(!reason.contains('\n'));
    }
    let reason = bad_format(slack(
        SLACK_SECRET,
        GH_SIGNATURE,
        SLACK_BODY,
        SLACK_TIMESTAMP,
        SLACK_TS,
    ));
    assert!(
        reason.contains("slack-v0 signatures start with \"v0=\""),
        "{reason}"
    );
}

#[test]
fn no_refusal_mentions_the_secret() {
    let secret = b"hunter2-very-secret";
    let refusals = [
        github(secret, GH_SIGNATURE, GH_BODY),
        github(secret, "sha256=zz", GH_BODY),
        slack(
            secret,
            SLACK_SIGNATURE,
            SLACK_BODY,
            SLACK_TIMESTAMP,
            SLACK_TS + 9999,
        ),
        slack(
            secret,
            SLACK_SIGNATURE,
            SLACK_BODY,
            SLACK_TIMESTAMP,
            SLACK_TS,
        ),
    ];
    for r in refusals {
        let msg = r.unwrap_err().to_string();
        assert!(!msg.contains("hunter2"), "{msg}");
        assert!(!msg.contains('\n'), "{msg}");
    }
}

#[test]
fn uppercase_hex_and_surrounding_spaces_are_accepted() {
    // Hex is case-insensitive; the prefix is not (the vendors send it lowercase).
    let upper = format!("sha256={}", GH_SIGNATURE["sha256=".len()..].to_uppercase());
    assert_eq!(github(GH_SECRET, &upper, GH_BODY), Ok(()));
    let mixed = format!(
        "v0=A2114d57B48EAC{}",
        &SLACK_SIGNATURE["v0=a2114d57b48eac".len()..]
    );
    let r = slack(SLACK_SECRET, &mixed, SLACK_BODY, " 1531420618 ", SLACK_TS);
    assert_eq!(r, Ok(()));
    assert_eq!(
        github(GH_SECRET, &format!(" {GH_SIGNATURE}\r\n"), GH_BODY),
        Ok(())
    );
}

#[test]
fn an_empty_secret_accepts_nothing() {
    let sig = sign(Algorithm::GithubSha256, b"x", GH_BODY, None).unwrap();
    assert_eq!(github(b"", &sig, GH_BODY), Err(Refusal::EmptySecret));
    assert_eq!(
        sign(Algorithm::GithubSha256, b"", GH_BODY, None),
        Err(Refusal::EmptySecret)
    );
}

#[test]
fn ten_megabyte_payload_verifies_in_linear_time() {
    let body: Vec<u8> = (0..10 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    let ts = NOW.to_string();
    for alg in Algorithm::ALL {
        let sig = sign(alg, GH_SECRET, &body, Some(&ts)).unwrap();
        let start = Instant::now();
        let v = verify(
            alg,
            GH_SECRET,
            &sig,
            &body,
            Some(&ts),
            NOW,
            DEFAULT_MAX_SKEW_SECS,
        );
        // One SHA-256 pass over 10 MB takes tens of milliseconds even unoptimised; a
        // quadratic or copying check would take far longer.
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{alg}: {:?}",
            start.elapsed()
        );
        assert!(v.is_ok(), "{alg}");
        let mut tampered = body.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 0xff;
        let r = verify(
            alg,
            GH_SECRET,
            &sig,
            &tampered,
            Some(&ts),
            NOW,
            DEFAULT_MAX_SKEW_SECS,
        );
        assert_eq!(r.map(|_| ()), Err(Refusal::Mismatch), "{alg}");
    }
}

#[test]
fn algorithm_names_round_trip() {
    for alg in Algorithm::ALL {
        assert_eq!(alg.as_str().parse::<Algorithm>(), Ok(alg));
        assert_eq!(alg.to_string(), alg.as_str());
    }
    assert_eq!("github-sha256".parse(), Ok(Algorithm::GithubSha256));
    assert_eq!("slack-v0".parse(), Ok(Algorithm::SlackV0));
    let err = "sha1".parse::<Algorithm>().unwrap_err();
    assert_eq!(err, UnknownAlgorithm("sha1".to_string()));
    assert_eq!(
        err.to_string(),
        "unknown webhook signature algorithm \"sha1\": use github-sha256 or slack-v0"
    );
    assert_eq!(
        Algorithm::SlackV0.timestamp_header(),
        Some("X-Slack-Request-Timestamp")
    );
    assert_eq!(Algorithm::GithubSha256.timestamp_header(), None);
}

#[test]
fn replay_key_ignores_hex_case_and_differs_per_signature() {
    let upper = format!("sha256={}", GH_SIGNATURE["sha256=".len()..].to_uppercase());
    let a = verify(
        Algorithm::GithubSha256,
        GH_SECRET,
        GH_SIGNATURE,
        GH_BODY,
        None,
        NOW,
        0,
    )
    .unwrap();
    let b = verify(
        Algorithm::GithubSha256,
        GH_SECRET,
        &upper,
        GH_BODY,
        None,
        NOW,
        0,
    )
    .unwrap();
    assert_eq!(a.replay_key(), b.replay_key());
    assert_eq!(a.replay_key().len(), 64);
    assert!(!a.replay_key().contains("757107ea"));
    let other = sign(Algorithm::GithubSha256, GH_SECRET, b"other", None).unwrap();
    let c = verify(
        Algorithm::GithubSha256,
        GH_SECRET,
        &other,
        b"other",
        None,
        NOW,
        0,
    )
    .unwrap();
    assert_ne!(a.replay_key(), c.replay_key());
}
