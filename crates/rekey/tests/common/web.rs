//! Plain HTTP to the console, as a browser (or an attacker's page) sends
//! it: any method, path and headers, the answer's status, headers and
//! body.

use super::Server;
use std::io::{Read, Write};
use std::net::TcpStream;

/// An answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    /// Lower-case names, in order.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    /// Every value of the header `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    /// The header `name`, if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.all(name).first().copied()
    }

    /// The `name=value` of the console's session cookie it sets, if any.
    pub fn session_cookie(&self) -> Option<String> {
        self.all("set-cookie")
            .iter()
            .find(|c| c.starts_with("rekey_console="))
            .map(|c| c.split(';').next().unwrap().to_string())
    }
}

/// Sends one request to `server`.
pub fn request(server: &Server, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Answer {
    let mut s = TcpStream::connect(&server.addr).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", server.addr);
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", body.len()));
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let mut lines = head.lines();
    let status = lines.next().unwrap()[9..12].parse().unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Answer { status, headers, body: body.to_string() }
}

/// A form's body.
pub fn form(fields: &[(&str, &str)]) -> String {
    fields.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect::<Vec<_>>().join("&")
}

/// Percent-encodes for a form or a query string.
pub fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// POSTs a form.
pub fn post_form(
    server: &Server,
    path: &str,
    cookie: Option<&str>,
    extra: &[(&str, &str)],
    fields: &[(&str, &str)],
) -> Answer {
    let mut headers = vec![("Content-Type", "application/x-www-form-urlencoded")];
    if let Some(c) = cookie {
        headers.push(("Cookie", c));
    }
    headers.extend_from_slice(extra);
    request(server, "POST", path, &headers, &form(fields))
}

/// GETs a page.
pub fn get(server: &Server, path: &str, cookie: Option<&str>) -> Answer {
    match cookie {
        Some(c) => request(server, "GET", path, &[("Cookie", c)], ""),
        None => request(server, "GET", path, &[], ""),
    }
}

/// Signs in to the console with an access key: the session cookie.
pub fn sign_in(server: &Server, key: &str, secret: &str) -> String {
    let a = post_form(
        server,
        "/console/signin",
        None,
        &[],
        &[("access_key_id", key), ("secret_access_key", secret), ("region", "us-east-1"), ("duration", "3600")],
    );
    assert_eq!(a.status, 303, "sign-in: {}", a.body);
    a.session_cookie().expect("a session cookie")
}

/// The CSRF token a page's forms carry.
pub fn csrf(page: &Answer) -> String {
    let at = page.body.find("name=\"csrf\" value=\"").expect("a CSRF field") + "name=\"csrf\" value=\"".len();
    page.body[at..].split('"').next().unwrap().to_string()
}
