//! The embedded SQLite backend: one file in WAL mode with
//! `synchronous=FULL` (an acknowledged write survives power loss), reads on
//! a small pool of connections, writes through one group-committing writer.

mod rows;
mod schema;
mod writer;

use crate::{Change, Mutation, MutationInput, Store, StoreError};
use rekey_model::name::{Namespace, SecretName};
use rekey_model::secret::{SealedValue, SecretState};
use rekey_model::staging::VersionId;
use rekey_model::{ApiError, Timestamp};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, mpsc};
use tokio::sync::oneshot;
use writer::Job;

/// Idle reader connections kept open.
const MAX_IDLE_READERS: usize = 16;

/// The SQLite store. Cheap to share behind an `Arc`.
pub struct SqliteStore {
    path: PathBuf,
    readers: Mutex<Vec<Connection>>,
    jobs: mpsc::Sender<Job>,
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(())
}

impl SqliteStore {
    /// The database file inside a data directory.
    pub fn file_in(data_dir: &Path) -> PathBuf {
        data_dir.join("rekey.db")
    }

    /// Opens (creating if needed) the database at `path` and migrates it.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        configure(&conn)?;
        schema::migrate(&mut conn)?;
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("rekey-sqlite-writer".into())
            .spawn(move || writer::run(conn, rx))
            .map_err(|e| StoreError::Database(e.to_string()))?;
        Ok(SqliteStore {
            path: path.to_path_buf(),
            readers: Mutex::new(Vec::new()),
            jobs: tx,
        })
    }

    /// Runs `f` on a reader connection. Reads are short indexed lookups,
    /// and WAL readers never wait for the writer, so they run inline.
    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
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
        let result = f(&conn);
        let mut pool = self.readers.lock().expect("reader pool lock");
        if pool.len() < MAX_IDLE_READERS {
            pool.push(conn);
        }
        result
    }

    fn submit(&self, job: Job) -> Result<(), StoreError> {
        self.jobs.send(job).map_err(|_| StoreError::Unavailable)
    }

    /// Runs `f` in the writer's transaction and waits for the commit.
    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.submit(Box::new(move |conn| {
            let result = f(conn);
            let ok = if result.is_ok() { Ok(()) } else { Err(()) };
            let completion: writer::Completion = Box::new(move |commit| {
                let _ = tx.send(
                    commit
                        .map_err(|e| StoreError::Database(e.to_string()))
                        .and(result),
                );
            });
            (ok, completion)
        }))?;
        rx.await.map_err(|_| StoreError::Unavailable)?
    }
}

impl Store for SqliteStore {
    async fn load(
        &self,
        ns: &Namespace,
        name: &SecretName,
    ) -> Result<Option<SecretState>, StoreError> {
        self.read(|c| rows::load(c, ns, name))
    }

    async fn read_value(
        &self,
        pk: i64,
        version: &VersionId,
    ) -> Result<Option<SealedValue>, StoreError> {
        self.read(|c| rows::read_value(c, pk, version))
    }

    async fn mutate<R: Send + 'static>(&self, m: Mutation<R>) -> Result<R, ApiError> {
        let (tx, rx) = oneshot::channel::<Result<R, ApiError>>();
        self.submit(Box::new(move |conn| {
            let result = (|| -> Result<R, ApiError> {
                let state = rows::load(conn, &m.namespace, &m.name)?;
                let preloaded = match (&state, &m.preload_value) {
                    (Some(s), Some(v)) => rows::read_value(conn, s.secret.pk, v)?,
                    _ => None,
                };
                let (change, r) = (m.decide)(MutationInput { state, preloaded })?;
                if change != Change::None {
                    rows::apply(conn, &change)?;
                }
                Ok(r)
            })();
            let ok = if result.is_ok() { Ok(()) } else { Err(()) };
            let completion: writer::Completion = Box::new(move |commit| {
                let answer = match commit {
                    Ok(()) => result,
                    Err(e) => Err(ApiError::from(StoreError::Database(e.to_string()))),
                };
                let _ = tx.send(answer);
            });
            (ok, completion)
        }))?;
        rx.await
            .map_err(|_| ApiError::from(StoreError::Unavailable))?
    }

    fn record_access(&self, pk: i64, version: &VersionId, day: Timestamp) {
        let version = version.clone();
        let job: Job = Box::new(move |conn| {
            let r = rows::record_access(conn, pk, &version, day);
            if let Err(e) = &r {
                tracing::warn!(error = %e, "could not record LastAccessedDate");
            }
            (r.map_err(|_| ()), Box::new(|_| {}))
        });
        if self.submit(job).is_err() {
            tracing::warn!("store writer unavailable; LastAccessedDate not recorded");
        }
    }

    async fn due_for_purge(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<(Namespace, SecretName)>, StoreError> {
        self.read(|c| rows::due_for_purge(c, now, limit))
    }

    async fn load_kek(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(|c| rows::load_kek(c, id))
    }

    async fn insert_kek(&self, id: &str, wrapped: Vec<u8>) -> Result<Vec<u8>, StoreError> {
        let id = id.to_string();
        self.write(move |c| rows::insert_kek(c, &id, &wrapped))
            .await
    }
}
