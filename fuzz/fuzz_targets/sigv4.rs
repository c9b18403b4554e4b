//! SigV4 parsing and verification of whatever a client sends: the
//! `Authorization` header, the date, the presigned query, the target,
//! the session token and the body, split from the input at NUL bytes.
//! Never a panic; and a request the verifier accepts is one signed with
//! the one known key.

#![no_main]

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;
use rekey_sigv4::canonical::{canonical_query, percent_decode, uri_encode};
use rekey_sigv4::verify::{Incoming, SecretKeys, claim, credential_scope, verify};

struct Known;

impl SecretKeys for Known {
    fn secret_key(&self, access_key_id: &str) -> Option<&str> {
        (access_key_id == "AKIDEXAMPLE").then_some("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    }
}

/// 2026-11-27T15:16:14Z.
const NOW_MS: i64 = 1_795_792_574_000;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|b| *b == 0);
    let mut next = || parts.next().unwrap_or_default();
    let mut headers = HeaderMap::new();
    for name in ["authorization", "x-amz-date", "x-amz-target", "x-amz-security-token", "x-amz-content-sha256", "host", "date"]
    {
        if let Ok(v) = HeaderValue::from_bytes(next()) {
            headers.insert(HeaderName::from_static(name), v);
        }
    }
    let query = std::str::from_utf8(next()).ok().filter(|q| !q.is_empty());
    let path = std::str::from_utf8(next()).ok().filter(|p| p.starts_with('/')).unwrap_or("/");
    let body = next();
    let req = Incoming { method: "POST", path, query, headers: &headers, body };
    let _ = claim(&req);
    if let Ok(v) = verify(&req, NOW_MS, &Known) {
        assert_eq!(v.access_key_id, "AKIDEXAMPLE");
    }
    let _ = credential_scope(&req);
    if let Some(q) = query {
        let _ = canonical_query(q, Some("X-Amz-Signature"));
        let _ = percent_decode(q);
    }
    let _ = uri_encode(path, true);
});
