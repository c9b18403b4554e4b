//! The embedded SQLite backend: one file in WAL mode with
//! `synchronous=FULL` (an acknowledged write survives power loss), reads on
//! a small pool of connections behind a cache of committed states, writes
//! through one group-committing writer.

mod audit;

mod checkpoint;
mod clock;
mod function_logs;
mod principals;
mod rows;
mod schema;
mod snapshot;
mod writer;

use crate::cache::{Published, StateCache};
use crate::stats::StoreStats;
use crate::{
    Change, History, Keyring, LeaseOwner, ListQuery, Mutation, MutationInput, PrincipalStore, RotationStore,
    SecretStore, StoreError,
};
use rekey_model::audit::AuditEvent;
use rekey_model::identity::{AccessKeyRecord, UserName, UserPolicy, UserRecord};
use rekey_model::name::{AccountId, Namespace, SecretName};
use rekey_model::rotation::{JobId, RotationJob};
use rekey_model::secret::{SealedValue, SecretState};
use rekey_model::staging::VersionId;
use rekey_model::{ApiError, Timestamp};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use tokio::sync::oneshot;
use writer::{Batch, Job};

/// Idle reader connections kept open.
const MAX_IDLE_READERS: usize = 16;

/// Whether a write is on disk when it is acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Acknowledged after the WAL is fsynced: survives power loss. The
    /// only mode `rekey serve` uses.
    Full,
    /// Acknowledged once committed, never fsynced: for simulations that
    /// run years of rotations in seconds, where durability is not what is
    /// under test. A crash of the process loses nothing; a power loss may.
    Unsynced,
}

/// The SQLite store. Cheap to share behind an `Arc`.
pub struct SqliteStore {
    path: PathBuf,
    readers: Mutex<Vec<Connection>>,
    jobs: mpsc::Sender<Job>,
    cache: Arc<StateCache>,
    /// The audit chain's key, once the seal is open.
    audit_key: Arc<OnceLock<crate::audit::AuditKey>>,
    /// Records of reads waiting to be appended (see `audit::batch_reads`).
    read_records: Arc<audit::ReadRecords>,
    /// How commits go (for `/metrics`).
    stats: Arc<StoreStats>,
    /// Keeps the checkpointer running while the store lives.
    _alive: Arc<AtomicBool>,
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    // 64 MiB of page cache (negative = KiB): the hot part of the tables
    // stays in memory instead of being re-read from the OS on each batch.
    conn.pragma_update(None, "cache_size", -65536)?;
    Ok(())
}

/// A job's answer: `result` is sent once the batch's commit (and fsync) is
/// known; a failed commit turns it into a store error.
fn answer<T: Send + 'static, E: From<StoreError> + Send + 'static>(
    tx: oneshot::Sender<Result<T, E>>,
    result: Result<T, E>,
) -> (Result<(), ()>, writer::Completion) {
    let ok = if result.is_ok() { Ok(()) } else { Err(()) };
    let completion: writer::Completion = Box::new(move |commit| {
        let answer = match commit {
            Ok(()) => result,
            Err(e) => Err(E::from(StoreError::Database(e.to_string()))),
        };
        let _ = tx.send(answer);
    });
    (ok, completion)
}

