//! Bash output as it arrives: decoded for the live sink, kept in memory while it fits, and
//! spilled in full to a file of the run's spill folder once it outgrows the limit, so memory
//! stays bounded however much a command prints. The model gets the tail; the file keeps
//! everything up to its cap.

use std::path::PathBuf;
use std::sync::Arc;

use super::spill::{SpillFile, SpillFolder};
use super::truncate::{self, format_size};

/// Line cap of the output the model sees, like pi's.
pub(crate) const MAX_OUTPUT_LINES: usize = 2000;
/// Memory kept beyond the output limit once spilling, so the tail cut still has whole lines.
const SLACK: usize = 64 * 1024;

pub(crate) struct OutputLog {
    max_bytes: usize,
    tail: Vec<u8>,
    total: u64,
    newlines: u64,
    last_byte: Option<u8>,
    folder: Arc<SpillFolder>,
    spill: Option<SpillFile>,
    spill_failed: bool,
    /// An incomplete UTF-8 sequence at the end of the last chunk, held back from the live sink.
    pending: Vec<u8>,
}

/// The output the model sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finished {
    pub text: String,
    /// `[Output truncated: ...]` when the text is only the tail.
    pub note: Option<String>,
    pub full_output: Option<PathBuf>,
    pub total_bytes: u64,
}

impl OutputLog {
    pub(crate) fn new(max_bytes: usize, folder: Arc<SpillFolder>) -> Self {
        OutputLog {
            max_bytes,
            tail: Vec::new(),
            total: 0,
            newlines: 0,
            last_byte: None,
            folder,
            spill: None,
            spill_failed: false,
            pending: Vec::new(),
        }
    }

    /// Records a chunk and returns its text for the live sink.
    pub(crate) fn push(&mut self, chunk: &[u8]) -> String {
        if chunk.is_empty() {
            return String::new();
        }
        self.total += chunk.len() as u64;
        self.newlines += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
        self.last_byte = chunk.last().copied();
        if let Some(file) = &mut self.spill
            && let Err(e) = file.write(chunk)
        {
            tracing::warn!(error = %e, "bash output file write failed");
            self.spill_failed = true;
        }
        self.tail.extend_from_slice(chunk);
        if self.spill.is_none() && !self.spill_failed && self.tail.len() > self.max_bytes {
            self.start_spill();
        }
        let keep = self.max_bytes.saturating_add(SLACK);
        if self.tail.len() > keep.saturating_mul(2) && (self.spill.is_some() || self.spill_failed) {
            let cut = self.tail.len() - keep;
            self.tail.drain(..cut);
        }
        self.live_text(chunk)
    }

    fn live_text(&mut self, chunk: &[u8]) -> String {
        self.pending.extend_from_slice(chunk);
        match std::str::from_utf8(&self.pending) {
            Ok(s) => {
                let out = s.to_string();
                self.pending.clear();
                out
            }
            Err(e) if e.error_len().is_none() => {
                let valid = e.valid_up_to();
                let out = String::from_utf8_lossy(&self.pending[..valid]).into_owned();
                self.pending.drain(..valid);
                out
            }
            Err(_) => {
                let out = String::from_utf8_lossy(&self.pending).into_owned();
                self.pending.clear();
                out
            }
        }
    }

    /// Whatever the live sink has not been given yet.
    pub(crate) fn flush_live(&mut self) -> String {
        let out = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending.clear();
        out
    }

    fn start_spill(&mut self) {
        match self.folder.create_file() {
            Ok(mut file) => {
                if let Err(e) = file.write(&self.tail) {
                    tracing::warn!(error = %e, "bash output file write failed");
                    self.spill_failed = true;
                }
                self.spill = Some(file);
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not create the bash output file");
                self.spill_failed = true;
            }
        }
    }

    fn total_lines(&self) -> u64 {
        self.newlines + u64::from(self.last_byte.is_some_and(|b| b != b'\n'))
    }

