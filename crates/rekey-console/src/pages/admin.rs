//! The admin pages: accounts, users, access keys, identity policies, and
//! one-time sign-in links, through the `rekey.*` principal operations.
//!
//! Reading takes the session's credentials. A change does not: temporary
//! credentials cannot administer (a leaked session token must mint
//! nothing), so each change is signed with the permanent key the user
//! types into its form, used for that one call and not kept.

use super::{error_notice, query_escape};
use crate::Visit;
use crate::api::{Caller, Failure};
use crate::page::{Section, csrf_field, when_seconds};
use axum::Form;
use axum::extract::Query;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use rekey_sigv4::Credentials;
use serde::Deserialize;
use serde_json::{Value, json};
use zeroize::Zeroizing;

/// `GET /console/admin`: the accounts (for the administrator), else the
/// caller's own account.
pub async fn show(visit: Visit) -> Response {
    match visit.caller().call("rekey.ListAccounts", &json!({})).await {
        Ok(answer) => {
            let accounts = answer["Accounts"].as_array().cloned().unwrap_or_default();
            let body = html! {
                h1 { "Administration" }
                section aria-labelledby="accounts" {
                    h2 id="accounts" { "Accounts" }
                    table {
                        thead { tr { th scope="col" { "Account" } th scope="col" { "Created" } } }
                        tbody { @for a in &accounts {
                            @let id = a["AccountId"].as_str().unwrap_or("");
                            tr { td { a href=(format!("/console/admin/account?account={id}")) class="mono" { (id) } } td { (when_seconds(a["CreateDate"].as_f64())) } }
                        } }
                    }
                    (change_form(&visit, "CreateAccount", "", "Create an account", html! {
                        label for="new-account" { "Account ID (12 digits; empty for a random one)" }
                        input type="text" id="new-account" name="account" inputmode="numeric" spellcheck="false";
                    }))
                }
            };
            visit.page(StatusCode::OK, "Administration", Section::Admin, body)
        }
        Err(f) if f.denied() => account_page(&visit, None).await,
        Err(f) => visit.failed(Section::Admin, &f),
    }
}

#[derive(Deserialize)]
pub struct AccountQuery {
    account: Option<String>,
}

/// `GET /console/admin/account`.
pub async fn account(visit: Visit, Query(q): Query<AccountQuery>) -> Response {
    account_page(&visit, q.account.filter(|a| !a.is_empty())).await
}

fn with_account(account: &Option<String>, mut body: Value) -> Value {
    if let Some(a) = account {
        body["AccountId"] = Value::String(a.clone());
    }
    body
}

async fn account_page(visit: &Visit, account: Option<String>) -> Response {
    let caller = visit.caller();
    let users = caller.call("rekey.ListUsers", &with_account(&account, json!({}))).await;
    let keys = caller.call("rekey.ListAccessKeys", &with_account(&account, json!({}))).await;
    if let Some(refused) = both_failed(visit, &users, &keys) {
        return refused;
    }
    let shown = account.clone().unwrap_or_else(|| "your account".into());
    let account_field = html! { @if let Some(a) = &account { input type="hidden" name="account" value=(a); } };
    let body = html! {
        p class="muted" { a href="/console/admin" { "Administration" } " / " }
        h1 { "Account " (shown) }
        section aria-labelledby="users" {
            h2 id="users" { "Users" }
            @match &users {
                Err(f) => (error_notice(f)),
                Ok(u) => {
                    @let list = u["Users"].as_array().cloned().unwrap_or_default();
                    @if list.is_empty() { p class="muted" { "No users." } }
                    @else { table {
                        thead { tr { th scope="col" { "User" } th scope="col" { "ARN" } th scope="col" { "Created" } } }
                        tbody { @for user in &list {
                            @let name = user["UserName"].as_str().unwrap_or("");
                            tr {
                                td { a href=(user_href(&account, name)) { (name) } }
                                td class="mono" { (user["Arn"].as_str().unwrap_or("")) }
                                td { (when_seconds(user["CreateDate"].as_f64())) }
                            }
                        } }
                    } }
                },
            }
            (change_form(visit, "CreateUser", "", "Create a user", html! {
                (account_field)
                label for="new-user" { "User name" }
                input type="text" id="new-user" name="user" required spellcheck="false";
            }))
        }
        section aria-labelledby="keys" {
            h2 id="keys" { "Access keys" }
            @match &keys {
                Err(f) => (error_notice(f)),
                Ok(k) => (keys_table(visit, &account, &k["AccessKeyMetadata"])),
            }
            (change_form(visit, "CreateAccessKey", "root", "Create a key for the account's root", html! { (account_field) }))
        }
        section aria-labelledby="link" {
            h2 id="link" { "One-time sign-in link" }
            p class="muted" { "For the administrator: a link that signs a user (or the root) in to the console once, within 15 minutes." }
            (change_form(visit, "CreateSignInLink", "", "Create a link", html! {
                (account_field)
                label for="link-user" { "User name (empty for the account's root)" }
                input type="text" id="link-user" name="user" spellcheck="false";
                label for="link-duration" { "Session length (seconds)" }
                input type="text" id="link-duration" name="duration" value="3600" inputmode="numeric";
            }))
        }
    };
    visit.page(StatusCode::OK, "Account", Section::Admin, body)
}

