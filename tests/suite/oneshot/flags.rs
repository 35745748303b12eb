//! Every limit and tuning flag, run through the real binary, checked by its effect.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{Run, stderr, stdout};
use crate::support::fake_provider::{FakeProvider, Fault, Reply};

const MODEL: &str = "openai/gpt-4o-mini";

/// The text of the first tool result in the session.
fn first_tool_result(run: &Run) -> String {
    let msgs = run.session_messages();
    let result = msgs
        .iter()
        .find(|m| m["role"] == "toolResult")
        .unwrap_or_else(|| panic!("no tool result in {msgs:?}"));
    result["content"][0]["text"].as_str().unwrap().to_string()
}

/// One tool call, then a closing answer.
fn tool_then_done(name: &str, arguments: Value) -> FakeProvider {
    FakeProvider::builder()
        .reply(Reply::turn().tool_call(name, arguments))
        .reply(Reply::text("done"))
        .start_blocking()
}

#[test]
fn bash_timeout_ms_kills_a_slow_command() {
    let fake = tool_then_done("bash", json!({"command": "sleep 20"}));
    let run = Run::new();
    let started = Instant::now();
    let out = run
        .pi(&fake, MODEL)
        .args(["--bash-timeout-ms", "300", "--prompt", "go"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(10));
    let text = first_tool_result(&run);
    assert!(text.contains("timed out"), "{text}");
    // The next request shows the model the same result.
    assert!(fake.requests()[1].body.to_string().contains("timed out"));
}

#[test]
fn max_file_read_bytes_truncates_with_a_continue_hint() {
    let fake = tool_then_done("read", json!({"path": "big.txt"}));
    let run = Run::new();
    let body: String = (1..=100).map(|i| format!("line {i}\n")).collect();
    std::fs::write(run.path().join("big.txt"), body).unwrap();
    let out = run
        .pi(&fake, MODEL)
        .args(["--max-file-read-bytes", "40", "--prompt", "go"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = first_tool_result(&run);
    assert!(text.starts_with("line 1\n"), "{text}");
    assert!(!text.contains("line 50"), "{text}");
    assert!(text.contains("Use offset="), "{text}");
    assert!(fake.requests()[1].body.to_string().contains("Use offset="));
}

#[test]
fn max_tool_output_bytes_keeps_the_tail_and_reports_the_full_output() {
    let fake = tool_then_done("bash", json!({"command": "seq 1 3000"}));
    let run = Run::new();
    let out = run
        .pi(&fake, MODEL)
        .args(["--max-tool-output-bytes", "200", "--prompt", "go"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = first_tool_result(&run);
    assert!(text.contains("\n3000"), "{text}");
    assert!(!text.starts_with("1\n2\n"), "{text}");
    assert!(text.contains("Output truncated"), "{text}");
    let path = text
        .split("Full output: ")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .unwrap_or_else(|| panic!("no full output path in {text}"));
    // The file sits in the run's spill folder, which the run removed when it ended (the
    // tools suite reads such a file while its run lives).
    let path = std::path::Path::new(path.trim());
    let folder = path.parent().and_then(|p| p.file_name()).unwrap();
    assert!(folder.to_string_lossy().starts_with("run-"), "{text}");
    assert!(!path.exists(), "{} outlived the run", path.display());
}

#[test]
fn max_file_write_bytes_refuses_a_big_write() {
    let fake = tool_then_done("write", json!({"path": "big.txt", "content": "0123456789"}));
    let run = Run::new();
    let out = run
        .pi(&fake, MODEL)
        .args(["--max-file-write-bytes", "5", "--prompt", "go"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!run.path().join("big.txt").exists());
    let text = first_tool_result(&run);
    assert!(text.contains("--max-file-write-bytes"), "{text}");
    let msgs = run.session_messages();
    assert_eq!(msgs[2]["isError"], true);
}

/// A catalog server answering `body` at `/models.json`; returns its URL.
fn serve_catalog(body: &'static str) -> (String, std::thread::JoinHandle<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}/models.json", listener.local_addr().unwrap());
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let app = axum::Router::new().route(
                "/models.json",
                axum::routing::get(move || async move { body }),
            );
            axum::serve(listener, app).await.unwrap();
        });
    });
    (url, thread)
}

const PRICED_CATALOG: &str = r#"{"version":1,"models":[{"provider":"openai","id":"gpt-priced","name":"Priced","context_window":100000,"max_output_tokens":1000,"cost":{"input":1000000,"output":2000000}}]}"#;

/// The total cost recorded on the session's last assistant message.
fn last_cost(run: &Run) -> f64 {
    let msgs = run.session_messages();
    let last = msgs
        .iter()
        .rev()
        .find(|m| m["role"] == "assistant")
        .unwrap();
    last["usage"]["cost"]["total"]
        .as_f64()
        .unwrap_or_else(|| panic!("no cost in {last}"))
}

#[test]
fn model_catalog_url_prices_the_turn_and_fills_the_cache_used_offline() {
    let fake = FakeProvider::echo().start_blocking();
    let (url, _server) = serve_catalog(PRICED_CATALOG);
    let run = Run::new();
    let cache = run.path().join("cache/models.json");
    let out = run
        .pi(&fake, "openai/gpt-priced")
        .args(["--model-catalog-url", &url])
        .args(["--model-catalog-cache", cache.to_str().unwrap()])
        .args(["--prompt", "hi"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // 10 input tokens at $1/token and 5 output tokens at $2/token.
    assert_eq!(last_cost(&run), 20.0);
    assert_eq!(std::fs::read_to_string(&cache).unwrap(), PRICED_CATALOG);

    // Offline: an unreachable URL falls back to the cache.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}/models.json", dead.local_addr().unwrap());
    drop(dead);
    let out = run
        .pi(&fake, "openai/gpt-priced")
        .args(["--model-catalog-url", &dead_url])
        .args(["--model-catalog-cache", cache.to_str().unwrap()])
        .args(["--prompt", "again"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("could not refresh"),
        "{}",
        stderr(&out)
    );
    assert_eq!(last_cost(&run), 20.0);
}

#[test]
fn a_corrupt_model_catalog_cache_is_reported_and_ignored() {
    let fake = FakeProvider::echo().start_blocking();
    let run = Run::new();
    let cache = run.path().join("models.json");
    std::fs::write(&cache, "{not a catalog").unwrap();
    let out = run
        .pi(&fake, MODEL)
        .args(["--model-catalog-cache", cache.to_str().unwrap()])
        .args(["--prompt", "hi"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("corrupt"), "{}", stderr(&out));
    assert_eq!(stdout(&out), "hi\n");
    // The built-in price of gpt-4o-mini: 10 × 0.15 + 5 × 0.6 per million.
    assert!(
        (last_cost(&run) - 4.5e-6).abs() < 1e-12,
        "{}",
        last_cost(&run)
    );
}

#[test]
fn provider_retry_budget_ms_stops_retrying() {
    let fake = FakeProvider::builder()
        .reply(Fault::status(429).retry_after(5))
        .reply(Reply::text("too late"))
        .start_blocking();
    let run = Run::new();
    let started = Instant::now();
    let out = run
        .pi(&fake, MODEL)
        .args(["--provider-retry-budget-ms", "200", "--prompt", "hi"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(4));
    assert!(stderr(&out).contains("429"), "{}", stderr(&out));
    assert_eq!(fake.requests().len(), 1);

    // Without the budget, the retry-after wait is honoured and the retry succeeds.
    let fake = FakeProvider::builder()
        .reply(Fault::status(429).retry_after_ms(300))
        .reply(Reply::text("after the wait"))
        .start_blocking();
    let out = run
        .pi(&fake, MODEL)
        .args(["--provider-retry-budget-ms", "0", "--prompt", "hi"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "after the wait\n");
}

#[test]
fn session_import_mode_sets_the_default_of_session_import() {
    let fake = FakeProvider::echo().start_blocking();
    let run = Run::new();
    for (session, prompt) in [("other.jsonl", "from other"), ("mine.jsonl", "from mine")] {
        let out = run
            .pi(&fake, MODEL)
            .args(["--session", session, "--prompt", prompt])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    std::fs::write(run.path().join("cmds.txt"), "/session-import other.jsonl\n").unwrap();
    let out = run
        .pi(&fake, MODEL)
        .args(["--session", "mine.jsonl", "--command-file", "cmds.txt"])
        .args(["--session-import-mode", "replace"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("replaced"), "{}", stdout(&out));
    let text = std::fs::read_to_string(run.path().join("mine.jsonl")).unwrap();
    assert!(text.contains("from other"));

    // The default, merge, keeps both.
    std::fs::write(run.path().join("cmds.txt"), "/session-import mine.jsonl\n").unwrap();
    let out = run
        .pi(&fake, MODEL)
        .args(["--session", "other.jsonl", "--command-file", "cmds.txt"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("merged"), "{}", stdout(&out));
}

#[test]
fn stream_delay_ms_paces_streamed_output() {
    let text = "one two three four five six seven eight nine ten eleven twelve";
    let fake = FakeProvider::builder()
        .chunk_size(8)
        .reply(Reply::text(text))
        .reply(Reply::text(text))
        .start_blocking();
    let run = Run::new();
    let timed = |delay: &str| {
        let started = Instant::now();
        let out = run
            .pi(&fake, MODEL)
            .args(["--no-session", "--stream-output", "true"])
            .args(["--stream-delay-ms", delay, "--prompt", "hi"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(stdout(&out).trim_end(), text);
        started.elapsed()
    };
    let fast = timed("0");
    let slow = timed("150");
    assert!(
        slow >= fast + Duration::from_millis(450),
        "{fast:?} {slow:?}"
    );
}

#[test]
fn thinking_sets_the_providers_reasoning_field() {
    let fake = FakeProvider::echo().start_blocking();
    let run = Run::new();
    run.pi(&fake, "openai/o3")
        .args(["--no-session", "--thinking", "high", "--prompt", "hi"])
        .output()
        .unwrap();
    run.pi(&fake, "anthropic/claude-sonnet-4-5")
        .args(["--no-session", "--thinking", "medium", "--prompt", "hi"])
        .output()
        .unwrap();
    run.pi(&fake, "anthropic/claude-sonnet-4-5")
        .args(["--no-session", "--thinking", "off", "--prompt", "hi"])
        .output()
        .unwrap();
    // Chat Completions names it `reasoning_effort`.
    run.pi(&fake, "openrouter/openai/o3")
        .args(["--no-session", "--thinking", "high", "--prompt", "hi"])
        .output()
        .unwrap();
    let requests = fake.requests();
    assert_eq!(requests.len(), 4);
    // o3 goes through the Responses API: `reasoning.effort`.
    assert_eq!(requests[0].body["reasoning"]["effort"], "high");
    assert_eq!(requests[3].body["reasoning_effort"], "high");
    assert_eq!(requests[1].body["thinking"]["type"], "enabled");
    assert!(
        requests[1].body["thinking"]["budget_tokens"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert!(requests[2].body.get("thinking").is_none());
}

#[test]
fn max_output_tokens_is_sent() {
    let fake = FakeProvider::echo().start_blocking();
    let run = Run::new();
    run.pi(&fake, MODEL)
        .args([
            "--no-session",
            "--max-output-tokens",
            "321",
            "--prompt",
            "hi",
        ])
        .output()
        .unwrap();
    run.pi(&fake, "anthropic/claude-sonnet-4-5")
        .args([
            "--no-session",
            "--max-output-tokens",
            "123",
            "--prompt",
            "hi",
        ])
        .output()
        .unwrap();
    let requests = fake.requests();
    assert_eq!(requests[0].body["max_completion_tokens"], 321);
    assert_eq!(requests[1].body["max_tokens"], 123);
}

#[test]
fn log_file_receives_the_log() {
    let fake = FakeProvider::echo().start_blocking();
    let run = Run::new();
    let log = run.path().join("logs/deep/pi-test.log");
    let out = run
        .pi(&fake, MODEL)
        .env("PI_LOG", "debug")
        .args(["--log-file", log.to_str().unwrap(), "--prompt", "hi"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.is_empty());
    assert!(
        !run.path().join("pi.log").exists(),
        "the flag wins over PI_LOG_FILE"
    );
}

#[test]
fn context_window_compacts_a_one_shot_run() {
    let fake = FakeProvider::builder()
        .reply(Reply::text("first answer"))
        .reply(Reply::text("AUTO-SUMMARY of the start"))
        .reply(Reply::text("second answer"))
        .start_blocking();
    let run = Run::new();
    std::fs::write(run.path().join("system.md"), "Be brief.").unwrap();
    let long = "lorem ipsum ".repeat(2_000);
    for (prompt, window) in [("first", None), ("second", Some("12000"))] {
        let mut cmd = run.pi(&fake, MODEL);
        cmd.args(["--system-prompt-file", "system.md"])
            .args(["--prompt", &format!("{prompt} {long}")]);
        if let Some(w) = window {
            cmd.args(["--context-window", w]);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let requests = fake.requests();
    // Without the flag the catalog's 128k window fits: one request; with it, a summary first.
    assert_eq!(requests.len(), 3);
    let sent = requests[2].body.to_string();
    assert!(
        sent.contains("AUTO-SUMMARY") && !sent.contains("first lorem"),
        "{sent}"
    );
    assert!(
        run.session_lines()
            .iter()
            .any(|l| l["type"] == "compaction")
    );
}
