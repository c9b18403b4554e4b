//! The audit trail's checks: records go in with their change or alone,
//! never without a key, and come back by LookupEvents' filters, newest
//! first, in pages, within one account; the chain verifies.

use super::{at, create, mutate, ns, record, write};
use crate::audit::{AuditKey, AuditQuery, AuditVerdict};
use crate::{Change, Store};
use rekey_model::ApiError;
use rekey_model::audit::{AuditEvent, CallRecord, EventType, UserIdentity};
use rekey_model::name::AccountId;

const ALICE: &str = "arn:aws:iam::111111111111:user/alice";

fn event(name: &str, secs: i64, who: &str, secret: &str, read_only: bool) -> AuditEvent {
    let identity = UserIdentity::caller("111111111111", who, &format!("AKIA{}", who.len()), None);
    let mut e = AuditEvent::new(EventType::AwsApiCall, name, secs * 1000, identity, "us-east-1", "111111111111");
    e.request_parameters = Some(serde_json::json!({ "secretId": secret }));
    e.read_only = read_only;
    e
}

fn query(f: impl FnOnce(&mut AuditQuery)) -> AuditQuery {
    let mut q = AuditQuery::newest(AccountId::parse("111111111111").expect("account"));
    f(&mut q);
    q
}

async fn names<S: Store>(store: &S, q: AuditQuery) -> Vec<String> {
    store.lookup_audit(q).await.expect("lookup").events.into_iter().map(|e| e.event_name).collect()
}

/// Without a key nothing is appended, alone or with a change (and the
/// change does not happen either).
pub async fn audit_records_need_the_key<S: Store>(store: &S) {
    assert!(store.append_audit(vec![event("GetSecretValue", 1, ALICE, "app/db", true)]).await.is_err());
    let a = ns("111111111111", "us-east-1");
    let mut w = write(record(&a, "keyless", 0), &["v1"], &[("AWSCURRENT", "v1")]);
    w.audit.push(event("CreateSecret", 1, ALICE, "keyless", false));
    assert!(mutate(store, &a, "keyless", move |_| Ok((Change::write(w), ()))).await.is_err());
    assert!(store.load(&a, &super::name("keyless")).await.expect("load").is_none(), "no change without its record");
}

