//! A secret's pages: the overview (description, tags, replicas, the
//! resource policy with its validation findings) and the versions (which
//! label sits where, drawn; how labels moved, from the audit trail; the
//! value revealed on demand; a new value; rollback).

use super::labels::{self, short};
use super::{error_notice, query_escape, secret_href};
use crate::Visit;
use crate::api::{Caller, Failure};
use crate::page::{Section, csrf_field, request_token_field, when};
use axum::Form;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use rekey_model::api::wire::SensitiveString;
use rekey_model::api::{
    DescribeSecretResponse, GetSecretValueResponse, ListSecretVersionIdsResponse, PutSecretValueRequest,
    PutSecretValueResponse, SecretVersionsListEntry,
};
use serde::Deserialize;
use serde_json::{Value, json};

/// The tabs of a secret's pages.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// Description, tags, replicas, policy.
    Overview,
    /// Versions and labels, the value.
    Versions,
    /// Configuration and history.
    Rotation,
}

/// DescribeSecret.
pub async fn load_described(caller: &Caller<'_>, id: &str) -> Result<DescribeSecretResponse, Failure> {
    caller.send("secretsmanager.DescribeSecret", &json!({ "SecretId": id })).await
}

/// The secret's name and its tabs.
pub fn secret_header(d: &DescribeSecretResponse, tab: Tab) -> Markup {
    let arn = d.arn.clone().unwrap_or_default();
    let q = query_escape(&arn);
    let link = |t: Tab, href: String, text: &str| {
        html! {
            @if t == tab { a href=(href) aria-current="page" { (text) } } @else { a href=(href) { (text) } }
        }
    };
    html! {
        p class="muted" { a href="/console/secrets" { "Secrets" } " / " }
        h1 { (d.name.as_deref().unwrap_or("")) }
        @if d.deleted_date.is_some() {
            p class="notice error" { "Scheduled for deletion on " (when(d.deleted_date)) "." }
        }
        nav class="tabs pager" aria-label="Secret" {
            (link(Tab::Overview, secret_href(&arn), "Overview"))
            (link(Tab::Versions, format!("/console/secret/versions?id={q}"), "Versions and value"))
            (link(Tab::Rotation, format!("/console/secret/rotation?id={q}"), "Rotation"))
            a href=(format!("/console/audit?resource={}", query_escape(d.name.as_deref().unwrap_or("")))) { "Audit records" }
        }
    }
}

#[derive(Deserialize)]
pub struct Id {
    id: String,
}

