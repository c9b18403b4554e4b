//! Tampering with the SQLite audit trail behind rekey's back is found:
//! `verify_audit` names the first record edited, removed or moved.

use rekey_model::audit::{AuditEvent, EventType, UserIdentity};
use rekey_store::AuditStore;
use rekey_store::audit::{AuditKey, AuditVerdict};
use rekey_store::sqlite::SqliteStore;
use rusqlite::Connection;

async fn trail(records: usize) -> (SqliteStore, Connection, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = SqliteStore::file_in(dir.path());
    let store = SqliteStore::open(&path).unwrap();
    store.set_audit_key(AuditKey::new([3; 32]));
    for i in 0..records {
        let who = UserIdentity::caller("111111111111", "arn:aws:iam::111111111111:root", "AKIAROOT", None);
        let mut e =
            AuditEvent::new(EventType::AwsApiCall, "GetSecretValue", i as i64 * 1000, who, "us-east-1", "111111111111");
        e.request_parameters = Some(serde_json::json!({ "secretId": format!("s{i}") }));
        store.append_audit(vec![e]).await.unwrap();
    }
    let conn = Connection::open(&path).unwrap();
    (store, conn, dir)
}

fn broken_at(v: AuditVerdict) -> i64 {
    match v {
        AuditVerdict::Broken { seq, .. } => seq,
        AuditVerdict::Intact { records } => panic!("intact ({records} records)"),
    }
}

#[tokio::test]
async fn an_edited_record_is_named() {
    let (store, conn, _dir) = trail(5).await;
    assert_eq!(store.verify_audit().await.unwrap(), AuditVerdict::Intact { records: 5 });
    conn.execute("UPDATE audit SET record = replace(record, '\"s2\"', '\"other\"') WHERE seq = 3", []).unwrap();
    let verdict = store.verify_audit().await.unwrap();
    assert!(matches!(&verdict, AuditVerdict::Broken { event_id: Some(_), .. }), "{verdict:?}");
    assert_eq!(broken_at(verdict), 3);
}

#[tokio::test]
async fn a_removed_record_is_named_by_the_gap() {
    let (store, conn, _dir) = trail(5).await;
    conn.execute("DELETE FROM audit WHERE seq = 2", []).unwrap();
    assert_eq!(broken_at(store.verify_audit().await.unwrap()), 3);
    // Renumbering to close the gap does not help: the MACs bind the numbers.
    conn.execute("UPDATE audit SET seq = seq - 1 WHERE seq > 2", []).unwrap();
    assert_eq!(broken_at(store.verify_audit().await.unwrap()), 2);
}

#[tokio::test]
async fn swapped_records_are_named() {
    let (store, conn, _dir) = trail(5).await;
    conn.execute_batch(
        "UPDATE audit SET seq = -2 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 4; UPDATE audit SET seq = 4 WHERE seq = -2;",
    )
    .unwrap();
    assert_eq!(broken_at(store.verify_audit().await.unwrap()), 2);
}

#[tokio::test]
async fn a_chain_rebuilt_without_the_key_does_not_verify() {
    let (store, conn, _dir) = trail(3).await;
    // Whoever edits the database without the master key cannot make MACs:
    // with another key, the first record already fails.
    let forged = AuditKey::new([4; 32]);
    let mut previous = Vec::new();
    let rows: Vec<(i64, String)> = conn
        .prepare("SELECT seq, record FROM audit ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (seq, record) in rows {
        let mac = forged.mac(&previous, seq, record.as_bytes());
        conn.execute("UPDATE audit SET mac = ?1 WHERE seq = ?2", rusqlite::params![mac.as_slice(), seq]).unwrap();
        previous = mac.to_vec();
    }
    assert_eq!(broken_at(store.verify_audit().await.unwrap()), 1);
}

/// After retention dropped the oldest records, the anchor it left is as
/// tamper-evident as a record: moving it forward (to hide more records),
/// or removing it with more records, is named.
#[tokio::test]
async fn the_retention_anchor_cannot_hide_records() {
    let (store, conn, _dir) = trail(6).await;
    let before = rekey_model::Timestamp::from_millis(2000);
    assert_eq!(store.prune_audit(before, None).await.unwrap(), 2);
    assert_eq!(store.verify_audit().await.unwrap(), AuditVerdict::Intact { records: 4 });
    // Records 3 and 4 removed and the anchor moved past them, MAC and all.
    conn.execute_batch(
        "UPDATE audit_anchor SET seq = 4, mac = (SELECT mac FROM audit WHERE seq = 4); DELETE FROM audit WHERE seq <= 4;",
    )
    .unwrap();
    assert_eq!(broken_at(store.verify_audit().await.unwrap()), 4, "the anchor no longer fits its MAC");
    // The anchor removed: the records before the first one left are missing.
    conn.execute("DELETE FROM audit_anchor", []).unwrap();
    assert_eq!(broken_at(store.verify_audit().await.unwrap()), 5);
}

