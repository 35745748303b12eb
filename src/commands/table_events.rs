//! The events commands' declarations (docs/events.md). Run by `events.rs`.

use super::spec::ArgKind::Text;
use super::spec::{CommandGroup::Automate, CommandSpec};
use super::table::{plain, req};

pub(super) const EVENTS: &[CommandSpec] = &[
    plain(
        "events-list",
        Automate,
        "the event files of --events-dir: schedule, channel, runs, next time",
        "Lists the events of --events-dir with their channel, schedule, whether they are enabled, their runs and failures (from --events-state-path when given) and when they run next. Files that could not be read are listed with the reason.",
        &[],
        true,
        true,
    ),
    plain(
        "events-show",
        Automate,
        "one event: its file, schedule, prompt, state and next time",
        "Shows one event of --events-dir: its file, channel, schedule, model, prompt, whether it is enabled, and its state (runs, failures, the last error, the next retry).",
        &[req("id", Text)],
        true,
        true,
    ),
    plain(
        "events-run",
        Automate,
        "run an event now (an immediate copy for the runner)",
        "Writes an immediate copy of the event into --events-dir (id ID.now-TIME): the events runner watching the folder runs it at once, in the event's channel; the event's own schedule is unchanged.",
        &[req("id", Text)],
        false,
        true,
    ),
    plain(
        "events-disable",
        Automate,
        "stop an event from running (enabled: false in its file)",
        "Sets \"enabled\": false in the event's file (replaced atomically); the runner reads but never runs it. Set it back to true in the file to enable it again.",
        &[req("id", Text)],
        false,
        true,
    ),
];
