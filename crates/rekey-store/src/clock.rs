//! What the store keeps about time: how far a `--dev` server's clock was
//! moved ahead of the system's (so that a restart resumes it instead of
//! going back to today, when stored dates would lie in the future), and
//! the newest time anything was written at (so that a clock never starts
//! behind what it already wrote).

use crate::StoreError;
use rekey_model::Timestamp;
use std::future::Future;

/// The store's part of a movable clock.
pub trait ClockStore: Send + Sync + 'static {
    /// How far the `--dev` clock was last moved ahead of the system's, in
    /// milliseconds (0 when it never was).
    fn dev_clock_offset(&self) -> impl Future<Output = Result<i64, StoreError>> + Send;

    /// Keeps `offset_ms` as the `--dev` clock's offset, durably.
    fn save_dev_clock_offset(&self, offset_ms: i64) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The newest time a committed record was written at (the audit
    /// trail's last record; every change is recorded), if any.
    fn newest_write(&self) -> impl Future<Output = Result<Option<Timestamp>, StoreError>> + Send;
}
