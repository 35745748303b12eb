//! Reading a session file into an index: the header, then one scan over the lines.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use super::error::{LoadWarning, SessionError};
use super::index::{Index, LinePlace};
use super::scan::{self, ScannedEntry, SessionFormat, SessionHeader};

/// Reads `buf.len()` bytes or fewer at `pos` without moving any file cursor.
pub(crate) fn read_at(file: &File, buf: &mut [u8], pos: u64) -> io::Result<usize> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_at(file, buf, pos)
    }
    #[cfg(windows)]
    {
        std::os::windows::fs::FileExt::seek_read(file, buf, pos)
    }
}

/// Fills `buf` from `pos`; fails if the file ends first.
pub(crate) fn read_exact_at(file: &File, mut buf: &mut [u8], mut pos: u64) -> io::Result<()> {
    while !buf.is_empty() {
        match read_at(file, buf, pos) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                pos += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A `Read` over a file from an offset, by positional reads.
pub(crate) struct AtReader<'a> {
    pub file: &'a File,
    pub pos: u64,
}

impl Read for AtReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = read_at(self.file, buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// How far a file has been read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tail {
    /// Bytes in the file as far as we know.
    pub len: u64,
    /// End of the last line we consumed. Bytes between `scanned` and `len` are an unterminated
    /// fragment that did not parse (a torn write, or one still in progress elsewhere).
    pub scanned: u64,
    /// Lines in `[0, scanned)`.
    pub lines: u64,
    /// Whether the file's last byte is `\n` (an empty file counts as ending in one).
    pub ends_with_newline: bool,
}

pub(crate) struct Loaded {
    pub header: SessionHeader,
    pub index: Index,
    pub tail: Tail,
    pub warnings: Vec<LoadWarning>,
}

/// Longest first line we accept before deciding the file is not a session.
const MAX_HEADER: usize = 16 << 20;

/// Reads line 1: its bytes (without `\n`) and whether it ended in `\n`.
pub(crate) fn first_line(file: &File) -> io::Result<(Vec<u8>, bool)> {
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 64 << 10];
    loop {
        let n = read_at(file, &mut chunk, out.len() as u64)?;
        if n == 0 {
            return Ok((out, false));
        }
        if let Some(nl) = memchr::memchr(b'\n', &chunk[..n]) {
            out.extend_from_slice(&chunk[..nl]);
            return Ok((out, true));
        }
        out.extend_from_slice(&chunk[..n]);
        if out.len() > MAX_HEADER {
            return Ok((out, false));
        }
    }
}

/// Loads a whole file. A file that is not a session (or is empty) is an error.
pub(crate) fn load(file: &File, path: &Path) -> Result<Loaded, SessionError> {
    let (line1, terminated) =
        first_line(file).map_err(|e| SessionError::io(path, "read the session file", e))?;
    let not_session = |detail: String| SessionError::NotASession {
        path: path.to_path_buf(),
        line: 1,
        detail,
    };
    if line1.is_empty() && !terminated {
        return Err(not_session("the file is empty".into()));
    }
    let header = scan::parse_header(&line1).map_err(not_session)?;
    let mut tail = Tail {
        ends_with_newline: true,
        ..Tail::default()
    };
    if !header.first_line_is_entry {
        tail.lines = 1;
        tail.scanned = line1.len() as u64 + u64::from(terminated);
        tail.ends_with_newline = terminated;
    }
    let mut index = Index::default();
    let mut warnings = Vec::new();
    scan_from(
        file,
        path,
        header.format,
        &mut tail,
        &mut index,
        true,
        &mut warnings,
    )
    .map_err(|e| SessionError::io(path, "read the session file", e))?;
    index.finish(path, &mut warnings);
    Ok(Loaded {
        header,
        index,
        tail,
        warnings,
    })
}

/// Scans from `tail.scanned` to the end of the file into `index`, advancing `tail`.
pub(crate) fn scan_from(
    file: &File,
    path: &Path,
    format: SessionFormat,
    tail: &mut Tail,
    index: &mut Index,
    defer_parents: bool,
    warnings: &mut Vec<LoadWarning>,
) -> io::Result<()> {
    let mut reader = AtReader {
        file,
        pos: tail.scanned,
    };
    scan_reader(
        &mut reader,
        path,
        format,
        tail,
        index,
        defer_parents,
        warnings,
    )
}

/// Scans `reader`, whose first byte is at `tail.scanned`, into `index`, advancing `tail`.
pub(crate) fn scan_reader(
    reader: &mut impl Read,
    path: &Path,
    format: SessionFormat,
    tail: &mut Tail,
    index: &mut Index,
    defer_parents: bool,
    warnings: &mut Vec<LoadWarning>,
) -> io::Result<()> {
    let mut scanned = tail.scanned;
    let mut lines = tail.lines;
    let mut last_terminated = None;
    let end = scan::for_each_block(reader, tail.scanned, |base, block| {
        let mut split = Vec::new();
        scan::split_lines(base, block, &mut |o, l, t| split.push((o, l, t)));
        let parsed = parse_lines(format, &split, block.len());
        for ((offset, line, terminated), parsed) in split.into_iter().zip(parsed) {
            last_terminated = Some(terminated);
            let line_no = lines + 1;
            let consumed = offset + line.len() as u64 + u64::from(terminated);
            match parsed {
                None => (scanned, lines) = (consumed, line_no),
                Some(Ok(entry)) => {
                    let at = LinePlace {
                        offset,
                        len: line.len(),
                        line: line_no,
                    };
                    index.add(entry, at, defer_parents, path, warnings);
                    (scanned, lines) = (consumed, line_no);
                }
                Some(Err(error)) if terminated => {
                    warnings.push(LoadWarning::MalformedLine {
                        path: path.to_path_buf(),
                        line: line_no,
                        error,
                    });
                    (scanned, lines) = (consumed, line_no);
                }
                Some(Err(_)) => warnings.push(LoadWarning::TornLastLine {
                    path: path.to_path_buf(),
                    line: line_no,
                }),
            }
        }
    })?;
    tail.len = end;
    tail.scanned = scanned;
    tail.lines = lines;
    if let Some(t) = last_terminated {
        tail.ends_with_newline = t;
    }
    Ok(())
}

/// Below this many bytes, a block's lines are read on one thread.
const PARALLEL_MIN_BYTES: usize = 1 << 20;

type Parsed = Option<Result<ScannedEntry, String>>;

/// Scans each line (`None` for a blank one), on several threads for a large block.
fn parse_lines(format: SessionFormat, lines: &[(u64, &[u8], bool)], bytes: usize) -> Vec<Parsed> {
    let one = |(_, line, _): &(u64, &[u8], bool)| -> Parsed {
        (!scan::is_blank(line)).then(|| scan::scan_line(format, line))
    };
    let threads = if bytes < PARALLEL_MIN_BYTES {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
    };
    if threads == 1 {
        return lines.iter().map(one).collect();
    }
    let chunk = lines.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = lines
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(one).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .zip(lines.chunks(chunk))
            .flat_map(|(h, part)| {
                // A worker that panicked: scan its lines here instead.
                h.join()
                    .unwrap_or_else(|_| part.iter().map(one).collect::<Vec<_>>())
            })
            .collect()
    })
}