/// Retention goes by the records' own (MAC'd) times and checks the chain
/// first: making recent records look old (the unauthenticated time column)
/// prunes nothing more, and a trail already tampered with is not pruned
/// (which would hide the damage behind a good anchor).
#[tokio::test]
async fn retention_cannot_be_used_to_drop_recent_records() {
    let (store, conn, _dir) = trail(6).await;
    conn.execute("UPDATE audit SET time_ms = 0", []).unwrap();
    let before = rekey_model::Timestamp::from_millis(2000);
    assert_eq!(store.prune_audit(before, None).await.unwrap(), 2, "records 1 and 2 only, by their own times");
    conn.execute("UPDATE audit SET record = replace(record, '\"s4\"', '\"x\"') WHERE seq = 5", []).unwrap();
    let later = rekey_model::Timestamp::from_millis(10_000);
    assert!(store.prune_audit(later, None).await.is_err(), "a trail that does not verify is not pruned");
    assert_eq!(broken_at(store.verify_audit().await.unwrap()), 3, "the first record left, its time column edited");
}

/// Lookups find records by the columns beside them (time, account,
/// secret, caller) and batches by their keys: editing any of these could
/// hide a record from lookups without touching it, and is named too.
#[tokio::test]
async fn an_edited_index_column_or_key_is_named() {
    for (edit, at) in [
        ("UPDATE audit SET time_ms = 0 WHERE seq = 2", 2),
        ("UPDATE audit SET secret_name = 'other' WHERE seq = 3", 3),
        ("UPDATE audit SET principal = NULL WHERE seq = 1", 1),
        ("UPDATE audit SET account = '222222222222' WHERE seq = 2", 2),
        ("UPDATE audit SET time_last_ms = 0 WHERE batch IS NOT NULL", 4),
        ("DELETE FROM audit_batch_keys WHERE key = 's:read1'", 4),
    ] {
        let (store, conn, _dir) = trail(3).await;
        store.append_read(read("read1", 10_000, None)).expect("queued");
        assert_eq!(store.verify_audit().await.unwrap(), AuditVerdict::Intact { records: 4 });
        conn.execute(edit, []).unwrap();
        assert_eq!(broken_at(store.verify_audit().await.unwrap()), at, "{edit}");
    }
}

/// The record of a GetSecretValue of `secret` by the account's root.
fn read(secret: &str, time_ms: i64, event_id: Option<rekey_model::audit::EventId>) -> rekey_model::audit::CallRecord {
    rekey_model::audit::CallRecord {
        time_ms,
        event_name: "GetSecretValue".into(),
        caller: std::sync::Arc::new(rekey_model::audit::Caller {
            account: "111111111111".into(),
            arn: "arn:aws:iam::111111111111:root".into(),
            access_key_id: "AKIAROOT".into(),
            user: None,
        }),
        region: rekey_model::name::Region::new("us-east-1"),
        account: rekey_model::name::AccountId::parse("111111111111").unwrap(),
        source_ip: None,
        user_agent: "test".into(),
        request_id: rekey_model::request_id::RequestId::random(),
        event_id,
        request_parameters: Some(parameters(secret)),
    }
}

/// A read's parameters, kept as the request sent them.
fn parameters(secret: &str) -> rekey_model::audit::Parameters {
    let body = serde_json::json!({ "SecretId": secret });
    let parameters = rekey_model::audit::Parameters::of(
        rekey_model::api::Operation::GetSecretValue,
        body.to_string().as_bytes(),
        &body,
    );
    assert!(matches!(parameters, rekey_model::audit::Parameters::Body(_)));
    parameters
}

/// A batch row of reads' records: editing one record in it, or moving the
/// row to another account's trail, is found (the account is inside what
/// the MAC covers; lookups read a batch's records only in their own
/// account's trail).
#[tokio::test]
async fn an_edited_or_moved_batch_of_reads_is_named() {
    let (store, conn, _dir) = trail(2).await;
    let ids: Vec<_> = (0..3).map(|_| rekey_model::audit::new_event_id()).collect();
    for (i, id) in ids.iter().enumerate() {
        let i = i as i64;
        store.append_read(read(&format!("read{i}"), 10_000 + i, Some(*id))).expect("queued");
    }
    let account = rekey_model::name::AccountId::parse("111111111111").unwrap();
    let page = store.lookup_audit(rekey_store::audit::AuditQuery::newest(account)).await.unwrap();
    assert_eq!(page.events.len(), 5, "the reads are appended before the lookup");
    assert_eq!(store.verify_audit().await.unwrap(), AuditVerdict::Intact { records: 5 });
    let batch: i64 = conn.query_row("SELECT seq FROM audit WHERE batch IS NOT NULL", [], |r| r.get(0)).unwrap();

    // Moved into another account's trail: not shown there.
    conn.execute("UPDATE audit SET account = '222222222222' WHERE seq = ?1", [batch]).unwrap();
    let theirs = rekey_model::name::AccountId::parse("222222222222").unwrap();
    let page = store.lookup_audit(rekey_store::audit::AuditQuery::newest(theirs)).await.unwrap();
    assert!(page.events.is_empty(), "{:?}", page.events);

    // One record of the batch edited: the batch is named, by its first record.
    conn.execute("UPDATE audit SET record = replace(record, '\"read1\"', '\"other\"') WHERE seq = ?1", [batch])
        .unwrap();
    match store.verify_audit().await.unwrap() {
        AuditVerdict::Broken { seq, event_id, .. } => {
            assert_eq!(seq, batch);
            assert_eq!(event_id, Some(ids[0].to_string()));
        }
        v => panic!("{v:?}"),
    }
}