/// Records come back newest first, by event name, secret (however the
/// call named it), principal or access key, read-only or not, and time,
/// in pages; another account sees none of them; a record goes in with
/// its change and not with a change that failed; the chain verifies.
pub async fn audit_records_are_found_and_chained<S: Store>(store: &S) {
    store.set_audit_key(AuditKey::new([7; 32]));
    let a = ns("111111111111", "us-east-1");
    let db = create(store, record(&a, "app/db", 0), &["v1"], &[("AWSCURRENT", "v1")]).await;
    let arn = db.secret.arn.to_string();
    store.append_audit(vec![event("GetSecretValue", 10, ALICE, "app/db", true)]).await.expect("appended");
    let bob = "arn:aws:iam::111111111111:user/bob";
    let mut w = write(db.secret.clone(), &["v2"], &[("AWSCURRENT", "v2"), ("AWSPREVIOUS", "v1")]);
    w.audit.push(event("PutSecretValue", 20, bob, &arn, false));
    mutate(store, &a, "app/db", move |_| Ok((Change::write(w), ()))).await.expect("written");
    let failed = event("DeleteSecret", 25, bob, "app/db", false);
    let r: Result<(), ApiError> =
        mutate(store, &a, "app/db", move |_| Err(ApiError::invalid_request("no"))).await.map(|_: ()| ());
    assert!(r.is_err());
    store.append_audit(vec![failed]).await.expect("appended");
    store.append_audit(vec![event("ListSecrets", 30, ALICE, "", true)]).await.expect("appended");
    let other = AccountId::parse("222222222222").expect("account");
    let mut theirs = event("GetSecretValue", 40, ALICE, "app/db", true);
    theirs.recipient_account_id = other.to_string();
    store.append_audit(vec![theirs]).await.expect("appended");

    let all = names(store, query(|_| {})).await;
    assert_eq!(all, ["ListSecrets", "DeleteSecret", "PutSecretValue", "GetSecretValue"]);
    assert_eq!(names(store, query(|q| q.event_name = Some("PutSecretValue".into()))).await, ["PutSecretValue"]);
    // By name or by ARN: the same secret either way.
    for id in ["app/db", arn.as_str()] {
        let found = names(store, query(|q| q.secret_name = Some(id.into()))).await;
        assert_eq!(found, ["DeleteSecret", "PutSecretValue", "GetSecretValue"], "{id}");
    }
    assert_eq!(names(store, query(|q| q.principal = Some(bob.into()))).await, ["DeleteSecret", "PutSecretValue"]);
    let key = format!("AKIA{}", bob.len());
    assert_eq!(names(store, query(|q| q.principal = Some(key))).await.len(), 2, "by access key too");
    assert_eq!(names(store, query(|q| q.read_only = Some(true))).await, ["ListSecrets", "GetSecretValue"]);
    let window = query(|q| {
        q.start = Some(at(20_000));
        q.end = Some(at(30_000));
    });
    assert_eq!(names(store, window).await, ["DeleteSecret", "PutSecretValue"]);
    let theirs = names(store, query(|q| q.account = other.clone())).await;
    assert_eq!(theirs, ["GetSecretValue"], "each account reads its own trail");

    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .lookup_audit(query(|q| {
                q.max_results = 1;
                q.after = after;
            }))
            .await
            .expect("page");
        assert!(page.events.len() <= 1);
        paged.extend(page.events.into_iter().map(|e| e.event_name));
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(paged, all, "pages cover the trail once");
    assert_eq!(store.verify_audit().await.expect("verified"), AuditVerdict::Intact { records: 5 });

    // What a sink delivers: every account's records in order, from where
    // it stopped; its progress only moves forward.
    let since = store.audit_since(0, 100).await.expect("since");
    let order: Vec<&str> = since
        .iter()
        .map(|(_, r)| serde_json::from_str::<AuditEvent>(r).expect("JSON"))
        .map(|e| match e.event_name.as_str() {
            "GetSecretValue" => "Get",
            "PutSecretValue" => "Put",
            "DeleteSecret" => "Delete",
            "ListSecrets" => "List",
            _ => "?",
        })
        .collect();
    assert_eq!(order, ["Get", "Put", "Delete", "List", "Get"], "every account's, oldest first");
    assert!(since.windows(2).all(|w| w[0].0 < w[1].0));
    let tail = store.audit_since(since[2].0, 100).await.expect("since");
    assert_eq!(tail.len(), 2);
    assert_eq!(store.audit_since(since[0].0, 1).await.expect("since").len(), 1, "at most the limit");
    assert_eq!(store.audit_delivered("file").await.expect("cursor"), 0);
    store.set_audit_delivered("file", since[3].0).await.expect("set");
    store.set_audit_delivered("file", since[1].0).await.expect("set");
    assert_eq!(store.audit_delivered("file").await.expect("cursor"), since[3].0, "never backwards");
    assert_eq!(store.audit_delivered("other").await.expect("cursor"), 0, "each sink its own");
}

