//! The audit trail on PostgreSQL: the same rows as SQLite's (one record as
//! JSON, or a batch of reads packed by `rekey_store::read_batch`; see
//! `rekey_store::audit_rows`), one chain for the whole deployment.
//!
//! Every append locks the chain's head row (`audit_head`: the last number
//! and MAC) as the last step of its transaction, numbers its records after
//! it and moves it: appends from all nodes are numbered in commit order,
//! and a change's records commit with it. The lock is held from the
//! append to the commit, so appends are serialized at about one commit's
//! time each (two round trips and the commit: the head's read, then one
//! statement for the rows and the head's move; see [`HeadQueue`]); reads'
//! records are batched (one append per node every 50 ms) so that they do
//! not take that lock per read.
//!
//! A lookup on a node sees every record appended before it through that
//! node (it first appends the reads' records this node holds), and reads'
//! records held by other nodes once their next batch commits (50 ms).

use crate::locks::Locks;
use crate::{Db, PgStore};
use rekey_model::Timestamp;
use rekey_model::audit::{AuditEvent, CallRecord};
use rekey_model::name::AccountId;
use rekey_store::audit::{AuditKey, AuditPage, AuditQuery, AuditStore, AuditVerdict, PRUNE_BATCH};
use rekey_store::audit_rows::{
    Anchor, BATCH_MAX, Columns, OldRow, Page, Row, SKEW_MS, Step, Walk, batch_keys, batch_records, delivered, prunable,
    query_keys, single_record,
};
use rekey_store::{StoreError, read_batch};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Row as _};
use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

fn no_key() -> StoreError {
    StoreError::Database("the audit trail has no key yet".into())
}

/// The columns [`Columns`] names, in its order.
macro_rules! columns {
    () => {
        "time_ms, time_last_ms, account, event_name, secret_name, principal, access_key, read_only, batch"
    };
}

fn read_columns(row: &PgRow, from: usize) -> Result<Columns, StoreError> {
    Ok(Columns {
        time_ms: row.try_get(from).db()?,
        time_last_ms: row.try_get(from + 1).db()?,
        account: row.try_get(from + 2).db()?,
        event_name: row.try_get(from + 3).db()?,
        secret_name: row.try_get(from + 4).db()?,
        principal: row.try_get(from + 5).db()?,
        access_key: row.try_get(from + 6).db()?,
        read_only: row.try_get(from + 7).db()?,
        batch: row.try_get(from + 8).db()?,
    })
}

/// Takes the chain's head (locked until the transaction ends).
async fn head(conn: &mut PgConnection) -> Result<(i64, Vec<u8>), StoreError> {
    sqlx::query_as("SELECT seq, mac FROM audit_head WHERE id = 1 FOR UPDATE").fetch_one(conn).await.db()
}

/// Rows to append after the head, column by column (each statement binds
/// arrays: one round trip, however many rows).
#[derive(Default)]
struct NewRows {
    seq: Vec<i64>,
    time_ms: Vec<i64>,
    time_last_ms: Vec<Option<i64>>,
    account: Vec<String>,
    event_name: Vec<String>,
    secret_name: Vec<Option<String>>,
    principal: Vec<Option<String>>,
    access_key: Vec<Option<String>>,
    read_only: Vec<bool>,
    batch: Vec<Option<i64>>,
    record: Vec<Vec<u8>>,
    mac: Vec<Vec<u8>>,
}

impl NewRows {
    /// Chains `record` after the last row (or the head `(seq, mac)` for the
    /// first) and adds it; its number.
    fn link(&mut self, key: &AuditKey, head: &(i64, Vec<u8>), c: Columns, record: Vec<u8>) -> i64 {
        let (previous_seq, previous) = match (self.seq.last(), self.mac.last()) {
            (Some(&seq), Some(mac)) => (seq, mac.as_slice()),
            _ => (head.0, head.1.as_slice()),
        };
        let seq = previous_seq + 1;
        let mac = key.mac(previous, seq, &record).to_vec();
        self.seq.push(seq);
        self.time_ms.push(c.time_ms);
        self.time_last_ms.push(c.time_last_ms);
        self.account.push(c.account);
        self.event_name.push(c.event_name);
        self.secret_name.push(c.secret_name);
        self.principal.push(c.principal);
        self.access_key.push(c.access_key);
        self.read_only.push(c.read_only);
        self.batch.push(c.batch);
        self.record.push(record);
        self.mac.push(mac);
        seq
    }

