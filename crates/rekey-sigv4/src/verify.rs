//! SigV4 verification of incoming requests: the `Authorization` header
//! form and the presigned query form, with AWS's errors ([`SigV4Error`]).
//!
//! Checked, in AWS's order: some authentication at all; a complete
//! `Authorization` (Credential, SignedHeaders, Signature); a date
//! (`X-Amz-Date` or `Date`) within the clock-skew limit; a credential scope
//! for this date, a valid region and service `secretsmanager`; the host,
//! date, `X-Amz-Target` and session token among the signed headers; a
//! known access key; a signed payload; the signature itself (compared in
//! constant time). All but the last need no body, so the server refuses
//! strangers before reading one. Derived signing
//! keys come from [`SecretKeys`], which may keep them (the server keeps one
//! per key, day and region with the key it looked up).

use crate::canonical::{
    CanonicalHasher, amz_dates, canonical_query, http_date_stamp, query_param, sha256_hex32, stamp_millis, uri_encode,
};
use crate::error::SigV4Error;
use crate::key::SigningMac;
use http::header::{AUTHORIZATION, DATE};
use http::{HeaderMap, HeaderName};
use rekey_model::name::Region;
use std::borrow::Cow;
use std::sync::Arc;

/// The service name in credential scopes.
pub const SERVICE: &str = "secretsmanager";
/// How far a request's date may be from the server's clock.
pub const MAX_SKEW_MS: i64 = 15 * 60 * 1000;

/// `X-Amz-Date`, the signing time.
pub const X_AMZ_DATE: HeaderName = HeaderName::from_static("x-amz-date");
/// `X-Amz-Content-SHA256`, the payload hash a client may declare.
pub const X_AMZ_CONTENT_SHA256: HeaderName = HeaderName::from_static("x-amz-content-sha256");
/// `X-Amz-Security-Token`, the session token of temporary credentials.
pub const X_AMZ_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-amz-security-token");
/// `X-Amz-Target`, the operation a request asks for (it must be signed).
pub const X_AMZ_TARGET: HeaderName = HeaderName::from_static("x-amz-target");

/// Where secret access keys come from.
pub trait SecretKeys: Send + Sync {
    /// The secret key of `access_key_id`, if the key exists and is active.
    fn secret_key(&self, access_key_id: &str) -> Option<&str>;

    /// The MAC of `access_key_id`'s signing key for `date` (`YYYYMMDD`) and
    /// `region`, if the key exists and is active. Derived on each call
    /// unless the implementation keeps it.
    fn signing_mac(&self, access_key_id: &str, date: &str, region: &str) -> Option<Arc<SigningMac>> {
        Some(Arc::new(SigningMac::derive(self.secret_key(access_key_id)?, date, region, SERVICE)))
    }
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

/// What a valid signature establishes (borrowed from the request where it can be).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified<'a> {
    /// The access key that signed.
    pub access_key_id: Cow<'a, str>,
    /// The region of the credential scope.
    pub region: Cow<'a, str>,
}

/// The parts of a signature, from either form: what a request claims,
/// before any of it is checked. Borrowed from the request where it can be
/// (the header form), decoded where it must be (the presigned form).
pub struct Claim<'a> {
    access_key_id: Cow<'a, str>,
    scope_date: Cow<'a, str>,
    region: Cow<'a, str>,
    service: Cow<'a, str>,
    terminator: Cow<'a, str>,
    /// `SignedHeaders`: lower-case names joined by `;`.
    signed_headers: Cow<'a, str>,
    signature: Cow<'a, str>,
    stamp: Cow<'a, str>,
    presigned: bool,
}

fn header<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `key/date/region/service/terminator` (the key id may itself hold `/`).
type Scope<'a> = (Cow<'a, str>, Cow<'a, str>, Cow<'a, str>, Cow<'a, str>, Cow<'a, str>);

