//! rekey's storage layer.
//!
//! The [`Store`] trait is domain-level and transactional: a read returns a
//! whole [`SecretState`] as of one instant; a [`Mutation`] runs the service's
//! pure decision logic against the current state inside a transaction and
//! writes the [`Change`] it returns atomically. Backends never see plaintext:
//! values arrive already sealed by [`seal::Seal`].
//!
//! Backends: [`sqlite::SqliteStore`] (embedded default).

#![warn(missing_docs)]

pub mod seal;
pub mod sqlite;

use rekey_model::identity::{AccessKeyRecord, UserName, UserPolicy, UserRecord};
use rekey_model::name::{AccountId, Namespace, SecretName};
use rekey_model::rotation::{JobId, JobStatus, RotationJob};
use rekey_model::secret::{SealedValue, SecretRecord, SecretState, VersionRecord};
use rekey_model::staging::{Labels, VersionId};
use rekey_model::{ApiError, Timestamp};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::sync::Arc;

/// A failure of the storage backend itself (not of the request).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database reported an error.
    #[error("database error: {0}")]
    Database(String),
    /// Stored data could not be interpreted.
    #[error("corrupt record: {0}")]
    Corrupt(String),
    /// The store is closed or its writer has stopped.
    #[error("store unavailable")]
    Unavailable,
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "store failure");
        ApiError::internal("An error occurred on the server side.")
    }
}

/// What a mutation writes. Everything in one `Change` commits atomically.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Nothing to write (an idempotent replay, a no-op).
    None,
    /// Insert or update the secret, its versions and its labels.
    Write(Box<SecretWrite>),
    /// Remove the secret with this store key and everything it owns.
    Purge(i64),
}

impl Change {
    /// A [`Change::Write`] of `w`.
    pub fn write(w: SecretWrite) -> Self {
        Change::Write(Box::new(w))
    }
}

/// The rows a [`Change::Write`] touches.
#[derive(Debug, Clone, PartialEq)]
pub struct SecretWrite {
    /// The secret row (`pk == 0` inserts a new secret).
    pub secret: SecretRecord,
    /// Versions to insert, or to update when the id exists (a value may be
    /// filled into a value-less version).
    pub put_versions: Vec<(VersionRecord, Option<SealedValue>)>,
    /// Versions to delete (deprecated versions beyond the quota).
    pub delete_versions: Vec<VersionId>,
    /// The complete label map after the change.
    pub labels: Labels,
    /// A rotation job to insert, or to store over the one with its id.
    pub rotation: Option<RotationJob>,
    /// Ends every active rotation job of the secret with this status.
    pub end_rotations: Option<JobStatus>,
    /// The store key of another secret under the same name that this new
    /// one replaces (a replica written over a clashing secret with
    /// ForceOverwriteReplicaSecret): it is purged in the same
    /// transaction, so either both happen or neither.
    pub replaces: Option<i64>,
}

impl SecretWrite {
    /// A write of `state` as it is (secret row and labels), to be amended.
    pub fn of(state: &SecretState) -> Self {
        SecretWrite {
            secret: state.secret.clone(),
            put_versions: Vec::new(),
            delete_versions: Vec::new(),
            labels: state.labels.clone(),
            rotation: None,
            end_rotations: None,
            replaces: None,
        }
    }
}

/// The input a mutation's decision function gets.
pub struct MutationInput {
    /// The secret as stored now, if it exists.
    pub state: Option<SecretState>,
    /// The sealed value of [`Mutation::preload_value`], if requested and present.
    pub preloaded: Option<Arc<SealedValue>>,
}

/// The decision function: pure, synchronous, runs inside the transaction.
pub type Decide<R> = Box<dyn FnOnce(MutationInput) -> Result<(Change, R), ApiError> + Send>;

/// A read-decide-write transaction on one secret, addressed by name.
pub struct Mutation<R> {
    /// Namespace of the secret.
    pub namespace: Namespace,
    /// Name of the secret.
    pub name: SecretName,
    /// Load this version's sealed value too (for idempotency checks).
    pub preload_value: Option<VersionId>,
    /// The decision.
    pub decide: Decide<R>,
}

/// The order of a listing (ListSecrets' SortBy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ListOrder {
    /// CreatedDate (indexed).
    Created,
    /// LastChangedDate.
    LastChanged,
    /// LastAccessedDate (never accessed sorts first).
    LastAccessed,
    /// Name (indexed).
    Name,
}

/// The sort key of a listed secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ListKey {
    /// A date in milliseconds (-1 for none).
    Millis(i64),
    /// A name.
    Name(String),
}

impl ListOrder {
    /// Where `secret` sits in this order.
    pub fn cursor(self, secret: &SecretRecord) -> ListCursor {
        let key = match self {
            ListOrder::Created => ListKey::Millis(secret.created.millis()),
            ListOrder::LastChanged => ListKey::Millis(secret.last_changed.millis()),
            ListOrder::LastAccessed => ListKey::Millis(secret.last_accessed.map_or(-1, Timestamp::millis)),
            ListOrder::Name => ListKey::Name(secret.arn.name.to_string()),
        };
        ListCursor { key, pk: secret.pk }
    }
}

