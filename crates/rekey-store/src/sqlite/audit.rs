//! The audit trail in SQLite: the `audit` table, appended by the writer
//! (so records are numbered in commit order), read newest first by the
//! indexes LookupEvents' filters use.
//!
//! A row is one record, or a batch of reads: the records of successful
//! reads queued within one flush, one account's, packed by
//! [`read_batch`] (what the records share said once, then each record's
//! time and request id, a BLOB), chained and MAC'd as one row (`batch`
//! holds how many; a single record's row is its JSON text).
//! Storing a read's record as a row of its own (six b-trees, a MAC and the
//! CloudTrail JSON each) cost more than the read. A batch row has no
//! filter columns: `audit_batch_keys` lists, once per row, each event name,
//! secret name, principal and access key its records have, so a lookup
//! finds the batches that may hold a match and filters their records.

use super::SqliteStore;
use super::writer::Job;
use crate::StoreError;
use crate::audit::{AuditKey, AuditPage, AuditQuery, AuditStore, AuditVerdict, PRUNE_BATCH};
use crate::audit_rows::{
    Anchor, BATCH_MAX, Columns, Page, Row, SKEW_MS, Step, Walk, batch_keys, delivered, prunable, query_keys,
    single_record,
};
use crate::read_batch;
use rekey_model::Timestamp;
use rekey_model::audit::{self, AuditEvent, CallRecord};
use rekey_model::name::AccountId;
use rusqlite::types::{Value as Sql, ValueRef};
use rusqlite::{Connection, OptionalExtension, params_from_iter};
use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak, mpsc};
use std::time::Duration;

/// The last record's number and MAC (after the anchor retention left,
/// if the trail is empty; nothing for a new trail).
fn last_link(conn: &Connection) -> Result<(i64, Vec<u8>), StoreError> {
    let last: Option<(i64, Vec<u8>)> = conn
        .prepare_cached("SELECT seq, mac FROM audit ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(match last {
        Some(last) => last,
        None => anchor(conn)?.map(|a| (a.seq, a.mac)).unwrap_or_default(),
    })
}

fn no_key() -> StoreError {
    StoreError::Database("the audit trail has no key yet".into())
}

/// The columns of the row at `row`, from column `from` on, in
/// [`columns!`] order.
fn read_columns(row: &rusqlite::Row<'_>, from: usize) -> rusqlite::Result<Columns> {
    Ok(Columns {
        time_ms: row.get(from)?,
        time_last_ms: row.get(from + 1)?,
        account: row.get(from + 2)?,
        event_name: row.get(from + 3)?,
        secret_name: row.get(from + 4)?,
        principal: row.get(from + 5)?,
        access_key: row.get(from + 6)?,
        read_only: row.get(from + 7)?,
        batch: row.get(from + 8)?,
    })
}

/// The columns [`Columns`] names, in its order.
macro_rules! columns {
    () => {
        "time_ms, time_last_ms, account, event_name, secret_name, principal, access_key, read_only, batch"
    };
}

