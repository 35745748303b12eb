//! Colour themes as data: `themes/*.toml` (embedded), user files of the same names in the config
//! directory, or a path. Views ask for semantic styles (`theme.user`, `theme.diff_add`), never
//! for raw colours.

use std::collections::BTreeMap;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use toml::Spanned;

use crate::tui::config::{ConfigError, line_of};

/// The embedded themes: (name, file text).
pub const BUILTIN_THEMES: [(&str, &str); 2] = [
    ("dark", include_str!("../../../themes/dark.toml")),
    ("light", include_str!("../../../themes/light.toml")),
];

/// Semantic colours of the UI.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    /// bat / syntect theme name for code blocks.
    pub code_theme: String,
    pub text: Color,
    pub dim: Color,
    pub accent: Color,
    pub user: Color,
    pub assistant: Color,
    pub thinking: Color,
    pub tool: Color,
    pub tool_ok: Color,
    pub tool_error: Color,
    pub notice: Color,
    pub error: Color,
    pub border: Color,
    pub border_focused: Color,
    pub status_fg: Color,
    pub status_bg: Color,
    pub heading: Color,
    pub link: Color,
    pub code: Color,
    pub quote: Color,
    pub diff_add: Color,
    pub diff_remove: Color,
    pub diff_hunk: Color,
    pub selection_fg: Color,
    pub selection_bg: Color,
    pub head: Color,
    pub bookmark: Color,
    pub alias: Color,
    pub lanes: Vec<Color>,
}

