//! Benchmark: LookupEvents' queries against trails of 10k and 1M records
//! (the figure), each query's p50 and its ratio to the same query
//! on the 10k trail. The records are realistic: 50 users of one account
//! reading and writing 5,000 secrets, mostly reads, over 30 days, appended
//! through the store's own `append_audit` in batches (as the read batcher
//! appends them). Run by `bench/audit-lookup`.
//!
//! usage: audit_lookup_bench <work-dir> [sizes...]

use rekey_model::Timestamp;
use rekey_model::audit::{AuditEvent, EventType, UserIdentity};
use rekey_model::name::AccountId;
use rekey_store::AuditStore;
use rekey_store::audit::{AuditKey, AuditQuery};
use rekey_store::sqlite::SqliteStore;
use std::time::Instant;

const START_MS: i64 = 1_800_000_000_000;
const SPAN_MS: i64 = 30 * 86_400_000;
const ACCOUNT: &str = "111111111111";

fn record(i: i64, n: i64) -> AuditEvent {
    let user = format!("arn:aws:iam::{ACCOUNT}:user/u{}", i % 50);
    let who = UserIdentity::caller(ACCOUNT, &user, &format!("AKIAUSER{:08}", i % 50), None);
    let (name, read) = if i % 10 == 0 { ("PutSecretValue", false) } else { ("GetSecretValue", true) };
    let time = START_MS + i * SPAN_MS / n;
    let mut e = AuditEvent::new(EventType::AwsApiCall, name, time, who, "us-east-1", ACCOUNT);
    e.request_parameters = Some(serde_json::json!({ "secretId": format!("app/s{}", (i * 7919) % 5000) }));
    e.read_only = read;
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
            let batch: Vec<AuditEvent> = (i..(i + 4096).min(n)).map(|j| record(j, n)).collect();
            i += batch.len() as i64;
            store.append_audit(batch).await.expect("append");
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
