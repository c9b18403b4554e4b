//! The store `rekey serve` runs on: the embedded SQLite store (the
//! default, in the data directory) or the shared PostgreSQL store
//! (`--store postgres://…`, several nodes over one database).
//!
//! One type for both, so that the service, the rotation runtime and the
//! server are built once: each capability forwards to the backend chosen.

use rekey_model::audit::{AuditEvent, CallRecord};
use rekey_model::identity::{AccessKeyRecord, UserName, UserPolicy, UserRecord};
use rekey_model::name::{AccountId, Namespace, SecretName};
use rekey_model::rotation::{JobId, RotationJob};
use rekey_model::secret::{SealedValue, SecretState};
use rekey_model::staging::VersionId;
use rekey_model::{ApiError, Timestamp};
use rekey_postgres::PgStore;
use rekey_store::audit::{AuditKey, AuditPage, AuditQuery, AuditVerdict};
use rekey_store::sqlite::SqliteStore;
use rekey_store::stats::StoreStats;
use rekey_store::{
    AuditStore, ClockStore, FunctionLogRecord, FunctionLogStore, History, Keyring, LeaseOwner, ListQuery, MasterPhase,
    MasterRotation, Mutation, PrincipalStore, Reseal, RotationStore, SecretStore, ServingNode, Snapshot, StoreError,
};
use std::path::Path;
use std::sync::Arc;

/// The store of this server.
pub enum Backend {
    /// The embedded store.
    Sqlite(SqliteStore),
    /// The shared store.
    Postgres(PgStore),
}

impl Backend {
    /// Says this process no longer serves the store (a node stopping).
    pub async fn leave(&self) {
        if let Backend::Postgres(pg) = self {
            pg.leave().await;
        }
    }

    /// What it is, for the log.
    pub fn describe(&self) -> &'static str {
        match self {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }
}

/// `$body` with `$s` bound to whichever store `$self` is.
macro_rules! either {
    ($self:ident, $s:ident => $body:expr) => {
        match $self {
            Backend::Sqlite($s) => $body,
            Backend::Postgres($s) => $body,
        }
    };
}

impl SecretStore for Backend {
    fn stats(&self) -> Option<&StoreStats> {
        either!(self, s => s.stats())
    }

    async fn load(&self, ns: &Namespace, name: &SecretName) -> Result<Option<Arc<SecretState>>, StoreError> {
        either!(self, s => s.load(ns, name).await)
    }

    async fn read_value(&self, pk: i64, version: &VersionId) -> Result<Option<Arc<SealedValue>>, StoreError> {
        either!(self, s => s.read_value(pk, version).await)
    }

    async fn mutate<R: Send + 'static>(&self, m: Mutation<R>) -> Result<R, ApiError> {
        either!(self, s => s.mutate(m).await)
    }

    async fn check_writable(&self) -> Result<(), StoreError> {
        either!(self, s => s.check_writable().await)
    }

    fn record_access(&self, secret: &SecretState, version: &VersionId, day: Timestamp) {
        either!(self, s => s.record_access(secret, version, day))
    }

    async fn due_for_purge(&self, now: Timestamp, limit: usize) -> Result<Vec<(Namespace, SecretName)>, StoreError> {
        either!(self, s => s.due_for_purge(now, limit).await)
    }

    async fn list(&self, query: ListQuery) -> Result<Vec<Arc<SecretState>>, StoreError> {
        either!(self, s => s.list(query).await)
    }
}

