//! `/session-stats` (from the index alone, no message is parsed) and `/session-diff`.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use super::error::SessionError;
use super::kinds::EntryKind;
use super::nav::preview;
use super::store::SessionStore;
use crate::ai::types::Usage;

/// Counts over the whole session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionStats {
    pub entries: usize,
    pub branches: usize,
    /// Entries on the longest root-to-tip path.
    pub max_depth: usize,
    /// Entries on the active lineage.
    pub active_depth: usize,
    /// Entries per type (`message`, `model_change`, ...).
    pub entries_by_type: BTreeMap<String, u64>,
    /// `message` entries per role.
    pub messages_by_role: BTreeMap<String, u64>,
    /// Summed usage of every assistant message in the file (all branches).
    pub usage: Usage,
    /// Summed usage of the assistant messages on the active lineage.
    pub active_usage: Usage,
    pub file_bytes: u64,
}

/// One entry in a diff.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffEntry {
    pub id: String,
    /// Entry type, with the role for messages (`message/user`).
    pub kind: String,
    pub preview: Option<String>,
}

/// Two lineages compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineageDiff {
    pub a: String,
    pub b: String,
    /// The deepest entry on both lineages (`None`: different roots).
    pub common_ancestor: Option<String>,
    /// Entries after the common ancestor, root side first.
    pub only_a: Vec<DiffEntry>,
    pub only_b: Vec<DiffEntry>,
}

impl SessionStore {
    pub fn stats(&self) -> SessionStats {
        let nodes = &self.index.nodes;
        let max_depth = self.index.depths().into_iter().max().unwrap_or(0);
        let mut by_type: BTreeMap<String, u64> = BTreeMap::new();
        let mut by_role: BTreeMap<String, u64> = BTreeMap::new();
        for n in nodes {
            *by_type.entry(n.kind.as_str().to_string()).or_default() += 1;
            if let Some(role) = n.role {
                *by_role.entry(role.as_str().to_string()).or_default() += 1;
            }
        }
        let mut usage = Usage::default();
        for (_, u) in &self.index.usage {
            usage.add(u);
        }
        let lineage = self.head.map(|h| self.index.lineage(h)).unwrap_or_default();
        let on_path: HashSet<u32> = lineage.iter().copied().collect();
        let mut active_usage = Usage::default();
        for (i, u) in &self.index.usage {
            if on_path.contains(i) {
                active_usage.add(u);
            }
        }
        SessionStats {
            entries: nodes.len(),
            branches: self.branch_count(),
            max_depth: max_depth as usize,
            active_depth: lineage.len(),
            entries_by_type: by_type,
            messages_by_role: by_role,
            usage,
            active_usage,
            file_bytes: self.tail.len,
        }
    }

    /// Compares the lineages ending at `a` and `b`.
    pub fn diff(&self, a: &str, b: &str) -> Result<LineageDiff, SessionError> {
        let ai = self.index.get(a).ok_or_else(|| self.unknown(a))?;
        let bi = self.index.get(b).ok_or_else(|| self.unknown(b))?;
        let mut pa = self.index.lineage(ai);
        let mut pb = self.index.lineage(bi);
        pa.reverse();
        pb.reverse();
        let shared = pa.iter().zip(&pb).take_while(|(x, y)| x == y).count();
        let entries = |ids: &[u32]| -> Result<Vec<DiffEntry>, SessionError> {
            ids.iter()
                .filter(|&&i| !self.index.node(i).kind.is_bookkeeping())
                .map(|&i| {
                    let n = self.index.node(i);
                    let kind = match n.role {
                        Some(r) => format!("message/{}", r.as_str()),
                        None => n.kind.as_str().to_string(),
                    };
                    let preview = match n.kind {
                        EntryKind::Message
                        | EntryKind::CustomMessage
                        | EntryKind::BranchSummary => {
                            self.message_text(i)?.map(|t| preview(&t, 80))
                        }
                        _ => None,
                    };
                    Ok(DiffEntry {
                        id: n.id.to_string(),
                        kind,
                        preview,
                    })
                })
                .collect()
        };
        Ok(LineageDiff {
            a: a.to_string(),
            b: b.to_string(),
            common_ancestor: shared
                .checked_sub(1)
                .map(|k| self.index.node(pa[k]).id.to_string()),
            only_a: entries(&pa[shared..])?,
            only_b: entries(&pb[shared..])?,
        })
    }

    /// The active head against the previous one (`/session-diff` without arguments).
    pub fn diff_with_previous_head(&self) -> Result<LineageDiff, SessionError> {
        let (Some(head), Some(previous)) = (self.head(), self.previous_head()) else {
            return Err(SessionError::Invalid {
                path: self.label.clone(),
                detail: "no previous head to compare with; name two entries: /session-diff <a> <b>"
                    .into(),
            });
        };
        self.diff(previous, head)
    }
}
