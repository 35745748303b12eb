//! Navigating the tree: moving the head (`/branch`, `/resume`), listing branch tips, and the
//! names that point at entries (branch aliases and bookmarks), all persisted as entries.

use std::collections::HashMap;
use std::path::PathBuf;

use serde::Serialize;
use serde_json::json;

use super::convert::entry_message;
use super::entry::EntryData;
use super::error::SessionError;
use super::index::Marker;
use super::kinds::{ALIAS_CUSTOM_TYPE, EntryKind, HEAD_CUSTOM_TYPE, Role};
use super::scan::SessionFormat;
use super::store::SessionStore;

/// One branch tip, for `/branches`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BranchInfo {
    pub leaf_id: String,
    /// Entries from the root to the tip.
    pub depth: usize,
    pub last_user_id: Option<String>,
    /// First line of the last user message on the branch (shortened).
    pub last_user_message: Option<String>,
    /// The head is this tip.
    pub active: bool,
    /// Branch aliases and bookmarks naming this tip.
    pub names: Vec<String>,
}

/// A name (alias or bookmark) and the entry it points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamedEntry {
    pub name: String,
    pub target_id: String,
}

/// What `/session` shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionSummary {
    pub path: Option<PathBuf>,
    pub session_id: String,
    pub cwd: String,
    pub legacy_format: bool,
    pub entries: usize,
    pub head: Option<String>,
    pub branches: usize,
}

/// A short one-line preview of a text.
pub(crate) fn preview(text: &str, max_chars: usize) -> String {
    let line = text.trim().lines().next().unwrap_or_default().trim();
    if line.chars().count() <= max_chars {
        return line.to_string();
    }
    let mut out: String = line.chars().take(max_chars.saturating_sub(1)).collect();
    out.push('…');
    out
}

impl SessionStore {
    pub fn summary(&self) -> SessionSummary {
        SessionSummary {
            path: self.path().map(PathBuf::from),
            session_id: self.header.id.clone(),
            cwd: self.header.cwd.clone(),
            legacy_format: self.header.format == SessionFormat::LegacyV1,
            entries: self.entry_count(),
            head: self.head().map(str::to_string),
            branches: self.branch_count(),
        }
    }

    /// Starts a new root branch: the next entry has no parent, so the next prompt begins a
    /// fresh conversation in this file (the older branches stay, reachable by `/branch`).
    /// Nothing is written until that entry: a file left now reopens where it was.
    pub fn clear_head(&mut self) {
        if self.head.is_some() {
            self.previous_head = self.head().map(Into::into);
            self.head = None;
        }
    }

    /// Moves the head to `id` (the next entry forks there) and records the move, so the
    /// session reopens there.
    pub fn set_head(&mut self, id: &str) -> Result<(), SessionError> {
        let target = self.index.get(id).ok_or_else(|| self.unknown(id))?;
        if self.head == Some(target) {
            return Ok(());
        }
        let previous = self.head().map(str::to_string);
        let data = EntryData::Custom {
            custom_type: HEAD_CUSTOM_TYPE.to_string(),
            data: Some(json!({ "headId": id, "previousHeadId": previous })),
        };
        self.append_line(&data, Some(id))?;
        self.head = self.index.get(id);
        self.previous_head = previous.map(String::into_boxed_str);
        Ok(())
    }

    /// Moves the head back to the latest work: the last entry appended (not counting head
    /// moves, aliases and bookmarks). Returns the head.
    pub fn resume(&mut self) -> Result<Option<String>, SessionError> {
        if let Some(latest) = self.index.latest_entry() {
            let id = self.index.node(latest).id.to_string();
            self.set_head(&id)?;
        }
        Ok(self.head().map(str::to_string))
    }

    /// The head before the last move, if it is known.
    pub fn previous_head(&self) -> Option<&str> {
        self.previous_head.as_deref()
    }

    /// The number of branch tips.
    pub fn branch_count(&self) -> usize {
        self.index.leaves().len()
    }

