//! AWS Signature Version 4: signing of outgoing requests (the Lambda
//! Invoke API, `rekey admin`) and the canonical forms the server's
//! verifier shares, including a [`CanonicalHasher`] that hashes a
//! canonical request as it is written instead of building it.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

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

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// URI-encodes per SigV4: unreserved characters stay, everything else is
/// `%XX`; `/` stays only when `keep_slash`. Text with nothing to encode
/// (most paths, `/` itself) is borrowed.
pub fn uri_encode(s: &str, keep_slash: bool) -> std::borrow::Cow<'_, str> {
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || (keep_slash && b == b'/');
    if s.bytes().all(unreserved) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if unreserved(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out.into()
}

/// `(YYYYMMDD, YYYYMMDD'T'HHMMSS'Z')` of a Unix time in milliseconds.
pub fn amz_dates(millis: i64) -> (String, String) {
    let secs = millis.div_euclid(1000);
    let rem = secs.rem_euclid(86_400);
    let rekey_model::calendar::Date { year: y, month: m, day: d } =
        rekey_model::calendar::date(secs.div_euclid(86_400));
    let date = format!("{y:04}{m:02}{d:02}");
    let stamp = format!("{date}T{:02}{:02}{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60);
    (date, stamp)
}

/// A request to sign: method, the path as sent (already encoded), the
/// headers to sign (lower-case names) and the body.
pub struct Request<'a> {
    /// `POST`, `GET`…
    pub method: &'a str,
    /// The path as it goes on the wire.
    pub path: &'a str,
    /// Headers to sign, besides `x-amz-date` and `x-amz-security-token`,
    /// which [`sign`] adds.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: &'a [u8],
}

/// The canonical headers block: `name:value\n` for each (already
/// lower-cased and sorted) header, values trimmed with inner runs of
/// spaces collapsed.
pub fn canonical_headers(headers: &[(String, String)]) -> String {
    let mut out = String::with_capacity(headers.iter().map(|(k, v)| k.len() + v.len() + 2).sum());
    for (k, v) in headers {
        out.push_str(k);
        out.push(':');
        for (i, word) in v.split_whitespace().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(word);
        }
        out.push('\n');
    }
    out
}

/// The canonical query string: pairs decoded, encoded again the SigV4
/// way, sorted by name then value; `skip` names a parameter left out (the
/// presigned signature itself).
pub fn canonical_query(query: &str, skip: Option<&str>) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (uri_encode(&percent_decode(k), false).into_owned(), uri_encode(&percent_decode(v), false).into_owned())
        })
        .filter(|(k, _)| Some(k.as_str()) != skip)
        .collect();
    pairs.sort();
    pairs.into_iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// Decodes `%XX` escapes (and leaves anything malformed as it is).
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The derived signing key of a secret key for a day, region and service.
pub fn signing_key(secret_access_key: &str, date: &str, region: &str, service: &str) -> zeroize::Zeroizing<Vec<u8>> {
    let secret = zeroize::Zeroizing::new(format!("AWS4{secret_access_key}"));
    let key = zeroize::Zeroizing::new(hmac(secret.as_bytes(), date.as_bytes()));
    let key = zeroize::Zeroizing::new(hmac(&key, region.as_bytes()));
    let key = zeroize::Zeroizing::new(hmac(&key, service.as_bytes()));
    zeroize::Zeroizing::new(hmac(&key, b"aws4_request"))
}

/// The string to sign of a canonical request.
pub fn string_to_sign(stamp: &str, scope: &str, canonical_request: &str) -> String {
    format!("AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{}", sha256_hex(canonical_request.as_bytes()))
}

/// The signature of `to_sign` under a signing key.
pub fn signature(signing_key: &[u8], to_sign: &str) -> Vec<u8> {
    hmac(signing_key, to_sign.as_bytes())
}

/// An HMAC-SHA256 keyed with a derived signing key, ready to check
/// strings to sign. Keyed once (the key's inner and outer pad blocks are
/// hashed when it is made), so a verifier that keeps one per key and day
/// hashes only the string to sign per request. Its state is zeroized on drop.
#[derive(Clone)]
pub struct SigningMac(Hmac<Sha256>);

