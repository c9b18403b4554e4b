//! SigV4 verification of incoming requests: the `Authorization` header
//! form and the presigned query form, with AWS's errors. The canonical
//! forms are shared with the signer in `rekey_service::sigv4`.
//!
//! Checked, in AWS's order: some authentication at all; a complete
//! `Authorization` (Credential, SignedHeaders, Signature); a date
//! (`X-Amz-Date` or `Date`) within the clock-skew limit; a credential scope
//! for this date, a region and service `secretsmanager`; a known access
//! key; the signature itself (compared in constant time). Derived signing
//! keys are cached per (key, day, region).

use axum::http::HeaderMap;
use rekey_model::{ApiError, ErrorCode};
use rekey_service::sigv4::{
    amz_dates, canonical_headers, canonical_query, percent_decode, sha256_hex, signature_matches, signing_key,
    string_to_sign, uri_encode,
};
use std::collections::HashMap;
use std::sync::Mutex;
use zeroize::Zeroizing;

/// The service name in credential scopes.
pub const SERVICE: &str = "secretsmanager";
/// How far a request's date may be from the server's clock.
pub const MAX_SKEW_MS: i64 = 15 * 60 * 1000;

/// Where secret access keys come from.
pub trait SecretKeys: Send + Sync {
    /// The secret key of `access_key_id`, if the key exists and is active.
    fn secret_key(&self, access_key_id: &str) -> Option<Zeroizing<String>>;
}

/// A request as received.
pub struct Incoming<'a> {
    /// `POST`, `GET`…
    pub method: &'a str,
    /// The path as received (still encoded).
    pub path: &'a str,
    /// The query string as received, if any.
    pub query: Option<&'a str>,
    /// The headers.
    pub headers: &'a HeaderMap,
    /// The body.
    pub body: &'a [u8],
}

/// What a valid signature establishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The access key that signed.
    pub access_key_id: String,
    /// The region of the credential scope.
    pub region: String,
}

/// The parts of a signature, from either form.
struct Parts {
    access_key_id: String,
    scope_date: String,
    region: String,
    service: String,
    terminator: String,
    signed_headers: Vec<String>,
    signature: String,
    stamp: String,
    presigned: bool,
}

fn err(code: ErrorCode, message: impl Into<String>) -> ApiError {
    ApiError::new(code, message)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        (percent_decode(k) == name).then(|| percent_decode(v))
    })
}

/// `Date` as an HTTP date (`Sun, 30 Aug 2015 12:36:00 GMT`) to a SigV4 stamp.
fn http_date_stamp(date: &str) -> Option<String> {
    let parts: Vec<&str> = date.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts[..] else { return None };
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month = MONTHS.iter().position(|m| *m == month)? + 1;
    let hms: String = time.split(':').collect();
    (hms.len() == 6).then(|| format!("{year}{month:02}{:0>2}T{hms}Z", day))
}

/// Milliseconds of a `YYYYMMDDTHHMMSSZ` stamp.
fn stamp_millis(stamp: &str) -> Option<i64> {
    let b = stamp.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let text = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &stamp[0..4],
        &stamp[4..6],
        &stamp[6..8],
        &stamp[9..11],
        &stamp[11..13],
        &stamp[13..15]
    );
    rekey_model::calendar::parse_utc(&text)
}

fn parse_scope(credential: &str) -> Option<(String, String, String, String, String)> {
    let mut it = credential.rsplitn(5, '/');
    let (terminator, service, region, date, key) = (it.next()?, it.next()?, it.next()?, it.next()?, it.next()?);
    Some((key.into(), date.into(), region.into(), service.into(), terminator.into()))
}

