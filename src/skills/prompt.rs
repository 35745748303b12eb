//! How skills reach the system prompt: the active ones (`--skill a,b`, or toggled in the
//! Skills pane) whole, and every other discovered skill by name, description and path only, so
//! the model reads it with the read tool when a task matches (progressive disclosure);
//! `--skills-index off` leaves that listing out.
//!
//! What goes where is decided here; the agent renders the section
//! (`agent::skills_section`) from the `set_skills` op this builds, in every mode: the TUI
//! sends the op, one-shot and command-file runs append the same section to the system prompt.

use super::discover::FoundSkill;
use crate::agent::{Op, SkillIndexEntry, SkillInput};

/// The skills of the system prompt: the active ones whole, the index of the others.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PromptSkills {
    pub active: Vec<SkillInput>,
    pub index: Vec<SkillIndexEntry>,
}

impl PromptSkills {
    /// The agent's `set_skills` op for these skills.
    pub fn op(&self) -> Op {
        Op::SetSkills {
            skills: self.active.clone(),
            index: self.index.clone(),
        }
    }

    /// The system prompt section (empty without skills).
    pub fn section(&self) -> String {
        crate::agent::skills_section(&self.active, &self.index)
    }
}

/// `active` (in that order) whole; with `index`, every other skill of `all` listed.
pub fn prompt_skills(all: &[FoundSkill], active: &[&FoundSkill], index: bool) -> PromptSkills {
    let is_active = |s: &FoundSkill| active.iter().any(|a| a.name() == s.name());
    PromptSkills {
        active: active
            .iter()
            .map(|s| SkillInput {
                name: s.skill.name.clone(),
                content: s.skill.body.clone(),
            })
            .collect(),
        index: if index {
            all.iter()
                .filter(|s| !is_active(s))
                .map(|s| SkillIndexEntry {
                    name: s.skill.name.clone(),
                    description: s.skill.description.clone(),
                    path: s.skill.path.display().to_string(),
                })
                .collect()
        } else {
            Vec::new()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::skills::discover::SkillSource;
    use crate::skills::package::parse;
    use std::path::Path;

    fn found(name: &str, text: &str) -> FoundSkill {
        let path = format!("/skills/{name}.md");
        FoundSkill {
            skill: parse(text, name, Path::new(&path)).unwrap(),
            source: SkillSource::Project,
            root: "/skills".into(),
        }
    }

    fn all() -> Vec<FoundSkill> {
        vec![
            found(
                "deploy",
                "---\ndescription: Ship a release\n---\nNever on Fridays.\n",
            ),
            found(
                "review",
                "---\ndescription: Review a diff\n---\nCheck errors twice.\n",
            ),
            found("tests", "# Write tests first\nRed, green.\n"),
        ]
    }

    #[test]
    fn active_skills_go_whole_and_the_others_are_listed() {
        let all = all();
        let p = prompt_skills(&all, &[&all[1]], true);
        let text = p.section();
        assert!(text.contains("# Active skills"), "{text}");
        assert!(
            text.contains("<skill name=\"review\">\nCheck errors twice.\n</skill>"),
            "{text}"
        );
        assert!(
            !text.contains("Review a diff"),
            "front matter stays out: {text}"
        );
        assert!(text.contains("# Other skills"), "{text}");
        assert!(text.contains("read tool"), "{text}");
        assert!(
            text.contains("- deploy: Ship a release (/skills/deploy.md)"),
            "{text}"
        );
        assert!(
            text.contains("- tests: Write tests first (/skills/tests.md)"),
            "{text}"
        );
        assert!(
            !text.contains("Never on Fridays"),
            "indexed bodies stay out: {text}"
        );
        assert!(
            !text.contains("- review:"),
            "active skills are not listed twice: {text}"
        );
        assert_eq!(
            p.op(),
            Op::SetSkills {
                skills: p.active.clone(),
                index: p.index.clone()
            }
        );
    }

    #[test]
    fn the_index_can_be_turned_off_and_nothing_is_nothing() {
        let all = all();
        let p = prompt_skills(&all, &[&all[2], &all[0]], false);
        assert!(p.index.is_empty());
        let names: Vec<&str> = p.active.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["tests", "deploy"], "the order given");
        let text = p.section();
        assert!(!text.contains("# Other skills"), "{text}");
        assert_eq!(prompt_skills(&all, &[], false).section(), "");
        let only_index = prompt_skills(&all, &[], true).section();
        assert!(!only_index.contains("# Active skills"), "{only_index}");
        assert_eq!(only_index.matches("\n- ").count(), 3, "{only_index}");
    }

    #[test]
    fn names_are_escaped_in_the_skill_tag() {
        let s = found("x", "---\nname: 'a\"b<c>'\n---\nbody\n");
        let text = prompt_skills(std::slice::from_ref(&s), &[&s], true).section();
        assert!(
            text.contains("<skill name=\"a&quot;b&lt;c&gt;\">"),
            "{text}"
        );
    }
}
