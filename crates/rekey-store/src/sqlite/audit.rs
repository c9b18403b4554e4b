//! The audit trail in SQLite: the `audit` table, appended by the writer
//! (so records are numbered in commit order), read newest first by the
//! indexes LookupEvents' filters use.
//!
//! A row is one record, or a batch of reads: the records of successful
//! reads queued within one flush, one account's, packed as JSON (see
//! [`Packing`]: what the records share said once, then each record's time
//! and ids), chained and MAC'd as one row (`batch` holds how many).
//! Storing a read's record as a row of its own (six b-trees, a MAC and the
//! CloudTrail JSON each) cost more than the read. A batch row has no
//! filter columns: `audit_batch_keys` lists, once per row, each event name,
//! secret name, principal and access key its records have, so a lookup
//! finds the batches that may hold a match and filters their records.

use super::SqliteStore;
use super::writer::Job;
use crate::StoreError;
use crate::audit::{AuditCursor, AuditKey, AuditPage, AuditQuery, AuditStore, AuditVerdict, PRUNE_BATCH};
use rekey_model::Timestamp;
use rekey_model::audit::{self, AuditEvent, CallRecord};
use rusqlite::{Connection, OptionalExtension, params_from_iter, types::Value as Sql};
use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
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

/// Appends `events` after the last record, inside the caller's transaction.
pub fn append(conn: &Connection, key: Option<&AuditKey>, events: &[AuditEvent]) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let key = key.ok_or_else(no_key)?;
    let (mut seq, mut previous) = last_link(conn)?;
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

/// The most records one batch row holds: a lookup reads a whole row to
/// find one record in it, so rows stay small (`bench/audit-lookup`); a
/// row's own cost (its insert and index entries) shared by this many is
/// already small against theirs.
const BATCH_MAX: usize = 64;

/// What `audit_batch_keys` lists of some records: `<kind>:<value>` for
/// each event name (`e`), secret name (`s`), principal and access key
/// (`p`) they have, each once (records of one batch mostly repeat a few).
fn batch_keys(records: &[&CallRecord]) -> HashSet<String> {
    let mut seen: HashSet<(char, &str)> = HashSet::new();
    let mut keys = HashSet::new();
    let mut previous: [Option<&str>; 4] = [None; 4];
    for r in records {
        // A principal by its ARN and by its access key alike (they never
        // collide), so that a lookup by either reads one key.
        let fields = [
            ('e', &*r.event_name),
            ('s', r.secret().unwrap_or_default()),
            ('p', &r.caller.arn),
            ('p', &r.caller.access_key_id),
        ];
        for (i, (kind, value)) in fields.into_iter().enumerate() {
            // Mostly the record before's: compared before it is hashed.
            if previous[i].replace(value) != Some(value) && seen.insert((kind, value)) {
                // A secret is listed by its name, however the call named it.
                let value = if kind == 's' { audit::secret_name(value) } else { value.to_string() };
                keys.insert(format!("{kind}:{value}"));
            }
        }
    }
    keys
}

/// Appends the records of reads as batch rows (one account's records in
/// each, in the order given), inside the caller's transaction.
pub fn append_reads(conn: &Connection, key: Option<&AuditKey>, records: &[CallRecord]) -> Result<(), StoreError> {
    if records.is_empty() {
        return Ok(());
    }
    let key = key.ok_or_else(no_key)?;
    let mut by_account: BTreeMap<&str, Vec<&CallRecord>> = BTreeMap::new();
    for r in records {
        by_account.entry(&r.account).or_default().push(r);
    }
    let (mut seq, mut previous) = last_link(conn)?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO audit (seq, time_ms, time_last_ms, account, event_name, read_only, record, mac, batch)
         VALUES (?1, ?2, ?3, ?4, '', 1, ?5, ?6, ?7)",
    )?;
    let mut insert_key =
        conn.prepare_cached("INSERT OR IGNORE INTO audit_batch_keys (account, key, seq) VALUES (?1, ?2, ?3)")?;
    for (account, records) in by_account {
        for chunk in records.chunks(BATCH_MAX) {
            seq += 1;
            let record = pack(account, chunk)?;
            let mac = key.mac(&previous, seq, &record);
            let first = chunk.iter().map(|r| r.time_ms).min().unwrap_or_default();
            let last = chunk.iter().map(|r| r.time_ms).max().unwrap_or_default();
            insert.execute(rusqlite::params![seq, first, last, account, record, mac.as_slice(), chunk.len() as i64])?;
            for k in batch_keys(chunk) {
                insert_key.execute(rusqlite::params![account, k, seq])?;
            }
            previous = mac.to_vec();
        }
    }
    Ok(())
}

