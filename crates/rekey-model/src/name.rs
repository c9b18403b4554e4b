//! Names, ARNs and the three forms of `SecretId` (docs/behaviour.md §3).

use crate::error::{ApiError, ApiResult};
use rand::Rng;
use std::fmt;

/// A 12-digit AWS account id, kept inline: every request, record and
/// name carries one, and a clone allocates nothing.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId([u8; 12]);

impl AccountId {
    /// Parses a 12-digit account id.
    pub fn parse(s: &str) -> Option<Self> {
        AccountId::is_valid(s).then(|| AccountId(s.as_bytes().try_into().expect("twelve bytes")))
    }
    /// Whether `s` is an account id: twelve digits.
    pub fn is_valid(s: &str) -> bool {
        s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
    }
    /// The digits.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("digits")
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AccountId").field(&self.as_str()).finish()
    }
}

impl PartialEq<str> for AccountId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other.as_bytes()
    }
}

/// A region name such as `us-east-1`; each region is a separate namespace.
/// Shared: a request's context and its records hold the same one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region(std::sync::Arc<str>);

impl Region {
    /// Wraps a region name already known to be valid.
    pub fn new(s: impl Into<std::sync::Arc<str>>) -> Self {
        Region(s.into())
    }

    /// A region name from a request (the SigV4 credential scope): words
    /// of `a-z` joined by `-` and ending in a number, as the service
    /// model's region pattern says (`us-east-1`, `us-gov-west-1`). Nothing
    /// else, so a region can never change how an ARN splits (`:`).
    pub fn parse(s: &str) -> Option<Region> {
        let (words, number) = s.rsplit_once('-')?;
        let ok = s.len() <= 32
            && !number.is_empty()
            && number.bytes().all(|b| b.is_ascii_digit())
            && words.split('-').all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()));
        ok.then(|| Region(s.into()))
    }
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where secrets live: one (account, region) pair.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Namespace {
    /// The owning account.
    pub account: AccountId,
    /// The region.
    pub region: Region,
}

/// A secret's name: 1–512 characters from `[A-Za-z0-9/_+=.@!-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SecretName(String);

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "/_+=.@-!".contains(c)
}

impl SecretName {
    /// Validates a name, answering AWS's ValidationException on bad characters.
    pub fn parse(s: &str) -> ApiResult<Self> {
        if s.is_empty() || s.chars().count() > 512 || !s.chars().all(is_name_char) {
            return Err(ApiError::invalid_name());
        }
        Ok(SecretName(s.to_string()))
    }
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SecretName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The 6 random characters that end a secret's ARN.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ArnSuffix(String);

impl ArnSuffix {
    /// Draws a fresh suffix from `[A-Za-z0-9]`.
    pub fn random() -> Self {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let mut rng = rand::rng();
        ArnSuffix((0..6).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect())
    }
    /// Parses a stored suffix.
    pub fn parse(s: &str) -> Option<Self> {
        (s.len() == 6 && s.bytes().all(|b| b.is_ascii_alphanumeric())).then(|| ArnSuffix(s.to_string()))
    }
    /// The 6 characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A secret's full ARN: `arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Arn {
    /// The namespace the secret lives in.
    pub namespace: Namespace,
    /// The secret's name.
    pub name: SecretName,
    /// The random suffix.
    pub suffix: ArnSuffix,
}

impl Arn {
    /// The ARN as text. Built piece by piece: it is written on every
    /// request (answers, authorization), where `format!` machinery shows.
    pub fn text(&self) -> String {
        const PREFIX: &str = "arn:aws:secretsmanager:";
        let (region, account, name) =
            (self.namespace.region.as_str(), self.namespace.account.as_str(), self.name.as_str());
        let mut out = String::with_capacity(PREFIX.len() + region.len() + account.len() + name.len() + 16);
        for piece in [PREFIX, region, ":", account, ":secret:", name, "-", self.suffix.as_str()] {
            out.push_str(piece);
        }
        out
    }
}

impl fmt::Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

impl Arn {
    /// Parses a full secret ARN (with its suffix); `None` for anything else.
    pub fn parse(s: &str) -> Option<Arn> {
        match SecretRef::parse(s) {
            Ok(SecretRef::FullArn(arn)) => Some(arn),
            _ => None,
        }
    }
}

impl serde::Serialize for Arn {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Arn {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Arn::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("not a secret ARN: {s}")))
    }
}

/// A `SecretId` as the caller wrote it, classified by docs/behaviour.md §3.4.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    /// A bare name in the caller's namespace.
    Name(SecretName),
    /// A full ARN: must match a secret's ARN exactly.
    FullArn(Arn),
    /// An ARN without the random suffix: must match a secret's name exactly.
    PartialArn {
        /// The account the ARN names.
        account: AccountId,
        /// The region the ARN names.
        region: Region,
        /// The name (everything after `secret:`).
        name: SecretName,
    },
    /// Looks like an ARN but can name no secret (wrong service, bad account…).
    Unresolvable,
}

