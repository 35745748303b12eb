//! The fast scan: split a session file into lines and read from each only the fields the index
//! needs (type, id, parent, role, usage, label / alias / head targets). Message bodies are
//! skipped without allocating; they are parsed later, only for the entries a caller needs.

use std::io::{self, Read};

use serde_json::Value;

use super::kinds::{EntryKind, Role};
use super::lenient::{LegacyHead, V3Head};
use crate::ai::types::Usage;

/// Lines are read in chunks of up to this size (a longer line grows the buffer further).
const CHUNK: usize = 4 << 20;

/// The first read's size: a small session is read without zeroing (and so touching) 4 MiB;
/// each read that fills the buffer doubles it, up to [`CHUNK`].
const FIRST_CHUNK: usize = 64 << 10;

/// Which format a file is in, from its first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionFormat {
    /// pi's format (header `{"type":"session","version":3,...}`); read and written.
    PiV3,
    /// The older rust-pi format (`{"record_type":"meta","schema_version":1}`); read-only.
    LegacyV1,
}

/// The session header (line 1).
#[derive(Debug, Clone, PartialEq)]
pub struct SessionHeader {
    pub format: SessionFormat,
    pub id: String,
    pub version: u64,
    pub timestamp: String,
    pub cwd: String,
    pub parent_session: Option<String>,
    /// The older format may start directly with an entry (no header line).
    pub(crate) first_line_is_entry: bool,
}

/// Reads line 1. `Err` holds why this is not a session file.
pub(crate) fn parse_header(line: &[u8]) -> Result<SessionHeader, String> {
    let value: Value =
        serde_json::from_slice(line).map_err(|e| format!("line 1 is not JSON: {e}"))?;
    let str_field = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_string);
    if value.get("type").and_then(Value::as_str) == Some("session") {
        return Ok(SessionHeader {
            format: SessionFormat::PiV3,
            id: str_field("id").unwrap_or_default(),
            version: value.get("version").and_then(Value::as_u64).unwrap_or(1),
            timestamp: str_field("timestamp").unwrap_or_default(),
            cwd: str_field("cwd").unwrap_or_default(),
            parent_session: str_field("parentSession"),
            first_line_is_entry: false,
        });
    }
    let record_type = value.get("record_type").and_then(Value::as_str);
    let legacy_entry = value.get("id").is_some() && value.get("message").is_some();
    if record_type == Some("meta") || (record_type.is_none() && legacy_entry) {
        return Ok(SessionHeader {
            format: SessionFormat::LegacyV1,
            id: String::new(),
            version: value
                .get("schema_version")
                .and_then(Value::as_u64)
                .unwrap_or(1),
            timestamp: String::new(),
            cwd: String::new(),
            parent_session: None,
            first_line_is_entry: record_type.is_none(),
        });
    }
    Err("line 1 is neither a pi session header {\"type\":\"session\",...} nor an older rust-pi header".into())
}

/// What the index keeps of one entry line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ScannedEntry {
    pub kind: EntryKind,
    pub id: Box<str>,
    pub parent: Option<Box<str>>,
    pub role: Option<Role>,
    pub usage: Option<Usage>,
    pub extra: Extra,
}

/// Kind-specific fields the index keeps (labels, aliases, head moves).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Extra {
    None,
    Label {
        target: Box<str>,
        label: Option<Box<str>>,
    },
    Head {
        target: Box<str>,
        previous: Option<Box<str>>,
    },
    Alias {
        name: Box<str>,
        target: Option<Box<str>>,
    },
}

/// Reads one entry line. `Err` holds why the line is malformed.
pub(crate) fn scan_line(format: SessionFormat, line: &[u8]) -> Result<ScannedEntry, String> {
    match format {
        SessionFormat::PiV3 => scan_v3(line),
        SessionFormat::LegacyV1 => scan_legacy(line),
    }
}

