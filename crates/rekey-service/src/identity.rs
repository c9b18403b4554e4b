//! Principals: accounts, their users, identity policies and access keys
//! (secrets sealed by the master key), and what a signing key may do.

use crate::Service;
use crate::access::Grant;
use crate::audit::Call;
use rekey_model::identity::{
    AccessKeyRecord, RoleSession, Session, UserName, UserPolicy, UserRecord, new_access_key_id, new_account_id,
    new_secret_access_key, new_session_token, new_temporary_key_id, new_user_id,
};
use rekey_model::name::AccountId;
use rekey_model::policy::PolicyDocument;
use rekey_model::{ApiError, ApiResult, ErrorCode};
use rekey_store::Store;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use zeroize::Zeroizing;

fn no_such_user(name: &UserName) -> ApiError {
    ApiError::not_found(format!("The user with name {name} cannot be found."))
}

impl<S: Store> Service<S> {
    /// Creates an account (a random id unless `id` is given) and an access
    /// key for its root; the secret is shown once and never stored in the clear.
    pub async fn create_account(
        &self,
        id: Option<AccountId>,
        call: Option<&Call>,
    ) -> ApiResult<(AccountId, String, Zeroizing<String>)> {
        let account = id.unwrap_or_else(new_account_id);
        if !self.store.insert_account(&account, self.clock.now()).await? {
            return Err(ApiError::new(
                ErrorCode::ResourceExistsException,
                format!("The account {account} already exists."),
            ));
        }
        // The call's record goes with the key, the account's last write.
        let (key, secret) = self.create_access_key(account.clone(), None, call).await?;
        Ok((account, key, secret))
    }

    /// Every account and when it was created.
    pub async fn accounts(&self) -> ApiResult<Vec<(AccountId, rekey_model::Timestamp)>> {
        Ok(self.store.accounts().await?)
    }

    /// Creates a user of `account`.
    pub async fn create_user(&self, account: AccountId, name: UserName, call: Option<&Call>) -> ApiResult<UserRecord> {
        let user = UserRecord { account, name, user_id: new_user_id(), created: self.clock.now() };
        if !self.store.insert_user(user.clone(), Call::records_of(call)).await? {
            return Err(ApiError::new(
                ErrorCode::ResourceExistsException,
                format!("User with name {} already exists.", user.name),
            ));
        }
        call.map(Call::stored);
        self.identity_changed();
        Ok(user)
    }

    /// The users of an account.
    pub async fn users(&self, account: &AccountId) -> ApiResult<Vec<UserRecord>> {
        Ok(self.store.users(account).await?)
    }

    /// Creates an access key for `account`'s root (`user` `None`) or one
    /// of its users; returns the key id and the secret, which is shown once
    /// and never stored in the clear.
    pub async fn create_access_key(
        &self,
        account: AccountId,
        user: Option<UserName>,
        call: Option<&Call>,
    ) -> ApiResult<(String, Zeroizing<String>)> {
        if let Some(name) = &user
            && self.store.user(&account, name).await?.is_none()
        {
            return Err(no_such_user(name));
        }
        let (record, secret) = self.new_access_key(account, user).await?;
        let id = record.access_key_id.clone();
        self.store.insert_access_key(record, Call::records_of(call)).await?;
        call.map(Call::stored);
        Ok((id, secret))
    }

    /// The first start's key of `account`'s root, unless the store holds
    /// a key already (another node starting at the same time made it).
    pub async fn create_first_access_key(&self, account: AccountId) -> ApiResult<Option<(String, Zeroizing<String>)>> {
        let (record, secret) = self.new_access_key(account, None).await?;
        let id = record.access_key_id.clone();
        Ok(self.store.insert_first_access_key(record).await?.then_some((id, secret)))
    }

