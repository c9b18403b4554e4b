//! Who may call: access keys and the principals they belong to.

use crate::api::wire::Timestamp;
use crate::name::AccountId;

/// An access key as the store keeps it: its secret sealed by the master key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKeyRecord {
    /// The access key id (`AKIA…`).
    pub access_key_id: String,
    /// The account it belongs to.
    pub account: AccountId,
    /// The user it belongs to; `None` for the account's root.
    pub user: Option<String>,
    /// The secret access key, sealed.
    pub sealed_secret: Vec<u8>,
    /// When it was created.
    pub created: Timestamp,
    /// Whether it may sign requests.
    pub active: bool,
}

impl AccessKeyRecord {
    /// The ARN of the principal the key signs for.
    pub fn principal_arn(&self) -> String {
        match &self.user {
            Some(user) => format!("arn:aws:iam::{}:user/{user}", self.account),
            None => format!("arn:aws:iam::{}:root", self.account),
        }
    }
}

const KEY_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn random_text(alphabet: &[u8], len: usize) -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..len).map(|_| alphabet[rng.random_range(0..alphabet.len())] as char).collect()
}

/// A new access key id, shaped like AWS's (`AKIA` and 16 characters).
pub fn new_access_key_id() -> String {
    format!("AKIA{}", random_text(KEY_CHARS, 16))
}

/// A new secret access key: 40 characters from a CSPRNG (240 bits).
pub fn new_secret_access_key() -> zeroize::Zeroizing<String> {
    zeroize::Zeroizing::new(random_text(SECRET_CHARS, 40))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_look_like_aws_keys() {
        let id = new_access_key_id();
        assert!(id.starts_with("AKIA") && id.len() == 20, "{id}");
        assert_eq!(new_secret_access_key().len(), 40);
        assert_ne!(new_access_key_id(), new_access_key_id());
    }
}