    /// Inserts the rows and moves the head to the last, in one statement.
    async fn insert(self, conn: &mut PgConnection) -> Result<(), StoreError> {
        let (Some(&last), Some(last_mac)) = (self.seq.last(), self.mac.last().cloned()) else {
            return Ok(());
        };
        sqlx::query(concat!(
            "WITH added AS (INSERT INTO audit (seq, ",
            columns!(),
            ", record, mac)
             SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[],
                                  $7::text[], $8::text[], $9::boolean[], $10::bigint[], $11::bytea[], $12::bytea[]))
             UPDATE audit_head SET seq = $13, mac = $14 WHERE id = 1"
        ))
        .bind(self.seq)
        .bind(self.time_ms)
        .bind(self.time_last_ms)
        .bind(self.account)
        .bind(self.event_name)
        .bind(self.secret_name)
        .bind(self.principal)
        .bind(self.access_key)
        .bind(self.read_only)
        .bind(self.batch)
        .bind(self.record)
        .bind(self.mac)
        .bind(last)
        .bind(last_mac)
        .execute(conn)
        .await
        .db()?;
        Ok(())
    }
}

/// This node's queue for the chain's head.
///
/// The head's row lock is held from an append to its transaction's
/// commit. Were every transaction of a node to wait for it in PostgreSQL,
/// each commit would wake them all to find the row moved and wait again,
/// which costs PostgreSQL more CPU than the appends themselves. So a node
/// lets one of its transactions at a time go for the head, and the others
/// wait here: in PostgreSQL, only one transaction per node waits.
#[derive(Default)]
pub struct HeadQueue(tokio::sync::Mutex<()>);

impl HeadQueue {
    /// Appends `events` after the chain's head in `tx` (after everything
    /// else the transaction writes, so that the head is held only for the
    /// append and the commit) and commits.
    pub async fn commit_with(
        &self,
        mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
        key: Option<&AuditKey>,
        events: &[AuditEvent],
    ) -> Result<(), StoreError> {
        if events.is_empty() {
            return tx.commit().await.db();
        }
        let key = key.ok_or_else(no_key)?;
        let _turn = self.0.lock().await;
        let head = head(&mut tx).await?;
        let mut rows = NewRows::default();
        for event in events {
            let record = serde_json::to_vec(event).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            rows.link(key, &head, Columns::of_record(event), record);
        }
        rows.insert(&mut tx).await?;
        tx.commit().await.db()
    }

    /// Appends reads' records as batch rows (one account's each) in `tx`,
    /// and commits.
    async fn commit_reads(
        &self,
        mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
        key: Option<&AuditKey>,
        records: &[CallRecord],
    ) -> Result<(), StoreError> {
        if records.is_empty() {
            return tx.commit().await.db();
        }
        let key = key.ok_or_else(no_key)?;
        let mut by_account: BTreeMap<AccountId, Vec<&CallRecord>> = BTreeMap::new();
        for r in records {
            by_account.entry(r.account.clone()).or_default().push(r);
        }
        let _turn = self.0.lock().await;
        let head = head(&mut tx).await?;
        let mut rows = NewRows::default();
        let (mut key_accounts, mut keys, mut key_seqs) = (Vec::new(), Vec::new(), Vec::new());
        for (account, records) in by_account {
            for chunk in records.chunks(BATCH_MAX) {
                let columns = Columns::of_batch(account.as_str(), chunk);
                let seq = rows.link(key, &head, columns, read_batch::pack(&account, chunk));
                for k in batch_keys(chunk) {
                    key_accounts.push(account.as_str().to_string());
                    keys.push(k);
                    key_seqs.push(seq);
                }
            }
        }
        rows.insert(&mut tx).await?;
        sqlx::query(
            "INSERT INTO audit_batch_keys (account, key, seq)
             SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) ON CONFLICT DO NOTHING",
        )
        .bind(key_accounts)
        .bind(keys)
        .bind(key_seqs)
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()
    }
}

/// How long reads' records wait to be appended, at most.
const FLUSH_EVERY: Duration = Duration::from_millis(50);
/// Records that make the batcher append at once.
const FLUSH_RECORDS: usize = 4096;
/// Records waiting (queued or being appended), at most: past this, a read
/// appends its record itself and waits.
const WAITING_MAX: usize = 65_536;

