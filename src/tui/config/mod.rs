//! Where themes and keymaps come from: a built-in name, a file of that name in the user's
//! config directory (`<config>/pi/themes/NAME.toml`, `<config>/pi/keymaps/NAME.toml`), or a
//! path. Parse errors name the line so the user can fix the file.

#[cfg(test)]
mod contrast;
pub mod keymap;
pub mod theme;
pub(crate) mod watch;

use std::path::{Path, PathBuf};

/// A problem in a theme or keymap file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ConfigError {
    pub line: usize,
    pub message: String,
}

impl ConfigError {
    pub fn from_toml(text: &str, e: &toml::de::Error) -> ConfigError {
        let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
        ConfigError {
            line,
            message: e.message().trim().to_string(),
        }
    }
}

/// The 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Which kind of data file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigKind {
    Theme,
    Keymap,
}

impl ConfigKind {
    pub fn dir_name(self) -> &'static str {
        match self {
            ConfigKind::Theme => "themes",
            ConfigKind::Keymap => "keymaps",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ConfigKind::Theme => "theme",
            ConfigKind::Keymap => "keymap",
        }
    }

    fn builtin(self, name: &str) -> Option<&'static str> {
        let list: &[(&str, &str)] = match self {
            ConfigKind::Theme => &crate::tui::config::theme::BUILTIN_THEMES,
            ConfigKind::Keymap => &crate::tui::config::keymap::BUILTIN_KEYMAPS,
        };
        list.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }

    fn builtin_names(self) -> Vec<&'static str> {
        let list: &[(&str, &str)] = match self {
            ConfigKind::Theme => &crate::tui::config::theme::BUILTIN_THEMES,
            ConfigKind::Keymap => &crate::tui::config::keymap::BUILTIN_KEYMAPS,
        };
        list.iter().map(|(n, _)| *n).collect()
    }
}

/// A theme or keymap as found: its text and the file it came from (none when built in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigSource {
    pub kind: ConfigKind,
    pub name: String,
    pub text: String,
    pub path: Option<PathBuf>,
}

/// The user's config directory for pi (`~/.config/pi` on Linux and macOS).
pub fn user_config_dir() -> Option<PathBuf> {
    use etcetera::BaseStrategy;
    if let Some(dir) = std::env::var_os("PI_CONFIG_DIR") {
        return Some(PathBuf::from(dir));
    }
    etcetera::choose_base_strategy()
        .ok()
        .map(|s| s.config_dir().join("pi"))
}

/// Finds `spec` (a name or a path) for `kind`: a path if it names a file, else the user's
/// file of that name, else the built-in one.
pub fn locate(
    kind: ConfigKind,
    spec: &str,
    user_dir: Option<&Path>,
) -> Result<ConfigSource, String> {
    let as_path = Path::new(spec);
    let looks_like_path = spec.contains('/') || spec.contains('\\') || spec.ends_with(".toml");
    if looks_like_path {
        let text = std::fs::read_to_string(as_path)
            .map_err(|e| format!("cannot read {} file {spec}: {e}", kind.label()))?;
        let name = as_path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| spec.to_string());
        return Ok(ConfigSource {
            kind,
            name,
            text,
            path: Some(as_path.to_path_buf()),
        });
    }
    if let Some(dir) = user_dir {
        let file = dir.join(kind.dir_name()).join(format!("{spec}.toml"));
        if let Ok(text) = std::fs::read_to_string(&file) {
            return Ok(ConfigSource {
                kind,
                name: spec.to_string(),
                text,
                path: Some(file),
            });
        }
    }
    match kind.builtin(spec) {
        Some(text) => Ok(ConfigSource {
            kind,
            name: spec.to_string(),
            text: text.to_string(),
            path: None,
        }),
        None => Err(format!(
            "unknown {} '{spec}'; built in: {}, or pass a path to a .toml file",
            kind.label(),
            kind.builtin_names().join(", ")
        )),
    }
}

/// The built-in text of `name` (used when a keymap extends another).
pub fn builtin_text(kind: ConfigKind, name: &str) -> Option<&'static str> {
    kind.builtin(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_prefers_user_files_then_builtins() {
        let dir = tempfile::tempdir().unwrap();
        let src = locate(ConfigKind::Theme, "dark", Some(dir.path())).unwrap();
        assert!(src.path.is_none());
        std::fs::create_dir_all(dir.path().join("themes")).unwrap();
        std::fs::write(dir.path().join("themes/dark.toml"), "name = \"mine\"\n").unwrap();
        let src = locate(ConfigKind::Theme, "dark", Some(dir.path())).unwrap();
        assert!(src.text.contains("mine"));
        let err = locate(ConfigKind::Keymap, "nope", None).unwrap_err();
        assert!(err.contains("default, vim, emacs"), "{err}");
    }

    #[test]
    fn line_numbers_are_one_based() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 99), 3);
    }
}