impl SecretRef {
    /// Classifies a SecretId. Non-ARN ids with bad characters are a
    /// ValidationException (checked before any lookup, as AWS does).
    pub fn parse(id: &str) -> ApiResult<Self> {
        if !id.starts_with("arn:") {
            return SecretName::parse(id).map(SecretRef::Name);
        }
        let parts: Vec<&str> = id.splitn(7, ':').collect();
        if parts.len() != 7 || parts[2] != "secretsmanager" || parts[5] != "secret" {
            return Ok(SecretRef::Unresolvable);
        }
        let rest = parts[6];
        let (Some(account), Ok(name)) = (AccountId::parse(parts[4]), SecretName::parse(rest)) else {
            return Ok(SecretRef::Unresolvable);
        };
        let region = Region::new(parts[3]);
        if let Some((base, suffix)) = rest.rsplit_once('-')
            && let (Some(suffix), Ok(name)) = (ArnSuffix::parse(suffix), SecretName::parse(base))
        {
            return Ok(SecretRef::FullArn(Arn { namespace: Namespace { account, region }, name, suffix }));
        }
        Ok(SecretRef::PartialArn { account, region, name })
    }

    /// The name this reference looks up, and in which namespace (the
    /// caller's for a bare name). `None` when nothing can match.
    pub fn lookup_key<'a>(&'a self, caller: &'a Namespace) -> Option<(Namespace, &'a SecretName)> {
        match self {
            SecretRef::Name(n) => Some((caller.clone(), n)),
            SecretRef::FullArn(arn) => Some((arn.namespace.clone(), &arn.name)),
            SecretRef::PartialArn { account, region, name } => {
                Some((Namespace { account: account.clone(), region: region.clone() }, name))
            }
            SecretRef::Unresolvable => None,
        }
    }

    /// Whether a secret with ARN `arn` is what this reference names (the
    /// lookup by name already matched; a full ARN must also match its suffix).
    pub fn matches(&self, arn: &Arn) -> bool {
        match self {
            SecretRef::FullArn(want) => want == arn,
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns() -> Namespace {
        Namespace { account: AccountId::parse("123456789012").unwrap(), region: Region::new("us-east-1") }
    }

    #[test]
    fn regions_follow_the_model_pattern() {
        for ok in ["us-east-1", "us-gov-west-1", "cn-north-1", "eu-central-2", "il-central-1"] {
            assert_eq!(Region::parse(ok).map(|r| r.0.to_string()), Some(ok.to_string()), "{ok}");
        }
        for bad in [
            "",
            "x:111111111111",
            "us-east-1:1",
            "US-EAST-1",
            "us-east",
            "-1",
            "us--east-1",
            "us-east-",
            "a b-1",
            "us-east-1/",
        ] {
            assert!(Region::parse(bad).is_none(), "{bad}");
        }
        assert!(Region::parse(&format!("{}-1", "a".repeat(40))).is_none(), "bounded");
    }

    #[test]
    fn names_validate_before_lookup() {
        assert!(SecretName::parse("Valid/_+=.@-Name").is_ok());
        let e = SecretRef::parse("Invalid Name").unwrap_err();
        assert_eq!(e.code, crate::error::ErrorCode::ValidationException);
        assert!(SecretRef::parse("a#b").is_err());
    }

    #[test]
    fn arn_forms_resolve_as_aws_does() {
        let full = "arn:aws:secretsmanager:us-east-1:123456789012:secret:Valid/_+=.@-Name-a1b2c3";
        match SecretRef::parse(full).unwrap() {
            SecretRef::FullArn(arn) => {
                assert_eq!(arn.name.as_str(), "Valid/_+=.@-Name");
                assert_eq!(arn.to_string(), full);
            }
            other => panic!("{other:?}"),
        }
        // A name that itself ends in -xxxxxx cannot be found by partial ARN:
        // its tail is taken as the suffix.
        let partial = "arn:aws:secretsmanager:us-east-1:123456789012:secret:Name-a1b2";
        assert!(matches!(SecretRef::parse(partial).unwrap(), SecretRef::PartialArn { .. }));
        let r = SecretRef::parse(partial).unwrap();
        let caller = ns();
        let (key_ns, name) = r.lookup_key(&caller).unwrap();
        assert_eq!((key_ns, name.as_str()), (ns(), "Name-a1b2"));
        assert_eq!(SecretRef::parse("arn:aws:s3:::bucket").unwrap(), SecretRef::Unresolvable);
    }

    #[test]
    fn suffixes_are_six_alphanumerics() {
        for _ in 0..100 {
            let s = ArnSuffix::random();
            assert!(ArnSuffix::parse(s.as_str()).is_some());
        }
    }
}
