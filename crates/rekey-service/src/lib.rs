//! rekey's operations, free of any transport: each API operation is an async
//! method taking a [`RequestContext`] and the generated input type, and
//! returning the generated output type or an [`ApiError`].
//!
//! - `access` — authorization: policies evaluated on every request;
//! - [`audit`] — every API call recorded in the audit trail;
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
//! - [`runner`] — what they need of the rotation runtime (`rekey-rotation`);
//! - [`metrics`] — counters and latencies for `GET /metrics`;
//! - [`purge`] — the background purge of secrets whose recovery window ended.

#![warn(missing_docs)]

mod access;
pub mod admin;
pub mod audit;
mod batch;
pub mod clock;
pub mod context;
pub mod dispatch;
mod identity;
mod list;
pub mod metrics;
mod password;
mod policies;
pub mod purge;
mod replication;
mod resolve;
mod rotate;
pub mod runner;
mod secrets;
mod tags;
mod values;

pub use access::Grant;
pub use clock::{Clock, ManualClock, OffsetClock, SystemClock};
pub use context::{Principal, RequestContext};
pub use identity::{Revocations, SigningKey, TemporaryCredentials, session_token_hash};
pub use purge::Retention;
pub use resolve::Resolved;
pub use rotate::begin_rotation;
pub use runner::{NoRunner, RotationRunner};

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
    /// The rotation runtime (`rekey-rotation`), as the operations see it.
    runner: Arc<dyn RotationRunner>,
    /// Moves on every principal change (see [`Service::identity_epoch`]).
    identity_epoch: Arc<AtomicU64>,
    /// Keys revoked lately (see [`Service::revocations`]).
    revocations: Arc<identity::Revocations>,
    /// The account whose root administers the others (creates accounts).
    admin_account: Option<AccountId>,
    /// Parsed resource policies.
    policies: Arc<access::PolicyCache>,
    /// What the server has done, for `GET /metrics`.
    metrics: Arc<metrics::Metrics>,
    /// Where `rekey.Backup` writes (none: no backups).
    backup_dir: Option<Arc<std::path::Path>>,
    /// How long function logs and audit records are kept.
    retention: Retention,
    /// The master key's file, which `rekey.RotateMasterKey` replaces
    /// (none when the key comes from elsewhere: it cannot be rotated here).
    master_key_file: Option<Arc<std::path::Path>>,
    /// Held while the master key rotates (one rotation at a time).
    key_rotation: Arc<tokio::sync::Mutex<()>>,
    /// The audit sink's state, when one streams the trail.
    sink: Option<Arc<audit::SinkStatus>>,
    /// When the store last took a readiness probe's commit.
    ready_at: Arc<std::sync::Mutex<Option<std::time::Instant>>>,
}

impl<S: Store> Clone for Service<S> {
    fn clone(&self) -> Self {
        Service {
            store: self.store.clone(),
            seal: self.seal.clone(),
            clock: self.clock.clone(),
            runner: self.runner.clone(),
            identity_epoch: self.identity_epoch.clone(),
            revocations: self.revocations.clone(),
            admin_account: self.admin_account.clone(),
            policies: self.policies.clone(),
            metrics: self.metrics.clone(),
            backup_dir: self.backup_dir.clone(),
            retention: self.retention,
            master_key_file: self.master_key_file.clone(),
            key_rotation: self.key_rotation.clone(),
            sink: self.sink.clone(),
            ready_at: self.ready_at.clone(),
        }
    }
}

impl<S: Store> Service<S> {
    /// A service over an opened store and its unlocked seal.
    pub fn new(store: Arc<S>, seal: Arc<Seal>, clock: Arc<dyn Clock>) -> Self {
        store.set_audit_key(seal.audit_key().clone());
        Service {
            store,
            seal,
            clock,
            runner: Arc::new(NoRunner),
            identity_epoch: Arc::default(),
            revocations: Arc::default(),
            admin_account: None,
            policies: Arc::default(),
            metrics: Arc::default(),
            backup_dir: None,
            retention: Retention::default(),
            master_key_file: None,
            key_rotation: Arc::default(),
            sink: None,
            ready_at: Arc::default(),
        }
    }

