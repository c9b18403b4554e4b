//! Rotation schedules (docs/behaviour.md §8): RotationRules parsed and checked
//! the way AWS does, and turned into rotation windows.
//!
//! Three shapes:
//! - `AutomaticallyAfterDays = N` and `rate(N days)`: one window on the day
//!   N days after the last rotation (or manual value change), all day long
//!   unless `Duration` says otherwise;
//! - `rate(N hours)`: windows at midnight UTC and every N hours after it,
//!   an hour long by default;
//! - `cron(0 H DoM Mon DoW *)`: a window at each fire time, an hour long
//!   when the expression fires several times a day, else to the end of the
//!   day.
//!
//! A window never crosses midnight UTC nor reaches the next window, and
//! rotations are at least 4 hours apart.

use crate::api::RotationRulesType;
use crate::api::wire::Timestamp;
use crate::calendar::{self, days_in_month, weekday};
use crate::error::{ApiError, ApiResult};

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// Rotations may not come closer than this (hours).
const MIN_GAP_HOURS: u32 = 4;
/// How far ahead a window is looked for (a valid expression fires within
/// a few years: `29 2` needs four, `SUN#5` of a month list a few more).
const HORIZON_DAYS: i64 = 366 * 8;
/// The days of the Gregorian calendar's 400-year cycle, after which
/// weekdays and leap days repeat.
const CYCLE_DAYS: i64 = 146_097;

/// A rotation window: rotation may start at any instant in `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// First instant.
    pub start: Timestamp,
    /// The instant after the last.
    pub end: Timestamp,
}

impl Window {
    /// NextRotationDate as AWS reports it: the last second of the window
    /// (23:59:59 for a window that runs to the end of the day).
    pub fn next_rotation_date(&self) -> Timestamp {
        Timestamp::from_millis(self.end.millis() - 1000)
    }

    /// Length in milliseconds.
    pub fn len_ms(&self) -> i64 {
        self.end.millis() - self.start.millis()
    }
}

/// The scheduler's plan for a secret: when to start its next scheduled
/// rotation, and the NextRotationDate to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// The window of the next scheduled rotation.
    pub window: Window,
    /// When to start it: a point inside the window, fixed per secret and
    /// window, in its first three quarters (so that the rotation can finish
    /// inside the window).
    pub rotate_at: Timestamp,
}

impl Plan {
    fn of(window: Window, key: &str) -> Plan {
        // FNV-1a of the secret and the window: deterministic (a restart
        // changes nothing; tests can predict it) and spread across secrets.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in key.bytes().chain(window.start.millis().to_le_bytes()) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        let span_s = (window.len_ms() * 3 / 4 / 1000).max(1) as u64;
        let offset_ms = (h % span_s) as i64 * 1000;
        Plan { window, rotate_at: Timestamp::from_millis(window.start.millis() + offset_ms) }
    }
}

/// Which days of the month (cron day-of-month).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Dom {
    /// A set of days (bit n = day n).
    Days(u32),
    /// `L`: the last day.
    Last,
    /// `LW`: the last weekday (Monday–Friday).
    LastWeekday,
    /// `nW`: the weekday nearest to day n, within the month.
    NearestWeekday(u32),
}

/// Which days of the week (cron day-of-week, 1 = Sunday).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Dow {
    /// A set of weekdays (bit n = weekday n).
    Days(u32),
    /// `nL`: the last weekday n of the month.
    Last(u32),
    /// `n#k`: the k-th weekday n of the month.
    Nth(u32, u32),
}

/// The days a fire schedule fires on.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Days {
    /// Every day (rate in hours).
    Every,
    /// A cron day pattern: months, then day-of-month or day-of-week.
    Cron { months: u32, dom: Option<Dom>, dow: Option<Dow> },
}

