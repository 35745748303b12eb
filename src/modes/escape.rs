//! Text from the model or a tool never drives the user's terminal: in the headless modes'
//! text output, control characters (ESC of an OSC 52 clipboard write, a screen clear, a title
//! change; C1 controls; a lone carriage return) are shown escaped, e.g. `\e]52;c;…`. Line
//! breaks and tabs stay. JSON output is unaffected (serde escapes controls itself).

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with every control character but `\n` and `\t` (and `\r` before `\n`) written as a
/// visible escape.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    let needs = text
        .chars()
        .any(|c| is_control(c) && c != '\n' && c != '\t' && c != '\r')
        || lone_cr(text);
    if !needs {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\t' => out.push(c),
            '\r' if chars.peek() == Some(&'\n') => out.push(c),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            c if is_control(c) => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn is_control(c: char) -> bool {
    c.is_control()
}

fn lone_cr(text: &str) -> bool {
    let b = text.as_bytes();
    b.iter()
        .enumerate()
        .any(|(i, &c)| c == b'\r' && b.get(i + 1) != Some(&b'\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_controls_are_shown_not_sent() {
        assert!(matches!(
            escape_controls("plain\ttext\r\nok\n"),
            Cow::Borrowed(_)
        ));
        assert_eq!(
            escape_controls("copy \u{1b}]52;c;aGk=\u{7} done"),
            "copy \\e]52;c;aGk=\\a done"
        );
        assert_eq!(
            escape_controls("\u{1b}[2J\u{1b}]0;title\u{1b}\\"),
            "\\e[2J\\e]0;title\\e\\"
        );
        assert_eq!(escape_controls("over\rwrite"), "over\\rwrite");
        assert_eq!(
            escape_controls("c1 \u{9b}31m del\u{7f}"),
            "c1 \\x9b31m del\\x7f"
        );
        assert_eq!(escape_controls("nul\0"), "nul\\x00");
        assert_eq!(escape_controls("é ✓ 日本"), "é ✓ 日本");
    }
}