    pub(crate) fn finish(mut self) -> Finished {
        let all = String::from_utf8_lossy(&self.tail).into_owned();
        let cut = truncate::tail(&all, self.max_bytes, MAX_OUTPUT_LINES);
        if !cut.truncated && self.spill.is_none() {
            return Finished {
                text: cut.content.to_string(),
                note: None,
                full_output: None,
                total_bytes: self.total,
            };
        }
        if self.spill.is_none() && !self.spill_failed {
            // Over the line cap but not the byte limit: everything is still in memory.
            self.start_spill();
        }
        let text = cut.content.to_string();
        let total_lines = self.total_lines();
        let first = total_lines.saturating_sub(cut.output_lines as u64) + 1;
        let place = match (&self.spill, self.spill_failed) {
            (Some(file), false) if file.dropped() > 0 => {
                file.sync();
                format!(
                    "The first {} of the output: {} (the rest was not kept)",
                    format_size(file.cap()),
                    file.path().display()
                )
            }
            (Some(file), false) => {
                file.sync();
                format!("Full output: {}", file.path().display())
            }
            _ => "The full output could not be saved.".to_string(),
        };
        let note = format!(
            "[Output truncated: showing last {} of {} bytes (lines {first}-{total_lines} of {total_lines}, limit {} / {MAX_OUTPUT_LINES} lines). {place}]",
            text.len(),
            self.total,
            format_size(self.max_bytes as u64),
        );
        Finished {
            text,
            note: Some(note),
            full_output: self.spill.map(|f| f.path().to_path_buf()),
            total_bytes: self.total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(file_cap: u64) -> (tempfile::TempDir, Arc<SpillFolder>) {
        let base = tempfile::tempdir().unwrap();
        let folder = Arc::new(SpillFolder::with_caps(base.path(), file_cap, 10 * file_cap));
        (base, folder)
    }

    #[test]
    fn small_output_stays_in_memory() {
        let (_base, spill) = folder(1 << 20);
        let mut log = OutputLog::new(100, spill.clone());
        assert_eq!(log.push(b"hello\n"), "hello\n");
        let f = log.finish();
        assert_eq!(f.text, "hello");
        assert_eq!(f.note, None);
        assert_eq!(f.full_output, None);
    }

    #[test]
    fn big_output_keeps_the_tail_and_spills_everything() {
        let (_base, spill) = folder(1 << 20);
        let mut log = OutputLog::new(1000, spill.clone());
        let mut all = Vec::new();
        for i in 0..20_000 {
            let line = format!("line {i}\n");
            all.extend_from_slice(line.as_bytes());
            log.push(line.as_bytes());
        }
        let f = log.finish();
        assert!(f.text.ends_with("line 19999"));
        assert!(f.text.len() <= 1000);
        assert!(f.text.starts_with("line "), "cut at a line boundary");
        let path = f.full_output.clone().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), all);
        let note = f.note.unwrap();
        assert!(note.contains(&format!("of {} bytes", all.len())), "{note}");
        assert!(note.contains(&format!("Full output: {}", path.display())));
        assert!(path.starts_with(spill.path()));
    }

    #[test]
    fn the_file_cap_keeps_the_first_bytes_and_says_so() {
        let (_base, spill) = folder(1000);
        let mut log = OutputLog::new(100, spill.clone());
        let all: String = (0..1000).map(|i| format!("{i}\n")).collect();
        log.push(all.as_bytes());
        let f = log.finish();
        assert!(f.text.ends_with("999"));
        let path = f.full_output.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), &all.as_bytes()[..1000]);
        let note = f.note.unwrap();
        assert!(
            note.contains(&format!(
                "The first 1000B of the output: {} (the rest was not kept)",
                path.display()
            )),
            "{note}"
        );
    }

    #[test]
    fn line_cap_alone_also_saves_the_full_output() {
        let (_base, spill) = folder(1 << 20);
        let mut log = OutputLog::new(1 << 20, spill.clone());
        let all: String = (0..2500).map(|i| format!("{i}\n")).collect();
        log.push(all.as_bytes());
        let f = log.finish();
        assert!(f.text.starts_with("500\n") && f.text.ends_with("2499"));
        let path = f.full_output.unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), all);
        assert!(f.note.unwrap().contains("lines 501-2500 of 2500"));
    }

    #[test]
    fn live_text_holds_back_split_utf8() {
        let (_base, spill) = folder(1 << 20);
        let mut log = OutputLog::new(100, spill.clone());
        let bytes = "é!".as_bytes();
        assert_eq!(log.push(&bytes[..1]), "");
        assert_eq!(log.push(&bytes[1..]), "é!");
        assert_eq!(log.push(&[0xE2]), "");
        assert_eq!(log.flush_live(), "\u{fffd}");
    }
}
