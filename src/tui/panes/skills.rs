//! The skill browser: the markdown files of `--skills-dir`, filtered as you type, previewed as
//! rendered markdown, toggled active. Active skills go into the system prompt of later turns.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use crate::agent::SkillInput;
use crate::tui::config::theme::Theme;
use crate::tui::fuzzy;
use crate::tui::render::markdown;

/// One skill: a markdown file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skill {
    /// The file name without `.md` (or `name:` from its front matter).
    pub name: String,
    pub description: String,
    pub path: PathBuf,
    /// The markdown after the front matter.
    pub body: String,
}

/// Reads every `*.md` file in `dir` (and `*/SKILL.md` one level down), sorted by name.
pub fn load_skills(dir: &Path) -> Result<Vec<Skill>, String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read the skills directory {}: {e}", dir.display()))?;
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let file = if path.is_dir() {
            path.join("SKILL.md")
        } else {
            path.clone()
        };
        if file.extension().and_then(|e| e.to_str()) != Some("md") || !file.is_file() {
            continue;
        }
        let Ok(body) = std::fs::read_to_string(&file) else {
            continue;
        };
        let stem = if path.is_dir() {
            path.file_name()
        } else {
            path.file_stem()
        };
        let fallback = stem
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        out.push(parse_skill(&fallback, file, body));
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// A skill from its file: `name:` / `description:` front matter if present, else the file
/// name and the first text line.
pub fn parse_skill(fallback_name: &str, path: PathBuf, body: String) -> Skill {
    let mut name = fallback_name.to_string();
    let mut description = String::new();
    let mut rest = body.as_str();
    if let Some(after) = body.strip_prefix("---\n")
        && let Some(end) = after.find("\n---")
    {
        for line in after[..end].lines() {
            if let Some(v) = line.strip_prefix("name:") {
                name = v.trim().trim_matches('"').to_string();
            } else if let Some(v) = line.strip_prefix("description:") {
                description = v.trim().trim_matches('"').to_string();
            }
        }
        rest = after[end + 4..].trim_start_matches('-');
    }
    if description.is_empty() {
        description = rest
            .lines()
            .map(|l| l.trim().trim_start_matches('#').trim())
            .find(|l| !l.is_empty())
            .unwrap_or_default()
            .to_string();
    }
    let body = if rest.len() == body.len() {
        body
    } else {
        rest.trim_start_matches('\n').to_string()
    };
    Skill {
        name,
        description,
        path,
        body,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkillBrowser {
    pub dir: Option<PathBuf>,
    pub skills: Vec<Skill>,
    pub active: BTreeSet<String>,
    pub filter: String,
    /// Indices into `skills` that match the filter.
    pub matches: Vec<usize>,
    pub cursor: usize,
    pub error: Option<String>,
    pub loaded: bool,
}

impl SkillBrowser {
    pub fn set_skills(&mut self, skills: Vec<Skill>) {
        self.skills = skills;
        self.loaded = true;
        self.error = None;
        self.refilter();
    }

    pub fn refilter(&mut self) {
        let names: Vec<String> = self
            .skills
            .iter()
            .map(|s| format!("{} {}", s.name, s.description))
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
        let name = self.selected()?.name.clone();
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
        self.active_skills()
            .into_iter()
            .map(|s| SkillInput {
                name: s.name.clone(),
                content: s.body.clone(),
            })
            .collect()
    }

    pub fn active_skills(&self) -> Vec<&Skill> {
        self.skills
            .iter()
            .filter(|s| self.active.contains(&s.name))
            .collect()
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
        if let Some(e) = &self.error {
            Paragraph::new(Line::styled(e.clone(), Style::default().fg(theme.error)))
                .wrap(Wrap { trim: false })
                .render(body, buf);
            return;
        }
        if self.dir.is_none() {
            Paragraph::new(Line::styled(
                "no skills directory: start pi with --skills-dir DIR (markdown files)",
                theme.dim(),
            ))
            .wrap(Wrap { trim: false })
            .render(body, buf);
            return;
        }
        if self.matches.is_empty() {
            let msg = if self.loaded {
                "no skills match"
            } else {
                "loading skills…"
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
            let on = self.active.contains(&s.name);
            let mut line = Line::from(vec![
                Span::styled(
                    if on { "[x] " } else { "[ ] " },
                    Style::default().fg(if on { theme.tool_ok } else { theme.dim }),
                ),
                Span::styled(
                    s.name.clone(),
                    Style::default()
                        .fg(theme.accent)
                        .add_modifier(Modifier::BOLD),
                ),
                Span::styled(format!("  {}", s.description), theme.dim()),
            ]);
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
            Paragraph::new(markdown::render(&s.body, theme))
                .wrap(Wrap { trim: false })
                .render(inner, buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_names_and_describes() {
        let s = parse_skill(
            "file",
            PathBuf::from("x.md"),
            "---\nname: review\ndescription: Review code\n---\n# Body\n".into(),
        );
        assert_eq!(s.name, "review");
        assert_eq!(s.description, "Review code");
        let s = parse_skill(
            "tests",
            PathBuf::from("t.md"),
            "\n# Write tests\nmore".into(),
        );
        assert_eq!(s.name, "tests");
        assert_eq!(s.description, "Write tests");
    }
}
