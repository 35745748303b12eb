//! Key bindings as data: `keymaps/*.toml` maps keys to named actions per context. The update
//! function only ever sees actions; the help overlay lists the bindings of the keymap in use.

use std::collections::{BTreeMap, HashMap};

use crokey::KeyCombination;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use toml::Spanned;

use crate::tui::config::{ConfigError, ConfigKind, builtin_text, line_of};

/// The embedded keymaps: (name, file text).
pub const BUILTIN_KEYMAPS: [(&str, &str); 3] = [
    ("default", include_str!("../../../keymaps/default.toml")),
    ("vim", include_str!("../../../keymaps/vim.toml")),
    ("emacs", include_str!("../../../keymaps/emacs.toml")),
];

/// Where a key is pressed; bindings are looked up from the most specific context outwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Global,
    Conversation,
    Editor,
    Completion,
    Graph,
    Trace,
    Skills,
    List,
}

impl Context {
    pub const ALL: [Context; 8] = [
        Context::Global,
        Context::Conversation,
        Context::Editor,
        Context::Completion,
        Context::Graph,
        Context::Trace,
        Context::Skills,
        Context::List,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Conversation => "conversation",
            Context::Editor => "editor",
            Context::Completion => "completion",
            Context::Graph => "graph",
            Context::Trace => "trace",
            Context::Skills => "skills",
            Context::List => "list",
        }
    }

    fn parse(name: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.name() == name)
    }
}

macro_rules! actions {
    ($($variant:ident => $name:literal, $title:literal, $help:literal;)*) => {
        /// Everything a key can do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $($variant,)* }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => $name,)* }
            }

            /// The human name, for the palette and pane footers ("Focus next pane").
            pub fn title(self) -> &'static str {
                match self { $(Action::$variant => $title,)* }
            }

            pub fn help(self) -> &'static str {
                match self { $(Action::$variant => $help,)* }
            }

            pub fn parse(name: &str) -> Option<Action> {
                match name { $($name => Some(Action::$variant),)* _ => None }
            }
        }
    };
}

actions! {
    Quit => "quit", "Quit", "quit pi (its key only on an empty prompt)";
    Interrupt => "interrupt", "Cancel the turn", "cancel the running turn; twice on an empty editor quits";
    Suspend => "suspend", "Suspend", "suspend pi (resume with fg)";
    FocusNext => "focus_next", "Focus next pane", "focus the next pane";
    FocusPrev => "focus_prev", "Focus previous pane", "focus the previous pane";
    FocusConversation => "focus_conversation", "Focus conversation", "focus the conversation";
    FocusEditor => "focus_editor", "Focus prompt", "focus the editor";
    FocusGraph => "focus_graph", "Focus branches", "focus the session branch graph";
    FocusTrace => "focus_trace", "Focus tools", "focus the tool trace";
    FocusSkills => "focus_skills", "Focus skills", "focus the skill browser";
    InstallSkill => "install_skill", "Install skill from registry", "pick a skill of the registry (--skill-registry-url) to install";
    Zoom => "zoom", "Zoom pane", "zoom the focused pane (again to restore)";
    SplitGrow => "split_grow", "Grow split", "widen the conversation column";
    SplitShrink => "split_shrink", "Shrink split", "narrow the conversation column";
    Help => "help", "Help", "show this help";
    Palette => "palette", "Command palette", "open the command palette";
    ModelPicker => "model_picker", "Pick model", "pick a model";
    ToggleMouse => "toggle_mouse", "Toggle mouse capture", "switch mouse capture (off: the terminal selects text)";
    CopyLastAnswer => "copy_last_answer", "Copy last answer", "copy the last answer to the clipboard (OSC 52)";
    SelectPrev => "select_prev", "Select previous message", "select the message above (to copy it)";
    SelectNext => "select_next", "Select next message", "select the message below (to copy it)";
    CopySelected => "copy_selected", "Copy selected message", "copy the selected message to the clipboard (OSC 52)";
    ToggleThinking => "toggle_thinking", "Toggle thinking", "expand or collapse thinking: the selected block, else all";
    ToggleSelectedThinking => "toggle_selected_thinking", "Toggle selected thinking", "expand or collapse the selected thinking block";
    PageUp => "page_up", "Page up", "scroll the conversation up a page";
    PageDown => "page_down", "Page down", "scroll the conversation down a page";
    ScrollUp => "scroll_up", "Scroll up", "scroll up a line";
    ScrollDown => "scroll_down", "Scroll down", "scroll down a line";
    Top => "top", "Top", "go to the top";
    Bottom => "bottom", "Bottom", "go to the bottom (and follow)";
    Submit => "submit", "Send prompt", "send the prompt (queued while a turn runs)";
    Newline => "newline", "New line", "insert a newline";
    HistoryPrev => "history_prev", "Previous prompt", "previous prompt (at the first line)";
    HistoryNext => "history_next", "Next prompt", "next prompt (at the last line)";
    ExternalEditor => "external_editor", "Edit in $EDITOR", "edit the prompt in $VISUAL / $EDITOR";
    Clear => "clear", "Clear prompt", "clear the editor";
    CompleteNext => "complete_next", "Next completion", "next completion";
    CompletePrev => "complete_prev", "Previous completion", "previous completion";
    CompleteAccept => "complete_accept", "Accept completion", "accept the completion";
    CompleteOrSubmit => "complete_or_submit", "Accept or send", "send if the word is already whole, else accept the completion";
    CompleteCancel => "complete_cancel", "Close completion", "close the completion list";
    Up => "up", "Up", "move up";
    Down => "down", "Down", "move down";
    Select => "select", "Open", "select / open / toggle";
    Close => "close", "Close", "close";
    SetAlias => "set_alias", "Alias", "name the branch at the cursor (alias)";
    SetBookmark => "set_bookmark", "Bookmark", "bookmark the entry at the cursor";
    Refresh => "refresh", "Reload", "reload";
}