fn run_mutation<R>(
    batch: &mut Batch<'_>,
    m: Mutation<R>,
    audit_key: Option<&crate::audit::AuditKey>,
) -> Result<R, ApiError> {
    let key = (m.namespace, m.name);
    let current = batch.state(&key)?;
    let preloaded = match (&current, &m.preload_value) {
        (Some(s), Some(v)) => batch.value(s.secret.pk, v)?,
        _ => None,
    };
    let (change, r) = (m.decide)(MutationInput { state: current.as_deref().cloned(), preloaded })?;
    match change {
        Change::None => {}
        Change::Write(w) => {
            let mut current = current;
            if let Some(old) = w.replaces {
                rows::purge(batch.conn, old)?;
                if let Some(replaced) = current.take().filter(|c| c.secret.pk == old) {
                    batch.forget_values(old, replaced.versions.iter().map(|v| v.version_id.clone()));
                }
            }
            let pk = rows::apply_write(batch.conn, current.as_deref(), &w)?;
            audit::append(batch.conn, audit_key, &w.audit)?;
            let next = crate::stored::next_state(current.as_deref(), &w, pk);
            batch.forget_values(pk, w.delete_versions.iter().cloned());
            // Values sealed anew replace what the cache holds.
            batch.forget_values(
                pk,
                w.put_versions.iter().filter(|(_, s)| s.is_some()).map(|(v, _)| v.version_id.clone()),
            );
            batch.publish(key, Published::State(Some(Arc::new(next))));
        }
        Change::Purge { pk, audit } => {
            rows::purge(batch.conn, pk)?;
            audit::append(batch.conn, audit_key, &audit)?;
            if let Some(old) = &current {
                batch.forget_values(pk, old.versions.iter().map(|v| v.version_id.clone()));
            }
            batch.publish(key, Published::State(None));
        }
    }
    Ok(r)
}

/// Makes the database and its `-wal` and `-shm` files readable by their
/// owner alone (0600), whatever the umask: the database is created 0600
/// before SQLite opens it, and SQLite gives the files it creates beside
/// it the database's mode; files of an older store are corrected.
fn owner_only(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let io = |e: std::io::Error| StoreError::Database(format!("{}: {e}", path.display()));
    if !path.exists() {
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(io)?;
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        let file = PathBuf::from(file);
        if let Ok(meta) = std::fs::metadata(&file)
            && meta.permissions().mode() & 0o777 != 0o600
        {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
        }
    }
    Ok(())
}

impl SqliteStore {
    /// The database file inside a data directory.
    pub fn file_in(data_dir: &Path) -> PathBuf {
        data_dir.join("rekey.db")
    }

    /// Opens (creating if needed) the database at `path` and migrates it.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_with(path, Durability::Full)
    }

    /// Like [`open`](Self::open), with a choice of durability.
    pub fn open_with(path: &Path, durability: Durability) -> Result<Self, StoreError> {
        owner_only(path)?;
        let mut conn = Connection::open(path)?;
        // Small pages: a write dirties a few rows spread over the tables, and
        // every dirty page is written whole to the WAL at commit.
        conn.pragma_update(None, "page_size", 1024)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        configure(&conn)?;
        schema::migrate(&mut conn)?;
        // The writer never checkpoints; the checkpointer thread does.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        // After a restart, a WAL that grew under load shrinks back to this.
        conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
        let alive = Arc::new(AtomicBool::new(true));
        let weak = Arc::downgrade(&alive);
        let checkpoint_path = path.to_path_buf();
        std::thread::Builder::new()
            .name("rekey-sqlite-checkpointer".into())
            .spawn(move || checkpoint::run(checkpoint_path, weak))
            .map_err(|e| StoreError::Database(e.to_string()))?;
        let cache = Arc::new(StateCache::new());
        let (tx, rx) = mpsc::channel();
        let writer_cache = cache.clone();
        let stats = Arc::new(StoreStats::default());
        let writer_stats = stats.clone();
        // The writer's commits write the WAL; the syncer makes them durable
        // (see `writer`). Every other connection keeps synchronous=FULL.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        let wal = (durability == Durability::Full).then(|| PathBuf::from(wal));
        std::thread::Builder::new()
            .name("rekey-sqlite-writer".into())
            .spawn(move || writer::run(conn, writer_cache, rx, wal, writer_stats))
            .map_err(|e| StoreError::Database(e.to_string()))?;
        let read_records = Arc::new(audit::ReadRecords::default());
        let audit_key: Arc<OnceLock<crate::audit::AuditKey>> = Arc::default();
        let (records, jobs, key, weak) = (read_records.clone(), tx.clone(), audit_key.clone(), Arc::downgrade(&alive));
        std::thread::Builder::new()
            .name("rekey-audit-batcher".into())
            .spawn(move || audit::batch_reads(records, jobs, key, weak))
            .map_err(|e| StoreError::Database(e.to_string()))?;
        Ok(SqliteStore {
            path: path.to_path_buf(),
            readers: Mutex::new(Vec::new()),
            jobs: tx,
            cache,
            audit_key,
            read_records,
            stats,
            _alive: alive,
        })
    }

    /// Runs `f` in a read transaction (one consistent snapshot) on a pooled
    /// connection. Reads are short indexed lookups, and WAL readers never
    /// wait for the writer, so they run inline.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let conn = match self.readers.lock().expect("reader pool lock").pop() {
            Some(c) => c,
            None => {
                let c = Connection::open_with_flags(
                    &self.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                configure(&c)?;
                c
            }
        };
        // BEGIN/COMMIT through the statement cache: rusqlite's Transaction
        // parses them anew on every read.
        let step = |sql: &str| conn.prepare_cached(sql).and_then(|mut s| s.execute([])).map_err(StoreError::from);
        let result = step("BEGIN").and_then(|_| {
            let r = f(&conn);
            let end = step("COMMIT");
            if end.is_err() && !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            r.and_then(|r| end.map(|_| r))
        });
        let mut pool = self.readers.lock().expect("reader pool lock");
        if pool.len() < MAX_IDLE_READERS {
            pool.push(conn);
        }
        result
    }

    /// Runs `f` on the writer's connection, committed (and durable) with
    /// its batch before the answer comes back.
    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.submit(Box::new(move |batch| answer(tx, f(batch.conn))))?;
        rx.await.map_err(|_| StoreError::Unavailable)?
    }

    fn submit(&self, job: Job) -> Result<(), StoreError> {
        self.jobs.send(job).map_err(|_| StoreError::Unavailable)
    }
}

