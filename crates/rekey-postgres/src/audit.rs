//! The audit trail on PostgreSQL: the same rows as SQLite's (one record as
//! JSON, or a batch of reads packed by `rekey_store::read_batch`; see
//! `rekey_store::audit_rows`), one chain for the whole deployment.
//!
//! Every append locks the chain's head row (`audit_head`: the last number
//! and MAC) as the last step of its transaction, numbers its records after
//! it and moves it: appends from all nodes are numbered in commit order,
//! and a change's records commit with it. The lock is held from the
//! append to the commit, so appends are serialized at about one commit's
//! time each; reads' records are batched (one append per node every
//! 50 ms) so that they do not take that lock per read.
//!
//! A lookup on a node sees every record appended before it through that
//! node (it first appends the reads' records this node holds), and reads'
//! records held by other nodes once their next batch commits (50 ms).

use crate::{Db, PgStore, locks};
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

async fn move_head(conn: &mut PgConnection, seq: i64, mac: &[u8]) -> Result<(), StoreError> {
    sqlx::query("UPDATE audit_head SET seq = $1, mac = $2 WHERE id = 1")
        .bind(seq)
        .bind(mac)
        .execute(conn)
        .await
        .db()?;
    Ok(())
}

async fn insert(conn: &mut PgConnection, seq: i64, c: &Columns, content: &[u8], mac: &[u8]) -> Result<(), StoreError> {
    sqlx::query(concat!(
        "INSERT INTO audit (seq, ",
        columns!(),
        ", record, mac) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(seq)
    .bind(c.time_ms)
    .bind(c.time_last_ms)
    .bind(&c.account)
    .bind(&c.event_name)
    .bind(&c.secret_name)
    .bind(&c.principal)
    .bind(&c.access_key)
    .bind(c.read_only)
    .bind(c.batch)
    .bind(content)
    .bind(mac)
    .execute(conn)
    .await
    .db()?;
    Ok(())
}

/// Appends `events` after the chain's head, in the caller's transaction.
pub async fn append(conn: &mut PgConnection, key: Option<&AuditKey>, events: &[AuditEvent]) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let key = key.ok_or_else(no_key)?;
    let (mut seq, mut previous) = head(conn).await?;
    for event in events {
        seq += 1;
        let record = serde_json::to_vec(event).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mac = key.mac(&previous, seq, &record);
        insert(conn, seq, &Columns::of_record(event), &record, &mac).await?;
        previous = mac.to_vec();
    }
    move_head(conn, seq, &previous).await
}

/// Appends reads' records as batch rows (one account's each), in the
/// caller's transaction.
async fn append_reads(
    conn: &mut PgConnection,
    key: Option<&AuditKey>,
    records: &[CallRecord],
) -> Result<(), StoreError> {
    if records.is_empty() {
        return Ok(());
    }
    let key = key.ok_or_else(no_key)?;
    let mut by_account: BTreeMap<AccountId, Vec<&CallRecord>> = BTreeMap::new();
    for r in records {
        by_account.entry(r.account.clone()).or_default().push(r);
    }
    let (mut seq, mut previous) = head(conn).await?;
    for (account, records) in by_account {
        for chunk in records.chunks(BATCH_MAX) {
            seq += 1;
            let record = read_batch::pack(&account, chunk);
            let mac = key.mac(&previous, seq, &record);
            insert(conn, seq, &Columns::of_batch(account.as_str(), chunk), &record, &mac).await?;
            let keys: Vec<String> = batch_keys(chunk).into_iter().collect();
            sqlx::query(
                "INSERT INTO audit_batch_keys (account, key, seq) SELECT $1, k, $3 FROM unnest($2::text[]) AS k
                 ON CONFLICT DO NOTHING",
            )
            .bind(account.as_str())
            .bind(&keys)
            .bind(seq)
            .execute(&mut *conn)
            .await
            .db()?;
            previous = mac.to_vec();
        }
    }
    move_head(conn, seq, &previous).await
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
    async fn flush(&self, pool: &PgPool, key: Option<&AuditKey>) -> Result<(), StoreError> {
        let _flushing = self.flushing.lock().await;
        let records = std::mem::take(&mut *self.queue.lock().expect("audit queue lock"));
        if records.is_empty() {
            return Ok(());
        }
        let result = async {
            let mut tx = pool.begin().await.db()?;
            append_reads(&mut tx, key, &records).await?;
            tx.commit().await.db()
        }
        .await;
        self.waiting.fetch_sub(records.len(), Ordering::Relaxed);
        if let Err(e) = &result {
            tracing::error!(error = %e, records = records.len(), "audit records of reads could not be appended");
        }
        result
    }
}

/// The batcher: appends the queued records every [`FLUSH_EVERY`] (sooner
/// when [`FLUSH_RECORDS`] wait), and what is left when the store closes.
pub async fn batch_reads(pool: PgPool, reads: Arc<ReadRecords>, key: Arc<OnceLock<AuditKey>>) {
    loop {
        let closed = reads.closed.load(Ordering::SeqCst);
        if !closed {
            let _ = tokio::time::timeout(FLUSH_EVERY, reads.wake.notified()).await;
        }
        let _ = reads.flush(&pool, key.get()).await;
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
    let mut tx = pool.begin().await.db()?;
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

async fn prune(pool: &PgPool, key: &AuditKey, before: Timestamp, keep_from: Option<i64>) -> Result<usize, StoreError> {
    let mut tx = pool.begin().await.db()?;
    // One pruner at a time across nodes.
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(locks::AUDIT_PRUNE).execute(&mut *tx).await.db()?;
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
        let mut tx = self.pool.begin().await.db()?;
        append(&mut tx, self.audit_key.get(), &events).await?;
        tx.commit().await.db()
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
        self.reads.flush(&self.pool, self.audit_key.get()).await?;
        lookup(&self.pool, &query).await
    }

    async fn verify_audit(&self) -> Result<AuditVerdict, StoreError> {
        let key = self.audit_key.get().cloned().ok_or_else(no_key)?;
        self.reads.flush(&self.pool, Some(&key)).await?;
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
        prune(&self.pool, &key, before, keep_from).await
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
