use super::*;
use crate::calendar::{Date, days};
use rand::{Rng, SeedableRng};

fn at(y: i64, m: u32, d: u32, h: i64) -> Timestamp {
    Timestamp::from_millis(days(Date { year: y, month: m, day: d }) * DAY_MS + h * HOUR_MS)
}

fn expr(e: &str, duration: Option<&str>) -> ApiResult<Option<Schedule>> {
    Schedule::from_rules(&RotationRulesType {
        schedule_expression: Some(e.into()),
        duration: duration.map(str::to_string),
        ..Default::default()
    })
}

fn sched(e: &str, duration: Option<&str>) -> Schedule {
    expr(e, duration).unwrap_or_else(|err| panic!("{e}: {}", err.message)).unwrap()
}

/// The window seen at `now` for an expression schedule.
fn win(e: &str, duration: Option<&str>, now: Timestamp) -> (Timestamp, Timestamp) {
    let w = sched(e, duration).window(now, now).unwrap();
    (w.start, w.end)
}

#[test]
fn documented_examples_are_valid() {
    for e in [
        "cron(0 /8 * * ? *)",
        "cron(0 8/8 * * ? *)",
        "cron(0 2/10 * * ? *)",
        "cron(0 4/12 * * ? *)",
        "cron(0 10 * * ? *)",
        "cron(0 18 ? * SAT *)",
        "cron(0 8 1 * ? *)",
        "cron(0 1 ? 1/3 SUN#1 *)",
        "cron(0 17 L * ? *)",
        "cron(0 8 ? * MON-FRI *)",
        "cron(0 16 1,15 * ? *)",
        "cron(0 0 ? * SUN#1 *)",
        "cron(0 10 ? FEB,MAY,AUG,NOV TUE#2 *)",
        "cron(0 8 LW * ? *)",
        "cron(0 8 15W * ? *)",
        "cron(0 8 ? * 6L *)",
        "cron(0 8 ? * SUNL *)",
        "rate(4 hours)",
        "rate(12 hours)",
        "rate(1 day)",
        "rate(10 days)",
    ] {
        sched(e, None);
    }
    sched("cron(0 8/8 * * ? *)", Some("2h"));
}

#[test]
fn reference_page_cron_with_two_hour_windows() {
    // cron(0 8/8 * * ? *) fires at 08:00 and 16:00; Duration 2h.
    let e = "cron(0 8/8 * * ? *)";
    assert_eq!(win(e, Some("2h"), at(2026, 11, 27, 9)), (at(2026, 11, 27, 8), at(2026, 11, 27, 10)));
    assert_eq!(win(e, Some("2h"), at(2026, 11, 27, 10)), (at(2026, 11, 27, 16), at(2026, 11, 27, 18)));
    assert_eq!(win(e, Some("2h"), at(2026, 11, 27, 18)), (at(2026, 11, 28, 8), at(2026, 11, 28, 10)));
    // Without a Duration, a schedule in hours has one-hour windows.
    assert_eq!(win(e, None, at(2026, 11, 27, 0)), (at(2026, 11, 27, 8), at(2026, 11, 27, 9)));
    let w = sched(e, Some("2h")).window(at(2026, 11, 27, 9), at(2026, 1, 1, 0)).unwrap();
    assert_eq!(w.next_rotation_date().millis(), at(2026, 11, 27, 10).millis() - 1000);
}

#[test]
fn hour_increments_restart_every_day() {
    let e = "cron(0 2/10 * * ? *)";
    assert_eq!(win(e, None, at(2026, 1, 1, 13)).0, at(2026, 1, 1, 22));
    assert_eq!(win(e, None, at(2026, 1, 1, 23)).0, at(2026, 1, 2, 2));
    assert_eq!(win("cron(0 /8 * * ? *)", None, at(2026, 1, 1, 1)).0, at(2026, 1, 1, 8));
}

