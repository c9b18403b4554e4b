//! Signing keys: the derivation from a secret access key, the signature
//! of a string to sign, and a [`SigningMac`] keyed once to check many.

use crate::canonical::sha256_hex;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// The derived signing key of a secret key for a day, region and service.
pub fn signing_key(secret_access_key: &str, date: &str, region: &str, service: &str) -> Zeroizing<Vec<u8>> {
    let secret = Zeroizing::new(format!("AWS4{secret_access_key}"));
    let key = Zeroizing::new(hmac(secret.as_bytes(), date.as_bytes()));
    let key = Zeroizing::new(hmac(&key, region.as_bytes()));
    let key = Zeroizing::new(hmac(&key, service.as_bytes()));
    Zeroizing::new(hmac(&key, b"aws4_request"))
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

    /// Whether `provided` (hex, either case) is the signature of the
    /// string to sign, given in pieces (so it need not be built), compared
    /// in constant time.
    pub fn matches(&self, to_sign: &[&str], provided: &str) -> bool {
        let mut expected = [0u8; 32];
        if hex::decode_to_slice(provided, &mut expected).is_err() {
            return false;
        }
        let mut mac = self.0.clone();
        for part in to_sign {
            mac.update(part.as_bytes());
        }
        mac.verify_slice(&expected).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The AWS documentation's example (IAM ListUsers, GET), which fixes the
    /// key derivation.
    #[test]
    fn documented_signing_key_example() {
        // From "Examples of how to derive a signing key for Signature Version 4".
        let key = signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam");
        assert_eq!(hex::encode(&*key), "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
    }

    #[test]
    fn a_signing_mac_checks_what_the_signer_signs() {
        let key = signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20261127", "us-east-1", "secretsmanager");
        let sig = hex::encode(signature(&key, "AWS4-HMAC-SHA256\nstamp\nscope\nhash"));
        let mac =
            SigningMac::derive("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20261127", "us-east-1", "secretsmanager");
        assert!(mac.matches(&["AWS4-HMAC-SHA256\n", "stamp\nscope", "\nhash"], &sig));
        assert!(mac.matches(&["AWS4-HMAC-SHA256\nstamp\nscope\nhash"], &sig.to_uppercase()), "hex in either case");
        assert!(!mac.matches(&["AWS4-HMAC-SHA256\nstamp\nscope\nhasH"], &sig));
        assert!(!mac.matches(&["AWS4-HMAC-SHA256\nstamp\nscope\nhash"], &sig[..62]));
        assert!(!mac.matches(&["AWS4-HMAC-SHA256\nstamp\nscope\nhash"], &format!("{}zz", &sig[..62])));
        // Checking does not consume the keyed state: the same MAC checks again.
        assert!(mac.matches(&["AWS4-HMAC-SHA256\nstamp\nscope\nhash"], &sig));
    }
}
