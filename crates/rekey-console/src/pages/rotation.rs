//! A secret's rotation: its configuration as a form (RotateSecret, with
//! the API's own errors), a preview of the next five windows computed by
//! the same schedule code the scheduler runs, "rotate now" and cancel, and
//! the history: each rotation as a timeline of its steps, with durations,
//! attempts, errors and the function's log (for callers who may read the
//! value). A rotation still running updates itself.

use super::labels::short;
use super::secret::{Tab, load_described, secret_header};
use super::{error_notice, query_escape};
use crate::Visit;
use crate::api::{Caller, Failure};
use crate::page::{Section, csrf_field, request_token_field, when};
use axum::Form;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use rekey_model::Timestamp;
use rekey_model::api::{DescribeSecretResponse, RotationRulesType};
use rekey_model::rotation::LogEvent;
use rekey_model::schedule::Schedule;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

/// One invocation of a step, as ListRotations shows it.
#[derive(Deserialize, Debug, Clone)]
pub struct StepView {
    attempt: u32,
    step: String,
    started: Timestamp,
    millis: u64,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    output: Option<String>,
    #[serde(default)]
    output_hidden: Option<String>,
    #[serde(default)]
    interrupted: bool,
}

/// The step a rotation is running.
#[derive(Deserialize, Debug, Clone)]
pub struct RunningView {
    step: String,
    attempt: u32,
    started: Timestamp,
}

/// A rotation job, as ListRotations shows it.
#[derive(Deserialize, Debug, Clone)]
pub struct JobView {
    id: String,
    arn: String,
    token: String,
    function_arn: String,
    mode: String,
    /// `active`, `succeeded`, `failed`, `abandoned`, `cancelled`.
    pub status: String,
    attempts: u32,
    #[serde(default)]
    next_step: Option<String>,
    not_before: Timestamp,
    created: Timestamp,
    updated: Timestamp,
    #[serde(default)]
    last_error: Option<String>,
    #[serde(default)]
    steps: Vec<StepView>,
    #[serde(default)]
    running: Option<RunningView>,
    #[serde(default)]
    remedy: Option<String>,
}

/// One step's log, as ListFunctionLogs shows it.
#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "PascalCase")]
struct FunctionLog {
    job_id: String,
    attempt: u32,
    step: String,
    #[serde(default)]
    events: Vec<LogEvent>,
    #[serde(default)]
    dropped_events: u64,
    #[serde(default)]
    error: Option<String>,
}

/// RotationRules as they were configured, from the way DescribeSecret and
/// ListSecrets show them (which add AutomaticallyAfterDays beside a
/// `rate(N days)` expression).
pub fn as_configured(rules: &RotationRulesType) -> RotationRulesType {
    let mut rules = rules.clone();
    if rules.schedule_expression.is_some() {
        rules.automatically_after_days = None;
    }
    rules
}

/// An answer's member, read as `T`.
fn parse<T: serde::de::DeserializeOwned>(v: &Value, op: &str) -> Result<T, Failure> {
    serde_json::from_value(v.clone()).map_err(|e| Failure::internal(format!("The answer to {op} did not parse: {e}")))
}

/// The latest rotation of each of `arns` the caller may describe.
pub async fn latest_jobs(caller: &Caller<'_>, arns: &[String]) -> Result<HashMap<String, JobView>, Failure> {
    if arns.is_empty() {
        return Ok(HashMap::new());
    }
    let answer = caller.call("rekey.ListRotations", &json!({ "SecretIds": arns, "MaxResults": 1 })).await?;
    let jobs: Vec<JobView> = parse(&answer["Rotations"], "ListRotations")?;
    Ok(jobs.into_iter().map(|j| (j.arn.clone(), j)).collect())
}

/// A job's outcome as a badge.
pub fn outcome_badge(job: &JobView) -> Markup {
    let (class, text) = match job.status.as_str() {
        "succeeded" => ("badge ok", "succeeded"),
        "failed" => ("badge bad", "failed"),
        "active" => ("badge run", "running"),
        "abandoned" => ("badge bad", "abandoned"),
        "cancelled" => ("badge", "cancelled"),
        other => ("badge", other),
    };
    html! { span class=(class) title=(when(Some(job.updated))) { (text) } }
}