    /// A new long-term key of `account` (its root, or `user`), and its
    /// secret; the account is recorded.
    async fn new_access_key(
        &self,
        account: AccountId,
        user: Option<UserName>,
    ) -> ApiResult<(AccessKeyRecord, Zeroizing<String>)> {
        self.seal.ensure_store_key(self.store.as_ref()).await?;
        // Keys made before accounts were recorded, and the first start's.
        self.store.insert_account(&account, self.clock.now()).await?;
        let id = new_access_key_id();
        let secret = new_secret_access_key();
        let record = AccessKeyRecord {
            sealed_secret: self.seal.seal_credential(&id, &secret),
            access_key_id: id,
            account,
            user,
            created: self.clock.now(),
            active: true,
            session: None,
        };
        Ok((record, secret))
    }

    /// Temporary credentials for the caller (STS's GetSessionToken): a
    /// new `ASIA…` key of the same principal, usable with its session
    /// token until `duration_seconds` from now. Temporary credentials
    /// cannot make more.
    pub async fn get_session_token(
        &self,
        principal: &crate::Principal,
        duration_seconds: Option<i64>,
        call: Option<&Call>,
    ) -> ApiResult<TemporaryCredentials> {
        let lifetime = session_seconds(duration_seconds)?;
        let Some(caller) = self.store.load_access_key(&principal.access_key_id).await? else {
            return Err(ApiError::new(
                ErrorCode::AccessDeniedException,
                "Only a stored access key can get a session token.",
            ));
        };
        if caller.session.is_some() {
            return Err(ApiError::new(
                ErrorCode::AccessDeniedException,
                "Cannot call GetSessionToken with session credentials",
            ));
        }
        let parent = Some(caller.access_key_id.clone());
        self.mint_session(caller.account, caller.user, parent, None, lifetime, call).await
    }

    /// New temporary credentials (`ASIA…` and a session token) of a user
    /// or root of `account`, or of a role, valid for `lifetime`; `parent`
    /// is the key whose deletion revokes them.
    pub async fn mint_session(
        &self,
        account: AccountId,
        user: Option<UserName>,
        parent: Option<String>,
        role: Option<RoleSession>,
        lifetime: std::time::Duration,
        call: Option<&Call>,
    ) -> ApiResult<TemporaryCredentials> {
        let id = new_temporary_key_id();
        let secret = new_secret_access_key();
        let token = new_session_token();
        let now = self.clock.now();
        let expires = rekey_model::Timestamp::from_millis(now.millis().saturating_add(lifetime.as_millis() as i64));
        let record = AccessKeyRecord {
            access_key_id: id.clone(),
            account,
            user,
            sealed_secret: self.seal.seal_credential(&id, &secret),
            created: now,
            active: true,
            session: Some(Session { token_sha256: session_token_hash(&token).to_vec(), expires, parent, role }),
        };
        self.store.insert_access_key(record, Call::records_of(call)).await?;
        call.map(Call::stored);
        Ok(TemporaryCredentials { access_key_id: id, secret_access_key: secret, session_token: token, expires })
    }

    /// The credentials of a one-time sign-in link (the console's) for a
    /// user or the root of `account`: temporary credentials of no parent
    /// key, to be exchanged once ([`redeem_sign_in_link`](Self::redeem_sign_in_link))
    /// within [`SIGN_IN_LINK_SECONDS`] for a session that lasts `seconds`.
    pub async fn create_sign_in_link(
        &self,
        account: AccountId,
        user: Option<UserName>,
        seconds: Option<i64>,
        call: Option<&Call>,
    ) -> ApiResult<TemporaryCredentials> {
        let seconds = session_seconds(seconds.or(Some(3600)))?;
        if !self.store.accounts().await?.iter().any(|(a, _)| a == &account) {
            return Err(ApiError::not_found(format!("The account {account} cannot be found.")));
        }
        if let Some(user) = &user
            && !self.store.users(&account).await?.iter().any(|u| &u.name == user)
        {
            return Err(no_such_user(user));
        }
        self.mint_session(account, user, None, None, seconds, call).await
    }

