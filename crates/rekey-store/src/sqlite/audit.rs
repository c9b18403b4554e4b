//! The audit trail in SQLite: the `audit` table, appended by the writer
//! (so records are numbered in commit order), read newest first by the
//! indexes LookupEvents' filters use.

use super::SqliteStore;
use super::writer::Job;
use crate::StoreError;
use crate::audit::{AuditKey, AuditPage, AuditQuery, AuditStore, AuditVerdict, PRUNE_BATCH};
use rekey_model::Timestamp;
use rekey_model::audit::{self, AuditEvent};
use rusqlite::{Connection, OptionalExtension, params_from_iter, types::Value as Sql};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak, mpsc};
use std::time::Duration;

/// Appends `events` after the last record, inside the caller's transaction.
pub fn append(conn: &Connection, key: Option<&AuditKey>, events: &[AuditEvent]) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let Some(key) = key else {
        return Err(StoreError::Database("the audit trail has no key yet".into()));
    };
    let last: Option<(i64, Vec<u8>)> = conn
        .prepare_cached("SELECT seq, mac FROM audit ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    // An empty trail starts after the anchor retention left, if any.
    let last = match last {
        Some(last) => Some(last),
        None => anchor(conn)?.map(|a| (a.seq, a.mac)),
    };
    let (mut seq, mut previous) = last.unwrap_or((0, Vec::new()));
    let mut insert = conn.prepare_cached(
        "INSERT INTO audit (seq, time_ms, account, event_name, secret_name, principal, access_key, read_only, record, mac)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for event in events {
        seq += 1;
        let record = serde_json::to_string(event).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mac = key.mac(&previous, seq, &record);
        let time = rekey_model::calendar::parse_utc(&event.event_time).unwrap_or_default();
        let who = &event.user_identity;
        insert.execute(rusqlite::params![
            seq,
            time,
            event.recipient_account_id,
            event.event_name,
            event.secret().map(audit::secret_name),
            who.arn,
            who.access_key_id,
            event.read_only,
            record,
            mac.as_slice(),
        ])?;
        previous = mac.to_vec();
    }
    Ok(())
}

/// How long records of reads wait to be appended, at most (a commit and
/// its fsync for each read would cost more than the read).
const FLUSH_EVERY: Duration = Duration::from_millis(50);
/// Records that make the batcher append at once.
const FLUSH_RECORDS: usize = 4096;

