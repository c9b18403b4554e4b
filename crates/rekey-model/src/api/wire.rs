//! Scalar wire types of the awsJson1.1 protocol that plain Rust types do not
//! express: epoch-second timestamps, base64 blobs and sensitive strings.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// An instant, stored as milliseconds since the Unix epoch (UTC).
///
/// On the wire it is a JSON number of epoch seconds with a millisecond
/// fraction (`1523477145.713`), which every AWS SDK accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

const MILLIS_PER_DAY: i64 = 86_400_000;

impl Timestamp {
    /// From milliseconds since the epoch.
    pub fn from_millis(ms: i64) -> Self {
        Timestamp(ms)
    }
    /// Milliseconds since the epoch.
    pub fn millis(self) -> i64 {
        self.0
    }
    /// Midnight UTC of this instant's day (the granularity of `LastAccessedDate`).
    pub fn day_start(self) -> Self {
        Timestamp(self.0.div_euclid(MILLIS_PER_DAY) * MILLIS_PER_DAY)
    }
    /// This instant plus `days` whole days.
    pub fn plus_days(self, days: i64) -> Self {
        Timestamp(self.0 + days * MILLIS_PER_DAY)
    }
    /// Epoch seconds as a float, the wire form.
    pub fn as_epoch_seconds(self) -> f64 {
        self.0 as f64 / 1000.0
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Whole seconds travel as integers, the rest with their millisecond fraction.
        if self.0 % 1000 == 0 { s.serialize_i64(self.0 / 1000) } else { s.serialize_f64(self.as_epoch_seconds()) }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let secs = f64::deserialize(d)?;
        Ok(Timestamp((secs * 1000.0).round() as i64))
    }
}

/// A string that holds secret material: redacted in `Debug`, zeroized on drop.
#[derive(Clone, PartialEq, Eq, Default, Zeroize, ZeroizeOnDrop)]
pub struct SensitiveString(String);

impl SensitiveString {
    /// Wraps a string.
    pub fn new(s: String) -> Self {
        SensitiveString(s)
    }
    /// The secret text. Callers must not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for SensitiveString {
    fn from(s: String) -> Self {
        SensitiveString(s)
    }
}

impl fmt::Debug for SensitiveString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SensitiveString(**redacted**)")
    }
}

impl Serialize for SensitiveString {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SensitiveString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(SensitiveString)
    }
}

/// Binary secret material (`SecretBinary`): base64 on the wire, redacted in
/// `Debug`, zeroized on drop.
#[derive(Clone, PartialEq, Eq, Default, Zeroize, ZeroizeOnDrop)]
pub struct Blob(Vec<u8>);

impl Blob {
    /// Wraps bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        Blob(bytes)
    }
    /// The secret bytes. Callers must not log them.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
    /// Decodes the wire form; `None` if it is not valid base64.
    pub fn from_base64(text: &str) -> Option<Self> {
        BASE64.decode(text).ok().map(Blob)
    }
}

impl fmt::Debug for Blob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Blob({} bytes, **redacted**)", self.0.len())
    }
}

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut text = BASE64.encode(&self.0);
        let r = s.serialize_str(&text);
        text.zeroize();
        r
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut text = String::deserialize(d)?;
        let r = BASE64.decode(&text).map(Blob).map_err(|_| serde::de::Error::custom("invalid base64"));
        text.zeroize();
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_epoch_seconds() {
        assert_eq!(serde_json::to_string(&Timestamp(1_523_477_145_713)).unwrap(), "1523477145.713");
        assert_eq!(serde_json::to_string(&Timestamp(1_523_923_200_000)).unwrap(), "1523923200");
        let t: Timestamp = serde_json::from_str("1.523477145713E9").unwrap();
        assert_eq!(t, Timestamp(1_523_477_145_713));
        assert_eq!(Timestamp(1_523_977_145_713).day_start(), Timestamp(1_523_923_200_000));
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let s = SensitiveString::new("hunter2".into());
        assert!(!format!("{s:?}").contains("hunter2"));
        let b = Blob::new(b"footest".to_vec());
        assert_eq!(serde_json::to_string(&b).unwrap(), "\"Zm9vdGVzdA==\"");
        assert!(!format!("{b:?}").contains("foo"));
    }
}