/// The page to show instead when a page's two reads both failed, or
/// either found the session gone; `None` when there is something to show
/// (a single refusal is said where its part would be).
fn both_failed(visit: &Visit, a: &Result<Value, Failure>, b: &Result<Value, Failure>) -> Option<Response> {
    let gone = [a, b].into_iter().find_map(|r| r.as_ref().err().filter(|f| f.signed_out()));
    match (gone, a, b) {
        (Some(f), _, _) | (None, Err(f), Err(_)) => Some(visit.failed(Section::Admin, f)),
        _ => None,
    }
}

fn user_href(account: &Option<String>, user: &str) -> String {
    let mut href = format!("/console/admin/user?user={}", query_escape(user));
    if let Some(a) = account {
        href.push_str(&format!("&account={}", query_escape(a)));
    }
    href
}

fn keys_table(visit: &Visit, account: &Option<String>, keys: &Value) -> Markup {
    let list = keys.as_array().cloned().unwrap_or_default();
    html! {
        @if list.is_empty() { p class="muted" { "No access keys." } }
        @else { table {
            thead { tr { th scope="col" { "Access key ID" } th scope="col" { "User" } th scope="col" { "Kind" } th scope="col" { "Status" } th scope="col" { "Created" } th scope="col" { "Revoke" } } }
            tbody { @for k in &list {
                @let id = k["AccessKeyId"].as_str().unwrap_or("");
                tr {
                    td class="mono" { (id) }
                    td { (k["UserName"].as_str().unwrap_or("(root)")) }
                    td { (if id.starts_with("ASIA") { "temporary" } else { "permanent" }) }
                    td { (k["Status"].as_str().unwrap_or("")) }
                    td { (when_seconds(k["CreateDate"].as_f64())) }
                    td {
                        (change_form(visit, "DeleteAccessKey", id, "Delete", html! {
                            @if let Some(a) = account { input type="hidden" name="account" value=(a); }
                            input type="hidden" name="key" value=(id);
                        }))
                    }
                }
            } }
        } }
    }
}

#[derive(Deserialize)]
pub struct UserQuery {
    account: Option<String>,
    user: String,
}

/// `GET /console/admin/user`: a user's keys and policies.
pub async fn user(visit: Visit, Query(q): Query<UserQuery>) -> Response {
    let account = q.account.filter(|a| !a.is_empty());
    let caller = visit.caller();
    let body = with_account(&account, json!({ "UserName": q.user }));
    let keys = caller.call("rekey.ListAccessKeys", &body).await;
    let policies = caller.call("rekey.ListUserPolicies", &body).await;
    if let Some(refused) = both_failed(&visit, &keys, &policies) {
        return refused;
    }
    let hidden = html! {
        @if let Some(a) = &account { input type="hidden" name="account" value=(a); }
        input type="hidden" name="user" value=(q.user);
    };
    let account_href = match &account {
        Some(a) => format!("/console/admin/account?account={}", query_escape(a)),
        None => "/console/admin/account".into(),
    };
    let page = html! {
        p class="muted" { a href="/console/admin" { "Administration" } " / " a href=(account_href) { "Account" } " / " }
        h1 { "User " (q.user) }
        section aria-labelledby="keys" {
            h2 id="keys" { "Access keys" }
            @match &keys { Err(f) => (error_notice(f)), Ok(k) => (keys_table(&visit, &account, &k["AccessKeyMetadata"])) }
            (change_form(&visit, "CreateAccessKey", "user", "Create a key", hidden.clone()))
        }
        section aria-labelledby="policies" {
            h2 id="policies" { "Identity policies" }
            @match &policies {
                Err(f) => (error_notice(f)),
                Ok(p) => {
                    @let list = p["Policies"].as_array().cloned().unwrap_or_default();
                    @if list.is_empty() { p class="muted" { "No policies: the user may do nothing." } }
                    @for policy in &list {
                        @let name = policy["PolicyName"].as_str().unwrap_or("");
                        h3 { (name) }
                        pre class="mono" { (super::pretty_json(policy["PolicyDocument"].as_str().unwrap_or(""))) }
                        (change_form(&visit, "DeleteUserPolicy", name, &format!("Delete {name}"), html! {
                            (hidden) input type="hidden" name="policy_name" value=(name);
                        }))
                    }
                },
            }
            (change_form(&visit, "PutUserPolicy", "", "Attach a policy", html! {
                (hidden)
                label for="policy-name" { "Policy name" }
                input type="text" id="policy-name" name="policy_name" required spellcheck="false";
                label for="policy-document" { "Policy document (JSON)" }
                textarea id="policy-document" name="policy_document" required spellcheck="false" {}
            }))
        }
    };
    visit.page(StatusCode::OK, &format!("User {}", q.user), Section::Admin, page)
}