impl Days {
    fn matches(&self, day: i64) -> bool {
        let Days::Cron { months, dom, dow } = self else {
            return true;
        };
        let date = calendar::date(day);
        if months & (1 << date.month) == 0 {
            return false;
        }
        let dim = days_in_month(date.year, date.month);
        if let Some(dom) = dom {
            return match dom {
                Dom::Days(set) => set & (1 << date.day) != 0,
                Dom::Last => date.day == dim,
                Dom::LastWeekday => {
                    let last = day + i64::from(dim - date.day);
                    let back = match weekday(last) {
                        1 => 2,
                        7 => 1,
                        _ => 0,
                    };
                    date.day == dim - back
                }
                Dom::NearestWeekday(n) => {
                    if *n > dim {
                        return false;
                    }
                    let target = day + i64::from(*n) - i64::from(date.day);
                    let nearest = match weekday(target) {
                        7 if *n == 1 => n + 2,
                        7 => n - 1,
                        1 if *n == dim => n - 2,
                        1 => n + 1,
                        _ => *n,
                    };
                    date.day == nearest
                }
            };
        }
        match dow {
            Some(Dow::Days(set)) => set & (1 << weekday(day)) != 0,
            Some(Dow::Last(w)) => weekday(day) == *w && date.day + 7 > dim,
            Some(Dow::Nth(w, k)) => weekday(day) == *w && (date.day - 1) / 7 + 1 == *k,
            None => true,
        }
    }

    /// The first day at or after `day` whose month can match (skips whole
    /// months that cannot).
    fn skip_months(&self, day: i64) -> i64 {
        let Days::Cron { months, .. } = self else {
            return day;
        };
        let date = calendar::date(day);
        if months & (1 << date.month) != 0 {
            return day;
        }
        day + i64::from(days_in_month(date.year, date.month) - date.day) + 1
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// N days after the last rotation.
    AfterDays(u32),
    /// Windows at these hours (sorted) of matching days.
    Fires { hours: Vec<u32>, days: Days },
}

/// A parsed, checked rotation schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    kind: Kind,
    /// `Duration` in hours.
    duration: Option<u32>,
}

fn invalid(msg: impl Into<String>) -> ApiError {
    ApiError::invalid_parameter(msg)
}

impl Schedule {
    /// Parses and checks RotationRules; `None` when they set no schedule.
    pub fn from_rules(rules: &RotationRulesType) -> ApiResult<Option<Schedule>> {
        let duration = rules.duration.as_deref().map(parse_duration).transpose()?;
        let kind = match (rules.automatically_after_days, rules.schedule_expression.as_deref()) {
            (Some(_), Some(_)) => {
                return Err(invalid("You cannot specify both rotation frequency and schedule expression together."));
            }
            (Some(n), None) => {
                if !(1..=1000).contains(&n) {
                    return Err(invalid("AutomaticallyAfterDays must be between 1 and 1000."));
                }
                Kind::AfterDays(n as u32)
            }
            (None, Some(expr)) => parse_expression(expr)?,
            (None, None) if duration.is_some() => {
                return Err(invalid("A Duration needs a ScheduleExpression or AutomaticallyAfterDays."));
            }
            (None, None) => return Ok(None),
        };
        let schedule = Schedule { kind, duration };
        schedule.check_windows()?;
        Ok(Some(schedule))
    }

    /// The length in hours of the window that starts at hour `h`.
    fn window_hours(&self, h: u32) -> u32 {
        match &self.kind {
            Kind::AfterDays(_) => self.duration.unwrap_or(24),
            Kind::Fires { hours, .. } => self.duration.unwrap_or(if hours.len() > 1 { 1 } else { 24 - h }),
        }
    }

    fn check_windows(&self) -> ApiResult<()> {
        let Kind::Fires { hours, days } = &self.kind else {
            if self.window_hours(0) > 24 {
                return Err(invalid("The rotation window must not extend into the next UTC day."));
            }
            return Ok(());
        };
        for (i, &h) in hours.iter().enumerate() {
            if h + self.window_hours(h) > 24 {
                return Err(invalid(format!(
                    "The rotation window starting at {h:02}:00 UTC must not extend into the next UTC day."
                )));
            }
            if let Some(&next) = hours.get(i + 1) {
                if next - h < MIN_GAP_HOURS {
                    return Err(invalid(format!(
                        "Rotations at {h:02}:00 and {next:02}:00 UTC are less than {MIN_GAP_HOURS} hours apart; you can rotate a secret at most every {MIN_GAP_HOURS} hours."
                    )));
                }
                if h + self.window_hours(h) > next {
                    return Err(invalid(format!(
                        "The rotation window starting at {h:02}:00 UTC must not extend into the next rotation window at {next:02}:00 UTC."
                    )));
                }
            }
        }
        // The last fire of a day and the first of the next.
        if let (Some(&first), Some(&last)) = (hours.first(), hours.last())
            && matches!(days, Days::Cron { .. })
            && 24 - last + first < MIN_GAP_HOURS
            && consecutive_days(days)
        {
            return Err(invalid(format!(
                "Rotations at {last:02}:00 and {first:02}:00 UTC on consecutive days are less than {MIN_GAP_HOURS} hours apart; you can rotate a secret at most every {MIN_GAP_HOURS} hours."
            )));
        }
        let probe = Timestamp::from_millis(0);
        if self.first_fire_window(probe).is_none() {
            return Err(invalid("The schedule expression never matches a day."));
        }
        Ok(())
    }

