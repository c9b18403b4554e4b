//! The id of one API request: the response's `x-amzn-RequestId`, the
//! audit record's `requestID`, the `id` of the server's log lines.

use std::fmt;

/// A request's id: a random UUID, kept as its 16 bytes (copied, never
/// allocated) until it is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RequestId(uuid::Uuid);

impl RequestId {
    /// A new random id.
    pub fn random() -> Self {
        RequestId(uuid::Uuid::new_v4())
    }

    /// The id with these 16 bytes.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        RequestId(uuid::Uuid::from_bytes(bytes))
    }

    /// Its 16 bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        self.0.as_bytes()
    }

    /// The id as printed (lower case, with hyphens), written into `buf`:
    /// a response header needs no allocation.
    pub fn encode<'b>(&self, buf: &'b mut [u8; 36]) -> &'b str {
        self.0.hyphenated().encode_lower(buf)
    }

    /// The id printed as `id` prints it, if it is one.
    pub fn parse(id: &str) -> Option<Self> {
        let u = uuid::Uuid::try_parse(id).ok()?;
        let ours = RequestId(u);
        (ours.to_string() == id).then_some(ours)
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_and_parses_back() {
        let id = RequestId::random();
        let text = id.to_string();
        assert_eq!(text.len(), 36);
        assert_eq!(RequestId::parse(&text), Some(id));
        let mut buf = [0u8; 36];
        assert_eq!(id.encode(&mut buf), text);
        // Only the text rekey prints names an id.
        assert_eq!(RequestId::parse(&text.to_uppercase()), None);
        assert_eq!(RequestId::parse("r1"), None);
        assert_ne!(RequestId::random(), id);
    }
}
