//! Letter keys in the panes that do not take text (conversation, branches, tools).
//!
//! A printable key there does its pane's action only when the keymap binds it on purpose
//! *and* the pane shows that binding in its footer; any other printable key is text for
//! the prompt, which takes the focus. `view` draws the footer from [`footer`] and `update`
//! asks [`shown`], so what the user sees is exactly what the keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::tui::config::keymap::{Action, Context, Keymap};
use crate::tui::state::Pane;

/// Between two footer items.
const SEP: &str = " · ";

/// One footer item: the keys ("[ ]"), what they do ("select"), the actions behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    pub keys: String,
    pub label: &'static str,
    pub actions: Vec<Action>,
}

impl Hint {
    pub fn text(&self) -> String {
        if self.label.is_empty() {
            self.keys.clone()
        } else {
            format!("{} {}", self.keys, self.label)
        }
    }
}

/// Actions shown as one item when both are bound, with the item's label.
const PAIRS: [(Action, Action, &str); 4] = [
    (Action::SelectPrev, Action::SelectNext, "select"),
    (Action::ScrollUp, Action::ScrollDown, "scroll"),
    (Action::Up, Action::Down, "move"),
    (Action::Top, Action::Bottom, "top/end"),
];

/// A footer's word for an action: shorter than its title.
fn label(a: Action) -> &'static str {
    match a {
        Action::CopyLastAnswer => "copy answer",
        Action::CopySelected => "copy",
        Action::FocusEditor => "prompt",
        Action::SetAlias => "alias",
        Action::SetBookmark => "bookmark",
        Action::Refresh => "reload",
        Action::ToggleSelectedThinking => "fold",
        Action::Help => "help",
        _ => a.title(),
    }
}

/// The keymap context of a pane that does not take text.
fn context(pane: Pane) -> Option<Context> {
    match pane {
        Pane::Conversation => Some(Context::Conversation),
        Pane::Graph => Some(Context::Graph),
        Pane::Trace => Some(Context::Trace),
        Pane::Editor | Pane::Skills => None,
    }
}

/// The character a binding's key name types, when it types one ("b", "shift-g", "space").
fn printable(name: &str) -> Option<char> {
    let mut chars = name.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if !c.is_control() => return Some(c),
        _ => {}
    }
    if name == "space" {
        return Some(' ');
    }
    let rest = name.strip_prefix("shift-")?;
    let mut chars = rest.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii_alphabetic() => Some(c.to_ascii_uppercase()),
        _ => None,
    }
}

fn key_label(c: char) -> String {
    if c == ' ' {
        "Space".to_string()
    } else {
        c.to_string()
    }
}

