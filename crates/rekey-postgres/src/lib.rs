//! rekey's shared store: every `rekey-store` capability on PostgreSQL, so
//! that several rekey nodes serve one deployment (`rekey serve --store
//! postgres://…`).
//!
//! What makes several nodes safe:
//! - **Changes to a secret** run as read-decide-write transactions under
//!   a transaction-scoped advisory lock on the secret's name (the name,
//!   not the row: a secret being created has no row yet), so two nodes
//!   never decide on the same state; a transaction that fails to commit
//!   for a serialization failure or a deadlock is tried again, and its
//!   decision is reused only when the state it was made on is unchanged
//!   (see `secrets`).
//! - **The audit chain** has one head row that each append locks last,
//!   just before its commit: records are numbered in commit order across
//!   nodes, in the transaction of the change they tell of; a node's
//!   transactions queue for it in the node, so that PostgreSQL does not
//!   wake them all at each commit (see `audit`).
//! - **Rotation jobs** are claimed with a conditional update of their
//!   lease that skips rows another node is claiming (`FOR UPDATE SKIP
//!   LOCKED`): one runner at a time, and a dead node's jobs are taken
//!   over once their leases expire (see `rotations`).
//! - **Each node's cache** of secret states and sealed values forgets
//!   what the others change when PostgreSQL tells it (`LISTEN/NOTIFY`, sent
//!   in the committing transaction); while that connection is down the
//!   cache is not used at all (see `notify` for the staleness window).
//!   Principal changes are told the same way, so that a key deleted or a
//!   policy narrowed through one node is refused by the others at once.
//! - **Shared chores**: an audit sink is delivered by one node at a time
//!   (a hold in the store); a master-key rotation is one row that every
//!   node serving (`presence`) moves along (`rekey_store::master_rotation`);
//!   a URL may list several hosts, and the nodes follow the primary
//!   (`failover`).

#![warn(missing_docs)]

mod audit;
mod clock;
pub mod failover;
mod function_logs;
pub mod import;
mod keyring;
mod locks;
mod notify;
mod presence;
mod principals;
mod rotations;
mod schema;
mod secrets;
mod snapshot;
mod tables;

use rekey_store::StoreError;
use rekey_store::audit::AuditKey;
use rekey_store::cache::StateCache;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

pub use schema::VERSION as SCHEMA_VERSION;

/// Connections a node keeps to the database, at most, unless its URL says
/// otherwise (`pool_max_conns`).
const MAX_CONNECTIONS: u32 = 16;

/// The pool's size a store URL asks for: `pool_max_conns=N` (the name pgx
/// gives it), or [`MAX_CONNECTIONS`]. A node needs one connection more, to
/// listen to the others.
pub fn pool_max_conns(url: &str) -> Result<u32, StoreError> {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    match query.split('&').find_map(|p| p.strip_prefix("pool_max_conns=")) {
        None => Ok(MAX_CONNECTIONS),
        Some(n) => match n.parse::<u32>() {
            Ok(n @ 2..=1000) => Ok(n),
            _ => Err(StoreError::Database("pool_max_conns takes a number of connections from 2 to 1000".into())),
        },
    }
}

/// The PostgreSQL store of one node. Cheap to share behind an `Arc`.
pub struct PgStore {
    pool: PgPool,
    /// Committed states and sealed values (see [`notify`]).
    cache: Arc<StateCache>,
    /// Whether this node hears the others' commits: the cache is used only then.
    listening: Arc<AtomicBool>,
    /// Tells the other nodes what changed (see [`notify`]).
    notifier: notify::Notifier,
    /// Moves when another node changed a principal (or notices were lost).
    principals: Arc<AtomicU64>,
    /// The audit chain's key, once the seal is open.
    audit_key: Arc<OnceLock<AuditKey>>,
    /// Records of reads waiting to be appended.
    reads: Arc<audit::ReadRecords>,
    /// Where this node's transactions wait for the audit chain's head.
    head: Arc<audit::HeadQueue>,
    /// The deployment's advisory locks.
    locks: locks::Locks,
    /// The background tasks (notifications, the reads' batcher): stopped
    /// when the store is dropped.
    tasks: Vec<tokio::task::AbortHandle>,
}

impl Drop for PgStore {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
        // The batcher is not aborted: it appends what waits, then stops.
        self.reads.close();
    }
}