impl SecretStore for SqliteStore {
    fn stats(&self) -> Option<&StoreStats> {
        Some(&self.stats)
    }

    async fn load(&self, ns: &Namespace, name: &SecretName) -> Result<Option<Arc<SecretState>>, StoreError> {
        let key = (ns.clone(), name.clone());
        let epoch = match self.cache.get(&key) {
            Ok(state) => return Ok(Some(state)),
            Err(epoch) => epoch,
        };
        let state = self.read(|c| rows::load(c, ns, name))?.map(Arc::new);
        if let Some(s) = &state {
            self.cache.offer(key, s.clone(), epoch);
        }
        Ok(state)
    }

    async fn read_value(&self, pk: i64, version: &VersionId) -> Result<Option<Arc<SealedValue>>, StoreError> {
        if let Some(v) = self.cache.value(pk, version) {
            return Ok(Some(v));
        }
        let value = self.read(|c| rows::read_value(c, pk, version))?.map(Arc::new);
        if let Some(v) = &value {
            self.cache.offer_value(pk, version.clone(), v.clone());
        }
        Ok(value)
    }

    async fn mutate<R: Send + 'static>(&self, m: Mutation<R>) -> Result<R, ApiError> {
        let (tx, rx) = oneshot::channel::<Result<R, ApiError>>();
        let key = self.audit_key.clone();
        self.submit(Box::new(move |batch| {
            let result = run_mutation(batch, m, key.get());
            answer(tx, result)
        }))?;
        rx.await.map_err(|_| ApiError::from(StoreError::Unavailable))?
    }

    async fn check_writable(&self) -> Result<(), StoreError> {
        self.write(|_| Ok(())).await
    }

    fn record_access(&self, secret: &SecretState, version: &VersionId, day: Timestamp) {
        let key = (secret.secret.arn.namespace.clone(), secret.secret.arn.name.clone());
        let pk = secret.secret.pk;
        let version = version.clone();
        let job: Job = Box::new(move |batch| {
            let r = rows::record_access(batch.conn, pk, &version, day);
            if let Err(e) = &r {
                tracing::warn!(error = %e, "could not record LastAccessedDate");
            } else {
                batch.publish(key, Published::Forget);
            }
            (r.map_err(|_| ()), Box::new(|_| {}))
        });
        if self.submit(job).is_err() {
            tracing::warn!("store writer unavailable; LastAccessedDate not recorded");
        }
    }

    async fn due_for_purge(&self, now: Timestamp, limit: usize) -> Result<Vec<(Namespace, SecretName)>, StoreError> {
        self.read(|c| rows::due_for_purge(c, now, limit))
    }

    async fn list(&self, query: ListQuery) -> Result<Vec<Arc<SecretState>>, StoreError> {
        Ok(self.read(|c| rows::list(c, &query))?.into_iter().map(Arc::new).collect())
    }
}

