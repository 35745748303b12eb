//! The session tree for browsers (the TUI's branch graph): built from the in-memory index
//! alone, so it costs nothing per message body. Bodies are read back only for the entries a
//! browser shows (`entry_labels`) or previews (`entry_preview`).

use std::collections::HashMap;

use serde::Deserialize;

use super::convert::entry_message;
use super::error::SessionError;
use super::kinds::{EntryKind, Role};
use super::nav::preview;
use super::store::SessionStore;
use crate::ai::types::{ContentBlock, Message};

/// One shown entry of the tree. Bookkeeping (head moves, aliases, bookmarks) and settings
/// entries (model, thinking level, session info, custom data) are not shown: their children
/// hang from the nearest shown ancestor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeNode {
    pub id: String,
    /// The nearest shown ancestor.
    pub parent_id: Option<String>,
    pub kind: EntryKind,
    /// The role of a `message` entry.
    pub role: Option<Role>,
    /// The head is this entry (or a hidden entry below it on the same branch).
    pub is_head: bool,
    /// Branch aliases pointing here, sorted.
    pub aliases: Vec<String>,
    /// Bookmarks (pi labels) pointing here, sorted.
    pub bookmarks: Vec<String>,
}

/// The shown entries, parents before children (file order), and the shown head.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionTree {
    pub nodes: Vec<TreeNode>,
    pub head: Option<String>,
}

/// Characters of a one-line label.
const LABEL_CHARS: usize = 160;

/// Whether a browser shows entries of this kind.
fn shown(kind: EntryKind) -> bool {
    !kind.is_bookkeeping()
        && !matches!(
            kind,
            EntryKind::ModelChange
                | EntryKind::ThinkingLevelChange
                | EntryKind::SessionInfo
                | EntryKind::Custom
        )
}

impl SessionStore {
    /// The tree of shown entries with their names, from the index (no body is read).
    pub fn tree(&self) -> SessionTree {
        let index = &self.index;
        let mut names: HashMap<String, (Vec<String>, Vec<String>)> = HashMap::new();
        for a in self.branch_aliases() {
            names.entry(a.target_id).or_default().0.push(a.name);
        }
        for b in self.bookmarks() {
            names.entry(b.target_id).or_default().1.push(b.name);
        }
        // The nearest shown ancestor-or-self of `i`.
        let shown_from = |mut cur: Option<u32>| {
            let mut steps = 0;
            while let Some(c) = cur {
                if shown(index.node(c).kind) || steps > index.len() {
                    break;
                }
                cur = index.parent(c);
                steps += 1;
            }
            cur.filter(|&c| shown(index.node(c).kind))
        };
        let head = shown_from(self.head);
        let mut nodes = Vec::new();
        for i in 0..index.len() as u32 {
            let n = index.node(i);
            if !shown(n.kind) {
                continue;
            }
            let (mut aliases, mut bookmarks) = names.remove(&*n.id).unwrap_or_default();
            aliases.sort();
            bookmarks.sort();
            nodes.push(TreeNode {
                id: n.id.to_string(),
                parent_id: shown_from(index.parent(i)).map(|p| index.node(p).id.to_string()),
                kind: n.kind,
                role: n.role,
                is_head: head == Some(i),
                aliases,
                bookmarks,
            });
        }
        SessionTree {
            nodes,
            head: head.map(|h| index.node(h).id.to_string()),
        }
    }

