//! Secrets: versions, labels and sealed values, changed only through
//! [`Mutation`]s (read, decide, write in one transaction), and listed in
//! keyset pages.

use crate::StoreError;
use rekey_model::audit::AuditEvent;
use rekey_model::name::{Namespace, SecretName};
use rekey_model::rotation::{JobStatus, RotationJob};
use rekey_model::secret::{SealedValue, SecretRecord, SecretState, VersionRecord};
use rekey_model::staging::{Labels, VersionId};
use rekey_model::{ApiError, Timestamp};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::sync::Arc;

/// What a mutation writes. Everything in one `Change` commits atomically.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Nothing to write (an idempotent replay, a no-op).
    None,
    /// Insert or update the secret, its versions and its labels.
    Write(Box<SecretWrite>),
    /// Remove the secret with this store key and everything it owns, and
    /// append the audit records that tell of it, in the same transaction.
    Purge {
        /// The secret's store key.
        pk: i64,
        /// The records.
        audit: Vec<AuditEvent>,
    },
}

impl Change {
    /// A [`Change::Write`] of `w`.
    pub fn write(w: SecretWrite) -> Self {
        Change::Write(Box::new(w))
    }

    /// A [`Change::Purge`] of the secret `pk`, with no record yet.
    pub fn purge(pk: i64) -> Self {
        Change::Purge { pk, audit: Vec::new() }
    }

    /// The audit records the change appends.
    pub fn audit(&self) -> &[AuditEvent] {
        match self {
            Change::None => &[],
            Change::Write(w) => &w.audit,
            Change::Purge { audit, .. } => audit,
        }
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
    /// Audit records of the change, appended in its transaction.
    pub audit: Vec<AuditEvent>,
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
            audit: Vec::new(),
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

/// Where secrets are kept.
pub trait SecretStore: Send + Sync + 'static {
    /// How its commits go, if it keeps count (for `/metrics`).
    fn stats(&self) -> Option<&crate::stats::StoreStats> {
        None
    }

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

    /// An empty durable write: the store takes a commit (a readiness probe).
    fn check_writable(&self) -> impl Future<Output = Result<(), StoreError>> + Send;

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
}