impl RotationStore for SqliteStore {
    async fn claim_rotation(
        &self,
        id: &JobId,
        owner: &LeaseOwner,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<Option<RotationJob>, StoreError> {
        let (id, owner) = (id.clone(), owner.clone());
        self.write(move |c| rows::claim_rotation(c, &id, &owner, now, until)).await
    }

    async fn renew_rotation(&self, id: &JobId, owner: &LeaseOwner, until: Timestamp) -> Result<bool, StoreError> {
        let (id, owner) = (id.clone(), owner.clone());
        self.write(move |c| rows::renew_rotation(c, &id, &owner, until)).await
    }

    async fn release_rotation(&self, id: &JobId, owner: &LeaseOwner) -> Result<(), StoreError> {
        let (id, owner) = (id.clone(), owner.clone());
        self.write(move |c| rows::release_rotations(c, Some(&id), &owner).map(|_| ())).await
    }

    async fn release_rotations_of(&self, owner: &LeaseOwner) -> Result<usize, StoreError> {
        let owner = owner.clone();
        self.write(move |c| rows::release_rotations(c, None, &owner)).await
    }

    async fn save_rotation(&self, job: RotationJob, owner: &LeaseOwner) -> Result<bool, StoreError> {
        let owner = owner.clone();
        self.write(move |c| rows::save_rotation(c, &job, &owner)).await
    }

    async fn rotation(&self, id: &JobId) -> Result<Option<RotationJob>, StoreError> {
        self.read(|c| rows::rotation(c, id))
    }

    async fn claimable_rotations(&self, now: Timestamp) -> Result<Vec<RotationJob>, StoreError> {
        self.read(|c| rows::claimable_rotations(c, now))
    }

    async fn rotation_history(&self, of: History, limit: usize) -> Result<Vec<RotationJob>, StoreError> {
        self.read(|c| rows::rotation_history(c, &of, limit))
    }

    async fn due_for_rotation(&self, now: Timestamp, limit: usize) -> Result<Vec<(Namespace, SecretName)>, StoreError> {
        self.read(|c| rows::due_for_rotation(c, now, limit))
    }

    async fn next_rotation_due(&self, after: Timestamp) -> Result<Option<Timestamp>, StoreError> {
        self.read(|c| rows::next_rotation_due(c, after))
    }
}

impl PrincipalStore for SqliteStore {
    async fn insert_account(&self, id: &AccountId, created: Timestamp) -> Result<bool, StoreError> {
        let id = id.clone();
        self.write(move |c| principals::insert_account(c, &id, created)).await
    }

    async fn accounts(&self) -> Result<Vec<(AccountId, Timestamp)>, StoreError> {
        self.read(principals::accounts)
    }

    async fn insert_user(&self, user: UserRecord, records: Vec<AuditEvent>) -> Result<bool, StoreError> {
        let key = self.audit_key.clone();
        self.write(move |c| recorded(c, key.get(), &records, principals::insert_user(c, &user)?)).await
    }

    async fn user(&self, account: &AccountId, name: &UserName) -> Result<Option<UserRecord>, StoreError> {
        self.read(|c| principals::user(c, account, name))
    }