fn scan_v3(line: &[u8]) -> Result<ScannedEntry, String> {
    let head: V3Head = serde_json::from_slice(line).map_err(|e| e.to_string())?;
    let kind_name = head.kind.0.ok_or("no \"type\" field")?;
    if kind_name == "session" {
        return Err("a second session header".into());
    }
    let kind = EntryKind::parse(&kind_name, head.custom_type.0.as_deref());
    let id = head.id.into_box().ok_or("entry without a string \"id\"")?;
    let role = head
        .message
        .as_ref()
        .and_then(|m| m.role.0.as_deref())
        .map(Role::parse);
    let usage = match (&head.message, role) {
        (Some(m), Some(Role::Assistant)) => m.usage.as_ref().map(|u| u.to_usage()),
        _ => None,
    };
    let data = head.data.unwrap_or_default();
    let extra = match kind {
        EntryKind::Label => match head.target_id.into_box() {
            Some(target) => Extra::Label {
                target,
                label: head.label.into_box(),
            },
            None => Extra::None,
        },
        EntryKind::Head => match data.head_id.into_box() {
            Some(target) => Extra::Head {
                target,
                previous: data.previous_head_id.into_box(),
            },
            None => Extra::None,
        },
        EntryKind::BranchAlias => match data.name.into_box() {
            Some(name) => Extra::Alias {
                name,
                target: data.target_id.into_box(),
            },
            None => Extra::None,
        },
        _ => Extra::None,
    };
    Ok(ScannedEntry {
        kind,
        id,
        parent: head.parent_id.into_box(),
        role: if kind == EntryKind::Message {
            role
        } else {
            None
        },
        usage,
        extra,
    })
}

fn scan_legacy(line: &[u8]) -> Result<ScannedEntry, String> {
    let head: LegacyHead = serde_json::from_slice(line).map_err(|e| e.to_string())?;
    match head.record_type.0.as_deref() {
        None | Some("entry") => {}
        Some(other) => return Err(format!("unexpected record_type '{other}'")),
    }
    let id = head.id.into_box().ok_or("entry without an \"id\"")?;
    let role = head
        .message
        .as_ref()
        .and_then(|m| m.role.0.as_deref())
        .map(Role::parse);
    Ok(ScannedEntry {
        kind: EntryKind::Message,
        id,
        parent: head.parent_id.into_box(),
        role,
        usage: None,
        extra: Extra::None,
    })
}

/// Calls `f(offset, line, terminated)` for each line of `reader`, whose first byte is at file
/// offset `start`. `line` excludes the `\n`; only the last line can be unterminated. Returns
/// the offset just past the data read.
pub(crate) fn for_each_line(
    reader: &mut impl Read,
    start: u64,
    mut f: impl FnMut(u64, &[u8], bool),
) -> io::Result<u64> {
    for_each_block(reader, start, |base, block| {
        split_lines(base, block, &mut f)
    })
}

/// Calls `f(offset, line, terminated)` for each line of `block`, which starts at `base`.
pub(crate) fn split_lines<'a>(base: u64, block: &'a [u8], f: &mut impl FnMut(u64, &'a [u8], bool)) {
    let mut line_start = 0usize;
    for nl in memchr::memchr_iter(b'\n', block) {
        f(base + line_start as u64, &block[line_start..nl], true);
        line_start = nl + 1;
    }
    if line_start < block.len() {
        f(base + line_start as u64, &block[line_start..], false);
    }
}

/// Calls `f(offset, block)` with runs of whole lines of `reader` (each block ends with `\n`,
/// except a last unterminated piece at the end of the data). Returns the end offset.
pub(crate) fn for_each_block(
    reader: &mut impl Read,
    start: u64,
    mut f: impl FnMut(u64, &[u8]),
) -> io::Result<u64> {
    let mut buf = vec![0u8; FIRST_CHUNK];
    let mut filled = 0usize;
    let mut base = start;
    loop {
        if filled == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        let room = buf.len() - filled;
        let n = match reader.read(&mut buf[filled..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            if filled > 0 {
                f(base, &buf[..filled]);
            }
            return Ok(base + filled as u64);
        }
        let scan_from = filled;
        filled += n;
        // A read that filled the room: a large file, read in larger pieces.
        if n == room && buf.len() < CHUNK {
            buf.resize(buf.len() * 2, 0);
        }
        if let Some(nl) = memchr::memrchr(b'\n', &buf[scan_from..filled]) {
            let cut = scan_from + nl + 1;
            f(base, &buf[..cut]);
            buf.copy_within(cut..filled, 0);
            filled -= cut;
            base += cut as u64;
        }
    }
}

/// True for a line with nothing but whitespace (skipped silently).
pub(crate) fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

#[cfg(test)]
#[path = "scan_tests.rs"]
mod tests;
