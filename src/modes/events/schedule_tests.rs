use jiff::civil::date;
use jiff::tz::TimeZone;

use super::*;

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

fn cron(pattern: &str, zone: &str) -> CronSchedule {
    CronSchedule::new(pattern, Some(zone)).unwrap()
}

/// Unix ms of a wall-clock time in `zone` (the earlier instant when it is ambiguous).
fn ms(zone: &str, y: i16, mo: i8, d: i8, h: i8, mi: i8) -> i64 {
    date(y, mo, d)
        .at(h, mi, 0, 0)
        .to_zoned(TimeZone::get(zone).unwrap())
        .unwrap()
        .timestamp()
        .as_millisecond()
}

/// `ms` as `YYYY-MM-DDTHH:MM+OFFSET` in `zone`, for readable asserts.
fn show(zone: &str, ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .unwrap()
        .to_zoned(TimeZone::get(zone).unwrap())
        .strftime("%Y-%m-%dT%H:%M%:z")
        .to_string()
}

fn shown(zone: &str, slots: &[i64]) -> Vec<String> {
    slots.iter().map(|&s| show(zone, s)).collect()
}

/// Every slot in `(from, to]`, found by polling every `step` as a runner would, carrying
/// the state's mark from one poll to the next.
fn poll(c: &CronSchedule, from: i64, to: i64, step: i64) -> Vec<i64> {
    let mut last = Some(from);
    let mut ran = Vec::new();
    let mut now = from + step;
    while now <= to {
        let plan = cron_slots(c, last, now, CatchUp::Last, 0).unwrap();
        ran.extend(&plan.run);
        last = Some(plan.last_slot_ms);
        now += step;
    }
    ran
}

#[test]
fn spring_forward_gap_runs_once_right_after_the_gap() {
    // Europe/Berlin, 2026-03-29: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist.
    let c = cron("30 2 * * *", "Europe/Berlin");
    let from = ms("Europe/Berlin", 2026, 3, 27, 12, 0);
    let ran = poll(&c, from, from + 4 * DAY, MIN);
    assert_eq!(
        shown("Europe/Berlin", &ran),
        [
            "2026-03-28T02:30+01:00",
            // croner runs a fixed-time job whose time falls in the gap at the first minute
            // after it, the same day.
            "2026-03-29T03:00+02:00",
            "2026-03-30T02:30+02:00",
            "2026-03-31T02:30+02:00",
        ]
    );
    // The wake-up from just before the gap points at the same minute.
    let before = ms("Europe/Berlin", 2026, 3, 29, 1, 59);
    assert_eq!(
        show("Europe/Berlin", next_slot(&c, before).unwrap().unwrap()),
        "2026-03-29T03:00+02:00"
    );
}

#[test]
fn spring_forward_interval_jobs_skip_the_gap() {
    let c = cron("*/30 * * * *", "Europe/Berlin");
    let from = ms("Europe/Berlin", 2026, 3, 29, 1, 0);
    let ran = poll(&c, from, from + 2 * HOUR, MIN);
    // 01:00 CET + 2 h real time = 04:00 CEST.
    assert_eq!(
        shown("Europe/Berlin", &ran),
        [
            "2026-03-29T01:30+01:00",
            "2026-03-29T03:00+02:00",
            "2026-03-29T03:30+02:00",
            "2026-03-29T04:00+02:00",
        ]
    );
}

#[test]
fn fall_back_overlap_runs_a_fixed_time_job_once() {
    // Europe/Berlin, 2026-10-25: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice.
    let c = cron("30 2 * * *", "Europe/Berlin");
    let from = ms("Europe/Berlin", 2026, 10, 24, 12, 0);
    let ran = poll(&c, from, from + 3 * DAY, MIN);
    assert_eq!(
        shown("Europe/Berlin", &ran),
        [
            // Only the first (summer-time) pass.
            "2026-10-25T02:30+02:00",
            "2026-10-26T02:30+01:00",
            "2026-10-27T02:30+01:00",
        ]
    );
    // From inside the second pass the next slot is the next day, not the repeat.
    let second_pass = ms("Europe/Berlin", 2026, 10, 25, 2, 30) + HOUR;
    assert_eq!(show("Europe/Berlin", second_pass), "2026-10-25T02:30+01:00");
    assert_eq!(
        show(
            "Europe/Berlin",
            next_slot(&c, second_pass - MIN).unwrap().unwrap()
        ),
        "2026-10-26T02:30+01:00"
    );
}

