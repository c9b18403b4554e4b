//! The console's two static files, embedded in the binary.

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::Response;

/// The stylesheet.
pub const CSS: &str = include_str!("../assets/console.css");
/// The script.
pub const JS: &str = include_str!("../assets/console.js");
/// The icon.
pub const ICON: &str = include_str!("../assets/icon.svg");
/// Where the icon is served.
pub const ICON_PATH: &str = concat!("/console/assets/", env!("CARGO_PKG_VERSION"), "/icon.svg");
/// Where the stylesheet is served (the version in the path: a new build's
/// pages never get an old build's file from a cache).
pub const CSS_PATH: &str = concat!("/console/assets/", env!("CARGO_PKG_VERSION"), "/console.css");
/// Where the script is served.
pub const JS_PATH: &str = concat!("/console/assets/", env!("CARGO_PKG_VERSION"), "/console.js");

/// Bytes of every embedded asset.
pub fn size() -> usize {
    CSS.len() + JS.len() + ICON.len()
}

fn file(content: &'static str, kind: &'static str) -> Response {
    let mut r = Response::new(Body::from(content));
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    // The only cacheable answers: they hold nothing of anyone's.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    r
}

/// `GET` the stylesheet.
pub async fn css() -> Response {
    file(CSS, "text/css; charset=utf-8")
}

/// `GET` the script.
pub async fn js() -> Response {
    file(JS, "text/javascript; charset=utf-8")
}

/// `GET` the icon.
pub async fn icon() -> Response {
    file(ICON, "image/svg+xml")
}