/// Inserts row `seq`: its columns, content and MAC.
fn insert(
    conn: &Connection,
    seq: i64,
    c: &Columns,
    content: &dyn rusqlite::ToSql,
    mac: &[u8],
) -> Result<(), StoreError> {
    conn.prepare_cached(concat!(
        "INSERT INTO audit (seq, ",
        columns!(),
        ", record, mac) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    ))?
    .execute(rusqlite::params![
        seq,
        c.time_ms,
        c.time_last_ms,
        c.account,
        c.event_name,
        c.secret_name,
        c.principal,
        c.access_key,
        c.read_only,
        c.batch,
        content,
        mac,
    ])?;
    Ok(())
}

/// Appends `events` after the last record, inside the caller's transaction.
pub fn append(conn: &Connection, key: Option<&AuditKey>, events: &[AuditEvent]) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let key = key.ok_or_else(no_key)?;
    let (mut seq, mut previous) = last_link(conn)?;
    for event in events {
        seq += 1;
        let record = serde_json::to_string(event).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mac = key.mac(&previous, seq, record.as_bytes());
        insert(conn, seq, &Columns::of_record(event), &record, mac.as_slice())?;
        previous = mac.to_vec();
    }
    Ok(())
}

/// Appends the records of reads as batch rows (one account's records in
/// each, in the order given), inside the caller's transaction.
pub fn append_reads(conn: &Connection, key: Option<&AuditKey>, records: &[CallRecord]) -> Result<(), StoreError> {
    if records.is_empty() {
        return Ok(());
    }
    let key = key.ok_or_else(no_key)?;
    let mut by_account: BTreeMap<AccountId, Vec<&CallRecord>> = BTreeMap::new();
    for r in records {
        by_account.entry(r.account.clone()).or_default().push(r);
    }
    let (mut seq, mut previous) = last_link(conn)?;
    let mut insert_key =
        conn.prepare_cached("INSERT OR IGNORE INTO audit_batch_keys (account, key, seq) VALUES (?1, ?2, ?3)")?;
    for (account, records) in by_account {
        for chunk in records.chunks(BATCH_MAX) {
            seq += 1;
            let record = read_batch::pack(&account, chunk);
            let mac = key.mac(&previous, seq, &record);
            insert(conn, seq, &Columns::of_batch(account.as_str(), chunk), &record, mac.as_slice())?;
            for k in batch_keys(chunk) {
                insert_key.execute(rusqlite::params![account.as_str(), k, seq])?;
            }
            previous = mac.to_vec();
        }
    }
    Ok(())
}

/// A row's content: a single record's JSON text, or a batch's bytes.
fn content(row: &rusqlite::Row<'_>, index: usize) -> Result<Vec<u8>, StoreError> {
    match row.get_ref(index)? {
        ValueRef::Text(b) | ValueRef::Blob(b) => Ok(b.to_vec()),
        _ => Err(StoreError::Corrupt("an audit record without content".into())),
    }
}

/// How long records of reads wait to be appended, at most (a commit and
/// its fsync for each read would cost more than the read).
const FLUSH_EVERY: Duration = Duration::from_millis(50);
/// Records that make the batcher append at once.
const FLUSH_RECORDS: usize = 4096;

/// Records of reads waiting, queued or handed to the writer, at most: a
/// read finding this many appends its record itself and waits for it
/// (about 25 MB of records, several seconds of reads at full speed).
const WAITING_MAX: usize = 65_536;

/// Records of reads waiting to be appended, and the thread that appends them.
#[derive(Default)]
pub struct ReadRecords {
    queue: Mutex<Vec<CallRecord>>,
    /// Records queued or handed to the writer, not yet appended.
    waiting: AtomicUsize,
    flusher: OnceLock<std::thread::Thread>,
}

impl ReadRecords {
    /// `n` records handed over were appended (or failed to be).
    fn done(&self, n: usize) {
        self.waiting.fetch_sub(n, Ordering::Relaxed);
    }
}

/// The batcher: every [`FLUSH_EVERY`] (or sooner when [`FLUSH_RECORDS`]
/// are waiting) hands the queued records to the writer as one job; runs
/// until `alive` is gone, then appends what is left.
pub fn batch_reads(
    records: Arc<ReadRecords>,
    jobs: mpsc::Sender<Job>,
    key: Arc<OnceLock<AuditKey>>,
    alive: Weak<AtomicBool>,
) {
    let _ = records.flusher.set(std::thread::current());
    loop {
        let running = alive.upgrade().is_some_and(|a| a.load(Ordering::Relaxed));
        if running {
            std::thread::park_timeout(FLUSH_EVERY);
        }
        let events = {
            let mut queue = records.queue.lock().expect("audit queue lock");
            // The next flush's queue starts as large as this one's.
            let room = queue.len();
            std::mem::replace(&mut *queue, Vec::with_capacity(room))
        };
        if !events.is_empty() {
            let key = key.clone();
            let records = records.clone();
            let job: Job = Box::new(move |batch| {
                let r = append_reads(batch.conn, key.get(), &events);
                records.done(events.len());
                if let Err(e) = &r {
                    tracing::error!(error = %e, records = events.len(), "audit records of reads could not be appended");
                }
                (r.map_err(|_| ()), Box::new(|_| {}))
            });
            if jobs.send(job).is_err() {
                tracing::error!("store writer unavailable; audit records of reads lost");
                return;
            }
        }
        if !running {
            return;
        }
    }
}

/// The number of the first record whose time is at or after `ms`, by
/// bisection over numbers (times rise with numbers, within `SKEW_MS`);
/// `None` when every record is older.
fn first_at_or_after(conn: &Connection, ms: i64) -> Result<Option<i64>, StoreError> {
    let mut at = conn.prepare_cached("SELECT seq, time_ms FROM audit WHERE seq >= ?1 ORDER BY seq LIMIT 1")?;
    let mut record_at = |seq: i64| -> Result<Option<(i64, i64)>, StoreError> {
        Ok(at.query_row([seq], |r| Ok((r.get(0)?, r.get(1)?))).optional()?)
    };
    let Some((mut lo, _)) = record_at(i64::MIN)? else { return Ok(None) };
    let mut hi: i64 =
        conn.prepare_cached("SELECT max(seq) FROM audit")?.query_row([], |r| r.get::<_, Option<i64>>(0))?.unwrap_or(lo);
    if record_at(hi)?.is_none_or(|(_, time)| time < ms) {
        return Ok(None);
    }
    // The least number p whose first record (at or after p) is at or
    // after `ms`; the answer is that record.
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match record_at(mid)? {
            Some((seq, time)) if time < ms => lo = seq + 1,
            _ => hi = mid,
        }
    }
    Ok(record_at(lo)?.map(|(seq, _)| seq))
}

