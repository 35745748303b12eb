//! The in-memory index of a session file: one small node per entry (id, parent, where its line
//! is), built by the scan. Bodies stay in the file and are read back on demand.

use std::collections::HashMap;
use std::path::Path;

use super::error::LoadWarning;
use super::kinds::{EntryKind, Role};
use super::scan::{Extra, ScannedEntry};
use crate::ai::types::Usage;

/// "No parent" / "no entry".
pub(crate) const NONE: u32 = u32::MAX;

/// One entry of the tree.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub id: Box<str>,
    /// Byte offset of the line in the file.
    pub offset: u64,
    /// Length of the line without its `\n`.
    pub len: u32,
    /// 1-based line number.
    pub line: u32,
    pub parent: u32,
    pub kind: EntryKind,
    pub role: Option<Role>,
}

/// Where a line is: byte offset, length without `\n`, 1-based line number.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LinePlace {
    pub offset: u64,
    pub len: usize,
    pub line: u64,
}

/// A label, alias or head record: the entry, its target id, and the label / alias name /
/// previous head.
#[derive(Debug, Clone)]
pub(crate) struct Marker {
    pub entry: u32,
    pub target: Option<Box<str>>,
    pub name: Option<Box<str>>,
}

#[derive(Debug, Default)]
pub(crate) struct Index {
    pub nodes: Vec<Node>,
    pub by_id: HashMap<Box<str>, u32>,
    /// Usage of assistant messages, by entry index (ascending).
    pub usage: Vec<(u32, Usage)>,
    /// pi `label` entries: target and label (None = cleared), in file order.
    pub labels: Vec<Marker>,
    /// Our branch-alias entries: name and target (None = cleared), in file order.
    pub aliases: Vec<Marker>,
    /// Our head entries: target, in file order.
    pub heads: Vec<Marker>,
    /// Parents not seen yet when their child was scanned (resolved by `finish`).
    deferred: Vec<(u32, Box<str>)>,
}

impl Index {
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn get(&self, id: &str) -> Option<u32> {
        self.by_id.get(id).copied()
    }

    pub fn node(&self, i: u32) -> &Node {
        &self.nodes[i as usize]
    }

    pub fn parent(&self, i: u32) -> Option<u32> {
        let p = self.nodes[i as usize].parent;
        (p != NONE).then_some(p)
    }

    /// Adds a scanned entry. `defer` lets a parent appear later in the file (a full load);
    /// otherwise an unknown parent is reported at once. Returns the new index, or `None` for a
    /// duplicate id (reported and ignored: the first entry with an id wins).
    pub fn add(
        &mut self,
        entry: ScannedEntry,
        at: LinePlace,
        defer: bool,
        path: &Path,
        warnings: &mut Vec<LoadWarning>,
    ) -> Option<u32> {
        let LinePlace { offset, len, line } = at;
        if let Some(&first) = self.by_id.get(&entry.id) {
            warnings.push(LoadWarning::DuplicateId {
                path: path.to_path_buf(),
                line,
                id: entry.id.into(),
                first_line: u64::from(self.nodes[first as usize].line),
            });
            return None;
        }
        let idx = u32::try_from(self.nodes.len())
            .ok()
            .filter(|&i| i != NONE)?;
        let parent = match entry.parent {
            None => NONE,
            Some(p) => match self.by_id.get(&p) {
                Some(&pi) => pi,
                None if defer => {
                    self.deferred.push((idx, p));
                    NONE
                }
                None => {
                    warnings.push(LoadWarning::MissingParent {
                        path: path.to_path_buf(),
                        line,
                        id: entry.id.to_string(),
                        parent_id: p.into(),
                    });
                    NONE
                }
            },
        };
        match entry.extra {
            Extra::None => {}
            Extra::Label { target, label } => self.labels.push(Marker {
                entry: idx,
                target: Some(target),
                name: label,
            }),
            Extra::Alias { name, target } => self.aliases.push(Marker {
                entry: idx,
                target,
                name: Some(name),
            }),
            Extra::Head { target, previous } => self.heads.push(Marker {
                entry: idx,
                target: Some(target),
                name: previous,
            }),
        }
        if let Some(u) = entry.usage {
            self.usage.push((idx, u));
        }
        self.by_id.insert(entry.id.clone(), idx);
        self.nodes.push(Node {
            id: entry.id,
            offset,
            len: u32::try_from(len).unwrap_or(u32::MAX),
            line: u32::try_from(line).unwrap_or(u32::MAX),
            parent,
            kind: entry.kind,
            role: entry.role,
        });
        Some(idx)
    }

