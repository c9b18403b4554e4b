//! The tables of a deployment as both backends keep them, for copies
//! from one to the other (`import`, `snapshot`): each table's columns in
//! PostgreSQL, the SQLite query yielding them, and one cell type both
//! databases' values read into, with a digest that checks a copy.

use crate::Db;
use rekey_store::StoreError;
use rusqlite::types::ValueRef;
use sha2::{Digest, Sha256};
use sqlx::Row as _;
use sqlx::postgres::PgRow;

/// How a column is stored in PostgreSQL (SQLite's are integers, text and
/// blobs).
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    Int,
    Int4,
    Bool,
    Text,
    Bytes,
}

pub(crate) use Kind::*;

/// A table to copy: its columns in PostgreSQL, the SQLite query that
/// yields them in that order (in key order), and PostgreSQL's same order.
pub(crate) struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, Kind)],
    pub sqlite: &'static str,
    pub order: &'static str,
}

/// Every table of a deployment, parents first.
pub(crate) const TABLES: &[Table] = &[
    Table {
        name: "accounts",
        columns: &[("id", Text), ("created_ms", Int)],
        sqlite: "SELECT id, created_ms FROM accounts ORDER BY id",
        order: "id COLLATE \"C\"",
    },
    Table {
        name: "users",
        columns: &[("account", Text), ("name", Text), ("user_id", Text), ("created_ms", Int)],
        sqlite: "SELECT account, name, user_id, created_ms FROM users ORDER BY account, name",
        order: "account COLLATE \"C\", name COLLATE \"C\"",
    },
    Table {
        name: "user_policies",
        columns: &[("account", Text), ("user_name", Text), ("policy_name", Text), ("document", Text)],
        sqlite: "SELECT account, user_name, policy_name, document FROM user_policies ORDER BY account, user_name, policy_name",
        order: "account COLLATE \"C\", user_name COLLATE \"C\", policy_name COLLATE \"C\"",
    },
    Table {
        name: "access_keys",
        columns: &[
            ("id", Text),
            ("account", Text),
            ("user_name", Text),
            ("secret", Bytes),
            ("created_ms", Int),
            ("active", Bool),
            ("session_sha256", Bytes),
            ("expires_ms", Int),
            ("parent", Text),
            ("role_name", Text),
            ("role_policy", Text),
        ],
        sqlite:
            "SELECT id, account, user_name, secret, created_ms, active, session_sha256, expires_ms, parent, role_name,
                        role_policy FROM access_keys ORDER BY id",
        order: "id COLLATE \"C\"",
    },
    Table {
        name: "keyring",
        columns: &[("id", Text), ("wrapped", Bytes)],
        sqlite: "SELECT id, wrapped FROM keyring ORDER BY id",
        order: "id COLLATE \"C\"",
    },
    Table {
        name: "secrets",
        columns: &[
            ("id", Int),
            ("account", Text),
            ("region", Text),
            ("name", Text),
            ("suffix", Text),
            ("created_ms", Int),
            ("last_changed_ms", Int),
            ("last_accessed_ms", Int),
            ("deleted_ms", Int),
            ("purge_at_ms", Int),
            ("meta", Text),
            ("rotate_at_ms", Int),
        ],
        sqlite: "SELECT id, account, region, name, suffix, created_ms, last_changed_ms, last_accessed_ms, deleted_ms,
                        purge_at_ms, meta, rotate_at_ms FROM secrets ORDER BY id",
        order: "id",
    },
    Table {
        name: "versions",
        columns: &[
            ("secret_pk", Int),
            ("version_id", Text),
            ("seq", Int),
            ("created_ms", Int),
            ("last_accessed_ms", Int),
            ("kms_key_id", Text),
            ("kek_id", Text),
            ("wrapped_key", Bytes),
            ("ciphertext", Bytes),
        ],
        sqlite: "SELECT v.secret_pk, v.version_id, v.seq, v.created_ms, v.last_accessed_ms, v.kms_key_id,
                        s.kek_id, s.wrapped_key, s.ciphertext
                 FROM versions v LEFT JOIN sealed_values s ON s.id = v.value_id ORDER BY v.secret_pk, v.version_id",
        order: "secret_pk, version_id COLLATE \"C\"",
    },
    Table {
        name: "labels",
        columns: &[("secret_pk", Int), ("label", Text), ("version_id", Text)],
        sqlite: "SELECT secret_pk, label, version_id FROM labels ORDER BY secret_pk, label",
        order: "secret_pk, label COLLATE \"C\"",
    },
    // Leases are not copied: the nodes that held them are not these.
    Table {
        name: "rotations",
        columns: &[("id", Text), ("secret_pk", Int), ("status", Text), ("created_ms", Int), ("body", Text)],
        sqlite: "SELECT id, secret_pk, status, created_ms, body FROM rotations ORDER BY id",
        order: "id COLLATE \"C\"",
    },
    Table {
        name: "function_logs",
        columns: &[
            ("id", Int),
            ("job_id", Text),
            ("secret_arn", Text),
            ("attempt", Int4),
            ("step", Text),
            ("function_arn", Text),
            ("started_ms", Int),
            ("sealed", Bytes),
        ],
        sqlite: "SELECT id, job_id, secret_arn, attempt, step, function_arn, started_ms, sealed FROM function_logs ORDER BY id",
        order: "id",
    },
    Table {
        name: "audit",
        columns: &[
            ("seq", Int),
            ("time_ms", Int),
            ("time_last_ms", Int),
            ("account", Text),
            ("event_name", Text),
            ("secret_name", Text),
            ("principal", Text),
            ("access_key", Text),
            ("read_only", Bool),
            ("batch", Int),
            ("record", Bytes),
            ("mac", Bytes),
        ],
        sqlite: "SELECT seq, time_ms, time_last_ms, account, event_name, secret_name, principal, access_key, read_only,
                        batch, record, mac FROM audit ORDER BY seq",
        order: "seq",
    },
    Table {
        name: "audit_batch_keys",
        columns: &[("account", Text), ("key", Text), ("seq", Int)],
        sqlite: "SELECT account, key, seq FROM audit_batch_keys ORDER BY account, key, seq",
        order: "account COLLATE \"C\", key COLLATE \"C\", seq",
    },
    Table {
        name: "audit_anchor",
        columns: &[("id", Int4), ("seq", Int), ("mac", Bytes), ("anchor_mac", Bytes)],
        sqlite: "SELECT id, seq, mac, anchor_mac FROM audit_anchor ORDER BY id",
        order: "id",
    },
    Table {
        name: "audit_sinks",
        columns: &[("name", Text), ("delivered", Int)],
        sqlite: "SELECT name, delivered FROM audit_sinks ORDER BY name",
        order: "name COLLATE \"C\"",
    },
    Table {
        name: "settings",
        columns: &[("name", Text), ("value", Int)],
        sqlite: "SELECT name, value FROM settings ORDER BY name",
        order: "name COLLATE \"C\"",
    },
];

