//! The skills commands (`table_skills.rs` declares them; docs/skills.md).

use super::engine::CommandEngine;

/// The names of the skills found, for completion.
pub fn skill_names(_engine: &CommandEngine) -> Vec<String> {
    Vec::new()
}
