//! `read`: a text file, line- and byte-limited, with a hint how to continue; an image file (by
//! its magic bytes) as image content. The file is streamed, so a huge log costs no memory.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use base64::Engine;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::args::{READ_MAX_LINES, ReadArgs};
use super::error::ToolError;
use super::truncate::{self, format_size};
use super::{ToolContext, ToolOutput, paths};
use crate::ai::types::ContentBlock;

/// Lines longer than this many characters are shortened.
pub(crate) const MAX_LINE_CHARS: usize = 2000;
/// Largest image sent to a model (providers cap image input at about 5 MB).
const MAX_IMAGE_BYTES: u64 = 5 * 1024 * 1024;
/// A NUL byte this early means binary.
const BINARY_SNIFF_BYTES: usize = 8192;

pub(crate) async fn run(args: ReadArgs, ctx: &ToolContext) -> Result<ToolOutput, ToolError> {
    let path = paths::resolve_read(&ctx.policy, &args.path)?;
    let max_bytes = usize::try_from(ctx.policy.max_file_read_bytes).unwrap_or(usize::MAX);
    let cancel = ctx.cancel.clone();
    let enforce = ctx.policy.enforce_regular_files;
    tokio::task::spawn_blocking(move || read_file(&path, &args, max_bytes, enforce, &cancel))
        .await
        .map_err(|_| ToolError::Internal("read"))?
}

/// The MIME type of a supported image format, from the file's first bytes.
pub(crate) fn image_mime(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

fn read_file(
    path: &Path,
    args: &ReadArgs,
    max_bytes: usize,
    enforce_regular: bool,
    cancel: &CancellationToken,
) -> Result<ToolOutput, ToolError> {
    let shown = args.path.as_str();
    let io = |e| ToolError::io("read", path)(e);
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(ToolError::Invalid(format!(
            "{shown} is a directory, not a file. Use ls to list it."
        )));
    }
    if !meta.is_file() {
        return Err(ToolError::Invalid(format!(
            "{shown} is not a regular file (a device, socket or pipe); read only reads files."
        )));
    }
    let (file, _) = super::regular::open_for_read(path, enforce_regular).map_err(io)?;
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    let first = reader.fill_buf().map_err(io)?;
    if let Some(mime) = image_mime(first) {
        return read_image(reader, meta.len(), mime, shown).map_err(io);
    }
    if first[..first.len().min(BINARY_SNIFF_BYTES)].contains(&0) {
        return Err(ToolError::Invalid(format!(
            "{shown} is a binary file (it contains NUL bytes) and not a supported image (png, jpeg, gif, webp), so read cannot show it. Use bash to inspect it, e.g. `file {shown}` or `xxd {shown} | head`."
        )));
    }
    let window = Window::new(args)?;
    let text = read_text(reader, path, &window, max_bytes, cancel)?;
    Ok(text.into_output(&window, shown, max_bytes))
}

fn read_image(
    mut reader: BufReader<File>,
    size: u64,
    mime: &str,
    shown: &str,
) -> std::io::Result<ToolOutput> {
    if size > MAX_IMAGE_BYTES {
        return Ok(ToolOutput::error(format!(
            "{shown} is a {mime} image of {}, over the {} limit for image input. Resize it first (e.g. with bash: `convert {shown} -resize 50% smaller.png`), then read the smaller copy.",
            format_size(size),
            format_size(MAX_IMAGE_BYTES)
        )));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    reader.read_to_end(&mut bytes)?;
    let data = base64::engine::general_purpose::STANDARD.encode(&bytes);
    Ok(ToolOutput {
        content: vec![
            ContentBlock::text(format!("Read image file [{mime}]")),
            ContentBlock::Image {
                data,
                mime_type: mime.to_string(),
            },
        ],
        is_error: false,
        duration_ms: None,
        details: Some(json!({ "mimeType": mime, "bytes": bytes.len() })),
    })
}

/// The lines asked for: 1-based first line and an optional count.
struct Window {
    start: usize,
    limit: Option<usize>,
    offset_given: Option<u64>,
}

impl Window {
    fn new(args: &ReadArgs) -> Result<Self, ToolError> {
        if args.limit == Some(0) {
            return Err(ToolError::Invalid(
                "limit must be at least 1 (it is the number of lines to read); omit it to read as much as fits.".into(),
            ));
        }
        Ok(Window {
            start: usize::try_from(args.offset.unwrap_or(1).max(1)).unwrap_or(usize::MAX),
            limit: args.limit.map(|l| usize::try_from(l).unwrap_or(usize::MAX)),
            offset_given: args.offset,
        })
    }
}

/// Why collecting stopped before the end of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Lines,
    Bytes,
    UserLimit,
}

