//! Signing in and out.
//!
//! Sign-in takes an access key: the console calls GetSessionToken signed
//! with it, and keeps only the temporary credentials it gets, in the
//! cookie. Every sign-in makes new credentials, whatever cookie the
//! browser brought (no session fixation). Signing out ends those
//! credentials in the store (`rekey.EndSession`): a copy of the cookie
//! is worth nothing afterwards.

use crate::api::Caller;
use crate::page::{self, Chrome, Section};
use crate::session::Session;
use crate::{Browser, Console, Visit};
use axum::Form;
use axum::extract::Query;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use rekey_sigv4::Credentials;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use zeroize::Zeroizing;

/// The session lengths the form offers (seconds).
const LENGTHS: &[(i64, &str)] = &[(3600, "1 hour"), (4 * 3600, "4 hours"), (12 * 3600, "12 hours")];

#[derive(Deserialize, Default)]
pub struct Shown {
    /// Why the last session ended (a code; anything else is ignored).
    ended: Option<String>,
}

fn signin_page(console: &Console, notice: Option<Markup>, key: &str, status: StatusCode) -> Response {
    let body = html! {
        div class="signin" {
            h1 { "Sign in to rekey" }
            @if let Some(n) = notice { (n) }
            form method="post" action="/console/signin" {
                label for="access_key_id" { "Access key ID" }
                input type="text" id="access_key_id" name="access_key_id" value=(key) autocomplete="username" required spellcheck="false";
                label for="secret_access_key" { "Secret access key" }
                input type="password" id="secret_access_key" name="secret_access_key" autocomplete="current-password" required;
                label for="region" { "Region" }
                input type="text" id="region" name="region" value=(console.options.default_region) required spellcheck="false";
                label for="duration" { "Stay signed in for" }
                select id="duration" name="duration" {
                    @for (seconds, text) in LENGTHS { option value=(seconds) { (text) } }
                }
                p { button type="submit" { "Sign in" } }
            }
            p class="muted" {
                "The console keeps temporary credentials made from your key (GetSessionToken), never the key itself. "
                "An administrator can also give you a one-time sign-in link."
            }
        }
    };
    page::respond(status, page::page("Sign in", Chrome { session: None, section: Section::None }, body))
}

/// `GET /console/signin`.
pub async fn form(State(console): State<Arc<Console>>, Query(shown): Query<Shown>) -> Response {
    let ended = shown.ended.as_deref().and_then(crate::Ended::from_code);
    let notice = ended.map(|why| html! { div class="notice" role="status" { (why.text()) } });
    signin_page(&console, notice, "", StatusCode::OK)
}

#[derive(Deserialize)]
pub struct SignIn {
    access_key_id: String,
    secret_access_key: String,
    region: String,
    duration: Option<i64>,
}

impl Drop for SignIn {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.secret_access_key);
    }
}

/// `POST /console/signin`: new temporary credentials, in a new cookie.
pub async fn submit(State(console): State<Arc<Console>>, browser: Browser, Form(form): Form<SignIn>) -> Response {
    if let Err(r) = browser.same_origin() {
        return r.into_response();
    }
    let key = form.access_key_id.trim();
    let region = form.region.trim();
    let duration = form.duration.filter(|d| LENGTHS.iter().any(|(s, _)| s == d)).unwrap_or(LENGTHS[0].0);
    let given = Credentials {
        access_key_id: key.to_string(),
        secret_access_key: Zeroizing::new(form.secret_access_key.trim().to_string()),
        session_token: None,
    };
    let caller = Caller {
        api: console.api.as_ref(),
        creds: &given,
        region,
        peer: browser.peer,
        user_agent: &browser.user_agent,
    };
    let session = if console.options.dev {
        // `--dev` takes any credentials: keep the ones given.
        Session {
            creds: given.clone(),
            region: region.to_string(),
            expires_ms: crate::now_ms() + duration * 1000,
            who: None,
        }
    } else {
        match caller.call("rekey.GetSessionToken", &json!({ "DurationSeconds": duration })).await {
            Ok(answer) => match session_of(&answer, region) {
                Some(session) => session,
                None => return signin_page(&console, None, key, StatusCode::INTERNAL_SERVER_ERROR),
            },
            Err(failure) => {
                let status = StatusCode::from_u16(failure.status).unwrap_or(StatusCode::BAD_REQUEST);
                return signin_page(&console, Some(super::error_notice(&failure)), key, status);
            }
        }
    };
    start(&console, &browser, session).await
}

