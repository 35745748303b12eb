//! One skill package: a single `NAME.md` file, or a directory `NAME/SKILL.md` with any files
//! beside it (the Agent Skills shape that Claude Code, Codex and the TypeScript pi read).
//!
//! A skill may start with YAML front matter between two `---` lines: `name`, `description`,
//! optional `version` and `license`; other keys (`allowed-tools`, `metadata`, ...) are allowed
//! and ignored. Without front matter the name is the file's (or directory's) and the
//! description is the first line of text.
//!
//! Names: the Agent Skills specification says a `SKILL.md`'s `name` must equal its
//! directory's name, and the tools that read the format (the TypeScript pi among them) warn on
//! a mismatch but load the skill under its front matter name. We do the same: the front matter
//! `name` wins and discovery reports the mismatch as a warning (`discover`), so a skill is
//! always selected (`--skill NAME`) by the name its author gave it.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The largest skill file read (front matter and body): a skill goes whole into the system
/// prompt when active, so anything bigger is a mistake, not a skill.
pub const MAX_SKILL_BYTES: usize = 1 << 20;

/// The most characters of a description kept (the Agent Skills limit).
pub const MAX_DESCRIPTION_CHARS: usize = 1024;

/// The file a directory skill keeps its text in.
pub const SKILL_FILE: &str = "SKILL.md";

/// Which shape a skill has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkillKind {
    /// A single `NAME.md` file.
    File,
    /// A directory `NAME/` holding `SKILL.md` and any files beside it.
    Dir,
}

/// A parsed skill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skill {
    /// The front matter's `name`, else the file name without `.md` (or the directory's name).
    pub name: String,
    /// The front matter's `description`, else the first line of text of the body (one line).
    pub description: String,
    pub version: Option<String>,
    pub license: Option<String>,
    /// The markdown file: `NAME.md`, or `NAME/SKILL.md`.
    pub path: PathBuf,
    /// The markdown after the front matter.
    pub body: String,
    pub kind: SkillKind,
}

impl Skill {
    /// The name the file or directory gives the skill (what the name falls back to).
    pub fn file_name(&self) -> Option<String> {
        let named = match self.kind {
            SkillKind::File => self.path.file_stem(),
            SkillKind::Dir => self.path.parent().and_then(Path::file_name),
        };
        named.map(|s| s.to_string_lossy().into_owned())
    }
}

/// A skill that cannot be read: the file, the line in that file (when known) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {reason}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct SkillError {
    pub path: PathBuf,
    /// 1-based line in the file.
    pub line: Option<usize>,
    pub reason: String,
}

/// The front matter keys pi reads; every other key is ignored.
#[derive(Debug, Default, Deserialize)]
struct FrontMatter {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    /// Plain scalars are read as text: `version: 1.0` stays `1.0`.
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    license: Option<String>,
}

/// Reads and parses the skill at `path` (a `NAME.md`, or a directory's `SKILL.md`), whose name
/// without front matter is `fallback_name`.
pub fn read(path: &Path, fallback_name: &str) -> Result<Skill, SkillError> {
    read_if_present(path, fallback_name)?.ok_or_else(|| SkillError {
        path: path.to_path_buf(),
        line: None,
        reason: "cannot read it: the file does not exist".to_string(),
    })
}