#[test]
fn day_patterns() {
    let jan1 = at(2026, 1, 1, 0);
    // Second Tuesday of February (crates.md, checked against croner).
    assert_eq!(win("cron(0 10 ? FEB,MAY,AUG,NOV TUE#2 *)", None, jan1).0, at(2026, 2, 10, 10));
    assert_eq!(win("cron(0 8 L * ? *)", None, jan1).0, at(2026, 1, 31, 8));
    assert_eq!(win("cron(0 8 L * ? *)", None, at(2026, 2, 1, 0)).0, at(2026, 2, 28, 8));
    assert_eq!(win("cron(0 8 L * ? *)", None, at(2028, 2, 1, 0)).0, at(2028, 2, 29, 8));
    assert_eq!(win("cron(0 8 LW * ? *)", None, jan1).0, at(2026, 1, 30, 8));
    assert_eq!(win("cron(0 8 LW * ? *)", None, at(2026, 5, 1, 0)).0, at(2026, 5, 29, 8), "May 31 2026 is a Sunday");
    assert_eq!(win("cron(0 8 15W * ? *)", None, jan1).0, at(2026, 1, 15, 8));
    assert_eq!(win("cron(0 8 17W * ? *)", None, jan1).0, at(2026, 1, 16, 8), "Jan 17 2026 is a Saturday");
    assert_eq!(win("cron(0 8 1W * ? *)", None, at(2026, 8, 1, 0)).0, at(2026, 8, 3, 8), "Aug 1 2026 is a Saturday");
    assert_eq!(win("cron(0 8 ? * 6L *)", None, jan1).0, at(2026, 1, 30, 8));
    assert_eq!(win("cron(0 8 ? * 2#1 *)", None, jan1).0, at(2026, 1, 5, 8));
    assert_eq!(win("cron(0 1 ? 1/3 SUN#1 *)", None, at(2026, 1, 5, 0)).0, at(2026, 4, 5, 1));
    assert_eq!(win("cron(0 18 ? * SAT *)", None, jan1).0, at(2026, 1, 3, 18));
    assert_eq!(win("cron(0 16 1,15 * ? *)", None, at(2026, 1, 2, 0)).0, at(2026, 1, 15, 16));
    assert_eq!(win("cron(0 0 29 2 ? *)", None, jan1).0, at(2028, 2, 29, 0));
}

#[test]
fn day_schedules_run_to_the_end_of_the_day() {
    // A daily cron: from the fire time to midnight.
    assert_eq!(win("cron(0 17 L * ? *)", None, at(2026, 2, 1, 0)), (at(2026, 2, 28, 17), at(2026, 3, 1, 0)));
    // rate(10 days): the whole day ten days after the last rotation.
    let s = sched("rate(10 days)", None);
    let w = s.window(at(2026, 3, 1, 0), at(2026, 2, 3, 5)).unwrap();
    assert_eq!((w.start, w.end), (at(2026, 2, 13, 0), at(2026, 2, 14, 0)), "overdue windows stay where they were");
    assert_eq!(s.computed_days(), Some(10));
    assert!(s.counts_from_last_rotation());
    // docs/behaviour.md §8.2: last change 2026-02-03, N=30 -> 2026-03-05T23:59:59Z.
    let rules = RotationRulesType { automatically_after_days: Some(30), ..Default::default() };
    let days = Schedule::from_rules(&rules).unwrap().unwrap();
    assert_eq!(
        days.window(at(2026, 2, 3, 5), at(2026, 2, 3, 5)).unwrap().next_rotation_date(),
        Timestamp::from_millis(at(2026, 3, 6, 0).millis() - 1000)
    );
    let w = sched("rate(1 day)", Some("3h")).window(at(2026, 1, 1, 0), at(2026, 1, 1, 12)).unwrap();
    assert_eq!((w.start, w.end), (at(2026, 1, 2, 0), at(2026, 1, 2, 3)));
}