    /// Exchanges a sign-in link's credentials (the caller's) for new
    /// ones of the same principal and expiry. The link's are deleted
    /// first, and only the one exchange that deletes them succeeds: a
    /// link signs in once, and its URL, wherever it was copied, is worth
    /// nothing after.
    pub async fn redeem_sign_in_link(
        &self,
        principal: &crate::Principal,
        call: Option<&Call>,
    ) -> ApiResult<TemporaryCredentials> {
        let not_a_link =
            || ApiError::new(ErrorCode::AccessDeniedException, "These credentials are not a sign-in link.");
        let Some(link) = self.store.load_access_key(&principal.access_key_id).await? else { return Err(not_a_link()) };
        // A link's credentials are temporary, of no parent key and no role.
        let Some(session) = &link.session else { return Err(not_a_link()) };
        if session.parent.is_some() || session.role.is_some() {
            return Err(not_a_link());
        }
        let now = self.clock.now();
        if now.millis() - link.created.millis() > SIGN_IN_LINK_SECONDS * 1000 {
            return Err(ApiError::new(ErrorCode::AccessDeniedException, "The sign-in link has expired."));
        }
        if !self.store.delete_access_key(&link.access_key_id, Vec::new()).await? {
            return Err(ApiError::new(ErrorCode::AccessDeniedException, "The sign-in link was already used."));
        }
        self.revocations.record(&link.access_key_id);
        let left = std::time::Duration::from_millis((session.expires.millis() - now.millis()).max(1000) as u64);
        self.mint_session(link.account, link.user, None, None, left, call).await
    }

    /// Deletes temporary credentials that have expired; how many.
    pub async fn purge_expired_sessions(&self) -> ApiResult<usize> {
        Ok(self.store.delete_expired_access_keys(self.clock.now()).await?)
    }

    /// The access keys of a user, or of the whole account.
    pub async fn access_keys(&self, account: &AccountId, user: Option<&UserName>) -> ApiResult<Vec<AccessKeyRecord>> {
        Ok(self.store.access_keys(account, user).await?)
    }

    /// Revokes (deletes) an access key of `account`, and the temporary
    /// credentials made from it.
    pub async fn delete_access_key(&self, account: &AccountId, id: &str, call: Option<&Call>) -> ApiResult<()> {
        let missing = || ApiError::not_found(format!("The Access Key with id {id} cannot be found."));
        match self.store.load_access_key(id).await? {
            Some(k) if &k.account == account => {}
            _ => return Err(missing()),
        }
        if !self.store.delete_access_key(id, Call::records_of(call)).await? {
            return Err(missing());
        }
        call.map(Call::stored);
        self.identity_changed();
        Ok(())
    }

    /// Attaches a named identity policy to a user (replacing one of that name).
    pub async fn put_user_policy(
        &self,
        account: &AccountId,
        user: &UserName,
        name: &str,
        document: &str,
        call: Option<&Call>,
    ) -> ApiResult<()> {
        let valid_name = (1..=128).contains(&name.len())
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
        if !valid_name {
            return Err(ApiError::invalid_parameter(format!("The policy name {name} is not valid.")));
        }
        PolicyDocument::parse_identity(document).map_err(|e| {
            ApiError::new(ErrorCode::MalformedPolicyDocumentException, format!("Syntax errors in policy: {e}."))
        })?;
        if self.store.user(account, user).await?.is_none() {
            return Err(no_such_user(user));
        }
        let policy = UserPolicy { name: name.to_string(), document: document.to_string() };
        self.store.put_user_policy(account, user, policy, Call::records_of(call)).await?;
        call.map(Call::stored);
        self.identity_changed();
        Ok(())
    }