    /// Every branch tip with its last user message, in file order.
    pub fn branches(&self) -> Result<Vec<BranchInfo>, SessionError> {
        let mut names: HashMap<&str, Vec<String>> = HashMap::new();
        let aliases = self.branch_aliases();
        let bookmarks = self.bookmarks();
        for n in aliases.iter().chain(&bookmarks) {
            names
                .entry(n.target_id.as_str())
                .or_default()
                .push(n.name.clone());
        }
        let depths = self.index.depths();
        let mut out = Vec::new();
        for leaf in self.index.leaves() {
            let mut user = Some(leaf);
            let mut steps = 0;
            while let Some(u) = user {
                if self.index.node(u).role == Some(Role::User) || steps > self.index.len() {
                    break;
                }
                user = self.index.parent(u);
                steps += 1;
            }
            let user = user.filter(|&u| self.index.node(u).role == Some(Role::User));
            let text = match user {
                Some(u) => self.message_text(u)?.map(|t| preview(&t, 100)),
                None => None,
            };
            let id = &*self.index.node(leaf).id;
            out.push(BranchInfo {
                leaf_id: id.to_string(),
                depth: depths[leaf as usize] as usize,
                last_user_id: user.map(|u| self.index.node(u).id.to_string()),
                last_user_message: text,
                active: self.head == Some(leaf),
                names: names.remove(id).unwrap_or_default(),
            });
        }
        Ok(out)
    }

    /// The text of the message in entry `i` (`None` if it has none).
    pub(super) fn message_text(&self, i: u32) -> Result<Option<String>, SessionError> {
        let node = self.index.node(i);
        let bytes = self.entry_bytes(i)?;
        Ok(entry_message(self.header.format, node.kind, &bytes)
            .ok()
            .flatten()
            .map(|m| m.text()))
    }

    // ----- branch aliases: our `custom` entries -----

    /// Names `id`'s branch `name` (replacing an older alias of that name).
    pub fn set_branch_alias(&mut self, name: &str, id: &str) -> Result<(), SessionError> {
        let name = self.check_name(name)?;
        if !self.contains(id) {
            return Err(self.unknown(id));
        }
        self.write_alias(&name, Some(id))
    }

    pub fn delete_branch_alias(&mut self, name: &str) -> Result<(), SessionError> {
        if !self.branch_aliases().iter().any(|a| a.name == name) {
            return Err(self.unknown_name("branch alias", name, "/branch-alias list"));
        }
        self.write_alias(name, None)
    }

    fn write_alias(&mut self, name: &str, target: Option<&str>) -> Result<(), SessionError> {
        let data = EntryData::Custom {
            custom_type: ALIAS_CUSTOM_TYPE.to_string(),
            data: Some(json!({ "name": name, "targetId": target })),
        };
        let parent = self.head().map(str::to_string);
        self.append_line(&data, parent.as_deref())?;
        Ok(())
    }

    /// Current branch aliases, by name.
    pub fn branch_aliases(&self) -> Vec<NamedEntry> {
        let mut by_name: Vec<NamedEntry> = Vec::new();
        for m in &self.index.aliases {
            let Some(name) = m.name.as_deref() else {
                continue;
            };
            by_name.retain(|n| n.name != name);
            if let Some(t) = &m.target {
                by_name.push(NamedEntry {
                    name: name.to_string(),
                    target_id: t.to_string(),
                });
            }
        }
        by_name.sort_by(|a, b| a.name.cmp(&b.name));
        by_name
    }

    /// Moves the head to the entry alias `name` points at.
    pub fn use_branch_alias(&mut self, name: &str) -> Result<String, SessionError> {
        let names = self.branch_aliases();
        self.use_named(names, name, "branch alias", "/branch-alias list")
    }

    // ----- bookmarks: pi's `label` entries -----

    /// Bookmarks `id` as `name` (a pi label; the name moves if it was elsewhere).
    pub fn set_bookmark(&mut self, name: &str, id: &str) -> Result<(), SessionError> {
        let name = self.check_name(name)?;
        if !self.contains(id) {
            return Err(self.unknown(id));
        }
        if let Some(old) = self.bookmarks().into_iter().find(|b| b.name == name)
            && old.target_id != id
        {
            self.write_label(&old.target_id, None)?;
        }
        self.write_label(id, Some(&name))
    }

