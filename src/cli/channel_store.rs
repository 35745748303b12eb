//! `--channel-store-inspect` and `--channel-store-repair`: a bridge conversation's state, and
//! removing malformed lines from its JSONL files. Both need `--channel-store-root`.

#![allow(clippy::print_stdout)]

use super::{Args, exit, report};
use crate::modes::bridge::store::{Channel, ChannelStore, ConversationKey, Event, repair_jsonl};
use crate::session::{LockOptions, SessionStore};

/// Runs the flag given, if any; `None` when neither is.
pub fn run(args: &Args) -> Option<u8> {
    let (flag, target, repair) = match (&args.channel_store_inspect, &args.channel_store_repair) {
        (None, None) => return None,
        (Some(_), Some(_)) => {
            report("--channel-store-inspect and --channel-store-repair cannot be combined");
            return Some(exit::USAGE);
        }
        (Some(t), None) => ("--channel-store-inspect", t, false),
        (None, Some(t)) => ("--channel-store-repair", t, true),
    };
    let Some(root) = &args.channel_store_root else {
        report(&format!("{flag} needs --channel-store-root DIR"));
        return Some(exit::USAGE);
    };
    let key = match ConversationKey::parse(target) {
        Ok(k) => k,
        Err(e) => {
            report(&format!("{flag}: {e}"));
            return Some(exit::USAGE);
        }
    };
    let channel = ChannelStore::open(root).channel_for(&key);
    if !channel.exists() {
        report(&format!(
            "no channel {key} in {} ({} does not exist)",
            root.display(),
            channel.dir().display()
        ));
        return Some(exit::FAILURE);
    }
    let result = if repair {
        repair_channel(&channel)
    } else {
        inspect(&channel)
    };
    Some(match result {
        Ok(lines) => {
            for line in lines {
                println!("{line}");
            }
            exit::OK
        }
        Err(e) => {
            report(&e);
            exit::FAILURE
        }
    })
}

fn short(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

fn event_line(e: &Event) -> String {
    let dir = match e.dir {
        crate::modes::bridge::store::Direction::In => "in ",
        crate::modes::bridge::store::Direction::Out => "out",
    };
    let key = e
        .key
        .as_deref()
        .map(|k| format!(" key={k}"))
        .unwrap_or_default();
    format!(
        "  {} {dir} {}{key} {}",
        e.ts,
        e.kind,
        short(&e.payload.to_string(), 80)
    )
}

fn inspect(channel: &Channel) -> Result<Vec<String>, String> {
    let mut out = vec![format!(
        "channel {} ({})",
        channel.key(),
        channel.dir().display()
    )];
    let session = channel.session_path();
    if session.exists() {
        let (store, _) = SessionStore::open_read_only(&session).map_err(|e| e.to_string())?;
        out.push(format!(
            "session: {}, head {}, {}",
            session.display(),
            store.head().unwrap_or("none"),
            crate::text::count(store.entry_count(), "entry", "entries")
        ));
    } else {
        out.push("session: none yet".into());
    }
    let log = channel.read_log().map_err(|e| e.to_string())?;
    let inbound = log
        .events
        .iter()
        .filter(|e| e.dir == crate::modes::bridge::store::Direction::In)
        .count();
    let mut counts = format!(
        "log: {} ({inbound} in, {} out)",
        crate::text::count(log.events.len(), "event", "events"),
        log.events.len() - inbound
    );
    if !log.malformed.is_empty() {
        counts.push_str(&format!(
            ", {} (--channel-store-repair removes them)",
            crate::text::count(log.malformed.len(), "malformed line", "malformed lines")
        ));
    }
    if log.torn_last_line {
        counts.push_str(", a torn last line");
    }
    out.push(counts);
    let skip = log.events.len().saturating_sub(5);
    if skip < log.events.len() {
        out.push("last events:".into());
        out.extend(log.events[skip..].iter().map(event_line));
    }
    let state = channel.state().map_err(|e| e.to_string())?;
    out.push(format!("queue: {}", state.queue.len()));
    out.push(format!(
        "active run: {}",
        state.active_run.as_ref().map_or_else(
            || "none".to_string(),
            |m| format!("{} from {}", m.key, m.author)
        )
    ));
    out.push(format!("dedupe keys: {}", state.seen.len()));
    Ok(out)
}

fn repair_channel(channel: &Channel) -> Result<Vec<String>, String> {
    let now = jiff::Timestamp::now().as_second();
    let mut out = Vec::new();
    for path in [channel.log_path(), channel.context_path()] {
        if let Some(fix) = repair_jsonl(&path, now).map_err(|e| e.to_string())? {
            let name = path.display();
            if fix.removed.is_empty() {
                out.push(format!(
                    "{name}: removed blank lines or added the missing final newline"
                ));
            }
            for r in &fix.removed {
                out.push(format!("{name}: removed line {}: {}", r.line, r.excerpt));
            }
            out.push(format!("  backup: {}", fix.backup.display()));
        }
    }
    let session = channel.session_path();
    if session.exists() {
        let report = crate::session::repair_file(&session, LockOptions::default())
            .map_err(|e| e.to_string())?;
        if report.changed {
            out.extend(report.to_string().lines().map(str::to_string));
        }
    }
    if out.is_empty() {
        out.push(format!("{}: nothing to repair", channel.key()));
    }
    Ok(out)
}
