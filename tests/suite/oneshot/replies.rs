//! Replies no provider should send: a web page instead of a stream, a stream with no answer.

use super::{Run, stderr, stdout};

/// A server answering every request with `content_type` and `body`; returns its base URL
/// (OpenAI style, with `/v1`).
pub(super) fn serve_fixed(content_type: &'static str, body: &'static str) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let app = axum::Router::new().fallback(move || async move {
                ([(axum::http::header::CONTENT_TYPE, content_type)], body)
            });
            axum::serve(listener, app).await.unwrap();
        });
    });
    base
}

fn run_against(base: &str, extra: &[&str]) -> std::process::Output {
    let run = Run::new();
    run.cmd()
        .env("OPENAI_API_KEY", "k")
        .args([
            "-m",
            "openai/gpt-4o-mini",
            "--no-session",
            "--api-base",
            base,
        ])
        .args(["--provider-max-retries", "0"])
        .args(extra)
        .args(["-p", "hi"])
        .output()
        .unwrap()
}

#[test]
fn an_html_reply_is_an_error_naming_the_content_type() {
    let base = serve_fixed(
        "text/html; charset=utf-8",
        "<html><body>Sign in</body></html>",
    );
    for stream in ["true", "false"] {
        let out = run_against(&base, &["--stream", stream]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("text/html"), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert_eq!(stdout(&out), "");
    }
}

#[test]
fn a_stream_of_only_done_is_an_empty_response_error() {
    let base = serve_fixed("text/event-stream", "data: [DONE]\n\n");
    let out = run_against(&base, &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("empty response from the provider"), "{err}");
    assert_eq!(stdout(&out), "");
}

#[test]
fn a_failed_turn_ends_with_error_and_no_turn_finished() {
    let base = serve_fixed("text/event-stream", "data: [DONE]\n\n");
    let out = run_against(&base, &["--output-format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let types: Vec<String> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["type"].to_string())
        .collect();
    assert_eq!(
        types.last().map(String::as_str),
        Some("\"error\""),
        "{types:?}"
    );
    assert!(!types.iter().any(|t| t == "\"turn_finished\""), "{types:?}");
}