    pub fn delete_bookmark(&mut self, name: &str) -> Result<(), SessionError> {
        let target = self
            .bookmarks()
            .into_iter()
            .find(|b| b.name == name)
            .ok_or_else(|| self.unknown_name("bookmark", name, "/session-bookmark list"))?
            .target_id;
        self.write_label(&target, None)
    }

    fn write_label(&mut self, target: &str, label: Option<&str>) -> Result<(), SessionError> {
        let data = EntryData::Label {
            target_id: target.to_string(),
            label: label.map(str::to_string),
        };
        let parent = self.head().map(str::to_string);
        self.append_line(&data, parent.as_deref())?;
        Ok(())
    }

    /// Current bookmarks (the latest label of each entry), by name.
    pub fn bookmarks(&self) -> Vec<NamedEntry> {
        let mut by_target: HashMap<&str, (&Marker, &str)> = HashMap::new();
        for m in &self.index.labels {
            let Some(target) = m.target.as_deref() else {
                continue;
            };
            match m.name.as_deref() {
                Some(label) => {
                    by_target.insert(target, (m, label));
                }
                None => {
                    by_target.remove(target);
                }
            }
        }
        // A name on several entries (pi allows it) points at the latest one labelled.
        let mut latest: HashMap<&str, (u32, &str)> = HashMap::new();
        for (target, (m, label)) in by_target {
            let e = latest.entry(label).or_insert((m.entry, target));
            if m.entry >= e.0 {
                *e = (m.entry, target);
            }
        }
        let mut out: Vec<NamedEntry> = latest
            .into_iter()
            .map(|(name, (_, t))| NamedEntry {
                name: name.to_string(),
                target_id: t.to_string(),
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// Moves the head to the bookmarked entry.
    pub fn use_bookmark(&mut self, name: &str) -> Result<String, SessionError> {
        let names = self.bookmarks();
        self.use_named(names, name, "bookmark", "/session-bookmark list")
    }

    /// Moves the head to the target of `name` among `names` (aliases or bookmarks).
    fn use_named(
        &mut self,
        names: Vec<NamedEntry>,
        name: &str,
        kind: &'static str,
        list_hint: &'static str,
    ) -> Result<String, SessionError> {
        let target = names
            .into_iter()
            .find(|n| n.name == name)
            .ok_or_else(|| self.unknown_name(kind, name, list_hint))?
            .target_id;
        self.set_head(&target)?;
        Ok(target)
    }

    /// An entry id from what a user typed: an id, a branch alias, a bookmark, or a unique
    /// id prefix of at least 4 characters.
    pub fn resolve_ref(&self, reference: &str) -> Result<String, SessionError> {
        if self.contains(reference) {
            return Ok(reference.to_string());
        }
        let named = self
            .branch_aliases()
            .into_iter()
            .chain(self.bookmarks())
            .find(|n| n.name == reference);
        if let Some(n) = named {
            return Ok(n.target_id);
        }
        if reference.len() >= 4 {
            let mut matches = self
                .index
                .nodes
                .iter()
                .filter(|n| n.id.starts_with(reference) && n.kind != EntryKind::Head);
            if let (Some(one), None) = (matches.next(), matches.next()) {
                return Ok(one.id.to_string());
            }
        }
        Err(self.unknown(reference))
    }

    fn check_name(&self, name: &str) -> Result<String, SessionError> {
        let name = name.trim();
        if name.is_empty() || name.chars().any(char::is_whitespace) {
            return Err(SessionError::Invalid {
                path: self.label.clone(),
                detail: format!("'{name}' is not a usable name; use one word without spaces"),
            });
        }
        Ok(name.to_string())
    }

    fn unknown_name(
        &self,
        kind: &'static str,
        name: &str,
        list_command: &'static str,
    ) -> SessionError {
        SessionError::UnknownName {
            path: self.label.clone(),
            kind,
            name: name.to_string(),
            list_command,
        }
    }
}