/// The pieces of `s` between `sep` bytes.
fn fields(s: &str, sep: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let r = rest?;
        match memchr::memchr(sep, r.as_bytes()) {
            Some(i) => {
                rest = Some(&r[i + 1..]);
                Some(&r[..i])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// `s` split at its last `sep` byte.
fn cut_last(s: &str, sep: u8) -> Option<(&str, &str)> {
    s.bytes().rposition(|b| b == sep).map(|i| (&s[..i], &s[i + 1..]))
}

fn split_scope(c: &str) -> Option<[&str; 5]> {
    let (rest, terminator) = cut_last(c, b'/')?;
    let (rest, service) = cut_last(rest, b'/')?;
    let (rest, region) = cut_last(rest, b'/')?;
    let (key, date) = cut_last(rest, b'/')?;
    Some([key, date, region, service, terminator])
}

fn parse_scope(credential: Cow<'_, str>) -> Option<Scope<'_>> {
    match credential {
        Cow::Borrowed(c) => {
            let [k, d, r, s, t] = split_scope(c)?;
            Some((k.into(), d.into(), r.into(), s.into(), t.into()))
        }
        Cow::Owned(c) => {
            let [k, d, r, s, t] = split_scope(&c)?.map(|x| Cow::Owned(x.to_string()));
            Some((k, d, r, s, t))
        }
    }
}

impl Claim<'_> {
    /// The access key id the request claims to be signed with.
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The region of the credential scope.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The date of the credential scope (`YYYYMMDD`).
    pub fn scope_date(&self) -> &str {
        &self.scope_date
    }
}

/// The parts of an `Authorization` header's value after the scheme:
/// `Credential`, `SignedHeaders` and `Signature`, the first of each.
fn authorization_fields(rest: &str) -> [Option<&str>; 3] {
    let mut found = [None; 3];
    for kv in fields(rest, b',').map(str::trim_ascii) {
        let Some(eq) = memchr::memchr(b'=', kv.as_bytes()) else { continue };
        let slot = match &kv[..eq] {
            "Credential" => 0,
            "SignedHeaders" => 1,
            "Signature" => 2,
            _ => continue,
        };
        found[slot].get_or_insert(&kv[eq + 1..]);
    }
    found
}

/// The access key id and region a request's credential names (from the
/// `Authorization` header or the presigned `X-Amz-Credential`), whatever
/// else it lacks: what `--dev` trusts without a signature.
pub fn credential_scope<'a>(req: &Incoming<'a>) -> Option<(Cow<'a, str>, Cow<'a, str>)> {
    let credential: Cow<'a, str> = match header(req.headers, &AUTHORIZATION) {
        Some(auth) => authorization_fields(auth.strip_prefix("AWS4-HMAC-SHA256 ")?)[0]?.into(),
        None => query_param(req.query?, "X-Amz-Credential")?.into(),
    };
    let (key, _, region, _, _) = parse_scope(credential)?;
    (!key.is_empty() && !region.is_empty()).then_some((key, region))
}

/// The signature parts of a request (header or presigned form); an error
/// when it carries none or an incomplete one.
pub fn claim<'a>(req: &Incoming<'a>) -> Result<Claim<'a>, SigV4Error> {
    if let Some(auth) = header(req.headers, &AUTHORIZATION) {
        let no_date = || SigV4Error::NoDate { authorization: auth.to_string() };
        let rest = auth.strip_prefix("AWS4-HMAC-SHA256 ").ok_or_else(no_date)?;
        let [credential, signed_headers, signature] = authorization_fields(rest);
        let missing: Vec<&'static str> =
            [("Credential", credential), ("Signature", signature), ("SignedHeaders", signed_headers)]
                .into_iter()
                .filter_map(|(n, v)| v.is_none().then_some(n))
                .collect();
        let (Some(credential), Some(signed_headers), Some(signature)) = (credential, signed_headers, signature) else {
            return Err(SigV4Error::IncompleteAuthorization { missing, authorization: auth.to_string() });
        };
        let stamp: Cow<'a, str> = match (header(req.headers, &X_AMZ_DATE), header(req.headers, &DATE)) {
            (Some(d), _) => Cow::Borrowed(d),
            (None, Some(d)) => Cow::Owned(http_date_stamp(d)),
            (None, None) => return Err(no_date()),
        };
        let (access_key_id, scope_date, region, service, terminator) = parse_scope(credential.into())
            .ok_or_else(|| SigV4Error::MalformedCredential { credential: credential.to_string() })?;
        return Ok(Claim {
            access_key_id,
            scope_date,
            region,
            service,
            terminator,
            signed_headers: signed_headers.into(),
            signature: signature.into(),
            stamp,
            presigned: false,
        });
    }
    let query = req.query.unwrap_or_default();
    let get = |name: &str| query_param(query, name);
    if get("X-Amz-Signature").is_none() && get("X-Amz-Credential").is_none() {
        return Err(SigV4Error::MissingAuthentication);
    }
    let missing: Vec<&'static str> =
        ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"]
            .into_iter()
            .filter(|n| get(n).is_none())
            .collect();
    if !missing.is_empty() {
        return Err(SigV4Error::IncompleteQuery { missing });
    }
    let credential = get("X-Amz-Credential").unwrap_or_default();
    let (access_key_id, scope_date, region, service, terminator) =
        parse_scope(credential.clone().into()).ok_or(SigV4Error::MalformedCredential { credential })?;
    Ok(Claim {
        access_key_id,
        scope_date,
        region,
        service,
        terminator,
        signed_headers: get("X-Amz-SignedHeaders").unwrap_or_default().into(),
        signature: get("X-Amz-Signature").unwrap_or_default().into(),
        stamp: get("X-Amz-Date").unwrap_or_default().into(),
        presigned: true,
    })
}