#[test]
fn fall_back_overlap_runs_an_interval_job_in_both_passes() {
    let from = ms("Europe/Berlin", 2026, 10, 25, 1, 0);
    let both_passes = [
        "2026-10-25T02:00+02:00",
        "2026-10-25T02:30+02:00",
        "2026-10-25T02:00+01:00",
        "2026-10-25T02:30+01:00",
    ];
    let c = cron("*/30 2 * * *", "Europe/Berlin");
    assert_eq!(
        shown("Europe/Berlin", &poll(&c, from, from + 4 * HOUR, MIN)),
        both_passes
    );
    // croner counts only a single value in each of minute and hour as a fixed time: a list
    // is an interval job and runs in both passes too.
    let c = cron("0,30 2 * * *", "Europe/Berlin");
    assert_eq!(
        shown("Europe/Berlin", &poll(&c, from, from + 4 * HOUR, MIN)),
        both_passes
    );
}

#[test]
fn weekday_cron_skips_the_weekend() {
    let c = cron("0 9 * * MON-FRI", "Europe/Berlin");
    // Friday 2026-12-04 10:00 to Tuesday 2026-12-08 10:00.
    let from = ms("Europe/Berlin", 2026, 12, 4, 10, 0);
    let ran = poll(&c, from, from + 4 * DAY, 5 * MIN);
    assert_eq!(
        shown("Europe/Berlin", &ran),
        ["2026-12-07T09:00+01:00", "2026-12-08T09:00+01:00"]
    );
    assert_eq!(
        show("Europe/Berlin", next_slot(&c, from).unwrap().unwrap()),
        "2026-12-07T09:00+01:00"
    );
}

#[test]
fn catch_up_after_three_days_down() {
    let c = cron("0 * * * *", "UTC");
    let last = ms("UTC", 2026, 12, 1, 10, 0);
    let now = last + 3 * DAY + 20 * MIN;
    let plan = |mode, grace| cron_slots(&c, Some(last), now, mode, grace).unwrap();
    let newest = ms("UTC", 2026, 12, 4, 10, 0);

    let none = plan(CatchUp::None, 5 * MIN);
    assert_eq!(none.run, Vec::<i64>::new());
    assert_eq!(
        none.last_slot_ms, newest,
        "skipped slots are still marked handled"
    );

    let last_only = plan(CatchUp::Last, 5 * MIN);
    assert_eq!(last_only.run, [newest]);
    assert_eq!(last_only.last_slot_ms, newest);

    // 72 hourly slots were missed: All runs them oldest first.
    let all = plan(CatchUp::All, 5 * MIN);
    assert_eq!(all.run.len(), 72);
    assert_eq!(all.run[0], last + HOUR);
    assert_eq!(all.run[71], newest);
    assert!(all.run.windows(2).all(|w| w[1] - w[0] == HOUR));

    // A slot within the grace time is on time, not missed: it runs even under None.
    let none = plan(CatchUp::None, 30 * MIN);
    assert_eq!(none.run, [newest]);
}

#[test]
fn catch_up_all_is_capped_at_the_newest_hundred() {
    let c = cron("* * * * *", "UTC");
    let last = ms("UTC", 2026, 12, 1, 0, 0);
    let now = last + 3 * DAY;
    let plan = cron_slots(&c, Some(last), now, CatchUp::All, 0).unwrap();
    assert_eq!(plan.run.len(), MAX_CATCH_UP);
    assert_eq!(plan.run[99], now);
    assert_eq!(plan.run[0], now - 99 * MIN);
    assert_eq!(plan.last_slot_ms, now);
}

#[test]
fn a_restart_mid_slot_does_not_run_it_again() {
    let c = cron("0 9 * * *", "Europe/Berlin");
    let slot = ms("Europe/Berlin", 2026, 12, 4, 9, 0);
    // The runner saw the slot 3 s late, saved the mark, and crashed mid-run.
    let first = cron_slots(&c, Some(slot - HOUR), slot + 3_000, CatchUp::All, MIN).unwrap();
    assert_eq!(first.run, [slot]);
    // Restarted 40 s later with the saved state: nothing under any mode.
    for mode in [CatchUp::None, CatchUp::Last, CatchUp::All] {
        let again = cron_slots(&c, Some(first.last_slot_ms), slot + 43_000, mode, MIN).unwrap();
        assert_eq!(again.run, Vec::<i64>::new());
        assert_eq!(again.last_slot_ms, slot);
    }
    let state = EventState {
        last_slot_ms: Some(slot),
        ..EventState::default()
    };
    let schedule = Schedule::Cron(c.clone());
    assert_eq!(
        due(&schedule, &state, slot + 43_000, CatchUp::Last, MIN),
        Ok(Due::Nothing)
    );
    assert_eq!(
        next_wake(&schedule, &state, slot + 43_000),
        Ok(Some(slot + DAY))
    );
}

