//! The secrets list: ListSecrets with its filters, sort orders and
//! keyset pages (the NextToken, so page 10,000 costs what page 1 does),
//! and each secret's rotation at a glance.

use super::{error_notice, secret_href};
use crate::Visit;
use crate::page::{Section, when};
use crate::pages::rotation::{JobView, latest_jobs, outcome_badge};
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use rekey_model::api::{
    Filter, FilterNameStringType, ListSecretsRequest, ListSecretsResponse, SortByType, SortOrderType,
};
use serde::Deserialize;
use std::collections::HashMap;

/// What the list's form asks for (all in the query string, so a search
/// is a link).
#[derive(Deserialize, Default, Clone)]
pub struct Search {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    tag_key: String,
    #[serde(default)]
    tag_value: String,
    #[serde(default)]
    all: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    order: String,
    #[serde(default)]
    size: Option<i32>,
    #[serde(default)]
    deleted: Option<String>,
    token: Option<String>,
}

const SORTS: &[(&str, SortByType, &str)] = &[
    ("created", SortByType::CreatedDate, "Created"),
    ("name", SortByType::Name, "Name"),
    ("changed", SortByType::LastChangedDate, "Last changed"),
    ("accessed", SortByType::LastAccessedDate, "Last accessed"),
];

impl Search {
    /// The filters, as ListSecrets takes them: each field's values are
    /// separated by commas; a leading `!` negates one.
    fn filters(&self) -> Vec<Filter> {
        let fields = [
            (FilterNameStringType::Name, &self.name),
            (FilterNameStringType::Description, &self.description),
            (FilterNameStringType::TagKey, &self.tag_key),
            (FilterNameStringType::TagValue, &self.tag_value),
            (FilterNameStringType::All, &self.all),
        ];
        fields
            .into_iter()
            .filter_map(|(key, text)| {
                let values: Vec<String> =
                    text.split(',').map(str::trim).filter(|v| !v.is_empty()).map(str::to_string).collect();
                (!values.is_empty()).then_some(Filter { key: Some(key), values: Some(values) })
            })
            .collect()
    }

    fn request(&self) -> ListSecretsRequest {
        let sort = SORTS.iter().find(|(k, _, _)| *k == self.sort).map_or(SortByType::CreatedDate, |s| s.1);
        let filters = self.filters();
        ListSecretsRequest {
            filters: (!filters.is_empty()).then_some(filters),
            include_planned_deletion: self.deleted.as_ref().map(|_| true),
            max_results: Some(self.size.unwrap_or(25).clamp(1, 100)),
            next_token: self.token.clone().filter(|t| !t.is_empty()),
            sort_by: Some(sort),
            sort_order: Some(if self.order == "desc" { SortOrderType::Desc } else { SortOrderType::Asc }),
        }
    }

    /// This search's link, on the page that `token` starts.
    fn href(&self, token: Option<&str>) -> String {
        let size = self.size.map(|n| n.to_string()).unwrap_or_default();
        super::link(
            "/console/secrets",
            &[
                ("name", &self.name),
                ("description", &self.description),
                ("tag_key", &self.tag_key),
                ("tag_value", &self.tag_value),
                ("all", &self.all),
                ("sort", &self.sort),
                ("order", &self.order),
                ("size", &size),
                ("deleted", if self.deleted.is_some() { "1" } else { "" }),
                ("token", token.unwrap_or_default()),
            ],
        )
    }
}