/// A loaded keymap.
#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    pub name: String,
    /// The prompt has vim's insert and normal modes (`modal = true`, as in the vim keymap).
    pub modal: bool,
    bindings: HashMap<(Context, KeyCombination), Action>,
    /// For the help overlay: per context, each action and its keys in file order.
    listing: BTreeMap<Context, Vec<(Action, Vec<String>)>>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap::parse("default", BUILTIN_KEYMAPS[0].1).unwrap_or_else(|_| Keymap::empty("none"))
    }
}

type Section = BTreeMap<String, Spanned<Vec<String>>>;
type Sections = Vec<(String, Section)>;

/// The file's shape: one table per context (no flattening, so spans survive).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeymapFile {
    extends: Option<Spanned<String>>,
    modal: Option<bool>,
    global: Option<Section>,
    conversation: Option<Section>,
    editor: Option<Section>,
    completion: Option<Section>,
    graph: Option<Section>,
    trace: Option<Section>,
    skills: Option<Section>,
    list: Option<Section>,
}

impl KeymapFile {
    fn sections(self) -> Sections {
        [
            ("global", self.global),
            ("conversation", self.conversation),
            ("editor", self.editor),
            ("completion", self.completion),
            ("graph", self.graph),
            ("trace", self.trace),
            ("skills", self.skills),
            ("list", self.list),
        ]
        .into_iter()
        .filter_map(|(n, s)| Some((n.to_string(), s?)))
        .collect()
    }
}

impl Keymap {
    fn empty(name: &str) -> Keymap {
        Keymap {
            name: name.to_string(),
            modal: false,
            bindings: HashMap::new(),
            listing: BTreeMap::new(),
        }
    }

    /// Parses a keymap file (and the built-in keymap it `extends`).
    pub fn parse(name: &str, text: &str) -> Result<Keymap, ConfigError> {
        let file: KeymapFile =
            toml::from_str(text).map_err(|e| ConfigError::from_toml(text, &e))?;
        let mut map = match &file.extends {
            Some(base) => {
                let line = line_of(text, base.span().start);
                let base_name = base.get_ref();
                let base_text = builtin_text(ConfigKind::Keymap, base_name).ok_or(ConfigError {
                    line,
                    message: format!("cannot extend '{base_name}': not a built-in keymap"),
                })?;
                let mut m = Keymap::parse(base_name, base_text).map_err(|e| ConfigError {
                    line,
                    message: format!("in '{base_name}': {e}"),
                })?;
                m.name = name.to_string();
                m
            }
            None => Keymap::empty(name),
        };
        if let Some(modal) = file.modal {
            map.modal = modal;
        }
        map.apply(text, file.sections())?;
        Ok(map)
    }

    fn apply(&mut self, text: &str, sections: Sections) -> Result<(), ConfigError> {
        for (section, entries) in sections {
            let first_line = entries
                .values()
                .next()
                .map(|v| line_of(text, v.span().start))
                .unwrap_or(1);
            let ctx = Context::parse(&section).ok_or_else(|| ConfigError {
                line: first_line.saturating_sub(1).max(1),
                message: format!(
                    "unknown context [{section}]; use one of: {}",
                    Context::ALL.map(Context::name).join(", ")
                ),
            })?;
            for (action_name, keys) in entries {
                let line = line_of(text, keys.span().start);
                let action = Action::parse(&action_name).ok_or_else(|| ConfigError {
                    line,
                    message: format!("unknown action '{action_name}' (see the help overlay, F1)"),
                })?;
                // An action named again replaces its earlier keys in this context.
                self.bindings
                    .retain(|(c, _), a| !(*c == ctx && *a == action));
                let list = self.listing.entry(ctx).or_default();
                list.retain(|(a, _)| *a != action);
                let mut shown = Vec::new();
                for key in keys.into_inner() {
                    let combo = crokey::parse(&key).map_err(|_| ConfigError {
                        line,
                        message: format!(
                            "'{key}' is not a key; write keys like \"ctrl-c\", \"alt-enter\", \"f1\", \"x\""
                        ),
                    })?;
                    self.bindings.insert((ctx, normalize(combo)), action);
                    shown.push(key);
                }
                list.push((action, shown));
                list.sort_by_key(|(a, _)| *a);
            }
        }
        Ok(())
    }

