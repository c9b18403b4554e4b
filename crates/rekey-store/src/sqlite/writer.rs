//! The single writer with group commit, and the syncer that makes each
//! batch durable before it is answered.
//!
//! SQLite has one writer at a time, and a durable commit costs one fsync.
//! Rather than one transaction (and one fsync) per request, the writer
//! thread takes every job waiting in its queue, runs each in a savepoint of
//! one transaction, commits once, and publishes the new states to the
//! cache. A job that fails rolls back its savepoint alone.
//!
//! The commit itself does not wait for the disk (`synchronous=NORMAL` on the
//! writer's connection): the batch's answers go to the syncer thread, which
//! fsyncs the WAL file and only then answers the callers. While the disk
//! flushes batch N, the writer already runs batch N+1, and one fsync covers
//! every batch that queued up meanwhile. So nothing is acknowledged before
//! it is on disk, and acknowledgements arrive in commit order; a change may
//! be visible to reads up to one fsync before it is acknowledged (after a
//! power loss such a change can be missing, but only if nobody was told it
//! succeeded, and any acknowledged write that came after it is missing too).

use super::rows;
use crate::StoreError;
use crate::cache::{Key, Published, StateCache};
use crate::stats::StoreStats;
use rekey_model::secret::{SealedValue, SecretState};
use rekey_model::staging::VersionId;
use rusqlite::{Connection, TransactionBehavior};
use std::collections::HashMap;
use std::fs::File;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::{Arc, mpsc};

/// Called once the batch's commit is known: `Ok` if it is durable.
pub type Completion = Box<dyn FnOnce(Result<(), &StoreError>) + Send>;

/// A unit of work: runs inside the open transaction and returns what to do
/// once the commit outcome is known. Returning `Err` rolls the job back.
pub type Job = Box<dyn FnOnce(&mut Batch<'_>) -> (Result<(), ()>, Completion) + Send>;

/// Most jobs committed together.
const MAX_BATCH: usize = 512;

/// The open transaction of a batch and what its jobs changed so far.
pub struct Batch<'a> {
    /// The connection, inside the batch's transaction.
    pub conn: &'a Connection,
    cache: &'a StateCache,
    published: HashMap<Key, Published>,
    forgotten: Vec<(i64, VersionId)>,
}

impl Batch<'_> {
    /// The state of `key` as this transaction sees it: changed earlier in
    /// the batch, else committed (cache, then database).
    pub fn state(&self, key: &Key) -> Result<Option<Arc<SecretState>>, StoreError> {
        match self.published.get(key) {
            Some(Published::State(s)) => return Ok(s.clone()),
            Some(Published::Forget) => {}
            None => {
                if let Ok(s) = self.cache.get(key) {
                    return Ok(Some(s));
                }
            }
        }
        Ok(rows::load(self.conn, &key.0, &key.1)?.map(Arc::new))
    }

    /// A sealed value, from the cache or the transaction.
    pub fn value(&self, pk: i64, version: &VersionId) -> Result<Option<Arc<SealedValue>>, StoreError> {
        if let Some(v) = self.cache.value(pk, version) {
            return Ok(Some(v));
        }
        Ok(rows::read_value(self.conn, pk, version)?.map(Arc::new))
    }

    /// Records what a successful job did to `key`, for later jobs of the
    /// batch and for the cache once committed.
    pub fn publish(&mut self, key: Key, p: Published) {
        self.published.insert(key, p);
    }

    /// Values to drop from the cache once committed.
    pub fn forget_values(&mut self, pk: i64, versions: impl IntoIterator<Item = VersionId>) {
        self.forgotten.extend(versions.into_iter().map(|v| (pk, v)));
    }
}

/// A committed batch waiting for its fsync.
type Committed = Vec<Completion>;