struct TextRead {
    text: String,
    shown_lines: usize,
    total_lines: usize,
    stop: Option<Stop>,
    long_lines: bool,
    /// Size of a first line that alone exceeded the byte limit.
    partial_line: Option<usize>,
}

fn read_text(
    mut reader: BufReader<File>,
    path: &Path,
    window: &Window,
    max_bytes: usize,
    cancel: &CancellationToken,
) -> Result<TextRead, ToolError> {
    let io = |e| ToolError::io("read", path)(e);
    let mut r = TextRead {
        text: String::new(),
        shown_lines: 0,
        total_lines: 0,
        stop: None,
        long_lines: false,
        partial_line: None,
    };
    let mut line_no = 0usize;
    let mut buf = Vec::new();
    // The file's own final newline is kept, so a whole small file reads back byte-identical.
    let mut last_had_newline = false;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf).map_err(io)? == 0 {
            break;
        }
        line_no += 1;
        if line_no.is_multiple_of(4096) && cancel.is_cancelled() {
            return Err(ToolError::Cancelled);
        }
        if line_no < window.start {
            continue;
        }
        if r.shown_lines >= READ_MAX_LINES {
            r.stop = Some(Stop::Lines);
            break;
        }
        if window.limit.is_some_and(|l| r.shown_lines >= l) {
            r.stop = Some(Stop::UserLimit);
            break;
        }
        let line = String::from_utf8_lossy(&buf);
        let line = line.trim_end_matches('\n').trim_end_matches('\r');
        let (line, cut) = truncate::line(line, MAX_LINE_CHARS);
        r.long_lines |= cut;
        let sep = usize::from(r.shown_lines > 0);
        if r.text.len() + sep + line.len() > max_bytes {
            if r.shown_lines == 0 {
                r.text
                    .push_str(&line[..line.floor_char_boundary(max_bytes)]);
                r.shown_lines = 1;
                r.partial_line = Some(buf.len());
            }
            r.stop = Some(Stop::Bytes);
            break;
        }
        if sep == 1 {
            r.text.push('\n');
        }
        r.text.push_str(&line);
        r.shown_lines += 1;
        last_had_newline = buf.ends_with(b"\n");
    }
    if r.stop.is_none() && last_had_newline {
        r.text.push('\n');
    }
    r.total_lines = line_no + count_rest(&mut reader, path, cancel)?;
    Ok(r)
}

/// Lines left in `reader`, counted without decoding them.
fn count_rest(
    reader: &mut BufReader<File>,
    path: &Path,
    cancel: &CancellationToken,
) -> Result<usize, ToolError> {
    let mut lines = 0;
    let mut last = b'\n';
    loop {
        if cancel.is_cancelled() {
            return Err(ToolError::Cancelled);
        }
        let chunk = reader.fill_buf().map_err(ToolError::io("read", path))?;
        let Some(&end) = chunk.last() else { break };
        lines += chunk.iter().filter(|&&b| b == b'\n').count();
        last = end;
        let n = chunk.len();
        reader.consume(n);
    }
    Ok(lines + usize::from(last != b'\n'))
}

