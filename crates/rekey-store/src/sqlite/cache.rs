//! An in-memory cache of committed secret states and of sealed values, so
//! that reads of hot secrets touch no database page.
//!
//! It holds exactly what the database holds (metadata and ciphertext, never
//! plaintext), and stays exact because this process is the only writer: the
//! writer thread publishes each batch's new states under the cache lock
//! before it answers the batch's callers, and bumps an epoch. A reader that
//! missed the cache and read the database may only insert what it read if
//! no commit happened since it started (same epoch), so a stale read can
//! never be cached over a newer commit.

use rekey_model::name::{Namespace, SecretName};
use rekey_model::secret::{SealedValue, SecretState};
use rekey_model::staging::VersionId;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, RwLock};

/// How a secret is addressed.
pub type Key = (Namespace, SecretName);

/// Entries kept per map before a tenth of them is dropped.
const CAPACITY: usize = 100_000;

/// What a committed batch did to one secret.
pub enum Published {
    /// Its state is now this (or it no longer exists).
    State(Option<Arc<SecretState>>),
    /// Its state changed in a way not worth rebuilding: forget it.
    Forget,
}

struct States {
    map: HashMap<Key, Arc<SecretState>>,
    epoch: u64,
}

/// See the module documentation.
pub struct StateCache {
    states: RwLock<States>,
    values: RwLock<HashMap<(i64, VersionId), Arc<SealedValue>>>,
}

fn make_room<K: Eq + Hash + Clone, V>(map: &mut HashMap<K, V>) {
    if map.len() >= CAPACITY {
        let doomed: Vec<K> = map.keys().take(CAPACITY / 10).cloned().collect();
        for k in doomed {
            map.remove(&k);
        }
    }
}

impl StateCache {
    /// An empty cache.
    pub fn new() -> Self {
        StateCache {
            states: RwLock::new(States { map: HashMap::new(), epoch: 0 }),
            values: RwLock::new(HashMap::new()),
        }
    }

    /// The cached state of `key`, and the epoch to pass to [`offer`](Self::offer) on a miss.
    pub fn get(&self, key: &Key) -> Result<Arc<SecretState>, u64> {
        let s = self.states.read().expect("cache lock");
        s.map.get(key).cloned().ok_or(s.epoch)
    }

    /// Caches a state read from the database at `epoch`, unless a commit
    /// happened since.
    pub fn offer(&self, key: Key, state: Arc<SecretState>, epoch: u64) {
        let mut s = self.states.write().expect("cache lock");
        if s.epoch == epoch {
            make_room(&mut s.map);
            s.map.insert(key, state);
        }
    }

    /// Publishes a committed batch.
    pub fn publish(&self, changes: impl IntoIterator<Item = (Key, Published)>) {
        let mut s = self.states.write().expect("cache lock");
        for (key, p) in changes {
            match p {
                Published::State(Some(state)) => {
                    make_room(&mut s.map);
                    s.map.insert(key, state);
                }
                Published::State(None) | Published::Forget => {
                    s.map.remove(&key);
                }
            }
        }
        s.epoch += 1;
    }

    /// A cached sealed value.
    pub fn value(&self, pk: i64, version: &VersionId) -> Option<Arc<SealedValue>> {
        self.values.read().expect("cache lock").get(&(pk, version.clone())).cloned()
    }

    /// Caches a sealed value. Values of a version never change once written
    /// (secret keys are never reused), so no epoch is needed.
    pub fn offer_value(&self, pk: i64, version: VersionId, sealed: Arc<SealedValue>) {
        let mut v = self.values.write().expect("cache lock");
        make_room(&mut v);
        v.insert((pk, version), sealed);
    }

    /// Forgets values of deleted versions.
    pub fn forget_values(&self, pk: i64, versions: impl IntoIterator<Item = VersionId>) {
        let mut v = self.values.write().expect("cache lock");
        for version in versions {
            v.remove(&(pk, version));
        }
    }
}