/// Every printable binding of the pane (its own context, then the global one), in the
/// keymap's order, one hint per action.
pub fn bindings(keymap: &Keymap, pane: Pane) -> Vec<Hint> {
    let Some(ctx) = context(pane) else {
        return Vec::new();
    };
    let mut found: Vec<(Action, String)> = Vec::new();
    for c in [ctx, Context::Global] {
        let Some(list) = keymap.listing().get(&c) else {
            continue;
        };
        for (action, keys) in list {
            if found.iter().any(|(a, _)| a == action) {
                continue;
            }
            // A global letter the pane's own context rebinds is the pane's.
            let letters: Vec<String> = keys
                .iter()
                .filter_map(|k| printable(k))
                .filter(|ch| c == ctx || keymap.lookup(ctx, &key_of(*ch)).is_none())
                .map(key_label)
                .collect();
            if !letters.is_empty() {
                found.push((*action, letters.join("/")));
            }
        }
    }
    let mut out: Vec<Hint> = Vec::new();
    for (action, keys) in &found {
        if out.iter().any(|h| h.actions.contains(action)) {
            continue;
        }
        let pair = PAIRS.iter().find(|(a, b, _)| a == action || b == action);
        let other = pair.and_then(|(a, b, l)| {
            let o = if a == action { *b } else { *a };
            found.iter().find(|(x, _)| *x == o).map(|(_, k)| (o, k, *l))
        });
        out.push(match (pair, other) {
            (Some((first, ..)), Some((o, okeys, l))) => {
                let (k1, k2) = if first == action {
                    (keys, okeys)
                } else {
                    (okeys, keys)
                };
                Hint {
                    keys: format!("{k1} {k2}"),
                    label: l,
                    actions: vec![*action, o],
                }
            }
            _ => Hint {
                keys: keys.clone(),
                label: label(*action),
                actions: vec![*action],
            },
        });
    }
    // What the pane is for comes first; the motion letters follow as one item of bare keys
    // ("k j g G"): every vim user reads them, and they keep the footer short.
    // Help comes last: F1 opens it too.
    let (help, out): (Vec<Hint>, Vec<Hint>) =
        out.into_iter().partition(|h| h.actions[0] == Action::Help);
    let (motions, mut out): (Vec<Hint>, Vec<Hint>) =
        out.into_iter().partition(|h| is_motion(h.actions[0]));
    if !motions.is_empty() {
        out.push(Hint {
            keys: motions
                .iter()
                .map(|h| h.keys.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            label: "",
            actions: motions.into_iter().flat_map(|h| h.actions).collect(),
        });
    }
    out.extend(help);
    out
}

fn is_motion(a: Action) -> bool {
    matches!(
        a,
        Action::Up
            | Action::Down
            | Action::Top
            | Action::Bottom
            | Action::ScrollUp
            | Action::ScrollDown
            | Action::PageUp
            | Action::PageDown
    )
}

/// The hints that fit in a footer `width` cells wide, in order; the rest are left out
/// whole (never cut mid-word).
pub fn footer(keymap: &Keymap, pane: Pane, width: u16) -> Vec<Hint> {
    // The bottom border keeps a corner and a space at each end.
    let room = usize::from(width).saturating_sub(4);
    let mut used = 0;
    let mut out = Vec::new();
    for h in bindings(keymap, pane) {
        let sep = if out.is_empty() { 0 } else { width_of(SEP) };
        let w = width_of(&h.text()) + sep;
        if used + w > room {
            break;
        }
        used += w;
        out.push(h);
    }
    out
}

/// The footer as one line of text.
pub fn footer_text(hints: &[Hint]) -> String {
    let parts: Vec<String> = hints.iter().map(Hint::text).collect();
    parts.join(SEP)
}

/// A key with no Ctrl or Alt that types a character.
pub fn is_printable(key: &KeyEvent) -> bool {
    matches!(key.code, KeyCode::Char(_))
        && !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
}

/// Whether the pane, `width` cells wide, shows `action` in its footer.
pub fn shown(keymap: &Keymap, pane: Pane, width: u16, action: Action) -> bool {
    footer(keymap, pane, width)
        .iter()
        .any(|h| h.actions.contains(&action))
}

fn width_of(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

fn key_of(c: char) -> KeyEvent {
    let mods = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    KeyEvent::new(KeyCode::Char(c), mods)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[ignore = "prints the footers, to look at"]
    fn print_footers() {
        for (name, text) in crate::tui::config::keymap::BUILTIN_KEYMAPS {
            let km = Keymap::parse(name, text).unwrap();
            for pane in [Pane::Conversation, Pane::Graph, Pane::Trace] {
                for w in [118, 78, 58, 40, 30] {
                    println!(
                        "{} {pane:?} {w}: {}",
                        km.name,
                        footer_text(&footer(&km, pane, w))
                    );
                }
            }
        }
    }

    #[test]
    fn printable_names() {
        assert_eq!(printable("b"), Some('b'));
        assert_eq!(printable("["), Some('['));
        assert_eq!(printable("shift-g"), Some('G'));
        assert_eq!(printable("space"), Some(' '));
        assert_eq!(printable("ctrl-b"), None);
        assert_eq!(printable("enter"), None);
        assert_eq!(printable("f1"), None);
    }

    #[test]
    fn the_graph_shows_its_letters() {
        let km = Keymap::default();
        let text = footer_text(&footer(&km, Pane::Graph, 120));
        assert!(text.contains("a alias"), "{text}");
        assert!(text.contains("b bookmark"), "{text}");
        assert!(text.contains("r reload"), "{text}");
        assert!(footer(&km, Pane::Editor, 120).is_empty());
    }

    #[test]
    fn a_narrow_footer_drops_whole_items() {
        let km = Keymap::default();
        let wide = footer(&km, Pane::Conversation, 200);
        let narrow = footer(&km, Pane::Conversation, 30);
        assert!(narrow.len() < wide.len());
        let text = footer_text(&narrow);
        assert!(width_of(&text) <= 26, "{text}");
        for h in &narrow {
            assert!(text.contains(&h.text()));
        }
    }
}