impl TextRead {
    fn into_output(self, window: &Window, shown: &str, max_bytes: usize) -> ToolOutput {
        let total = self.total_lines;
        if total == 0 {
            return ToolOutput::text("(empty file)");
        }
        if self.shown_lines == 0 {
            let offset = window.offset_given.unwrap_or(1);
            return ToolOutput::error(format!(
                "Offset {offset} is beyond the end of {shown} ({total} lines total). Use an offset from 1 to {total}."
            ));
        }
        let start = window.start;
        let end = start + self.shown_lines - 1;
        let mut text = self.text;
        let mut notes = Vec::new();
        if let Some(size) = self.partial_line {
            notes.push(format!(
                "Line {start} is {}, over the {} read limit; only its start is shown. Use bash: sed -n '{start}p' {shown} | head -c {max_bytes}. Use offset={} to continue after it.",
                format_size(size as u64),
                format_size(max_bytes as u64),
                start + 1
            ));
        } else {
            match self.stop {
                Some(Stop::Lines) => notes.push(format!(
                    "Showing lines {start}-{end} of {total}. Use offset={} to continue.",
                    end + 1
                )),
                Some(Stop::Bytes) => notes.push(format!(
                    "Showing lines {start}-{end} of {total} ({} limit). Use offset={} to continue.",
                    format_size(max_bytes as u64),
                    end + 1
                )),
                Some(Stop::UserLimit) => notes.push(format!(
                    "{} more lines in file. Use offset={} to continue.",
                    total.saturating_sub(end),
                    end + 1
                )),
                None => {}
            }
        }
        if self.long_lines {
            notes.push(format!(
                "Some lines were longer than {MAX_LINE_CHARS} characters and were shortened; use bash (e.g. `sed -n 'Np' {shown} | cut -c {}-`) to see the rest of line N.",
                MAX_LINE_CHARS + 1
            ));
        }
        for note in &notes {
            text.push_str("\n\n[");
            text.push_str(note);
            text.push(']');
        }
        ToolOutput::text(text).with_details(json!({
            "startLine": start,
            "endLine": end,
            "totalLines": total,
            "truncated": self.stop.is_some() || self.partial_line.is_some(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(
        content: &[u8],
        offset: Option<u64>,
        limit: Option<u64>,
        max_bytes: usize,
    ) -> ToolOutput {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, content).unwrap();
        let args = ReadArgs {
            path: "f".into(),
            offset,
            limit,
        };
        read_file(&path, &args, max_bytes, false, &CancellationToken::new())
            .unwrap_or_else(ToolOutput::from)
    }

    fn numbered(n: usize) -> String {
        (1..=n).map(|i| format!("line {i}\n")).collect()
    }

    #[test]
    fn whole_small_file() {
        let out = read(b"a\r\nb\r\n", None, None, 1000);
        assert_eq!(out.text_content(), "a\nb\n");
        assert!(!out.is_error);
        assert_eq!(read(b"", None, None, 10).text_content(), "(empty file)");
    }

    #[test]
    fn line_cap_gives_continue_hint() {
        let out = read(numbered(2500).as_bytes(), None, None, 1 << 20);
        let text = out.text_content();
        assert!(text.starts_with("line 1\n"));
        assert!(
            text.contains(
                "line 2000\n\n[Showing lines 1-2000 of 2500. Use offset=2001 to continue.]"
            ),
            "{}",
            &text[text.len() - 100..]
        );
        let out = read(numbered(2500).as_bytes(), Some(2001), None, 1 << 20);
        let text = out.text_content();
        assert!(text.starts_with("line 2001\n") && text.ends_with("line 2500\n"));
    }

    #[test]
    fn byte_cap_gives_continue_hint() {
        let out = read(numbered(100).as_bytes(), Some(3), None, 20);
        assert_eq!(
            out.text_content(),
            "line 3\nline 4\nline 5\n\n[Showing lines 3-5 of 100 (20B limit). Use offset=6 to continue.]"
        );
    }

    #[test]
    fn user_limit_hint_and_offset_past_end() {
        let out = read(numbered(10).as_bytes(), Some(2), Some(3), 1000);
        assert_eq!(
            out.text_content(),
            "line 2\nline 3\nline 4\n\n[6 more lines in file. Use offset=5 to continue.]"
        );
        let out = read(numbered(10).as_bytes(), Some(8), Some(3), 1000);
        assert_eq!(out.text_content(), "line 8\nline 9\nline 10\n");
        let out = read(numbered(10).as_bytes(), Some(11), None, 1000);
        assert!(out.is_error);
        assert!(
            out.text_content()
                .contains("beyond the end of f (10 lines total)")
        );
        assert!(read(b"x", None, Some(0), 10).is_error);
    }

    #[test]
    fn long_lines_are_shortened() {
        let long = "x".repeat(5000);
        let out = read(format!("{long}\nshort\n").as_bytes(), None, None, 1 << 20);
        let text = out.text_content();
        assert!(text.contains("... [3000 more bytes]\nshort"));
        assert!(text.contains("longer than 2000 characters"));
    }

    #[test]
    fn huge_first_line_is_cut_at_the_byte_limit() {
        let out = read(
            format!("{}\nb", "y".repeat(3000)).as_bytes(),
            None,
            None,
            100,
        );
        let text = out.text_content();
        assert!(text.starts_with(&"y".repeat(100)));
        assert!(text.contains("Line 1 is"), "{text}");
        assert!(text.contains("offset=2"));
    }

    #[test]
    fn images_by_magic_bytes() {
        assert_eq!(image_mime(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(image_mime(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(image_mime(b"GIF89a..."), Some("image/gif"));
        assert_eq!(image_mime(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(image_mime(b"RIFF\0\0\0\0WAVE"), None);
        assert_eq!(image_mime(b"hello"), None);
        let out = read(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", None, None, 10);
        assert!(!out.is_error);
        assert_eq!(
            out.content[0],
            ContentBlock::text("Read image file [image/gif]")
        );
        let ContentBlock::Image { mime_type, data } = &out.content[1] else {
            panic!("no image block")
        };
        assert_eq!(mime_type, "image/gif");
        assert_eq!(data, "R0lGODlhAQABAAAAADs=");
    }

    #[test]
    fn binary_files_are_refused() {
        let out = read(b"\x7fELF\x02\x01\x01\x00\x00\x00", None, None, 100);
        assert!(out.is_error);
        assert!(out.text_content().contains("binary file"));
    }
}
