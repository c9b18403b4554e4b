//! rekey's web console, served by `rekey serve` at `/console`.
//!
//! Server-rendered HTML (maud templates, which escape every value), one
//! stylesheet and one small script, a strict Content-Security-Policy.
//! Every page is built from API calls signed with the signed-in
//! principal's temporary credentials and served by the server's own API
//! handler ([`api::Api`]): the console authorizes nothing itself and can
//! show or change only what its user could through the API, and every
//! call it makes is in the audit trail as the user's.
//!
//! - [`session`]: the cookie and the CSRF token;
//! - [`page`]: the page frame and the headers every answer carries;
//! - [`pages`]: one module per screen.

#![warn(missing_docs)]

pub mod api;
pub mod assets;
pub mod link;
pub mod page;
pub(crate) mod pages;
pub mod session;

use api::{Api, Caller, Failure};
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use maud::html;
use page::{Chrome, Section};
use session::Session;
use std::net::SocketAddr;
use std::sync::Arc;

/// How the console is served.
#[derive(Debug, Clone)]
pub struct Options {
    /// Whether the server speaks TLS (cookies are then `Secure`).
    pub secure: bool,
    /// `--dev`: the API takes any credentials, so sign-in keeps the ones given.
    pub dev: bool,
    /// The region the sign-in form proposes.
    pub default_region: String,
}

/// What every handler shares.
pub(crate) struct Console {
    api: Arc<dyn Api>,
    options: Options,
}

/// The console's routes (all under `/console`), calling `api`.
pub fn router(api: Arc<dyn Api>, options: Options) -> Router {
    let console = Arc::new(Console { api, options });
    Router::new()
        .route("/console", get(|| async { page::see_other("/console/secrets") }))
        .route("/console/", get(|| async { page::see_other("/console/secrets") }))
        .route(assets::CSS_PATH, get(assets::css))
        .route(assets::JS_PATH, get(assets::js))
        .route(assets::ICON_PATH, get(assets::icon))
        .route("/favicon.ico", get(|| async { page::see_other(assets::ICON_PATH) }))
        .route("/console/signin", get(pages::signin::form).post(pages::signin::submit))
        .route("/console/signout", post(pages::signin::sign_out))
        .route("/console/link", get(pages::signin::link_form).post(pages::signin::link_submit))
        .route("/console/schedule", get(pages::schedule::show))
        .route("/console/audit", get(pages::audit::show))
        .route("/console/admin", get(pages::admin::show))
        .route("/console/admin/account", get(pages::admin::account))
        .route("/console/admin/user", get(pages::admin::user))
        .route("/console/admin/change", post(pages::admin::change))
        .route("/console/secrets", get(pages::secrets::list))
        .route("/console/secret", get(pages::secret::show))
        .route("/console/secret/reveal", post(pages::secret::reveal))
        .route("/console/secret/value", post(pages::secret::put_value))
        .route("/console/secret/rollback", post(pages::secret::rollback))
        .route("/console/secret/versions", get(pages::secret::show_versions))
        .route("/console/secret/rotation", get(pages::rotation::show).post(pages::rotation::configure))
        .route("/console/secret/rotation/live", get(pages::rotation::live))
        .route("/console/secret/rotate", post(pages::rotation::rotate_now))
        .route("/console/secret/cancel", post(pages::rotation::cancel))
        .route("/console/preview", get(pages::rotation::preview_fragment))
        .fallback(not_found)
        // Every answer, the extractors' refusals of a malformed form or
        // query included, carries the console's headers.
        .layer(axum::middleware::map_response(|r: Response| async move { page::harden(r) }))
        .with_state(console)
}

async fn not_found() -> Response {
    page::respond(
        StatusCode::NOT_FOUND,
        page::page(
            "Not found",
            Chrome { session: None, section: Section::None },
            html! { h1 { "Not found" } p { a href="/console/secrets" { "Back to the secrets" } } },
        ),
    )
}

/// A browser's request, signed in or not: where it comes from.
pub(crate) struct Browser {
    /// Its address (`aws:SourceIp` of the calls made for it).
    pub peer: SocketAddr,
    /// Its `User-Agent`, for the audit records.
    pub user_agent: String,
    /// Its headers (the cookie, `Origin`, `Sec-Fetch-Site`).
    pub headers: HeaderMap,
}

impl FromRequestParts<Arc<Console>> for Browser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, console: &Arc<Console>) -> Result<Self, Response> {
        let user_agent = parts.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("-");
        Ok(Browser {
            peer: console.api.client_addr(&parts.extensions),
            user_agent: user_agent.chars().take(200).collect(),
            headers: parts.headers.clone(),
        })
    }
}

impl Browser {
    /// Refuses a form posted from anywhere but the console's own pages: a
    /// browser says where a request comes from (`Sec-Fetch-Site`,
    /// `Origin`), and another site can say neither.
    pub fn same_origin(&self) -> Result<(), Refusal> {
        let site = self.headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
        if site.is_some_and(|s| s != "same-origin" && s != "none") {
            return Err(Refusal("The form came from another site."));
        }
        if let Some(origin) = self.headers.get(header::ORIGIN) {
            let host = self.headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
            let origin = origin.to_str().unwrap_or_default();
            let bare = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
            if bare != Some(host) {
                return Err(Refusal("The form came from another site."));
            }
        }
        Ok(())
    }
}

