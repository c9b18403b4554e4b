//! The schedule: a calendar of the coming rotation windows across the
//! caller's secrets (the next five weeks), where windows cluster, and
//! what rotates tonight. Windows are computed from each secret's
//! RotationRules and last rotation by the scheduler's own schedule code.

use super::{error_notice, secret_href};
use crate::Visit;
use crate::page::{Section, when};
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use rekey_model::Timestamp;
use rekey_model::api::{ListSecretsRequest, ListSecretsResponse};
use rekey_model::calendar::{date, weekday};
use rekey_model::schedule::Schedule;
use std::collections::BTreeMap;

const DAY_MS: i64 = 86_400_000;
/// Days the calendar shows.
const DAYS: i64 = 35;
/// Secrets read at most for one calendar (100 per ListSecrets page).
const MAX_SECRETS: usize = 10_000;
/// A day with more windows than this is marked busy.
const BUSY: usize = 10;

/// One window of one secret.
struct Planned {
    name: String,
    arn: String,
    start: Timestamp,
    end: Timestamp,
}

/// `GET /console/schedule`.
pub async fn show(visit: Visit) -> Response {
    let caller = visit.caller();
    let now = Timestamp::from_millis(crate::now_ms());
    let first_day = now.millis().div_euclid(DAY_MS);
    let horizon = Timestamp::from_millis((first_day + DAYS) * DAY_MS);
    let mut planned: Vec<Planned> = Vec::new();
    let mut read = 0usize;
    let mut token: Option<String> = None;
    let mut error = None;
    loop {
        let request = ListSecretsRequest { max_results: Some(100), next_token: token.clone(), ..Default::default() };
        let page: ListSecretsResponse = match caller.send("secretsmanager.ListSecrets", &request).await {
            Ok(p) => p,
            Err(f) if f.signed_out() => return visit.failed(Section::Schedule, &f),
            Err(f) => {
                error = Some(f);
                break;
            }
        };
        for e in page.secret_list.unwrap_or_default() {
            read += 1;
            let (Some(true), Some(rules)) = (e.rotation_enabled, &e.rotation_rules) else { continue };
            let Ok(Some(schedule)) = Schedule::from_rules(&crate::pages::rotation::as_configured(rules)) else {
                continue;
            };
            let last = e.last_rotated_date.or(e.created_date).unwrap_or(now);
            for w in schedule.upcoming(now, last, 64) {
                if w.start >= horizon {
                    break;
                }
                planned.push(Planned {
                    name: e.name.clone().unwrap_or_default(),
                    arn: e.arn.clone().unwrap_or_default(),
                    start: w.start,
                    end: w.next_rotation_date(),
                });
            }
        }
        token = page.next_token;
        if token.is_none() || read >= MAX_SECRETS {
            break;
        }
    }
    planned.sort_by(|a, b| (a.start, &a.name).cmp(&(b.start, &b.name)));
    let mut by_day: BTreeMap<i64, Vec<&Planned>> = BTreeMap::new();
    for p in &planned {
        by_day.entry(p.start.millis().max(now.millis()).div_euclid(DAY_MS)).or_default().push(p);
    }
    // Tonight: what opens before the next midnight UTC (or is open now).
    let midnight = Timestamp::from_millis((first_day + 1) * DAY_MS);
    let tonight: Vec<&Planned> = planned.iter().filter(|p| p.start < midnight).collect();
    // The calendar starts on the Sunday of this week.
    let start = first_day - i64::from(weekday(first_day) - 1);
    let weeks = (first_day + DAYS - start + 6) / 7;
    let body = html! {
        h1 { "Rotation schedule" }
        @if let Some(f) = &error { (error_notice(f)) }
        @if token.is_some() {
            p class="notice" { "Showing the schedules of the first " (read) " secrets." }
        }
        section aria-labelledby="tonight" {
            h2 id="tonight" { "Rotating before midnight UTC (" (tonight.len()) ")" }
            @if tonight.is_empty() { p class="muted" { "Nothing rotates before midnight UTC." } }
            @else {
                table {
                    thead { tr { th scope="col" { "Secret" } th scope="col" { "Window opens" } th scope="col" { "Window closes" } } }
                    tbody { @for p in &tonight { tr {
                        td { a href=(secret_href(&p.arn)) { (p.name) } }
                        td { (when(Some(p.start))) @if p.start < now { " " span class="badge run" { "open now" } } }
                        td { (when(Some(p.end))) }
                    } } }
                }
            }
        }
        section aria-labelledby="calendar" {
            h2 id="calendar" { "The next five weeks" }
            p class="muted" { (planned.len()) " windows of " (read) " secrets; days with more than " (BUSY) " are marked busy." }
            div class="calendar-head" aria-hidden="true" {
                @for name in WEEKDAYS { div { (&name[..3]) } }
            }
            ol class="calendar" aria-label="Rotation windows by day" {
                @for day in start..start + weeks * 7 {
                    @let list = by_day.get(&day).map(Vec::as_slice).unwrap_or_default();
                    @let d = date(day);
                    li class=(day_class(day == first_day, list.len() > BUSY)) {
                        div class="date" {
                            span class="sr-only" { (WEEKDAYS[(weekday(day) - 1) as usize]) " " }
                            (d.day) " " (month_name(d.month))
                            @if !list.is_empty() { " · " (list.len()) span class="sr-only" { " windows" } }
                            @if day == first_day { " " span class="badge" { "today" } }
                            @if list.len() > BUSY { " " span class="badge run" { "busy" } }
                        }
                        @if day >= first_day && !list.is_empty() {
                            ul {
                                @for p in list.iter().take(4) {
                                    li { a href=(secret_href(&p.arn)) { (p.name) } " " span class="muted" { (hour(p.start)) } }
                                }
                                @if list.len() > 4 { li class="muted" { "and " (list.len() - 4) " more" } }
                            }
                        }
                    }
                }
            }
        }
    };
    visit.page(StatusCode::OK, "Schedule", Section::Schedule, body)
}

const WEEKDAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

fn day_class(today: bool, busy: bool) -> &'static str {
    match (today, busy) {
        (true, true) => "day today busy",
        (true, false) => "day today",
        (false, true) => "day busy",
        (false, false) => "day",
    }
}

fn hour(t: Timestamp) -> String {
    let secs = t.millis().div_euclid(1000).rem_euclid(86_400);
    format!("{:02}:{:02}", secs / 3600, secs % 3600 / 60)
}

fn month_name(m: u32) -> &'static str {
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][(m as usize).clamp(1, 12) - 1]
}