/// `GET /console/secret`: the overview.
pub async fn show(visit: Visit, Query(Id { id }): Query<Id>) -> Response {
    let caller = visit.caller();
    let d = match load_described(&caller, &id).await {
        Ok(d) => d,
        Err(f) => return visit.failed(Section::Secrets, &f),
    };
    let arn = d.arn.clone().unwrap_or_default();
    // The policy and what validation finds in it (both need their own
    // permissions: a refusal is said where the policy would be).
    let policy = caller.call("secretsmanager.GetResourcePolicy", &json!({ "SecretId": arn })).await;
    let findings = match &policy {
        Ok(p) => match p["ResourcePolicy"].as_str() {
            Some(doc) => Some(
                caller
                    .call("secretsmanager.ValidateResourcePolicy", &json!({ "SecretId": arn, "ResourcePolicy": doc }))
                    .await,
            ),
            None => None,
        },
        Err(_) => None,
    };
    let body = html! {
        (secret_header(&d, Tab::Overview))
        section aria-labelledby="details" {
            h2 id="details" { "Details" }
            dl class="facts" {
                dt { "ARN" } dd class="mono" { (arn) }
                dt { "Description" } dd { (d.description.as_deref().unwrap_or("—")) }
                dt { "Encryption key" } dd { (d.kms_key_id.as_deref().unwrap_or("aws/secretsmanager")) }
                dt { "Created" } dd { (when(d.created_date)) }
                dt { "Last changed" } dd { (when(d.last_changed_date)) }
                dt { "Last accessed" } dd { (day(d.last_accessed_date)) }
                @if let Some(s) = &d.owning_service { dt { "Owning service" } dd { (s) } }
                @if let Some(r) = &d.primary_region { dt { "Primary region" } dd { (r) } }
                dt { "Rotation" } dd {
                    @match d.rotation_enabled { Some(true) => "enabled", Some(false) => "disabled", None => "never configured" }
                    @if let Some(f) = &d.rotation_lambda_arn { " · " span class="mono" { (f) } }
                }
            }
        }
        section aria-labelledby="tags" {
            h2 id="tags" { "Tags" }
            @match d.tags.as_deref() {
                Some(tags) if !tags.is_empty() => table {
                    thead { tr { th scope="col" { "Key" } th scope="col" { "Value" } } }
                    tbody { @for t in tags { tr { td { (t.key.as_deref().unwrap_or("")) } td { (t.value.as_deref().unwrap_or("")) } } } }
                },
                _ => p class="muted" { "No tags." },
            }
        }
        section aria-labelledby="replicas" {
            h2 id="replicas" { "Replicas" }
            @match d.replication_status.as_deref() {
                Some(replicas) if !replicas.is_empty() => table {
                    thead { tr { th scope="col" { "Region" } th scope="col" { "Status" } th scope="col" { "Message" } th scope="col" { "Key" } th scope="col" { "Last accessed" } } }
                    tbody { @for r in replicas { tr {
                        td { (r.region.as_deref().unwrap_or("")) }
                        td { (r.status.map(|s| s.as_str()).unwrap_or("")) }
                        td { (r.status_message.as_deref().unwrap_or("")) }
                        td { (r.kms_key_id.as_deref().unwrap_or("")) }
                        td { (day(r.last_accessed_date)) }
                    } } }
                },
                _ => p class="muted" { "Not replicated." },
            }
        }
        section aria-labelledby="policy" {
            h2 id="policy" { "Resource policy" }
            @match &policy {
                Err(f) => (error_notice(f)),
                Ok(p) => @match p["ResourcePolicy"].as_str() {
                    None => p class="muted" { "No resource policy." },
                    Some(doc) => {
                        pre class="mono" { (super::pretty_json(doc)) }
                        @match &findings {
                            Some(Ok(v)) => (validation(v)),
                            Some(Err(f)) => (error_notice(f)),
                            None => {},
                        }
                    },
                },
            }
        }
    };
    visit.page(StatusCode::OK, d.name.as_deref().unwrap_or("Secret"), Section::Secrets, body)
}

/// LastAccessedDate is a day (AWS keeps no finer).
fn day(t: Option<rekey_model::Timestamp>) -> String {
    let shown = when(t);
    shown.get(..10).map_or(shown.clone(), str::to_string)
}

/// ValidateResourcePolicy's answer.
fn validation(v: &Value) -> Markup {
    let passed = v["PolicyValidationPassed"].as_bool() == Some(true);
    let errors = v["ValidationErrors"].as_array().cloned().unwrap_or_default();
    html! {
        h3 { "Validation" }
        @if passed && errors.is_empty() {
            p class="notice ok" { "The policy passes validation: it grants no broad access." }
        } @else {
            ul class="findings notice error" {
                @for e in &errors {
                    li { strong { (e["CheckName"].as_str().unwrap_or("")) } ": " (e["ErrorMessage"].as_str().unwrap_or("")) }
                }
                @if errors.is_empty() { li { "The policy does not pass validation." } }
            }
        }
    }
}

/// The versions, oldest first.
async fn versions(caller: &Caller<'_>, arn: &str) -> Result<Vec<SecretVersionsListEntry>, Failure> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut req = json!({ "SecretId": arn, "IncludeDeprecated": true, "MaxResults": 100 });
        if let Some(t) = &token {
            req["NextToken"] = Value::String(t.clone());
        }
        let page: ListSecretVersionIdsResponse = caller.send("secretsmanager.ListSecretVersionIds", &req).await?;
        out.extend(page.versions.unwrap_or_default());
        token = page.next_token;
        if token.is_none() || out.len() >= 1000 {
            break;
        }
    }
    out.sort_by_key(|v| v.created_date);
    Ok(out)
}

#[derive(Deserialize)]
pub struct Shown {
    id: String,
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    version: Option<String>,
}

