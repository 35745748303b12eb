//! The skill browser: the skills of the project's and the user's skills folders (see
//! `crate::skills::discover`), filtered as you type, each with its source, previewed as
//! rendered markdown, toggled active. Active skills go whole into the system prompt of later
//! turns; the others are listed there by name, description and path (unless
//! `--skills-index off`). Skills that cannot be read show as one line each.

use std::collections::BTreeSet;
use std::path::PathBuf;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use crate::agent::{Op, SkillInput};
use crate::skills::discover::{Discovery, FoundSkill, Problem, Severity, SkillRoot, SkillSource};
use crate::skills::prompt::{PromptSkills, prompt_skills};
use crate::skills::record::{InstallRecord, InstallRecords, verification, verification_tag};
use crate::tui::config::theme::Theme;
use crate::tui::fuzzy;
use crate::tui::render::markdown;

/// One skill of the browser.
pub type Skill = FoundSkill;

/// Problems shown above the list at most (the rest are counted).
const MAX_PROBLEM_LINES: usize = 3;

/// A project skill parsed from `text` (tests build the browser with it).
#[cfg(test)]
pub fn parse_skill(fallback_name: &str, path: PathBuf, text: String) -> Skill {
    let skill = crate::skills::package::parse(&text, fallback_name, &path)
        .unwrap_or_else(|e| panic!("{e}"));
    FoundSkill {
        skill,
        source: SkillSource::Project,
        root: path.parent().map(PathBuf::from).unwrap_or_default(),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkillBrowser {
    /// The project's skills folder; `None`: skills are off (no browser content).
    pub dir: Option<PathBuf>,
    /// The user's skills folder, searched after the project's.
    pub user_dir: Option<PathBuf>,
    /// List the skills that are not active in the system prompt (`--skills-index`).
    pub index: bool,
    pub skills: Vec<Skill>,
    /// Skills that could not be read, and warnings about some that were.
    pub problems: Vec<Problem>,
    /// Names of the active skills; kept across reloads.
    pub active: BTreeSet<String>,
    pub filter: String,
    /// Indices into `skills` that match the filter.
    pub matches: Vec<usize>,
    pub cursor: usize,
    pub loaded: bool,
    /// The id of the newest load asked for: older results are dropped.
    pub request: u64,
    /// What the agent was last sent (`set_skills`), so an unchanged reload sends nothing.
    pub sent: PromptSkills,
    /// The skills settings (registry, trust roots, cache) for installs from the pane.
    pub config: Option<crate::skills::SkillsConfig>,
    /// The install records of the project's folder: how each skill got there.
    pub records: InstallRecords,
    /// The id of the newest registry read asked for.
    pub registry_request: u64,
}

impl SkillBrowser {
    /// The folders searched, in order.
    pub fn roots(&self) -> Vec<SkillRoot> {
        let mut roots = Vec::new();
        if let Some(dir) = &self.dir {
            roots.push(SkillRoot {
                dir: dir.clone(),
                source: SkillSource::Project,
            });
        }
        if let Some(dir) = self
            .user_dir
            .as_ref()
            .filter(|d| self.dir.as_ref() != Some(d))
        {
            roots.push(SkillRoot {
                dir: dir.clone(),
                source: SkillSource::User,
            });
        }
        roots
    }

    pub fn set_skills(&mut self, skills: Vec<Skill>) {
        // The cursor stays on the skill it was on, by name.
        let at = self.selected().map(|s| s.name().to_string());
        self.skills = skills;
        self.loaded = true;
        // A skill that is gone is no longer active; the others keep their state.
        let names: BTreeSet<&str> = self.skills.iter().map(Skill::name).collect();
        self.active.retain(|n| names.contains(n.as_str()));
        self.refilter();
        if let Some(at) = at
            && let Some(i) = self
                .matches
                .iter()
                .position(|&i| self.skills[i].name() == at)
        {
            self.cursor = i;
        }
    }

    /// A (re)load's result: the skills and the problems.
    pub fn set_discovery(&mut self, d: Discovery) {
        self.problems = d.problems;
        self.set_skills(d.skills);
    }

    pub fn refilter(&mut self) {
        let names: Vec<String> = self
            .skills
            .iter()
            .map(|s| {
                format!(
                    "{} {} {}",
                    s.skill.name,
                    s.skill.description,
                    s.source.label()
                )
            })
            .collect();
        self.matches = fuzzy::filter(&names, &self.filter, false, usize::MAX);
        self.cursor = self.cursor.min(self.matches.len().saturating_sub(1));
    }

    pub fn selected(&self) -> Option<&Skill> {
        self.matches
            .get(self.cursor)
            .and_then(|&i| self.skills.get(i))
    }

    pub fn move_cursor(&mut self, delta: isize) {
        if !self.matches.is_empty() {
            self.cursor = self
                .cursor
                .saturating_add_signed(delta)
                .min(self.matches.len() - 1);
        }
    }

    /// Toggles the skill at the cursor; returns its name and whether it is now active.
    pub fn toggle(&mut self) -> Option<(String, bool)> {
        let name = self.selected()?.name().to_string();
        let on = if self.active.remove(&name) {
            false
        } else {
            self.active.insert(name.clone());
            true
        };
        Some((name, on))
    }

    /// The active skills as the agent's `set_skills` op takes them.
    pub fn skill_inputs(&self) -> Vec<SkillInput> {
        self.prompt_skills().active
    }

    pub fn active_skills(&self) -> Vec<&Skill> {
        self.skills
            .iter()
            .filter(|s| self.active.contains(s.name()))
            .collect()
    }

    /// The skills of the system prompt: the active ones whole, with `index` the others listed.
    pub fn prompt_skills(&self) -> PromptSkills {
        prompt_skills(&self.skills, &self.active_skills(), self.index)
    }

    /// The `set_skills` op for the agent when what it has is out of date (a toggle, a reload
    /// that changed a skill); `None` when it is current. The agent starts with none.
    pub fn take_op(&mut self) -> Option<Op> {
        let now = self.prompt_skills();
        if now == self.sent {
            return None;
        }
        let op = now.op();
        self.sent = now;
        Some(op)
    }

    pub fn render(&self, theme: &Theme, area: Rect, buf: &mut Buffer) {
        if area.height == 0 {
            return;
        }
        let [filter, body] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
        Line::from(vec![
            Span::styled("filter: ", theme.dim()),
            Span::raw(self.filter.clone()),
            Span::styled("▏", Style::default().fg(theme.accent)),
        ])
        .render(filter, buf);
        if self.dir.is_none() {
            Paragraph::new(Line::styled(
                "no skills directory: start pi with --skills-dir DIR (markdown files)",
                theme.dim(),
            ))
            .wrap(Wrap { trim: false })
            .render(body, buf);
            return;
        }
        let problems = self.problem_lines(theme);
        let shown = (problems.len() as u16).min(body.height.saturating_sub(1));
        let [problem_area, body] =
            Layout::vertical([Constraint::Length(shown), Constraint::Min(0)]).areas(body);
        for (i, line) in problems.into_iter().take(shown as usize).enumerate() {
            let y = problem_area.y + i as u16;
            line.render(Rect::new(problem_area.x, y, problem_area.width, 1), buf);
        }
        if self.matches.is_empty() {
            let msg = if !self.loaded {
                "loading skills…"
            } else if self.skills.is_empty() {
                "no skills yet: add NAME.md or NAME/SKILL.md to the skills folder"
            } else {
                "no skills match"
            };
            Line::styled(msg, theme.dim()).render(body, buf);
            return;
        }
        let list_h = (body.height / 2).max(1).min(self.matches.len() as u16 + 1);
        let [list, preview] =
            Layout::vertical([Constraint::Length(list_h), Constraint::Min(0)]).areas(body);
        let h = list.height as usize;
        let offset = (self.cursor + 1).saturating_sub(h);
        for (row, &i) in self.matches.iter().enumerate().skip(offset).take(h) {
            let s = &self.skills[i];
            let on = self.active.contains(s.name());
            let mut line = Line::from(vec![
                Span::styled(
                    if on { "[x] " } else { "[ ] " },
                    Style::default().fg(if on { theme.tool_ok } else { theme.dim }),
                ),
                Span::styled(
                    s.skill.name.clone(),
                    Style::default()
                        .fg(theme.accent)
                        .add_modifier(Modifier::BOLD),
                ),
                Span::styled(format!(" ({})", s.source.label()), theme.dim()),
            ]);
            let tag = verification_tag(self.record(s));
            if !tag.is_empty() {
                line.push_span(Span::styled(
                    format!(" {tag}"),
                    Style::default().fg(theme.tool_ok),
                ));
            }
            line.push_span(Span::styled(
                format!("  {}", s.skill.description),
                theme.dim(),
            ));
            if row == self.cursor {
                line = line.style(Style::default().add_modifier(Modifier::REVERSED));
            }
            let y = list.y + (row - offset) as u16;
            line.render(Rect::new(list.x, y, list.width, 1), buf);
        }
        if preview.height > 1
            && let Some(s) = self.selected()
        {
            let block = Block::new()
                .borders(Borders::TOP)
                .border_style(theme.border(false));
            let inner = block.inner(preview);
            block.render(preview, buf);
            // How a skill pi installed got here; hand-placed ones say nothing.
            let mut lines: Vec<Line<'static>> = self
                .record(s)
                .map(|r| Line::styled(verification(Some(r)), theme.dim()))
                .into_iter()
                .collect();
            lines.extend(markdown::render(&s.skill.body, theme));
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .render(inner, buf);
        }
    }

    /// The install record of a project skill (user skills are not installed by pi).
    fn record(&self, s: &Skill) -> Option<&InstallRecord> {
        (s.source == SkillSource::Project)
            .then(|| self.records.skills.get(s.name()))
            .flatten()
    }

    /// One line per problem (errors first), at most a few, then how many more.
    fn problem_lines(&self, theme: &Theme) -> Vec<Line<'static>> {
        let mut sorted: Vec<&Problem> = self.problems.iter().collect();
        sorted.sort_by_key(|p| p.severity != Severity::Error);
        let mut lines: Vec<Line<'static>> = sorted
            .iter()
            .take(MAX_PROBLEM_LINES)
            .map(|p| {
                let (mark, color) = match p.severity {
                    Severity::Error => ("✗ ", theme.error),
                    Severity::Warning => ("! ", theme.notice),
                };
                Line::styled(format!("{mark}{p}"), Style::default().fg(color))
            })
            .collect();
        if sorted.len() > MAX_PROBLEM_LINES {
            lines.push(Line::styled(
                format!("… {} more (see /doctor)", sorted.len() - MAX_PROBLEM_LINES),
                theme.dim(),
            ));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::skills::package::SkillKind;

    fn browser() -> SkillBrowser {
        let mut b = SkillBrowser {
            dir: Some("skills".into()),
            index: true,
            ..SkillBrowser::default()
        };
        b.set_skills(vec![
            parse_skill("a", "skills/a.md".into(), "A body\n".into()),
            parse_skill("b", "skills/b/SKILL.md".into(), "B body\n".into()),
        ]);
        b
    }

    #[test]
    fn test_skills_parse_both_shapes() {
        let b = browser();
        assert_eq!(b.skills[0].skill.kind, SkillKind::File);
        assert_eq!(b.skills[1].skill.kind, SkillKind::Dir);
    }

    #[test]
    fn the_agent_is_sent_only_what_changed() {
        let mut b = browser();
        let Some(Op::SetSkills { skills, index }) = b.take_op() else {
            panic!("the first op carries the index");
        };
        assert!(skills.is_empty());
        assert_eq!(index.len(), 2);
        assert_eq!(b.take_op(), None, "nothing changed");
        b.toggle();
        let Some(Op::SetSkills { skills, index }) = b.take_op() else {
            panic!("a toggle sends");
        };
        assert_eq!((skills.len(), index.len()), (1, 1));
        // The same skills again (a reload with no change): nothing to send.
        let same = b.skills.clone();
        b.set_skills(same);
        assert_eq!(b.take_op(), None);
    }

    #[test]
    fn a_reload_keeps_active_skills_and_the_cursor_by_name() {
        let mut b = browser();
        b.move_cursor(1);
        b.toggle();
        assert_eq!(b.active, BTreeSet::from(["b".to_string()]));
        let mut skills = b.skills.clone();
        skills.insert(0, parse_skill("0", "skills/0.md".into(), "zero\n".into()));
        b.set_skills(skills);
        assert_eq!(
            b.selected().map(Skill::name),
            Some("b"),
            "the cursor follows b"
        );
        assert!(b.active.contains("b"));
        // b is removed: it is no longer active.
        let skills = b
            .skills
            .iter()
            .filter(|s| s.name() != "b")
            .cloned()
            .collect();
        b.set_skills(skills);
        assert!(b.active.is_empty());
    }

    #[test]
    fn roots_are_the_project_then_the_user_folder() {
        let mut b = browser();
        b.user_dir = Some("user".into());
        let roots = b.roots();
        assert_eq!(roots.len(), 2);
        assert_eq!(roots[0].source, SkillSource::Project);
        assert_eq!(roots[1].dir, PathBuf::from("user"));
        b.user_dir = b.dir.clone();
        assert_eq!(b.roots().len(), 1, "one folder is searched once");
    }
}
