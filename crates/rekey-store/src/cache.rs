//! An in-memory cache of committed secret states and of sealed values, so
//! that reads of hot secrets touch no database page.
//!
//! It holds exactly what the database holds (metadata and ciphertext, never
//! plaintext). Whoever commits publishes the new states under the cache
//! lock and bumps an epoch: with SQLite this process is the only writer,
//! and its writer publishes each batch before it answers the batch's
//! callers, so the cache is exact. With a database several nodes share, a
//! node publishes its own commits the same way and forgets what the others
//! tell it they changed (see the `rekey-postgres` crate); until their word
//! arrives, its entries may be behind theirs. A reader that missed the
//! cache and read the database may only insert what it read if no commit
//! was published since it started (same epoch), so a stale read can never
//! be cached over a newer commit this cache knows of.

use rekey_model::name::{Namespace, SecretName};
use rekey_model::secret::{SealedValue, SecretState};
use rekey_model::staging::VersionId;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, RwLock};

/// How a secret is addressed.
pub type Key = (Namespace, SecretName);

/// Secret states kept before a tenth of them is dropped.
const CAPACITY: usize = 100_000;
/// Bytes of sealed values kept before a tenth of the entries is dropped
/// (a value can be 64 KiB, so values are bounded by size, not count).
const VALUE_BYTES: usize = 64 * 1024 * 1024;

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

#[derive(Default)]
struct Values {
    map: HashMap<(i64, VersionId), Arc<SealedValue>>,
    bytes: usize,
}

fn size_of(v: &SealedValue) -> usize {
    v.ciphertext.len() + v.wrapped_key.len() + v.kek_id.len()
}

impl Values {
    fn remove(&mut self, key: &(i64, VersionId)) {
        if let Some(v) = self.map.remove(key) {
            self.bytes -= size_of(&v);
        }
    }
}

/// See the module documentation.
pub struct StateCache {
    states: RwLock<States>,
    values: RwLock<Values>,
}

/// Drops an arbitrary tenth of the entries.
fn drop_tenth<K: Eq + Hash + Clone, V>(map: &HashMap<K, V>) -> Vec<K> {
    map.keys().take(map.len() / 10 + 1).cloned().collect()
}

fn make_room<K: Eq + Hash + Clone, V>(map: &mut HashMap<K, V>) {
    if map.len() >= CAPACITY {
        for k in drop_tenth(map) {
            map.remove(&k);
        }
    }
}

impl Default for StateCache {
    fn default() -> Self {
        Self::new()
    }
}

impl StateCache {
    /// An empty cache.
    pub fn new() -> Self {
        StateCache {
            states: RwLock::new(States { map: HashMap::new(), epoch: 0 }),
            values: RwLock::new(Values::default()),
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

    /// Forgets every state and value: after a node lost word of the
    /// others' commits (its notifications connection dropped), nothing it
    /// holds can be trusted.
    pub fn clear(&self) {
        let mut s = self.states.write().expect("cache lock");
        s.map.clear();
        s.epoch += 1;
        drop(s);
        let mut v = self.values.write().expect("cache lock");
        v.map.clear();
        v.bytes = 0;
    }

    /// A cached sealed value.
    pub fn value(&self, pk: i64, version: &VersionId) -> Option<Arc<SealedValue>> {
        self.values.read().expect("cache lock").map.get(&(pk, version.clone())).cloned()
    }

    /// Caches a sealed value. Values of a version never change once written
    /// (secret keys are never reused), so no epoch is needed.
    pub fn offer_value(&self, pk: i64, version: VersionId, sealed: Arc<SealedValue>) {
        let mut v = self.values.write().expect("cache lock");
        if v.bytes + size_of(&sealed) > VALUE_BYTES {
            for k in drop_tenth(&v.map) {
                v.remove(&k);
            }
        }
        v.remove(&(pk, version.clone()));
        v.bytes += size_of(&sealed);
        v.map.insert((pk, version), sealed);
    }

    /// Forgets every value of the secret `pk`.
    pub fn forget_secret_values(&self, pk: i64) {
        let mut v = self.values.write().expect("cache lock");
        let gone: Vec<_> = v.map.keys().filter(|k| k.0 == pk).cloned().collect();
        for k in gone {
            v.remove(&k);
        }
    }

    /// Forgets values of deleted versions.
    pub fn forget_values(&self, pk: i64, versions: impl IntoIterator<Item = VersionId>) {
        let mut v = self.values.write().expect("cache lock");
        for version in versions {
            v.remove(&(pk, version));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealed(n: usize) -> Arc<SealedValue> {
        Arc::new(SealedValue { kek_id: String::new(), wrapped_key: Vec::new(), ciphertext: vec![0; n] })
    }

    #[test]
    fn values_are_bounded_by_bytes() {
        let cache = StateCache::new();
        for i in 0..3_000 {
            cache.offer_value(i, VersionId::new("v"), sealed(64 * 1024));
        }
        let v = cache.values.read().unwrap();
        assert!(v.bytes <= VALUE_BYTES);
        assert_eq!(v.bytes, v.map.values().map(|s| size_of(s)).sum::<usize>());
        assert!(v.map.len() > 100, "still caching");
    }

    #[test]
    fn a_read_older_than_a_commit_is_not_cached() {
        let cache = StateCache::new();
        let key: Key = (
            Namespace {
                account: rekey_model::name::AccountId::parse("123456789012").unwrap(),
                region: rekey_model::name::Region::new("us-east-1"),
            },
            SecretName::parse("k").unwrap(),
        );
        let epoch = cache.get(&key).unwrap_err();
        cache.publish([(key.clone(), Published::Forget)]);
        let state = Arc::new(SecretState {
            secret: rekey_model::secret::SecretRecord {
                pk: 1,
                arn: rekey_model::name::Arn {
                    namespace: key.0.clone(),
                    name: key.1.clone(),
                    suffix: rekey_model::name::ArnSuffix::random(),
                },
                created: Default::default(),
                last_changed: Default::default(),
                last_accessed: None,
                deleted: None,
                purge_at: None,
                rotate_at: None,
                meta: Default::default(),
            },
            versions: Vec::new(),
            labels: Default::default(),
        });
        cache.offer(key.clone(), state.clone(), epoch);
        assert!(cache.get(&key).is_err(), "stale read was cached");
        let epoch = cache.get(&key).unwrap_err();
        cache.offer(key.clone(), state, epoch);
        assert!(cache.get(&key).is_ok());
    }
}
