//! The audit trail's rows, whatever database holds them: what a row says
//! beside its content (the columns lookups filter by), the keys a batch
//! row of reads is found by, reading a row's records, and walking the
//! chain (for `verify` and for retention's `prune`).
//!
//! A row is one record (its CloudTrail JSON) or a batch of reads (the
//! records of successful reads of one account, packed by
//! [`read_batch`](crate::read_batch)). Each row is chained to the one
//! before by its MAC (see [`AuditKey::mac`]).

use crate::StoreError;
use crate::audit::{AuditCursor, AuditKey, AuditQuery, AuditVerdict};
use crate::read_batch;
use rekey_model::audit::{self, AuditEvent, CallRecord};
use rekey_model::identity::secrets_equal;
use std::collections::HashSet;
use std::sync::Arc;

/// The most records one batch row holds: a lookup reads a whole row to
/// find one record in it, so rows stay small; at about 20 bytes a record,
/// this many fill most of a 4 KiB page, and a row's own cost (its insert
/// and index entries) is small against theirs.
pub const BATCH_MAX: usize = 128;

/// How far out of time order records may be numbered: a record's time is
/// when its request arrived, its number when it was committed (reads wait
/// up to 50 ms to be appended; a request takes at most its timeouts).
pub const SKEW_MS: i64 = 10 * 60_000;

/// What a row holds beside its content, for the indexes lookups filter
/// by: derived from the content when the row is appended, and checked
/// against it by the chain walk (a lookup trusts them, so an edit of one,
/// which could hide a record from lookups, must show).
#[derive(Debug, Clone, PartialEq)]
pub struct Columns {
    /// The (first) record's time, in milliseconds.
    pub time_ms: i64,
    /// A batch's last record's time.
    pub time_last_ms: Option<i64>,
    /// Whose trail.
    pub account: String,
    /// The record's event name (empty for a batch).
    pub event_name: String,
    /// The secret's name the record is about.
    pub secret_name: Option<String>,
    /// The caller's ARN.
    pub principal: Option<String>,
    /// The caller's access key.
    pub access_key: Option<String>,
    /// Whether the record is of a read.
    pub read_only: bool,
    /// How many records a batch row holds (`None`: one record, as JSON).
    pub batch: Option<i64>,
}

impl Columns {
    /// A single record's row.
    pub fn of_record(event: &AuditEvent) -> Columns {
        let who = &event.user_identity;
        Columns {
            time_ms: rekey_model::calendar::parse_utc(&event.event_time).unwrap_or_default(),
            time_last_ms: None,
            account: event.recipient_account_id.clone(),
            event_name: event.event_name.clone(),
            secret_name: event.secret().map(audit::secret_name),
            principal: who.arn.clone(),
            access_key: who.access_key_id.clone(),
            read_only: event.read_only,
            batch: None,
        }
    }

    /// A batch row of `account`'s `records` (found by its keys, not by
    /// these columns but for the account and the times).
    pub fn of_batch(account: &str, records: &[&CallRecord]) -> Columns {
        Columns {
            time_ms: records.iter().map(|r| r.time_ms).min().unwrap_or_default(),
            time_last_ms: Some(records.iter().map(|r| r.time_ms).max().unwrap_or_default()),
            account: account.to_string(),
            event_name: String::new(),
            secret_name: None,
            principal: None,
            access_key: None,
            read_only: true,
            batch: Some(records.len() as i64),
        }
    }
}

/// What a batch row is listed under: `<kind>:<value>` for each event name
/// (`e`), secret name (`s`), principal and access key (`p`) its records
/// have, each once (records of one batch mostly repeat a few).
pub fn batch_keys(records: &[&CallRecord]) -> HashSet<String> {
    let mut keys = HashSet::new();
    let mut previous: Option<&CallRecord> = None;
    for &r in records {
        // Mostly what the record before had: compared before it is listed.
        let p = previous.replace(r);
        if p.is_none_or(|p| p.event_name != r.event_name) {
            keys.insert(format!("e:{}", r.event_name));
        }
        if p.is_none_or(|p| p.request_parameters != r.request_parameters) {
            // A secret is listed by its name, however the call named it.
            if let Some(secret) = r.secret() {
                keys.insert(format!("s:{}", audit::secret_name(&secret)));
            }
        }
        if p.is_none_or(|p| !Arc::ptr_eq(&p.caller, &r.caller) && p.caller != r.caller) {
            // A principal by its ARN and by its access key alike (they never
            // collide), so that a lookup by either reads one key.
            for principal in [&r.caller.arn, &r.caller.access_key_id] {
                if !principal.is_empty() {
                    keys.insert(format!("p:{principal}"));
                }
            }
        }
    }
    keys
}