fn lookup(conn: &Connection, q: &AuditQuery) -> Result<AuditPage, StoreError> {
    let limit = q.max_results.max(1);
    // Times are not indexed, but records are numbered nearly in time
    // order: a time bound is also a bound on numbers (found by bisection,
    // widened by SKEW), which the indexes of every filter end in.
    let from = match q.start {
        Some(t) => first_at_or_after(conn, t.millis() - SKEW_MS)?,
        None => None,
    };
    let until = match q.end {
        Some(t) => first_at_or_after(conn, t.millis() + SKEW_MS)?,
        None => None,
    };
    let singles = match &q.principal {
        // A principal by its ARN or its access key: each column's index
        // read in order and merged (one query with OR could scan the trail).
        Some(_) => {
            let mut rows = single_rows(conn, q, Some("principal"), from, until, limit + 1)?;
            rows.extend(single_rows(conn, q, Some("access_key"), from, until, limit + 1)?);
            rows.sort_by_key(|r| std::cmp::Reverse(r.0));
            rows.dedup_by_key(|r| r.0);
            rows.truncate(limit + 1);
            rows
        }
        None => single_rows(conn, q, None, from, until, limit + 1)?,
    };
    // Batch rows that may hold a match, newest first, read as the page needs them.
    let mut batches = match q.read_only {
        Some(false) => None,
        _ => Some(batch_rows(conn, q, from, until)?),
    };
    let mut rows = match &mut batches {
        Some((stmt, args)) => Some(stmt.query(params_from_iter(args.iter()))?),
        None => None,
    };
    let mut page = Page::new(q, singles);
    let mut batches_left = rows.is_some();
    loop {
        match page.step(batches_left) {
            Step::NeedBatch => match rows.as_mut().map(|r| r.next()).transpose()?.flatten() {
                Some(row) => page.add_batch(row.get(0)?, &content(row, 1)?)?,
                None => batches_left = false,
            },
            Step::Took => {}
            Step::Done => return Ok(page.finish()),
        }
    }
}