/// [`read`], with `None` when there is no file at `path` (a directory without `SKILL.md`).
/// One open and one read: discovery calls it for every skill.
pub fn read_if_present(path: &Path, fallback_name: &str) -> Result<Option<Skill>, SkillError> {
    use std::io::Read;
    let fail = |reason: String| SkillError {
        path: path.to_path_buf(),
        line: None,
        reason,
    };
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(fail(format!("cannot read it: {e}"))),
    };
    // The size from the open file sizes the buffer: one read for the text, one for the end.
    let size = file.metadata().map_or(0, |m| m.len());
    if size > MAX_SKILL_BYTES as u64 {
        return Err(fail(format!(
            "it is {size} bytes, more than the {MAX_SKILL_BYTES} a skill may have"
        )));
    }
    let mut bytes = Vec::with_capacity(size as usize + 1);
    (&mut file)
        .take(MAX_SKILL_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(format!("cannot read it: {e}")))?;
    if bytes.len() > MAX_SKILL_BYTES {
        return Err(fail(format!(
            "it is more than the {MAX_SKILL_BYTES} bytes a skill may have"
        )));
    }
    let text = String::from_utf8(bytes).map_err(|e| SkillError {
        path: path.to_path_buf(),
        line: Some(line_of(&e.as_bytes()[..e.utf8_error().valid_up_to()])),
        reason: "it is not UTF-8 text".to_string(),
    })?;
    parse(&text, fallback_name, path).map(Some)
}

fn line_of(before: &[u8]) -> usize {
    before.iter().filter(|&&b| b == b'\n').count() + 1
}

/// Parses a skill's text. `fallback_name` names it when the front matter does not; `path` is
/// where it came from (named in errors; `SKILL.md` makes it a directory skill). Never panics.
pub fn parse(text: &str, fallback_name: &str, path: &Path) -> Result<Skill, SkillError> {
    let fail = |line: Option<usize>, reason: String| SkillError {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (front, body) = match split_front_matter(text) {
        Split::None => (FrontMatter::default(), text),
        Split::Unclosed => {
            return Err(fail(
                Some(1),
                "the front matter opened by `---` on line 1 is never closed by a `---` line"
                    .to_string(),
            ));
        }
        Split::Found { yaml, body } => (parse_yaml(yaml).map_err(|(l, r)| fail(l, r))?, body),
    };
    let name = match front.name.map(|n| n.trim().to_string()) {
        Some(n) if n.is_empty() => {
            return Err(fail(None, "the front matter `name` is empty".to_string()));
        }
        Some(n) => n,
        None => fallback_name.to_string(),
    };
    if name.is_empty() {
        return Err(fail(None, "the skill has no name".to_string()));
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Err(fail(
            None,
            format!("the name {name:?} holds the control character {c:?}"),
        ));
    }
    let description = match front.description.as_deref().map(one_line) {
        Some(d) if !d.is_empty() => d,
        _ => first_text_line(body),
    };
    let kind = if path.file_name().is_some_and(|n| n == SKILL_FILE) {
        SkillKind::Dir
    } else {
        SkillKind::File
    };
    Ok(Skill {
        name,
        description: clip(description, MAX_DESCRIPTION_CHARS),
        version: front.version.map(|v| v.trim().to_string()),
        license: front.license.map(|v| v.trim().to_string()),
        path: path.to_path_buf(),
        body: body.trim_start_matches(['\r', '\n']).to_string(),
        kind,
    })
}

enum Split<'a> {
    /// The text does not start with `---`.
    None,
    /// It does, but no closing `---` line follows.
    Unclosed,
    /// The YAML between the two lines (which starts on line 2) and the text after them.
    Found { yaml: &'a str, body: &'a str },
}

fn is_fence(line: &str) -> bool {
    line.trim_end_matches(['\r', ' ', '\t']) == "---"
}

fn split_front_matter(text: &str) -> Split<'_> {
    let (first, rest) = match text.split_once('\n') {
        Some((first, rest)) => (first, rest),
        None => (text, ""),
    };
    if !is_fence(first) {
        return Split::None;
    }
    let mut at = 0;
    for line in rest.split_inclusive('\n') {
        if is_fence(line.trim_end_matches('\n')) {
            return Split::Found {
                yaml: &rest[..at],
                body: &rest[at + line.len()..],
            };
        }
        at += line.len();
    }
    Split::Unclosed
}

