//! The audit trail: CloudTrail records, appended in the transaction of the
//! change they describe (a [`SecretWrite`](crate::SecretWrite) carries its
//! records) or alone (reads, failures), and chained so that an edit, a
//! removal or a reordering shows.
//!
//! Each record is stored with a MAC: HMAC-SHA256, under a key kept in the
//! keyring (so only a holder of the master key can make one), of the
//! previous record's MAC, the record's sequence number and its JSON.
//! [`AuditStore::verify_audit`] walks the chain and names the first record
//! that does not fit. A store never appends without a key.

use crate::StoreError;
use hmac::{KeyInit, Mac};
use rekey_model::Timestamp;
use rekey_model::audit::{AuditEvent, CallRecord};
use rekey_model::name::AccountId;
use std::future::Future;
use zeroize::Zeroizing;

/// The key of the audit chain's MACs.
#[derive(Clone)]
pub struct AuditKey(pub(crate) Zeroizing<[u8; 32]>);

impl AuditKey {
    /// A key of these bytes.
    pub fn new(bytes: [u8; 32]) -> Self {
        AuditKey(Zeroizing::new(bytes))
    }

    /// The MAC of the record numbered `seq`, its content `record` (a
    /// record's JSON, a batch's bytes), after the record whose MAC is
    /// `previous` (empty for the first).
    pub fn mac(&self, previous: &[u8], seq: i64, record: &[u8]) -> [u8; 32] {
        let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(self.0.as_slice()).expect("any key length");
        mac.update(&(previous.len() as u64).to_be_bytes());
        mac.update(previous);
        mac.update(&seq.to_be_bytes());
        mac.update(record);
        mac.finalize().into_bytes().into()
    }
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(..)")
    }
}

/// Which records to read (CloudTrail LookupEvents' filters), newest first.
#[derive(Debug, Clone)]
pub struct AuditQuery {
    /// Whose trail: records are only ever read within one account.
    pub account: AccountId,
    /// Only this event name (`GetSecretValue`, `RotationFailed`).
    pub event_name: Option<String>,
    /// Only records about this secret: a name, or an ARN (its name is
    /// what matches, so the records of calls that named it either way).
    pub secret_name: Option<String>,
    /// Only records of this principal (its ARN) or access key.
    pub principal: Option<String>,
    /// Only read-only records (true) or only the others (false).
    pub read_only: Option<bool>,
    /// Records at or after this instant.
    pub start: Option<Timestamp>,
    /// Records before this instant.
    pub end: Option<Timestamp>,
    /// Most records returned.
    pub max_results: usize,
    /// Where the previous page stopped ([`AuditPage::next`]).
    pub after: Option<AuditCursor>,
}

impl AuditQuery {
    /// The first page (50, LookupEvents' default) of `account`'s
    /// records, newest first, unfiltered.
    pub fn newest(account: AccountId) -> Self {
        AuditQuery {
            account,
            event_name: None,
            secret_name: None,
            principal: None,
            read_only: None,
            start: None,
            end: None,
            max_results: 50,
            after: None,
        }
    }
}

/// One page of records.
#[derive(Debug, Clone)]
pub struct AuditPage {
    /// The records, newest first.
    pub events: Vec<AuditEvent>,
    /// Where the next page starts, if there are more.
    pub next: Option<AuditCursor>,
}

/// A record's place in the trail: its row's number and its place in the
/// row (0 for a row of one record; a batch of reads holds many). Ordered
/// as the trail is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct AuditCursor {
    /// The row's sequence number.
    pub seq: i64,
    /// The record's place in its row.
    pub index: usize,
}

impl std::fmt::Display for AuditCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.seq, self.index)
    }
}

impl std::str::FromStr for AuditCursor {
    type Err = ();

    /// `<seq>.<index>`, or `<seq>` (index 0).
    fn from_str(s: &str) -> Result<Self, ()> {
        let (seq, index) = s.split_once('.').unwrap_or((s, "0"));
        Ok(AuditCursor { seq: seq.parse().map_err(|_| ())?, index: index.parse().map_err(|_| ())? })
    }
}