/// Reads' records waiting to be appended.
#[derive(Default)]
pub struct ReadRecords {
    queue: Mutex<Vec<CallRecord>>,
    waiting: AtomicUsize,
    wake: tokio::sync::Notify,
    /// Held while records taken from the queue are appended: a lookup
    /// that takes it knows every earlier flush committed.
    flushing: tokio::sync::Mutex<()>,
    closed: AtomicBool,
}

impl ReadRecords {
    /// The store is going: the batcher appends what is left and stops.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// Appends what is queued, and waits for it.
    async fn flush(&self, pool: &PgPool, head: &HeadQueue, key: Option<&AuditKey>) -> Result<(), StoreError> {
        let _flushing = self.flushing.lock().await;
        let records = std::mem::take(&mut *self.queue.lock().expect("audit queue lock"));
        if records.is_empty() {
            return Ok(());
        }
        let result = async { head.commit_reads(crate::begin(pool, None).await?, key, &records).await }.await;
        self.waiting.fetch_sub(records.len(), Ordering::Relaxed);
        if let Err(e) = &result {
            tracing::error!(error = %e, records = records.len(), "audit records of reads could not be appended");
        }
        result
    }
}

/// The batcher: appends the queued records every [`FLUSH_EVERY`] (sooner
/// when [`FLUSH_RECORDS`] wait), and what is left when the store closes.
pub async fn batch_reads(pool: PgPool, reads: Arc<ReadRecords>, head: Arc<HeadQueue>, key: Arc<OnceLock<AuditKey>>) {
    loop {
        let closed = reads.closed.load(Ordering::SeqCst);
        if !closed {
            let _ = tokio::time::timeout(FLUSH_EVERY, reads.wake.notified()).await;
        }
        let _ = reads.flush(&pool, &head, key.get()).await;
        if closed {
            return;
        }
    }
}

/// A query argument.
enum Arg {
    Text(String),
    Int(i64),
    Bool(bool),
}

/// A query built clause by clause, numbering its arguments.
struct Query {
    sql: String,
    args: Vec<Arg>,
}

impl Query {
    fn new(sql: &str) -> Self {
        Query { sql: sql.to_string(), args: Vec::new() }
    }

    /// The next argument's placeholder (`$n`).
    fn arg(&mut self, a: Arg) -> String {
        self.args.push(a);
        format!("${}", self.args.len())
    }

    /// Appends `clause`, its `{}` standing for `a`'s placeholder.
    fn and(&mut self, clause: &str, a: Arg) {
        let p = self.arg(a);
        self.sql.push_str(&clause.replace("{}", &p));
    }

    async fn fetch(self, pool: &PgPool) -> Result<Vec<PgRow>, StoreError> {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(self.sql));
        for a in self.args {
            q = match a {
                Arg::Text(t) => q.bind(t),
                Arg::Int(i) => q.bind(i),
                Arg::Bool(b) => q.bind(b),
            };
        }
        q.fetch_all(pool).await.db()
    }
}

/// The number of the first record whose time is at or after `ms`, by
/// bisection over numbers (times rise with numbers, within `SKEW_MS`).
async fn first_at_or_after(pool: &PgPool, ms: i64) -> Result<Option<i64>, StoreError> {
    let record_at = async |seq: i64| -> Result<Option<(i64, i64)>, StoreError> {
        sqlx::query_as("SELECT seq, time_ms FROM audit WHERE seq >= $1 ORDER BY seq LIMIT 1")
            .bind(seq)
            .fetch_optional(pool)
            .await
            .db()
    };
    let Some((mut lo, _)) = record_at(i64::MIN).await? else { return Ok(None) };
    let hi: Option<i64> = sqlx::query_scalar("SELECT max(seq) FROM audit").fetch_one(pool).await.db()?;
    let mut hi = hi.unwrap_or(lo);
    if record_at(hi).await?.is_none_or(|(_, time)| time < ms) {
        return Ok(None);
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match record_at(mid).await? {
            Some((seq, time)) if time < ms => lo = seq + 1,
            _ => hi = mid,
        }
    }
    Ok(record_at(lo).await?.map(|(seq, _)| seq))
}