    /// Detaches a named policy from a user.
    pub async fn delete_user_policy(
        &self,
        account: &AccountId,
        user: &UserName,
        name: &str,
        call: Option<&Call>,
    ) -> ApiResult<()> {
        if !self.store.delete_user_policy(account, user, name, Call::records_of(call)).await? {
            return Err(ApiError::not_found(format!("The user policy with name {name} cannot be found.")));
        }
        call.map(Call::stored);
        self.identity_changed();
        Ok(())
    }

    /// A user's policies.
    pub async fn user_policies(&self, account: &AccountId, user: &UserName) -> ApiResult<Vec<UserPolicy>> {
        if self.store.user(account, user).await?.is_none() {
            return Err(no_such_user(user));
        }
        Ok(self.store.user_policies(account, user).await?)
    }

    /// An active access key, its secret, what it may do and (for a user's
    /// key) the user's unique id.
    pub async fn access_key(&self, id: &str) -> ApiResult<Option<SigningKey>> {
        let Some(record) = self.store.load_access_key(id).await?.filter(|k| k.active) else {
            return Ok(None);
        };
        let secret = self
            .seal
            .open_credential(id, &record.sealed_secret)
            .ok_or_else(|| ApiError::internal("An access key could not be opened with this master key."))?;
        let role = record.session.as_ref().and_then(|s| s.role.as_ref());
        let (docs, user) = match (role, &record.user) {
            // A role's credentials may do what their one policy allows.
            (Some(role), _) => {
                let doc = PolicyDocument::parse_identity(&role.policy)
                    .map_err(|e| ApiError::internal(format!("a role session's policy does not parse: {e}")))?;
                (Some(vec![doc]), None)
            }
            (None, None) => (None, None),
            (None, Some(name)) => {
                let user = self.store.user(&record.account, name).await?;
                // Stored policies were validated when attached.
                let docs = self.store.user_policies(&record.account, name).await?;
                let docs: Vec<PolicyDocument> =
                    docs.iter().filter_map(|p| PolicyDocument::parse_identity(&p.document).ok()).collect();
                (Some(docs), user.map(|u| (name.clone(), u.user_id)))
            }
        };
        let principal = crate::Principal {
            arn: record.principal_arn(),
            account: record.account.clone(),
            access_key_id: record.access_key_id.clone(),
            user,
            grant: Grant::Root,
            session: record.is_session(),
            recorded: Default::default(),
        };
        let principal = Arc::new(match docs {
            Some(docs) => principal.with_policies(&docs),
            None => principal,
        });
        Ok(Some(SigningKey { record, secret, principal }))
    }

    /// A counter that moves whenever a key, user or policy changes (through
    /// this server, or through another sharing its store), so caches of
    /// keys and grants know to look again.
    pub fn identity_epoch(&self) -> u64 {
        self.identity_epoch.load(Ordering::Acquire) + self.store.principals_generation()
    }

    pub(crate) fn identity_changed(&self) {
        self.identity_epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// The keys revoked lately (see [`Revocations`]).
    pub fn revocations(&self) -> &Revocations {
        &self.revocations
    }

    /// Deletes temporary credentials whose use is over, telling caches of
    /// keys to forget them (and nothing else).
    pub async fn revoke_session(&self, access_key_id: &str) -> ApiResult<()> {
        self.store.delete_access_key(access_key_id, Vec::new()).await?;
        self.revocations.record(access_key_id);
        Ok(())
    }

    /// Whether any access key exists (none on a store never served without `--dev`).
    pub async fn has_access_keys(&self) -> ApiResult<bool> {
        Ok(self.store.count_access_keys().await? > 0)
    }
}

/// Access keys deleted lately, in order, so that a cache of keys forgets
/// those alone: a rotation step's credentials are revoked when the step
/// ends, and moving the identity epoch for each would make every cached
/// key be looked up (and its signing MAC derived) again.
#[derive(Default)]
pub struct Revocations {
    seq: AtomicU64,
    recent: Mutex<VecDeque<(u64, String)>>,
}

/// Revocations remembered; a cache entry older than all of them is
/// looked up again.
const RECENT_REVOCATIONS: usize = 4096;

impl Revocations {
    /// How many revocations there have been: a cache entry made at this
    /// count needs no check until it moves.
    pub fn seq(&self) -> u64 {
        self.seq.load(Ordering::Acquire)
    }