/// `GET /console/secrets`.
pub async fn list(visit: Visit, Query(search): Query<Search>) -> Response {
    let caller = visit.caller();
    let answer: Result<ListSecretsResponse, _> = caller.send("secretsmanager.ListSecrets", &search.request()).await;
    let (entries, next, error) = match answer {
        Ok(page) => (page.secret_list.unwrap_or_default(), page.next_token, None),
        Err(f) if f.signed_out() => return visit.failed(Section::Secrets, &f),
        Err(f) => (Vec::new(), None, Some(f)),
    };
    // The latest rotation of each secret shown that has had one, in one call.
    let arns: Vec<String> =
        entries.iter().filter(|e| e.rotation_lambda_arn.is_some()).filter_map(|e| e.arn.clone()).collect();
    let latest: HashMap<String, JobView> = latest_jobs(&caller, &arns).await.unwrap_or_default();
    let status = if error.as_ref().is_some_and(|f| f.denied()) { StatusCode::FORBIDDEN } else { StatusCode::OK };
    let body = html! {
        h1 { "Secrets" }
        (search_form(&search))
        @if let Some(f) = &error { (error_notice(f)) }
        @if error.is_none() && entries.is_empty() {
            p class="muted" { "No secret matches." }
        }
        @if !entries.is_empty() {
            table {
                caption class="muted" { (entries.len()) " secrets on this page" }
                thead { tr {
                    th scope="col" { "Name" }
                    th scope="col" { "Description" }
                    th scope="col" { "Rotation" }
                    th scope="col" { "Last rotated" }
                    th scope="col" { "Next window ends" }
                    th scope="col" { "Last outcome" }
                    th scope="col" { "Last changed" }
                } }
                tbody {
                    @for e in &entries {
                        @let name = e.name.clone().unwrap_or_default();
                        @let arn = e.arn.clone().unwrap_or_default();
                        tr {
                            td { a href=(secret_href(&arn)) { (name) }
                                @if e.deleted_date.is_some() { " " span class="badge bad" { "scheduled for deletion" } } }
                            td { (e.description.as_deref().unwrap_or("")) }
                            td { @match e.rotation_enabled {
                                Some(true) => span class="badge ok" { "enabled" },
                                Some(false) => span class="badge" { "disabled" },
                                None => span class="muted" { "—" },
                            } }
                            td { (when(e.last_rotated_date)) }
                            td { (when(e.next_rotation_date)) }
                            td { @match latest.get(&arn) {
                                Some(job) => (outcome_badge(job)),
                                None => span class="muted" { "—" },
                            } }
                            td { (when(e.last_changed_date)) }
                        }
                    }
                }
            }
        }
        nav class="pager" aria-label="Pages" {
            @if search.token.as_deref().is_some_and(|t| !t.is_empty()) {
                a href=(search.href(None)) { "« First page" }
            }
            @if let Some(token) = &next {
                a href=(search.href(Some(token))) rel="next" { "Next page »" }
            }
        }
    };
    visit.page(status, "Secrets", Section::Secrets, body)
}

fn search_form(search: &Search) -> Markup {
    let field = |id: &str, text: &str, value: &str| {
        html! {
            div {
                label for=(id) { (text) }
                input type="text" id=(id) name=(id) value=(value) aria-describedby="filter-hint" spellcheck="false";
            }
        }
    };
    html! {
        form method="get" action="/console/secrets" role="search" aria-label="Find secrets" {
            div class="row" {
                (field("name", "Name starts with", &search.name))
                (field("description", "Description", &search.description))
                (field("tag_key", "Tag key", &search.tag_key))
                (field("tag_value", "Tag value", &search.tag_value))
                (field("all", "Any field", &search.all))
            }
            p id="filter-hint" class="hint" { "Separate several values with commas; start a value with ! to exclude it (as ListSecrets filters)." }
            div class="row" {
                div {
                    label for="sort" { "Sort by" }
                    select id="sort" name="sort" {
                        @for (key, _, text) in SORTS {
                            option value=(key) selected[search.sort == *key] { (text) }
                        }
                    }
                }
                div {
                    label for="order" { "Order" }
                    select id="order" name="order" {
                        option value="asc" selected[search.order != "desc"] { "Ascending" }
                        option value="desc" selected[search.order == "desc"] { "Descending" }
                    }
                }
                div {
                    label for="size" { "Per page" }
                    select id="size" name="size" {
                        @for n in [25, 50, 100] {
                            option value=(n) selected[search.size.unwrap_or(25) == n] { (n) }
                        }
                    }
                }
                div {
                    label { input type="checkbox" name="deleted" value="1" checked[search.deleted.is_some()]; " Include scheduled deletions" }
                }
                div { button type="submit" { "Search" } }
            }
        }
    }
}
