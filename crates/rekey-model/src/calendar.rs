//! Proleptic Gregorian calendar arithmetic in UTC, on day numbers (days
//! since 1970-01-01). Rotation schedules are UTC-only, so no time zones.

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// Year.
    pub year: i64,
    /// Month, 1–12.
    pub month: u32,
    /// Day of the month, 1–31.
    pub day: u32,
}

/// The date of day number `days` (Howard Hinnant's `civil_from_days`).
pub fn date(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    Date { year: yoe + era * 400 + i64::from(month <= 2), month, day }
}

/// The day number of a date (`days_from_civil`).
pub fn days(d: Date) -> i64 {
    let y = if d.month <= 2 { d.year - 1 } else { d.year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(d.month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d.day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Day of the week of day number `days`, AWS cron numbering: 1 = Sunday … 7 = Saturday.
pub fn weekday(days: i64) -> u32 {
    // 1970-01-01 was a Thursday (5).
    ((days + 4).rem_euclid(7) + 1) as u32
}

/// Whether `year` is a leap year.
pub fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days in `month` of `year`.
pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(year) => 29,
        _ => 28,
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` of a Unix time in milliseconds.
pub fn format_utc(millis: i64) -> String {
    let secs = millis.div_euclid(1000);
    let d = date(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", d.year, d.month, d.day, rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM`, or `YYYY-MM-DDTHH:MM:SS`, each
/// with an optional `Z` (UTC is the only zone): Unix milliseconds.
pub fn parse_utc(s: &str) -> Option<i64> {
    let s = s.strip_suffix('Z').unwrap_or(s);
    let (day, time) = s.split_once('T').unwrap_or((s, "00:00:00"));
    let mut d = day.splitn(3, '-').map(str::parse::<i64>);
    let (year, month, dom) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    if !(1..=12).contains(&month) || dom < 1 || dom > i64::from(days_in_month(year, month as u32)) {
        return None;
    }
    let mut t = time.split(':').map(str::parse::<i64>);
    let (h, m, sec) = (t.next()?.ok()?, t.next()?.ok()?, t.next().unwrap_or(Ok(0)).ok()?);
    if h > 23 || m > 59 || sec > 59 || h < 0 || m < 0 || sec < 0 {
        return None;
    }
    let n = days(Date { year, month: month as u32, day: dom as u32 });
    Some((n * 86_400 + h * 3600 + m * 60 + sec) * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_weekdays() {
        assert_eq!(date(0), Date { year: 1970, month: 1, day: 1 });
        assert_eq!(weekday(0), 5, "a Thursday");
        // 2024-02-29 (leap day) was a Thursday; 2026-11-27 a Friday.
        let leap = days(Date { year: 2024, month: 2, day: 29 });
        assert_eq!((date(leap), weekday(leap)), (Date { year: 2024, month: 2, day: 29 }, 5));
        assert_eq!(weekday(days(Date { year: 2026, month: 11, day: 27 })), 6);
        for d in -800_000..800_000 {
            assert_eq!(days(date(d)), d);
        }
        assert_eq!((days_in_month(2100, 2), days_in_month(2000, 2)), (28, 29));
    }

    #[test]
    fn utc_text() {
        let t = parse_utc("2026-11-27T14:30:05Z").unwrap();
        assert_eq!(format_utc(t), "2026-11-27T14:30:05Z");
        assert_eq!(parse_utc("2027-01-01"), parse_utc("2027-01-01T00:00:00Z"));
        assert_eq!(parse_utc("2026-02-29"), None);
        assert_eq!(parse_utc("2026-13-01"), None);
    }
}
