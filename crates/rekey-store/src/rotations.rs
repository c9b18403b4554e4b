//! Rotation jobs: their records and history, the scheduler's due
//! secrets, and the leases that let one runner at a time drive a job.
//!
//! A runner (a node's engine) claims an active job with a lease: an owner
//! and an expiry. While the lease holds nobody else can claim the job, and
//! only its owner can save the job's progress; the owner renews it before
//! each step and releases it when it stops. A runner that dies leaves its
//! lease to expire, and then any runner may take the job over at the step
//! it reached.

use crate::StoreError;
use rekey_model::Timestamp;
use rekey_model::name::{Namespace, SecretName};
use rekey_model::rotation::{JobId, RotationJob};
use std::future::Future;

/// Whose rotation history to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum History {
    /// Of the secret with this store key.
    Secret(i64),
    /// Of every secret of a namespace.
    Namespace(Namespace),
}

/// Who holds a job's lease: a runner's name, unique among the runners
/// sharing a store (a node keeps the same one across restarts, so that it
/// takes its own jobs back at once).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LeaseOwner(pub String);

/// Where rotation jobs are kept.
pub trait RotationStore: Send + Sync + 'static {
    /// Takes the lease of the active job `id` for `owner` until `until`,
    /// if nobody holds it at `now` (no lease, or one that expired by
    /// then, whoever held it): the job as stored, or `None` when it is held
    /// (by `owner` too), no longer active, or gone.
    fn claim_rotation(
        &self,
        id: &JobId,
        owner: &LeaseOwner,
        now: Timestamp,
        until: Timestamp,
    ) -> impl Future<Output = Result<Option<RotationJob>, StoreError>> + Send;

    /// Extends `owner`'s lease of the active job `id` to `until`; false
    /// when the job is no longer active or `owner` no longer holds it
    /// (taken over after it expired): the runner must stop.
    fn renew_rotation(
        &self,
        id: &JobId,
        owner: &LeaseOwner,
        until: Timestamp,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Gives up `owner`'s lease of job `id` (nothing if another holds it).
    fn release_rotation(&self, id: &JobId, owner: &LeaseOwner) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Gives up every lease `owner` holds: a runner starting again takes
    /// back what it held before it stopped without waiting for expiry.
    fn release_rotations_of(&self, owner: &LeaseOwner) -> impl Future<Output = Result<usize, StoreError>> + Send;

    /// Stores the progress of an active rotation job whose lease `owner`
    /// holds. Returns false, and changes nothing, when the job is no longer
    /// active (cancelled, abandoned or finished elsewhere) or its lease
    /// went to another runner: its runner must stop.
    fn save_rotation(
        &self,
        job: RotationJob,
        owner: &LeaseOwner,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The rotation job `id`.
    fn rotation(&self, id: &JobId) -> impl Future<Output = Result<Option<RotationJob>, StoreError>> + Send;

    /// The active rotation jobs nobody holds at `now` (no lease, or an
    /// expired one), oldest first: what a runner may claim.
    fn claimable_rotations(&self, now: Timestamp) -> impl Future<Output = Result<Vec<RotationJob>, StoreError>> + Send;

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

    /// The soonest scheduled rotation of any live secret after `after`.
    fn next_rotation_due(&self, after: Timestamp)
    -> impl Future<Output = Result<Option<Timestamp>, StoreError>> + Send;
}