/// Records of reads waiting to be appended, and the thread that appends them.
#[derive(Default)]
pub struct ReadRecords {
    queue: Mutex<Vec<AuditEvent>>,
    flusher: OnceLock<std::thread::Thread>,
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
        let events = std::mem::take(&mut *records.queue.lock().expect("audit queue lock"));
        if !events.is_empty() {
            let key = key.clone();
            let job: Job = Box::new(move |batch| {
                let r = append(batch.conn, key.get(), &events);
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

/// How far out of time order records may be numbered: a record's time is
/// when its request arrived, its number when it was committed (reads wait
/// up to 50 ms in the batcher; a request takes at most its timeouts).
const SKEW_MS: i64 = 10 * 60_000;

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
    let mut sql = String::from("SELECT seq, record FROM audit WHERE account = ?");
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
    if let Some(p) = &q.principal {
        filter(" AND (principal = ? OR access_key = ?)", Sql::Text(p.clone()));
    }
    if let Some(r) = q.read_only {
        filter(" AND read_only = ?", Sql::Integer(i64::from(r)));
    }
    // Times are not indexed, but records are numbered nearly in time
    // order: a time bound is also a bound on numbers (found by bisection,
    // widened by SKEW), which the indexes of every filter end in.
    if let Some(t) = q.start {
        filter(" AND time_ms >= ?", Sql::Integer(t.millis()));
        if let Some(seq) = first_at_or_after(conn, t.millis() - SKEW_MS)? {
            filter(" AND seq >= ?", Sql::Integer(seq));
        }
    }
    if let Some(t) = q.end {
        filter(" AND time_ms < ?", Sql::Integer(t.millis()));
        if let Some(seq) = first_at_or_after(conn, t.millis() + SKEW_MS)? {
            filter(" AND seq < ?", Sql::Integer(seq));
        }
    }
    if let Some(after) = q.after {
        filter(" AND seq < ?", Sql::Integer(after));
    }
    let limit = q.max_results.max(1);
    sql.push_str(&format!(" ORDER BY seq DESC LIMIT {}", limit + 1));
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
    let mut events = Vec::new();
    let mut last = None;
    for row in rows {
        let (seq, record) = row?;
        if events.len() == limit {
            return Ok(AuditPage { events, next: last });
        }
        events
            .push(serde_json::from_str(&record).map_err(|e| StoreError::Corrupt(format!("audit record {seq}: {e}")))?);
        last = Some(seq);
    }
    Ok(AuditPage { events, next: None })
}

/// The anchor retention leaves in place of the records it dropped.
struct Anchor {
    /// The last record dropped.
    seq: i64,
    /// Its MAC, which the next record chains on.
    mac: Vec<u8>,
    /// The anchor's own MAC (`AuditKey::anchor_mac`).
    anchor_mac: Vec<u8>,
}

fn anchor(conn: &Connection) -> Result<Option<Anchor>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT seq, mac, anchor_mac FROM audit_anchor WHERE id = 1")?
        .query_row([], |r| Ok(Anchor { seq: r.get(0)?, mac: r.get(1)?, anchor_mac: r.get(2)? }))
        .optional()?)
}

fn verify(conn: &Connection, key: &AuditKey) -> Result<AuditVerdict, StoreError> {
    let (mut expected, mut previous, mut records) = (1i64, Vec::new(), 0u64);
    if let Some(a) = anchor(conn)? {
        if !rekey_model::identity::secrets_equal(&key.anchor_mac(a.seq, &a.mac), &a.anchor_mac) {
            let why = "the anchor left by retention was edited".to_string();
            return Ok(AuditVerdict::Broken { seq: a.seq, event_id: None, why });
        }
        (expected, previous) = (a.seq + 1, a.mac);
    }
    let mut stmt = conn.prepare("SELECT seq, record, mac FROM audit ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let (seq, record, mac): (i64, String, Vec<u8>) = (row.get(0)?, row.get(1)?, row.get(2)?);
        let event_id = serde_json::from_str::<AuditEvent>(&record).ok().map(|e| e.event_id);
        let broken = |why: &str| AuditVerdict::Broken { seq, event_id: event_id.clone(), why: why.into() };
        if seq != expected {
            return Ok(broken(&format!("records {expected} to {} are missing", seq - 1)));
        }
        let ours = key.mac(&previous, seq, &record);
        if !rekey_model::identity::secrets_equal(&ours, &mac) {
            // Its MAC fits neither its content after its predecessor: it was
            // edited, or it moved.
            return Ok(broken("the record was edited, or moved from elsewhere in the trail"));
        }
        previous = mac;
        expected += 1;
        records += 1;
    }
    Ok(AuditVerdict::Intact { records })
}

/// Drops the oldest records (see `AuditStore::prune_audit`): walks from the
/// start of the trail while records are older than `before`, by their own
/// MAC'd time (never the `time_ms` column, which anyone who can edit the
/// file could set), checking the chain as it goes: a trail that does not
/// verify is not pruned (that would cover the damage with a good anchor).
fn prune(conn: &Connection, key: &AuditKey, before: Timestamp, keep_from: Option<i64>) -> Result<usize, StoreError> {
    let oldest: Vec<(i64, String, Vec<u8>)> = conn
        .prepare_cached("SELECT seq, record, mac FROM audit ORDER BY seq LIMIT ?1")?
        .query_map([PRUNE_BATCH as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let (mut expected, mut previous) = match anchor(conn)? {
        Some(a) => (a.seq + 1, a.mac),
        None => (1, Vec::new()),
    };
    let mut last: Option<(i64, Vec<u8>)> = None;
    for (seq, record, mac) in oldest {
        let fits = seq == expected && rekey_model::identity::secrets_equal(&key.mac(&previous, seq, &record), &mac);
        if !fits {
            return Err(StoreError::Corrupt(format!(
                "audit record {seq} does not verify; nothing was pruned (run `rekey admin audit verify`)"
            )));
        }
        let event: AuditEvent =
            serde_json::from_str(&record).map_err(|e| StoreError::Corrupt(format!("audit record {seq}: {e}")))?;
        let time = rekey_model::calendar::parse_utc(&event.event_time).unwrap_or(i64::MAX);
        if time >= before.millis() || keep_from.is_some_and(|k| seq >= k) {
            break;
        }
        (expected, previous) = (seq + 1, mac.clone());
        last = Some((seq, mac));
    }
    let Some((seq, mac)) = last else { return Ok(0) };
    let dropped = conn.prepare_cached("DELETE FROM audit WHERE seq <= ?1")?.execute([seq])?;
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

    fn append_audit_soon(&self, events: Vec<AuditEvent>) {
        let full = {
            let mut queued = self.read_records.queue.lock().expect("audit queue lock");
            queued.extend(events);
            queued.len() >= FLUSH_RECORDS
        };
        if full {
            self.read_records.flusher.get().map(std::thread::Thread::unpark);
        }
    }

    async fn lookup_audit(&self, query: AuditQuery) -> Result<AuditPage, StoreError> {
        self.flush_reads().await?;
        self.read(|c| lookup(c, &query))
    }

    async fn verify_audit(&self) -> Result<AuditVerdict, StoreError> {
        let Some(key) = self.audit_key.get().cloned() else {
            return Err(StoreError::Database("the audit trail has no key yet".into()));
        };
        self.flush_reads().await?;
        self.read(|c| verify(c, &key))
    }

    async fn audit_since(&self, after: i64, limit: usize) -> Result<Vec<(i64, String)>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached("SELECT seq, record FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2")?;
            let rows = stmt.query_map(rusqlite::params![after, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
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
        let Some(key) = self.audit_key.get().cloned() else {
            return Err(StoreError::Database("the audit trail has no key yet".into()));
        };
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
        let events = std::mem::take(&mut *self.read_records.queue.lock().expect("audit queue lock"));
        let key = self.audit_key.clone();
        self.write(move |conn| append(conn, key.get(), &events)).await
    }
}
