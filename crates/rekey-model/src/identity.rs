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
    pub user: Option<UserName>,
    /// The secret access key, sealed.
    pub sealed_secret: Vec<u8>,
    /// When it was created.
    pub created: Timestamp,
    /// Whether it may sign requests.
    pub active: bool,
    /// For temporary credentials: the session they belong to.
    pub session: Option<Session>,
}

/// What makes an access key temporary: a session token the request must
/// carry (`X-Amz-Security-Token`) and an expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the session token (the token itself is shown once).
    pub token_sha256: Vec<u8>,
    /// When the credentials stop working.
    pub expires: Timestamp,
    /// The permanent key these were made from (GetSessionToken):
    /// deleting that key revokes them too.
    pub parent: Option<String>,
    /// For a role's credentials, which rekey hands its rotation functions:
    /// the role, and the one policy that is all they may do.
    pub role: Option<RoleSession>,
}

/// Temporary credentials that act as a role of the account, not as a
/// user: rekey's own, for one rotation job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSession {
    /// The role's name (`rekey-rotation`).
    pub name: String,
    /// The identity policy (JSON), scoped to what the job may touch.
    pub policy: String,
}

impl AccessKeyRecord {
    /// The ARN of the principal the key signs for.
    pub fn principal_arn(&self) -> String {
        match self.session.as_ref().and_then(|s| s.role.as_ref()) {
            Some(role) => role_arn(&self.account, &role.name),
            None => user_arn(&self.account, self.user.as_ref()),
        }
    }

    /// Whether these are temporary credentials.
    pub fn is_session(&self) -> bool {
        self.session.is_some()
    }
}

/// The ARN of a role of `account`.
pub fn role_arn(account: &AccountId, name: &str) -> String {
    format!("arn:aws:iam::{account}:role/{name}")
}

/// An IAM user name: 1–64 characters from `A-Za-z0-9+=,.@_-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserName(String);

impl UserName {
    /// Checks the IAM user-name grammar.
    pub fn parse(name: &str) -> Option<UserName> {
        let ok = (1..=64).contains(&name.len())
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
        ok.then(|| UserName(name.to_string()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for UserName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A user of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// The account.
    pub account: AccountId,
    /// The name, unique in the account.
    pub name: UserName,
    /// The stable unique id (`AIDA…`), as `aws:userid` shows it.
    pub user_id: String,
    /// When it was created.
    pub created: Timestamp,
}

impl UserRecord {
    /// `arn:aws:iam::<account>:user/<name>`.
    pub fn arn(&self) -> String {
        user_arn(&self.account, Some(&self.name))
    }
}

/// The ARN of a user, or of the account's root when `user` is `None`.
pub fn user_arn(account: &AccountId, user: Option<&UserName>) -> String {
    match user {
        Some(user) => format!("arn:aws:iam::{account}:user/{user}"),
        None => format!("arn:aws:iam::{account}:root"),
    }
}

/// A named identity policy attached to a user (IAM's inline user policy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPolicy {
    /// The policy's name, unique per user.
    pub name: String,
    /// The document, as given (it was validated when attached).
    pub document: String,
}

/// A new random 12-digit account id.
pub fn new_account_id() -> AccountId {
    AccountId::parse(&random_text(b"0123456789", 12)).expect("12 digits")
}

/// A new unique user id, shaped like AWS's (`AIDA` and 17 characters).
pub fn new_user_id() -> String {
    format!("AIDA{}", random_text(KEY_CHARS, 17))
}

const KEY_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn random_text(alphabet: &[u8], len: usize) -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..len).map(|_| alphabet[rng.random_range(0..alphabet.len())] as char).collect()
}

/// Whether two secrets (tokens, digests) are equal, compared in constant
/// time (whatever the first difference; only the lengths may show).
pub fn secrets_equal(a: &[u8], b: &[u8]) -> bool {
    subtle::ConstantTimeEq::ct_eq(a, b).into()
}

/// A new bearer token: 40 letters and digits (238 bits).
pub fn new_bearer_token() -> String {
    random_text(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 40)
}

/// A new access key id, shaped like AWS's (`AKIA` and 16 characters).
pub fn new_access_key_id() -> String {
    format!("AKIA{}", random_text(KEY_CHARS, 16))
}

/// A new temporary access key id (`ASIA` and 16 characters, as STS's).
pub fn new_temporary_key_id() -> String {
    format!("ASIA{}", random_text(KEY_CHARS, 16))
}

/// A new session token: 128 characters from a CSPRNG (768 bits).
pub fn new_session_token() -> zeroize::Zeroizing<String> {
    zeroize::Zeroizing::new(random_text(SECRET_CHARS, 128))
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
        assert!(new_user_id().starts_with("AIDA") && new_user_id().len() == 21);
    }

    #[test]
    fn user_names_follow_iam() {
        for ok in ["alice", "a", "svc+ci=1,x.y@z_w-v", &"n".repeat(64)] {
            assert!(UserName::parse(ok).is_some(), "{ok}");
        }
        for bad in ["", "a b", "a/b", "ü", &"n".repeat(65)] {
            assert!(UserName::parse(bad).is_none(), "{bad}");
        }
    }
}
