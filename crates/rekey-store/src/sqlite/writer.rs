//! The single writer with group commit.
//!
//! SQLite has one writer at a time, and a durable commit costs one fsync.
//! Rather than one transaction (and one fsync) per request, a dedicated
//! thread takes every job waiting in its queue, runs each in a savepoint of
//! one transaction, commits once, publishes the new states to the cache,
//! and only then answers each job. A job that fails rolls back its
//! savepoint alone. Under load this turns N fsyncs into one; idle, a job
//! commits alone with no added wait.

use super::cache::{Key, Published, StateCache};
use super::rows;
use crate::StoreError;
use rekey_model::secret::{SealedValue, SecretState};
use rekey_model::staging::VersionId;
use rusqlite::{Connection, TransactionBehavior};
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
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

/// Runs the writer loop until every sender is dropped.
pub fn run(mut conn: Connection, cache: Arc<StateCache>, jobs: mpsc::Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut queue = vec![first];
        while queue.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => queue.push(job),
                Err(_) => break,
            }
        }
        let size = queue.len();
        let started = std::time::Instant::now();
        let (outcome, completions) = commit_batch(&mut conn, &cache, queue);
        tracing::trace!(size, micros = started.elapsed().as_micros() as u64, ok = outcome.is_ok(), "batch committed");
        for completion in completions {
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