/// The newest `limit` rows of one record that pass the query, newest
/// first, its principal matched in column `principal_in`.
fn single_rows(
    conn: &Connection,
    q: &AuditQuery,
    principal_in: Option<&str>,
    from: Option<i64>,
    until: Option<i64>,
    limit: usize,
) -> Result<Vec<(i64, AuditEvent)>, StoreError> {
    let mut sql = String::from("SELECT seq, record FROM audit WHERE account = ? AND batch IS NULL");
    let mut args = vec![Sql::Text(q.account.to_string())];
    let mut filter = |clause: &str, v: Sql| {
        // Each `?` of the clause takes the same value.
        args.extend(std::iter::repeat_n(v, clause.matches('?').count()));
        sql.push_str(clause);
    };
    if let Some(e) = &q.event_name {
        filter(" AND event_name = ?", Sql::Text(e.clone()));
    }
    if let Some(s) = &q.secret_name {
        filter(" AND secret_name = ?", Sql::Text(audit::secret_name(s)));
    }
    if let (Some(p), Some(column)) = (&q.principal, principal_in) {
        filter(&format!(" AND {column} = ?"), Sql::Text(p.clone()));
    }
    if let Some(r) = q.read_only {
        filter(" AND read_only = ?", Sql::Integer(i64::from(r)));
    }
    if let Some(t) = q.start {
        filter(" AND time_ms >= ?", Sql::Integer(t.millis()));
    }
    if let Some(t) = q.end {
        filter(" AND time_ms < ?", Sql::Integer(t.millis()));
    }
    if let Some(seq) = from {
        filter(" AND seq >= ?", Sql::Integer(seq));
    }
    if let Some(seq) = until {
        filter(" AND seq < ?", Sql::Integer(seq));
    }
    if let Some(after) = q.after {
        filter(" AND seq < ?", Sql::Integer(after.seq));
    }
    sql.push_str(&format!(" ORDER BY seq DESC LIMIT {limit}"));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
    let mut events = Vec::new();
    for row in rows {
        let (seq, record) = row?;
        let event = single_record(seq, record.as_bytes())?;
        // The account inside the MAC'd record, not the column alone.
        if event.recipient_account_id == q.account.as_str() {
            events.push((seq, event));
        }
    }
    Ok(events)
}

/// The query over batch rows that may hold a record passing `q`, newest
/// first, and its arguments. With key filters, the most selective key's
/// entries drive it, in number order (so rows are read only as far as a
/// page needs), the others checked per row.
fn batch_rows<'c>(
    conn: &'c Connection,
    q: &AuditQuery,
    from: Option<i64>,
    until: Option<i64>,
) -> Result<(rusqlite::CachedStatement<'c>, Vec<Sql>), StoreError> {
    let keys = query_keys(q);
    let mut args = vec![Sql::Text(q.account.to_string())];
    let mut sql = match keys.split_first() {
        Some((drive, others)) => {
            args.push(Sql::Text(drive.clone()));
            // CROSS JOIN: the keys' index is the outer loop, in seq order.
            let mut sql = String::from(
                "SELECT a.seq, a.record FROM audit_batch_keys d CROSS JOIN audit a ON a.seq = d.seq
                 WHERE d.account = ?1 AND d.key = ?2 AND a.account = ?1 AND a.batch IS NOT NULL",
            );
            for k in others {
                args.push(Sql::Text(k.clone()));
                sql.push_str(&format!(
                    " AND EXISTS (SELECT 1 FROM audit_batch_keys x WHERE x.account = ?1 AND x.key = ?{} AND x.seq = d.seq)",
                    args.len()
                ));
            }
            sql
        }
        None => String::from(
            "SELECT a.seq, a.record FROM audit a INDEXED BY audit_batches WHERE a.account = ?1 AND a.batch IS NOT NULL",
        ),
    };
    let mut filter = |clause: &str, v: i64| {
        args.push(Sql::Integer(v));
        sql.push_str(&format!(" AND {clause} ?{}", args.len()));
    };
    if let Some(t) = q.start {
        filter("a.time_last_ms >=", t.millis());
    }
    if let Some(t) = q.end {
        filter("a.time_ms <", t.millis());
    }
    // Bounds on numbers bound the driving index's range.
    let seq = if keys.is_empty() { "a.seq" } else { "d.seq" };
    if let Some(from) = from {
        filter(&format!("{seq} >="), from);
    }
    if let Some(until) = until {
        filter(&format!("{seq} <"), until);
    }
    if let Some(after) = q.after {
        filter(&format!("{seq} <="), after.seq);
    }
    sql.push_str(&format!(" ORDER BY {seq} DESC"));
    Ok((conn.prepare_cached(&sql)?, args))
}

fn anchor(conn: &Connection) -> Result<Option<Anchor>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT seq, mac, anchor_mac FROM audit_anchor WHERE id = 1")?
        .query_row([], |r| Ok(Anchor { seq: r.get(0)?, mac: r.get(1)?, anchor_mac: r.get(2)? }))
        .optional()?)
}