/// The newest `limit` single records that pass `q`, newest first, the
/// principal matched in column `principal_in`.
async fn single_rows(
    pool: &PgPool,
    q: &AuditQuery,
    principal_in: Option<&str>,
    (from, until): (Option<i64>, Option<i64>),
    limit: usize,
) -> Result<Vec<(i64, AuditEvent)>, StoreError> {
    let mut query = Query::new("SELECT seq, record FROM audit WHERE batch IS NULL");
    query.and(" AND account = {}", Arg::Text(q.account.to_string()));
    if let Some(e) = &q.event_name {
        query.and(" AND event_name = {}", Arg::Text(e.clone()));
    }
    if let Some(s) = &q.secret_name {
        query.and(" AND secret_name = {}", Arg::Text(rekey_model::audit::secret_name(s)));
    }
    if let (Some(p), Some(column)) = (&q.principal, principal_in) {
        query.and(&format!(" AND {column} = {{}}"), Arg::Text(p.clone()));
    }
    if let Some(r) = q.read_only {
        query.and(" AND read_only = {}", Arg::Bool(r));
    }
    if let Some(t) = q.start {
        query.and(" AND time_ms >= {}", Arg::Int(t.millis()));
    }
    if let Some(t) = q.end {
        query.and(" AND time_ms < {}", Arg::Int(t.millis()));
    }
    if let Some(seq) = from {
        query.and(" AND seq >= {}", Arg::Int(seq));
    }
    if let Some(seq) = until {
        query.and(" AND seq < {}", Arg::Int(seq));
    }
    if let Some(after) = q.after {
        query.and(" AND seq < {}", Arg::Int(after.seq));
    }
    query.sql.push_str(&format!(" ORDER BY seq DESC LIMIT {limit}"));
    let mut events = Vec::new();
    for row in query.fetch(pool).await? {
        let (seq, record): (i64, Vec<u8>) = (row.try_get(0).db()?, row.try_get(1).db()?);
        let event = single_record(seq, &record)?;
        // The account inside the MAC'd record, not the column alone.
        if event.recipient_account_id == q.account.as_str() {
            events.push((seq, event));
        }
    }
    Ok(events)
}

/// Batch rows that may hold a record passing `q`, numbered below
/// `below`, newest first, `page` at most.
async fn batch_rows(
    pool: &PgPool,
    q: &AuditQuery,
    (from, until): (Option<i64>, Option<i64>),
    below: Option<i64>,
    page: usize,
) -> Result<Vec<(i64, Vec<u8>)>, StoreError> {
    let keys = query_keys(q);
    let mut query = Query::new("SELECT a.seq, a.record FROM audit a WHERE a.batch IS NOT NULL");
    let account = query.arg(Arg::Text(q.account.to_string()));
    query.sql.push_str(&format!(" AND a.account = {account}"));
    for k in keys {
        let k = query.arg(Arg::Text(k));
        query.sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM audit_batch_keys x WHERE x.account = {account} AND x.key = {k} AND x.seq = a.seq)"
        ));
    }
    if let Some(t) = q.start {
        query.and(" AND a.time_last_ms >= {}", Arg::Int(t.millis()));
    }
    if let Some(t) = q.end {
        query.and(" AND a.time_ms < {}", Arg::Int(t.millis()));
    }
    if let Some(from) = from {
        query.and(" AND a.seq >= {}", Arg::Int(from));
    }
    if let Some(until) = until {
        query.and(" AND a.seq < {}", Arg::Int(until));
    }
    if let Some(after) = q.after {
        query.and(" AND a.seq <= {}", Arg::Int(after.seq));
    }
    if let Some(below) = below {
        query.and(" AND a.seq < {}", Arg::Int(below));
    }
    query.sql.push_str(&format!(" ORDER BY a.seq DESC LIMIT {page}"));
    query
        .fetch(pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get::<i64, _>(0).db()?, r.try_get::<Vec<u8>, _>(1).db()?)))
        .collect()
}

async fn lookup(pool: &PgPool, q: &AuditQuery) -> Result<AuditPage, StoreError> {
    let limit = q.max_results.max(1);
    // A time bound is also a bound on numbers (records are numbered nearly
    // in time order), found by bisection and widened by SKEW.
    let from = match q.start {
        Some(t) => first_at_or_after(pool, t.millis() - SKEW_MS).await?,
        None => None,
    };
    let until = match q.end {
        Some(t) => first_at_or_after(pool, t.millis() + SKEW_MS).await?,
        None => None,
    };
    let bounds = (from, until);
    let singles = match &q.principal {
        // By its ARN or its access key: each column's index, merged.
        Some(_) => {
            let mut rows = single_rows(pool, q, Some("principal"), bounds, limit + 1).await?;
            rows.extend(single_rows(pool, q, Some("access_key"), bounds, limit + 1).await?);
            rows.sort_by_key(|r| std::cmp::Reverse(r.0));
            rows.dedup_by_key(|r| r.0);
            rows.truncate(limit + 1);
            rows
        }
        None => single_rows(pool, q, None, bounds, limit + 1).await?,
    };
    // Batch rows a page of rows at a time, newest first, as the page needs them.
    const PAGE: usize = 32;
    let mut page = Page::new(q, singles);
    let (mut batches_left, mut below) = (q.read_only != Some(false), None);
    let mut rows: std::vec::IntoIter<(i64, Vec<u8>)> = Vec::new().into_iter();
    loop {
        match page.step(batches_left) {
            Step::NeedBatch => {
                if rows.len() == 0 {
                    let fetched = batch_rows(pool, q, bounds, below, PAGE).await?;
                    below = fetched.last().map(|r| r.0);
                    rows = fetched.into_iter();
                }
                match rows.next() {
                    Some((seq, content)) => page.add_batch(seq, &content)?,
                    None => batches_left = false,
                }
            }
            Step::Took => {}
            Step::Done => return Ok(page.finish()),
        }
    }
}

