//! Building the model's context from the active lineage: only the entries on the path from
//! the head to its root are read back from the file, and of those only the ones the context
//! needs.

use serde::Deserialize;

use super::convert::{entry_message, iso_to_ms};
use super::error::SessionError;
use super::index::Node;
use super::kinds::{EntryKind, Role};
use super::scan::SessionFormat;
use super::store::SessionStore;
use crate::ai::types::{Message, SummaryMessage, ThinkingLevel, Usage};

/// What the model is sent for the active branch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionContext {
    /// A compaction's summary first (if any), then the messages in order.
    pub messages: Vec<Message>,
    /// (provider, model id) of the latest `model_change` on the path (else of the latest
    /// assistant message).
    pub model: Option<(String, String)>,
    /// The latest `thinking_level_change` on the path.
    pub thinking: Option<ThinkingLevel>,
    /// The entry id each message came from (the compaction's id for its summary).
    pub entry_ids: Vec<String>,
    /// The usage of every assistant message on the path, also those a compaction replaced
    /// by its summary: what the branch has cost so far.
    pub usage: Usage,
}

/// Adjacent lines closer than this are read with one `pread`.
const READ_GAP: u64 = 64 << 10;
/// Largest single read when batching lines.
const READ_SPAN: u64 = 8 << 20;
/// Below this many bytes of messages, one thread parses the context.
const PARALLEL_MIN_BYTES: u64 = 4 << 20;

#[derive(Deserialize)]
struct Compaction {
    #[serde(default)]
    summary: String,
    #[serde(rename = "firstKeptEntryId", default)]
    first_kept: Option<serde_json::Value>,
    #[serde(default)]
    timestamp: Option<serde_json::Value>,
}

impl SessionStore {
    /// The context of the active head.
    pub fn context(&self) -> Result<SessionContext, SessionError> {
        self.context_at(self.head)
    }

    /// The context of the lineage ending at entry `head`.
    pub fn context_of(&self, head_id: &str) -> Result<SessionContext, SessionError> {
        let head = self
            .index
            .get(head_id)
            .ok_or_else(|| self.unknown(head_id))?;
        self.context_at(Some(head))
    }

    pub(super) fn context_at(&self, head: Option<u32>) -> Result<SessionContext, SessionError> {
        let Some(head) = head else {
            return Ok(SessionContext::default());
        };
        let mut path = self.index.lineage(head);
        path.reverse();
        let last = |pred: &dyn Fn(&Node) -> bool| {
            path.iter()
                .rposition(|&i| pred(self.index.node(i)))
                .map(|p| (p, path[p]))
        };
        let mut ctx = SessionContext {
            usage: self.index.path_usage(&path),
            ..SessionContext::default()
        };
        if let Some((_, i)) = last(&|n| n.kind == EntryKind::ThinkingLevelChange) {
            ctx.thinking = self.read_thinking(i)?;
        }
        ctx.model = match last(&|n| n.kind == EntryKind::ModelChange) {
            Some((_, i)) => self.read_model(i, "provider", "modelId", false)?,
            None => match last(&|n| n.role == Some(Role::Assistant)) {
                Some((_, i)) => self.read_model(i, "provider", "model", true)?,
                None => None,
            },
        };
        let selected: Vec<u32> = match last(&|n| n.kind == EntryKind::Compaction) {
            Some((c, ci)) => {
                let comp: Compaction = self.parse_line(ci)?;
                ctx.messages
                    .push(Message::CompactionSummary(SummaryMessage {
                        summary: comp.summary,
                        timestamp: iso_to_ms(comp.timestamp.as_ref().and_then(|t| t.as_str())),
                    }));
                ctx.entry_ids.push(self.index.node(ci).id.to_string());
                let first_kept = comp.first_kept.as_ref().and_then(|v| v.as_str());
                let start = path[..c]
                    .iter()
                    .position(|&i| Some(&*self.index.node(i).id) == first_kept)
                    .unwrap_or(c);
                path[start..c]
                    .iter()
                    .chain(&path[c + 1..])
                    .copied()
                    .collect()
            }
            None => path,
        };
        let wanted: Vec<u32> = selected
            .into_iter()
            .filter(|&i| {
                matches!(
                    self.index.node(i).kind,
                    EntryKind::Message | EntryKind::CustomMessage | EntryKind::BranchSummary
                )
            })
            .collect();
        for (i, m) in self.parse_messages_parallel(&wanted)? {
            ctx.messages.push(m);
            ctx.entry_ids.push(self.index.node(i).id.to_string());
        }
        Ok(ctx)
    }