impl SigningMac {
    /// The MAC of `secret_access_key`'s signing key for a day, region and service.
    pub fn derive(secret_access_key: &str, date: &str, region: &str, service: &str) -> Self {
        let key = signing_key(secret_access_key, date, region, service);
        SigningMac(Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes any key length"))
    }

    /// Whether `provided` (hex) is the signature of the string to sign,
    /// given in pieces (so it need not be built), compared in constant time.
    pub fn matches(&self, to_sign: &[&str], provided: &str) -> bool {
        let mut expected = [0u8; 32];
        if provided.len() != 64 || !hex_decode_into(provided, &mut expected) {
            return false;
        }
        let mut mac = self.0.clone();
        for part in to_sign {
            mac.update(part.as_bytes());
        }
        mac.verify_slice(&expected).is_ok()
    }
}

fn hex_decode_into(s: &str, out: &mut [u8]) -> bool {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let b = s.as_bytes();
    for (i, o) in out.iter_mut().enumerate() {
        match (digit(b[2 * i]), digit(b[2 * i + 1])) {
            (Some(h), Some(l)) => *o = h << 4 | l,
            _ => return false,
        }
    }
    true
}

/// Lower-case hex of a SHA-256 digest, on the stack.
pub fn hex32(digest: &[u8]) -> [u8; 64] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (i, b) in digest.iter().take(32).enumerate() {
        out[2 * i] = DIGITS[(b >> 4) as usize];
        out[2 * i + 1] = DIGITS[(b & 15) as usize];
    }
    out
}

/// Lower-case hex SHA-256 of `data`, on the stack.
pub fn sha256_hex32(data: &[u8]) -> [u8; 64] {
    hex32(&Sha256::digest(data))
}

/// Whether a header value is already as canonical headers write it: ASCII,
/// not empty, no whitespace but single spaces between words.
fn is_collapsed(value: &str) -> bool {
    // A space may not lead, trail or follow another; nothing else blank or
    // outside printable ASCII.
    let mut after_space = true;
    for &c in value.as_bytes() {
        match c {
            b' ' if after_space => return false,
            b' ' => after_space = true,
            b'!'..=b'~' => after_space = false,
            _ => return false,
        }
    }
    !after_space
}

/// SHA-256 of a canonical request, fed as it is written: the same bytes
/// as the `format!` the signer builds, without the string. Pieces gather
/// in a buffer on the stack and reach the hash a few hundred bytes at a
/// time: a canonical request is some thirty short pieces, and feeding
/// each to the hash alone costs more than hashing them.
pub struct CanonicalHasher {
    sha: Sha256,
    buf: [u8; CANONICAL_BUFFER],
    len: usize,
}

const CANONICAL_BUFFER: usize = 512;

impl Default for CanonicalHasher {
    fn default() -> Self {
        CanonicalHasher { sha: Sha256::default(), buf: [0; CANONICAL_BUFFER], len: 0 }
    }
}

impl std::fmt::Write for CanonicalHasher {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.put(s);
        Ok(())
    }
}

impl CanonicalHasher {
    /// Feeds raw text.
    pub fn put(&mut self, s: &str) {
        let bytes = s.as_bytes();
        if self.len + bytes.len() > CANONICAL_BUFFER {
            self.sha.update(&self.buf[..self.len]);
            self.len = 0;
            if bytes.len() > CANONICAL_BUFFER {
                self.sha.update(bytes);
                return;
            }
        }
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    /// Feeds one canonical header line: `name:values\n`, the values joined
    /// by `,` with whitespace runs collapsed (as [`canonical_headers`]).
    pub fn header<'v>(&mut self, name: &str, values: impl Iterator<Item = &'v str>) {
        self.put(name);
        self.put(":");
        let mut first_word = true;
        for (i, value) in values.enumerate() {
            if i > 0 {
                // The `,` joins the previous value's last word to this one's first.
                self.put(",");
                first_word = true;
            }
            if is_collapsed(value) {
                // Most values have no whitespace to collapse: fed whole.
                self.put(value);
                first_word = false;
                continue;
            }
            for word in value.split_whitespace() {
                if !first_word {
                    self.put(" ");
                }
                self.put(word);
                first_word = false;
            }
        }
        self.put("\n");
    }

