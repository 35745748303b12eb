//! Conversation keys (`TRANSPORT/ID`) and the encoding of an id as a folder name.
//!
//! Every byte outside `A-Z a-z 0-9 - _ .` becomes `%XX` (upper-case hex), and so does a
//! leading `.`; so `owner/repo#12` is stored as `owner%2Frepo%2312`, `..` as `%2E.`, and no
//! folder name can hold `/`, a control character or start with a dot.

use std::fmt;

/// Which tool a conversation lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Transport {
    /// A GitHub issue.
    Github,
    /// A local conversation (`local/NAME`): answers go to a file, not to a remote service.
    Local,
    /// A Slack channel or thread.
    Slack,
}

impl Transport {
    /// Every transport, in folder order.
    pub const ALL: [Transport; 3] = [Transport::Github, Transport::Local, Transport::Slack];

    /// The folder name (`github`, `local`, `slack`).
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Github => "github",
            Transport::Local => "local",
            Transport::Slack => "slack",
        }
    }

    /// Parses `github`, `local` or `slack`.
    pub fn parse(text: &str) -> Option<Transport> {
        Transport::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

/// Longest id accepted, in bytes (its encoding must fit a file name).
const MAX_ID_LEN: usize = 80;

/// A conversation: its transport and its id as the transport names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConversationKey {
    /// The transport.
    pub transport: Transport,
    /// The id, unencoded (`owner/repo#12`, `C0123/1700000000.000100`).
    pub id: String,
}

impl ConversationKey {
    /// A key; refuses an empty id, an id over 80 bytes, or one with control characters.
    pub fn new(transport: Transport, id: &str) -> Result<ConversationKey, String> {
        if id.is_empty() {
            return Err("the conversation id is empty".into());
        }
        if id.len() > MAX_ID_LEN {
            return Err(format!("the conversation id is over {MAX_ID_LEN} bytes"));
        }
        if id.chars().any(char::is_control) {
            return Err("the conversation id holds a control character".into());
        }
        Ok(ConversationKey {
            transport,
            id: id.to_string(),
        })
    }

    /// Parses `TRANSPORT/ID` (the id may itself hold `/`).
    pub fn parse(text: &str) -> Result<ConversationKey, String> {
        let (t, id) = text
            .split_once('/')
            .ok_or_else(|| format!("{text:?} is not TRANSPORT/ID"))?;
        let transport = Transport::parse(t)
            .ok_or_else(|| format!("unknown transport {t:?} (github, local or slack)"))?;
        ConversationKey::new(transport, id).map_err(|e| format!("{text:?}: {e}"))
    }
}

impl fmt::Display for ConversationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.transport.as_str(), self.id)
    }
}

fn plain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')
}

/// The folder name of `id` (see the module docs).
pub fn encode_id(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for (i, b) in id.bytes().enumerate() {
        if plain(b) && !(i == 0 && b == b'.') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The id a folder name encodes; `None` when it is not an encoding [`encode_id`] produces.
pub fn decode_id(name: &str) -> Option<String> {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = name.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let id = String::from_utf8(out).ok()?;
    (!id.is_empty() && encode_id(&id) == name).then_some(id)
}
