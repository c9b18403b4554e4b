//! Benchmark: LookupEvents' queries against trails of 10k and 1M records
//! (the figure), each query's p50 and its ratio to the same query
//! on the 10k trail. The records are realistic: 50 users of one account
//! reading and writing 5,000 secrets, mostly reads, over 30 days, appended
//! as the server appends them: the reads' through `append_read` (so in
//! batch rows), the writes' through `append_audit`. Run by
//! `bench/audit-lookup`.
//!
//! usage: audit_lookup_bench <work-dir> [sizes...]

use rekey_model::Timestamp;
use rekey_model::api::Operation;
use rekey_model::audit::{AuditEvent, CallRecord, EventType, Parameters, UserIdentity};
use rekey_model::name::AccountId;
use rekey_store::AuditStore;
use rekey_store::audit::{AuditKey, AuditQuery};
use rekey_store::sqlite::SqliteStore;
use std::time::Instant;

const START_MS: i64 = 1_800_000_000_000;
const SPAN_MS: i64 = 30 * 86_400_000;
const ACCOUNT: &str = "111111111111";

/// Who makes the `i`th record, when, about what (of `n` over the span).
fn parts(i: i64, n: i64) -> (String, String, i64, Option<serde_json::Value>) {
    let user = format!("arn:aws:iam::{ACCOUNT}:user/u{}", i % 50);
    let key = format!("AKIAUSER{:08}", i % 50);
    let time = START_MS + i * SPAN_MS / n;
    (user, key, time, Some(serde_json::json!({ "secretId": format!("app/s{}", (i * 7919) % 5000) })))
}

/// Every tenth record is a write.
fn is_write(i: i64) -> bool {
    i % 10 == 0
}

fn read(i: i64, n: i64) -> CallRecord {
    let (arn, access_key_id, time_ms, request_parameters) = parts(i, n);
    CallRecord {
        time_ms,
        event_name: "GetSecretValue".into(),
        caller: std::sync::Arc::new(rekey_model::audit::Caller {
            account: ACCOUNT.into(),
            arn,
            access_key_id,
            user: None,
        }),
        region: rekey_model::name::Region::new("us-east-1"),
        account: AccountId::parse(ACCOUNT).unwrap(),
        source_ip: Some([10, 0, 0, (i % 50) as u8].into()),
        user_agent: "aws-sdk-go-v2/1.30.0 os/linux lang/go#1.22".into(),
        request_id: rekey_model::request_id::RequestId::random(),
        event_id: None,
        // As the service keeps a read's: the body as sent.
        request_parameters: request_parameters.map(|p| {
            let body = serde_json::json!({ "SecretId": p["secretId"] });
            Parameters::of(Operation::GetSecretValue, body.to_string().as_bytes(), &body)
        }),
    }
}

fn write(i: i64, n: i64) -> AuditEvent {
    let (user, key, time, params) = parts(i, n);
    let who = UserIdentity::caller(ACCOUNT, &user, &key, None);
    let mut e = AuditEvent::new(EventType::AwsApiCall, "PutSecretValue", time, who, "us-east-1", ACCOUNT);
    e.request_parameters = params;
    e
}

fn query(f: impl FnOnce(&mut AuditQuery)) -> AuditQuery {
    let mut q = AuditQuery::newest(AccountId::parse(ACCOUNT).expect("account"));
    f(&mut q);
    q
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().expect("work dir"));
    let sizes: Vec<i64> = {
        let given: Vec<i64> = args.filter_map(|a| a.parse().ok()).collect();
        if given.is_empty() { vec![10_000, 1_000_000] } else { given }
    };
    let queries: Vec<(&str, AuditQuery)> = vec![
        ("newest 50", query(|_| {})),
        ("by secret", query(|q| q.secret_name = Some("app/s1234".into()))),
        ("by user", query(|q| q.principal = Some(format!("arn:aws:iam::{ACCOUNT}:user/u7")))),
        ("by event name", query(|q| q.event_name = Some("PutSecretValue".into()))),
        ("writes only", query(|q| q.read_only = Some(false))),
        (
            "one day, by user",
            query(|q| {
                q.principal = Some(format!("arn:aws:iam::{ACCOUNT}:user/u7"));
                q.start = Some(Timestamp::from_millis(START_MS + 10 * 86_400_000));
                q.end = Some(Timestamp::from_millis(START_MS + 11 * 86_400_000));
            }),
        ),
        (
            "a user's 1st day",
            query(|q| {
                q.principal = Some(format!("arn:aws:iam::{ACCOUNT}:user/u7"));
                q.end = Some(Timestamp::from_millis(START_MS + 86_400_000));
            }),
        ),
    ];
    let mut base: Vec<f64> = Vec::new();
    println!("{:>10}  {:<18} {:>10} {:>8}", "records", "query", "p50 ms", "vs first");
    for n in sizes {
        let path = dir.join(format!("audit-{n}.db"));
        let _ = std::fs::remove_file(&path);
        let store = SqliteStore::open(&path).expect("store");
        store.set_audit_key(AuditKey::new([1; 32]));
        let fill = Instant::now();
        let mut i = 0;
        while i < n {
            let mut writes = Vec::new();
            for j in i..(i + 4096).min(n) {
                match is_write(j) {
                    true => writes.push(write(j, n)),
                    false => store.append_read(read(j, n)).expect("flushed every 4096"),
                }
            }
            i = (i + 4096).min(n);
            store.append_audit(writes).await.expect("append");
            // A lookup first appends the queued reads.
            store.lookup_audit(query(|q| q.max_results = 1)).await.expect("flush");
        }
        eprintln!("{n} records appended in {:.1} s", fill.elapsed().as_secs_f64());
        for (k, (name, q)) in queries.iter().enumerate() {
            let mut times = Vec::new();
            for _ in 0..21 {
                let t = Instant::now();
                let page = store.lookup_audit(q.clone()).await.expect("lookup");
                times.push(t.elapsed().as_secs_f64() * 1000.0);
                assert!(!page.events.is_empty() || name.contains("day"), "{name}: nothing found");
            }
            times.sort_by(f64::total_cmp);
            let p50 = times[times.len() / 2];
            if base.len() <= k {
                base.push(p50);
            }
            println!("{n:>10}  {name:<18} {p50:>10.3} {:>8.1}", p50 / base[k]);
        }
        drop(store);
        let _ = std::fs::remove_file(&path);
    }
}
