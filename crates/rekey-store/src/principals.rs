//! Accounts, users, their identity policies and access keys.

use crate::StoreError;
use rekey_model::Timestamp;
use rekey_model::audit::AuditEvent;
use rekey_model::identity::{AccessKeyRecord, UserName, UserPolicy, UserRecord};
use rekey_model::name::AccountId;
use std::future::Future;

/// Where principals are kept. A change comes with the audit records of
/// the call that made it, appended in its transaction when it changes
/// something (none for rekey's own work).
pub trait PrincipalStore: Send + Sync + 'static {
    /// A count that moves whenever another process sharing the store
    /// changed a principal (always 0 for a store no other process
    /// shares): caches of keys and grants made at another count look again.
    fn principals_generation(&self) -> u64 {
        0
    }

    /// Records an account; `false` if it existed.
    fn insert_account(
        &self,
        id: &AccountId,
        created: Timestamp,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Every account and when it was created.
    fn accounts(&self) -> impl Future<Output = Result<Vec<(AccountId, Timestamp)>, StoreError>> + Send;

    /// Records a user; `false` if the account has one of that name.
    fn insert_user(
        &self,
        user: UserRecord,
        audit: Vec<AuditEvent>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// A user of an account.
    fn user(
        &self,
        account: &AccountId,
        name: &UserName,
    ) -> impl Future<Output = Result<Option<UserRecord>, StoreError>> + Send;

    /// The users of an account, by name.
    fn users(&self, account: &AccountId) -> impl Future<Output = Result<Vec<UserRecord>, StoreError>> + Send;

    /// Attaches a named identity policy to a user (replacing one of that name).
    fn put_user_policy(
        &self,
        account: &AccountId,
        user: &UserName,
        policy: UserPolicy,
        audit: Vec<AuditEvent>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Detaches a named policy; `false` if the user had none of that name.
    fn delete_user_policy(
        &self,
        account: &AccountId,
        user: &UserName,
        name: &str,
        audit: Vec<AuditEvent>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// A user's identity policies, by name.
    fn user_policies(
        &self,
        account: &AccountId,
        user: &UserName,
    ) -> impl Future<Output = Result<Vec<UserPolicy>, StoreError>> + Send;

    /// The access key `id`.
    fn load_access_key(&self, id: &str) -> impl Future<Output = Result<Option<AccessKeyRecord>, StoreError>> + Send;

    /// The access keys of a user, or of the whole account when `user` is `None`.
    fn access_keys(
        &self,
        account: &AccountId,
        user: Option<&UserName>,
    ) -> impl Future<Output = Result<Vec<AccessKeyRecord>, StoreError>> + Send;

    /// Stores a new access key.
    fn insert_access_key(
        &self,
        key: AccessKeyRecord,
        audit: Vec<AuditEvent>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Stores `key` only if the store holds no access key yet, as one
    /// step (nodes starting at once on an empty shared store each try to
    /// make the administrator's key; one does). Whether it was stored.
    fn insert_first_access_key(&self, key: AccessKeyRecord) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Deletes temporary access keys that expired before `now`; how many.
    fn delete_expired_access_keys(&self, now: Timestamp) -> impl Future<Output = Result<usize, StoreError>> + Send;

    /// Deletes an access key and the temporary credentials made from it
    /// (whose `parent` it is); `false` if there was no such key.
    fn delete_access_key(
        &self,
        id: &str,
        audit: Vec<AuditEvent>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// How many access keys exist (none: the first start without `--dev`).
    fn count_access_keys(&self) -> impl Future<Output = Result<usize, StoreError>> + Send;
}