    /// Whether the schedule counts days from the last rotation
    /// (AutomaticallyAfterDays, rate in days): then a manual value change
    /// restarts it.
    pub fn counts_from_last_rotation(&self) -> bool {
        matches!(self.kind, Kind::AfterDays(_))
    }

    /// The AutomaticallyAfterDays DescribeSecret shows beside a days
    /// expression (`rate(10 days)` → 10).
    pub fn computed_days(&self) -> Option<i64> {
        match self.kind {
            Kind::AfterDays(n) => Some(i64::from(n)),
            Kind::Fires { .. } => None,
        }
    }

    /// The window a rotation is due in, seen at `now`: for schedules that
    /// count from the last rotation, the window N days after
    /// `last_rotation` (it may lie in the past: overdue); for the others,
    /// the first window that has not ended at `now`, if one opens within
    /// the horizon (RotateSecret refuses schedules that can go longer
    /// without one, [`check_recurs`](Self::check_recurs); one stored
    /// before that check has no window then, and does not rotate).
    pub fn window(&self, now: Timestamp, last_rotation: Timestamp) -> Option<Window> {
        match &self.kind {
            Kind::AfterDays(n) => {
                let start = last_rotation.day_start().plus_days(i64::from(*n));
                let end = Timestamp::from_millis(start.millis() + i64::from(self.window_hours(0)) * HOUR_MS);
                Some(Window { start, end })
            }
            Kind::Fires { .. } => self.first_fire_window(now),
        }
    }

    /// The plan seen at `now` when the last rotation (or manual value
    /// change) was at `last_rotation` and nothing rotates now: the window
    /// due, possibly overdue (then it is due at once). `key` names the secret.
    pub fn plan(&self, now: Timestamp, last_rotation: Timestamp, key: &str) -> Option<Plan> {
        Some(Plan::of(self.window(now, last_rotation)?, key))
    }

    /// The plan after a rotation that happens at `rotated`: the window it
    /// falls in is used up, the next one is planned.
    pub fn plan_after_rotation(&self, rotated: Timestamp, key: &str) -> Option<Plan> {
        let mut w = self.window(rotated, rotated)?;
        if !self.counts_from_last_rotation() && w.start <= rotated {
            w = self.window(w.end, w.end)?;
        }
        Some(Plan::of(w, key))
    }

    /// The next `count` windows seen at `now`, as if each rotation ran at
    /// the start of its window (the console's preview). A window already
    /// over (overdue: the rotation starts at once) comes first, and the
    /// ones after it count from `now`.
    pub fn upcoming(&self, now: Timestamp, last_rotation: Timestamp, count: usize) -> Vec<Window> {
        let mut out: Vec<Window> = Vec::with_capacity(count);
        let mut next = self.window(now, last_rotation);
        while let Some(w) = next {
            if out.len() == count || out.last().is_some_and(|prev| w.start <= prev.start) {
                break;
            }
            out.push(w);
            let rotated = if w.end <= now { now } else { w.start };
            next = match self.kind {
                Kind::AfterDays(_) => self.window(rotated, rotated),
                Kind::Fires { .. } => self.window(w.end.max(rotated), rotated),
            };
        }
        out
    }

