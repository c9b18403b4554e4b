//! WAL checkpoints on their own thread.
//!
//! SQLite normally checkpoints inside the commit that pushes the WAL past
//! 1000 pages, so one unlucky write waits for the whole copy back into the
//! database file and its fsync (tens of milliseconds). Here the writer never
//! checkpoints. This thread first copies committed frames back in the
//! background (PASSIVE: blocks nobody), then, once the WAL is long, runs a
//! RESTART checkpoint so that the next commit starts the WAL over; by then
//! only the frames committed during the passive copy are left, so the
//! writer waits for a short tail instead of the whole copy.

use rusqlite::Connection;
use std::path::PathBuf;
use std::sync::Weak;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How often the checkpointer looks at the WAL.
const INTERVAL: Duration = Duration::from_millis(200);
/// WAL frames beyond which the WAL is restarted after a passive copy.
const RESTART_FRAMES: i64 = 32 * 1024;

/// Runs until `alive` is gone (the store was dropped).
pub fn run(path: PathBuf, alive: Weak<AtomicBool>) {
    let conn = match Connection::open(&path).and_then(|c| super::configure(&c).map(|_| c)) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "checkpointer cannot open the database; the writer will checkpoint");
            return;
        }
    };
    while alive.upgrade().is_some_and(|a| a.load(Ordering::Relaxed)) {
        std::thread::sleep(INTERVAL);
        let frames = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(1));
        match frames {
            Ok(n) if n > RESTART_FRAMES => {
                if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(())) {
                    tracing::warn!(error = %e, "WAL restart checkpoint failed");
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed"),
        }
    }
}
