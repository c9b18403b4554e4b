//! The console's screens, one module each, and what they share.

pub mod admin;
pub mod audit;
pub mod labels;
pub mod rotation;
pub mod schedule;
pub mod secret;
pub mod secrets;
pub mod signin;

use crate::api::Failure;
use maud::{Markup, html};

/// The API's error, as the API said it.
pub fn error_notice(failure: &Failure) -> Markup {
    html! {
        div class="notice error" role="alert" {
            strong { (failure.code) } @if !failure.message.is_empty() { ": " (failure.message) }
        }
    }
}

/// `text` for a URL's query string.
pub fn query_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A JSON document (a policy) indented for reading; as given if it is not JSON.
pub fn pretty_json(doc: &str) -> String {
    serde_json::from_str::<serde_json::Value>(doc)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| doc.to_string())
}

/// `path` with the non-empty `pairs` as its query string.
pub fn link(path: &str, pairs: &[(&str, &str)]) -> String {
    let q: Vec<String> =
        pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", query_escape(v))).collect();
    format!("{path}?{}", q.join("&"))
}

/// The console's page of a secret.
pub fn secret_href(id: &str) -> String {
    format!("/console/secret?id={}", query_escape(id))
}

/// What a change did, said on the page it redirects to (after a POST the
/// browser is sent to a GET, so that reloading the page changes nothing
/// again). A code and a version id in the URL, never text.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Done {
    /// RotateSecret with a new configuration.
    Saved,
    /// RotateSecret as configured.
    Started,
    /// CancelRotateSecret.
    Cancelled,
    /// PutSecretValue.
    Stored,
    /// AWSCURRENT moved back.
    RolledBack,
}

impl Done {
    const ALL: [Done; 5] = [Done::Saved, Done::Started, Done::Cancelled, Done::Stored, Done::RolledBack];

    /// The code in the URL.
    pub fn code(self) -> &'static str {
        match self {
            Done::Saved => "saved",
            Done::Started => "started",
            Done::Cancelled => "cancelled",
            Done::Stored => "stored",
            Done::RolledBack => "rolled-back",
        }
    }

    /// The outcome a code names.
    pub fn from_code(code: &str) -> Option<Done> {
        Done::ALL.into_iter().find(|d| d.code() == code)
    }

    /// What the page says; `version` is the version id the change made or
    /// moved to (shown only when it looks like one).
    pub fn text(self, version: Option<&str>) -> String {
        let version = version
            .filter(|v| !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
            .map(labels::short);
        let v = version.as_deref().unwrap_or("the new version");
        match self {
            Done::Saved => "Rotation saved.".into(),
            Done::Started => "Rotation started.".into(),
            Done::Cancelled => "Rotation cancelled.".into(),
            Done::Stored => format!("Stored version {v}; it is AWSCURRENT."),
            Done::RolledBack => format!("AWSCURRENT is now on version {v}."),
        }
    }
}

/// Where a change sends the browser: `path` of secret `id`, saying `done`.
pub fn after(path: &str, id: &str, done: Done, version: Option<&str>) -> axum::response::Response {
    let mut to = format!("{path}?id={}&done={}", query_escape(id), done.code());
    if let Some(v) = version {
        to.push_str(&format!("&version={}", query_escape(v)));
    }
    crate::page::see_other(&to)
}
