//! `--os-sandbox-command`: another sandbox's launcher as a template with `{shell}`,
//! `{command}` and `{cwd}`. The template is split like a shell line once, and each word gets
//! its placeholders filled in: the command is never pasted into a string a shell parses again.

use std::path::Path;

/// Why a template cannot launch anything.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LauncherError {
    #[error(
        "the --os-sandbox-command template {0:?} has an unclosed quote; fix its quoting or pass --os-sandbox-mode off"
    )]
    Unquoted(String),
    #[error(
        "the --os-sandbox-command template {0:?} has no {{command}}; it must say where the command goes"
    )]
    NoCommand(String),
}

/// The argument vector (program first) that runs `command` through `template`.
pub fn launcher_argv(
    template: &str,
    shell: &str,
    command: &str,
    cwd: &Path,
) -> Result<Vec<String>, LauncherError> {
    let words =
        shell_words::split(template).map_err(|_| LauncherError::Unquoted(template.to_string()))?;
    if !words.iter().any(|w| w.contains("{command}")) {
        return Err(LauncherError::NoCommand(template.to_string()));
    }
    let cwd = cwd.to_string_lossy();
    let values = [("{shell}", shell), ("{command}", command), ("{cwd}", &*cwd)];
    Ok(words.iter().map(|w| fill(w, &values)).collect())
}

/// `word` with each placeholder replaced, in one left-to-right pass: text that came from a
/// value (a command that itself says `{cwd}`) is never looked at again.
fn fill(word: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(word.len());
    let mut rest = word;
    'scan: while !rest.is_empty() {
        for (key, value) in values {
            if let Some(after) = rest.strip_prefix(key) {
                out.push_str(value);
                rest = after;
                continue 'scan;
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(template: &str, command: &str) -> Vec<String> {
        launcher_argv(template, "bash", command, Path::new("/w d")).unwrap()
    }

    #[test]
    fn words_are_split_like_a_shell_line_and_filled_one_by_one() {
        assert_eq!(
            argv("firejail --quiet {shell} -c {command}", "echo 'a b'; ls"),
            ["firejail", "--quiet", "bash", "-c", "echo 'a b'; ls"]
        );
        assert_eq!(
            argv("sb --dir={cwd} -- '{shell} -c' {command}", "x"),
            ["sb", "--dir=/w d", "--", "bash -c", "x"]
        );
    }

    #[test]
    fn a_value_is_never_substituted_again() {
        assert_eq!(
            argv("run {command} {cwd}", "echo {cwd} {shell} $(id)"),
            ["run", "echo {cwd} {shell} $(id)", "/w d"]
        );
    }

    #[test]
    fn bad_templates_say_what_to_fix() {
        let e = launcher_argv("sb 'open", "bash", "x", Path::new("/")).unwrap_err();
        assert!(e.to_string().contains("unclosed quote"), "{e}");
        let e = launcher_argv("sb {shell}", "bash", "x", Path::new("/")).unwrap_err();
        assert!(e.to_string().contains("no {command}"), "{e}");
    }
}
