//! The canonical forms both sides of a signature write: encoded paths and
//! queries, header lines, dates, and a [`CanonicalHasher`] that hashes a
//! canonical request as it is written instead of building it.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use sha2::{Digest, Sha256};
use std::borrow::Cow;

/// What SigV4 encodes: everything but the unreserved characters.
const ENCODED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
/// The same, keeping `/` (paths).
const ENCODED_PATH: &AsciiSet = &ENCODED.remove(b'/');

/// Hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Lower-case hex of a SHA-256 digest, on the stack.
pub fn hex32(digest: &[u8]) -> [u8; 64] {
    let mut out = [0u8; 64];
    hex::encode_to_slice(&digest[..32], &mut out).expect("64 bytes hold 32 in hex");
    out
}

/// Lower-case hex SHA-256 of `data`, on the stack.
pub fn sha256_hex32(data: &[u8]) -> [u8; 64] {
    hex32(&Sha256::digest(data))
}

/// URI-encodes per SigV4: unreserved characters stay, everything else is
/// `%XX`; `/` stays only when `keep_slash`. Text with nothing to encode
/// (most paths, `/` itself) is borrowed.
pub fn uri_encode(s: &str, keep_slash: bool) -> Cow<'_, str> {
    utf8_percent_encode(s, if keep_slash { ENCODED_PATH } else { ENCODED }).into()
}

/// Decodes `%XX` escapes (and leaves anything malformed as it is).
pub fn percent_decode(s: &str) -> Cow<'_, str> {
    percent_decode_str(s).decode_utf8_lossy()
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

/// Milliseconds of a `YYYYMMDDTHHMMSSZ` stamp.
pub fn stamp_millis(stamp: &str) -> Option<i64> {
    let b = stamp.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        b[r].iter().try_fold(0i64, |n, c| c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0')))
    };
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, sec) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let day = rekey_model::calendar::days(rekey_model::calendar::Date { year: y, month: mo as u32, day: d as u32 });
    Some(((day * 24 + h) * 60 + mi) * 60_000 + sec * 1000)
}

/// `Date` as an HTTP date (`Sun, 30 Aug 2015 12:36:00 GMT`) to a SigV4
/// stamp; empty (a malformed date) when it is none.
pub fn http_date_stamp(date: &str) -> String {
    let Ok(at) = httpdate::parse_http_date(date) else { return String::new() };
    match at.duration_since(std::time::UNIX_EPOCH) {
        Ok(since) => amz_dates(since.as_millis() as i64).1,
        Err(_) => String::new(),
    }
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
    let encode = |s: &str| uri_encode(&percent_decode(s), false).into_owned();
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (encode(k), encode(v))
        })
        .filter(|(k, _)| Some(k.as_str()) != skip)
        .collect();
    pairs.sort();
    pairs.into_iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// The decoded value of query parameter `name`, if present.
pub fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        (percent_decode(k) == name).then(|| percent_decode(v).into_owned())
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(amz_dates(0), ("19700101".into(), "19700101T000000Z".into()));
        // 2024-02-29T23:59:59Z, a leap day.
        assert_eq!(amz_dates(1_709_251_199_000), ("20240229".into(), "20240229T235959Z".into()));
        assert_eq!(stamp_millis("20240229T235959Z"), Some(1_709_251_199_000));
        assert_eq!(http_date_stamp("Sun, 30 Aug 2015 12:36:00 GMT"), "20150830T123600Z");
        assert_eq!(http_date_stamp("yesterday"), "");
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
    fn encodes_like_sigv4() {
        assert_eq!(
            uri_encode("/2015-03-31/functions/a%3Ab/invocations", true),
            "/2015-03-31/functions/a%253Ab/invocations"
        );
        assert_eq!(uri_encode("a b~", false), "a%20b~");
        assert_eq!(uri_encode("a/é", false), "a%2F%C3%A9");
        assert!(matches!(uri_encode("/plain-path_1.x~", true), Cow::Borrowed(_)));
        assert_eq!(percent_decode("a%2Fb%zz%4"), "a/b%zz%4", "malformed escapes stay");
        assert_eq!(canonical_query("b=2&a=%7e&a=1&X-Amz-Signature=s", Some("X-Amz-Signature")), "a=1&a=~&b=2");
    }
}