#[test]
fn an_event_seen_first_starts_from_now() {
    let c = cron("* * * * *", "UTC");
    let now = ms("UTC", 2026, 12, 4, 9, 0) + 500;
    let plan = cron_slots(&c, None, now, CatchUp::All, MIN).unwrap();
    assert_eq!(
        plan,
        SlotPlan {
            run: vec![],
            last_slot_ms: now
        }
    );
    // The next minute runs on the next poll; sub-second clocks do not hide or repeat it.
    let next = cron_slots(&c, Some(now), now + 59_600, CatchUp::Last, MIN).unwrap();
    assert_eq!(next.run, [now - 500 + MIN]);
    assert_eq!(next_slot(&c, now).unwrap(), Some(now - 500 + MIN));
    assert_eq!(
        next_slot(&c, now - 500 + MIN - 1).unwrap(),
        Some(now - 500 + MIN)
    );
    let state = EventState::default();
    assert_eq!(
        due(&Schedule::Cron(c), &state, now, CatchUp::Last, MIN),
        Ok(Due::Slots(plan))
    );
}

#[test]
fn at_events_run_once_when_their_time_comes() {
    let at = ms("UTC", 2027, 1, 1, 0, 0);
    let schedule = Schedule::At { unix_ms: at };
    let fresh = EventState::default();
    let done = EventState {
        done: true,
        ..EventState::default()
    };
    // In the future: not yet; wake at its time.
    assert!(!at_due(at, false, at - 1));
    assert_eq!(
        due(&schedule, &fresh, at - 1, CatchUp::None, 0),
        Ok(Due::Nothing)
    );
    assert_eq!(next_wake(&schedule, &fresh, at - HOUR), Ok(Some(at)));
    // Reached, or long past (the runner was down): once, whatever the catch-up mode.
    assert!(at_due(at, false, at));
    for now in [at, at + 30 * DAY] {
        assert_eq!(due(&schedule, &fresh, now, CatchUp::None, 0), Ok(Due::Once));
        assert_eq!(next_wake(&schedule, &fresh, now), Ok(Some(now)));
    }
    // Done: never again.
    assert!(!at_due(at, true, at + 1));
    assert_eq!(
        due(&schedule, &done, at + 1, CatchUp::All, 0),
        Ok(Due::Nothing)
    );
    assert_eq!(next_wake(&schedule, &done, at + 1), Ok(None));
}

#[test]
fn immediate_events_run_at_once_until_done() {
    let now = 1_000_000;
    let fresh = EventState::default();
    let done = EventState {
        done: true,
        ..EventState::default()
    };
    assert_eq!(
        due(&Schedule::Immediate, &fresh, now, CatchUp::None, 0),
        Ok(Due::Once)
    );
    assert_eq!(next_wake(&Schedule::Immediate, &fresh, now), Ok(Some(now)));
    assert_eq!(
        due(&Schedule::Immediate, &done, now, CatchUp::All, 0),
        Ok(Due::Nothing)
    );
    assert_eq!(next_wake(&Schedule::Immediate, &done, now), Ok(None));
}

#[test]
fn a_pending_retry_wakes_the_runner_sooner() {
    let c = cron("0 9 * * *", "UTC");
    let now = ms("UTC", 2026, 12, 4, 9, 1);
    let state = EventState {
        last_slot_ms: Some(now - MIN),
        failures: 1,
        next_retry_ms: Some(now + 30_000),
        ..EventState::default()
    };
    assert_eq!(
        next_wake(&Schedule::Cron(c), &state, now),
        Ok(Some(now + 30_000))
    );
    // A retry already overdue wakes now, not in the past.
    let at = Schedule::At { unix_ms: now + DAY };
    let overdue = EventState {
        next_retry_ms: Some(now - 5),
        ..EventState::default()
    };
    assert_eq!(next_wake(&at, &overdue, now), Ok(Some(now)));
}

#[test]
fn catch_up_parses_the_flag_values() {
    assert_eq!(CatchUp::parse("none"), Ok(CatchUp::None));
    assert_eq!(CatchUp::parse("last"), Ok(CatchUp::Last));
    assert_eq!(CatchUp::parse("all"), Ok(CatchUp::All));
    assert!(CatchUp::parse("some").is_err());
    assert_eq!(CatchUp::default(), CatchUp::Last);
}