/// Runs the writer loop until every sender is dropped. `wal` is the WAL
/// file the syncer flushes; without it, batches are answered once
/// committed, unsynced (see [`Durability`](super::Durability)).
pub fn run(
    mut conn: Connection,
    cache: Arc<StateCache>,
    jobs: mpsc::Receiver<Job>,
    wal: Option<PathBuf>,
    stats: Arc<StoreStats>,
) {
    let Some(wal) = wal else {
        while let Ok(first) = jobs.recv() {
            let queue = take_batch(first, &jobs);
            let (size, started) = (queue.len(), std::time::Instant::now());
            let (outcome, completions) = commit_batch(&mut conn, &cache, queue);
            stats.committed(size, started.elapsed());
            let outcome = outcome.as_ref().map(|_| ());
            completions.into_iter().for_each(|c| c(outcome));
        }
        return;
    };
    let (to_syncer, committed) = mpsc::channel::<Committed>();
    let sync_stats = stats.clone();
    let syncer = std::thread::Builder::new()
        .name("rekey-sqlite-sync".into())
        .spawn(move || sync(wal, committed, &sync_stats))
        .expect("spawn the WAL syncer");
    while let Ok(first) = jobs.recv() {
        let queue = take_batch(first, &jobs);
        let size = queue.len();
        let started = std::time::Instant::now();
        let (outcome, completions) = commit_batch(&mut conn, &cache, queue);
        stats.committed(size, started.elapsed());
        tracing::trace!(size, micros = started.elapsed().as_micros() as u64, ok = outcome.is_ok(), "batch committed");
        match outcome {
            Ok(()) => {
                if let Err(mpsc::SendError(completions)) = to_syncer.send(completions) {
                    let e = StoreError::Unavailable;
                    completions.into_iter().for_each(|c| c(Err(&e)));
                }
            }
            Err(e) => completions.into_iter().for_each(|c| c(Err(&e))),
        }
    }
    drop(to_syncer);
    let _ = syncer.join();
}

/// `first` and every job waiting behind it, up to a batch.
fn take_batch(first: Job, jobs: &mpsc::Receiver<Job>) -> Vec<Job> {
    let mut queue = vec![first];
    while queue.len() < MAX_BATCH {
        match jobs.try_recv() {
            Ok(job) => queue.push(job),
            Err(_) => break,
        }
    }
    queue
}

/// The syncer loop: fsync the WAL once for every batch committed since the
/// last fsync, then answer those batches in order.
fn sync(wal: PathBuf, committed: mpsc::Receiver<Committed>, stats: &StoreStats) {
    let mut file: Option<File> = None;
    while let Ok(first) = committed.recv() {
        let mut batches = vec![first];
        while let Ok(more) = committed.try_recv() {
            batches.push(more);
        }
        let started = std::time::Instant::now();
        let synced = match &file {
            Some(f) => f.sync_data(),
            None => File::open(&wal).and_then(|f| f.sync_data().map(|_| f)).map(|f| file = Some(f)),
        };
        stats.synced(started.elapsed());
        tracing::trace!(batches = batches.len(), micros = started.elapsed().as_micros() as u64, "WAL synced");
        let outcome = synced.map_err(|e| {
            tracing::error!(error = %e, "fsync of the WAL failed: writes are not acknowledged");
            StoreError::Database(format!("fsync failed: {e}"))
        });
        for completion in batches.into_iter().flatten() {
            completion(outcome.as_ref().map(|_| ()));
        }
    }
}

fn commit_batch(
    conn: &mut Connection,
    cache: &StateCache,
    queue: Vec<Job>,
) -> (Result<(), StoreError>, Vec<Completion>) {
    let mut completions = Vec::with_capacity(queue.len());
    // Jobs that never run are dropped: their callers see `Unavailable`.
    let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => return (Err(e.into()), completions),
    };
    let mut batch = Batch { conn: &tx, cache, published: HashMap::new(), forgotten: Vec::new() };
    for job in queue {
        if let Err(e) = batch.conn.prepare_cached("SAVEPOINT job").and_then(|mut s| s.execute([])) {
            return (Err(e.into()), completions);
        }
        let (ok, completion) = match catch_unwind(AssertUnwindSafe(|| job(&mut batch))) {
            Ok((r, completion)) => (r.is_ok(), completion),
            Err(_) => {
                tracing::error!("a store job panicked; its request fails");
                (false, Box::new(|_: Result<(), &StoreError>| {}) as Completion)
            }
        };
        completions.push(completion);
        let end = if ok {
            batch.conn.prepare_cached("RELEASE job").and_then(|mut s| s.execute([]).map(|_| ()))
        } else {
            batch.conn.execute_batch("ROLLBACK TO job; RELEASE job")
        };
        if let Err(e) = end {
            return (Err(e.into()), completions);
        }
    }
    let Batch { published, forgotten, .. } = batch;
    let commit_started = std::time::Instant::now();
    let committed = tx.commit();
    tracing::trace!(commit_micros = commit_started.elapsed().as_micros() as u64, "commit");
    match committed {
        Ok(()) => {
            cache.publish(published);
            for (pk, v) in forgotten {
                cache.forget_values(pk, [v]);
            }
            (Ok(()), completions)
        }
        Err(e) => (Err(e.into()), completions),
    }
}
