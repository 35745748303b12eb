//! The session tree as the graph pane needs it, read from the session file (in an effect, off
//! the UI loop): entries with their parents, a one-line label, and the names pointing at them.
//! Bookkeeping entries (head moves, aliases, labels, settings) are not drawn: their children
//! hang from the nearest drawn ancestor.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

/// The kind of a drawn entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeRole {
    User,
    Assistant,
    Tool,
    Summary,
    Other,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GraphNode {
    pub id: String,
    /// The nearest drawn ancestor.
    pub parent: Option<String>,
    pub role: NodeRole,
    /// One line: what the entry says.
    pub label: String,
    /// Aliases and bookmarks pointing here.
    pub aliases: Vec<String>,
    pub bookmarks: Vec<String>,
}

/// The whole tree, parents before children.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GraphSnapshot {
    pub nodes: Vec<GraphNode>,
    /// The head recorded in the file (the last head move, else the last entry).
    pub head: Option<String>,
}

#[derive(Deserialize)]
struct RawLine {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(rename = "parentId", default)]
    parent: Option<String>,
    #[serde(rename = "customType", default)]
    custom_type: Option<String>,
    #[serde(default)]
    data: Option<Value>,
    #[serde(rename = "targetId", default)]
    target: Option<String>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    message: Option<Value>,
    #[serde(default)]
    summary: Option<String>,
}

const LABEL_CHARS: usize = 160;

/// Reads the tree of the session file at `path`.
pub fn read_snapshot(path: &Path) -> Result<GraphSnapshot, String> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        // A new session has no file until its first entry.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(GraphSnapshot::default()),
        Err(e) => return Err(format!("cannot open the session {}: {e}", path.display())),
    };
    let reader = std::io::BufReader::new(file);
    let mut lines = Vec::new();
    for line in reader.lines() {
        let line = line.map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        lines.push(line);
    }
    Ok(snapshot_from_lines(lines.iter().map(String::as_str)))
}

/// Builds the tree from session lines (the header and torn lines are skipped).
pub fn snapshot_from_lines<'a>(lines: impl Iterator<Item = &'a str>) -> GraphSnapshot {
    // parent of every entry (drawn or not), to skip bookkeeping entries.
    let mut parent_of: HashMap<String, Option<String>> = HashMap::new();
    let mut drawn: HashMap<String, usize> = HashMap::new();
    let mut nodes: Vec<GraphNode> = Vec::new();
    let mut aliases: HashMap<String, String> = HashMap::new();
    let mut labels: HashMap<String, String> = HashMap::new();
    let mut head: Option<String> = None;
    for line in lines {
        let Ok(raw) = serde_json::from_str::<RawLine>(line) else {
            continue;
        };
        let Some(id) = raw.id.clone() else { continue };
        if raw.kind == "session" {
            continue;
        }
        parent_of.insert(id.clone(), raw.parent.clone());
        let custom = raw.custom_type.as_deref();
        match (raw.kind.as_str(), custom) {
            ("custom", Some("rust-pi.head")) => {
                head = raw
                    .data
                    .as_ref()
                    .and_then(|d| d.get("headId"))
                    .and_then(Value::as_str)
                    .map(str::to_string);
                continue;
            }
            ("custom", Some("rust-pi.branch-alias")) => {
                let d = raw.data.as_ref();
                let name = d.and_then(|d| d.get("name")).and_then(Value::as_str);
                let target = d.and_then(|d| d.get("targetId")).and_then(Value::as_str);
                if let Some(name) = name {
                    match target {
                        Some(t) => aliases.insert(name.to_string(), t.to_string()),
                        None => aliases.remove(name),
                    };
                }
                continue;
            }
            ("label", _) => {
                if let Some(t) = raw.target {
                    match raw.label {
                        Some(l) => {
                            labels.retain(|_, v| *v != l || l.is_empty());
                            labels.insert(t, l)
                        }
                        None => labels.remove(&t),
                    };
                }
                continue;
            }
            ("model_change" | "thinking_level_change" | "session_info" | "custom", _) => {
                head = Some(id.clone());
                continue;
            }
            _ => {}
        }
        let (role, label) = describe(&raw);
        // The nearest drawn ancestor.
        let mut p = raw.parent.clone();
        let mut steps = 0;
        while let Some(pid) = &p {
            if drawn.contains_key(pid) || steps > parent_of.len() {
                break;
            }
            p = parent_of.get(pid).cloned().flatten();
            steps += 1;
        }
        let p = p.filter(|pid| drawn.contains_key(pid));
        drawn.insert(id.clone(), nodes.len());
        head = Some(id.clone());
        nodes.push(GraphNode {
            id,
            parent: p,
            role,
            label,
            aliases: Vec::new(),
            bookmarks: Vec::new(),
        });
    }
    for (name, target) in aliases {
        if let Some(&i) = drawn.get(&target) {
            nodes[i].aliases.push(name);
        }
    }
    for (target, name) in labels {
        if let Some(&i) = drawn.get(&target) {
            nodes[i].bookmarks.push(name);
        }
    }
    for n in &mut nodes {
        n.aliases.sort();
        n.bookmarks.sort();
    }
    // A head on a bookkeeping entry stands for its nearest drawn ancestor.
    let mut h = head;
    let mut steps = 0;
    while let Some(id) = &h {
        if drawn.contains_key(id) || steps > parent_of.len() {
            break;
        }
        h = parent_of.get(id).cloned().flatten();
        steps += 1;
    }
    GraphSnapshot { nodes, head: h }
}