/// A form for one principal change: its fields, and the permanent key
/// the change is signed with.
fn change_form(visit: &Visit, op: &str, tag: &str, button: &str, fields: Markup) -> Markup {
    let id = |f: &str| format!("{op}-{tag}-{f}");
    html! {
        details class="change" {
        summary { (button) "…" }
        form method="post" action="/console/admin/change" {
            (csrf_field(&visit.session))
            input type="hidden" name="op" value=(op);
            (fields)
            fieldset {
                legend { "Sign this change with your permanent key" }
                div class="row" {
                    div {
                        label for=(id("k")) { "Access key ID" }
                        input type="text" id=(id("k")) name="step_key" required spellcheck="false" autocomplete="username";
                    }
                    div {
                        label for=(id("s")) { "Secret access key" }
                        input type="password" id=(id("s")) name="step_secret" required autocomplete="current-password";
                    }
                }
            }
            button type="submit" { (button) }
        }
        }
    }
}

#[derive(Deserialize, Default)]
pub struct Change {
    #[serde(default)]
    csrf: String,
    op: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    policy_name: String,
    #[serde(default)]
    policy_document: String,
    #[serde(default)]
    duration: String,
    #[serde(default)]
    step_key: String,
    #[serde(default)]
    step_secret: String,
}

impl Drop for Change {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.step_secret);
    }
}

/// The changes the admin pages make.
const CHANGES: &[&str] = &[
    "CreateAccount",
    "CreateUser",
    "CreateAccessKey",
    "DeleteAccessKey",
    "PutUserPolicy",
    "DeleteUserPolicy",
    "CreateSignInLink",
];

/// `POST /console/admin/change`: one principal change, signed with the
/// permanent key typed into the form.
pub async fn change(visit: Visit, Form(form): Form<Change>) -> Response {
    if let Err(r) = visit.check_form(&form.csrf) {
        return r.into_response();
    }
    let Some(op) = CHANGES.iter().find(|o| **o == form.op) else {
        return visit.failed(Section::Admin, &Failure::invalid("Unknown change."));
    };
    let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let mut body = json!({});
    for (field, value) in [
        ("AccountId", text(&form.account)),
        ("UserName", text(&form.user)),
        ("AccessKeyId", text(&form.key)),
        ("PolicyName", text(&form.policy_name)),
        ("PolicyDocument", text(&form.policy_document)),
    ] {
        if let Some(v) = value {
            body[field] = Value::String(v);
        }
    }
    if let Some(d) = text(&form.duration) {
        match d.parse::<i64>() {
            Ok(n) => body["DurationSeconds"] = json!(n),
            Err(_) => body["DurationSeconds"] = Value::String(d),
        }
    }
    let step = Credentials {
        access_key_id: form.step_key.trim().to_string(),
        secret_access_key: Zeroizing::new(form.step_secret.trim().to_string()),
        session_token: None,
    };
    let caller = Caller {
        api: visit.console.api.as_ref(),
        creds: &step,
        region: &visit.session.region,
        peer: visit.browser.peer,
        user_agent: &visit.browser.user_agent,
    };
    let outcome = caller.call(&format!("rekey.{op}"), &body).await;
    let body = html! {
        p class="muted" { a href="/console/admin" { "Administration" } " / " }
        h1 { (op) }
        @match &outcome {
            Err(f) => (error_notice(f)),
            Ok(answer) => {
                p class="notice ok" role="status" { "Done." }
                (made(&visit, op, answer))
            },
        }
        p { a href="/console/admin" { "Back to administration" } }
    };
    let status = match &outcome {
        Ok(_) => StatusCode::OK,
        Err(f) => StatusCode::from_u16(f.status).unwrap_or(StatusCode::BAD_REQUEST),
    };
    visit.page(status, op, Section::Admin, body)
}

/// What a change made that is shown once: a new key's secret, a link.
fn made(visit: &Visit, op: &str, answer: &Value) -> Markup {
    let key = &answer["AccessKey"];
    if let Some(secret) = key["SecretAccessKey"].as_str() {
        return html! {
            div class="notice value" {
                p { strong { "Shown once: keep it now." } }
                dl class="facts" {
                    @if let Some(a) = answer["AccountId"].as_str() { dt { "Account" } dd class="mono" { (a) } }
                    dt { "Access key ID" } dd class="mono" id="new-key-id" { (key["AccessKeyId"].as_str().unwrap_or("")) }
                    dt { "Secret access key" } dd class="mono" id="new-key-secret" { (secret) }
                }
            }
        };
    }
    if op == "CreateSignInLink" {
        let c = &answer["Credentials"];
        let path = crate::link::path(
            c["AccessKeyId"].as_str().unwrap_or(""),
            c["SecretAccessKey"].as_str().unwrap_or(""),
            c["SessionToken"].as_str().unwrap_or(""),
            &visit.session.region,
        );
        let host = visit.browser.headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
        let scheme = if visit.console.options.secure { "https" } else { "http" };
        return html! {
            div class="notice value" {
                p { strong { "The link signs in once, within 15 minutes. Send it over a channel you trust." } }
                pre id="sign-in-link" { (scheme) "://" (host) (path.as_str()) }
            }
        };
    }
    html! {}
}