/// What walking the chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditVerdict {
    /// Every record fits the chain.
    Intact {
        /// How many records there are.
        records: u64,
    },
    /// The first record that does not fit.
    Broken {
        /// Its sequence number.
        seq: i64,
        /// Its event id, if the record can be read.
        event_id: Option<String>,
        /// What is wrong: edited, or a record before it removed or moved.
        why: String,
    },
}

/// The most records one [`AuditStore::prune_audit`] call drops (a pass
/// stays short on the writer; later passes catch up).
pub const PRUNE_BATCH: usize = 10_000;

impl AuditKey {
    /// The MAC of the anchor that stands for the dropped records up to
    /// `seq`, the last of which had MAC `last`.
    pub fn anchor_mac(&self, seq: i64, last: &[u8]) -> [u8; 32] {
        self.mac(b"rekey-audit-anchor", seq, hex::encode(last).as_bytes())
    }
}

/// Where audit records are kept.
pub trait AuditStore: Send + Sync + 'static {
    /// Sets the chain's key (from the keyring, through the seal); until
    /// then nothing can be appended.
    fn set_audit_key(&self, key: AuditKey);

    /// Appends records that go with no change (a read, a failure), durably.
    fn append_audit(&self, events: Vec<AuditEvent>) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Queues the record of a successful read, to be appended (in a batch
    /// row with the others of its account) with the next commit, without
    /// waiting for it: a read changes nothing, so no change can be left
    /// without its record. A failure to append is logged; records queued
    /// when the process dies are lost.
    ///
    /// When too many records wait (the writer is stalled or slower than
    /// the reads), the record is handed back: the caller appends it with
    /// [`append_audit`](Self::append_audit) and waits, as a write would,
    /// so memory stays bounded and no record is dropped.
    fn append_read(&self, record: CallRecord) -> Result<(), Box<CallRecord>>;

    /// Reads a page of records.
    fn lookup_audit(&self, query: AuditQuery) -> impl Future<Output = Result<AuditPage, StoreError>> + Send;

    /// Walks the whole chain with the key.
    fn verify_audit(&self) -> impl Future<Output = Result<AuditVerdict, StoreError>> + Send;

    /// Records of the rows numbered after `after`, oldest first, as
    /// CloudTrail's JSON: what a sink delivers. Whole rows (a batch row's
    /// records all carry its number), until there are `limit` records or
    /// more.
    fn audit_since(
        &self,
        after: i64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<(i64, String)>, StoreError>> + Send;

    /// The number of the last record of the trail (0: none yet).
    fn audit_head(&self) -> impl Future<Output = Result<i64, StoreError>> + Send;

    /// The last record the sink `sink` delivered (0: none yet).
    fn audit_delivered(&self, sink: &str) -> impl Future<Output = Result<i64, StoreError>> + Send;

    /// Drops the oldest records, those from before `before` (at most
    /// [`PRUNE_BATCH`] a call) but never one after `keep_from` (the first
    /// record a sink has yet to deliver), and keeps the last one dropped as
    /// the chain's MAC'd anchor, so that the trail still verifies from
    /// there and any other removal still shows. How many went.
    fn prune_audit(
        &self,
        before: Timestamp,
        keep_from: Option<i64>,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send;

    /// Records that the sink `sink` delivered every record up to `seq`.
    fn set_audit_delivered(&self, sink: &str, seq: i64) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Takes, or keeps, the right to deliver sink `sink` for `owner` until
    /// `until`, unless another holds it at `now`: whether `owner` holds it.
    /// Nodes sharing a store deliver each sink one at a time (always true
    /// for a store no other process shares).
    fn hold_sink(
        &self,
        sink: &str,
        owner: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        let _ = (sink, owner, now, until);
        async { Ok(true) }
    }
}