/// Parses the front matter; an error is the line in the file (the YAML starts on line 2) and
/// the reason.
fn parse_yaml(yaml: &str) -> Result<FrontMatter, (Option<usize>, String)> {
    if yaml
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        return Ok(FrontMatter::default());
    }
    // No snippets (the error is one line) and no comment text (nothing reads it).
    let options = serde_saphyr::options! {
        with_snippet: false,
        emit_comments: false,
    };
    serde_saphyr::from_str_with_options::<FrontMatter>(yaml, options).map_err(|e| {
        use serde_saphyr::MessageFormatter;
        let inner = e.without_snippet();
        let message = serde_saphyr::DefaultMessageFormatter.format_message(inner);
        let line = inner
            .location()
            .map(|l| l.line())
            .filter(|&l| l > 0)
            .map(|l| usize::try_from(l).unwrap_or(usize::MAX).saturating_add(1));
        (line, format!("bad front matter: {}", one_line(&message)))
    })
}

/// `text` on one line: runs of whitespace (newlines included) become one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The first line of text in a markdown body, without its heading marks.
fn first_text_line(body: &str) -> String {
    body.lines()
        .map(|l| l.trim().trim_start_matches('#').trim())
        .find(|l| !l.is_empty())
        .map(one_line)
        .unwrap_or_default()
}