/// Retention drops the oldest records, never one a sink has yet to
/// deliver, and leaves an anchor: the rest still verifies, appends go on
/// after the dropped ones, and lookups no longer see them.
pub async fn audit_records_are_pruned_behind_an_anchor<S: Store>(store: &S) {
    store.set_audit_key(AuditKey::new([9; 32]));
    for day in 0..6 {
        let e = event("GetSecretValue", day * 86_400, ALICE, "app/db", true);
        store.append_audit(vec![e]).await.expect("appended");
    }
    let day = |d: i64| rekey_model::Timestamp::from_millis(d * 86_400_000);
    assert_eq!(store.prune_audit(day(0), None).await.expect("pruned"), 0, "nothing that old");
    assert_eq!(store.prune_audit(day(4), Some(3)).await.expect("pruned"), 2, "a sink has yet to deliver record 3");
    assert_eq!(store.verify_audit().await.expect("verified"), AuditVerdict::Intact { records: 4 });
    assert_eq!(store.prune_audit(day(4), None).await.expect("pruned"), 2);
    assert_eq!(store.verify_audit().await.expect("verified"), AuditVerdict::Intact { records: 2 });
    assert_eq!(store.audit_since(0, 10).await.expect("since").first().map(|r| r.0), Some(5));
    // Everything goes; the next record still chains on.
    assert_eq!(store.prune_audit(day(10), None).await.expect("pruned"), 2);
    assert_eq!(store.verify_audit().await.expect("verified"), AuditVerdict::Intact { records: 0 });
    assert_eq!(store.audit_head().await.expect("head"), 6);
    store.append_audit(vec![event("ListSecrets", 11 * 86_400, ALICE, "", true)]).await.expect("appended");
    assert_eq!(store.audit_since(0, 10).await.expect("since").first().map(|r| r.0), Some(7));
    assert_eq!(store.verify_audit().await.expect("verified"), AuditVerdict::Intact { records: 1 });
    assert_eq!(names(store, query(|_| {})).await, ["ListSecrets"]);
}

/// Time bounds find records even where their numbers are a little out of
/// time order (a request that arrived first may commit later).
pub async fn audit_time_bounds_allow_records_out_of_order<S: Store>(store: &S) {
    store.set_audit_key(AuditKey::new([5; 32]));
    for secs in [100, 160, 130, 200, 190, 300] {
        store.append_audit(vec![event(&format!("E{secs}"), secs, ALICE, "x", true)]).await.expect("appended");
    }
    let at = |s: i64| Some(rekey_model::Timestamp::from_millis(s * 1000));
    let between = |start, end| query(move |q| (q.start, q.end) = (start, end));
    assert_eq!(names(store, between(at(150), at(195))).await, ["E190", "E160"]);
    assert_eq!(names(store, between(at(125), at(195))).await, ["E190", "E130", "E160"]);
    assert_eq!(names(store, between(at(301), None)).await, Vec::<String>::new());
    assert_eq!(names(store, between(None, at(100))).await, Vec::<String>::new());
    assert_eq!(names(store, between(None, at(101))).await, ["E100"]);
}

fn read(name: &str, secs: i64, who: &str, secret: &str, account: &str) -> CallRecord {
    CallRecord {
        time_ms: secs * 1000,
        event_name: name.to_string().into(),
        caller: std::sync::Arc::new(rekey_model::audit::Caller {
            account: "111111111111".into(),
            arn: who.into(),
            access_key_id: format!("AKIA{}", who.len()),
            user: None,
        }),
        region: rekey_model::name::Region::new("us-east-1"),
        account: AccountId::parse(account).expect("an account id"),
        source_ip: Some([192, 0, 2, 1].into()),
        user_agent: "aws-cli/2".into(),
        request_id: rekey_model::request_id::RequestId::random(),
        // Most records' ids are their request's, some have their own.
        event_id: (secs % 3 == 0).then(rekey_model::audit::new_event_id),
        request_parameters: Some(parameters(name, secret)),
    }
}

/// A call's parameters as the service keeps them (as sent, when they can be).
fn parameters(op: &str, secret: &str) -> rekey_model::audit::Parameters {
    let body = serde_json::json!({ "SecretId": secret });
    match rekey_model::api::Operation::from_name(op) {
        Some(op) => rekey_model::audit::Parameters::of(op, body.to_string().as_bytes(), &body),
        None => rekey_model::audit::Parameters::Redacted(serde_json::json!({ "secretId": secret })),
    }
}

