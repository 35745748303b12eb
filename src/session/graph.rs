//! `/session-graph-export`: the tree as Mermaid (`.mmd`, `.md`) or Graphviz DOT (`.dot`).
//! Bookkeeping entries (head moves, aliases, labels) are not drawn; their names annotate the
//! entries they point at.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::error::SessionError;
use super::kinds::{EntryKind, Role};
use super::nav::preview;
use super::rewrite::{replace_file, write_err};
use super::store::SessionStore;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GraphFormat {
    Mermaid,
    /// Mermaid inside a fenced block of a Markdown file.
    MermaidMarkdown,
    Dot,
}

impl GraphFormat {
    /// The format for a file name: `.mmd`, `.md` or `.dot`.
    pub fn for_path(path: &Path) -> Option<GraphFormat> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "mmd" | "mermaid" => Some(GraphFormat::Mermaid),
            "md" | "markdown" => Some(GraphFormat::MermaidMarkdown),
            "dot" | "gv" => Some(GraphFormat::Dot),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GraphReport {
    pub path: PathBuf,
    pub format: GraphFormat,
    pub nodes: usize,
    pub edges: usize,
}

struct Node {
    id: String,
    label: String,
    parent: Option<String>,
    head: bool,
}

impl SessionStore {
    /// Writes the session tree to `dest`, in the format its extension names.
    pub fn export_graph(&self, dest: &Path) -> Result<GraphReport, SessionError> {
        let format = GraphFormat::for_path(dest).ok_or_else(|| SessionError::Invalid {
            path: dest.to_path_buf(),
            detail: "unknown graph format; name the file .mmd or .md (Mermaid) or .dot (Graphviz)"
                .into(),
        })?;
        let nodes = self.graph_nodes()?;
        let text = match format {
            GraphFormat::Mermaid => mermaid(&nodes),
            GraphFormat::MermaidMarkdown => format!("```mermaid\n{}```\n", mermaid(&nodes)),
            GraphFormat::Dot => dot(&nodes),
        };
        replace_file(dest, false, |out| {
            out.write_all(text.as_bytes()).map_err(write_err(dest))
        })?;
        Ok(GraphReport {
            path: dest.to_path_buf(),
            format,
            nodes: nodes.len(),
            edges: nodes.iter().filter(|n| n.parent.is_some()).count(),
        })
    }

    fn graph_nodes(&self) -> Result<Vec<Node>, SessionError> {
        let mut names: HashMap<String, Vec<String>> = HashMap::new();
        for n in self.branch_aliases().into_iter().chain(self.bookmarks()) {
            names.entry(n.target_id).or_default().push(n.name);
        }
        let mut out = Vec::new();
        for i in 0..self.index.len() as u32 {
            let n = self.index.node(i);
            if n.kind.is_bookkeeping() {
                continue;
            }
            let mut label = match (n.kind, n.role) {
                (EntryKind::Message, Some(Role::User)) => {
                    let text = self.message_text(i)?.unwrap_or_default();
                    format!("user: {}", preview(&text, 40))
                }
                (EntryKind::Message, Some(role)) => role.as_str().to_string(),
                (kind, _) => kind.as_str().to_string(),
            };
            if let Some(list) = names.get(&*n.id) {
                let _ = write!(label, " [{}]", list.join(", "));
            }
            out.push(Node {
                id: n.id.to_string(),
                label,
                parent: self
                    .index
                    .real_parent(i)
                    .map(|p| self.index.node(p).id.to_string()),
                head: self.head == Some(i),
            });
        }
        Ok(out)
    }
}

/// Mermaid node ids must be plain words; entry ids may be anything.
fn mermaid_id(id: &str) -> String {
    let clean: String = id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("n_{clean}")
}

/// A label as Mermaid shows it verbatim: its markup characters as numeric entity codes
/// (Mermaid's `#…;` form), so `<b>` or `&amp;` in a message is text, not HTML.
fn mermaid_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#38;"),
            '<' => out.push_str("#60;"),
            '>' => out.push_str("#62;"),
            '"' => out.push_str("#quot;"),
            '`' => out.push_str("#96;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn mermaid(nodes: &[Node]) -> String {
    let mut s = String::from("flowchart TD\n");
    for n in nodes {
        let label = mermaid_text(&format!("{} {}", n.id, n.label));
        let _ = writeln!(s, "  {}[\"{label}\"]", mermaid_id(&n.id));
    }
    for n in nodes {
        if let Some(p) = &n.parent {
            let _ = writeln!(s, "  {} --> {}", mermaid_id(p), mermaid_id(&n.id));
        }
    }
    if let Some(h) = nodes.iter().find(|n| n.head) {
        let _ = writeln!(s, "  classDef head stroke-width:3px");
        let _ = writeln!(s, "  class {} head", mermaid_id(&h.id));
    }
    s
}

fn dot_string(s: &str) -> String {
    let escaped = s
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace(['\n', '\r'], " ");
    format!("\"{escaped}\"")
}

fn dot(nodes: &[Node]) -> String {
    let mut s = String::from("digraph session {\n  rankdir=TB;\n  node [shape=box];\n");
    for n in nodes {
        let style = if n.head { ", penwidth=3" } else { "" };
        let _ = writeln!(
            s,
            "  {} [label={}{style}];",
            dot_string(&n.id),
            dot_string(&format!("{} {}", n.id, n.label))
        );
    }
    for n in nodes {
        if let Some(p) = &n.parent {
            let _ = writeln!(s, "  {} -> {};", dot_string(p), dot_string(&n.id));
        }
    }
    s.push_str("}\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mermaid_labels_escape_markup_and_entities() {
        let nodes = [Node {
            id: "a1".into(),
            label: "user: <b>bold</b> & &amp; \"q\" #1 `x`".into(),
            parent: None,
            head: true,
        }];
        let text = mermaid(&nodes);
        let label = text.lines().nth(1).unwrap();
        assert_eq!(
            label,
            "  n_a1[\"a1 user: #60;b#62;bold#60;/b#62; #38; #38;amp; #quot;q#quot; #35;1 #96;x#96;\"]"
        );
        assert!(!label.contains('<') && !label.contains('&'));
    }
}
