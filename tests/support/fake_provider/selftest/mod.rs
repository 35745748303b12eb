//! Checks the fake provider's raw bytes with a plain HTTP client.

use axum::body::Bytes;
use axum::http::HeaderMap;
use serde_json::{Value, json};

use super::{FakeProvider, Reply};

mod faults;
mod formats;
mod responses;

pub(super) struct Got {
    pub status: u16,
    pub headers: HeaderMap,
    pub chunks: Vec<Bytes>,
    /// The body ended with a transport error instead of cleanly.
    pub broken: bool,
}

impl Got {
    pub fn text(&self) -> String {
        String::from_utf8(self.chunks.concat()).expect("utf-8 body")
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text()).expect("JSON body")
    }

    /// `(event name, data)` of every SSE event, CRLF or LF framed.
    pub fn events(&self) -> Vec<(Option<String>, String)> {
        let text = self.text().replace("\r\n", "\n");
        text.split("\n\n")
            .filter(|block| !block.is_empty())
            .map(|block| {
                let mut event = None;
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(name) = line.strip_prefix("event: ") {
                        event = Some(name.to_string());
                    } else if let Some(payload) = line.strip_prefix("data: ") {
                        data.push_str(payload);
                    }
                }
                (event, data)
            })
            .collect()
    }

    pub fn data_json(&self) -> Vec<Value> {
        let events = self.events();
        let data = events.iter().filter(|(_, d)| d != "[DONE]");
        data.map(|(_, d)| serde_json::from_str(d).expect("event JSON"))
            .collect()
    }
}

pub(super) async fn send(
    url: String,
    headers: &[(&str, &str)],
    body: Value,
) -> Result<Got, reqwest::Error> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder().build().expect("client");
    let mut request = client.post(url).json(&body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut response = request.send().await?;
    let mut got = Got {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        chunks: Vec::new(),
        broken: false,
    };
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => got.chunks.push(chunk),
            Ok(None) => break,
            Err(_) => {
                got.broken = true;
                break;
            }
        }
    }
    Ok(got)
}

pub(super) const BEARER: (&str, &str) = ("authorization", "Bearer test-key");
pub(super) const ANTHROPIC: [(&str, &str); 2] = [
    ("x-api-key", "test-key"),
    ("anthropic-version", "2023-06-01"),
];
pub(super) const GOOGLE: (&str, &str) = ("x-goog-api-key", "test-key");

pub(super) fn openai_body(stream: bool) -> Value {
    json!({ "model": "gpt-4o-mini", "stream": stream, "stream_options": { "include_usage": true },
            "messages": [{ "role": "user", "content": "hello there" }] })
}

pub(super) fn anthropic_body(stream: bool) -> Value {
    json!({ "model": "claude-sonnet-4-5", "max_tokens": 100, "stream": stream,
            "messages": [{ "role": "user", "content": [{ "type": "text", "text": "hello there" }] }] })
}

pub(super) fn gemini_body() -> Value {
    json!({ "contents": [{ "role": "user", "parts": [{ "text": "hello there" }] }] })
}

pub(super) fn rich_turn() -> Reply {
    Reply::turn()
        .thinking("Let me think about ünïcode.")
        .text("I'll create both files — now.")
        .tool_call("write", json!({ "path": "a.txt", "content": "first\n" }))
        .tool_call("bash", json!({ "command": "ls -la" }))
        .usage(120, 30)
        .into()
}