    /// The action bound to `key` in `ctx` itself (not falling back to other contexts).
    pub fn lookup(&self, ctx: Context, key: &KeyEvent) -> Option<Action> {
        let combo = normalize(KeyCombination::from(*key));
        self.bindings.get(&(ctx, combo)).copied()
    }

    /// The first action bound to `key` in `contexts`, in order. Where `typing` is set, plain
    /// characters never reach the global context (they are text).
    pub fn resolve(&self, contexts: &[Context], key: &KeyEvent, typing: bool) -> Option<Action> {
        let plain_char = matches!(key.code, KeyCode::Char(_))
            && !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        contexts
            .iter()
            .filter(|c| !(typing && plain_char && **c == Context::Global))
            .find_map(|c| self.lookup(*c, key))
    }

    /// Per context, each action with its keys, for the help overlay.
    pub fn listing(&self) -> &BTreeMap<Context, Vec<(Action, Vec<String>)>> {
        &self.listing
    }

    /// The keys of `action` in `ctx`, joined for display ("ctrl-c / f1").
    pub fn keys_for(&self, ctx: Context, action: Action) -> Option<String> {
        self.listing
            .get(&ctx)?
            .iter()
            .find(|(a, _)| *a == action)
            .map(|(_, keys)| keys.join(" / "))
    }
}

/// Shift+Tab arrives as BackTab with SHIFT; bindings say "backtab".
fn normalize(mut combo: KeyCombination) -> KeyCombination {
    if combo.codes.first() == &KeyCode::BackTab {
        combo.modifiers.remove(KeyModifiers::SHIFT);
    }
    combo
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn builtin_keymaps_parse() {
        for (name, text) in BUILTIN_KEYMAPS {
            let k = Keymap::parse(name, text).unwrap();
            assert_eq!(k.name, name);
            assert_eq!(
                k.lookup(
                    Context::Global,
                    &key(KeyCode::Char('c'), KeyModifiers::CONTROL)
                ),
                Some(Action::Interrupt)
            );
        }
    }

    #[test]
    fn emacs_ctrl_x_does_not_quit() {
        // Ctrl+X starts emacs chords: one stray press must not end the session.
        let text = BUILTIN_KEYMAPS
            .iter()
            .find(|(n, _)| *n == "emacs")
            .unwrap()
            .1;
        let k = Keymap::parse("emacs", text).unwrap();
        let ctrl = |c| key(KeyCode::Char(c), KeyModifiers::CONTROL);
        assert_eq!(k.lookup(Context::Global, &ctrl('x')), None);
        assert_eq!(k.lookup(Context::Global, &ctrl('d')), Some(Action::Quit));
    }

    #[test]
    fn backtab_and_shift_letters() {
        let k = Keymap::default();
        assert_eq!(
            k.lookup(Context::Global, &key(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::FocusPrev)
        );
        assert_eq!(
            k.lookup(
                Context::Conversation,
                &key(KeyCode::Char('G'), KeyModifiers::SHIFT)
            ),
            Some(Action::Bottom)
        );
    }

    #[test]
    fn typing_skips_global_plain_chars() {
        let k = Keymap::parse("vim", BUILTIN_KEYMAPS[1].1).unwrap();
        let i = key(KeyCode::Char('i'), KeyModifiers::NONE);
        assert_eq!(
            k.resolve(&[Context::Editor, Context::Global], &i, true),
            None
        );
        assert_eq!(
            k.resolve(&[Context::Conversation, Context::Global], &i, false),
            Some(Action::FocusEditor)
        );
    }

    #[test]
    fn only_the_vim_keymap_is_modal_and_extending_keeps_it() {
        for (name, text) in BUILTIN_KEYMAPS {
            assert_eq!(Keymap::parse(name, text).unwrap().modal, name == "vim");
        }
        let k = Keymap::parse("mine", "extends = \"vim\"\n").unwrap();
        assert!(k.modal);
        let k = Keymap::parse("mine", "extends = \"vim\"\nmodal = false\n").unwrap();
        assert!(!k.modal);
    }

    #[test]
    fn errors_name_the_line() {
        let e = Keymap::parse("x", "[global]\nquit = [\"ctrl-d\"]\nnope = [\"x\"]\n").unwrap_err();
        assert_eq!(e.line, 3);
        let e = Keymap::parse("x", "[global]\nquit = [\"ctrl-ctrl-\"]\n").unwrap_err();
        assert_eq!(e.line, 2);
        let e = Keymap::parse("x", "[nowhere]\nquit = [\"q\"]\n").unwrap_err();
        assert_eq!(e.line, 1);
    }

    #[test]
    fn extends_overrides_one_action() {
        let k = Keymap::parse(
            "mine",
            "extends = \"default\"\n[global]\nquit = [\"ctrl-q\"]\n",
        )
        .unwrap();
        let ctrl = |c| key(KeyCode::Char(c), KeyModifiers::CONTROL);
        assert_eq!(k.lookup(Context::Global, &ctrl('q')), Some(Action::Quit));
        assert_eq!(k.lookup(Context::Global, &ctrl('d')), None);
        assert_eq!(k.lookup(Context::Global, &ctrl('p')), Some(Action::Palette));
    }
}