/// Checks the signature of `req` at server time `now_ms`, with the secret
/// keys `keys` knows.
pub fn verify<'a>(req: &Incoming<'a>, now_ms: i64, keys: &dyn SecretKeys) -> Result<Verified<'a>, SigV4Error> {
    verify_claim(req, claim(req)?, now_ms, keys)
}

/// Like [`verify`], with the request's [`claim`] already parsed: every
/// check at once, with the payload hash of the body in hand. The server
/// splits them instead ([`check_claim`] and the key before the body is
/// read, [`check_signature`] after or, when the payload hash is declared,
/// before).
pub fn verify_claim<'a>(
    req: &Incoming<'_>,
    p: Claim<'a>,
    now_ms: i64,
    keys: &dyn SecretKeys,
) -> Result<Verified<'a>, SigV4Error> {
    check_claim(req, &p, now_ms)?;
    let declared = declared_payload_hash(req.headers)?;
    let payload = sha256_hex32(req.body);
    if declared.is_some_and(|d| d != payload) {
        return Err(SigV4Error::PayloadMismatch);
    }
    let mac = keys.signing_mac(&p.access_key_id, &p.scope_date, &p.region).ok_or(SigV4Error::InvalidToken)?;
    check_signature(req, p, &mac, &payload)
}

/// A header the signature must cover, and the error when it does not.
fn must_sign(p: &Claim<'_>, name: &str, header: &'static str) -> Result<(), SigV4Error> {
    match fields(&p.signed_headers, b';').any(|h| h == name) {
        true => Ok(()),
        false => Err(SigV4Error::HeaderNotSigned { header }),
    }
}

/// The checks of a claim that need neither the key nor the body: the
/// date and its skew, the credential scope, and that everything saying
/// what the request does is signed (the host, the date, the operation in
/// `X-Amz-Target` and a session token), so that no part of a signed
/// request can be swapped.
pub fn check_claim(req: &Incoming<'_>, p: &Claim<'_>, now_ms: i64) -> Result<(), SigV4Error> {
    let Some(signed_at) = stamp_millis(&p.stamp) else {
        return Err(SigV4Error::MalformedDate { stamp: p.stamp.to_string() });
    };
    let now = || amz_dates(now_ms).1;
    if signed_at < now_ms - MAX_SKEW_MS {
        let limit = amz_dates(now_ms - MAX_SKEW_MS).1;
        return Err(SigV4Error::Expired { stamp: p.stamp.to_string(), limit, now: now() });
    }
    if signed_at > now_ms + MAX_SKEW_MS {
        let limit = amz_dates(now_ms + MAX_SKEW_MS).1;
        return Err(SigV4Error::NotYetCurrent { stamp: p.stamp.to_string(), limit, now: now() });
    }
    // A presigned request also carries its own lifetime.
    let expires = req.query.and_then(|q| query_param(q, "X-Amz-Expires")).and_then(|e| e.parse::<i64>().ok());
    if p.presigned && expires.is_some_and(|secs| now_ms > signed_at + secs * 1000) {
        return Err(SigV4Error::PresignedExpired);
    }
    if p.scope_date != p.stamp[..8] {
        return Err(SigV4Error::ScopeDate {
            scope_date: p.scope_date.to_string(),
            stamp_date: p.stamp[..8].to_string(),
            stamp: p.stamp.to_string(),
        });
    }
    if p.service != SERVICE {
        return Err(SigV4Error::ScopeService { service: SERVICE });
    }
    if p.terminator != "aws4_request" {
        return Err(SigV4Error::ScopeTerminator { terminator: p.terminator.to_string() });
    }
    if Region::parse(&p.region).is_none() {
        return Err(SigV4Error::ScopeRegion);
    }
    if !fields(&p.signed_headers, b';').any(|h| h == "host") {
        return Err(SigV4Error::HostNotSigned);
    }
    // A presigned request's date and token are in its (signed) query.
    if !p.presigned {
        match req.headers.contains_key(&X_AMZ_DATE) {
            true => must_sign(p, "x-amz-date", "X-Amz-Date")?,
            false => must_sign(p, "date", "Date")?,
        }
        if req.headers.contains_key(&X_AMZ_SECURITY_TOKEN) {
            must_sign(p, "x-amz-security-token", "X-Amz-Security-Token")?;
        }
    }
    if req.headers.contains_key(&X_AMZ_TARGET) {
        must_sign(p, "x-amz-target", "X-Amz-Target")?;
    }
    Ok(())
}