fn clip(text: String, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str, fallback: &str, path: &str) -> Skill {
        parse(text, fallback, Path::new(path)).unwrap()
    }

    fn err(text: &str, path: &str) -> SkillError {
        parse(text, "x", Path::new(path)).unwrap_err()
    }

    #[test]
    fn a_file_skill_with_front_matter() {
        let s = ok(
            "---\nname: review\ndescription: Review code\nversion: 1.2.0\nlicense: MIT\n---\n# Body\n",
            "file",
            "skills/file.md",
        );
        assert_eq!(s.name, "review");
        assert_eq!(s.description, "Review code");
        assert_eq!(s.version.as_deref(), Some("1.2.0"));
        assert_eq!(s.license.as_deref(), Some("MIT"));
        assert_eq!(s.body, "# Body\n");
        assert_eq!(s.kind, SkillKind::File);
        assert_eq!(s.file_name().as_deref(), Some("file"));
    }

    #[test]
    fn a_directory_skill_and_yaml_that_a_line_parser_gets_wrong() {
        let s = ok(
            "---\r\nname: \"deploy\"\r\ndescription: >\r\n  Ship it,\r\n  carefully.\r\nversion: 1.0\r\n---\r\nSteps\r\n",
            "deploy",
            "skills/deploy/SKILL.md",
        );
        assert_eq!(s.name, "deploy");
        assert_eq!(s.description, "Ship it, carefully.");
        assert_eq!(
            s.version.as_deref(),
            Some("1.0"),
            "a number is taken as text"
        );
        assert_eq!(s.kind, SkillKind::Dir);
        assert_eq!(s.file_name().as_deref(), Some("deploy"));
        assert_eq!(s.body, "Steps\r\n");
    }

    #[test]
    fn unknown_keys_are_ignored() {
        let s = ok(
            "---\nname: pdf\ndescription: PDFs\nallowed-tools: Read Bash\nmetadata:\n  author: team\n  tags: [a, b]\n---\nbody\n",
            "pdf",
            "pdf/SKILL.md",
        );
        assert_eq!((s.name.as_str(), s.description.as_str()), ("pdf", "PDFs"));
    }

    #[test]
    fn no_front_matter_takes_the_file_name_and_first_line() {
        let s = ok("\n# Write tests\nmore", "tests", "t.md");
        assert_eq!(s.name, "tests");
        assert_eq!(s.description, "Write tests");
        assert_eq!(s.body, "# Write tests\nmore");
        // Empty front matter, or one without those keys: the same fallbacks.
        let s = ok("---\n---\nFirst line\n", "tests", "t.md");
        assert_eq!(
            (s.name.as_str(), s.description.as_str()),
            ("tests", "First line")
        );
        let s = ok("---\n# just a comment\n---\nFirst\n", "tests", "t.md");
        assert_eq!(s.description, "First");
        let s = ok("---\nlicense: MIT\n---\nFirst\n", "tests", "t.md");
        assert_eq!(
            (s.name.as_str(), s.description.as_str()),
            ("tests", "First")
        );
    }

    #[test]
    fn bad_yaml_names_the_file_and_the_line_in_the_file() {
        let e = err(
            "---\nname: a\ndescription: b\nversion: [1, 2\n---\nbody\n",
            "skills/bad.md",
        );
        assert_eq!(e.path, Path::new("skills/bad.md"));
        let line = e.line.unwrap();
        assert!((4..=5).contains(&line), "{e}");
        assert!(e.reason.starts_with("bad front matter: "), "{e}");
        assert!(
            e.to_string()
                .starts_with(&format!("skills/bad.md:{line}: ")),
            "{e}"
        );
        assert!(!e.to_string().contains('\n'), "{e}");
        let e = err("---\nname: a\n  description: : b\n---\n", "bad.md");
        assert_eq!(e.line, Some(3), "{e}");
    }

    #[test]
    fn wrong_types_are_errors_with_their_line() {
        let e = err("---\nname: a\ndescription:\n  k: v\n---\n", "bad.md");
        assert_eq!(e.line, Some(4), "{e}");
        let e = err("---\nname: [a, b]\n---\n", "bad.md");
        assert_eq!(e.line, Some(2), "{e}");
        let e = err("---\njust text\n---\n", "bad.md");
        assert!(e.line.is_some(), "{e}");
    }

    #[test]
    fn a_front_matter_that_never_closes_is_an_error() {
        let e = err("---\nname: a\ndescription: b\n# Body\n", "open.md");
        assert_eq!(e.line, Some(1));
        assert!(e.reason.contains("never closed"), "{e}");
        assert!(err("---", "open.md").reason.contains("never closed"));
    }

    #[test]
    fn empty_names_and_control_characters_are_refused() {
        assert!(
            err("---\nname: \"  \"\n---\n", "a.md")
                .reason
                .contains("empty")
        );
        assert!(
            err("---\nname: \"a\\u0007b\"\n---\n", "a.md")
                .reason
                .contains("control")
        );
        assert!(parse("body", "", Path::new(".md")).is_err());
    }

    #[test]
    fn long_descriptions_are_clipped() {
        let text = format!("---\ndescription: {}\n---\n", "é".repeat(5000));
        let s = ok(&text, "a", "a.md");
        assert_eq!(s.description.chars().count(), MAX_DESCRIPTION_CHARS + 1);
    }

    proptest::proptest! {
        /// Front matter made of YAML's punctuation and keys: any result, never a panic, and
        /// an error always names the file.
        #[test]
        fn any_front_matter_parses_or_fails_cleanly(
            lines in proptest::collection::vec(
                "(name|description|version|license|metadata|-|\\?|&a|\\*a|!!str|[ :\\[\\]{},'\"#|>a-z0-9\t]){0,12}",
                0..8,
            ),
            closed in proptest::bool::ANY,
        ) {
            let mut text = format!("---\n{}\n", lines.join("\n"));
            if closed {
                text.push_str("---\nbody\n");
            }
            if let Err(e) = parse(&text, "x", Path::new("f.md")) {
                proptest::prop_assert!(e.to_string().starts_with("f.md"));
                proptest::prop_assert!(!e.to_string().contains('\n'));
            }
        }
    }

    #[test]
    fn odd_inputs_never_panic() {
        for text in [
            "",
            "-",
            "---",
            "---\n",
            "---\n---",
            "\u{feff}---\nname: a\n---\n",
            "---\n&a [*a]\n---\n",
            "---\n!!binary x\n---\n",
            "---\n? [a]\n: b\n---\n",
            "---\nname: *x\n---\n",
            "---\n\t\u{0}\n---\n",
            "---\na: b\n...\n---\n",
        ] {
            let _ = parse(text, "x", Path::new("x.md"));
        }
    }
}