/// `GET /console/secret/versions`.
pub async fn show_versions(visit: Visit, Query(shown): Query<Shown>) -> Response {
    let done = shown.done.as_deref().and_then(super::Done::from_code).map(|d| d.text(shown.version.as_deref()));
    versions_page(&visit, &shown.id, None, done.as_deref().map(Ok)).await
}

/// The versions page, with a revealed value, or the outcome of a change.
async fn versions_page(
    visit: &Visit,
    id: &str,
    revealed: Option<&GetSecretValueResponse>,
    outcome: Option<Result<&str, Failure>>,
) -> Response {
    let caller = visit.caller();
    let d = match load_described(&caller, id).await {
        Ok(d) => d,
        Err(f) => return visit.failed(Section::Secrets, &f),
    };
    let arn = d.arn.clone().unwrap_or_default();
    let name = d.name.clone().unwrap_or_default();
    let listed = versions(&caller, &arn).await;
    let history = labels::history(&caller, &name).await;
    let current = listed.as_ref().ok().and_then(|vs| {
        vs.iter()
            .find(|v| v.version_stages.as_ref().is_some_and(|s| s.iter().any(|s| s == "AWSCURRENT")))
            .and_then(|v| v.version_id.clone())
    });
    let body = html! {
        (secret_header(&d, Tab::Versions))
        @match &outcome {
            Some(Ok(done)) => p class="notice ok" role="status" { (done) },
            Some(Err(f)) => (error_notice(f)),
            None => {},
        }
        @if let Some(value) = revealed {
            section aria-labelledby="value" class="notice value" {
                h2 id="value" { "Value of version " code { (short(value.version_id.as_deref().unwrap_or(""))) } }
                @if let Some(s) = &value.secret_string { pre id="secret-value" { (s.expose()) } }
                @if let Some(b) = &value.secret_binary {
                    p { "Binary (base64):" }
                    pre id="secret-value" { (zeroize::Zeroizing::new(base64::Engine::encode(&base64::engine::general_purpose::STANDARD, b.expose())).as_str()) }
                }
                p class="muted" { "Read with GetSecretValue just now, as you: the read is in the audit trail. This page is not cached." }
            }
        }
        section aria-labelledby="labels" {
            h2 id="labels" { "Labels" }
            @match &listed {
                Err(f) => (error_notice(f)),
                Ok(vs) => {
                    (labels::labels_picture(vs))
                    table {
                        thead { tr {
                            th scope="col" { "Version" } th scope="col" { "Labels" } th scope="col" { "Created" }
                            th scope="col" { "Last accessed" } th scope="col" { "Actions" }
                        } }
                        tbody {
                            @for v in vs.iter().rev() {
                                @let vid = v.version_id.clone().unwrap_or_default();
                                @let stages = v.version_stages.clone().unwrap_or_default();
                                tr {
                                    td class="mono" { (vid) }
                                    td { @for s in &stages { span class="badge label" { (s) } " " } @if stages.is_empty() { span class="muted" { "deprecated" } } }
                                    td { (when(v.created_date)) }
                                    td { (day(v.last_accessed_date)) }
                                    td {
                                        form method="post" action="/console/secret/reveal" class="inline" {
                                            (csrf_field(&visit.session))
                                            input type="hidden" name="id" value=(arn);
                                            input type="hidden" name="version" value=(vid);
                                            button type="submit" class="secondary" aria-label=(format!("Reveal: version {vid}")) { "Reveal" }
                                        }
                                        @if !stages.iter().any(|s| s == "AWSCURRENT") {
                                            @if let Some(cur) = &current {
                                                " "
                                                form method="post" action="/console/secret/rollback" class="inline"
                                                    data-confirm=(format!("Move AWSCURRENT to version {}?", short(&vid))) {
                                                    (csrf_field(&visit.session))
                                                    input type="hidden" name="id" value=(arn);
                                                    input type="hidden" name="version" value=(vid);
                                                    input type="hidden" name="current" value=(cur);
                                                    button type="submit" class="secondary" aria-label=(format!("Make current: version {vid}")) { "Make current" }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                },
            }
        }
        section aria-labelledby="moves" {
            h2 id="moves" { "How the labels moved" }
            @match &history {
                Err(f) => { p class="muted" { "The audit trail is not shown: " (f.message) } },
                Ok(moves) if moves.is_empty() => p class="muted" { "No label move on record." },
                Ok(moves) => {
                    (labels::moves_picture(moves))
                    (labels::moves_table(moves))
                },
            }
        }
        section aria-labelledby="put" {
            h2 id="put" { "New value" }
            form method="post" action="/console/secret/value" {
                (csrf_field(&visit.session))
                (request_token_field())
                input type="hidden" name="id" value=(arn);
                label for="secret-string" { "SecretString" }
                textarea id="secret-string" name="value" autocomplete="off" spellcheck="false" required {}
                p { button type="submit" { "Store as new AWSCURRENT version" } }
            }
        }
    };
    let status = match &outcome {
        Some(Err(f)) => StatusCode::from_u16(f.status).unwrap_or(StatusCode::BAD_REQUEST),
        _ => StatusCode::OK,
    };
    visit.page(status, &format!("{name}: versions"), Section::Secrets, body)
}

#[derive(Deserialize)]
pub struct VersionForm {
    #[serde(default)]
    csrf: String,
    id: String,
    version: String,
    #[serde(default)]
    current: String,
}

/// `POST /console/secret/reveal`: GetSecretValue of one version, shown
/// once, in an answer no one caches.
pub async fn reveal(visit: Visit, Form(form): Form<VersionForm>) -> Response {
    if let Err(r) = visit.check_form(&form.csrf) {
        return r.into_response();
    }
    let request = json!({ "SecretId": form.id, "VersionId": form.version });
    let answer: Result<GetSecretValueResponse, _> =
        visit.caller().send("secretsmanager.GetSecretValue", &request).await;
    match answer {
        Ok(value) => versions_page(&visit, &form.id, Some(&value), None).await,
        Err(f) if f.signed_out() => visit.failed(Section::Secrets, &f),
        Err(f) => versions_page(&visit, &form.id, None, Some(Err(f))).await,
    }
}

#[derive(Deserialize)]
pub struct ValueForm {
    #[serde(default)]
    csrf: String,
    id: String,
    value: String,
    /// The ClientRequestToken (a new one when the form did not carry one).
    #[serde(default)]
    token: String,
}

impl Drop for ValueForm {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.value);
    }
}

/// `POST /console/secret/value`: PutSecretValue.
pub async fn put_value(visit: Visit, Form(mut form): Form<ValueForm>) -> Response {
    if let Err(r) = visit.check_form(&form.csrf) {
        return r.into_response();
    }
    let token = if form.token.is_empty() { uuid::Uuid::new_v4().to_string() } else { form.token.clone() };
    let request = PutSecretValueRequest {
        secret_id: form.id.clone(),
        secret_string: Some(SensitiveString::new(std::mem::take(&mut form.value))),
        client_request_token: Some(token),
        ..Default::default()
    };
    let outcome: Result<PutSecretValueResponse, _> =
        visit.caller().send("secretsmanager.PutSecretValue", &request).await;
    match outcome {
        Err(f) if f.signed_out() => visit.failed(Section::Secrets, &f),
        Ok(v) => super::after("/console/secret/versions", &form.id, super::Done::Stored, v.version_id.as_deref()),
        Err(f) => versions_page(&visit, &form.id, None, Some(Err(f))).await,
    }
}

/// `POST /console/secret/rollback`: AWSCURRENT moves to the chosen version
/// (UpdateSecretVersionStage; AWSPREVIOUS follows, as the API moves it).
pub async fn rollback(visit: Visit, Form(form): Form<VersionForm>) -> Response {
    if let Err(r) = visit.check_form(&form.csrf) {
        return r.into_response();
    }
    let outcome = visit
        .caller()
        .call(
            "secretsmanager.UpdateSecretVersionStage",
            &json!({
                "SecretId": form.id, "VersionStage": "AWSCURRENT",
                "MoveToVersionId": form.version, "RemoveFromVersionId": form.current
            }),
        )
        .await;
    match outcome {
        Err(f) if f.signed_out() => visit.failed(Section::Secrets, &f),
        Ok(_) => super::after("/console/secret/versions", &form.id, super::Done::RolledBack, Some(&form.version)),
        Err(f) => versions_page(&visit, &form.id, None, Some(Err(f))).await,
    }
}
