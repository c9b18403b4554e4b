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

    /// Whether other processes may serve this store at the same time
    /// (PostgreSQL). The master key of such a store is rotated in phases
    /// every node takes part in ([`crate::master_rotation`]).
    fn shared(&self) -> bool {
        false
    }

    /// The master-key rotation under way among the nodes, if any.
    fn master_rotation(&self) -> impl Future<Output = Result<Option<MasterRotation>, StoreError>> + Send {
        async { Ok(None) }
    }

    /// Records a master-key rotation `id` whose new key opens `key_check`,
    /// started by this process, unless one is under way already; returns
    /// the one under way afterwards (this one, or the other).
    fn begin_master_rotation(
        &self,
        id: &str,
        key_check: Vec<u8>,
    ) -> impl Future<Output = Result<MasterRotation, StoreError>> + Send {
        let _ = (id, key_check);
        async { Err(StoreError::Unavailable) }
    }

    /// Moves rotation `id` (if it is still under way) to `phase`.
    fn set_master_phase(&self, id: &str, phase: MasterPhase) -> impl Future<Output = Result<(), StoreError>> + Send {
        let _ = (id, phase);
        async { Err(StoreError::Unavailable) }
    }

    /// Ends rotation `id`: the new key is the only one.
    fn end_master_rotation(&self, id: &str) -> impl Future<Output = Result<(), StoreError>> + Send {
        let _ = id;
        async { Err(StoreError::Unavailable) }
    }

    /// Notes what this process has of the new key (`None`: nothing to say).
    fn note_master_key(&self, note: Option<&str>) -> impl Future<Output = Result<(), StoreError>> + Send {
        let _ = note;
        async { Ok(()) }
    }

    /// The processes serving the store lately, this one included, with
    /// what each noted of the new key.
    fn serving_nodes(&self) -> impl Future<Output = Result<Vec<ServingNode>, StoreError>> + Send {
        async { Ok(Vec::new()) }
    }
}

/// A master-key rotation under way on a shared store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterRotation {
    /// Random; names this rotation in the nodes' notes.
    pub id: String,
    /// The key check sealed under the new key: a node proves that the key
    /// it found is the new one by opening it.
    pub key_check: Vec<u8>,
    /// How far it went.
    pub phase: MasterPhase,
    /// The process that started it.
    pub started_by: String,
}

/// The phases of a master-key rotation on a shared store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MasterPhase {
    /// The new key is being handed to the nodes; all seal under the old.
    Staged,
    /// Every node holds the new key and seals under it; the old one opens
    /// what is not re-sealed yet.
    Sealing,
}

impl MasterPhase {
    /// The phase's stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            MasterPhase::Staged => "staged",
            MasterPhase::Sealing => "sealing",
        }
    }

    /// The phase of a stored name.
    pub fn parse(s: &str) -> Option<MasterPhase> {
        match s {
            "staged" => Some(MasterPhase::Staged),
            "sealing" => Some(MasterPhase::Sealing),
            _ => None,
        }
    }
}

/// A process serving a shared store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServingNode {
    /// Its instance name.
    pub instance: String,
    /// What it noted of the new master key (see [`Keyring::note_master_key`]).
    pub master_key: Option<String>,
    /// Whether it is the process asking.
    pub this: bool,
}