#[test]
fn hour_rates_start_at_midnight() {
    assert_eq!(win("rate(4 hours)", None, at(2026, 1, 1, 5)), (at(2026, 1, 1, 8), at(2026, 1, 1, 9)));
    assert_eq!(win("rate(12 hours)", Some("3h"), at(2026, 1, 1, 13)), (at(2026, 1, 1, 12), at(2026, 1, 1, 15)));
    assert_eq!(win("rate(5 hours)", None, at(2026, 1, 1, 21)).0, at(2026, 1, 2, 0));
    assert!(!sched("rate(4 hours)", None).counts_from_last_rotation());
}

#[test]
fn rejections_say_what_is_wrong() {
    let cases: &[(&str, Option<&str>, &str)] = &[
        ("rate(3 hours)", None, "at most every 4 hours"),
        ("rate(24 hours)", None, "use rate(<number> days)"),
        ("rate(0 days)", None, "between 1 and 1000"),
        ("rate(1001 days)", None, "between 1 and 1000"),
        ("rate(5 minutes)", None, "Invalid rate() expression"),
        ("rate(ten days)", None, "Invalid rate() expression"),
        ("cron(5 8 * * ? *)", None, "minutes field must be 0"),
        ("cron(0 8 * * ? 2027)", None, "year field must be *"),
        ("cron(0 8 ? * ? *)", None, "exactly one of day-of-month and day-of-week"),
        ("cron(0 8 * * MON *)", None, "exactly one of day-of-month and day-of-week"),
        ("cron(0 8 * *)", None, "six fields"),
        ("cron(0 24 * * ? *)", None, "hours field"),
        ("cron(0 8 * 13 ? *)", None, "month field"),
        ("cron(0 8 ? * MON#6 *)", None, "day-of-week"),
        ("cron(0 8 32 * ? *)", None, "day-of-month"),
        ("cron(0 0,2 * * ? *)", None, "less than 4 hours apart"),
        ("cron(0 1,22 * * ? *)", None, "on consecutive days are less than 4 hours apart"),
        ("cron(0 20 * * ? *)", Some("6h"), "must not extend into the next UTC day"),
        ("cron(0 0/6 * * ? *)", Some("7h"), "must not extend into the next rotation window"),
        ("rate(6 hours)", Some("7h"), "must not extend into the next rotation window"),
        ("rate(1 day)", Some("25h"), "between 1h and 24h"),
        ("rate(1 day)", Some("0h"), "between 1h and 24h"),
        ("cron(0 0 30 2 ? *)", None, "never matches a day"),
        ("every day", None, "neither a rate() nor a cron() expression"),
    ];
    for (e, d, wanted) in cases {
        let err = expr(e, *d).expect_err(e);
        assert_eq!(err.code, crate::ErrorCode::InvalidParameterException);
        assert!(err.message.contains(wanted), "{e}: {}", err.message);
    }
    // A weekly schedule may fire late one day and early the next week.
    sched("cron(0 1,22 ? * MON *)", None);
    let both = RotationRulesType {
        automatically_after_days: Some(3),
        schedule_expression: Some("rate(3 days)".into()),
        ..Default::default()
    };
    assert_eq!(
        Schedule::from_rules(&both).unwrap_err().message,
        "You cannot specify both rotation frequency and schedule expression together."
    );
}

// --- Brute force: a second, naive reading of cron expressions, stepping
// hour by hour, to check the window search against.

fn naive_value(s: &str, names: &[&str]) -> u32 {
    s.parse().unwrap_or_else(|_| names.iter().position(|n| n.eq_ignore_ascii_case(s)).unwrap() as u32 + 1)
}

/// Whether `v` is in a field of numbers (`*`, lists, ranges, steps).
fn naive_in(field: &str, v: u32, min: u32, max: u32, names: &[&str]) -> bool {
    field.split(',').any(|part| {
        let (range, step) = part.split_once('/').map_or((part, 1), |(r, s)| (r, s.parse().unwrap()));
        let (lo, hi) = if range == "*" || range.is_empty() {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            (naive_value(a, names), naive_value(b, names))
        } else if part.contains('/') {
            (naive_value(range, names), max)
        } else {
            (naive_value(range, names), naive_value(range, names))
        };
        v >= lo && v <= hi && (v - lo).is_multiple_of(step)
    })
}

