//! Command scripts (`--command-file`, macros): one command a line, blank lines and `#`
//! comments skipped. A line that is not a slash command is a prompt to the agent.

use super::error::CommandError;
use super::parse::{is_command, parse};

/// The lines to run: (1-based line number, trimmed text).
pub fn script_lines(text: &str) -> Vec<(usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// Checks every slash command of a script without running anything; the errors name the
/// line (`label:line: ...`).
pub fn check_script(label: &str, text: &str) -> Result<(), CommandError> {
    for (n, line) in script_lines(text) {
        if is_command(line) {
            parse(line).map_err(|e| CommandError::failed(format!("{label}:{n}: {e}")))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_blanks_and_comments_and_keeps_line_numbers() {
        let text = "# setup\n\n/session\n   \nwhat changed?\n  # indented comment\n/resume\n";
        assert_eq!(
            script_lines(text),
            [(3, "/session"), (5, "what changed?"), (7, "/resume")]
        );
    }

    #[test]
    fn checking_names_the_bad_line() {
        let e = check_script("m.txt", "/session\n/sesion\n").unwrap_err();
        assert!(e.to_string().starts_with("m.txt:2: unknown command"), "{e}");
        assert!(check_script("m.txt", "/session\nhello\n").is_ok());
    }
}
