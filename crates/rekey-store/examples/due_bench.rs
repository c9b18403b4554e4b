//! Benchmark: how long the scheduler's "which secrets are due?" query
//! takes with 10k, 100k and 1M scheduled secrets, the same number (100)
//! due each time. Run by `bench/schedule`.
//!
//! usage: due_bench <work-dir> [sizes...]

use rekey_model::Timestamp;
use rekey_store::RotationStore;
use rekey_store::sqlite::SqliteStore;
use std::time::Instant;

const DUE: i64 = 100;
const NOW_MS: i64 = 1_800_000_000_000;
const YEAR_MS: i64 = 365 * 86_400_000;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().expect("work dir"));
    let sizes: Vec<i64> = {
        let given: Vec<i64> = args.filter_map(|a| a.parse().ok()).collect();
        if given.is_empty() { vec![10_000, 100_000, 1_000_000] } else { given }
    };
    println!("{:>10} {:>6} {:>16} {:>14}", "secrets", "due", "query µs (p50)", "vs 10k");
    let mut base = None;
    for n in sizes {
        let path = dir.join(format!("due-{n}.db"));
        let _ = std::fs::remove_file(&path);
        // The schema comes from the store itself; the rows are written
        // directly, in one transaction (a million secrets through the API
        // would take minutes and measure something else).
        drop(SqliteStore::open(&path).expect("open"));
        fill(&path, n);
        let store = SqliteStore::open(&path).expect("open");
        let now = Timestamp::from_millis(NOW_MS);
        let mut times = Vec::new();
        for _ in 0..200 {
            let t = Instant::now();
            let due = store.due_for_rotation(now, 1000).await.expect("query");
            times.push(t.elapsed().as_secs_f64() * 1e6);
            assert_eq!(due.len() as i64, DUE);
        }
        times.sort_by(f64::total_cmp);
        let p50 = times[times.len() / 2];
        let base = *base.get_or_insert(p50);
        println!("{n:>10} {DUE:>6} {p50:>16.1} {:>13.2}x", p50 / base);
    }
}

/// `n` secrets with `rotate_at` spread over the next year, `DUE` of them
/// already due.
fn fill(path: &std::path::Path, n: i64) {
    let mut conn = rusqlite::Connection::open(path).expect("open");
    conn.pragma_update(None, "synchronous", "OFF").unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO secrets (account, region, name, suffix, created_ms, last_changed_ms, meta, rotate_at_ms)
                 VALUES ('000000000000', 'us-east-1', ?1, 'AbCdEf', 0, 0, '{}', ?2)",
            )
            .unwrap();
        for i in 0..n {
            let rotate_at = if i < DUE { NOW_MS - 1000 - i } else { NOW_MS + 1 + (i * 7919) % YEAR_MS };
            insert.execute(rusqlite::params![format!("secret-{i}"), rotate_at]).unwrap();
        }
    }
    tx.commit().unwrap();
}