fn describe(raw: &RawLine) -> (NodeRole, String) {
    let short = |s: &str| -> String {
        let s = strip_escapes(s);
        let line = s.trim().lines().next().unwrap_or_default();
        let mut out: String = line.chars().take(LABEL_CHARS).collect();
        if line.chars().count() > LABEL_CHARS || s.trim().lines().nth(1).is_some() {
            out.push('…');
        }
        out
    };
    match raw.kind.as_str() {
        "message" => {
            let m = raw.message.as_ref();
            let role = m
                .and_then(|m| m.get("role"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let text = m.map(message_text).unwrap_or_default();
            match role {
                "user" => (NodeRole::User, short(&text)),
                "assistant" => {
                    let calls = m.map(tool_calls).unwrap_or_default();
                    let label = if text.trim().is_empty() && !calls.is_empty() {
                        format!("→ {}", calls.join(", "))
                    } else {
                        short(&text)
                    };
                    (NodeRole::Assistant, label)
                }
                "toolResult" => {
                    let name = m
                        .and_then(|m| m.get("toolName"))
                        .and_then(Value::as_str)
                        .unwrap_or("tool");
                    (NodeRole::Tool, format!("{name}: {}", short(&text)))
                }
                "compactionSummary" | "branchSummary" => (NodeRole::Summary, short(&text)),
                other => (NodeRole::Other, format!("{other}: {}", short(&text))),
            }
        }
        "compaction" | "branch_summary" => (
            NodeRole::Summary,
            format!(
                "{}: {}",
                raw.kind,
                short(raw.summary.as_deref().unwrap_or(""))
            ),
        ),
        other => (NodeRole::Other, other.to_string()),
    }
}

/// `s` without terminal escape sequences (tool output keeps its colours in the session).
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

/// The text of a message value: a string content, text blocks, or a summary.
pub fn message_text(m: &Value) -> String {
    if let Some(s) = m.get("summary").and_then(Value::as_str) {
        return s.to_string();
    }
    match m.get("content") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(blocks)) => blocks
            .iter()
            .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
            .filter_map(|b| b.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

fn tool_calls(m: &Value) -> Vec<String> {
    match m.get("content") {
        Some(Value::Array(blocks)) => blocks
            .iter()
            .filter(|b| b.get("type").and_then(Value::as_str) == Some("toolCall"))
            .filter_map(|b| b.get("name").and_then(Value::as_str))
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// The full text of entry `id` in the session file (for the preview).
pub fn read_entry_text(path: &Path, id: &str) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the session {}: {e}", path.display()))?;
    let needle = format!("\"id\":\"{id}\"");
    for line in text.lines().filter(|l| l.contains(&needle)) {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if v.get("id").and_then(Value::as_str) != Some(id) {
            continue;
        }
        if let Some(m) = v.get("message") {
            let role = m.get("role").and_then(Value::as_str).unwrap_or("");
            let mut out = message_text(m);
            for call in tool_calls(m) {
                out.push_str(&format!("\n→ {call}"));
            }
            return Ok(format!("{role}\n\n{out}"));
        }
        if let Some(s) = v.get("summary").and_then(Value::as_str) {
            return Ok(s.to_string());
        }
        return Ok(line.to_string());
    }
    Err(format!("entry {id} is not in the session"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bookkeeping_is_skipped_and_names_attached() {
        let lines = [
            r#"{"type":"session","version":3,"id":"s","timestamp":"t","cwd":"/"}"#,
            r#"{"type":"model_change","id":"m","parentId":null,"provider":"a","modelId":"b"}"#,
            r#"{"type":"message","id":"u1","parentId":"m","message":{"role":"user","content":"hello\nworld"}}"#,
            r#"{"type":"message","id":"a1","parentId":"u1","message":{"role":"assistant","content":[{"type":"text","text":"hi"}]}}"#,
            r#"{"type":"custom","id":"h","parentId":"a1","customType":"rust-pi.head","data":{"headId":"u1"}}"#,
            r#"{"type":"message","id":"a2","parentId":"u1","message":{"role":"assistant","content":[{"type":"toolCall","id":"c","name":"ls","arguments":{}}]}}"#,
            r#"{"type":"label","id":"l","parentId":"a2","targetId":"a1","label":"keep"}"#,
            r#"{"type":"custom","id":"x","parentId":"a2","customType":"rust-pi.branch-alias","data":{"name":"exp","targetId":"a2"}}"#,
        ];
        let s = snapshot_from_lines(lines.into_iter());
        let ids: Vec<(&str, Option<&str>)> = s
            .nodes
            .iter()
            .map(|n| (n.id.as_str(), n.parent.as_deref()))
            .collect();
        assert_eq!(ids, [("u1", None), ("a1", Some("u1")), ("a2", Some("u1"))]);
        assert_eq!(s.nodes[0].label, "hello…");
        assert_eq!(s.nodes[2].label, "→ ls");
        assert_eq!(s.nodes[1].bookmarks, ["keep"]);
        assert_eq!(s.nodes[2].aliases, ["exp"]);
        assert_eq!(s.head.as_deref(), Some("a2"));
    }
}