    async fn users(&self, account: &AccountId) -> Result<Vec<UserRecord>, StoreError> {
        self.read(|c| principals::users(c, account))
    }

    async fn put_user_policy(
        &self,
        account: &AccountId,
        user: &UserName,
        policy: UserPolicy,
        records: Vec<AuditEvent>,
    ) -> Result<(), StoreError> {
        let (account, user, key) = (account.clone(), user.clone(), self.audit_key.clone());
        self.write(move |c| {
            principals::put_user_policy(c, &account, &user, &policy)?;
            recorded(c, key.get(), &records, true).map(|_| ())
        })
        .await
    }

    async fn delete_user_policy(
        &self,
        account: &AccountId,
        user: &UserName,
        name: &str,
        records: Vec<AuditEvent>,
    ) -> Result<bool, StoreError> {
        let (account, user, name, key) = (account.clone(), user.clone(), name.to_string(), self.audit_key.clone());
        self.write(move |c| {
            let deleted = principals::delete_user_policy(c, &account, &user, &name)?;
            recorded(c, key.get(), &records, deleted)
        })
        .await
    }

    async fn user_policies(&self, account: &AccountId, user: &UserName) -> Result<Vec<UserPolicy>, StoreError> {
        self.read(|c| principals::user_policies(c, account, user))
    }

    async fn load_access_key(&self, id: &str) -> Result<Option<AccessKeyRecord>, StoreError> {
        self.read(|c| principals::load_access_key(c, id))
    }

    async fn access_keys(
        &self,
        account: &AccountId,
        user: Option<&UserName>,
    ) -> Result<Vec<AccessKeyRecord>, StoreError> {
        self.read(|c| principals::access_keys(c, account, user))
    }

    async fn insert_access_key(&self, access_key: AccessKeyRecord, records: Vec<AuditEvent>) -> Result<(), StoreError> {
        let key = self.audit_key.clone();
        self.write(move |c| {
            principals::insert_access_key(c, &access_key)?;
            recorded(c, key.get(), &records, true).map(|_| ())
        })
        .await
    }

    async fn insert_first_access_key(&self, access_key: AccessKeyRecord) -> Result<bool, StoreError> {
        self.write(move |c| {
            if principals::count_access_keys(c)? > 0 {
                return Ok(false);
            }
            principals::insert_access_key(c, &access_key).map(|_| true)
        })
        .await
    }

    async fn delete_expired_access_keys(&self, now: Timestamp) -> Result<usize, StoreError> {
        self.write(move |c| principals::delete_expired_access_keys(c, now)).await
    }

    async fn delete_access_key(&self, id: &str, records: Vec<AuditEvent>) -> Result<bool, StoreError> {
        let (id, key) = (id.to_string(), self.audit_key.clone());
        self.write(move |c| recorded(c, key.get(), &records, principals::delete_access_key(c, &id)?)).await
    }

    async fn count_access_keys(&self) -> Result<usize, StoreError> {
        self.read(principals::count_access_keys)
    }
}

/// Appends a principal change's `records` in its transaction when it
/// `changed` something; passes `changed` on.
fn recorded(
    conn: &Connection,
    key: Option<&crate::audit::AuditKey>,
    records: &[AuditEvent],
    changed: bool,
) -> Result<bool, StoreError> {
    if changed {
        audit::append(conn, key, records)?;
    }
    Ok(changed)
}

impl Keyring for SqliteStore {
    async fn load_kek(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(|c| rows::load_kek(c, id))
    }

    async fn insert_kek(
        &self,
        id: &str,
        wrapped: Vec<u8>,
        family: &str,
        max: usize,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let (id, family) = (id.to_string(), family.to_string());
        self.write(move |c| rows::insert_kek(c, &id, &wrapped, &family, max)).await
    }

    async fn reseal_all(&self, mut reseal: crate::Reseal) -> Result<usize, StoreError> {
        self.write(move |c| rows::reseal_all(c, &mut reseal)).await
    }
}