fn parts(req: &Incoming<'_>) -> Result<Parts, ApiError> {
    if let Some(auth) = header(req.headers, "authorization") {
        let Some(rest) = auth.strip_prefix("AWS4-HMAC-SHA256 ") else {
            return Err(err(
                ErrorCode::IncompleteSignatureException,
                format!(
                    "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization={auth}"
                ),
            ));
        };
        let field = |name: &str| {
            rest.split(',').map(str::trim).find_map(|kv| kv.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
        };
        let missing: Vec<&str> =
            ["Credential", "Signature", "SignedHeaders"].into_iter().filter(|n| field(n).is_none()).collect();
        if !missing.is_empty() {
            let msg: String =
                missing.iter().map(|m| format!("Authorization header requires '{m}' parameter. ")).collect();
            return Err(err(ErrorCode::IncompleteSignatureException, format!("{msg}Authorization={auth}")));
        }
        let stamp = match (header(req.headers, "x-amz-date"), header(req.headers, "date")) {
            (Some(d), _) => d.to_string(),
            (None, Some(d)) => http_date_stamp(d).unwrap_or_default(),
            (None, None) => {
                return Err(err(
                    ErrorCode::IncompleteSignatureException,
                    format!(
                        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization={auth}"
                    ),
                ));
            }
        };
        let credential = field("Credential").unwrap_or_default();
        let (access_key_id, scope_date, region, service, terminator) = parse_scope(credential).ok_or_else(|| {
            err(
                ErrorCode::IncompleteSignatureException,
                format!("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'"),
            )
        })?;
        return Ok(Parts {
            access_key_id,
            scope_date,
            region,
            service,
            terminator,
            signed_headers: field("SignedHeaders").unwrap_or_default().split(';').map(str::to_string).collect(),
            signature: field("Signature").unwrap_or_default().to_string(),
            stamp,
            presigned: false,
        });
    }
    let query = req.query.unwrap_or_default();
    if query_param(query, "X-Amz-Signature").is_none() && query_param(query, "X-Amz-Credential").is_none() {
        return Err(err(ErrorCode::MissingAuthenticationTokenException, "Missing Authentication Token"));
    }
    let get = |name: &str| query_param(query, name);
    let missing: Vec<&str> =
        ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"]
            .into_iter()
            .filter(|n| get(n).is_none())
            .collect();
    if !missing.is_empty() {
        return Err(err(
            ErrorCode::IncompleteSignatureException,
            format!(
                "AWS query-string parameters must include {}. Re-examine the query-string parameters.",
                missing.join(", ")
            ),
        ));
    }
    let credential = get("X-Amz-Credential").unwrap_or_default();
    let (access_key_id, scope_date, region, service, terminator) = parse_scope(&credential).ok_or_else(|| {
        err(
            ErrorCode::IncompleteSignatureException,
            format!("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'"),
        )
    })?;
    Ok(Parts {
        access_key_id,
        scope_date,
        region,
        service,
        terminator,
        signed_headers: get("X-Amz-SignedHeaders").unwrap_or_default().split(';').map(str::to_string).collect(),
        signature: get("X-Amz-Signature").unwrap_or_default(),
        stamp: get("X-Amz-Date").unwrap_or_default(),
        presigned: true,
    })
}

/// (access key, day, region): what a derived signing key is for.
type KeyScope = (String, String, String);

/// The access key id a request claims (before any check), to look its
/// secret up; `None` when the request carries no credential.
pub fn claimed_access_key(req: &Incoming<'_>) -> Option<String> {
    parts(req).ok().map(|p| p.access_key_id)
}

/// Verifies signatures; keeps derived signing keys.
#[derive(Default)]
pub struct Verifier {
    /// Derived signing keys by scope.
    cache: Mutex<HashMap<KeyScope, Zeroizing<Vec<u8>>>>,
}

impl Verifier {
    /// A verifier with an empty key cache.
    pub fn new() -> Self {
        Verifier::default()
    }

    /// Checks the signature of `req` at server time `now_ms`, with the
    /// secret keys `keys` knows.
    pub fn verify(&self, req: &Incoming<'_>, now_ms: i64, keys: &dyn SecretKeys) -> Result<Verified, ApiError> {
        let p = parts(req)?;
        let Some(signed_at) = stamp_millis(&p.stamp) else {
            return Err(err(
                ErrorCode::IncompleteSignatureException,
                format!(
                    "Date must be in ISO-8601 'basic format'. Got '{}'. See http://en.wikipedia.org/wiki/ISO_8601",
                    p.stamp
                ),
            ));
        };
        let (_, now_stamp) = amz_dates(now_ms);
        if signed_at < now_ms - MAX_SKEW_MS {
            let (_, limit) = amz_dates(now_ms - MAX_SKEW_MS);
            return Err(err(
                ErrorCode::InvalidSignatureException,
                format!("Signature expired: {} is now earlier than {limit} ({now_stamp} - 15 min.)", p.stamp),
            ));
        }
        if signed_at > now_ms + MAX_SKEW_MS {
            let (_, limit) = amz_dates(now_ms + MAX_SKEW_MS);
            return Err(err(
                ErrorCode::InvalidSignatureException,
                format!("Signature not yet current: {} is still later than {limit} ({now_stamp} + 15 min.)", p.stamp),
            ));
        }
        // A presigned request also carries its own lifetime.
        let expires = req.query.and_then(|q| query_param(q, "X-Amz-Expires")).and_then(|e| e.parse::<i64>().ok());
        if p.presigned && expires.is_some_and(|secs| now_ms > signed_at + secs * 1000) {
            return Err(err(ErrorCode::InvalidSignatureException, "Request has expired"));
        }
        if p.scope_date != p.stamp[..8] {
            return Err(err(
                ErrorCode::InvalidSignatureException,
                format!(
                    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{}'.",
                    p.scope_date,
                    &p.stamp[..8],
                    p.stamp
                ),
            ));
        }
        if p.service != SERVICE {
            return Err(err(
                ErrorCode::InvalidSignatureException,
                format!("Credential should be scoped to correct service: '{SERVICE}'. "),
            ));
        }
        if p.terminator != "aws4_request" {
            return Err(err(
                ErrorCode::InvalidSignatureException,
                format!(
                    "Credential should be scoped with a valid terminator: 'aws4_request', not '{}'. ",
                    p.terminator
                ),
            ));
        }
        if p.region.is_empty() {
            return Err(err(ErrorCode::InvalidSignatureException, "Credential should be scoped to a valid region. "));
        }
        if !p.signed_headers.iter().any(|h| h == "host") {
            return Err(err(
                ErrorCode::InvalidSignatureException,
                "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
            ));
        }
        let Some(secret) = keys.secret_key(&p.access_key_id) else {
            return Err(err(
                ErrorCode::UnrecognizedClientException,
                "The security token included in the request is invalid.",
            ));
        };
        let mut headers = Vec::with_capacity(p.signed_headers.len());
        for name in &p.signed_headers {
            let values: Vec<&str> = req.headers.get_all(name.as_str()).iter().filter_map(|v| v.to_str().ok()).collect();
            headers.push((name.clone(), values.join(",")));
        }
        // Outside S3 the payload hash is the body's, in both forms, unless
        // the client declared UNSIGNED-PAYLOAD.
        let payload = match header(req.headers, "x-amz-content-sha256") {
            Some("UNSIGNED-PAYLOAD") => "UNSIGNED-PAYLOAD".to_string(),
            _ => sha256_hex(req.body),
        };
        let query = canonical_query(req.query.unwrap_or_default(), p.presigned.then_some("X-Amz-Signature"));
        let canonical = format!(
            "{}\n{}\n{query}\n{}\n{}\n{payload}",
            req.method,
            uri_encode(req.path, true),
            canonical_headers(&headers),
            p.signed_headers.join(";")
        );
        let scope = format!("{}/{}/{SERVICE}/aws4_request", p.scope_date, p.region);
        let to_sign = string_to_sign(&p.stamp, &scope, &canonical);
        let cache_key = (p.access_key_id.clone(), p.scope_date.clone(), p.region.clone());
        let key = {
            let mut cache = self.cache.lock().expect("signing key cache");
            if cache.len() > 10_000 {
                cache.clear();
            }
            cache.entry(cache_key).or_insert_with(|| signing_key(&secret, &p.scope_date, &p.region, SERVICE)).clone()
        };
        if !signature_matches(&key, &to_sign, &p.signature) {
            return Err(err(
                ErrorCode::InvalidSignatureException,
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
            ));
        }
        Ok(Verified { access_key_id: p.access_key_id, region: p.region })
    }
}

#[cfg(test)]
mod tests;