fn duration(millis: u64) -> String {
    match millis {
        0..1000 => format!("{millis} ms"),
        1000..60_000 => format!("{:.1} s", millis as f64 / 1000.0),
        _ => format!("{} min {} s", millis / 60_000, millis % 60_000 / 1000),
    }
}

/// One job as a timeline of its steps.
fn job_timeline(job: &JobView, logs: &[FunctionLog]) -> Markup {
    let running = job.status == "active";
    html! {
        article class="job" data-job=(job.id) {
            header {
                h3 { (if job.mode == "test" { "Configuration test" } else { "Rotation" }) " " code { (short(&job.token)) } }
                (outcome_badge(job))
                span class="muted" { "started " (when(Some(job.created))) " · " (job.attempts) " attempt" @if job.attempts != 1 { "s" } }
                @if running { span data-running="1" class="muted" { "updating live" } }
            }
            p class="muted mono" { "function " (job.function_arn) }
            ol class="timeline" aria-label="Steps" {
                @for step in &job.steps {
                    li class=(if step.error.is_some() { "bad" } else { "ok" }) {
                        strong { (step.step) } " · attempt " (step.attempt) " · " (duration(step.millis))
                        span class="muted" { " · " (when(Some(step.started))) }
                        @if step.interrupted { " " span class="badge run" { "interrupted" } }
                        @if let Some(e) = &step.error { div class="notice error" { (e) } }
                        @if let Some(out) = &step.output { pre aria-label="Function output" { (out) } }
                        @if let Some(hidden) = &step.output_hidden { p class="muted" { "Output hidden: " (hidden) } }
                        @for log in logs.iter().filter(|l| l.attempt == step.attempt && l.step == step.step) {
                            (log_view(log))
                        }
                    }
                }
                @if let Some(r) = &job.running {
                    li class="run" {
                        strong { (r.step) } " · attempt " (r.attempt) " · running since " (when(Some(r.started)))
                    }
                } @else if running {
                    li class="run" {
                        @match &job.next_step {
                            Some(next) => { strong { (next) } " next, not before " (when(Some(job.not_before))) },
                            None => { "checking the outcome" },
                        }
                    }
                }
            }
            @if let Some(e) = &job.last_error { @if job.status != "succeeded" {
                p { strong { "Last error: " } (e) }
            } }
            @if let Some(remedy) = &job.remedy { p class="notice" { strong { "What to do: " } (remedy) } }
            p class="muted" { "last change " (when(Some(job.updated))) }
        }
    }
}

fn log_view(log: &FunctionLog) -> Markup {
    html! {
        details class="log" {
            summary { "Function log (" (log.events.len()) " lines" @if log.dropped_events > 0 { ", " (log.dropped_events) " dropped" } ")" }
            @if let Some(e) = &log.error { p class="notice error" { (e) } }
            pre {
                @for line in &log.events {
                    (when(Some(Timestamp::from_millis(line.timestamp)))) " [" (line.stream) "] " (line.message) "\n"
                }
            }
        }
    }
}

/// The rotations of a secret with their logs, as the history section and
/// its live fragment draw them.
async fn history(caller: &Caller<'_>, arn: &str) -> Result<Markup, Failure> {
    let answer = caller.call("rekey.ListRotations", &json!({ "SecretId": arn, "MaxResults": 20 })).await?;
    let jobs: Vec<JobView> = parse(&answer["Rotations"], "ListRotations")?;
    // Logs are the value's readers' (the function saw the value).
    let logs = match caller.call("rekey.ListFunctionLogs", &json!({ "SecretId": arn, "MaxResults": 100 })).await {
        Ok(answer) => parse::<Vec<FunctionLog>>(&answer["FunctionLogs"], "ListFunctionLogs"),
        Err(f) if f.signed_out() => return Err(f),
        Err(f) => Err(f),
    };
    let logs_of = |job: &JobView| -> Vec<FunctionLog> {
        logs.as_ref().map(|l| l.iter().filter(|l| l.job_id == job.id).cloned().collect()).unwrap_or_default()
    };
    Ok(html! {
        @if let Err(f) = &logs { p class="muted" { "Function logs are not shown: " (f.message) } }
        @if jobs.is_empty() { p class="muted" { "This secret has not rotated yet." } }
        @for job in &jobs { (job_timeline(job, &logs_of(job))) }
    })
}