/// `sqlx`'s errors as the store's. A message never holds a value bound to
/// a query (values are sealed anyway), only PostgreSQL's words.
pub(crate) trait Db<T> {
    fn db(self) -> Result<T, StoreError>;
}

impl<T> Db<T> for Result<T, sqlx::Error> {
    fn db(self) -> Result<T, StoreError> {
        self.map_err(|e| {
            // PostgreSQL's serialization failure and deadlock victim: rolled
            // back, to be tried again.
            match e.as_database_error().and_then(|d| d.code()).as_deref() {
                Some("40001" | "40P01") => StoreError::Conflict(e.to_string()),
                _ => StoreError::Database(e.to_string()),
            }
        })
    }
}

/// Begins a transaction (a plain `BEGIN`, or `statement`) on a task of
/// its own.
///
/// sqlx counts a transaction only once its BEGIN has answered. A caller
/// dropped while the BEGIN is in flight (a client gone while its change
/// waits for the name's lock, which rides on the BEGIN) would hand the
/// connection back to the pool inside a transaction no one ends: holding
/// that lock, with the next user's statements running in it, uncommitted.
/// On its own task the BEGIN completes, and a transaction no one takes is
/// rolled back when it is dropped.
pub(crate) async fn begin(
    pool: &PgPool,
    statement: Option<String>,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
    let pool = pool.clone();
    tokio::spawn(async move {
        match statement {
            Some(s) => pool.begin_with(sqlx::AssertSqlSafe(s)).await,
            None => pool.begin().await,
        }
    })
    .await
    .map_err(|e| StoreError::Database(e.to_string()))?
    .db()
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://…`), migrates its
    /// schema and starts listening for the other nodes' changes.
    ///
    /// A URL may name several hosts (`postgres://u@db1,db2/rekey`): the
    /// store connects to the one that accepts writes, and follows the
    /// primary when it changes (see [`failover`]).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let hosts = failover::Hosts::parse(url)?;
        let connections = pool_max_conns(url)?;
        if hosts.0.len() == 1 {
            return Self::connect_pooled(hosts.0[0].clone(), connections).await;
        }
        let primary = hosts.wait_for_primary(Duration::from_secs(30)).await?;
        let mut store = Self::connect_pooled(hosts.0[primary].clone(), connections).await?;
        store.tasks.push(tokio::spawn(failover::watch(store.pool.clone(), hosts, primary)).abort_handle());
        Ok(store)
    }

    /// Like [`connect`](Self::connect), with options built by the caller.
    pub async fn connect_with(options: PgConnectOptions) -> Result<Self, StoreError> {
        Self::connect_pooled(options, MAX_CONNECTIONS).await
    }

    /// Like [`connect_with`](Self::connect_with), with a pool of
    /// `connections` at most.
    async fn connect_pooled(options: PgConnectOptions, connections: u32) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .db()?;
        let schema: String = sqlx::query_scalar("SELECT current_schema()").fetch_one(&pool).await.db()?;
        let locks = locks::Locks::of_schema(&schema);
        schema::migrate(&pool, locks).await?;
        let channel: Arc<str> = notify::channel(&schema).into();
        let cache = Arc::new(StateCache::new());
        let listening = Arc::new(AtomicBool::new(false));
        let instance: Arc<str> = uuid::Uuid::new_v4().simple().to_string().into();
        let reads = Arc::new(audit::ReadRecords::default());
        let audit_key: Arc<OnceLock<AuditKey>> = Arc::default();
        let mut tasks = Vec::new();
        let principals = Arc::new(AtomicU64::new(0));
        let listener = notify::Listener::start(
            &pool,
            &channel,
            cache.clone(),
            listening.clone(),
            instance.clone(),
            principals.clone(),
        )
        .await?;
        tasks.push(tokio::spawn(listener.run()).abort_handle());
        let head = Arc::new(audit::HeadQueue::default());
        tokio::spawn(audit::batch_reads(pool.clone(), reads.clone(), head.clone(), audit_key.clone()));
        tasks.push(tokio::spawn(presence::beat(pool.clone(), instance.clone())).abort_handle());
        let notifier = notify::Notifier { channel, instance };
        Ok(PgStore { pool, cache, listening, notifier, principals, audit_key, reads, head, locks, tasks })
    }

    /// The pool (for tests and `rekey admin migrate`).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}