async fn anchor(conn: impl sqlx::PgExecutor<'_>) -> Result<Option<Anchor>, StoreError> {
    let row: Option<(i64, Vec<u8>, Vec<u8>)> =
        sqlx::query_as("SELECT seq, mac, anchor_mac FROM audit_anchor WHERE id = 1").fetch_optional(conn).await.db()?;
    Ok(row.map(|(seq, mac, anchor_mac)| Anchor { seq, mac, anchor_mac }))
}

async fn verify(pool: &PgPool, key: &AuditKey) -> Result<AuditVerdict, StoreError> {
    // One snapshot for the whole walk.
    let mut tx = crate::begin(pool, None).await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute(&mut *tx).await.db()?;
    let mut walk = match Walk::start(key, anchor(&mut *tx).await?) {
        Ok(walk) => walk,
        Err(verdict) => return Ok(verdict),
    };
    let mut after = i64::MIN;
    loop {
        let rows = sqlx::query(concat!(
            "SELECT seq, record, mac, ",
            columns!(),
            " FROM audit WHERE seq > $1 ORDER BY seq LIMIT 1000"
        ))
        .bind(after)
        .fetch_all(&mut *tx)
        .await
        .db()?;
        let Some(last) = rows.last() else { break };
        after = last.try_get(0).db()?;
        for row in rows {
            let seq: i64 = row.try_get(0).db()?;
            let columns = read_columns(&row, 3)?;
            let listed = match columns.batch {
                Some(_) => {
                    let keys: Vec<String> =
                        sqlx::query_scalar("SELECT key FROM audit_batch_keys WHERE seq = $1 AND account = $2")
                            .bind(seq)
                            .bind(batch_account(seq, &row)?)
                            .fetch_all(&mut *tx)
                            .await
                            .db()?;
                    keys.into_iter().collect()
                }
                None => HashSet::new(),
            };
            let row = Row { seq, content: row.try_get(1).db()?, mac: row.try_get(2).db()?, columns };
            if let Some(verdict) = walk.verify(row, |_| Ok(listed))? {
                return Ok(verdict);
            }
        }
    }
    Ok(AuditVerdict::Intact { records: walk.records })
}

/// The account a batch row's records belong to (by its content; the
/// column if they cannot be read, and the walk then names the row).
fn batch_account(seq: i64, row: &PgRow) -> Result<String, StoreError> {
    let content: Vec<u8> = row.try_get(1).db()?;
    Ok(match batch_records(seq, &content).ok().and_then(|r| r.first().map(|r| r.account.to_string())) {
        Some(account) => account,
        None => row.try_get(5).db()?,
    })
}

async fn prune(
    pool: &PgPool,
    locks: Locks,
    key: &AuditKey,
    before: Timestamp,
    keep_from: Option<i64>,
) -> Result<usize, StoreError> {
    let mut tx = crate::begin(pool, None).await?;
    // One pruner at a time across nodes.
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(locks.audit_prune()).execute(&mut *tx).await.db()?;
    let oldest: Vec<OldRow> = sqlx::query_as("SELECT seq, record, mac, batch FROM audit ORDER BY seq LIMIT $1")
        .bind(PRUNE_BATCH as i64)
        .fetch_all(&mut *tx)
        .await
        .db()?;
    let Some((seq, mac, dropped)) = prunable(key, anchor(&mut *tx).await?, oldest, before.millis(), keep_from)? else {
        return Ok(0);
    };
    sqlx::query("DELETE FROM audit WHERE seq <= $1").bind(seq).execute(&mut *tx).await.db()?;
    sqlx::query("DELETE FROM audit_batch_keys WHERE seq <= $1").bind(seq).execute(&mut *tx).await.db()?;
    sqlx::query(
        "INSERT INTO audit_anchor (id, seq, mac, anchor_mac) VALUES (1, $1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, mac = excluded.mac, anchor_mac = excluded.anchor_mac",
    )
    .bind(seq)
    .bind(&mac)
    .bind(key.anchor_mac(seq, &mac).as_slice())
    .execute(&mut *tx)
    .await
    .db()?;
    tx.commit().await.db()?;
    Ok(dropped)
}