/// What the rotation form and its preview carry.
#[derive(Deserialize, Default, Clone)]
pub struct RulesForm {
    #[serde(default)]
    id: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    function: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    expression: String,
    #[serde(default)]
    duration: String,
    #[serde(default)]
    immediately: Option<String>,
    /// The ClientRequestToken.
    #[serde(default)]
    token: String,
}

impl RulesForm {
    /// The form filled from the secret's configuration.
    fn from_described(d: &DescribeSecretResponse) -> Self {
        let rules = d.rotation_rules.clone().unwrap_or_default();
        RulesForm {
            id: d.arn.clone().unwrap_or_default(),
            function: d.rotation_lambda_arn.clone().unwrap_or_default(),
            days: match rules.schedule_expression {
                Some(_) => String::new(),
                None => rules.automatically_after_days.map(|d| d.to_string()).unwrap_or_default(),
            },
            expression: rules.schedule_expression.unwrap_or_default(),
            duration: rules.duration.unwrap_or_default(),
            // RotateSecret rotates at once unless told not to.
            immediately: Some("1".into()),
            ..RulesForm::default()
        }
    }

    /// The RotationRules the form says, as RotateSecret takes them (a
    /// number that does not parse is sent as text would be: refused by
    /// the API, in its words).
    fn rules(&self) -> Result<RotationRulesType, String> {
        let days = self.days.trim();
        let days = match days {
            "" => None,
            d => {
                Some(d.parse::<i64>().map_err(|_| format!("AutomaticallyAfterDays must be a whole number, not {d}."))?)
            }
        };
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        Ok(RotationRulesType {
            automatically_after_days: days,
            duration: text(&self.duration),
            schedule_expression: text(&self.expression),
        })
    }
}

