//! rekey's storage layer.
//!
//! A store is split by what it keeps, one trait each: [`SecretStore`]
//! (secrets, versions, labels; domain-level and transactional: a read
//! returns a whole [`SecretState`](rekey_model::secret::SecretState) as of
//! one instant, a [`Mutation`] runs the service's pure decision against the
//! current state inside a transaction and writes the [`Change`] it returns
//! atomically), [`RotationStore`] (rotation jobs and their leases),
//! [`PrincipalStore`] (accounts, users, keys), [`Keyring`] and
//! [`AuditStore`] (the audit trail), [`FunctionLogStore`] (what rotation
//! functions printed), [`Snapshot`] (consistent copies) and [`ClockStore`]
//! (the `--dev` clock's offset). A backend implements all eight, which
//! makes it a [`Store`], and must pass the
//! [`conformance`] suite. Backends never see plaintext: values arrive
//! already sealed by [`seal::Seal`].
//!
//! Backends: [`sqlite::SqliteStore`] (embedded default).

#![warn(missing_docs)]

pub mod audit;
pub mod audit_rows;
pub mod cache;
mod clock;
pub mod conformance;
mod function_logs;
mod keyring;
pub mod master_key;
pub mod master_rotation;
mod principals;
pub mod read_batch;
mod rotations;
pub mod seal;
mod secrets;
mod snapshot;
pub mod sqlite;
pub mod stats;
pub mod stored;

pub use audit::AuditStore;
pub use clock::ClockStore;
pub use function_logs::{FunctionLogRecord, FunctionLogStore};
pub use keyring::{Keyring, MasterPhase, MasterRotation, Reseal, Sealed, ServingNode};
pub use principals::PrincipalStore;
pub use rotations::{History, LeaseOwner, RotationStore};
pub use secrets::{
    Change, Decide, ListCursor, ListKey, ListOrder, ListQuery, Mutation, MutationInput, SecretStore, SecretWrite,
};
pub use snapshot::Snapshot;

use rekey_model::ApiError;

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
    /// The database gave the transaction up so that another could go on (a
    /// serialization failure, a deadlock): nothing of it was written, and
    /// it may be tried again.
    #[error("transaction conflict: {0}")]
    Conflict(String),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "store failure");
        ApiError::internal("An error occurred on the server side.")
    }
}

/// A whole store: every capability a backend provides.
pub trait Store:
    SecretStore + RotationStore + PrincipalStore + Keyring + AuditStore + FunctionLogStore + Snapshot + ClockStore
{
}

impl<T: SecretStore + RotationStore + PrincipalStore + Keyring + AuditStore + FunctionLogStore + Snapshot + ClockStore>
    Store for T
{
}