impl AuditStore for PgStore {
    fn set_audit_key(&self, key: AuditKey) {
        let _ = self.audit_key.set(key);
    }

    async fn append_audit(&self, events: Vec<AuditEvent>) -> Result<(), StoreError> {
        self.head.commit_with(crate::begin(&self.pool, None).await?, self.audit_key.get(), &events).await
    }

    fn append_read(&self, record: CallRecord) -> Result<(), Box<CallRecord>> {
        let waiting = &self.reads.waiting;
        if waiting.fetch_add(1, Ordering::Relaxed) >= WAITING_MAX {
            waiting.fetch_sub(1, Ordering::Relaxed);
            return Err(Box::new(record));
        }
        let full = {
            let mut queued = self.reads.queue.lock().expect("audit queue lock");
            queued.push(record);
            queued.len() >= FLUSH_RECORDS
        };
        if full {
            self.reads.wake.notify_one();
        }
        Ok(())
    }

    async fn lookup_audit(&self, query: AuditQuery) -> Result<AuditPage, StoreError> {
        self.reads.flush(&self.pool, &self.head, self.audit_key.get()).await?;
        lookup(&self.pool, &query).await
    }

    async fn verify_audit(&self) -> Result<AuditVerdict, StoreError> {
        let key = self.audit_key.get().cloned().ok_or_else(no_key)?;
        self.reads.flush(&self.pool, &self.head, Some(&key)).await?;
        verify(&self.pool, &key).await
    }

    async fn audit_since(&self, after: i64, limit: usize) -> Result<Vec<(i64, String)>, StoreError> {
        let rows: Vec<(i64, Vec<u8>, Option<i64>)> =
            sqlx::query_as("SELECT seq, record, batch FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2")
                .bind(after)
                .bind(limit as i64)
                .fetch_all(&self.pool)
                .await
                .db()?;
        let mut out = Vec::new();
        for (seq, record, batch) in rows {
            // Whole rows, until `limit` records.
            if out.len() >= limit {
                break;
            }
            out.extend(delivered(seq, record, batch)?.into_iter().map(|json| (seq, json)));
        }
        Ok(out)
    }

    async fn audit_head(&self) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT seq FROM audit_head WHERE id = 1").fetch_one(&self.pool).await.db()
    }

    async fn audit_delivered(&self, sink: &str) -> Result<i64, StoreError> {
        let seq: Option<i64> = sqlx::query_scalar("SELECT delivered FROM audit_sinks WHERE name = $1")
            .bind(sink)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        Ok(seq.unwrap_or(0))
    }

    async fn prune_audit(&self, before: Timestamp, keep_from: Option<i64>) -> Result<usize, StoreError> {
        let key = self.audit_key.get().cloned().ok_or_else(no_key)?;
        prune(&self.pool, self.locks, &key, before, keep_from).await
    }

    async fn hold_sink(&self, sink: &str, owner: &str, now: Timestamp, until: Timestamp) -> Result<bool, StoreError> {
        let held: Option<String> = sqlx::query_scalar(
            "INSERT INTO audit_sink_leases (name, owner, until_ms) VALUES ($1, $2, $4)
             ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until_ms = excluded.until_ms
             WHERE audit_sink_leases.owner = excluded.owner OR audit_sink_leases.until_ms <= $3
             RETURNING owner",
        )
        .bind(sink)
        .bind(owner)
        .bind(now.millis())
        .bind(until.millis())
        .fetch_optional(&self.pool)
        .await
        .db()?;
        Ok(held.is_some())
    }

    async fn set_audit_delivered(&self, sink: &str, seq: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit_sinks (name, delivered) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET delivered = greatest(audit_sinks.delivered, excluded.delivered)",
        )
        .bind(sink)
        .bind(seq)
        .execute(&self.pool)
        .await
        .db()?;
        Ok(())
    }
}
