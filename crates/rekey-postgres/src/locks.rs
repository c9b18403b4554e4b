//! The advisory locks nodes coordinate by.
//!
//! PostgreSQL's advisory locks are numbered by one 64-bit key, shared by
//! the whole database: several deployments may live in one database (a
//! schema each), so every key is a hash of the schema, the lock's purpose
//! and what it locks. Two keys that happen to meet only make their holders
//! wait for each other (a deadlock that makes is PostgreSQL's to break,
//! and a change it breaks is tried again).

use rekey_model::name::{Namespace, SecretName};

/// The locks of the deployment in one schema.
#[derive(Debug, Clone, Copy)]
pub struct Locks {
    /// The schema's hash, from which every key is hashed on.
    seed: u64,
}

/// FNV-1a over `parts`, each ended by a 0 byte, from `h`: stable across
/// builds and machines, unlike std's hasher.
fn fnv<'a>(mut h: u64, parts: impl IntoIterator<Item = &'a str>) -> u64 {
    for part in parts {
        for b in part.bytes().chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

impl Locks {
    /// The locks of the deployment in `schema`.
    pub fn of_schema(schema: &str) -> Self {
        Locks { seed: fnv(0xcbf2_9ce4_8422_2325, [schema]) }
    }

    fn key<'a>(&self, parts: impl IntoIterator<Item = &'a str>) -> i64 {
        (fnv(self.seed, parts) >> 1) as i64
    }

    /// The migrations' lock: one node migrates the schema at a time.
    pub fn migrations(&self) -> i64 {
        self.key(["migrations"])
    }

    /// The keyring's lock: creating a key-encryption key checks its
    /// family's size and inserts in one step.
    pub fn keyring(&self) -> i64 {
        self.key(["keyring"])
    }

    /// Retention's lock: one node prunes the trail at a time.
    pub fn audit_prune(&self) -> i64 {
        self.key(["audit prune"])
    }

    /// The lock of one secret's name, held by every change to it from the
    /// read its decision is made on to the commit.
    pub fn secret(&self, ns: &Namespace, name: &SecretName) -> i64 {
        self.key(["secret", ns.account.as_str(), ns.region.as_str(), name.as_str()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rekey_model::name::{AccountId, Region};

    #[test]
    fn keys_differ_by_schema_purpose_and_name() {
        let ns = Namespace { account: AccountId::parse("111111111111").unwrap(), region: Region::new("us-east-1") };
        let (a, b) = (Locks::of_schema("a"), Locks::of_schema("b"));
        let name = |n: &str| SecretName::parse(n).unwrap();
        let keys = [
            a.migrations(),
            a.keyring(),
            a.audit_prune(),
            a.secret(&ns, &name("x")),
            a.secret(&ns, &name("y")),
            b.migrations(),
            b.secret(&ns, &name("x")),
        ];
        let distinct: std::collections::HashSet<_> = keys.iter().collect();
        assert_eq!(distinct.len(), keys.len());
        assert_eq!(a.secret(&ns, &name("x")), Locks::of_schema("a").secret(&ns, &name("x")), "stable");
        assert!(keys.iter().all(|k| *k >= 0));
    }
}
