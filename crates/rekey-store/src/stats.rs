//! How the store's commits go, for `/metrics`: how long a group commit
//! takes (its jobs and the commit), how long the fsync that makes it
//! durable takes, and how many writes each group carries.

use rekey_model::histogram::Histogram;
use std::sync::Mutex;
use std::time::Duration;

/// Bucket bounds of commit and fsync durations, in seconds.
const SECONDS: [f64; 12] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0];
/// Bucket bounds of group sizes (writes per commit).
const GROUP: [f64; 10] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];

#[derive(Default)]
struct Families {
    commit: Histogram,
    sync: Histogram,
    group: Histogram,
}

/// The store's commit statistics.
#[derive(Default)]
pub struct StoreStats(Mutex<Families>);

impl StoreStats {
    /// A group of `writes` was committed in `elapsed`.
    pub fn committed(&self, writes: usize, elapsed: Duration) {
        let mut f = self.0.lock().expect("store stats lock");
        f.commit.observe(&SECONDS, elapsed.as_secs_f64());
        f.group.observe(&GROUP, writes as f64);
    }

    /// An fsync made committed groups durable in `elapsed`.
    pub fn synced(&self, elapsed: Duration) {
        self.0.lock().expect("store stats lock").sync.observe(&SECONDS, elapsed.as_secs_f64());
    }

    /// The families in Prometheus' text format.
    pub fn render(&self, out: &mut String) {
        let f = self.0.lock().expect("store stats lock");
        out.push_str("# HELP rekey_store_commit_seconds Time to run and commit one group of writes.\n");
        out.push_str("# TYPE rekey_store_commit_seconds histogram\n");
        f.commit.render(out, "rekey_store_commit_seconds", "", &SECONDS);
        out.push_str("# HELP rekey_store_sync_seconds Time of the fsync that makes committed groups durable.\n");
        out.push_str("# TYPE rekey_store_sync_seconds histogram\n");
        f.sync.render(out, "rekey_store_sync_seconds", "", &SECONDS);
        out.push_str("# HELP rekey_store_commit_group_size Writes committed together in one transaction.\n");
        out.push_str("# TYPE rekey_store_commit_group_size histogram\n");
        f.group.render(out, "rekey_store_commit_group_size", "", &GROUP);
    }
}
