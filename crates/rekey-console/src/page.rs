//! The page every screen is drawn in, and the headers every answer of the
//! console carries: a strict Content-Security-Policy (scripts and styles
//! from the console's own files only, nothing inline), no caching of
//! anything but those files, no framing, no referrer beyond the console
//! (`same-origin`: `no-referrer` would make browsers send `Origin: null`
//! with the console's own forms, which the CSRF check refuses).

use crate::session::Session;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use maud::{DOCTYPE, Markup, html};

/// The policy of every page: nothing but the console's own script and
/// stylesheet runs or applies; forms post only to the console.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The sections of the navigation bar.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The secrets list and a secret's pages.
    Secrets,
    /// The calendar of rotation windows.
    Schedule,
    /// The audit trail.
    Audit,
    /// Accounts, users, keys, policies.
    Admin,
    /// Signed out.
    None,
}

/// Who is signed in, as the header shows it, and what forms need.
pub struct Chrome<'a> {
    /// The session (none on the sign-in page).
    pub session: Option<&'a Session>,
    /// The section to mark as current.
    pub section: Section,
}

/// A whole page.
pub fn page(title: &str, chrome: Chrome<'_>, body: Markup) -> Markup {
    let nav = |section: Section, href: &str, label: &str| {
        html! {
            @if chrome.section == section {
                a href=(href) aria-current="page" { (label) }
            } @else {
                a href=(href) { (label) }
            }
        }
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · rekey" }
                link rel="stylesheet" href=(crate::assets::CSS_PATH);
                link rel="icon" href=(crate::assets::ICON_PATH) type="image/svg+xml";
                script src=(crate::assets::JS_PATH) defer {}
            }
            body {
                a class="skip" href="#main" { "Skip to content" }
                header class="top" {
                    a class="brand" href="/console/secrets" { "rekey" }
                    @if let Some(session) = chrome.session {
                        nav aria-label="Main" {
                            (nav(Section::Secrets, "/console/secrets", "Secrets"))
                            (nav(Section::Schedule, "/console/schedule", "Schedule"))
                            (nav(Section::Audit, "/console/audit", "Audit"))
                            (nav(Section::Admin, "/console/admin", "Admin"))
                        }
                        div class="who" {
                            span title=(session.creds.access_key_id) { (session.shown_as()) " · " (session.region) }
                            form method="post" action="/console/signout" {
                                (csrf_field(session))
                                button type="submit" class="link" { "Sign out" }
                            }
                        }
                    }
                }
                main id="main" tabindex="-1" {
                    (body)
                }
            }
        }
    }
}

/// The hidden field that carries the session's CSRF token.
pub fn csrf_field(session: &Session) -> Markup {
    html! { input type="hidden" name="csrf" value=(session.csrf_token()); }
}

/// The hidden field that makes a form's change idempotent, as an SDK's
/// ClientRequestToken does: made when the page is drawn, so that sending
/// the form twice makes one version.
pub fn request_token_field() -> Markup {
    html! { input type="hidden" name="token" value=(uuid::Uuid::new_v4()); }
}

/// An HTML answer with the console's headers; its body is wiped from
/// memory once sent (a page may show a value).
pub fn respond(status: StatusCode, markup: Markup) -> Response {
    let mut r = Response::new(crate::api::wiped_body(zeroize::Zeroizing::new(markup.into_string().into_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    r
}

/// The headers every answer of the console carries (the router's layer
/// adds them to each). Pages hold secrets'
/// metadata and, on demand, their values: none is ever stored by the
/// browser or a proxy.
pub fn harden(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    r
}

/// A 303 to `location` (after a form, or to sign in).
pub fn see_other(location: &str) -> Response {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// A timestamp as the console shows it (UTC, to the second).
pub fn when(t: Option<rekey_model::Timestamp>) -> String {
    match t {
        Some(t) => rekey_model::calendar::format_utc(t.millis()).replace('T', " ").replace('Z', " UTC"),
        None => "—".to_string(),
    }
}

/// Epoch seconds (as the admin operations answer) as the console shows them.
pub fn when_seconds(t: Option<f64>) -> String {
    when(t.filter(|t| t.is_finite()).map(|t| rekey_model::Timestamp::from_millis((t * 1000.0) as i64)))
}
