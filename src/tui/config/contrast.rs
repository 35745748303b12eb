//! Contrast of the built-in themes, checked with WCAG 2.x: the relative luminance of each sRGB
//! colour after linearisation, and the ratio `(lighter + 0.05) / (darker + 0.05)` of every
//! foreground/background pair the UI draws. Body text needs 4.5:1 (WCAG AA), dim text, borders,
//! hints and glyphs 3:1.
//!
//! The panes leave the background to the terminal (`Color::Reset`). A built-in theme is made for
//! one kind of terminal, so the check assumes its background: white for `light`, black for
//! `dark`; every built-in theme must name its assumption in [`assumed_background`].

use ratatui::style::Color;

use super::theme::{BUILTIN_THEMES, Theme};

/// WCAG AA for body text.
const BODY: f64 = 4.5;
/// WCAG AA for large text and non-text parts: dim text, borders, hints, graph glyphs.
const DIM: f64 = 3.0;

const WHITE: Color = Color::Rgb(0xff, 0xff, 0xff);
const BLACK: Color = Color::Rgb(0, 0, 0);

/// The terminal background a built-in theme is meant for, which stands in for `Color::Reset`.
fn assumed_background(theme: &str) -> Option<Color> {
    match theme {
        "light" => Some(WHITE),
        "dark" => Some(BLACK),
        _ => None,
    }
}

/// Relative luminance (WCAG 2.x) of an RGB colour; `None` for a colour the terminal chooses.
fn luminance(c: Color) -> Option<f64> {
    let Color::Rgb(r, g, b) = c else {
        return None;
    };
    let linear = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    Some(0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b))
}

/// The contrast ratio of two RGB colours, from 1 (none) to 21 (black on white).
fn contrast(a: Color, b: Color) -> Option<f64> {
    let (a, b) = (luminance(a)?, luminance(b)?);
    Some((a.max(b) + 0.05) / (a.min(b) + 0.05))
}

/// A foreground drawn on a background somewhere in the UI, and the ratio it needs.
struct Pair {
    what: &'static str,
    fg: Color,
    bg: Color,
    min: f64,
}

/// Every pair the views draw with the theme's colours.
fn pairs(t: &Theme) -> Vec<Pair> {
    let pair = |what, fg, bg, min| Pair { what, fg, bg, min };
    // The panes: conversation, editor, graph, trace, popups and their borders.
    let pane = Color::Reset;
    let mut all = vec![
        pair("text", t.text, pane, BODY),
        pair("accent", t.accent, pane, BODY),
        pair("user", t.user, pane, BODY),
        pair("assistant", t.assistant, pane, BODY),
        pair("thinking", t.thinking, pane, BODY),
        pair("tool", t.tool, pane, BODY),
        pair("tool_ok", t.tool_ok, pane, BODY),
        pair("tool_error", t.tool_error, pane, BODY),
        pair("notice", t.notice, pane, BODY),
        pair("error", t.error, pane, BODY),
        pair("heading", t.heading, pane, BODY),
        pair("link", t.link, pane, BODY),
        pair("code", t.code, pane, BODY),
        pair("quote", t.quote, pane, BODY),
        pair("diff_add", t.diff_add, pane, BODY),
        pair("diff_remove", t.diff_remove, pane, BODY),
        pair("diff_hunk", t.diff_hunk, pane, BODY),
        pair("head", t.head, pane, BODY),
        pair("bookmark", t.bookmark, pane, BODY),
        pair("alias", t.alias, pane, BODY),
        pair("dim", t.dim, pane, DIM),
        pair("border", t.border, pane, DIM),
        pair("border_focused", t.border_focused, pane, DIM),
    ];
    all.extend(t.lanes.iter().map(|&c| pair("lanes", c, pane, DIM)));
    // The status bar (`status.rs`): its text, the spinner, warnings; separators, the session
    // file and the thinking level are dim; the idle dot is a glyph.
    let bar = t.status_bg;
    all.extend([
        pair("status_fg on status_bg", t.status_fg, bar, BODY),
        pair("accent on status_bg", t.accent, bar, BODY),
        pair("notice on status_bg", t.notice, bar, BODY),
        pair("error on status_bg", t.error, bar, BODY),
        pair("dim on status_bg", t.dim, bar, DIM),
        pair("thinking on status_bg", t.thinking, bar, DIM),
        pair("tool_ok on status_bg", t.tool_ok, bar, DIM),
        // Selected rows of lists, tabs and choices.
        pair(
            "selection_fg on selection_bg",
            t.selection_fg,
            t.selection_bg,
            BODY,
        ),
    ]);
    all
}

/// The pairs of a theme that fall short, as readable lines. A `Reset` background is the assumed
/// one; a `Reset` foreground (the terminal's text colour) is not known, so it falls short.
fn shortfalls(t: &Theme, background: Color) -> Vec<String> {
    let bg = |c: Color| if c == Color::Reset { background } else { c };
    pairs(t)
        .into_iter()
        .filter_map(|p| match contrast(p.fg, bg(p.bg)) {
            Some(r) if r >= p.min => None,
            Some(r) => Some(format!("{}: {r:.2}:1 < {}:1", p.what, p.min)),
            None => Some(format!(
                "{}: {:?} on {:?} is not RGB, so its contrast is unknown",
                p.what, p.fg, p.bg
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luminance_and_ratio_follow_wcag() {
        let ratio = |a, b| contrast(a, b).unwrap();
        assert!((ratio(BLACK, WHITE) - 21.0).abs() < 1e-9);
        assert!((ratio(WHITE, WHITE) - 1.0).abs() < 1e-9);
        assert_eq!(ratio(WHITE, BLACK), ratio(BLACK, WHITE));
        // #767676 is the lightest grey that passes 4.5:1 on white (4.54:1).
        let grey = ratio(Color::Rgb(0x76, 0x76, 0x76), WHITE);
        assert!((4.5..4.6).contains(&grey), "{grey}");
        // The sRGB curve: mid grey 0x80 is 21.6% luminance, not 50%.
        let mid = luminance(Color::Rgb(0x80, 0x80, 0x80)).unwrap();
        assert!((mid - 0.2159).abs() < 1e-3, "{mid}");
        // A terminal's own colours have no luminance we could know.
        assert_eq!(luminance(Color::Gray), None);
        assert_eq!(luminance(Color::Indexed(15)), None);
        assert_eq!(luminance(Color::Reset), None);
    }

    #[test]
    fn the_check_catches_grey_on_white() {
        let mut t = Theme::parse(BUILTIN_THEMES[1].1).unwrap();
        t.dim = Color::Rgb(0xc0, 0xc0, 0xc0);
        t.border = Color::Gray;
        let found = shortfalls(&t, WHITE);
        assert!(found.iter().any(|s| s.starts_with("dim: 1.")), "{found:?}");
        assert!(
            found.iter().any(|s| s.starts_with("border: Gray")),
            "{found:?}"
        );
    }

    #[test]
    fn builtin_themes_are_readable_on_their_background() {
        let mut found = Vec::new();
        for (name, text) in BUILTIN_THEMES {
            let t = Theme::parse(text).unwrap();
            let Some(background) = assumed_background(name) else {
                panic!("built-in theme {name} needs an assumed background in contrast.rs");
            };
            found.extend(
                shortfalls(&t, background)
                    .iter()
                    .map(|s| format!("{name}: {s}")),
            );
        }
        assert!(found.is_empty(), "\n{}", found.join("\n"));
    }
}