/// The keys a query's filters look for, most selective first (a secret,
/// a principal, an event name): a batch row may hold a match only if it
/// is listed under all of them.
pub fn query_keys(q: &AuditQuery) -> Vec<String> {
    [
        q.secret_name.as_ref().map(|s| format!("s:{}", audit::secret_name(s))),
        q.principal.as_ref().map(|p| format!("p:{p}")),
        q.event_name.as_ref().map(|e| format!("e:{e}")),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Whether a batched read's record passes the query's filters (the rows
/// were chosen by their keys; this checks each record).
pub fn matches(q: &AuditQuery, r: &CallRecord) -> bool {
    // The account inside the MAC'd content, not the column alone.
    r.account == q.account
        && q.event_name.as_ref().is_none_or(|e| *e == r.event_name)
        && q.secret_name
            .as_ref()
            .is_none_or(|s| r.secret().map(|r| audit::secret_name(&r)) == Some(audit::secret_name(s)))
        && q.principal
            .as_ref()
            .is_none_or(|p| *p == r.caller.arn || (!r.caller.access_key_id.is_empty() && *p == r.caller.access_key_id))
        && q.start.is_none_or(|t| r.time_ms >= t.millis())
        && q.end.is_none_or(|t| r.time_ms < t.millis())
}

/// What a lookup page needs next (see [`Page::step`]).
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// The next batch row, newest first ([`Page::add_batch`]), or word
    /// that there are no more.
    NeedBatch,
    /// A record was taken: step again.
    Took,
    /// The page is complete.
    Done,
}

/// A lookup's page, merged newest first from the rows of one record that
/// pass the query (read by their indexes, newest first, at most a page
/// and one) and the batch rows that may hold some (whose records are
/// filtered one by one): each backend reads the rows, this decides.
pub struct Page<'q> {
    q: &'q AuditQuery,
    limit: usize,
    singles: std::iter::Peekable<std::vec::IntoIter<(i64, AuditEvent)>>,
    /// Records of the batch rows read, oldest first (`pop` gives the newest).
    pending: Vec<(AuditCursor, CallRecord)>,
    found: Vec<(AuditCursor, AuditEvent)>,
}

impl<'q> Page<'q> {
    /// A page of `q` over these single records (newest first).
    pub fn new(q: &'q AuditQuery, singles: Vec<(i64, AuditEvent)>) -> Self {
        let limit = q.max_results.max(1);
        Page {
            q,
            limit,
            singles: singles.into_iter().peekable(),
            pending: Vec::new(),
            found: Vec::with_capacity(limit + 1),
        }
    }

    /// Adds the records of the next batch row that pass the query.
    pub fn add_batch(&mut self, seq: i64, content: &[u8]) -> Result<(), StoreError> {
        for (index, r) in batch_records(seq, content)?.into_iter().enumerate() {
            let at = AuditCursor { seq, index };
            if self.q.after.is_none_or(|after| at < after) && matches(self.q, &r) {
                self.pending.push((at, r));
            }
        }
        Ok(())
    }

    /// Takes the newest record left, unless a batch row must be read
    /// first (`batches_left`: some may remain) or the page is complete.
    pub fn step(&mut self, batches_left: bool) -> Step {
        if self.found.len() > self.limit {
            return Step::Done;
        }
        if self.pending.is_empty() && batches_left {
            return Step::NeedBatch;
        }
        let single_first = match (self.singles.peek(), self.pending.last()) {
            (Some((seq, _)), Some((at, _))) => *seq > at.seq,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return Step::Done,
        };
        if single_first {
            let (seq, event) = self.singles.next().expect("peeked");
            self.found.push((AuditCursor { seq, index: 0 }, event));
        } else {
            let (at, record) = self.pending.pop().expect("looked at");
            self.found.push((at, record.event()));
        }
        Step::Took
    }

    /// The page, and where the next one starts.
    pub fn finish(mut self) -> crate::audit::AuditPage {
        let next = (self.found.len() > self.limit).then(|| self.found[self.limit - 1].0);
        self.found.truncate(self.limit);
        crate::audit::AuditPage { events: self.found.into_iter().map(|(_, e)| e).collect(), next }
    }
}

/// The records batch row `seq` holds.
pub fn batch_records(seq: i64, content: &[u8]) -> Result<Vec<CallRecord>, StoreError> {
    read_batch::unpack(content).map_err(|why| StoreError::Corrupt(format!("audit record {seq}: {why}")))
}

/// The record a single row holds.
pub fn single_record(seq: i64, record: &[u8]) -> Result<AuditEvent, StoreError> {
    serde_json::from_slice(record).map_err(|e| StoreError::Corrupt(format!("audit record {seq}: {e}")))
}

/// A row's records as CloudTrail's JSON, oldest first: what a sink delivers.
pub fn delivered(seq: i64, content: Vec<u8>, batch: Option<i64>) -> Result<Vec<String>, StoreError> {
    match batch {
        Some(_) => batch_records(seq, &content)?
            .iter()
            .map(|r| serde_json::to_string(&r.event()).map_err(|e| StoreError::Corrupt(e.to_string())))
            .collect(),
        None => Ok(vec![String::from_utf8(content).map_err(|e| StoreError::Corrupt(e.to_string()))?]),
    }
}

/// The anchor retention leaves in place of the records it dropped.
#[derive(Debug, Clone)]
pub struct Anchor {
    /// The last record dropped.
    pub seq: i64,
    /// Its MAC, which the next record chains on.
    pub mac: Vec<u8>,
    /// The anchor's own MAC (`AuditKey::anchor_mac`).
    pub anchor_mac: Vec<u8>,
}

/// A stored row, as the chain walk reads it.
pub struct Row {
    /// Its number.
    pub seq: i64,
    /// Its content: a record's JSON, or a batch's bytes.
    pub content: Vec<u8>,
    /// Its MAC.
    pub mac: Vec<u8>,
    /// What it says beside its content.
    pub columns: Columns,
}

/// Walks the chain from its start (the anchor, or the first record),
/// one row at a time, in number order.
pub struct Walk<'k> {
    key: &'k AuditKey,
    expected: i64,
    previous: Vec<u8>,
    /// Records in the rows walked so far.
    pub records: u64,
}