/// A batch row's content: one account's records of reads, what they
/// share (who called what with which parameters, in which region, from
/// where, with which agent) said once, each record naming its shared part
/// by number. The account is in it, so that the MAC covers whose trail
/// the records are in.
#[derive(serde::Serialize)]
struct Packing<'a> {
    to: &'a str,
    /// The time records' times count from (the first record's).
    t0: i64,
    shared: Vec<Shared<'a>>,
    records: Vec<Packed<'a>>,
}

/// What many records of a batch share: the call but for its time and
/// ids (a client mostly reads the same secrets, from one address).
#[derive(serde::Serialize, Clone, Copy)]
struct Shared<'a> {
    n: &'a str,
    c: &'a str,
    a: &'a str,
    k: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    u: Option<(&'a str, &'a str)>,
    r: &'a str,
    ua: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ip: Option<std::net::IpAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    p: Option<&'a serde_json::Value>,
}

impl PartialEq for Shared<'_> {
    /// Equal, and mostly at the same address: the records of one caller
    /// share its strings.
    fn eq(&self, o: &Self) -> bool {
        fn same(a: &str, b: &str) -> bool {
            std::ptr::eq(a, b) || a == b
        }
        same(self.n, o.n)
            && same(self.c, o.c)
            && same(self.a, o.a)
            && same(self.k, o.k)
            && match (self.u, o.u) {
                (Some((n1, i1)), Some((n2, i2))) => same(n1, n2) && same(i1, i2),
                (None, None) => true,
                _ => false,
            }
            && same(self.r, o.r)
            && same(self.ua, o.ua)
            && self.ip == o.ip
            && self.p == o.p
    }
}

/// One record of a batch, but for what it shares.
#[derive(serde::Serialize)]
struct Packed<'a> {
    /// Milliseconds after the row's `t0`.
    t: i64,
    s: usize,
    /// The request id, unless it is a UUID (`qu`).
    #[serde(skip_serializing_if = "Option::is_none")]
    q: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none", with = "compact_id::option")]
    qu: Option<uuid::Uuid>,
    #[serde(with = "compact_id")]
    e: audit::EventId,
}

