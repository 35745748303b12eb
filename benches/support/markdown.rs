//! The markdown the TUI benchmarks draw and stream (shared by `tui.rs` and `tui_keys.rs`).

/// One answer: a paragraph with code spans, a list, a code block and a table.
pub const ANSWER: &str = "Here is what I found in `src/session/store.rs`:\n\n1. The **index** keeps one entry per line.\n2. Appends take a lock.\n\n```rust\nfn append(&mut self) -> Result<()> {\n    self.lock()?;\n}\n```\n\n| op | cost |\n|---|---|\n| open | O(n) |\n| append | O(1) |\n";

/// About 1 MB of markdown: sections of `ANSWER`.
pub fn megabyte() -> String {
    let mut out = String::new();
    let mut i = 0;
    while out.len() < 1 << 20 {
        out.push_str(&format!("## Section {i}\n\n"));
        out.push_str(ANSWER);
        out.push('\n');
        i += 1;
    }
    out
}