fn verify(conn: &Connection, key: &AuditKey) -> Result<AuditVerdict, StoreError> {
    let mut walk = match Walk::start(key, anchor(conn)?) {
        Ok(walk) => walk,
        Err(verdict) => return Ok(verdict),
    };
    let mut stmt = conn.prepare(concat!("SELECT seq, record, mac, ", columns!(), " FROM audit ORDER BY seq"))?;
    let mut keys_of = conn.prepare("SELECT key FROM audit_batch_keys WHERE seq = ?1 AND account = ?2")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let row = Row { seq, content: content(row, 1)?, mac: row.get(2)?, columns: read_columns(row, 3)? };
        let listed = |account: &str| -> Result<HashSet<String>, StoreError> {
            Ok(keys_of.query_map(rusqlite::params![seq, account], |r| r.get(0))?.collect::<Result<_, _>>()?)
        };
        if let Some(verdict) = walk.verify(row, listed)? {
            return Ok(verdict);
        }
    }
    Ok(AuditVerdict::Intact { records: walk.records })
}

/// Drops the oldest records (see `AuditStore::prune_audit`): walks from the
/// start of the trail while records are older than `before`, by their own
/// MAC'd time (never the `time_ms` column, which anyone who can edit the
/// file could set), checking the chain as it goes: a trail that does not
/// verify is not pruned (that would cover the damage with a good anchor).
fn prune(conn: &Connection, key: &AuditKey, before: Timestamp, keep_from: Option<i64>) -> Result<usize, StoreError> {
    let mut oldest = Vec::new();
    let mut stmt = conn.prepare_cached("SELECT seq, record, mac, batch FROM audit ORDER BY seq LIMIT ?1")?;
    let mut rows = stmt.query([PRUNE_BATCH as i64])?;
    while let Some(row) = rows.next()? {
        oldest.push((row.get::<_, i64>(0)?, content(row, 1)?, row.get(2)?, row.get(3)?));
    }
    drop(rows);
    drop(stmt);
    let Some((seq, mac, dropped)) = prunable(key, anchor(conn)?, oldest, before.millis(), keep_from)? else {
        return Ok(0);
    };
    conn.prepare_cached("DELETE FROM audit WHERE seq <= ?1")?.execute([seq])?;
    conn.prepare_cached("DELETE FROM audit_batch_keys WHERE seq <= ?1")?.execute([seq])?;
    conn.prepare_cached(
        "INSERT INTO audit_anchor (id, seq, mac, anchor_mac) VALUES (1, ?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, mac = excluded.mac, anchor_mac = excluded.anchor_mac",
    )?
    .execute(rusqlite::params![seq, mac, key.anchor_mac(seq, &mac).as_slice()])?;
    Ok(dropped)
}

impl AuditStore for SqliteStore {
    fn set_audit_key(&self, key: AuditKey) {
        let _ = self.audit_key.set(key);
    }

    async fn append_audit(&self, events: Vec<AuditEvent>) -> Result<(), StoreError> {
        let key = self.audit_key.clone();
        self.write(move |conn| append(conn, key.get(), &events)).await
    }

    fn append_read(&self, record: CallRecord) -> Result<(), Box<CallRecord>> {
        let waiting = &self.read_records.waiting;
        if waiting.fetch_add(1, Ordering::Relaxed) >= WAITING_MAX {
            waiting.fetch_sub(1, Ordering::Relaxed);
            return Err(Box::new(record));
        }
        let full = {
            let mut queued = self.read_records.queue.lock().expect("audit queue lock");
            queued.push(record);
            queued.len() >= FLUSH_RECORDS
        };
        if full {
            self.read_records.flusher.get().map(std::thread::Thread::unpark);
        }
        Ok(())
    }

    async fn lookup_audit(&self, query: AuditQuery) -> Result<AuditPage, StoreError> {
        self.flush_reads().await?;
        self.read(|c| lookup(c, &query))
    }

    async fn verify_audit(&self) -> Result<AuditVerdict, StoreError> {
        let key = self.audit_key.get().cloned().ok_or_else(no_key)?;
        self.flush_reads().await?;
        self.read(|c| verify(c, &key))
    }