    /// Resolves parents that appeared after their children and breaks any cycle that makes.
    pub fn finish(&mut self, path: &Path, warnings: &mut Vec<LoadWarning>) {
        let deferred = std::mem::take(&mut self.deferred);
        let mut resolved = Vec::new();
        for (idx, parent_id) in deferred {
            match self.by_id.get(&parent_id) {
                Some(&p) => {
                    self.nodes[idx as usize].parent = p;
                    resolved.push(idx);
                }
                None => {
                    let n = &self.nodes[idx as usize];
                    warnings.push(LoadWarning::MissingParent {
                        path: path.to_path_buf(),
                        line: u64::from(n.line),
                        id: n.id.to_string(),
                        parent_id: parent_id.into(),
                    });
                }
            }
        }
        // Only a forward edge can close a cycle, so every cycle holds one of `resolved`.
        for idx in resolved {
            if self.in_cycle(idx) {
                let n = &mut self.nodes[idx as usize];
                n.parent = NONE;
                warnings.push(LoadWarning::Cycle {
                    path: path.to_path_buf(),
                    line: u64::from(n.line),
                    id: n.id.to_string(),
                });
            }
        }
    }

    fn in_cycle(&self, start: u32) -> bool {
        let mut cur = self.nodes[start as usize].parent;
        for _ in 0..self.nodes.len() {
            if cur == NONE {
                return false;
            }
            if cur == start {
                return true;
            }
            cur = self.nodes[cur as usize].parent;
        }
        false
    }

    /// The path from `head` to its root, head first. Cycles are broken at load, but the walk
    /// is bounded anyway.
    pub fn lineage(&self, head: u32) -> Vec<u32> {
        let mut out = Vec::new();
        let mut cur = head;
        while cur != NONE && out.len() <= self.nodes.len() {
            out.push(cur);
            cur = self.nodes[cur as usize].parent;
        }
        out
    }

    /// The summed usage of the assistant messages among `path`'s entries (read from the
    /// scan's record, not the file).
    pub fn path_usage(&self, path: &[u32]) -> Usage {
        let mut total = Usage::default();
        for &i in path {
            if let Ok(at) = self.usage.binary_search_by_key(&i, |(j, _)| *j) {
                total.add(&self.usage[at].1);
            }
        }
        total
    }

    /// Entries from the root to each entry, inclusive.
    pub fn depths(&self) -> Vec<u32> {
        let mut depth = vec![0u32; self.nodes.len()];
        for (i, n) in self.nodes.iter().enumerate() {
            depth[i] = if n.parent == NONE {
                1
            } else if (n.parent as usize) < i {
                depth[n.parent as usize] + 1
            } else {
                self.lineage(i as u32).len() as u32
            };
        }
        depth
    }

    /// The target of head entry `entry`, if it names a known entry.
    pub fn head_target(&self, entry: u32) -> Option<u32> {
        let pos = self.heads.binary_search_by_key(&entry, |m| m.entry).ok()?;
        self.get(self.heads[pos].target.as_deref()?)
    }

    /// Where a file opens: its last entry, except that a head entry of ours stands for its
    /// target and a label or alias entry for its parent (pi, which opens at the last entry,
    /// lands on the same branch: those entries' parents are their targets / the head then).
    pub fn default_head(&self) -> Option<u32> {
        for i in (0..self.nodes.len() as u32).rev() {
            let node = &self.nodes[i as usize];
            let stand_in = match node.kind {
                EntryKind::Head => self.head_target(i),
                EntryKind::Label | EntryKind::BranchAlias => self.parent(i),
                _ => return Some(i),
            };
            if stand_in.is_some() {
                return stand_in;
            }
        }
        None
    }

    /// The last entry in file order that is not bookkeeping: where the latest work happened.
    pub fn latest_entry(&self) -> Option<u32> {
        (0..self.nodes.len() as u32)
            .rev()
            .find(|&i| !self.nodes[i as usize].kind.is_bookkeeping())
    }

    /// The nearest ancestor of `i` that is not bookkeeping.
    pub fn real_parent(&self, i: u32) -> Option<u32> {
        let mut cur = self.parent(i);
        let mut steps = 0;
        while let Some(p) = cur {
            if !self.nodes[p as usize].kind.is_bookkeeping() || steps > self.nodes.len() {
                return Some(p);
            }
            cur = self.parent(p);
            steps += 1;
        }
        None
    }

    /// Branch tips: entries (not bookkeeping) without children other than bookkeeping, in
    /// file order.
    pub fn leaves(&self) -> Vec<u32> {
        let mut has_child = vec![false; self.nodes.len()];
        for (i, n) in self.nodes.iter().enumerate() {
            if !n.kind.is_bookkeeping()
                && let Some(p) = self.real_parent(i as u32)
            {
                has_child[p as usize] = true;
            }
        }
        (0..self.nodes.len() as u32)
            .filter(|&i| !has_child[i as usize] && !self.nodes[i as usize].kind.is_bookkeeping())
            .collect()
    }
}
