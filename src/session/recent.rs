//! The sessions of a working directory, newest first, for `--continue`, `--resume` and
//! `/new`: where they live, and a line about each (its first prompt and age) read from the
//! start of the file only, so a long session costs no more than a short one.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::Value;

/// Bytes read from the start of a session file to find its first prompt.
const HEAD_BYTES: u64 = 64 * 1024;

/// The folder holding the sessions of `cwd`.
pub fn sessions_dir(cwd: &Path) -> PathBuf {
    cwd.join(".pi").join("sessions")
}

/// A session file and what the picker shows of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentSession {
    pub path: PathBuf,
    pub modified: SystemTime,
    /// The first line of the first user message (shortened), if the start of the file has one.
    pub first_prompt: Option<String>,
}

/// The `*.jsonl` sessions in `dir`, most recently modified first. A missing folder has none.
pub fn recent_sessions(dir: &Path) -> Vec<RecentSession> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<RecentSession> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .filter_map(|path| {
            let meta = std::fs::metadata(&path).ok()?;
            if !meta.is_file() {
                return None;
            }
            let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            let first_prompt = first_prompt(&path);
            Some(RecentSession {
                path,
                modified,
                first_prompt,
            })
        })
        .collect();
    out.sort_by(|a, b| b.modified.cmp(&a.modified).then(a.path.cmp(&b.path)));
    out
}

/// The first user message's first line, from the start of the file.
fn first_prompt(path: &Path) -> Option<String> {
    let file = std::fs::File::open(path).ok()?;
    let mut head = Vec::new();
    file.take(HEAD_BYTES).read_to_end(&mut head).ok()?;
    let text = String::from_utf8_lossy(&head);
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let msg = &v["message"];
        if v["type"] != "message" || msg["role"] != "user" {
            continue;
        }
        let content = &msg["content"];
        let text = match content {
            Value::String(s) => s.clone(),
            Value::Array(blocks) => blocks
                .iter()
                .filter(|b| b["type"] == "text")
                .filter_map(|b| b["text"].as_str())
                .collect::<Vec<_>>()
                .join(" "),
            _ => continue,
        };
        let line = super::nav::preview(&text, 80);
        if !line.is_empty() {
            return Some(line);
        }
    }
    None
}

/// A new session file's path in `dir`: the time it starts and a short random part, so
/// names sort by age and never collide.
pub fn new_session_path(dir: &Path) -> PathBuf {
    let stamp = jiff::Timestamp::now().strftime("%Y-%m-%dT%H-%M-%S");
    let id = super::id::new_session_id();
    let short: String = id.chars().rev().filter(|c| *c != '-').take(6).collect();
    dir.join(format!("{stamp}-{short}.jsonl"))
}

/// "just now", "5 min ago", "3 h ago", "2 days ago".
pub fn age(modified: SystemTime, now: SystemTime) -> String {
    let secs = now
        .duration_since(modified)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    match secs {
        s if s < 60 => "just now".to_string(),
        s if s < 3600 => format!("{} min ago", s / 60),
        s if s < 86_400 => format!("{} h ago", s / 3600),
        s if s < 2 * 86_400 => "1 day ago".to_string(),
        s => format!("{} days ago", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn write(dir: &Path, name: &str, prompt: &str, age_secs: u64) -> PathBuf {
        let p = dir.join(name);
        let header = r#"{"type":"session","version":3,"id":"s","timestamp":"t","cwd":"/x"}"#;
        let user = serde_json::json!({
            "type": "message", "id": "u1", "parentId": null, "timestamp": "t",
            "message": {"role": "user", "content": [{"type": "text", "text": prompt}]}
        });
        std::fs::write(&p, format!("{header}\n{user}\n")).unwrap();
        let t = SystemTime::now() - Duration::from_secs(age_secs);
        std::fs::File::options()
            .write(true)
            .open(&p)
            .unwrap()
            .set_modified(t)
            .unwrap();
        p
    }

    #[test]
    fn newest_first_with_their_first_prompt() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "old.jsonl", "fix the parser\nsecond line", 7200);
        write(dir.path(), "new.jsonl", "add a --verbose flag", 60);
        std::fs::write(dir.path().join("notes.txt"), "not a session").unwrap();
        std::fs::write(dir.path().join("empty.jsonl"), "").unwrap();
        let got = recent_sessions(dir.path());
        let names: Vec<_> = got
            .iter()
            .map(|s| s.path.file_name().unwrap().to_str().unwrap())
            .collect();
        assert_eq!(names, ["empty.jsonl", "new.jsonl", "old.jsonl"]);
        assert_eq!(got[1].first_prompt.as_deref(), Some("add a --verbose flag"));
        assert_eq!(got[2].first_prompt.as_deref(), Some("fix the parser"));
        assert_eq!(got[0].first_prompt, None);
        assert!(recent_sessions(&dir.path().join("missing")).is_empty());
    }

    #[test]
    fn ages_and_new_names() {
        let now = SystemTime::now();
        assert_eq!(age(now, now), "just now");
        assert_eq!(age(now - Duration::from_secs(300), now), "5 min ago");
        assert_eq!(age(now - Duration::from_secs(3 * 3600), now), "3 h ago");
        assert_eq!(
            age(now - Duration::from_secs(3 * 86_400), now),
            "3 days ago"
        );
        let a = new_session_path(Path::new("/d"));
        let b = new_session_path(Path::new("/d"));
        assert_ne!(a, b);
        assert_eq!(a.extension().unwrap(), "jsonl");
    }
}