/// The payload hash a request declares in `X-Amz-Content-SHA256`, if
/// any: with it the signature can be checked before the body is read
/// (and the body against it after). Unsigned payloads are refused: the
/// body says what the request does.
pub fn declared_payload_hash(headers: &HeaderMap) -> Result<Option<[u8; 64]>, SigV4Error> {
    let Some(value) = headers.get(&X_AMZ_CONTENT_SHA256) else { return Ok(None) };
    let value = value.as_bytes();
    if value.starts_with(b"UNSIGNED-PAYLOAD") || value.starts_with(b"STREAMING-") {
        return Err(SigV4Error::UnsignedPayload);
    }
    let mut hash = [0u8; 64];
    if value.len() != 64 || !value.iter().all(u8::is_ascii_hexdigit) {
        return Err(SigV4Error::PayloadMismatch);
    }
    for (h, v) in hash.iter_mut().zip(value) {
        *h = v.to_ascii_lowercase();
    }
    Ok(Some(hash))
}

/// The session token a request carries (`X-Amz-Security-Token`, as a
/// header or, presigned, in the query).
pub fn session_token<'a>(req: &'a Incoming<'_>) -> Option<Cow<'a, str>> {
    if let Some(v) = header(req.headers, &X_AMZ_SECURITY_TOKEN) {
        return Some(Cow::Borrowed(v));
    }
    query_param(req.query?, "X-Amz-Security-Token").map(Cow::Owned)
}

/// Checks the signature itself (compared in constant time) over the
/// canonical request with `payload` (the lower-case hex SHA-256 of the
/// body, or the hash the request declares).
pub fn check_signature<'a>(
    req: &Incoming<'_>,
    p: Claim<'a>,
    mac: &SigningMac,
    payload: &[u8; 64],
) -> Result<Verified<'a>, SigV4Error> {
    // The canonical request, hashed as it is written.
    let mut canonical = CanonicalHasher::default();
    canonical.put(req.method);
    canonical.put("\n");
    canonical.put(&uri_encode(req.path, true));
    canonical.put("\n");
    if let Some(q) = req.query.filter(|q| !q.is_empty()) {
        canonical.put(&canonical_query(q, p.presigned.then_some("X-Amz-Signature")));
    }
    canonical.put("\n");
    // A signed request has a handful of headers: a scan finds each signed
    // one faster than a lookup that parses and hashes its name.
    for name in fields(&p.signed_headers, b';') {
        let values = req.headers.iter().filter(|(n, _)| n.as_str() == name).filter_map(|(_, v)| v.to_str().ok());
        canonical.header(name, values);
    }
    canonical.put("\n");
    canonical.put(&p.signed_headers);
    canonical.put("\n");
    canonical.put(std::str::from_utf8(payload).expect("hex"));
    let hash = canonical.finish();
    let to_sign = [
        "AWS4-HMAC-SHA256\n",
        &p.stamp,
        "\n",
        &p.scope_date,
        "/",
        &p.region,
        "/",
        SERVICE,
        "/aws4_request\n",
        std::str::from_utf8(&hash).expect("hex"),
    ];
    if !mac.matches(&to_sign, &p.signature) {
        return Err(SigV4Error::SignatureMismatch);
    }
    Ok(Verified { access_key_id: p.access_key_id, region: p.region })
}

#[cfg(test)]
mod tests;