    /// The hex digest.
    pub fn finish(mut self) -> [u8; 64] {
        self.sha.update(&self.buf[..self.len]);
        hex32(&self.sha.finalize())
    }
}

/// Signs `req` for `service` in `region` at `millis`: returns every header
/// to send (the signed ones, `x-amz-date`, the session token and
/// `authorization`).
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
    let signature = hex(&signature(&key, &string_to_sign(&stamp, &scope, &canonical)));
    headers.push((
        "authorization".into(),
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed}, Signature={signature}",
            creds.access_key_id
        ),
    ));
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(amz_dates(0), ("19700101".into(), "19700101T000000Z".into()));
        // 2024-02-29T23:59:59Z, a leap day.
        assert_eq!(amz_dates(1_709_251_199_000), ("20240229".into(), "20240229T235959Z".into()));
    }

    /// The AWS documentation's example (IAM ListUsers, GET), which fixes the
    /// key derivation and the string to sign.
    #[test]
    fn documented_signing_key_example() {
        // From "Examples of how to derive a signing key for Signature Version 4".
        let secret = "AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
        let key = hmac(secret.as_bytes(), b"20120215");
        let key = hmac(&key, b"us-east-1");
        let key = hmac(&key, b"iam");
        let key = hmac(&key, b"aws4_request");
        assert_eq!(hex(&key), "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
    }

    #[test]
    fn hashed_header_lines_are_the_canonical_ones() {
        for value in ["plain", "two words", "a  b", " lead", "trail ", "\ttab\tbed ", "x", "", "a \t b", "a\u{a0}b"] {
            let mut hashed = CanonicalHasher::default();
            hashed.header("x-h", [value].into_iter());
            let line = canonical_headers(&[("x-h".into(), value.into())]);
            assert_eq!(hashed.finish(), sha256_hex32(line.as_bytes()), "{value:?}");
        }
    }

    #[test]
    fn pieces_of_any_length_hash_as_their_concatenation() {
        // Lengths around and beyond the buffer, so pieces fill it exactly,
        // cross it, and skip it.
        let lengths = [0, 1, 63, 64, 200, 511, 512, 513, 1500, 3, 509, 1024, 7];
        let mut hashed = CanonicalHasher::default();
        let mut whole = String::new();
        for (i, n) in lengths.into_iter().enumerate() {
            let piece: String = (0..n).map(|j| char::from(b'a' + ((i + j) % 26) as u8)).collect();
            hashed.put(&piece);
            whole.push_str(&piece);
        }
        assert_eq!(hashed.finish(), sha256_hex32(whole.as_bytes()));
    }

    #[test]
    fn a_signing_mac_checks_what_the_signer_signs() {
        let key = signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20261127", "us-east-1", "secretsmanager");
        let sig = hex(&signature(&key, "AWS4-HMAC-SHA256\nstamp\nscope\nhash"));
        let mac =
            SigningMac::derive("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20261127", "us-east-1", "secretsmanager");
        assert!(mac.matches(&["AWS4-HMAC-SHA256\n", "stamp\nscope", "\nhash"], &sig));
        assert!(mac.matches(&["AWS4-HMAC-SHA256\nstamp\nscope\nhash"], &sig.to_uppercase()), "hex in either case");
        assert!(!mac.matches(&["AWS4-HMAC-SHA256\nstamp\nscope\nhasH"], &sig));
        assert!(!mac.matches(&["AWS4-HMAC-SHA256\nstamp\nscope\nhash"], &sig[..62]));
        // Checking does not consume the keyed state: the same MAC checks again.
        assert!(mac.matches(&["AWS4-HMAC-SHA256\nstamp\nscope\nhash"], &sig));
    }

    #[test]
    fn encodes_like_sigv4() {
        assert_eq!(
            uri_encode("/2015-03-31/functions/a%3Ab/invocations", true),
            "/2015-03-31/functions/a%253Ab/invocations"
        );
        assert_eq!(uri_encode("a b~", false), "a%20b~");
    }
}