impl Default for Theme {
    fn default() -> Self {
        // The embedded dark theme always parses (a unit test checks it); this is its fallback.
        Theme::parse(BUILTIN_THEMES[0].1).unwrap_or_else(|_| Theme::plain())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: Option<String>,
    code_theme: Option<Spanned<String>>,
    #[serde(default)]
    colors: BTreeMap<String, Spanned<ColorValue>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ColorValue {
    One(String),
    Many(Vec<String>),
}

impl Theme {
    /// Terminal default colours only: what is left when nothing parses.
    pub fn plain() -> Theme {
        let c = Color::Reset;
        Theme {
            name: "plain".into(),
            code_theme: "Monokai Extended".into(),
            text: c,
            dim: Color::DarkGray,
            accent: Color::Blue,
            user: Color::Green,
            assistant: c,
            thinking: Color::DarkGray,
            tool: Color::Yellow,
            tool_ok: Color::Green,
            tool_error: Color::Red,
            notice: Color::Yellow,
            error: Color::Red,
            border: Color::DarkGray,
            border_focused: Color::Blue,
            status_fg: c,
            status_bg: c,
            heading: Color::Cyan,
            link: Color::Blue,
            code: Color::Magenta,
            quote: Color::DarkGray,
            diff_add: Color::Green,
            diff_remove: Color::Red,
            diff_hunk: Color::Cyan,
            selection_fg: Color::Black,
            selection_bg: Color::Blue,
            head: Color::Green,
            bookmark: Color::Yellow,
            alias: Color::Magenta,
            lanes: vec![Color::Blue, Color::Green, Color::Yellow, Color::Magenta],
        }
    }

    /// Parses a theme file; keys it leaves out keep the plain theme's values.
    pub fn parse(text: &str) -> Result<Theme, ConfigError> {
        let file: ThemeFile = toml::from_str(text).map_err(|e| ConfigError::from_toml(text, &e))?;
        let mut t = Theme::plain();
        if let Some(n) = file.name {
            t.name = n;
        }
        if let Some(c) = file.code_theme {
            let line = line_of(text, c.span().start);
            let name = c.into_inner();
            if !crate::tui::render::highlight::is_code_theme(&name) {
                return Err(ConfigError {
                    line,
                    message: format!(
                        "'{name}' is not a code theme; use one of {}",
                        crate::tui::render::highlight::code_theme_names().join(", ")
                    ),
                });
            }
            t.code_theme = name;
        }
        for (key, value) in file.colors {
            let line = line_of(text, value.span().start);
            let bad = |v: &str| ConfigError {
                line,
                message: format!(
                    "'{v}' is not a colour for '{key}'; use a name like red, \"#rrggbb\" or an index"
                ),
            };
            let parse = |v: &str| v.parse::<Color>().map_err(|_| bad(v));
            match (key.as_str(), value.into_inner()) {
                ("lanes", ColorValue::Many(list)) => {
                    let lanes = list
                        .iter()
                        .map(|v| parse(v))
                        .collect::<Result<Vec<_>, _>>()?;
                    if !lanes.is_empty() {
                        t.lanes = lanes;
                    }
                }
                (k, ColorValue::One(v)) => {
                    let color = parse(&v)?;
                    let Some(slot) = t.slot(k) else {
                        return Err(ConfigError {
                            line,
                            message: format!("unknown colour key '{k}'"),
                        });
                    };
                    *slot = color;
                }
                (k, ColorValue::Many(_)) => {
                    return Err(ConfigError {
                        line,
                        message: format!("'{k}' takes one colour, not a list"),
                    });
                }
            }
        }
        Ok(t)
    }

    fn slot(&mut self, key: &str) -> Option<&mut Color> {
        Some(match key {
            "text" => &mut self.text,
            "dim" => &mut self.dim,
            "accent" => &mut self.accent,
            "user" => &mut self.user,
            "assistant" => &mut self.assistant,
            "thinking" => &mut self.thinking,
            "tool" => &mut self.tool,
            "tool_ok" => &mut self.tool_ok,
            "tool_error" => &mut self.tool_error,
            "notice" => &mut self.notice,
            "error" => &mut self.error,
            "border" => &mut self.border,
            "border_focused" => &mut self.border_focused,
            "status_fg" => &mut self.status_fg,
            "status_bg" => &mut self.status_bg,
            "heading" => &mut self.heading,
            "link" => &mut self.link,
            "code" => &mut self.code,
            "quote" => &mut self.quote,
            "diff_add" => &mut self.diff_add,
            "diff_remove" => &mut self.diff_remove,
            "diff_hunk" => &mut self.diff_hunk,
            "selection_fg" => &mut self.selection_fg,
            "selection_bg" => &mut self.selection_bg,
            "head" => &mut self.head,
            "bookmark" => &mut self.bookmark,
            "alias" => &mut self.alias,
            _ => return None,
        })
    }

    /// Every colour with its key in `[colors]` (each lane as `lanes`), for checks over a theme.
    #[cfg(test)]
    pub fn colors(&self) -> Vec<(&'static str, Color)> {
        // Destructured without `..`: a new colour field does not compile until it is listed.
        let Theme {
            name: _,
            code_theme: _,
            text,
            dim,
            accent,
            user,
            assistant,
            thinking,
            tool,
            tool_ok,
            tool_error,
            notice,
            error,
            border,
            border_focused,
            status_fg,
            status_bg,
            heading,
            link,
            code,
            quote,
            diff_add,
            diff_remove,
            diff_hunk,
            selection_fg,
            selection_bg,
            head,
            bookmark,
            alias,
            lanes,
        } = self;
        let mut all = vec![
            ("text", *text),
            ("dim", *dim),
            ("accent", *accent),
            ("user", *user),
            ("assistant", *assistant),
            ("thinking", *thinking),
            ("tool", *tool),
            ("tool_ok", *tool_ok),
            ("tool_error", *tool_error),
            ("notice", *notice),
            ("error", *error),
            ("border", *border),
            ("border_focused", *border_focused),
            ("status_fg", *status_fg),
            ("status_bg", *status_bg),
            ("heading", *heading),
            ("link", *link),
            ("code", *code),
            ("quote", *quote),
            ("diff_add", *diff_add),
            ("diff_remove", *diff_remove),
            ("diff_hunk", *diff_hunk),
            ("selection_fg", *selection_fg),
            ("selection_bg", *selection_bg),
            ("head", *head),
            ("bookmark", *bookmark),
            ("alias", *alias),
        ];
        all.extend(lanes.iter().map(|c| ("lanes", *c)));
        all
    }

    pub fn fg(&self, c: Color) -> Style {
        Style::default().fg(c)
    }

    pub fn dim(&self) -> Style {
        Style::default().fg(self.dim)
    }

    pub fn selected(&self) -> Style {
        Style::default()
            .fg(self.selection_fg)
            .bg(self.selection_bg)
            .add_modifier(Modifier::BOLD)
    }

    pub fn border(&self, focused: bool) -> Style {
        Style::default().fg(if focused {
            self.border_focused
        } else {
            self.border
        })
    }

    pub fn status(&self) -> Style {
        Style::default().fg(self.status_fg).bg(self.status_bg)
    }

    pub fn lane(&self, i: usize) -> Color {
        self.lanes
            .get(i % self.lanes.len().max(1))
            .copied()
            .unwrap_or(self.accent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_themes_parse() {
        for (name, text) in BUILTIN_THEMES {
            let t = Theme::parse(text).unwrap();
            assert_eq!(t.name, name);
        }
    }

    #[test]
    fn every_colour_key_is_listed_and_settable() {
        let mut t = Theme::plain();
        for (key, _) in t.clone().colors() {
            assert!(key == "lanes" || t.slot(key).is_some(), "{key}");
        }
    }

    /// Named and indexed colours are drawn from the terminal's palette, so a built-in theme
    /// could not promise any contrast with them (ANSI white and grey vanish on white).
    #[test]
    fn builtin_themes_give_every_colour_as_rgb() {
        for (name, text) in BUILTIN_THEMES {
            let t = Theme::parse(text).unwrap();
            for (key, color) in t.colors() {
                assert!(
                    matches!(color, Color::Rgb(..)),
                    "{name}: {key} is {color:?}, not \"#rrggbb\""
                );
            }
        }
    }

    #[test]
    fn a_bad_colour_names_its_line() {
        let e = Theme::parse("name = \"x\"\n[colors]\naccent = \"nope\"\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("nope"), "{}", e.message);
        let e = Theme::parse("[colors]\nfoo = \"red\"\n").unwrap_err();
        assert_eq!(e.line, 2);
        let e = Theme::parse("[colors\n").unwrap_err();
        assert_eq!(e.line, 1);
    }

    #[test]
    fn an_unknown_code_theme_names_its_line_and_the_choices() {
        let e = Theme::parse("name = \"x\"\ncode_theme = \"NoSuchTheme\"\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(
            e.message.contains("'NoSuchTheme' is not a code theme"),
            "{}",
            e.message
        );
        assert!(e.message.contains("Monokai Extended"), "{}", e.message);
        let t = Theme::parse("code_theme = \"onehalflight\"\n").unwrap();
        assert_eq!(t.code_theme, "onehalflight");
    }
}