fn naive_day(dom: &str, month: &str, dow: &str, day: i64) -> bool {
    let d = calendar::date(day);
    let wd = weekday(day);
    let month_of = |x: i64| calendar::date(x).month;
    let is_weekday = |x: i64| (2..=6).contains(&weekday(x));
    if !naive_in(month, d.month, 1, 12, &MONTHS) {
        return false;
    }
    if dom != "?" {
        return match dom {
            "L" => month_of(day + 1) != d.month,
            // The last Monday–Friday: a weekday with no weekday after it this month.
            "LW" => is_weekday(day) && (1..=3).all(|k| month_of(day + k) != d.month || !is_weekday(day + k)),
            w if w.ends_with('W') => {
                let n: i64 = w[..w.len() - 1].parse().unwrap();
                let target = day - i64::from(d.day) + n;
                if month_of(target) != d.month {
                    return false;
                }
                // The weekday of this month closest to the target (earlier wins a tie).
                (-3..=3)
                    .map(|k: i64| target + k)
                    .filter(|x| month_of(*x) == d.month && is_weekday(*x))
                    .min_by_key(|x| ((x - target).abs(), *x))
                    == Some(day)
            }
            f => naive_in(f, d.day, 1, 31, &[]),
        };
    }
    if dow == "L" {
        return wd == 7;
    }
    if let Some((w, k)) = dow.split_once('#') {
        let nth = (1..=5).filter(|i| day - 7 * i >= 0).filter(|i| month_of(day - 7 * i) == d.month).count() + 1;
        return wd == naive_value(w, &WEEKDAYS) && nth == k.parse::<usize>().unwrap();
    }
    if let Some(w) = dow.strip_suffix('L') {
        return wd == naive_value(w, &WEEKDAYS) && month_of(day + 7) != d.month;
    }
    naive_in(dow, wd, 1, 7, &WEEKDAYS)
}

/// The first window (start, end) not ended at `t`, hour by hour.
fn naive_window(e: &str, duration: Option<u32>, t: Timestamp) -> (i64, i64) {
    let f: Vec<&str> = e["cron(".len()..e.len() - 1].split_whitespace().collect();
    let hours: Vec<u32> = (0..24).filter(|h| naive_in(f[1], *h, 0, 23, &[])).collect();
    let mut x = t.millis().div_euclid(DAY_MS) * DAY_MS;
    loop {
        let h = (x.rem_euclid(DAY_MS) / HOUR_MS) as u32;
        let day = x.div_euclid(DAY_MS);
        if hours.contains(&h) && naive_day(f[2], f[3], f[4], day) {
            let len = duration.unwrap_or(if hours.len() > 1 { 1 } else { 24 - h });
            let end = x + i64::from(len) * HOUR_MS;
            if end > t.millis() {
                return (x, end);
            }
        }
        x += HOUR_MS;
    }
}

