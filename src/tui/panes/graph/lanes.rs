//! Lays the tree out as lanes, like `git log --graph`: one row per entry in depth-first order,
//! the first child continuing its parent's lane, every other child opening a lane of its own
//! that runs down from the branch point.

use std::collections::HashMap;

use crate::session::SessionTree;

/// What one lane shows in one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaneCell {
    Empty,
    /// A lane passing by.
    Pipe,
    /// This row's entry.
    Node,
    /// A lane opening here for a later child of this row's entry.
    Fork,
    /// The horizontal run from the entry to a fork.
    Across,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphRow {
    /// Index into the snapshot's nodes.
    pub node: usize,
    pub lane: usize,
    pub cells: Vec<LaneCell>,
    /// The entry has more than one child.
    pub branch_point: bool,
}

/// The rows of the graph, in display order.
pub fn layout(snap: &SessionTree) -> Vec<GraphRow> {
    let index: HashMap<&str, usize> = snap
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); snap.nodes.len()];
    let mut roots = Vec::new();
    for (i, n) in snap.nodes.iter().enumerate() {
        match n.parent_id.as_deref().and_then(|p| index.get(p)) {
            Some(&p) => children[p].push(i),
            None => roots.push(i),
        }
    }
    let mut rows = Vec::with_capacity(snap.nodes.len());
    // Lane slots: Some(node) waiting to be drawn in that lane.
    let mut slots: Vec<Option<usize>> = Vec::new();
    // Depth-first from each root in turn: a stack of nodes to draw, each with its lane.
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for &root in &roots {
        let lane = free_slot(&mut slots);
        slots[lane] = Some(root);
        stack.push((root, lane));
        while let Some((node, lane)) = stack.pop() {
            draw_node(node, lane, &children, &mut slots, &mut stack, &mut rows);
        }
    }
    rows
}

fn draw_node(
    node: usize,
    lane: usize,
    children: &[Vec<usize>],
    slots: &mut Vec<Option<usize>>,
    stack: &mut Vec<(usize, usize)>,
    rows: &mut Vec<GraphRow>,
) {
    {
        let kids = &children[node];
        let width = slots.len();
        let mut cells: Vec<LaneCell> = (0..width)
            .map(|s| match slots[s] {
                Some(_) if s == lane => LaneCell::Node,
                Some(_) => LaneCell::Pipe,
                None => LaneCell::Empty,
            })
            .collect();
        if cells.len() <= lane {
            cells.resize(lane + 1, LaneCell::Empty);
        }
        cells[lane] = LaneCell::Node;
        // Children after the first get lanes of their own, opened here.
        let mut forks = Vec::new();
        for &k in kids.iter().skip(1) {
            let l = free_slot(slots);
            slots[l] = Some(k);
            forks.push((k, l));
            if cells.len() <= l {
                cells.resize(l + 1, LaneCell::Empty);
            }
            cells[l] = LaneCell::Fork;
        }
        if let Some(&max) = forks.iter().map(|(_, l)| l).max() {
            for c in cells.iter_mut().take(max).skip(lane + 1) {
                if *c == LaneCell::Empty {
                    *c = LaneCell::Across;
                }
            }
        }
        match kids.first() {
            Some(&k) => slots[lane] = Some(k),
            None => slots[lane] = None,
        }
        rows.push(GraphRow {
            node,
            lane,
            cells,
            branch_point: kids.len() > 1,
        });
        // Draw later children after the first child's whole subtree.
        for &(k, l) in forks.iter().rev() {
            stack.push((k, l));
        }
        if let Some(&k) = kids.first() {
            stack.push((k, lane));
        }
        while slots.last() == Some(&None) {
            slots.pop();
        }
    }
}

fn free_slot(slots: &mut Vec<Option<usize>>) -> usize {
    match slots.iter().position(Option::is_none) {
        Some(i) => i,
        None => {
            slots.push(None);
            slots.len() - 1
        }
    }
}

/// Two columns per lane: the lane's glyph and the connector to its right.
pub fn glyphs(cells: &[LaneCell], head: bool) -> Vec<(usize, &'static str)> {
    let mut out = Vec::with_capacity(cells.len() * 2);
    for (i, c) in cells.iter().enumerate() {
        let right_across = cells
            .get(i + 1)
            .is_some_and(|n| matches!(n, LaneCell::Across | LaneCell::Fork))
            && cells[..=i].iter().any(|c| matches!(c, LaneCell::Node))
            && cells[i + 1..].iter().any(|c| matches!(c, LaneCell::Fork));
        let (g, conn) = match c {
            LaneCell::Empty => (" ", " "),
            LaneCell::Pipe => ("│", if right_across { "─" } else { " " }),
            LaneCell::Node => (
                if head { "◉" } else { "●" },
                if right_across { "─" } else { " " },
            ),
            LaneCell::Fork if right_across => ("┬", "─"),
            LaneCell::Fork => ("╮", " "),
            LaneCell::Across => ("─", "─"),
        };
        out.push((i, g));
        out.push((i, conn));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{EntryKind, Role, TreeNode};

    fn snap(edges: &[(&str, Option<&str>)]) -> SessionTree {
        SessionTree {
            nodes: edges
                .iter()
                .map(|(id, p)| TreeNode {
                    id: id.to_string(),
                    parent_id: p.map(str::to_string),
                    kind: EntryKind::Message,
                    role: Some(Role::User),
                    is_head: false,
                    aliases: Vec::new(),
                    bookmarks: Vec::new(),
                })
                .collect(),
            head: None,
        }
    }

    fn draw(s: &SessionTree) -> Vec<String> {
        layout(s)
            .iter()
            .map(|r| {
                let g: String = glyphs(&r.cells, false).iter().map(|(_, g)| *g).collect();
                format!("{} {}", g.trim_end(), s.nodes[r.node].id)
            })
            .collect()
    }

    #[test]
    fn a_line_is_one_lane() {
        let s = snap(&[("a", None), ("b", Some("a")), ("c", Some("b"))]);
        assert_eq!(draw(&s), ["● a", "● b", "● c"]);
    }

    #[test]
    fn a_fork_opens_a_lane_that_runs_to_its_child() {
        let s = snap(&[
            ("a", None),
            ("b", Some("a")),
            ("c", Some("b")),
            ("d", Some("a")),
            ("e", Some("d")),
        ]);
        assert_eq!(draw(&s), ["●─╮ a", "● │ b", "● │ c", "  ● d", "  ● e"]);
    }

    #[test]
    fn nested_forks() {
        let s = snap(&[
            ("a", None),
            ("b", Some("a")),
            ("c", Some("a")),
            ("d", Some("a")),
            ("e", Some("b")),
        ]);
        let rows = draw(&s);
        assert_eq!(rows[0], "●─┬─╮ a");
        assert_eq!(rows.len(), 5);
    }
}
