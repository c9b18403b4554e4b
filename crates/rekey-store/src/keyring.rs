//! The keyring: key-encryption keys, kept wrapped by the master key
//! (see [`crate::seal`]).

use crate::StoreError;
use std::future::Future;

/// What a blob sealed directly under the master key is, which tells the
/// seal the associated data it was sealed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sealed<'a> {
    /// A keyring entry (a KEK, the key check, the audit key).
    Key(&'a str),
    /// The secret of an access key.
    Credential(&'a str),
    /// A function's output or log, under its context.
    Output(String),
}

/// Re-seals one blob: the new blob, or `None` to leave it as it is.
pub type Reseal = Box<dyn FnMut(Sealed<'_>, &[u8]) -> Option<Vec<u8>> + Send>;

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

    /// Hands every blob sealed directly under the master key (keyring
    /// entries, access key secrets, function outputs in rotation jobs,
    /// function logs) to `reseal` and stores what it returns, all in one
    /// transaction; how many it replaced. Master-key rotation runs it.
    fn reseal_all(&self, reseal: Reseal) -> impl Future<Output = Result<usize, StoreError>> + Send;

    /// How many other processes served this store lately (always 0 for a
    /// store no other process shares): the master key is rotated with no
    /// other node running, or those would go on sealing under the old one.
    fn other_nodes_serving(&self) -> impl Future<Output = Result<usize, StoreError>> + Send {
        async { Ok(0) }
    }
}
