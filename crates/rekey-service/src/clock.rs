//! Time, behind a trait so that tests (and `--dev` users) can move it.

use rekey_model::Timestamp;
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current instant.
pub trait Clock: Send + Sync + 'static {
    /// Now.
    fn now(&self) -> Timestamp;
}

/// The system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        Timestamp::from_millis(d.as_millis() as i64)
    }
}

/// A clock that only moves when told to: for tests, and for `--dev` users
/// who want to see months of schedule in seconds.
#[derive(Debug, Default)]
pub struct ManualClock {
    now_ms: std::sync::atomic::AtomicI64,
}

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn at(start: Timestamp) -> Self {
        ManualClock { now_ms: std::sync::atomic::AtomicI64::new(start.millis()) }
    }
    /// Moves the clock forward by `ms` milliseconds.
    pub fn advance_ms(&self, ms: i64) {
        self.now_ms.fetch_add(ms, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_millis(self.now_ms.load(std::sync::atomic::Ordering::SeqCst))
    }
}