    /// Refuses a schedule that can go longer than the horizon (8 years)
    /// without a window, as the fifth Tuesday of February does (every 28
    /// years): rekey looks only that far for the next one. Checked over a
    /// whole 400-year Gregorian cycle, after which days repeat; a few
    /// milliseconds, so RotateSecret checks it, not every reader of rules.
    pub fn check_recurs(&self) -> ApiResult<()> {
        let Kind::Fires { days, .. } = &self.kind else { return Ok(()) };
        let mut last: Option<i64> = None;
        for day in 0..CYCLE_DAYS + HORIZON_DAYS {
            if !days.matches(day) {
                continue;
            }
            if last.is_some_and(|l| day - l > HORIZON_DAYS) {
                break;
            }
            last = Some(day);
        }
        match last {
            Some(l) if l >= CYCLE_DAYS => Ok(()),
            _ => Err(invalid(format!(
                "The schedule expression matches days more than {} years apart; rotate at least that often.",
                HORIZON_DAYS / 366
            ))),
        }
    }

    /// The first fire window that has not ended at `t`.
    fn first_fire_window(&self, t: Timestamp) -> Option<Window> {
        let Kind::Fires { hours, days } = &self.kind else {
            return None;
        };
        let first = t.millis().div_euclid(DAY_MS);
        let mut day = first;
        while day < first + HORIZON_DAYS {
            let skipped = days.skip_months(day);
            if skipped != day {
                day = skipped;
                continue;
            }
            if days.matches(day) {
                for &h in hours {
                    let start = day * DAY_MS + i64::from(h) * HOUR_MS;
                    let end = start + i64::from(self.window_hours(h)) * HOUR_MS;
                    if end > t.millis() {
                        return Some(Window { start: Timestamp::from_millis(start), end: Timestamp::from_millis(end) });
                    }
                }
            }
            day += 1;
        }
        None
    }
}

/// Whether some two consecutive days both match (within the horizon).
fn consecutive_days(days: &Days) -> bool {
    (1..HORIZON_DAYS).any(|d| days.matches(d) && days.matches(d - 1))
}

/// A number written in decimal digits alone (`str::parse` also takes a
/// leading `+`, which no schedule expression has).
fn digits(s: &str) -> Option<u32> {
    (!s.is_empty() && s.len() <= 9 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

fn parse_duration(d: &str) -> ApiResult<u32> {
    let hours = d.strip_suffix('h').and_then(digits);
    match hours {
        Some(h) if (1..=24).contains(&h) => Ok(h),
        Some(_) => Err(invalid(format!("The Duration {d} must be between 1h and 24h."))),
        None => Err(invalid(format!("The Duration {d} is not a number of hours such as 2h."))),
    }
}

fn parse_expression(expr: &str) -> ApiResult<Kind> {
    if let Some(body) = expr.strip_prefix("rate(").and_then(|r| r.strip_suffix(')')) {
        return parse_rate(expr, body);
    }
    if let Some(body) = expr.strip_prefix("cron(").and_then(|r| r.strip_suffix(')')) {
        return parse_cron(expr, body);
    }
    Err(invalid(format!("The schedule expression {expr} is neither a rate() nor a cron() expression.")))
}

fn parse_rate(expr: &str, body: &str) -> ApiResult<Kind> {
    let bad = || invalid(format!("Invalid rate() expression {expr}: use rate(<number> hours) or rate(<number> days)."));
    let (n, unit) = body.trim().split_once(' ').ok_or_else(bad)?;
    let n: u32 = digits(n).ok_or_else(bad)?;
    match unit.trim() {
        "hour" | "hours" => {
            if n < MIN_GAP_HOURS {
                return Err(invalid(format!(
                    "Invalid rate() expression {expr}: you can rotate a secret at most every {MIN_GAP_HOURS} hours."
                )));
            }
            if n >= 24 {
                return Err(invalid(format!(
                    "Invalid rate() expression {expr}: for intervals of a day or more, use rate(<number> days)."
                )));
            }
            Ok(Kind::Fires { hours: (0..24).step_by(n as usize).collect(), days: Days::Every })
        }
        "day" | "days" if (1..=1000).contains(&n) => Ok(Kind::AfterDays(n)),
        "day" | "days" => {
            Err(invalid(format!("Invalid rate() expression {expr}: the number of days must be between 1 and 1000.")))
        }
        _ => Err(bad()),
    }
}

const MONTHS: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// One value of a field: a number in `min..=max` or a name (1-based).
fn value(s: &str, min: u32, max: u32, names: &[&str]) -> Option<u32> {
    let v = match digits(s) {
        Some(n) => n,
        None => names.iter().position(|n| n.eq_ignore_ascii_case(s))? as u32 + 1,
    };
    (min..=max).contains(&v).then_some(v)
}

/// A field of numbers: `*`, `n`, `a-b`, `a/step`, `*/step`, `/step`,
/// `a-b/step`, and comma lists of those; a bit set.
fn number_set(field: &str, min: u32, max: u32, names: &[&str]) -> Option<u32> {
    let mut set = 0u32;
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, digits(s).filter(|s| *s > 0)?),
            None => (part, 1),
        };
        let (lo, hi) = match range {
            "*" => (min, max),
            "" if part.starts_with('/') => (min, max),
            r => match r.split_once('-') {
                Some((a, b)) => (value(a, min, max, names)?, value(b, min, max, names)?),
                // `a/step` runs from a to the end of the field.
                None if part.contains('/') => (value(r, min, max, names)?, max),
                None => {
                    let v = value(r, min, max, names)?;
                    (v, v)
                }
            },
        };
        if lo > hi {
            return None;
        }
        for v in (lo..=hi).step_by(step as usize) {
            set |= 1 << v;
        }
    }
    (set != 0).then_some(set)
}