    /// The same service with `account`'s root as the administrator, who
    /// may create accounts and manage the users of any.
    pub fn with_admin_account(mut self, account: AccountId) -> Self {
        self.admin_account = Some(account);
        self
    }

    /// The same service writing backups into `dir` (and nowhere else).
    pub fn with_backup_dir(mut self, dir: std::path::PathBuf) -> Self {
        self.backup_dir = Some(dir.into());
        self
    }

    /// The same service with its master key in `file`, which
    /// `rekey.RotateMasterKey` may replace.
    pub fn with_master_key_file(mut self, file: std::path::PathBuf) -> Self {
        self.master_key_file = Some(file.into());
        self
    }

    /// The same service reporting on the audit sink whose state `sink` holds.
    pub fn with_audit_sink(mut self, sink: Arc<audit::SinkStatus>) -> Self {
        self.sink = Some(sink);
        self
    }

    /// The same service keeping logs and records as long as `retention` says.
    pub fn with_retention(mut self, retention: Retention) -> Self {
        self.retention = retention;
        self
    }

    /// The same service with this rotation runtime.
    pub fn with_runner(mut self, runner: Arc<dyn RotationRunner>) -> Self {
        self.runner = runner;
        self
    }

    /// The service's clock's now.
    pub fn now(&self) -> rekey_model::Timestamp {
        self.clock.now()
    }

    /// The server's counters (`GET /metrics`).
    pub fn metrics(&self) -> &metrics::Metrics {
        &self.metrics
    }

    /// `/metrics`: the service's families, the store's commits, and how
    /// far behind the audit sink is.
    pub async fn metrics_text(&self) -> String {
        let mut out = self.metrics.render();
        if let Some(stats) = self.store.stats() {
            stats.render(&mut out);
        }
        if let Some(sink) = &self.sink {
            let head = self.store.audit_head().await.unwrap_or(sink.delivered_seq());
            let lag = (head - sink.delivered_seq()).max(0);
            out.push_str(
                "# HELP rekey_audit_sink_lag_rows Audit trail rows (a record, or a batch of reads' records) committed but not yet delivered by the sink.\n",
            );
            out.push_str("# TYPE rekey_audit_sink_lag_rows gauge\n");
            out.push_str(&format!("rekey_audit_sink_lag_rows {lag}\n"));
            out.push_str("# HELP rekey_audit_sink_up Whether the audit sink can write (1) or is failing (0).\n");
            out.push_str("# TYPE rekey_audit_sink_up gauge\n");
            out.push_str(&format!("rekey_audit_sink_up {}\n", u8::from(sink.failing_since().is_none())));
        }
        out
    }

    /// The audit sink's state for `/health/ready`: `None` when it works
    /// (or there is none), else why not.
    pub fn sink_trouble(&self) -> Option<String> {
        let since = self.sink.as_ref()?.failing_since()?;
        let at = rekey_model::calendar::format_utc(since);
        Some(format!("the audit sink fails since {at}; records wait in the store"))
    }

    /// Whether the service can serve: the store takes a durable commit
    /// (the seal is open once a service exists). A success stands for a
    /// second: the probe is unauthenticated, and a flood of probes must
    /// not become a flood of fsyncs.
    pub async fn ready(&self) -> Result<(), String> {
        const FRESH: std::time::Duration = std::time::Duration::from_secs(1);
        if self.ready_at.lock().expect("readiness lock").is_some_and(|at| at.elapsed() < FRESH) {
            return Ok(());
        }
        self.store.check_writable().await.map_err(|e| e.to_string())?;
        *self.ready_at.lock().expect("readiness lock") = Some(std::time::Instant::now());
        Ok(())
    }

    /// Wakes the rotation engine (a job was recorded or became due).
    pub(crate) fn wake_rotations(&self) {
        self.runner.wake();
    }

    // What the rotation runtime drives rotations with. It changes secrets
    // only through `mutate_secret` (the one transaction helper) and the
    // operations, as a job's role.

    /// The store.
    pub fn store(&self) -> &Arc<S> {
        &self.store
    }

    /// The seal (for what a rotation function said, sealed into a job).
    pub fn seal(&self) -> &Seal {
        &self.seal
    }
}