fn random_expression(rng: &mut impl Rng) -> String {
    let pick = |rng: &mut dyn rand::RngCore, xs: &[&str]| xs[rng.random_range(0..xs.len())].to_string();
    let hours = match rng.random_range(0..4) {
        0 => rng.random_range(0..24).to_string(),
        1 => format!("{}/{}", rng.random_range(0..6), rng.random_range(4..13)),
        2 => format!("{},{}", rng.random_range(0..8), rng.random_range(12..24)),
        _ => pick(rng, &["/8", "*/6", "4-20/8"]),
    };
    let month = match rng.random_range(0..4) {
        0 => "*".into(),
        1 => rng.random_range(1..13).to_string(),
        2 => pick(rng, &["JAN,APR,JUL,OCT", "2-5", "1/3", "FEB", "DEC", "MAR-NOV/4"]),
        _ => format!("{},{}", rng.random_range(1..7), rng.random_range(7..13)),
    };
    let (dom, dow) = if rng.random_bool(0.5) {
        let dom = match rng.random_range(0..6) {
            0 => "*".into(),
            1 => rng.random_range(1..32).to_string(),
            2 => "L".into(),
            3 => "LW".into(),
            4 => format!("{}W", rng.random_range(1..32)),
            _ => format!("{}-{}/{}", rng.random_range(1..10), rng.random_range(15..32), rng.random_range(1..8)),
        };
        (dom, "?".to_string())
    } else {
        let dow = match rng.random_range(0..6) {
            0 => "*".into(),
            1 => pick(rng, &["MON", "SUN", "SAT", "MON-FRI", "TUE,THU", "L"]),
            2 => format!("{}L", rng.random_range(1..8)),
            3 => format!("{}#{}", pick(rng, &["SUN", "MON", "WED", "FRI", "SAT"]), rng.random_range(1..6)),
            4 => rng.random_range(1..8).to_string(),
            _ => format!("{}-{}", rng.random_range(1..4), rng.random_range(4..8)),
        };
        ("?".to_string(), dow)
    };
    format!("cron(0 {hours} {dom} {month} {dow} *)")
}

/// Property: for random expressions and instants over several years, the
/// window search finds exactly the window a brute-force hour-by-hour scan
/// finds.
#[test]
fn window_search_matches_brute_force() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5ec2e75);
    let (lo, hi) = (at(2024, 1, 1, 0).millis(), at(2031, 12, 31, 0).millis());
    let mut checked = 0;
    while checked < 400 {
        let e = random_expression(&mut rng);
        let duration = rng.random_bool(0.3).then(|| rng.random_range(1..4u32));
        let Ok(Some(s)) = expr(&e, duration.map(|d| format!("{d}h")).as_deref()) else { continue };
        for _ in 0..3 {
            let t = Timestamp::from_millis(rng.random_range(lo..hi));
            let w = s.window(t, t).unwrap();
            assert_eq!((w.start.millis(), w.end.millis()), naive_window(&e, duration, t), "{e} {duration:?} at {t:?}");
        }
        checked += 1;
    }
}

#[test]
fn plans_start_inside_the_window_and_are_stable() {
    let s = sched("cron(0 8/8 * * ? *)", Some("2h"));
    let p = s.plan(at(2026, 11, 27, 9), at(2026, 1, 1, 0), "arn:a").unwrap();
    assert_eq!(p.window.start, at(2026, 11, 27, 8));
    assert!(p.rotate_at >= p.window.start && p.rotate_at.millis() < p.window.start.millis() + 90 * 60_000);
    assert_eq!(p, s.plan(at(2026, 11, 27, 9), at(2026, 1, 1, 0), "arn:a").unwrap(), "deterministic");
    let offsets: std::collections::HashSet<i64> = (0..50)
        .map(|i| s.plan(at(2026, 11, 27, 9), at(2026, 1, 1, 0), &format!("arn:{i}")).unwrap().rotate_at.millis())
        .collect();
    assert!(offsets.len() > 40, "spread across secrets");
    // A rotation inside a window uses it up.
    let after = s.plan_after_rotation(at(2026, 11, 27, 9), "arn:a").unwrap();
    assert_eq!(after.window.start, at(2026, 11, 27, 16));
    // Between windows, the next window is still to come.
    assert_eq!(s.plan_after_rotation(at(2026, 11, 27, 12), "arn:a").unwrap().window.start, at(2026, 11, 27, 16));
    // Days: N days after the rotation.
    let d = sched("rate(10 days)", None);
    assert_eq!(d.plan_after_rotation(at(2026, 2, 3, 15), "arn:a").unwrap().window.start, at(2026, 2, 13, 0));
}

