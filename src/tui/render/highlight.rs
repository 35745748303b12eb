//! Code highlighting with syntect and bat's syntax and theme sets (two-face). The sets load on
//! the first code block, never at start-up.

use std::sync::OnceLock;

use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use syntect::easy::HighlightLines;
use syntect::highlighting::Theme as CodeTheme;
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;
use two_face::theme::{EmbeddedLazyThemeSet, EmbeddedThemeName};

/// Longest code block that is highlighted; longer ones are shown plain (highlighting is slow).
const MAX_HIGHLIGHT_BYTES: usize = 256 * 1024;

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(two_face::syntax::extra_newlines)
}

fn themes() -> &'static EmbeddedLazyThemeSet {
    static SET: OnceLock<EmbeddedLazyThemeSet> = OnceLock::new();
    SET.get_or_init(two_face::theme::extra)
}

/// Whether `name` names a code theme (any case; empty is the default). Loads no theme.
pub fn is_code_theme(name: &str) -> bool {
    name.is_empty()
        || EmbeddedLazyThemeSet::theme_names()
            .iter()
            .any(|t| t.as_name().eq_ignore_ascii_case(name))
}

/// The names `code_theme` takes.
pub fn code_theme_names() -> Vec<&'static str> {
    EmbeddedLazyThemeSet::theme_names()
        .iter()
        .map(|t| t.as_name())
        .collect()
}

fn theme_named(name: &str) -> Option<&'static CodeTheme> {
    let found = EmbeddedLazyThemeSet::theme_names()
        .iter()
        .copied()
        .find(|t| t.as_name().eq_ignore_ascii_case(name))
        .or_else(|| (name.is_empty()).then_some(EmbeddedThemeName::MonokaiExtended))?;
    Some(themes().get(found))
}

/// The lines of `code` uncoloured: what [`highlight`] gives when it cannot colour them, and
/// otherwise the same text line for line when the code holds no carriage return.
pub fn plain(code: &str) -> Vec<Line<'static>> {
    let code = code.strip_suffix('\n').unwrap_or(code);
    code.split('\n')
        .map(|l| Line::from(l.to_string()))
        .collect()
}

/// Whether [`highlight`] may colour `code` (if not, it gives [`plain`]); loads nothing.
pub fn may_colour(code: &str, lang: &str) -> bool {
    !lang.is_empty() && code.strip_suffix('\n').unwrap_or(code).len() <= MAX_HIGHLIGHT_BYTES
}

/// The lines of `code`, coloured for `lang` (a fence's info word) in `theme_name`. Unknown
/// languages and themes give plain lines.
pub fn highlight(code: &str, lang: &str, theme_name: &str) -> Vec<Line<'static>> {
    if !may_colour(code, lang) {
        return plain(code);
    }
    let whole = code;
    let code = code.strip_suffix('\n').unwrap_or(code);
    let ss = syntaxes();
    let Some(syntax) = ss
        .find_syntax_by_token(lang)
        .or_else(|| ss.find_syntax_by_extension(lang))
    else {
        return plain(whole);
    };
    let Some(theme) = theme_named(theme_name) else {
        return plain(whole);
    };
    let mut h = HighlightLines::new(syntax, theme);
    let mut out = Vec::new();
    for line in LinesWithEndings::from(code) {
        let Ok(regions) = h.highlight_line(line, ss) else {
            return plain(whole);
        };
        let spans: Vec<Span<'static>> = regions
            .into_iter()
            .map(|(style, text)| {
                let c = style.foreground;
                Span::styled(
                    text.trim_end_matches(['\n', '\r']).to_string(),
                    Style::default().fg(Color::Rgb(c.r, c.g, c.b)),
                )
            })
            .filter(|s| !s.content.is_empty())
            .collect();
        out.push(Line::from(spans));
    }
    if code.is_empty() || code.ends_with('\n') {
        out.push(Line::default());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_is_coloured_and_unknown_is_plain() {
        let lines = highlight("fn main() {}\n", "rust", "Monokai Extended");
        assert_eq!(lines.len(), 1);
        assert!(lines[0].spans.len() > 1);
        let lines = highlight("a\nb", "no-such-lang", "Monokai Extended");
        assert_eq!(lines.len(), 2);
    }
}