fn parse_cron(expr: &str, body: &str) -> ApiResult<Kind> {
    let fields: Vec<&str> = body.split_whitespace().collect();
    let bad = |what: &str| invalid(format!("Invalid cron() expression {expr}: {what}"));
    let [minutes, hours, dom, month, dow, year] = fields[..] else {
        return Err(bad("expected six fields: minutes hours day-of-month month day-of-week year."));
    };
    if minutes != "0" {
        return Err(bad("the minutes field must be 0 (rotations start on the hour)."));
    }
    if year != "*" {
        return Err(bad("the year field must be *."));
    }
    let hour_set = number_set(hours, 0, 23, &[]).ok_or_else(|| bad("the hours field must hold hours 0-23."))?;
    let months =
        number_set(month, 1, 12, &MONTHS).ok_or_else(|| bad("the month field must hold months 1-12 or JAN-DEC."))?;
    let (dom, dow) = match (dom, dow) {
        _ if (dom == "?") == (dow == "?") => {
            return Err(bad("exactly one of day-of-month and day-of-week must be ?."));
        }
        ("?", dow) => (None, Some(parse_dow(dow).ok_or_else(|| bad("the day-of-week field is not valid."))?)),
        (dom, _) => (Some(parse_dom(dom).ok_or_else(|| bad("the day-of-month field is not valid."))?), None),
    };
    let hours = (0..24).filter(|h| hour_set & (1 << h) != 0).collect();
    Ok(Kind::Fires { hours, days: Days::Cron { months, dom, dow } })
}

fn parse_dom(f: &str) -> Option<Dom> {
    match f {
        "L" => Some(Dom::Last),
        "LW" => Some(Dom::LastWeekday),
        f if f.ends_with('W') => value(&f[..f.len() - 1], 1, 31, &[]).map(Dom::NearestWeekday),
        f => number_set(f, 1, 31, &[]).map(Dom::Days),
    }
}

fn parse_dow(f: &str) -> Option<Dow> {
    if f == "L" {
        return Some(Dow::Days(1 << 7));
    }
    if let Some((day, nth)) = f.split_once('#') {
        let n = digits(nth).filter(|n| (1..=5).contains(n))?;
        return Some(Dow::Nth(value(day, 1, 7, &WEEKDAYS)?, n));
    }
    if let Some(day) = f.strip_suffix('L') {
        return Some(Dow::Last(value(day, 1, 7, &WEEKDAYS)?));
    }
    number_set(f, 1, 7, &WEEKDAYS).map(Dow::Days)
}

/// RotationRules as DescribeSecret and ListSecrets show them: as given,
/// plus the computed AutomaticallyAfterDays beside a days expression
/// (`rate(10 days)` also shows `AutomaticallyAfterDays: 10`).
pub fn as_described(mut rules: RotationRulesType) -> RotationRulesType {
    if rules.automatically_after_days.is_none()
        && rules.schedule_expression.is_some()
        && let Ok(Some(s)) = Schedule::from_rules(&rules)
    {
        rules.automatically_after_days = s.computed_days();
    }
    rules
}

#[cfg(test)]
mod tests;
