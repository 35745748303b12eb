//! The `/events-*` commands' view of the events runner's files: the events dir and, when
//! given, the runner's state file (read without its lock: the runner may hold it).

use std::path::PathBuf;

use super::{Event, EventState, RunnerState, Schedule, next_wake, scan};
use crate::commands::{EventRow, EventsAccess};

/// `--events-dir` and `--events-state-path`.
#[derive(Debug, Clone)]
pub struct EventsDir {
    pub dir: PathBuf,
    pub state: Option<PathBuf>,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn when(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |t| t.to_string())
}

fn schedule_text(s: &Schedule) -> String {
    match s {
        Schedule::Immediate => "immediate".into(),
        Schedule::At { unix_ms } => format!("at {}", when(*unix_ms)),
        Schedule::Cron(c) => format!("cron {:?} {}", c.pattern, c.timezone),
    }
}

impl EventsDir {
    fn state(&self) -> Result<RunnerState, String> {
        match &self.state {
            Some(p) if p.exists() => RunnerState::load(p).map_err(|e| e.to_string()),
            _ => Ok(RunnerState::default()),
        }
    }

    fn find(&self, id: &str) -> Result<Event, String> {
        let found = scan(&self.dir)?;
        found
            .events
            .into_iter()
            .find(|e| e.id == id)
            .ok_or_else(|| format!("no event {id:?} in {}", self.dir.display()))
    }
}

fn next(event: &Event, st: &EventState, now: i64) -> String {
    if !event.enabled {
        return "never (disabled)".into();
    }
    match next_wake(&event.schedule, st, now) {
        Ok(Some(t)) if t <= now => "now".into(),
        Ok(Some(t)) => when(t),
        Ok(None) => "never".into(),
        Err(e) => e.to_string(),
    }
}

impl EventsAccess for EventsDir {
    fn list(&self) -> Result<(Vec<EventRow>, Vec<String>), String> {
        let found = scan(&self.dir)?;
        let state = self.state()?;
        let now = now_ms();
        let rows = found
            .events
            .iter()
            .map(|e| {
                let st = state.events.get(&e.id).cloned().unwrap_or_default();
                EventRow {
                    id: e.id.clone(),
                    channel: e.channel.to_string(),
                    schedule: schedule_text(&e.schedule),
                    enabled: e.enabled,
                    runs: st.runs,
                    failures: st.failures,
                    last_error: st.last_error.clone(),
                    next: next(e, &st, now),
                }
            })
            .collect();
        let problems = found
            .problems
            .iter()
            .map(|p| format!("{}: {}", p.file.display(), p.reason))
            .collect();
        Ok((rows, problems))
    }

    fn show(&self, id: &str) -> Result<Vec<(String, String)>, String> {
        let e = self.find(id)?;
        let st = self.state()?.events.get(id).cloned().unwrap_or_default();
        let mut out = vec![
            ("id".to_string(), e.id.clone()),
            ("file".into(), e.file.display().to_string()),
            ("channel".into(), e.channel.to_string()),
            ("schedule".into(), schedule_text(&e.schedule)),
            (
                "model".into(),
                e.model.clone().unwrap_or_else(|| "default".into()),
            ),
            ("enabled".into(), e.enabled.to_string()),
            ("runs".into(), st.runs.to_string()),
            ("failures".into(), st.failures.to_string()),
            ("done".into(), st.done.to_string()),
            ("next".into(), next(&e, &st, now_ms())),
        ];
        if let Some(err) = &st.last_error {
            out.push(("last error".into(), err.clone()));
        }
        if let Some(t) = st.next_retry_ms {
            out.push(("next retry".into(), when(t)));
        }
        out.push(("prompt".into(), e.prompt.clone()));
        Ok(out)
    }

    fn run_now(&self, id: &str) -> Result<String, String> {
        let e = self.find(id)?;
        let copy = format!("{id}.now-{}", now_ms());
        super::check_id(&copy)?;
        let mut value = serde_json::json!({
            "id": copy,
            "channel": e.channel.to_string(),
            "prompt": e.prompt,
            "schedule": "immediate",
        });
        if let Some(m) = &e.model {
            value["model"] = serde_json::json!(m);
        }
        let path = self.dir.join(format!("{copy}.json"));
        let bytes = serde_json::to_vec_pretty(&value).map_err(|err| err.to_string())?;
        crate::private_fs::write_atomic(&path, &bytes, Some(0o600))
            .map_err(|err| format!("cannot write {}: {err}", path.display()))?;
        Ok(copy)
    }

    fn disable(&self, id: &str) -> Result<(), String> {
        let e = self.find(id)?;
        let text = std::fs::read_to_string(&e.file)
            .map_err(|err| format!("cannot read {}: {err}", e.file.display()))?;
        let mut value: serde_json::Value =
            serde_json::from_str(&text).map_err(|err| format!("{}: {err}", e.file.display()))?;
        value["enabled"] = serde_json::json!(false);
        let bytes = serde_json::to_vec_pretty(&value).map_err(|err| err.to_string())?;
        crate::private_fs::write_atomic(&e.file, &bytes, Some(0o600))
            .map_err(|err| format!("cannot write {}: {err}", e.file.display()))
    }
}