    /// One-line labels of the entries `ids` (unknown ids are left out): what the entry says,
    /// `→ tool, tool` for an assistant message that only calls tools, `name: output` for a
    /// tool result.
    pub fn entry_labels(&self, ids: &[String]) -> Result<Vec<(String, String)>, SessionError> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let Some(i) = self.index.get(id) else {
                continue;
            };
            let label = match self.entry_content(i)? {
                Content::Message(m) => message_label(&m),
                Content::Summary(s) => format!(
                    "{}: {}",
                    self.index.node(i).kind.as_str(),
                    short(&s, LABEL_CHARS)
                ),
                Content::Other => self.index.node(i).kind.as_str().to_string(),
            };
            out.push((id.clone(), label));
        }
        Ok(out)
    }

    /// The head and up to `n - 1` of its ancestors that are messages, newest first: the
    /// entries a `/branch` completion offers. Walks parents only as far as it needs.
    pub fn recent_branch_ids(&self, n: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = self.head;
        let mut steps = 0;
        while let Some(i) = cur {
            if out.len() >= n || steps > n * 8 {
                break;
            }
            let node = self.index.node(i);
            if node.kind == EntryKind::Message {
                out.push(node.id.to_string());
            }
            cur = self.index.parent(i);
            steps += 1;
        }
        out
    }

    /// "user: the first words", "assistant: → bash" for each id: what a completion list
    /// shows beside an entry id.
    pub fn entry_descriptions(
        &self,
        ids: &[String],
    ) -> Result<Vec<(String, String)>, SessionError> {
        let labels = self.entry_labels(ids)?;
        Ok(labels
            .into_iter()
            .map(|(id, label)| {
                let role = self
                    .index
                    .get(&id)
                    .and_then(|i| self.index.node(i).role)
                    .map_or("entry", Role::as_str);
                let what = if label.is_empty() {
                    role.to_string()
                } else {
                    format!("{role}: {label}")
                };
                (id, what)
            })
            .collect())
    }

    /// The full text of entry `id`, its role first, for a preview.
    pub fn entry_preview(&self, id: &str) -> Result<String, SessionError> {
        let i = self.index.get(id).ok_or_else(|| self.unknown(id))?;
        Ok(match self.entry_content(i)? {
            Content::Message(m) => {
                let role = self.index.node(i).role.map_or("message", Role::as_str);
                let mut text = m.text();
                for name in tool_calls(&m) {
                    text.push_str(&format!("\n→ {name}"));
                }
                format!("{role}\n\n{}", strip_escapes(&text))
            }
            Content::Summary(s) => s,
            Content::Other => String::from_utf8_lossy(&self.entry_bytes(i)?).into_owned(),
        })
    }

    fn entry_content(&self, i: u32) -> Result<Content, SessionError> {
        let node = self.index.node(i);
        let bytes = self.entry_bytes(i)?;
        if node.kind == EntryKind::Compaction {
            #[derive(Deserialize)]
            struct C {
                #[serde(default)]
                summary: String,
            }
            return Ok(serde_json::from_slice::<C>(&bytes)
                .map_or(Content::Other, |c| Content::Summary(c.summary)));
        }
        Ok(
            match entry_message(self.header.format, node.kind, &bytes)
                .ok()
                .flatten()
            {
                Some(Message::BranchSummary(s)) if node.kind == EntryKind::BranchSummary => {
                    Content::Summary(s.summary)
                }
                Some(m) => Content::Message(Box::new(m)),
                None => Content::Other,
            },
        )
    }
}

enum Content {
    Message(Box<Message>),
    Summary(String),
    Other,
}

fn message_label(m: &Message) -> String {
    let text = m.text();
    match m {
        Message::Assistant(_) if text.trim().is_empty() => {
            let calls = tool_calls(m);
            if calls.is_empty() {
                String::new()
            } else {
                format!("→ {}", calls.join(", "))
            }
        }
        Message::ToolResult(t) => format!("{}: {}", t.tool_name, short(&text, LABEL_CHARS)),
        _ => short(&text, LABEL_CHARS),
    }
}

