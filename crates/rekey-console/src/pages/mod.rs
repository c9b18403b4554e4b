//! The console's screens, one module each, and what they share.

pub mod admin;
pub mod audit;
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

/// The console's page of a secret.
pub fn secret_href(id: &str) -> String {
    format!("/console/secret?id={}", query_escape(id))
}
