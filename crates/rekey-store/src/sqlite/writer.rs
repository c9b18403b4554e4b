//! The single writer with group commit.
//!
//! SQLite has one writer at a time, and a durable commit costs one fsync.
//! Rather than one transaction (and one fsync) per request, a dedicated
//! thread takes every job waiting in its queue, runs each in a savepoint of
//! one transaction, commits once, and only then answers each job. A job
//! that fails rolls back its savepoint alone. Under load this turns N fsyncs
//! into one; idle, a job commits alone with no added wait.

use crate::StoreError;
use rusqlite::{Connection, TransactionBehavior};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;

/// Called once the batch's commit is known: `Ok` if it is durable.
pub type Completion = Box<dyn FnOnce(Result<(), &StoreError>) + Send>;

/// A unit of work: runs inside the open transaction and returns what to do
/// once the commit outcome is known. Returning `Err` rolls the job back.
pub type Job = Box<dyn FnOnce(&Connection) -> (Result<(), ()>, Completion) + Send>;

/// Most jobs committed together.
const MAX_BATCH: usize = 512;

/// Runs the writer loop until every sender is dropped.
pub fn run(mut conn: Connection, jobs: mpsc::Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let outcome = commit_batch(&mut conn, batch);
        for (completion, _) in outcome.1 {
            completion(outcome.0.as_ref().map(|_| ()));
        }
    }
}

type Ran = Vec<(Completion, bool)>;

fn commit_batch(conn: &mut Connection, batch: Vec<Job>) -> (Result<(), StoreError>, Ran) {
    let mut ran: Ran = Vec::with_capacity(batch.len());
    let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        // Dropped jobs answer their callers with `StoreError::Unavailable`.
        Err(e) => return (Err(e.into()), ran),
    };
    for job in batch {
        if let Err(e) = tx.execute_batch("SAVEPOINT job") {
            return (Err(e.into()), ran);
        }
        let (ok, completion) = job_result(job, &tx);
        let end = if ok {
            "RELEASE job"
        } else {
            "ROLLBACK TO job; RELEASE job"
        };
        if let Err(e) = tx.execute_batch(end) {
            ran.push((completion, ok));
            return (Err(e.into()), ran);
        }
        ran.push((completion, ok));
    }
    (tx.commit().map_err(StoreError::from), ran)
}

fn job_result(job: Job, conn: &Connection) -> (bool, Completion) {
    match catch_unwind(AssertUnwindSafe(|| job(conn))) {
        Ok((r, completion)) => (r.is_ok(), completion),
        Err(_) => {
            tracing::error!("a store job panicked; its request fails");
            (false, Box::new(|_| {}))
        }
    }
}