/// A position in a listing: strictly after (or before, descending) the
/// secret with this sort key and store key. Keyset pagination: a page
/// costs the same wherever it starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListCursor {
    /// The sort key.
    pub key: ListKey,
    /// The store key (ties).
    pub pk: i64,
}

/// A page of secrets of one namespace, in order.
#[derive(Debug, Clone)]
pub struct ListQuery {
    /// Whose secrets.
    pub namespace: Namespace,
    /// Sort key.
    pub order: ListOrder,
    /// Largest first.
    pub descending: bool,
    /// Include secrets scheduled for deletion.
    pub include_deleted: bool,
    /// Start after this position.
    pub after: Option<ListCursor>,
    /// At most this many.
    pub limit: usize,
}

/// Whose rotation history to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum History {
    /// Of the secret with this store key.
    Secret(i64),
    /// Of every secret of a namespace.
    Namespace(Namespace),
}

/// A store of secrets. See the crate documentation.
pub trait Store: Send + Sync + 'static {
    /// The secret named `name` in `ns`, with its versions and labels.
    fn load(
        &self,
        ns: &Namespace,
        name: &SecretName,
    ) -> impl Future<Output = Result<Option<Arc<SecretState>>, StoreError>> + Send;

    /// The sealed value of one version of the secret with store key `pk`.
    fn read_value(
        &self,
        pk: i64,
        version: &VersionId,
    ) -> impl Future<Output = Result<Option<Arc<SealedValue>>, StoreError>> + Send;

    /// Runs a mutation in one transaction. The answer comes only after the
    /// change is durable.
    fn mutate<R: Send + 'static>(&self, m: Mutation<R>) -> impl Future<Output = Result<R, ApiError>> + Send;

    /// Records a read on `day` (midnight UTC) of `version` of the secret,
    /// best effort, without waiting, and never more than once per day and row.
    fn record_access(&self, secret: &SecretState, version: &VersionId, day: Timestamp);

    /// Secrets whose scheduled deletion is due at `now`: (namespace, name).
    fn due_for_purge(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<(Namespace, SecretName)>, StoreError>> + Send;

    /// A page of secrets (see [`ListQuery`]).
    fn list(&self, query: ListQuery) -> impl Future<Output = Result<Vec<Arc<SecretState>>, StoreError>> + Send;

    /// Stores the progress of an active rotation job. Returns false, and
    /// changes nothing, when the job is no longer active (cancelled,
    /// abandoned or finished elsewhere): its runner must stop.
    fn save_rotation(&self, job: RotationJob) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The rotation job `id`.
    fn rotation(&self, id: &JobId) -> impl Future<Output = Result<Option<RotationJob>, StoreError>> + Send;

    /// Every active rotation job (to resume after a restart).
    fn active_rotations(&self) -> impl Future<Output = Result<Vec<RotationJob>, StoreError>> + Send;

    /// Rotation jobs, newest first.
    fn rotation_history(
        &self,
        of: History,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<RotationJob>, StoreError>> + Send;

    /// Live secrets whose scheduled rotation is due at `now`: (namespace, name).
    fn due_for_rotation(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<(Namespace, SecretName)>, StoreError>> + Send;

    /// The soonest scheduled rotation of any live secret.
    fn next_rotation_due(&self) -> impl Future<Output = Result<Option<Timestamp>, StoreError>> + Send;

    /// Records an account; `false` if it existed.
    fn insert_account(
        &self,
        id: &AccountId,
        created: Timestamp,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Every account and when it was created.
    fn accounts(&self) -> impl Future<Output = Result<Vec<(AccountId, Timestamp)>, StoreError>> + Send;

    /// Records a user; `false` if the account has one of that name.
    fn insert_user(&self, user: UserRecord) -> impl Future<Output = Result<bool, StoreError>> + Send;

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
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Detaches a named policy; `false` if the user had none of that name.
    fn delete_user_policy(
        &self,
        account: &AccountId,
        user: &UserName,
        name: &str,
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
    fn insert_access_key(&self, key: AccessKeyRecord) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Deletes temporary access keys that expired before `now`; how many.
    fn delete_expired_access_keys(&self, now: Timestamp) -> impl Future<Output = Result<usize, StoreError>> + Send;

    /// Deletes an access key and the temporary credentials made from it
    /// (whose `parent` it is); `false` if there was no such key.
    fn delete_access_key(&self, id: &str) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// How many access keys exist (none: the first start without `--dev`).
    fn count_access_keys(&self) -> impl Future<Output = Result<usize, StoreError>> + Send;

    /// The wrapped key-encryption key `id`, if it exists.
    fn load_kek(&self, id: &str) -> impl Future<Output = Result<Option<Vec<u8>>, StoreError>> + Send;

    /// Stores a wrapped KEK unless one with this id exists; returns the one
    /// that is stored afterwards (so concurrent creators agree), or `None`
    /// when it is new and the ids starting with `family` number `max`
    /// already (in the same transaction).
    fn insert_kek(
        &self,
        id: &str,
        wrapped: Vec<u8>,
        family: &str,
        max: usize,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, StoreError>> + Send;
}
