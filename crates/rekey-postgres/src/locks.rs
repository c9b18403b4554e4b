//! The advisory locks nodes coordinate by. PostgreSQL's advisory locks are
//! numbered by one 64-bit key: the fixed ones here lie below 2^62, the
//! secrets' names hash into 2^62 and above, so the two never meet.

use rekey_model::name::{Namespace, SecretName};

/// The migrations' lock: one node migrates the schema at a time.
pub const MIGRATIONS: i64 = 0x0072_656b_6579_0001;

/// The keyring's lock: creating a key-encryption key checks its family's
/// size and inserts in one step.
pub const KEYRING: i64 = 0x0072_656b_6579_0002;

/// The lock of one secret's name (held by every change to it, from the
/// read its decision is made on to the commit). Keys are a hash of the
/// name, the same on every node; two names sharing a key only wait for
/// each other.
pub fn secret(ns: &Namespace, name: &SecretName) -> i64 {
    // FNV-1a: stable across builds and machines, unlike std's hasher.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [ns.account.as_str(), ns.region.as_str(), name.as_str()] {
        for b in part.bytes().chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    // In [2^62, 2^63): positive, and above every fixed key.
    (h >> 2) as i64 | (1 << 62)
}

/// Retention's lock: one node prunes the trail at a time.
pub const AUDIT_PRUNE: i64 = 0x0072_656b_6579_0003;
