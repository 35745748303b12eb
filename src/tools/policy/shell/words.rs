//! Words: quote removal and the expansions known before the line runs.

use brush_parser::word::{self, ParameterExpr, TildeExpr, WordPiece, WordPieceWithSource};

use super::walk::{Scope, Walker};
use super::{Arg, ParseFailure};

/// Resolves one word of the line. Substitutions inside it are walked as commands of their own.
pub(super) fn resolve(
    raw: &str,
    scope: &Scope,
    walker: &mut Walker,
    depth: usize,
) -> Result<Arg, ParseFailure> {
    if is_plain(raw) {
        return Ok(Arg::literal(raw));
    }
    let pieces = match word::parse(raw, &walker.options) {
        Ok(p) => p,
        Err(e) => return Err(ParseFailure(format!("cannot read the word `{raw}`: {e}"))),
    };
    let mut arg = Arg::literal("");
    pieces_into(&pieces, false, scope, walker, depth, &mut arg)?;
    if arg.known {
        arg.prefix = arg.text.clone();
    }
    Ok(arg)
}

/// A word with nothing for the shell to remove or expand (no quote, escape, `$`, backtick,
/// glob, brace or leading `~`): it stands for itself, and most words of a line are like this.
fn is_plain(raw: &str) -> bool {
    !raw.is_empty()
        && raw.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'_' | b'-' | b'.' | b'/' | b',' | b':' | b'+' | b'=' | b'@' | b'%'
                )
        })
}

/// Resolves a here-document body for the substitutions it runs; returns its text when known.
pub(super) fn heredoc(
    body: &str,
    expand: bool,
    scope: &Scope,
    walker: &mut Walker,
    depth: usize,
) -> Result<Option<String>, ParseFailure> {
    if !expand {
        return Ok(Some(body.to_string()));
    }
    let pieces = match word::parse_heredoc(body, &walker.options) {
        Ok(p) => p,
        Err(e) => return Err(ParseFailure(format!("cannot read a here-document: {e}"))),
    };
    let mut arg = Arg::literal("");
    pieces_into(&pieces, true, scope, walker, depth, &mut arg)?;
    Ok(arg.known.then_some(arg.text))
}

fn unknown(arg: &mut Arg) {
    if arg.known {
        arg.prefix = arg.text.clone();
        arg.known = false;
    }
}

fn push(arg: &mut Arg, s: &str) {
    arg.text.push_str(s);
    if arg.known {
        arg.prefix.push_str(s);
    }
}

fn pieces_into(
    pieces: &[WordPieceWithSource],
    quoted: bool,
    scope: &Scope,
    walker: &mut Walker,
    depth: usize,
    arg: &mut Arg,
) -> Result<(), ParseFailure> {
    for (i, p) in pieces.iter().enumerate() {
        match &p.piece {
            WordPiece::Text(s) => {
                if !quoted && has_expansion_chars(s) {
                    arg.expands = true;
                }
                push(arg, s);
            }
            WordPiece::SingleQuotedText(s) => push(arg, s),
            WordPiece::AnsiCQuotedText(s) => match ansi_c(s) {
                Some(text) => push(arg, &text),
                None => unknown(arg),
            },
            WordPiece::DoubleQuotedSequence(inner)
            | WordPiece::GettextDoubleQuotedSequence(inner) => {
                pieces_into(inner, true, scope, walker, depth, arg)?;
            }
            WordPiece::TildeExpansion(t) => match (t, &scope.home) {
                (TildeExpr::Home, Some(home)) if i == 0 => push(arg, home),
                _ => unknown(arg),
            },
            WordPiece::ParameterExpansion(expr) => {
                parameter(expr, quoted, scope, walker, depth, arg)?
            }
            WordPiece::CommandSubstitution(s) | WordPiece::BackquotedCommandSubstitution(s) => {
                let names = walker.substitution(s, scope, depth + 1)?;
                arg.from.extend(names);
                unknown(arg);
            }
            WordPiece::EscapeSequence(s) => {
                let c = s.strip_prefix('\\').unwrap_or(s);
                if c != "\n" {
                    push(arg, c);
                }
            }
            WordPiece::ArithmeticExpression(e) => {
                // `$(( $(cmd) ))` runs `cmd`.
                scan(&e.value, scope, walker, depth)?;
                unknown(arg);
            }
        }
    }
    Ok(())
}

fn parameter(
    expr: &ParameterExpr,
    quoted: bool,
    scope: &Scope,
    walker: &mut Walker,
    depth: usize,
    arg: &mut Arg,
) -> Result<(), ParseFailure> {
    use brush_parser::word::Parameter;
    if let ParameterExpr::Parameter {
        parameter: Parameter::Named(name),
        indirect: false,
    } = expr
        && let Some(value) = scope.var(name)
    {
        // An unquoted value with spaces splits into several words: not one known word.
        if !quoted && value.chars().any(char::is_whitespace) {
            arg.expands = true;
        }
        if !quoted && has_expansion_chars(value) {
            arg.expands = true;
        }
        push(arg, value);
        return Ok(());
    }
    // Words nested in the expansion (`${X:-$(cmd)}`) still run.
    let nested = match expr {
        ParameterExpr::UseDefaultValues { default_value, .. }
        | ParameterExpr::AssignDefaultValues { default_value, .. } => default_value.as_deref(),
        ParameterExpr::UseAlternativeValue {
            alternative_value, ..
        } => alternative_value.as_deref(),
        ParameterExpr::IndicateErrorIfNullOrUnset { error_message, .. } => error_message.as_deref(),
        ParameterExpr::ReplaceSubstring { replacement, .. } => replacement.as_deref(),
        _ => None,
    };
    if let Some(text) = nested {
        let inner = resolve(text, scope, walker, depth + 1)?;
        arg.from.extend(inner.from);
    }
    unknown(arg);
    Ok(())
}

/// Walks the substitutions inside text that is not itself a word (arithmetic).
fn scan(text: &str, scope: &Scope, walker: &mut Walker, depth: usize) -> Result<(), ParseFailure> {
    if text.contains('$') || text.contains('`') {
        resolve(text, scope, walker, depth + 1)?;
    }
    Ok(())
}

/// Unquoted characters that make the shell produce other words: globs and braces.
fn has_expansion_chars(s: &str) -> bool {
    s.contains(['*', '?'])
        || s.find('[').is_some_and(|i| s[i + 1..].contains(']'))
        || (s.contains('{') && s.contains('}') && (s.contains(',') || s.contains("..")))
}

/// Decodes the inside of `$'...'`. `None` for escapes that cannot be known exactly.
pub(super) fn ansi_c(s: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let e = chars.next()?;
        let simple = match e {
            'a' => Some('\u{7}'),
            'b' => Some('\u{8}'),
            'e' | 'E' => Some('\u{1b}'),
            'f' => Some('\u{c}'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\u{b}'),
            '\\' | '\'' | '"' | '?' => Some(e),
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            continue;
        }
        let (radix, max) = match e {
            'x' => (16, 2),
            'u' => (16, 4),
            'U' => (16, 8),
            '0'..='7' => (8, 2),
            _ => return None,
        };
        let mut digits = String::new();
        if radix == 8 {
            digits.push(e);
        }
        while digits.len() < max + usize::from(radix == 8)
            && let Some(&d) = chars.peek()
            && d.is_digit(radix)
        {
            digits.push(d);
            chars.next();
        }
        let code = u32::from_str_radix(&digits, radix).ok()?;
        out.push(char::from_u32(code)?);
    }
    Some(out)
}