    fn record(&self, id: &str) {
        let mut recent = self.recent.lock().expect("revocations");
        let seq = self.seq.load(Ordering::Acquire) + 1;
        if recent.len() == RECENT_REVOCATIONS {
            recent.pop_front();
        }
        recent.push_back((seq, id.to_string()));
        self.seq.store(seq, Ordering::Release);
    }

    /// Whether `id` was revoked after revocation number `since`; `None`
    /// when the record no longer reaches back that far.
    pub fn revoked_since(&self, id: &str, since: u64) -> Option<bool> {
        let recent = self.recent.lock().expect("revocations");
        match recent.front() {
            Some((oldest, _)) if *oldest > since + 1 => None,
            _ => Some(recent.iter().rev().take_while(|(seq, _)| *seq > since).any(|(_, revoked)| revoked == id)),
        }
    }
}

/// How long session tokens last by default, at least and at most (STS's limits).
const DEFAULT_SESSION_SECONDS: i64 = 12 * 3600;

/// How long a sign-in link may wait before it is used.
pub const SIGN_IN_LINK_SECONDS: i64 = 15 * 60;

/// A session's DurationSeconds (12 hours when not given), checked.
fn session_seconds(duration_seconds: Option<i64>) -> ApiResult<std::time::Duration> {
    let seconds = duration_seconds.unwrap_or(DEFAULT_SESSION_SECONDS);
    if !(MIN_SESSION_SECONDS..=MAX_SESSION_SECONDS).contains(&seconds) {
        return Err(ApiError::invalid_parameter(format!(
            "DurationSeconds must be between {MIN_SESSION_SECONDS} and {MAX_SESSION_SECONDS}, not {seconds}."
        )));
    }
    Ok(std::time::Duration::from_secs(seconds as u64))
}
const MIN_SESSION_SECONDS: i64 = 900;
const MAX_SESSION_SECONDS: i64 = 36 * 3600;

/// SHA-256 of a session token, as stored and compared.
pub fn session_token_hash(token: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes()).into()
}

/// Temporary credentials, shown once.
pub struct TemporaryCredentials {
    /// `ASIA…`.
    pub access_key_id: String,
    /// The secret key.
    pub secret_access_key: Zeroizing<String>,
    /// The token requests must carry as `X-Amz-Security-Token`.
    pub session_token: Zeroizing<String>,
    /// When they stop working.
    pub expires: rekey_model::Timestamp,
}

/// An access key as signature verification and authorization need it.
pub struct SigningKey {
    /// The stored key.
    pub record: AccessKeyRecord,
    /// Its secret.
    pub secret: Zeroizing<String>,
    /// Who it signs for and what they may do, as requests carry it.
    pub principal: Arc<crate::Principal>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revocations_tell_what_was_revoked_since_when() {
        let r = Revocations::default();
        assert_eq!(r.revoked_since("a", 0), Some(false));
        r.record("a");
        r.record("b");
        assert_eq!(r.seq(), 2);
        assert_eq!(r.revoked_since("a", 0), Some(true));
        assert_eq!(r.revoked_since("a", 1), Some(false), "revoked at 1, before the entry was made");
        assert_eq!(r.revoked_since("b", 1), Some(true));
        for n in 0..RECENT_REVOCATIONS {
            r.record(&format!("k{n}"));
        }
        assert_eq!(r.revoked_since("a", 0), None, "the record no longer reaches back");
        assert_eq!(r.revoked_since("a", r.seq() - 1), Some(false));
    }
}
