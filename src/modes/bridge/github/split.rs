//! Splitting an answer too long for one GitHub comment into several.

/// GitHub's limit on a comment body, in characters.
pub const COMMENT_LIMIT: usize = 65_536;

/// Splits `text` into parts of at most `limit` characters (not bytes), breaking at the last
/// paragraph break (blank line) that fits, else the last line break, else the last space,
/// else anywhere (a single line longer than the limit). Parts keep their text exactly: joined
/// back together they give `text`. An empty text gives no parts; a `limit` of 0 is taken as 1.
pub fn split_comment(text: &str, limit: usize) -> Vec<String> {
    let limit = limit.max(1);
    let mut parts = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        // The byte index just after `limit` characters, or the whole rest if it fits.
        let Some((hard, _)) = rest.char_indices().nth(limit) else {
            parts.push(rest.to_string());
            break;
        };
        let window = &rest[..hard];
        let cut = [("\n\n", 2), ("\n", 1), (" ", 1)]
            .iter()
            .find_map(|(sep, len)| window.rfind(sep).map(|i| i + len).filter(|&i| i > 0))
            .unwrap_or(hard);
        parts.push(rest[..cut].to_string());
        rest = &rest[cut..];
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> usize {
        s.chars().count()
    }

    #[test]
    fn short_text_is_one_part_and_empty_is_none() {
        assert_eq!(split_comment("hello", 10), vec!["hello"]);
        assert_eq!(split_comment("exactly10!", 10), vec!["exactly10!"]);
        assert!(split_comment("", 10).is_empty());
    }

    #[test]
    fn prefers_paragraph_then_line_boundaries() {
        let text = "first para\nline two\n\nsecond para here";
        let parts = split_comment(text, 25);
        assert_eq!(parts, vec!["first para\nline two\n\n", "second para here"]);
        let parts = split_comment("aaaa\nbbbb\ncccc", 12);
        assert_eq!(parts, vec!["aaaa\nbbbb\n", "cccc"]);
    }

    #[test]
    fn a_line_longer_than_the_limit_is_cut_hard() {
        let line = "x".repeat(25);
        let parts = split_comment(&line, 10);
        assert_eq!(parts, vec!["x".repeat(10), "x".repeat(10), "x".repeat(5)]);
    }

    #[test]
    fn counts_characters_not_bytes() {
        // 4-byte and 3-byte characters: never split inside one, never over the limit.
        let text = "🦀é漢".repeat(50);
        let parts = split_comment(&text, 7);
        assert!(parts.iter().all(|p| chars(p) <= 7), "{parts:?}");
        assert_eq!(parts.concat(), text);
        assert_eq!(chars(&parts[0]), 7);
    }

    #[test]
    fn real_limit_on_a_long_answer() {
        let para = format!("{}\n\n", "word ".repeat(2000));
        let text = para.repeat(20); // about 200,000 characters
        let parts = split_comment(&text, COMMENT_LIMIT);
        assert!(parts.len() >= 4);
        assert!(parts.iter().all(|p| chars(p) <= COMMENT_LIMIT));
        assert!(parts[..parts.len() - 1].iter().all(|p| p.ends_with("\n\n")));
        assert_eq!(parts.concat(), text);
    }
}