/// One cell, as both databases can say it: text and booleans as what
/// they hold (bytes, 0 or 1).
#[derive(Debug, PartialEq)]
pub(crate) enum Cell {
    Null,
    Int(i64),
    Bytes(Vec<u8>),
}

impl Cell {
    pub fn of_sqlite(v: ValueRef<'_>) -> Cell {
        match v {
            ValueRef::Null => Cell::Null,
            ValueRef::Integer(i) => Cell::Int(i),
            ValueRef::Real(f) => Cell::Int(f as i64),
            ValueRef::Text(b) | ValueRef::Blob(b) => Cell::Bytes(b.to_vec()),
        }
    }

    pub fn of_postgres(row: &PgRow, i: usize, kind: Kind) -> Result<Cell, StoreError> {
        Ok(match kind {
            Int => row.try_get::<Option<i64>, _>(i).db()?.map_or(Cell::Null, Cell::Int),
            Int4 => row.try_get::<Option<i32>, _>(i).db()?.map_or(Cell::Null, |v| Cell::Int(v.into())),
            Bool => row.try_get::<Option<bool>, _>(i).db()?.map_or(Cell::Null, |v| Cell::Int(v.into())),
            Text => row.try_get::<Option<String>, _>(i).db()?.map_or(Cell::Null, |v| Cell::Bytes(v.into_bytes())),
            Bytes => row.try_get::<Option<Vec<u8>>, _>(i).db()?.map_or(Cell::Null, Cell::Bytes),
        })
    }

    /// Feeds the digest (tagged and length-prefixed: no two rows alike).
    pub fn digest(&self, h: &mut Sha256) {
        match self {
            Cell::Null => h.update([0]),
            Cell::Int(i) => {
                h.update([1]);
                h.update(i.to_be_bytes());
            }
            Cell::Bytes(b) => {
                h.update([2]);
                h.update((b.len() as u64).to_be_bytes());
                h.update(b);
            }
        }
    }
}