impl<'k> Walk<'k> {
    /// A walk from `anchor` (none: from the first record); the verdict
    /// when the anchor itself was edited.
    pub fn start(key: &'k AuditKey, anchor: Option<Anchor>) -> Result<Walk<'k>, AuditVerdict> {
        let mut walk = Walk { key, expected: 1, previous: Vec::new(), records: 0 };
        if let Some(a) = anchor {
            if !secrets_equal(&key.anchor_mac(a.seq, &a.mac), &a.anchor_mac) {
                let why = "the anchor left by retention was edited".to_string();
                return Err(AuditVerdict::Broken { seq: a.seq, event_id: None, why });
            }
            (walk.expected, walk.previous) = (a.seq + 1, a.mac);
        }
        Ok(walk)
    }

    /// Whether row `seq` with this content and MAC is the next link.
    pub fn fits(&self, seq: i64, content: &[u8], mac: &[u8]) -> bool {
        seq == self.expected && secrets_equal(&self.key.mac(&self.previous, seq, content), mac)
    }

    /// Moves past a row that [`fits`](Self::fits).
    pub fn advance(&mut self, seq: i64, mac: Vec<u8>) {
        (self.expected, self.previous) = (seq + 1, mac);
    }

    /// Checks the next row: its place, its MAC, and that its columns (and,
    /// for a batch row, the keys `listed` gives for it) are what its
    /// content says. `Ok(Some(verdict))` names the first row that does
    /// not fit.
    pub fn verify(
        &mut self,
        row: Row,
        listed: impl FnOnce(&str) -> Result<HashSet<String>, StoreError>,
    ) -> Result<Option<AuditVerdict>, StoreError> {
        let Row { seq, content, mac, columns: stored } = row;
        let broken = |why: &str| {
            // The row's (first) record's id, if it can be read.
            let event_id = match stored.batch {
                Some(_) => batch_records(seq, &content).ok().and_then(|r| r.first().map(|r| r.event_id().to_string())),
                None => single_record(seq, &content).ok().map(|e| e.event_id),
            };
            Some(AuditVerdict::Broken { seq, event_id, why: why.into() })
        };
        if seq != self.expected {
            return Ok(broken(&format!("records {} to {} are missing", self.expected, seq - 1)));
        }
        if !self.fits(seq, &content, &mac) {
            // Its MAC fits neither its content after its predecessor: it was
            // edited, or it moved.
            return Ok(broken("the record was edited, or moved from elsewhere in the trail"));
        }
        // The content is authentic: what the row says beside it must agree.
        let derived = match stored.batch {
            Some(_) => {
                let held = batch_records(seq, &content)?;
                let held: Vec<&CallRecord> = held.iter().collect();
                let account = held.first().map_or(stored.account.as_str(), |r| r.account.as_str());
                // Every key the records have must be listed (one missing
                // hides them from lookups by it).
                if !batch_keys(&held).is_subset(&listed(account)?) {
                    return Ok(broken("its lookup keys were edited: lookups would miss its records"));
                }
                self.records += held.len() as u64;
                Columns::of_batch(account, &held)
            }
            None => {
                self.records += 1;
                Columns::of_record(&single_record(seq, &content)?)
            }
        };
        if derived != stored {
            return Ok(broken("its index columns were edited: lookups would miss it or show it elsewhere"));
        }
        self.advance(seq, mac);
        Ok(None)
    }
}

/// A row's newest record's time, by its own MAC'd content (never the
/// column, which anyone who can edit the database could set), and how
/// many records it holds: what retention decides by.
pub fn age_of(seq: i64, content: &[u8], batch: Option<i64>) -> Result<(i64, usize), StoreError> {
    Ok(match batch {
        Some(_) => {
            let records = batch_records(seq, content)?;
            (records.iter().map(|r| r.time_ms).max().unwrap_or(i64::MAX), records.len())
        }
        None => {
            let event = single_record(seq, content)?;
            (rekey_model::calendar::parse_utc(&event.event_time).unwrap_or(i64::MAX), 1)
        }
    })
}

/// A row as retention reads it: number, content, MAC, batch size.
pub type OldRow = (i64, Vec<u8>, Vec<u8>, Option<i64>);

/// Which of the oldest rows (in number order, after `anchor`) retention
/// drops: those older than `before` and before `keep_from`, checking the
/// chain as it goes (a trail that does not verify is not pruned: that
/// would cover the damage with a good anchor). The last row dropped
/// (number and MAC) and how many records went.
pub fn prunable(
    key: &AuditKey,
    anchor: Option<Anchor>,
    oldest: Vec<OldRow>,
    before: i64,
    keep_from: Option<i64>,
) -> Result<Option<(i64, Vec<u8>, usize)>, StoreError> {
    let mut walk = Walk::start(key, anchor)
        .map_err(|_| StoreError::Corrupt("the audit trail's anchor does not verify; nothing was pruned".into()))?;
    let (mut last, mut dropped) = (None, 0);
    for (seq, content, mac, batch) in oldest {
        if !walk.fits(seq, &content, &mac) {
            return Err(StoreError::Corrupt(format!(
                "audit record {seq} does not verify; nothing was pruned (run `rekey admin audit verify`)"
            )));
        }
        // A row goes when all its records are old enough.
        let (time, records) = age_of(seq, &content, batch)?;
        if time >= before || keep_from.is_some_and(|k| seq >= k) {
            break;
        }
        walk.advance(seq, mac.clone());
        last = Some((seq, mac));
        dropped += records;
    }
    Ok(last.map(|(seq, mac)| (seq, mac, dropped)))
}
