//! Consistent copies of a whole store, taken while it serves (`rekey admin
//! backup`), and brought back into an empty data directory (`rekey admin
//! restore`). A copy is as encrypted as the store: values sealed, keys
//! wrapped by the master key, which is not in it.

use crate::StoreError;
use std::future::Future;
use std::path::Path;

/// Taking a consistent copy of the store.
pub trait Snapshot: Send + Sync + 'static {
    /// Writes a copy of the store as of one instant to `to` (a new file,
    /// created 0600), while writes go on; its size in bytes.
    fn snapshot(&self, to: &Path) -> impl Future<Output = Result<u64, StoreError>> + Send;
}