impl RotationStore for Backend {
    async fn claim_rotation(
        &self,
        id: &JobId,
        owner: &LeaseOwner,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<Option<RotationJob>, StoreError> {
        either!(self, s => s.claim_rotation(id, owner, now, until).await)
    }

    async fn renew_rotation(&self, id: &JobId, owner: &LeaseOwner, until: Timestamp) -> Result<bool, StoreError> {
        either!(self, s => s.renew_rotation(id, owner, until).await)
    }

    async fn release_rotation(&self, id: &JobId, owner: &LeaseOwner) -> Result<(), StoreError> {
        either!(self, s => s.release_rotation(id, owner).await)
    }

    async fn release_rotations_of(&self, owner: &LeaseOwner) -> Result<usize, StoreError> {
        either!(self, s => s.release_rotations_of(owner).await)
    }

    async fn save_rotation(&self, job: RotationJob, owner: &LeaseOwner) -> Result<bool, StoreError> {
        either!(self, s => s.save_rotation(job, owner).await)
    }

    async fn rotation(&self, id: &JobId) -> Result<Option<RotationJob>, StoreError> {
        either!(self, s => s.rotation(id).await)
    }

    async fn claimable_rotations(&self, now: Timestamp) -> Result<Vec<RotationJob>, StoreError> {
        either!(self, s => s.claimable_rotations(now).await)
    }

    async fn rotation_history(&self, of: History, limit: usize) -> Result<Vec<RotationJob>, StoreError> {
        either!(self, s => s.rotation_history(of, limit).await)
    }

    async fn due_for_rotation(&self, now: Timestamp, limit: usize) -> Result<Vec<(Namespace, SecretName)>, StoreError> {
        either!(self, s => s.due_for_rotation(now, limit).await)
    }

    async fn next_rotation_due(&self, after: Timestamp) -> Result<Option<Timestamp>, StoreError> {
        either!(self, s => s.next_rotation_due(after).await)
    }
}

impl PrincipalStore for Backend {
    fn principals_generation(&self) -> u64 {
        either!(self, s => s.principals_generation())
    }

    async fn insert_account(&self, id: &AccountId, created: Timestamp) -> Result<bool, StoreError> {
        either!(self, s => s.insert_account(id, created).await)
    }

    async fn accounts(&self) -> Result<Vec<(AccountId, Timestamp)>, StoreError> {
        either!(self, s => s.accounts().await)
    }

    async fn insert_user(&self, user: UserRecord, audit: Vec<AuditEvent>) -> Result<bool, StoreError> {
        either!(self, s => s.insert_user(user, audit).await)
    }

    async fn user(&self, account: &AccountId, name: &UserName) -> Result<Option<UserRecord>, StoreError> {
        either!(self, s => s.user(account, name).await)
    }

    async fn users(&self, account: &AccountId) -> Result<Vec<UserRecord>, StoreError> {
        either!(self, s => s.users(account).await)
    }

    async fn put_user_policy(
        &self,
        account: &AccountId,
        user: &UserName,
        policy: UserPolicy,
        audit: Vec<AuditEvent>,
    ) -> Result<(), StoreError> {
        either!(self, s => s.put_user_policy(account, user, policy, audit).await)
    }

    async fn delete_user_policy(
        &self,
        account: &AccountId,
        user: &UserName,
        name: &str,
        audit: Vec<AuditEvent>,
    ) -> Result<bool, StoreError> {
        either!(self, s => s.delete_user_policy(account, user, name, audit).await)
    }

    async fn user_policies(&self, account: &AccountId, user: &UserName) -> Result<Vec<UserPolicy>, StoreError> {
        either!(self, s => s.user_policies(account, user).await)
    }

    async fn load_access_key(&self, id: &str) -> Result<Option<AccessKeyRecord>, StoreError> {
        either!(self, s => s.load_access_key(id).await)
    }

    async fn access_keys(
        &self,
        account: &AccountId,
        user: Option<&UserName>,
    ) -> Result<Vec<AccessKeyRecord>, StoreError> {
        either!(self, s => s.access_keys(account, user).await)
    }

    async fn insert_access_key(&self, key: AccessKeyRecord, audit: Vec<AuditEvent>) -> Result<(), StoreError> {
        either!(self, s => s.insert_access_key(key, audit).await)
    }

    async fn delete_expired_access_keys(&self, now: Timestamp) -> Result<usize, StoreError> {
        either!(self, s => s.delete_expired_access_keys(now).await)
    }

    async fn delete_access_key(&self, id: &str, audit: Vec<AuditEvent>) -> Result<bool, StoreError> {
        either!(self, s => s.delete_access_key(id, audit).await)
    }

    async fn insert_first_access_key(&self, key: AccessKeyRecord) -> Result<bool, StoreError> {
        either!(self, s => s.insert_first_access_key(key).await)
    }

    async fn count_access_keys(&self) -> Result<usize, StoreError> {
        either!(self, s => s.count_access_keys().await)
    }
}

impl Keyring for Backend {
    async fn load_kek(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        either!(self, s => s.load_kek(id).await)
    }

    async fn insert_kek(
        &self,
        id: &str,
        wrapped: Vec<u8>,
        family: &str,
        max: usize,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        either!(self, s => s.insert_kek(id, wrapped, family, max).await)
    }

