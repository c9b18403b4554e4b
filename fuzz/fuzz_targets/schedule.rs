//! Rotation rules as RotateSecret takes them (`rate(…)`, AWS's `cron(…)`,
//! AutomaticallyAfterDays, Duration), and the windows computed from them
//! at any instant rekey's clock can show. Never a panic; a window is never
//! empty.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rekey_model::Timestamp;
use rekey_model::api::RotationRulesType;
use rekey_model::schedule::Schedule;

/// 9999-12-31T23:59:59Z, the furthest rekey's clock moves.
const LAST_MS: i64 = 253_402_300_799_000;

fuzz_target!(|data: &[u8]| {
    if data.len() < 17 {
        return;
    }
    let (numbers, text) = data.split_at(17);
    let int = |at: usize| i64::from_le_bytes(numbers[at..at + 8].try_into().unwrap());
    let (now, last, flags) = (int(0).rem_euclid(LAST_MS), int(8).rem_euclid(LAST_MS), numbers[16]);
    let Ok(text) = std::str::from_utf8(text) else { return };
    let (expression, duration) = text.split_once('|').unwrap_or((text, ""));
    let rules = RotationRulesType {
        automatically_after_days: (flags & 1 == 1).then(|| i64::from(flags >> 3)),
        duration: (flags & 2 == 2).then(|| duration.to_string()),
        schedule_expression: (flags & 4 == 4).then(|| expression.to_string()),
    };
    if let Ok(Some(schedule)) = Schedule::from_rules(&rules) {
        let (now, last) = (Timestamp::from_millis(now), Timestamp::from_millis(last));
        if let Some(window) = schedule.window(now, last) {
            assert!(window.len_ms() > 0, "{rules:?}: empty window at {now:?}");
            let _ = window.next_rotation_date();
        }
        let _ = schedule.plan(now, last, "key");
        let _ = schedule.plan_after_rotation(now, "key");
        // What RotateSecret accepts has a window whenever it is asked.
        if schedule.check_recurs().is_ok() && now.millis() < LAST_MS - 9 * 366 * 86_400_000 {
            assert!(schedule.window(now, last).is_some(), "{rules:?}: no window at {now:?}");
        }
    }
});