/// A form refused before anything was asked of the API.
pub(crate) struct Refusal(&'static str);

impl axum::response::IntoResponse for Refusal {
    fn into_response(self) -> Response {
        refused(self.0)
    }
}

fn refused(why: &str) -> Response {
    page::respond(
        StatusCode::FORBIDDEN,
        page::page(
            "Refused",
            Chrome { session: None, section: Section::None },
            html! {
                h1 { "Request refused" }
                p class="notice error" role="alert" { (why) " Nothing was changed." }
                p { a href="/console/secrets" { "Back to the console" } }
            },
        ),
    )
}

/// A signed-in browser.
pub(crate) struct Visit {
    /// Where it comes from.
    pub browser: Browser,
    /// Its session.
    pub session: Session,
    console: Arc<Console>,
}

impl FromRequestParts<Arc<Console>> for Visit {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, console: &Arc<Console>) -> Result<Self, Response> {
        let browser = Browser::from_request_parts(parts, console).await?;
        let session = browser
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(Session::from_cookie_header);
        match session {
            Some(session) if session.expires_ms > now_ms() => Ok(Visit { browser, session, console: console.clone() }),
            Some(_) => Err(signed_out(console, Ended::Expired)),
            None => Err(page::see_other("/console/signin")),
        }
    }
}

impl Visit {
    /// The API, as this visit's principal.
    pub fn caller(&self) -> Caller<'_> {
        Caller {
            api: self.console.api.as_ref(),
            creds: &self.session.creds,
            region: &self.session.region,
            peer: self.browser.peer,
            user_agent: &self.browser.user_agent,
        }
    }

    /// The frame of a page in `section`.
    pub fn chrome(&self, section: Section) -> Chrome<'_> {
        Chrome { session: Some(&self.session), section }
    }

    /// A page of this visit.
    pub fn page(&self, status: StatusCode, title: &str, section: Section, body: maud::Markup) -> Response {
        page::respond(status, page::page(title, self.chrome(section), body))
    }

    /// A piece of a page (the script's live updates and previews).
    pub fn fragment(&self, status: StatusCode, markup: maud::Markup) -> Response {
        page::respond(status, markup)
    }

    /// Checks a form that changes something: it comes from the console's
    /// own pages, with this session's CSRF token.
    pub fn check_form(&self, csrf: &str) -> Result<(), Refusal> {
        self.browser.same_origin()?;
        if !self.session.csrf_matches(csrf) {
            return Err(Refusal("The form's CSRF token is not this session's."));
        }
        Ok(())
    }

    /// The answer to a failed call: to sign in again when the credentials
    /// died, else a page with the API's own error.
    pub fn failed(&self, section: Section, failure: &Failure) -> Response {
        if failure.signed_out() {
            let why = if failure.code == "ExpiredTokenException" { Ended::Expired } else { Ended::Revoked };
            return signed_out(&self.console, why);
        }
        // A refusal is the API's AccessDeniedException (400 on the API's
        // wire); as a page, it is a 403.
        let status = match failure.denied() {
            true => StatusCode::FORBIDDEN,
            false => StatusCode::from_u16(failure.status).unwrap_or(StatusCode::BAD_REQUEST),
        };
        let title = if failure.denied() { "Not allowed" } else { "Error" };
        self.page(
            status,
            title,
            section,
            html! {
                h1 { (title) }
                (pages::error_notice(failure))
                p { a href="/console/secrets" { "Back to the secrets" } }
            },
        )
    }
}

/// Why a session ended, as the sign-in page says it. A code in the URL,
/// never text: a link to the sign-in page cannot make it say anything
/// else.
#[derive(Clone, Copy)]
pub(crate) enum Ended {
    /// The credentials' time ran out.
    Expired,
    /// They were deleted (another sign-out, a revoked parent key).
    Revoked,
    /// The user signed out.
    SignedOut,
}

impl Ended {
    fn code(self) -> &'static str {
        match self {
            Ended::Expired => "expired",
            Ended::Revoked => "revoked",
            Ended::SignedOut => "signed-out",
        }
    }

    /// The reason a code names.
    pub fn from_code(code: &str) -> Option<Ended> {
        [Ended::Expired, Ended::Revoked, Ended::SignedOut].into_iter().find(|e| e.code() == code)
    }

    /// What the sign-in page says.
    pub fn text(self) -> &'static str {
        match self {
            Ended::Expired => "Your session has expired; sign in again.",
            Ended::Revoked => {
                "Your session's credentials are no longer valid (signed out elsewhere, or revoked); sign in again."
            }
            Ended::SignedOut => "You have signed out.",
        }
    }
}

/// Back to the sign-in page, the cookie removed, saying why.
pub(crate) fn signed_out(console: &Console, why: Ended) -> Response {
    let mut r = page::see_other(&format!("/console/signin?ended={}", why.code()));
    if let Ok(v) = HeaderValue::from_str(&session::clear_cookie(console.options.secure)) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// The time now, epoch milliseconds.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
}