fn tool_calls(m: &Message) -> Vec<String> {
    match m {
        Message::Assistant(a) => a
            .content
            .iter()
            .filter_map(|b| match b {
                ContentBlock::ToolCall { name, .. } => Some(name.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The first line, shortened, with `…` when anything was left out.
fn short(text: &str, max: usize) -> String {
    let clean = strip_escapes(text);
    let mut out = preview(&clean, max);
    if clean.trim().lines().nth(1).is_some() && !out.ends_with('…') {
        out.push('…');
    }
    out
}

/// `s` without terminal escape sequences and control characters (tool output keeps its
/// colours in the session).
fn strip_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                // Parameters, then one final byte in @..~.
                for d in chars.by_ref() {
                    if ('@'..='~').contains(&d) {
                        break;
                    }
                }
            }
            continue;
        }
        if !c.is_control() || c == '\n' || c == '\t' {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::LockOptions;

    const LINES: &[&str] = &[
        r#"{"type":"session","version":3,"id":"s","timestamp":"2026-01-01T00:00:00Z","cwd":"/"}"#,
        r#"{"type":"model_change","id":"m","parentId":null,"timestamp":"2026-01-01T00:00:00Z","provider":"a","modelId":"b"}"#,
        r#"{"type":"message","id":"u1","parentId":"m","timestamp":"2026-01-01T00:00:00Z","message":{"role":"user","content":"hello\nworld","timestamp":0}}"#,
        r#"{"type":"message","id":"a1","parentId":"u1","timestamp":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":[{"type":"text","text":"hi"}],"api":"x","provider":"x","model":"x","usage":{"input":0,"output":0,"cacheRead":0,"cacheWrite":0,"totalTokens":0,"cost":{"input":0,"output":0,"cacheRead":0,"cacheWrite":0,"total":0}},"stopReason":"stop","timestamp":0}}"#,
        r#"{"type":"message","id":"a2","parentId":"u1","timestamp":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":[{"type":"toolCall","id":"c","name":"ls","arguments":{}}],"api":"x","provider":"x","model":"x","usage":{"input":0,"output":0,"cacheRead":0,"cacheWrite":0,"totalTokens":0,"cost":{"input":0,"output":0,"cacheRead":0,"cacheWrite":0,"total":0}},"stopReason":"toolUse","timestamp":0}}"#,
        r#"{"type":"label","id":"l","parentId":"a2","timestamp":"2026-01-01T00:00:00Z","targetId":"a1","label":"keep"}"#,
        r#"{"type":"custom","id":"x","parentId":"a2","timestamp":"2026-01-01T00:00:00Z","customType":"rust-pi.branch-alias","data":{"name":"exp","targetId":"a2"}}"#,
        r#"{"type":"thinking_level_change","id":"t","parentId":"a2","timestamp":"2026-01-01T00:00:00Z","thinkingLevel":"high"}"#,
    ];

    fn open() -> (tempfile::TempDir, SessionStore) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        std::fs::write(&path, LINES.join("\n") + "\n").unwrap();
        let (store, warnings) =
            SessionStore::open(&path, dir.path(), LockOptions::default()).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        (dir, store)
    }

    #[test]
    fn hidden_entries_are_skipped_and_names_attached() {
        let (_dir, store) = open();
        let tree = store.tree();
        let ids: Vec<(&str, Option<&str>)> = tree
            .nodes
            .iter()
            .map(|n| (n.id.as_str(), n.parent_id.as_deref()))
            .collect();
        assert_eq!(ids, [("u1", None), ("a1", Some("u1")), ("a2", Some("u1"))]);
        assert_eq!(tree.nodes[1].bookmarks, ["keep"]);
        assert_eq!(tree.nodes[2].aliases, ["exp"]);
        // The head is the thinking-level entry, shown as its nearest shown ancestor.
        assert_eq!(tree.head.as_deref(), Some("a2"));
        assert!(tree.nodes[2].is_head && !tree.nodes[1].is_head);
        assert_eq!(tree.nodes[0].role, Some(Role::User));
    }

    #[test]
    fn labels_and_previews_read_only_the_asked_entries() {
        let (_dir, store) = open();
        let ids = ["u1", "a2", "nope"].map(String::from);
        let labels = store.entry_labels(&ids).unwrap();
        assert_eq!(
            labels,
            [
                ("u1".to_string(), "hello…".to_string()),
                ("a2".to_string(), "→ ls".to_string())
            ]
        );
        assert_eq!(store.entry_preview("u1").unwrap(), "user\n\nhello\nworld");
        assert_eq!(store.entry_preview("a2").unwrap(), "assistant\n\n\n→ ls");
        assert!(store.entry_preview("nope").is_err());
    }
}