/// A UUID in a batch row: its 16 bytes in base64 (22 characters, not 36),
/// as most of a read's record is its two ids.
mod compact_id {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(id: &uuid::Uuid, s: S) -> Result<S::Ok, S::Error> {
        let mut text = [0u8; 22];
        let n = URL_SAFE_NO_PAD.encode_slice(id.as_bytes(), &mut text).map_err(serde::ser::Error::custom)?;
        s.serialize_str(std::str::from_utf8(&text[..n]).map_err(serde::ser::Error::custom)?)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<uuid::Uuid, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        let bytes = URL_SAFE_NO_PAD.decode(text.as_bytes()).map_err(D::Error::custom)?;
        uuid::Uuid::from_slice(&bytes).map_err(D::Error::custom)
    }

    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(id: &Option<uuid::Uuid>, s: S) -> Result<S::Ok, S::Error> {
            match id {
                Some(id) => super::serialize(id, s),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<uuid::Uuid>, D::Error> {
            #[derive(Deserialize)]
            struct Id(#[serde(with = "super")] uuid::Uuid);
            Ok(Option::<Id>::deserialize(d)?.map(|Id(id)| id))
        }
    }
}

/// `id` as a UUID when it is one as rekey writes them (lower case, with
/// hyphens), so that it reads back as the same text.
fn as_uuid(id: &str) -> Option<uuid::Uuid> {
    (id.len() == 36 && !id.bytes().any(|b| b.is_ascii_uppercase())).then(|| uuid::Uuid::try_parse(id).ok()).flatten()
}

/// A batch row's content as it is read back (owned: a string may hold
/// escapes).
#[derive(serde::Deserialize)]
struct Unpacking {
    to: String,
    t0: i64,
    shared: Vec<SharedRead>,
    records: Vec<PackedRead>,
}

/// [`Shared`], read back.
#[derive(serde::Deserialize)]
struct SharedRead {
    n: String,
    c: String,
    a: String,
    k: String,
    #[serde(default)]
    u: Option<(String, String)>,
    r: String,
    ua: String,
    #[serde(default)]
    ip: Option<std::net::IpAddr>,
    #[serde(default)]
    p: Option<serde_json::Value>,
}

/// [`Packed`], read back.
#[derive(serde::Deserialize)]
struct PackedRead {
    t: i64,
    s: usize,
    #[serde(default)]
    q: Option<String>,
    #[serde(default, with = "compact_id::option")]
    qu: Option<uuid::Uuid>,
    #[serde(with = "compact_id")]
    e: audit::EventId,
}

/// `records` (all of `account`'s trail) as a batch row's content.
fn pack(account: &str, records: &[&CallRecord]) -> Result<String, StoreError> {
    let t0 = records.first().map_or(0, |r| r.time_ms);
    let mut packing = Packing { to: account, t0, shared: Vec::new(), records: Vec::with_capacity(records.len()) };
    for r in records {
        let c = &*r.caller;
        let shared = Shared {
            n: &r.event_name,
            c: &c.account,
            a: &c.arn,
            k: &c.access_key_id,
            u: c.user.as_ref().map(|(name, id)| (name.as_str(), id.as_str())),
            r: &r.region,
            ua: &r.user_agent,
            ip: r.source_ip,
            p: r.request_parameters.as_ref(),
        };
        // A row holds at most [`BATCH_MAX`] records, so a scan, newest first
        // (mostly the record before's), costs less than hashing.
        let s = match packing.shared.iter().rposition(|known| *known == shared) {
            Some(s) => s,
            None => {
                packing.shared.push(shared);
                packing.shared.len() - 1
            }
        };
        let qu = as_uuid(&r.request_id);
        let q = qu.is_none().then_some(r.request_id.as_str());
        packing.records.push(Packed { t: r.time_ms - t0, s, q, qu, e: r.event_id });
    }
    serde_json::to_string(&packing).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The records a batch row holds.
fn batch_records(seq: i64, record: &str) -> Result<Vec<CallRecord>, StoreError> {
    let corrupt = |why: String| StoreError::Corrupt(format!("audit record {seq}: {why}"));
    let batch: Unpacking = serde_json::from_str(record).map_err(|e| corrupt(e.to_string()))?;
    let callers: Vec<(Arc<audit::Caller>, Arc<str>)> = batch
        .shared
        .iter()
        .map(|s| {
            let caller =
                audit::Caller { account: s.c.clone(), arn: s.a.clone(), access_key_id: s.k.clone(), user: s.u.clone() };
            (Arc::new(caller), Arc::from(s.ua.as_str()))
        })
        .collect();
    batch
        .records
        .into_iter()
        .map(|p| {
            let s = batch.shared.get(p.s).ok_or_else(|| corrupt("a record names no shared part".into()))?;
            let (caller, user_agent) = callers[p.s].clone();
            Ok(CallRecord {
                time_ms: batch.t0 + p.t,
                event_name: s.n.clone().into(),
                caller,
                region: s.r.clone(),
                account: batch.to.clone(),
                source_ip: s.ip,
                user_agent,
                request_id: p.qu.map(|id| id.to_string()).or(p.q).unwrap_or_default(),
                event_id: p.e,
                request_parameters: s.p.clone(),
            })
        })
        .collect()
}

/// The record a single row holds.
fn single_record(seq: i64, record: &str) -> Result<AuditEvent, StoreError> {
    serde_json::from_str(record).map_err(|e| StoreError::Corrupt(format!("audit record {seq}: {e}")))
}

/// How long records of reads wait to be appended, at most (a commit and
/// its fsync for each read would cost more than the read).
const FLUSH_EVERY: Duration = Duration::from_millis(50);
/// Records that make the batcher append at once.
const FLUSH_RECORDS: usize = 4096;

/// Records of reads waiting to be appended, and the thread that appends them.
#[derive(Default)]
pub struct ReadRecords {
    queue: Mutex<Vec<CallRecord>>,
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
        let events = {
            let mut queue = records.queue.lock().expect("audit queue lock");
            // The next flush's queue starts as large as this one's.
            let room = queue.len();
            std::mem::replace(&mut *queue, Vec::with_capacity(room))
        };
        if !events.is_empty() {
            let key = key.clone();
            let job: Job = Box::new(move |batch| {
                let r = append_reads(batch.conn, key.get(), &events);
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
    let mut singles = match &q.principal {
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
    }
    .into_iter()
    .peekable();

    // Batch rows that may hold a match, newest first, their matching
    // records queued oldest first (so `pop` gives the newest).
    let mut batches = match q.read_only {
        Some(false) => None,
        _ => Some(batch_rows(conn, q, from, until)?),
    };
    let mut rows = match &mut batches {
        Some((stmt, args)) => Some(stmt.query(params_from_iter(args.iter()))?),
        None => None,
    };
    let mut pending: Vec<(AuditCursor, CallRecord)> = Vec::new();
    let mut found: Vec<(AuditCursor, AuditEvent)> = Vec::with_capacity(limit + 1);
    while found.len() <= limit {
        while pending.is_empty() {
            let Some(row) = rows.as_mut().map(|r| r.next()).transpose()?.flatten() else { break };
            let (seq, text): (i64, String) = (row.get(0)?, row.get(1)?);
            for (index, r) in batch_records(seq, &text)?.into_iter().enumerate() {
                let at = AuditCursor { seq, index };
                if q.after.is_none_or(|after| at < after) && matches(q, &r) {
                    pending.push((at, r));
                }
            }
        }
        let single_first = match (singles.peek(), pending.last()) {
            (Some((seq, _)), Some((at, _))) => *seq > at.seq,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        if single_first {
            let (seq, event) = singles.next().expect("peeked");
            found.push((AuditCursor { seq, index: 0 }, event));
        } else {
            let (at, record) = pending.pop().expect("looked at");
            found.push((at, record.event()));
        }
    }
    let next = (found.len() > limit).then(|| found[limit - 1].0);
    found.truncate(limit);
    Ok(AuditPage { events: found.into_iter().map(|(_, e)| e).collect(), next })
}

/// Whether a batched read's record passes the query's filters (the rows
/// were chosen by their keys; this checks each record).
fn matches(q: &AuditQuery, r: &CallRecord) -> bool {
    // The account inside the MAC'd content, not the column alone.
    r.account == q.account.as_str()
        && q.event_name.as_ref().is_none_or(|e| *e == r.event_name)
        && q.secret_name.as_ref().is_none_or(|s| r.secret().map(audit::secret_name) == Some(audit::secret_name(s)))
        && q.principal
            .as_ref()
            .is_none_or(|p| *p == r.caller.arn || (!r.caller.access_key_id.is_empty() && *p == r.caller.access_key_id))
        && q.start.is_none_or(|t| r.time_ms >= t.millis())
        && q.end.is_none_or(|t| r.time_ms < t.millis())
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
        let event = single_record(seq, &record)?;
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
    // Most selective first: a secret, a principal, an event name.
    let keys: Vec<String> = [
        q.secret_name.as_ref().map(|s| format!("s:{}", audit::secret_name(s))),
        q.principal.as_ref().map(|p| format!("p:{p}")),
        q.event_name.as_ref().map(|e| format!("e:{e}")),
    ]
    .into_iter()
    .flatten()
    .collect();
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
    let mut stmt = conn.prepare("SELECT seq, record, mac, batch FROM audit ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let (seq, record, mac, batch): (i64, String, Vec<u8>, Option<i64>) =
            (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?);
        let broken = |why: &str| {
            // The row's (first) record's id, if it can be read.
            let event_id = match batch {
                Some(_) => batch_records(seq, &record).ok().and_then(|r| r.first().map(|r| r.event_id.to_string())),
                None => single_record(seq, &record).ok().map(|e| e.event_id),
            };
            AuditVerdict::Broken { seq, event_id, why: why.into() }
        };
        if seq != expected {
            return Ok(broken(&format!("records {expected} to {} are missing", seq - 1)));
        }
        let ours = key.mac(&previous, seq, &record);
        if !rekey_model::identity::secrets_equal(&ours, &mac) {
            // Its MAC fits neither its content after its predecessor: it was
            // edited, or it moved.
            return Ok(broken("the record was edited, or moved from elsewhere in the trail"));
        }
        records += match batch {
            Some(_) => batch_records(seq, &record)?.len() as u64,
            None => 1,
        };
        previous = mac;
        expected += 1;
    }
    Ok(AuditVerdict::Intact { records })
}

/// Drops the oldest records (see `AuditStore::prune_audit`): walks from the
/// start of the trail while records are older than `before`, by their own
/// MAC'd time (never the `time_ms` column, which anyone who can edit the
/// file could set), checking the chain as it goes: a trail that does not
/// verify is not pruned (that would cover the damage with a good anchor).
fn prune(conn: &Connection, key: &AuditKey, before: Timestamp, keep_from: Option<i64>) -> Result<usize, StoreError> {
    let oldest: Vec<(i64, String, Vec<u8>, Option<i64>)> = conn
        .prepare_cached("SELECT seq, record, mac, batch FROM audit ORDER BY seq LIMIT ?1")?
        .query_map([PRUNE_BATCH as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    let (mut expected, mut previous) = match anchor(conn)? {
        Some(a) => (a.seq + 1, a.mac),
        None => (1, Vec::new()),
    };
    let (mut last, mut dropped): (Option<(i64, Vec<u8>)>, usize) = (None, 0);
    for (seq, record, mac, batch) in oldest {
        let fits = seq == expected && rekey_model::identity::secrets_equal(&key.mac(&previous, seq, &record), &mac);
        if !fits {
            return Err(StoreError::Corrupt(format!(
                "audit record {seq} does not verify; nothing was pruned (run `rekey admin audit verify`)"
            )));
        }
        // A row goes when all its records are old enough.
        let (time, records) = match batch {
            Some(_) => {
                let records = batch_records(seq, &record)?;
                (records.iter().map(|r| r.time_ms).max().unwrap_or(i64::MAX), records.len())
            }
            None => {
                let event = single_record(seq, &record)?;
                (rekey_model::calendar::parse_utc(&event.event_time).unwrap_or(i64::MAX), 1)
            }
        };
        if time >= before.millis() || keep_from.is_some_and(|k| seq >= k) {
            break;
        }
        (expected, previous) = (seq + 1, mac.clone());
        last = Some((seq, mac));
        dropped += records;
    }
    let Some((seq, mac)) = last else { return Ok(0) };
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

    fn append_read(&self, record: CallRecord) {
        let full = {
            let mut queued = self.read_records.queue.lock().expect("audit queue lock");
            queued.push(record);
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
        let key = self.audit_key.get().cloned().ok_or_else(no_key)?;
        self.flush_reads().await?;
        self.read(|c| verify(c, &key))
    }

    async fn audit_since(&self, after: i64, limit: usize) -> Result<Vec<(i64, String)>, StoreError> {
        self.read(|c| {
            let mut stmt =
                c.prepare_cached("SELECT seq, record, batch FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2")?;
            let rows = stmt.query_map(rusqlite::params![after, limit as i64], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<i64>>(2)?))
            })?;
            let mut out = Vec::new();
            for row in rows {
                // Whole rows, until `limit` records.
                if out.len() >= limit {
                    break;
                }
                let (seq, record, batch) = row?;
                match batch {
                    // A batch row is delivered whole, each record as CloudTrail's JSON.
                    Some(_) => {
                        for r in batch_records(seq, &record)? {
                            let json =
                                serde_json::to_string(&r.event()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                            out.push((seq, json));
                        }
                    }
                    None => out.push((seq, record)),
                }
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
        self.write(move |conn| append_reads(conn, key.get(), &records)).await
    }
}
