//! The keyring: key-encryption keys, kept wrapped by the master key
//! (see [`crate::seal`]).

use crate::StoreError;
use std::future::Future;

/// Where wrapped key-encryption keys are kept.
pub trait Keyring: Send + Sync + 'static {
    /// The wrapped key-encryption key `id`, if it exists.
    fn load_kek(&self, id: &str) -> impl Future<Output = Result<Option<Vec<u8>>, StoreError>> + Send;

    /// Stores a wrapped KEK unless one with this id exists; returns the one
    /// that is stored afterwards (so concurrent creators agree), or `None`
    /// when it is new and the ids starting with `family` number `max`
    /// already (in the same transaction).
    fn insert_kek(
        &self,
        id: &str,
        wrapped: Vec<u8>,
        family: &str,
        max: usize,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, StoreError>> + Send;
}