/// Found by `fuzz/run schedule`: the fifth Tuesday of February comes
/// every 28 years, so from 2029 the next window was beyond the horizon
/// and computing it panicked (in the store's writer, on RotateSecret).
/// Now such a schedule has no window there, and RotateSecret refuses it.
#[test]
fn a_schedule_that_skips_decades_has_no_window_and_is_refused() {
    let s = sched("cron(0 2 ? 2 TUE#5 *)", Some("1h"));
    // Feb 29, 2028 is a fifth Tuesday; the next is in 2056.
    assert_eq!(s.window(at(2026, 12, 5, 0), at(2026, 12, 5, 0)).unwrap().start, at(2028, 2, 29, 2));
    assert!(s.window(at(2030, 1, 1, 0), at(2030, 1, 1, 0)).is_none());
    assert!(s.plan(at(2030, 1, 1, 0), at(2030, 1, 1, 0), "arn").is_none());
    assert!(s.plan_after_rotation(at(2030, 1, 1, 0), "arn").is_none());
    // The fuzzer's own input, at 9934-09-12: no panic.
    assert!(s.window(Timestamp::from_millis(251_341_549_792_184), Timestamp::from_millis(0)).is_none());
    let e = s.check_recurs().unwrap_err();
    assert_eq!(e.message, "The schedule expression matches days more than 8 years apart; rotate at least that often.");
    // Rare but regular schedules pass.
    for ok in
        ["cron(0 2 29 2 ? *)", "cron(0 2 ? 1 MON#5 *)", "cron(0 2 LW 2 ? *)", "cron(0 2 ? * 6L *)", "rate(4 hours)"]
    {
        sched(ok, None).check_recurs().unwrap_or_else(|e| panic!("{ok}: {}", e.message));
    }
}

/// Found by the same run: numbers took a sign (`+2` read as February).
#[test]
fn numbers_in_expressions_are_digits_only() {
    for bad in [
        "cron(0 2/7 ? +2 TUE#5 *)",
        "cron(0 +2 * * ? *)",
        "cron(0 2/+7 * * ? *)",
        "cron(0 2 ? * TUE#+1 *)",
        "rate(+10 days)",
    ] {
        assert!(expr(bad, None).is_err(), "{bad}");
    }
    assert!(expr("cron(0 2 * * ? *)", Some("+2h")).is_err());
}

#[test]
fn the_preview_lists_the_next_windows() {
    // Every 8 hours from midnight, an hour each: seen at 05:00, the next
    // five are 08:00, 16:00, 00:00, 08:00, 16:00.
    let s = sched("cron(0 /8 * * ? *)", None);
    let now = at(2026, 12, 6, 5);
    let w = s.upcoming(now, now, 5);
    let starts: Vec<_> = w.iter().map(|w| w.start).collect();
    assert_eq!(
        starts,
        vec![at(2026, 12, 6, 8), at(2026, 12, 6, 16), at(2026, 12, 7, 0), at(2026, 12, 7, 8), at(2026, 12, 7, 16)]
    );
    assert!(w.iter().all(|w| w.len_ms() == HOUR_MS));

    // Every 10 days after the last rotation, all day long.
    let days = Schedule::from_rules(&RotationRulesType { automatically_after_days: Some(10), ..Default::default() })
        .unwrap()
        .unwrap();
    let last = at(2026, 12, 1, 13);
    let w = days.upcoming(at(2026, 12, 6, 5), last, 3);
    assert_eq!(
        w.iter().map(|w| w.start).collect::<Vec<_>>(),
        vec![at(2026, 12, 11, 0), at(2026, 12, 21, 0), at(2026, 12, 31, 0)]
    );
    // Overdue: the window that is over comes first; the next counts from now.
    let w = days.upcoming(at(2026, 12, 20, 5), last, 2);
    assert_eq!(w.iter().map(|w| w.start).collect::<Vec<_>>(), vec![at(2026, 12, 11, 0), at(2026, 12, 30, 0)]);
}
