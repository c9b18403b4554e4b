//! Time, behind a trait so that tests (and `--dev` users) can move it.

use rekey_model::Timestamp;
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current instant.
pub trait Clock: Send + Sync + 'static {
    /// Now.
    fn now(&self) -> Timestamp;

    /// Moves the clock forward by `ms`; false when this clock cannot be
    /// moved (the system clock).
    fn advance(&self, ms: i64) -> bool {
        let _ = ms;
        false
    }

    /// How far a clock that runs with the system's is ahead of it (kept
    /// across restarts); `None` for the others.
    fn offset_ms(&self) -> Option<i64> {
        None
    }
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

/// The system clock plus an offset that only grows: `rekey serve --dev`
/// runs on it so that users can move time forward (`rekey admin clock`)
/// and watch their schedules and rotation functions work without waiting
/// days. The offset is kept in the store, so a restart resumes it.
#[derive(Debug, Default)]
pub struct OffsetClock {
    offset_ms: std::sync::atomic::AtomicI64,
}

impl OffsetClock {
    /// A clock `offset_ms` ahead of the system's (never behind it), and
    /// never before `not_before` (the newest time already written: a clock
    /// that started behind it would date new writes before old ones).
    pub fn resuming(offset_ms: i64, not_before: Option<rekey_model::Timestamp>) -> Self {
        let system = SystemClock.now().millis();
        let behind = not_before.map_or(0, |t| t.millis().saturating_sub(system));
        OffsetClock { offset_ms: std::sync::atomic::AtomicI64::new(offset_ms.max(behind).max(0)) }
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> Timestamp {
        let system = SystemClock.now().millis();
        Timestamp::from_millis(system + self.offset_ms.load(std::sync::atomic::Ordering::SeqCst))
    }

    fn advance(&self, ms: i64) -> bool {
        self.offset_ms.fetch_add(ms.max(0), std::sync::atomic::Ordering::SeqCst);
        true
    }

    fn offset_ms(&self) -> Option<i64> {
        Some(self.offset_ms.load(std::sync::atomic::Ordering::SeqCst))
    }
}

/// A clock that only moves when told to: for tests and simulations.
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

    fn advance(&self, ms: i64) -> bool {
        self.advance_ms(ms.max(0));
        true
    }
}