    async fn audit_since(&self, after: i64, limit: usize) -> Result<Vec<(i64, String)>, StoreError> {
        self.read(|c| {
            let mut stmt =
                c.prepare_cached("SELECT seq, record, batch FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2")?;
            let mut rows = stmt.query(rusqlite::params![after, limit as i64])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                // Whole rows, until `limit` records.
                if out.len() >= limit {
                    break;
                }
                let (seq, record, batch): (i64, Vec<u8>, Option<i64>) = (row.get(0)?, content(row, 1)?, row.get(2)?);
                out.extend(delivered(seq, record, batch)?.into_iter().map(|json| (seq, json)));
            }
            Ok(out)
        })
    }

    async fn audit_head(&self) -> Result<i64, StoreError> {
        self.read(|c| {
            let last: i64 = c.prepare_cached("SELECT coalesce(max(seq), 0) FROM audit")?.query_row([], |r| r.get(0))?;
            Ok(last.max(anchor(c)?.map_or(0, |a| a.seq)))
        })
    }

    async fn audit_delivered(&self, sink: &str) -> Result<i64, StoreError> {
        self.read(|c| {
            let seq = c
                .prepare_cached("SELECT delivered FROM audit_sinks WHERE name = ?1")?
                .query_row([sink], |r| r.get(0))
                .optional()?;
            Ok(seq.unwrap_or(0))
        })
    }

    async fn prune_audit(&self, before: Timestamp, keep_from: Option<i64>) -> Result<usize, StoreError> {
        let key = self.audit_key.get().cloned().ok_or_else(no_key)?;
        self.write(move |c| prune(c, &key, before, keep_from)).await
    }

    async fn set_audit_delivered(&self, sink: &str, seq: i64) -> Result<(), StoreError> {
        let sink = sink.to_string();
        self.write(move |c| {
            c.prepare_cached(
                "INSERT INTO audit_sinks (name, delivered) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET delivered = max(delivered, excluded.delivered)",
            )?
            .execute(rusqlite::params![sink, seq])?;
            Ok(())
        })
        .await
    }
}

impl SqliteStore {
    /// Appends the records of reads queued so far and waits for them (and,
    /// the writer keeping order, for any the batcher handed over before):
    /// a lookup sees every call answered before it.
    async fn flush_reads(&self) -> Result<(), StoreError> {
        let records = std::mem::take(&mut *self.read_records.queue.lock().expect("audit queue lock"));
        let key = self.audit_key.clone();
        let waiting = self.read_records.clone();
        self.write(move |conn| {
            let r = append_reads(conn, key.get(), &records);
            waiting.done(records.len());
            r
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AuditStore;
    use rekey_model::request_id::RequestId;

    /// A stalled writer does not let reads' records pile up without
    /// bound: past [`WAITING_MAX`], a record is handed back (its read then
    /// appends it and waits), and once the writer goes on, every record
    /// queued is appended and reads queue again.
    #[tokio::test]
    async fn reads_records_waiting_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&SqliteStore::file_in(dir.path())).unwrap();
        store.set_audit_key(AuditKey::new([5; 32]));
        let read = || CallRecord {
            time_ms: 1_000,
            event_name: "GetSecretValue".into(),
            caller: Default::default(),
            region: rekey_model::name::Region::new("us-east-1"),
            account: AccountId::parse("111111111111").unwrap(),
            source_ip: None,
            user_agent: "test".into(),
            request_id: RequestId::random(),
            event_id: None,
            request_parameters: None,
        };
        // The writer held up by a job that waits.
        let (release, held) = std::sync::mpsc::channel::<()>();
        store
            .submit(Box::new(move |_| {
                held.recv().ok();
                (Ok(()), Box::new(|_| {}))
            }))
            .unwrap();
        for _ in 0..WAITING_MAX {
            store.append_read(read()).expect("room for it");
        }
        // The batcher hands its queue to the writer, which still waits.
        std::thread::sleep(FLUSH_EVERY * 3);
        assert!(store.append_read(read()).is_err(), "handed back past the bound");

        release.send(()).unwrap();
        let AuditVerdict::Intact { records } = store.verify_audit().await.unwrap() else { panic!("not intact") };
        assert_eq!(records, WAITING_MAX as u64, "every record queued was appended");
        store.append_read(read()).expect("room again");
    }
}