/// Reads' records, stored in batches, come back as any record does: by
/// every filter, in trail order among the others, in pages that may stop
/// inside a batch, each as the CloudTrail record its `CallRecord`
/// renders; the chain verifies, and a sink gets every one.
pub async fn audit_batched_reads_are_found_like_any_record<S: Store>(store: &S) {
    store.set_audit_key(AuditKey::new([3; 32]));
    let bob = "arn:aws:iam::111111111111:user/bob";
    let arn = "arn:aws:secretsmanager:us-east-1:111111111111:secret:app/db-AbCdEf";
    let first = [
        read("GetSecretValue", 10, ALICE, "app/db", "111111111111"),
        read("GetSecretValue", 11, bob, "other", "111111111111"),
        read("DescribeSecret", 12, ALICE, "app/db", "111111111111"),
    ];
    for r in first.clone() {
        store.append_read(r).expect("queued");
    }
    // A lookup first appends what is queued.
    assert_eq!(names(store, query(|_| {})).await.len(), 3);
    store.append_audit(vec![event("PutSecretValue", 20, bob, "app/db", false)]).await.expect("appended");
    let later =
        [read("GetSecretValue", 30, ALICE, arn, "111111111111"), read("ListSecrets", 31, ALICE, "", "222222222222")];
    for r in later.clone() {
        store.append_read(r).expect("queued");
    }

    let all = names(store, query(|_| {})).await;
    assert_eq!(all, ["GetSecretValue", "PutSecretValue", "DescribeSecret", "GetSecretValue", "GetSecretValue"]);
    let page = store.lookup_audit(query(|_| {})).await.expect("lookup");
    assert_eq!(page.events[0], later[0].event(), "rendered by the CallRecord, same event id");
    assert_eq!(page.events[4], first[0].event());
    let found = |f: fn(&mut AuditQuery)| async move {
        let page = store.lookup_audit(query(f)).await.expect("lookup");
        page.events.into_iter().map(|e| e.event_time[17..19].to_string()).collect::<Vec<_>>().join(",")
    };
    assert_eq!(found(|q| q.event_name = Some("GetSecretValue".into())).await, "30,11,10");
    assert_eq!(found(|q| q.secret_name = Some("app/db".into())).await, "30,20,12,10", "by name or ARN");
    assert_eq!(found(|q| q.principal = Some("arn:aws:iam::111111111111:user/bob".into())).await, "20,11");
    assert_eq!(
        found(|q| q.principal = Some(format!("AKIA{}", "arn:aws:iam::111111111111:user/bob".len()))).await,
        "20,11"
    );
    assert_eq!(found(|q| q.read_only = Some(true)).await, "30,12,11,10");
    assert_eq!(found(|q| q.read_only = Some(false)).await, "20");
    let window = |q: &mut AuditQuery| (q.start, q.end) = (Some(at(11_000)), Some(at(21_000)));
    assert_eq!(found(window).await, "20,12,11");
    let both = |q: &mut AuditQuery| {
        q.event_name = Some("GetSecretValue".into());
        q.principal = Some(ALICE.into());
    };
    assert_eq!(found(both).await, "30,10");
    let theirs = names(store, query(|q| q.account = AccountId::parse("222222222222").expect("account"))).await;
    assert_eq!(theirs, ["ListSecrets"], "each account reads its own trail");

    for size in [1, 2, 3] {
        let (mut paged, mut after) = (Vec::new(), None);
        loop {
            let page = store
                .lookup_audit(query(|q| {
                    q.max_results = size;
                    q.after = after;
                }))
                .await
                .expect("page");
            assert!(page.events.len() <= size);
            paged.extend(page.events.into_iter().map(|e| e.event_name));
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        assert_eq!(paged, all, "pages of {size} cover the trail once");
    }
    assert_eq!(store.verify_audit().await.expect("verified"), AuditVerdict::Intact { records: 6 });
    let delivered: Vec<AuditEvent> = store
        .audit_since(0, 100)
        .await
        .expect("since")
        .iter()
        .map(|(_, r)| serde_json::from_str(r).expect("CloudTrail JSON"))
        .collect();
    assert_eq!(delivered.len(), 6, "a sink gets every record");
    assert!(delivered.contains(&later[1].event()) && delivered.contains(&first[1].event()));
    // A row is delivered whole, however small the limit.
    let every = store.audit_since(0, 100).await.expect("since");
    let one = store.audit_since(0, 1).await.expect("since");
    assert!(one.iter().all(|(seq, _)| *seq == one[0].0));
    assert_eq!(one.len(), every.iter().filter(|(seq, _)| *seq == one[0].0).count());
}