/// The next five windows, or why the rules are refused (the schedule
/// code RotateSecret itself runs).
fn preview(form: &RulesForm, now: Timestamp, last_rotation: Timestamp) -> Markup {
    let rules = match form.rules() {
        Ok(r) => r,
        Err(e) => return html! { p class="notice error" role="status" { (e) } },
    };
    let schedule = Schedule::from_rules(&rules).and_then(|s| {
        if let Some(s) = &s {
            s.check_recurs()?;
        }
        Ok(s)
    });
    match schedule {
        Err(e) => html! { p class="notice error" role="status" { (e.message) } },
        Ok(None) => html! { p class="muted" role="status" { "No schedule: the secret rotates only when asked." } },
        Ok(Some(s)) => {
            let windows = s.upcoming(now, last_rotation, 5);
            html! {
                div role="status" {
                    p { "The next " (windows.len()) " rotation windows (UTC):" }
                    ol class="windows" {
                        @for w in &windows {
                            li {
                                (when(Some(w.start))) " to " (when(Some(w.next_rotation_date())))
                                @if w.end <= now { " " span class="badge run" { "overdue: rotates at once" } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /console/preview`: the preview of the form's rules (its script
/// asks as the rules are typed; without it, the "Preview" button).
pub async fn preview_fragment(visit: Visit, Query(form): Query<RulesForm>) -> Response {
    let now = Timestamp::from_millis(crate::now_ms());
    let mut last = now;
    if !form.id.is_empty() {
        match load_described(&visit.caller(), &form.id).await {
            Ok(d) => last = d.last_rotated_date.or(d.last_changed_date).or(d.created_date).unwrap_or(now),
            Err(f) => {
                return visit
                    .fragment(StatusCode::from_u16(f.status).unwrap_or(StatusCode::BAD_REQUEST), error_notice(&f));
            }
        }
    }
    visit.fragment(StatusCode::OK, preview(&form, now, last))
}

#[derive(Deserialize)]
pub struct Id {
    id: String,
}

#[derive(Deserialize)]
pub struct Shown {
    id: String,
    #[serde(default)]
    done: Option<String>,
}

/// `GET /console/secret/rotation`: the configuration form, the preview,
/// and the history.
pub async fn show(visit: Visit, Query(shown): Query<Shown>) -> Response {
    let described = match load_described(&visit.caller(), &shown.id).await {
        Ok(d) => d,
        Err(f) => return visit.failed(Section::Secrets, &f),
    };
    let form = RulesForm::from_described(&described);
    let done = shown.done.as_deref().and_then(super::Done::from_code).map(|d| d.text(None));
    rotation_page(&visit, &described, &form, None, done.as_deref()).await
}

async fn rotation_page(
    visit: &Visit,
    d: &DescribeSecretResponse,
    form: &RulesForm,
    error: Option<&Failure>,
    done: Option<&str>,
) -> Response {
    let arn = d.arn.clone().unwrap_or_default();
    let now = Timestamp::from_millis(crate::now_ms());
    let last = d.last_rotated_date.or(d.last_changed_date).or(d.created_date).unwrap_or(now);
    let history = match history(&visit.caller(), &arn).await {
        Ok(h) => h,
        Err(f) if f.signed_out() => return visit.failed(Section::Secrets, &f),
        Err(f) => error_notice(&f),
    };
    let live = format!("/console/secret/rotation/live?id={}", query_escape(&arn));
    let preview_link = "/console/preview";
    let body = html! {
        (secret_header(d, Tab::Rotation))
        @if let Some(f) = error { (error_notice(f)) }
        @if let Some(done) = done { p class="notice ok" role="status" { (done) } }
        section aria-labelledby="config" {
            h2 id="config" { "Configuration" }
            dl class="facts" id="facts" {
                dt { "Rotation" } dd { @match d.rotation_enabled { Some(true) => "enabled", Some(false) => "disabled", None => "never configured" } }
                dt { "Last rotated" } dd { (when(d.last_rotated_date)) }
                dt { "Next window ends" } dd { (when(d.next_rotation_date)) }
            }
            form method="post" action="/console/secret/rotation" data-preview=(preview_link) {
                (csrf_field(&visit.session))
                (request_token_field())
                input type="hidden" name="id" value=(arn);
                label for="function" { "Rotation function (RotationLambdaARN)" }
                input type="text" id="function" name="function" value=(form.function) spellcheck="false"
                    aria-describedby="function-hint";
                span id="function-hint" class="hint" { "a Lambda ARN, or a function configured on the server (builtin:password…)" }
                fieldset {
                    legend { "Schedule (RotationRules)" }
                    div class="row" {
                        div {
                            label for="days" { "AutomaticallyAfterDays" }
                            input type="text" inputmode="numeric" id="days" name="days" value=(form.days);
                        }
                        div {
                            label for="expression" { "ScheduleExpression" }
                            input type="text" id="expression" name="expression" value=(form.expression)
                                placeholder="rate(10 days) or cron(0 16 1,15 * ? *)" spellcheck="false";
                        }
                        div {
                            label for="duration" { "Duration (window)" }
                            input type="text" id="duration" name="duration" value=(form.duration) placeholder="3h" spellcheck="false";
                        }
                    }
                    div id="preview" aria-live="polite" { (preview(form, now, last)) }
                }
                label { input type="checkbox" name="immediately" value="1" checked[form.immediately.is_some()]; " Rotate immediately (otherwise a configuration test runs testSecret only)" }
                p class="row" {
                    button type="submit" { "Save rotation" }
                    button type="submit" class="secondary" formmethod="get" formaction=(preview_link) { "Preview" }
                }
            }
            div class="row" {
                form method="post" action="/console/secret/rotate" {
                    (csrf_field(&visit.session))
                    (request_token_field())
                    input type="hidden" name="id" value=(arn);
                    button type="submit" { "Rotate now" }
                }
                form method="post" action="/console/secret/cancel" data-confirm="Cancel the rotation in progress and turn rotation off?" {
                    (csrf_field(&visit.session))
                    input type="hidden" name="id" value=(arn);
                    button type="submit" class="danger" { "Cancel rotation" }
                }
            }
        }
        section aria-labelledby="history" {
            h2 id="history" { "Rotation history" }
            div id="timeline" data-live=(live) aria-live="polite" { (history) }
        }
    };
    let status = match error {
        Some(f) => StatusCode::from_u16(f.status).unwrap_or(StatusCode::BAD_REQUEST),
        None => StatusCode::OK,
    };
    visit.page(status, "Rotation", Section::Secrets, body)
}

/// `GET /console/secret/rotation/live`: the history alone, for the
/// script that keeps a running rotation's timeline up to date.
pub async fn live(visit: Visit, Query(Id { id }): Query<Id>) -> Response {
    match history(&visit.caller(), &id).await {
        Ok(markup) => visit.fragment(StatusCode::OK, markup),
        Err(f) => visit.fragment(StatusCode::from_u16(f.status).unwrap_or(StatusCode::BAD_REQUEST), error_notice(&f)),
    }
}

/// `POST /console/secret/rotation`: RotateSecret with the form's configuration.
pub async fn configure(visit: Visit, Form(form): Form<RulesForm>) -> Response {
    if let Err(r) = visit.check_form(&form.csrf) {
        return r.into_response();
    }
    let caller = visit.caller();
    let mut request = json!({
        "SecretId": form.id,
        "RotateImmediately": form.immediately.is_some(),
        "ClientRequestToken": request_token(&form.token),
    });
    if !form.function.trim().is_empty() {
        request["RotationLambdaARN"] = Value::String(form.function.trim().to_string());
    }
    let outcome = match form.rules() {
        Ok(rules) => {
            request["RotationRules"] = serde_json::to_value(rules).expect("rules encode");
            caller.call("secretsmanager.RotateSecret", &request).await.map(|_| ())
        }
        Err(e) => Err(Failure::invalid(e)),
    };
    after_change(&visit, &form.id, &form, outcome, super::Done::Saved).await
}

#[derive(Deserialize)]
pub struct Action {
    #[serde(default)]
    csrf: String,
    id: String,
    #[serde(default)]
    token: String,
}

/// The form's ClientRequestToken, or a new one.
fn request_token(given: &str) -> String {
    if given.is_empty() { uuid::Uuid::new_v4().to_string() } else { given.to_string() }
}

/// `POST /console/secret/rotate`: RotateSecret as configured.
pub async fn rotate_now(visit: Visit, Form(action): Form<Action>) -> Response {
    if let Err(r) = visit.check_form(&action.csrf) {
        return r.into_response();
    }
    let request = json!({ "SecretId": action.id, "ClientRequestToken": request_token(&action.token) });
    let outcome = visit.caller().call("secretsmanager.RotateSecret", &request).await;
    let form = RulesForm::default();
    after_change(&visit, &action.id, &form, outcome.map(|_| ()), super::Done::Started).await
}

/// `POST /console/secret/cancel`: CancelRotateSecret.
pub async fn cancel(visit: Visit, Form(action): Form<Action>) -> Response {
    if let Err(r) = visit.check_form(&action.csrf) {
        return r.into_response();
    }
    let outcome = visit.caller().call("secretsmanager.CancelRotateSecret", &json!({ "SecretId": action.id })).await;
    let form = RulesForm::default();
    after_change(&visit, &action.id, &form, outcome.map(|_| ()), super::Done::Cancelled).await
}

/// After a change: to the rotation page (a GET), or the API's error with
/// the form as the user filled it.
async fn after_change(
    visit: &Visit,
    id: &str,
    form: &RulesForm,
    outcome: Result<(), Failure>,
    done: super::Done,
) -> Response {
    let f = match outcome {
        Ok(()) => return super::after("/console/secret/rotation", id, done, None),
        Err(f) if f.signed_out() => return visit.failed(Section::Secrets, &f),
        Err(f) => f,
    };
    let described = match load_described(&visit.caller(), id).await {
        Ok(d) => d,
        Err(f) => return visit.failed(Section::Secrets, &f),
    };
    let shown = if form.id.is_empty() { RulesForm::from_described(&described) } else { form.clone() };
    rotation_page(visit, &described, &shown, Some(&f), None).await
}
