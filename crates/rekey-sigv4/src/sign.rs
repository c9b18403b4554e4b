//! Signing outgoing requests: the CLI's and `rekey admin`'s calls, and
//! the Lambda Invoke API.

use crate::canonical::{amz_dates, canonical_headers, sha256_hex, uri_encode};
use crate::key::{signature, signing_key, string_to_sign};

/// Credentials to sign with.
#[derive(Clone)]
pub struct Credentials {
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: zeroize::Zeroizing<String>,
    /// The session token of temporary credentials.
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("access_key_id", &self.access_key_id).finish_non_exhaustive()
    }
}

/// A request to sign: method, the path as sent (already encoded), the
/// headers to sign (lower-case names) and the body.
pub struct Request<'a> {
    /// `POST`, `GET`…
    pub method: &'a str,
    /// The path as it goes on the wire.
    pub path: &'a str,
    /// Headers to sign, besides `x-amz-date`, `x-amz-content-sha256` and
    /// `x-amz-security-token`, which [`sign`] adds.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: &'a [u8],
}

/// Signs `req` for `service` in `region` at `millis`: returns every header
/// to send (the signed ones, `x-amz-date`, the payload hash, the session
/// token and `authorization`).
pub fn sign(req: Request<'_>, creds: &Credentials, region: &str, service: &str, millis: i64) -> Vec<(String, String)> {
    let (date, stamp) = amz_dates(millis);
    let payload_hash = sha256_hex(req.body);
    let mut headers = req.headers;
    headers.push(("x-amz-date".into(), stamp.clone()));
    headers.push(("x-amz-content-sha256".into(), payload_hash.clone()));
    if let Some(token) = &creds.session_token {
        headers.push(("x-amz-security-token".into(), token.clone()));
    }
    headers.sort_by(|a, b| a.0.cmp(&b.0));
    let signed: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
    let signed = signed.join(";");
    // Every service but S3 signs the path encoded once more.
    let canonical_uri = uri_encode(req.path, true);
    let canonical =
        format!("{}\n{canonical_uri}\n\n{}\n{signed}\n{payload_hash}", req.method, canonical_headers(&headers));
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let key = signing_key(&creds.secret_access_key, &date, region, service);
    let signature = hex::encode(signature(&key, &string_to_sign(&stamp, &scope, &canonical)));
    headers.push((
        "authorization".into(),
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed}, Signature={signature}",
            creds.access_key_id
        ),
    ));
    headers
}
