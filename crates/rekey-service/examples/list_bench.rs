//! Benchmark: ListSecrets page latency (MaxResults=100) with 1k, 100k and
//! 1M secrets in the caller's namespace, first page and tenth page, through
//! the service on a real SQLite store. Run by `bench/list`.
//!
//! usage: list_bench <work-dir> [sizes...]

use rekey_model::api::ListSecretsRequest;
use rekey_model::name::{AccountId, Namespace, Region};
use rekey_service::{Principal, RequestContext, Service, SystemClock};
use rekey_store::seal::{MasterKey, Seal};
use rekey_store::sqlite::SqliteStore;
use std::sync::Arc;
use std::time::Instant;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().expect("work dir"));
    let sizes: Vec<i64> = {
        let given: Vec<i64> = args.filter_map(|a| a.parse().ok()).collect();
        if given.is_empty() { vec![1_000, 100_000, 1_000_000] } else { given }
    };
    let account = AccountId::parse("000000000000").unwrap();
    let ctx = RequestContext::new(
        Namespace { account: account.clone(), region: Region::new("us-east-1") },
        Principal::root(account, "AKID".into()),
        rekey_model::request_id::RequestId::random(),
    );
    println!("{:>10} {:>16} {:>8} {:>16} {:>8}", "secrets", "page 1 ms (p50)", "vs 1k", "page 10 ms (p50)", "vs 1k");
    let mut base: Option<(f64, f64)> = None;
    for n in sizes {
        let path = dir.join(format!("list-{n}.db"));
        let _ = std::fs::remove_file(&path);
        drop(SqliteStore::open(&path).expect("open"));
        fill(&path, n);
        let store = Arc::new(SqliteStore::open(&path).expect("open"));
        let seal = Arc::new(Seal::unlock(store.as_ref(), MasterKey::generate()).await.expect("seal"));
        let service = Service::new(store, seal, Arc::new(SystemClock));
        let page = |token: Option<String>| ListSecretsRequest {
            max_results: Some(100),
            next_token: token,
            ..Default::default()
        };
        let (mut first, mut tenth) = (Vec::new(), Vec::new());
        for _ in 0..30 {
            let t = Instant::now();
            let mut out = service.list_secrets(&ctx, page(None)).await.expect("list");
            first.push(t.elapsed().as_secs_f64() * 1e3);
            assert_eq!(out.secret_list.as_ref().map(Vec::len), Some(100));
            for _ in 0..8 {
                out = service.list_secrets(&ctx, page(out.next_token)).await.expect("list");
            }
            let t = Instant::now();
            let out = service.list_secrets(&ctx, page(out.next_token)).await.expect("list");
            tenth.push(t.elapsed().as_secs_f64() * 1e3);
            assert_eq!(out.secret_list.as_ref().map(Vec::len), Some(100));
        }
        let p50 = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let (a, b) = (p50(&mut first), p50(&mut tenth));
        let (ba, bb) = *base.get_or_insert((a, b));
        println!("{n:>10} {a:>16.3} {:>7.2}x {b:>16.3} {:>7.2}x", a / ba, b / bb);
    }
}

/// `n` secrets, each with one version labelled AWSCURRENT (values are not
/// needed to list), written directly in one transaction.
fn fill(path: &std::path::Path, n: i64) {
    let mut conn = rusqlite::Connection::open(path).expect("open");
    conn.pragma_update(None, "synchronous", "OFF").unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut secret = tx
            .prepare(
                "INSERT INTO secrets (id, account, region, name, suffix, created_ms, last_changed_ms, meta)
                 VALUES (?1, '000000000000', 'us-east-1', ?2, 'AbCdEf', ?1, ?1, '{\"description\":\"bench\"}')",
            )
            .unwrap();
        let mut version =
            tx.prepare("INSERT INTO versions (secret_pk, version_id, seq, created_ms) VALUES (?1, ?2, 1, ?1)").unwrap();
        let mut label =
            tx.prepare("INSERT INTO labels (secret_pk, label, version_id) VALUES (?1, 'AWSCURRENT', ?2)").unwrap();
        for i in 1..=n {
            let v = format!("{i:0>36}");
            secret.execute(rusqlite::params![i, format!("secret-{i:07}")]).unwrap();
            version.execute(rusqlite::params![i, v]).unwrap();
            label.execute(rusqlite::params![i, v]).unwrap();
        }
    }
    tx.commit().unwrap();
}