    async fn reseal_all(&self, reseal: Reseal) -> Result<usize, StoreError> {
        either!(self, s => s.reseal_all(reseal).await)
    }

    fn shared(&self) -> bool {
        either!(self, s => s.shared())
    }

    async fn master_rotation(&self) -> Result<Option<MasterRotation>, StoreError> {
        either!(self, s => s.master_rotation().await)
    }

    async fn begin_master_rotation(&self, id: &str, key_check: Vec<u8>) -> Result<MasterRotation, StoreError> {
        either!(self, s => s.begin_master_rotation(id, key_check).await)
    }

    async fn set_master_phase(&self, id: &str, phase: MasterPhase) -> Result<(), StoreError> {
        either!(self, s => s.set_master_phase(id, phase).await)
    }

    async fn end_master_rotation(&self, id: &str) -> Result<(), StoreError> {
        either!(self, s => s.end_master_rotation(id).await)
    }

    async fn note_master_key(&self, note: Option<&str>) -> Result<(), StoreError> {
        either!(self, s => s.note_master_key(note).await)
    }

    async fn serving_nodes(&self) -> Result<Vec<ServingNode>, StoreError> {
        either!(self, s => s.serving_nodes().await)
    }
}

impl AuditStore for Backend {
    fn set_audit_key(&self, key: AuditKey) {
        either!(self, s => s.set_audit_key(key))
    }

    async fn append_audit(&self, events: Vec<AuditEvent>) -> Result<(), StoreError> {
        either!(self, s => s.append_audit(events).await)
    }

    fn append_read(&self, record: CallRecord) -> Result<(), Box<CallRecord>> {
        either!(self, s => s.append_read(record))
    }

    async fn lookup_audit(&self, query: AuditQuery) -> Result<AuditPage, StoreError> {
        either!(self, s => s.lookup_audit(query).await)
    }

    async fn verify_audit(&self) -> Result<AuditVerdict, StoreError> {
        either!(self, s => s.verify_audit().await)
    }

    async fn audit_since(&self, after: i64, limit: usize) -> Result<Vec<(i64, String)>, StoreError> {
        either!(self, s => s.audit_since(after, limit).await)
    }

    async fn audit_head(&self) -> Result<i64, StoreError> {
        either!(self, s => s.audit_head().await)
    }

    async fn audit_delivered(&self, sink: &str) -> Result<i64, StoreError> {
        either!(self, s => s.audit_delivered(sink).await)
    }

    async fn prune_audit(&self, before: Timestamp, keep_from: Option<i64>) -> Result<usize, StoreError> {
        either!(self, s => s.prune_audit(before, keep_from).await)
    }

    async fn set_audit_delivered(&self, sink: &str, seq: i64) -> Result<(), StoreError> {
        either!(self, s => s.set_audit_delivered(sink, seq).await)
    }

    async fn hold_sink(&self, sink: &str, owner: &str, now: Timestamp, until: Timestamp) -> Result<bool, StoreError> {
        either!(self, s => s.hold_sink(sink, owner, now, until).await)
    }
}

impl FunctionLogStore for Backend {
    async fn append_function_log(&self, record: FunctionLogRecord) -> Result<(), StoreError> {
        either!(self, s => s.append_function_log(record).await)
    }

    async fn function_logs(
        &self,
        secret_arn: &str,
        job: Option<&JobId>,
        limit: usize,
    ) -> Result<Vec<FunctionLogRecord>, StoreError> {
        either!(self, s => s.function_logs(secret_arn, job, limit).await)
    }

    async fn prune_function_logs(&self, before: Timestamp) -> Result<usize, StoreError> {
        either!(self, s => s.prune_function_logs(before).await)
    }
}

impl Snapshot for Backend {
    async fn snapshot(&self, to: &Path) -> Result<u64, StoreError> {
        either!(self, s => s.snapshot(to).await)
    }
}

impl ClockStore for Backend {
    async fn dev_clock_offset(&self) -> Result<i64, StoreError> {
        either!(self, s => s.dev_clock_offset().await)
    }

    async fn save_dev_clock_offset(&self, offset_ms: i64) -> Result<(), StoreError> {
        either!(self, s => s.save_dev_clock_offset(offset_ms).await)
    }

    async fn newest_write(&self) -> Result<Option<Timestamp>, StoreError> {
        either!(self, s => s.newest_write().await)
    }
}