    /// The messages of entries `idxs` (in order), parsed on several threads when there is
    /// a lot to parse (a long lineage without compaction).
    fn parse_messages_parallel(&self, idxs: &[u32]) -> Result<Vec<(u32, Message)>, SessionError> {
        let bytes: u64 = idxs
            .iter()
            .map(|&i| u64::from(self.index.node(i).len))
            .sum();
        let threads = if bytes < PARALLEL_MIN_BYTES {
            1
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
        };
        if threads == 1 {
            return self.parse_messages(idxs);
        }
        let chunk = idxs.len().div_ceil(threads).max(1);
        let parts: Vec<Result<Vec<(u32, Message)>, SessionError>> = std::thread::scope(|s| {
            let handles: Vec<_> = idxs
                .chunks(chunk)
                .map(|part| s.spawn(move || self.parse_messages(part)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(SessionError::Invalid {
                            path: self.label.clone(),
                            detail: "a context worker thread failed; please report this".into(),
                        })
                    })
                })
                .collect()
        });
        let mut out = Vec::with_capacity(idxs.len());
        for part in parts {
            out.extend(part?);
        }
        Ok(out)
    }

    fn parse_messages(&self, idxs: &[u32]) -> Result<Vec<(u32, Message)>, SessionError> {
        let format = self.header.format;
        let mut out = Vec::with_capacity(idxs.len());
        self.read_lines(idxs, |i, line| {
            let node = self.index.node(i);
            match entry_message(format, node.kind, line) {
                Ok(Some(m)) => out.push((i, m)),
                Ok(None) => {}
                Err(e) => tracing::warn!(
                    "{}:{}: message left out of the context: {e}",
                    self.label.display(),
                    node.line
                ),
            }
            Ok(())
        })?;
        Ok(out)
    }

    fn read_thinking(&self, i: u32) -> Result<Option<ThinkingLevel>, SessionError> {
        #[derive(Deserialize)]
        struct E {
            #[serde(rename = "thinkingLevel", default)]
            level: Option<serde_json::Value>,
        }
        let e: E = self.parse_line(i)?;
        Ok(e.level.and_then(|l| serde_json::from_value(l).ok()))
    }

    /// (provider, model) from a `model_change` entry, or from an assistant message's fields.
    pub(super) fn read_model(
        &self,
        i: u32,
        provider_key: &str,
        model_key: &str,
        nested: bool,
    ) -> Result<Option<(String, String)>, SessionError> {
        if self.header.format == SessionFormat::LegacyV1 {
            return Ok(None);
        }
        let v: serde_json::Value = self.parse_line(i)?;
        let obj = if nested { &v["message"] } else { &v };
        let get = |k: &str| obj.get(k).and_then(serde_json::Value::as_str);
        Ok(match (get(provider_key), get(model_key)) {
            (Some(p), Some(m)) if !p.is_empty() && !m.is_empty() => {
                Some((p.to_string(), m.to_string()))
            }
            _ => None,
        })
    }

    /// Parses entry `i`'s line as `T`.
    pub(super) fn parse_line<T: serde::de::DeserializeOwned>(
        &self,
        i: u32,
    ) -> Result<T, SessionError> {
        let bytes = self.entry_bytes(i)?;
        serde_json::from_slice(&bytes).map_err(|e| SessionError::CorruptEntry {
            path: self.label.clone(),
            line: u64::from(self.index.node(i).line),
            detail: e.to_string(),
        })
    }

    /// Calls `f` with the line of each entry in `idxs`, reading neighbouring lines together.
    pub(super) fn read_lines(
        &self,
        idxs: &[u32],
        mut f: impl FnMut(u32, &[u8]) -> Result<(), SessionError>,
    ) -> Result<(), SessionError> {
        let mut k = 0;
        while k < idxs.len() {
            let first = self.index.node(idxs[k]);
            let start = first.offset;
            let mut end = start + u64::from(first.len);
            let mut j = k + 1;
            while let Some(&next) = idxs.get(j) {
                let n = self.index.node(next);
                let n_end = n.offset + u64::from(n.len);
                if n.offset < end || n.offset - end > READ_GAP || n_end - start > READ_SPAN {
                    break;
                }
                end = n_end;
                j += 1;
            }
            let buf = self.read_range(start, (end - start) as usize, u64::from(first.line))?;
            for &i in &idxs[k..j] {
                let n = self.index.node(i);
                let from = (n.offset - start) as usize;
                f(i, &buf[from..from + n.len as usize])?;
            }
            k = j;
        }
        Ok(())
    }
}
