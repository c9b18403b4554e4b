//! The audit view: the trail's records, filtered as `rekey admin lookup`
//! filters them (rekey.LookupEvents), newest first, in pages.

use super::error_notice;
use crate::Visit;
use crate::page::{Section, when_seconds};
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};

/// The filters, in the query string (a filtered view is a link).
#[derive(Deserialize, Default)]
pub struct AuditSearch {
    #[serde(default)]
    resource: String,
    #[serde(default)]
    event: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    writes: Option<String>,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    token: Option<String>,
}

impl AuditSearch {
    fn request(&self) -> Result<Value, String> {
        let mut attributes = Vec::new();
        for (key, value) in [
            ("ResourceName", &self.resource),
            ("EventName", &self.event),
            ("Username", &self.user),
            ("AccessKeyId", &self.key),
        ] {
            if !value.trim().is_empty() {
                attributes.push(json!({"AttributeKey": key, "AttributeValue": value.trim()}));
            }
        }
        if self.writes.is_some() {
            attributes.push(json!({"AttributeKey": "ReadOnly", "AttributeValue": "false"}));
        }
        let mut request = json!({ "LookupAttributes": attributes, "MaxResults": 50 });
        for (field, text) in [("StartTime", &self.from), ("EndTime", &self.to)] {
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            let Some(ms) = rekey_model::calendar::parse_utc(text) else {
                return Err(format!("{text} is not a UTC time (YYYY-MM-DD or YYYY-MM-DDTHH:MM)."));
            };
            request[field] = json!(ms as f64 / 1000.0);
        }
        if let Some(t) = self.token.as_ref().filter(|t| !t.is_empty()) {
            request["NextToken"] = Value::String(t.clone());
        }
        Ok(request)
    }

    fn href(&self, token: Option<&str>) -> String {
        super::link(
            "/console/audit",
            &[
                ("resource", &self.resource),
                ("event", &self.event),
                ("user", &self.user),
                ("key", &self.key),
                ("from", &self.from),
                ("to", &self.to),
                ("writes", if self.writes.is_some() { "1" } else { "" }),
                ("token", token.unwrap_or_default()),
            ],
        )
    }
}

/// `GET /console/audit`.
pub async fn show(visit: Visit, Query(search): Query<AuditSearch>) -> Response {
    let answer = match search.request() {
        Ok(request) => visit.caller().call("rekey.LookupEvents", &request).await,
        Err(e) => Err(crate::api::Failure::invalid(e)),
    };
    if let Err(f) = &answer
        && f.signed_out()
    {
        return visit.failed(Section::Audit, f);
    }
    let status = match &answer {
        Err(f) => StatusCode::from_u16(f.status).unwrap_or(StatusCode::BAD_REQUEST),
        Ok(_) => StatusCode::OK,
    };
    let body = html! {
        h1 { "Audit trail" }
        (form(&search))
        @match &answer {
            Err(f) => (error_notice(f)),
            Ok(a) => {
                @let events = a["Events"].as_array().cloned().unwrap_or_default();
                @if events.is_empty() { p class="muted" { "No record matches." } }
                @else {
                    table {
                        caption class="muted" { "Newest first: " (events.len()) @if a["NextToken"].is_string() { " on this page" } }
                        thead { tr {
                            th scope="col" { "Time" } th scope="col" { "Event" } th scope="col" { "Secret" }
                            th scope="col" { "Who" } th scope="col" { "Access key" } th scope="col" { "Outcome" }
                        } }
                        tbody { @for e in &events { (row(e)) } }
                    }
                }
                nav class="pager" aria-label="Pages" {
                    @if search.token.as_deref().is_some_and(|t| !t.is_empty()) { a href=(search.href(None)) { "« Newest" } }
                    @if let Some(next) = a["NextToken"].as_str() { a href=(search.href(Some(next))) rel="next" { "Older »" } }
                }
            },
        }
    };
    visit.page(status, "Audit trail", Section::Audit, body)
}

fn row(e: &Value) -> Markup {
    let record: Value = e["CloudTrailEvent"].as_str().and_then(|s| serde_json::from_str(s).ok()).unwrap_or(Value::Null);
    let secret = e["Resources"][0]["ResourceName"].as_str().unwrap_or("");
    let outcome = record["errorCode"].as_str();
    html! {
        tr {
            td { (when_seconds(e["EventTime"].as_f64())) }
            td {
                details {
                    summary { (e["EventName"].as_str().unwrap_or("")) }
                    pre class="mono" { (serde_json::to_string_pretty(&record).unwrap_or_default()) }
                }
            }
            td class="mono" { (secret) }
            td { (e["Username"].as_str().unwrap_or("")) }
            td class="mono" { (e["AccessKeyId"].as_str().unwrap_or("")) }
            td { @match outcome {
                Some(code) => span class="badge bad" { (code) },
                None => span class="badge ok" { "ok" },
            } }
        }
    }
}

fn form(s: &AuditSearch) -> Markup {
    let field = |id: &str, text: &str, value: &str| {
        html! { div { label for=(id) { (text) } input type="text" id=(id) name=(id) value=(value) spellcheck="false"; } }
    };
    html! {
        form method="get" action="/console/audit" role="search" aria-label="Filter records" {
            div class="row" {
                (field("resource", "Secret (name or ARN)", &s.resource))
                (field("event", "Event name", &s.event))
                (field("user", "User name or ARN", &s.user))
                (field("key", "Access key ID", &s.key))
            }
            div class="row" {
                (field("from", "From (UTC)", &s.from))
                (field("to", "To (UTC)", &s.to))
                div { label { input type="checkbox" name="writes" value="1" checked[s.writes.is_some()]; " Changes only" } }
                div { button type="submit" { "Filter" } }
            }
        }
    }
}