/// Sets the new session's cookie and opens the console.
pub(crate) async fn start(console: &Arc<Console>, browser: &Browser, mut session: Session) -> Response {
    let caller = Caller {
        api: console.api.as_ref(),
        creds: &session.creds,
        region: &session.region,
        peer: browser.peer,
        user_agent: &browser.user_agent,
    };
    if let Ok(me) = caller.call("rekey.GetCallerIdentity", &json!({})).await {
        session.who = me["Arn"].as_str().map(str::to_string);
    }
    let mut r = page::see_other("/console/secrets");
    let cookie = session.set_cookie(crate::now_ms(), console.options.secure);
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[derive(Deserialize)]
pub struct Csrf {
    #[serde(default)]
    csrf: String,
}

/// `POST /console/signout`: the credentials end, the cookie goes.
pub async fn sign_out(visit: Visit, Form(form): Form<Csrf>) -> Response {
    if let Err(r) = visit.check_form(&form.csrf) {
        return r.into_response();
    }
    if !visit.console.options.dev
        && let Err(failure) = visit.caller().call("rekey.EndSession", &json!({})).await
        && !failure.signed_out()
    {
        return visit.failed(Section::None, &failure);
    }
    crate::signed_out(&visit.console, crate::Ended::SignedOut)
}

#[derive(Deserialize)]
pub struct LinkQuery {
    #[serde(default)]
    c: String,
}

/// `GET /console/link`: a button that uses the link (opening it uses nothing).
pub async fn link_form(Query(q): Query<LinkQuery>) -> Response {
    let valid = crate::link::parse(&q.c).is_some();
    let body = html! {
        div class="signin" {
            h1 { "Sign in with a link" }
            @if valid {
                p { "This one-time link signs you in to rekey. It works once, within 15 minutes of being made." }
                form method="post" action="/console/link" {
                    input type="hidden" name="c" value=(q.c);
                    button type="submit" { "Sign in" }
                }
            } @else {
                p class="notice error" role="alert" { "This is not a sign-in link." }
            }
            p { a href="/console/signin" { "Sign in with an access key instead" } }
        }
    };
    let status = if valid { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    page::respond(status, page::page("Sign in", Chrome { session: None, section: Section::None }, body))
}

#[derive(Deserialize)]
pub struct LinkForm {
    c: String,
}

impl Drop for LinkForm {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.c);
    }
}

/// `POST /console/link`: the link's credentials are exchanged (and so
/// used up) for the session's.
pub async fn link_submit(
    State(console): State<Arc<Console>>,
    browser: Browser,
    Form(form): Form<LinkForm>,
) -> Response {
    if let Err(r) = browser.same_origin() {
        return r.into_response();
    }
    let Some((creds, region)) = crate::link::parse(&form.c) else {
        return signin_page(
            &console,
            Some(html! { p class="notice error" role="alert" { "This is not a sign-in link." } }),
            "",
            StatusCode::BAD_REQUEST,
        );
    };
    let caller = Caller {
        api: console.api.as_ref(),
        creds: &creds,
        region: &region,
        peer: browser.peer,
        user_agent: &browser.user_agent,
    };
    match caller.call("rekey.RedeemSignInLink", &json!({})).await {
        Ok(answer) => match session_of(&answer, &region) {
            Some(session) => start(&console, &browser, session).await,
            None => signin_page(&console, None, "", StatusCode::INTERNAL_SERVER_ERROR),
        },
        Err(failure) => {
            let status = StatusCode::from_u16(failure.status).unwrap_or(StatusCode::BAD_REQUEST);
            let notice = html! {
                p class="notice error" { "This sign-in link cannot be used: it was used already, it expired, or it was revoked. Ask for a new one." }
                (super::error_notice(&failure))
            };
            signin_page(&console, Some(notice), "", status)
        }
    }
}

/// The session that an answer's `Credentials` make.
fn session_of(answer: &serde_json::Value, region: &str) -> Option<Session> {
    let c = &answer["Credentials"];
    let text = |k: &str| c[k].as_str().filter(|v| !v.is_empty()).map(str::to_string);
    Some(Session {
        creds: Credentials {
            access_key_id: text("AccessKeyId")?,
            secret_access_key: Zeroizing::new(text("SecretAccessKey")?),
            session_token: Some(text("SessionToken")?),
        },
        region: region.to_string(),
        expires_ms: (c["Expiration"].as_f64()? * 1000.0) as i64,
        who: None,
    })
}
