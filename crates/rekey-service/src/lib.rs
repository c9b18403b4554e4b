//! rekey's operations, free of any transport: each API operation is an async
//! method taking a [`RequestContext`] and the generated input type, and
//! returning the generated output type or an [`ApiError`].
//!
//! - `access` — authorization: policies evaluated on every request;
//! - [`dispatch`] — raw JSON in, JSON out, for the HTTP layer;
//! - [`admin`] — rekey's own operations (rotation history);
//! - `secrets` — create, update, describe, delete, restore;
//! - `list` — ListSecrets;
//! - `identity` — accounts, users, identity policies, access keys;
//! - `batch` — BatchGetSecretValue;
//! - `tags` — TagResource, UntagResource;
//! - `policies` — resource policies;
//! - `replication` — replicas in other regions;
//! - `values` — read and write values, versions and staging labels;
//! - `password` — GetRandomPassword;
//! - `rotate` — RotateSecret and CancelRotateSecret;
//! - [`rotation`] — the rotation engine and the rotation functions it invokes;
//! - [`purge`] — the background purge of secrets whose recovery window ended.

#![warn(missing_docs)]

mod access;
pub mod admin;
mod batch;
pub mod clock;
pub mod context;
pub mod dispatch;
mod identity;
mod list;
mod password;
mod policies;
pub mod purge;
mod replication;
mod resolve;
mod rotate;
pub mod rotation;
mod secrets;
mod tags;
mod values;

pub use access::Grant;
pub use clock::{Clock, ManualClock, OffsetClock, SystemClock};
pub use context::{Principal, RequestContext};
pub use identity::{Revocations, SigningKey, TemporaryCredentials, session_token_hash};

use rekey_model::name::AccountId;
use rekey_store::Store;
use rekey_store::seal::Seal;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

/// The Secrets Manager service over a store `S`.
pub struct Service<S: Store> {
    store: Arc<S>,
    seal: Arc<Seal>,
    clock: Arc<dyn Clock>,
    rotation: Arc<rotation::Rotation>,
    /// Moves on every principal change (see [`Service::identity_epoch`]).
    identity_epoch: Arc<AtomicU64>,
    /// Keys revoked lately (see [`Service::revocations`]).
    revocations: Arc<identity::Revocations>,
    /// The account whose root administers the others (creates accounts).
    admin_account: Option<AccountId>,
    /// Parsed resource policies.
    policies: Arc<access::PolicyCache>,
}

impl<S: Store> Clone for Service<S> {
    fn clone(&self) -> Self {
        Service {
            store: self.store.clone(),
            seal: self.seal.clone(),
            clock: self.clock.clone(),
            rotation: self.rotation.clone(),
            identity_epoch: self.identity_epoch.clone(),
            revocations: self.revocations.clone(),
            admin_account: self.admin_account.clone(),
            policies: self.policies.clone(),
        }
    }
}

impl<S: Store> Service<S> {
    /// A service over an opened store and its unlocked seal.
    pub fn new(store: Arc<S>, seal: Arc<Seal>, clock: Arc<dyn Clock>) -> Self {
        Service {
            store,
            seal,
            clock,
            rotation: Arc::default(),
            identity_epoch: Arc::default(),
            revocations: Arc::default(),
            admin_account: None,
            policies: Arc::default(),
        }
    }

    /// The same service with `account`'s root as the administrator, who
    /// may create accounts and manage the users of any.
    pub fn with_admin_account(mut self, account: AccountId) -> Self {
        self.admin_account = Some(account);
        self
    }

    /// The same service with these rotation functions and settings.
    pub fn with_rotation(mut self, rotation: rotation::Rotation) -> Self {
        self.rotation = Arc::new(rotation);
        self
    }

    /// The service's clock's now.
    pub fn now(&self) -> rekey_model::Timestamp {
        self.clock.now()
    }

    /// The rotation side (functions, callback endpoint).
    pub fn rotation(&self) -> &rotation::Rotation {
        &self.rotation
    }
}
