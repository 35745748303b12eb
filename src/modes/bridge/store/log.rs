//! `log.jsonl` and `context.jsonl`: whole-line appends, tolerant reads.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::StoreError;

/// Whether an event came in (from GitHub or Slack) or went out (posted by pi).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Received from the transport.
    In,
    /// Sent by pi.
    Out,
}

/// One line of `log.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// When it was logged (RFC 3339, UTC).
    pub ts: String,
    /// In or out.
    pub dir: Direction,
    /// What happened (`comment`, `mention`, `reply`, `edit`, ...).
    pub kind: String,
    /// The event key used for dedupe (a delivery or comment id), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The event as the transport sent it or as pi sent it.
    #[serde(default)]
    pub payload: serde_json::Value,
}

impl Event {
    /// An event stamped now.
    pub fn new(dir: Direction, kind: &str, key: Option<&str>, payload: serde_json::Value) -> Event {
        Event {
            ts: crate::session::now_iso(),
            dir,
            kind: kind.to_string(),
            key: key.map(str::to_string),
            payload,
        }
    }
}

/// What reading `log.jsonl` found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogRead {
    /// The events, in file order.
    pub events: Vec<Event>,
    /// 1-based numbers of lines that are not events (the torn last line excluded).
    pub malformed: Vec<u64>,
    /// True when the last line had no newline and did not parse (a crash mid-append).
    pub torn_last_line: bool,
}

/// Appends `value` as one line in one write. When the file does not end with a newline (a
/// torn earlier append), the line starts with one so it stays whole.
pub(super) fn append_line(path: &Path, value: &impl Serialize) -> Result<(), StoreError> {
    let mut line =
        serde_json::to_vec(value).map_err(|e| StoreError::new(path, "encode a line", e))?;
    line.push(b'\n');
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::private_fs::create_dir_all(dir)
            .map_err(|e| StoreError::new(dir, "create the channel folder", e))?;
    }
    let mut file = crate::private_fs::open_options()
        .create(true)
        .append(true)
        .read(true)
        .open(path)
        .map_err(|e| StoreError::new(path, "open for appending", e))?;
    if ends_torn(&mut file).map_err(|e| StoreError::new(path, "read the end of the file", e))? {
        line.insert(0, b'\n');
    }
    file.write_all(&line)
        .map_err(|e| StoreError::new(path, "append a line", e))
}

fn ends_torn(file: &mut std::fs::File) -> std::io::Result<bool> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(false);
    }
    file.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}

/// Reads the events of `path` (missing: none).
pub(super) fn read(path: &Path) -> Result<LogRead, StoreError> {
    let text = match std::fs::read(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(LogRead::default()),
        Err(e) => return Err(StoreError::new(path, "read the log", e)),
    };
    let mut out = LogRead::default();
    let ends_with_newline = text.last() == Some(&b'\n');
    let lines: Vec<&[u8]> = text.split(|b| *b == b'\n').collect();
    let count = lines.len();
    for (i, line) in lines.into_iter().enumerate() {
        if line.is_empty() {
            continue;
        }
        match serde_json::from_slice::<Event>(line) {
            Ok(e) => out.events.push(e),
            Err(_) if i + 1 == count && !ends_with_newline => out.torn_last_line = true,
            Err(_) => out.malformed.push(i as u64 + 1),
        }
    }
    Ok(out)
}
