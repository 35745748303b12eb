//! Where the answers of `local/NAME` channels go: one JSON line per answer appended to the
//! outbox file (a single write of a whole line, never a rewrite), read by whatever the user
//! points at it.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::modes::bridge::runner::{Answer, Begin, Prompt, Transport};
use crate::modes::bridge::step::Inbound;
use crate::modes::bridge::store::Channel;

/// A local run's reply: what it answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalReply {
    pub conversation: String,
    pub key: String,
}

pub struct Outbox {
    pub path: PathBuf,
}

/// Appends one JSON line to `path` with one write (the file is created 0600).
fn append_line(path: &Path, value: &serde_json::Value) -> Result<(), String> {
    let mut line = serde_json::to_string(value).map_err(|e| e.to_string())?;
    line.push('\n');
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::private_fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| format!("cannot open the outbox {}: {e}", path.display()))?;
    file.write_all(line.as_bytes())
        .map_err(|e| format!("cannot append to the outbox {}: {e}", path.display()))
}

/// Whether the outbox already holds a final answer to `key`.
fn answered(path: &Path, key: &str) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .any(|v| v["key"] == key && v["kind"] == "answer")
}

impl Outbox {
    fn write(
        &self,
        kind: &str,
        conversation: &str,
        key: &str,
        text: &str,
        extra: serde_json::Value,
    ) -> Result<(), String> {
        let mut v = serde_json::json!({
            "ts": crate::session::now_iso(),
            "kind": kind,
            "channel": conversation,
            "key": key,
            "text": text,
        });
        if let (Some(obj), serde_json::Value::Object(more)) = (v.as_object_mut(), extra) {
            obj.extend(more);
        }
        append_line(&self.path, &v)
    }
}

impl Transport for Outbox {
    type Handle = LocalReply;

    async fn begin(
        &self,
        _channel: &Channel,
        inbound: &Inbound,
        _saved: Option<LocalReply>,
    ) -> Result<Begin<LocalReply>, String> {
        if answered(&self.path, &inbound.key) {
            return Ok(Begin::AlreadyAnswered);
        }
        Ok(Begin::Reply(LocalReply {
            conversation: inbound.conversation.clone(),
            key: inbound.key.clone(),
        }))
    }

    async fn progress(&self, _handle: &LocalReply, _partial: &str) -> Result<(), String> {
        Ok(())
    }

    async fn finish(&self, handle: &LocalReply, answer: &Answer) -> Result<(), String> {
        let footer = answer.footer.as_ref().map(|f| {
            serde_json::json!({
                "run": f.run_id, "model": f.model, "input_tokens": f.input_tokens,
                "output_tokens": f.output_tokens, "cost_usd": f.cost_usd,
                "duration_ms": f.duration_ms,
            })
        });
        self.write(
            "answer",
            &handle.conversation,
            &handle.key,
            &answer.text,
            serde_json::json!({ "footer": footer }),
        )
    }

    async fn reply(
        &self,
        conversation: &str,
        reply_to: &Inbound,
        text: &str,
    ) -> Result<(), String> {
        self.write(
            "reply",
            conversation,
            &reply_to.key,
            text,
            serde_json::json!({}),
        )
    }

    async fn prompt(
        &self,
        _channel: &Channel,
        inbound: &Inbound,
        _first_run: bool,
    ) -> Result<Prompt, String> {
        Ok(Prompt {
            text: inbound.text.clone(),
            images: Vec::new(),
            model: None,
        })
    }
}
