//! Moving a deployment from the embedded store to PostgreSQL (`rekey admin
//! migrate --from <data-dir> --to postgres://…`): every table copied row
//! for row, as stored, in one transaction, so nothing is decrypted and
//! nothing is re-sealed (values stay sealed under their keys, keys wrapped
//! by the same master key, the audit trail keeps its numbers and MACs and
//! still verifies). Then the copy is read back and checked, table by
//! table, against what was read (a SHA-256 over the rows in key order).
//!
//! The source is read in one read transaction (one snapshot); the server
//! using it should be stopped, or writes made after the snapshot are not
//! in the copy. The target must hold no deployment yet.

use crate::{Db, PgStore};
use futures_util::TryStreamExt;
use rekey_store::StoreError;
use rekey_store::sqlite::SqliteStore;
use rusqlite::types::ValueRef;
use sha2::{Digest, Sha256};
use sqlx::Row as _;
use sqlx::postgres::PgRow;
use std::path::Path;

/// How a column is stored in PostgreSQL (SQLite's are integers, text and
/// blobs).
#[derive(Clone, Copy)]
enum Kind {
    Int,
    Int4,
    Bool,
    Text,
    Bytes,
}

use Kind::*;

/// A table to copy: its columns in PostgreSQL, the SQLite query that
/// yields them in that order (in key order), and PostgreSQL's same order.
struct Table {
    name: &'static str,
    columns: &'static [(&'static str, Kind)],
    sqlite: &'static str,
    order: &'static str,
}

/// Every table of a deployment, parents first.
const TABLES: &[Table] = &[
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
enum Cell {
    Null,
    Int(i64),
    Bytes(Vec<u8>),
}

impl Cell {
    fn of_sqlite(v: ValueRef<'_>) -> Cell {
        match v {
            ValueRef::Null => Cell::Null,
            ValueRef::Integer(i) => Cell::Int(i),
            ValueRef::Real(f) => Cell::Int(f as i64),
            ValueRef::Text(b) | ValueRef::Blob(b) => Cell::Bytes(b.to_vec()),
        }
    }

    fn of_postgres(row: &PgRow, i: usize, kind: Kind) -> Result<Cell, StoreError> {
        Ok(match kind {
            Int => row.try_get::<Option<i64>, _>(i).db()?.map_or(Cell::Null, Cell::Int),
            Int4 => row.try_get::<Option<i32>, _>(i).db()?.map_or(Cell::Null, |v| Cell::Int(v.into())),
            Bool => row.try_get::<Option<bool>, _>(i).db()?.map_or(Cell::Null, |v| Cell::Int(v.into())),
            Text => row.try_get::<Option<String>, _>(i).db()?.map_or(Cell::Null, |v| Cell::Bytes(v.into_bytes())),
            Bytes => row.try_get::<Option<Vec<u8>>, _>(i).db()?.map_or(Cell::Null, Cell::Bytes),
        })
    }

    /// Feeds the digest (tagged and length-prefixed: no two rows alike).
    fn digest(&self, h: &mut Sha256) {
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

fn bad(table: &str, why: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{table}: {why}"))
}

/// Binds one cell as the column's kind.
fn bind<'q>(
    q: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    table: &str,
    cell: Cell,
    kind: Kind,
) -> Result<sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>, StoreError> {
    Ok(match (cell, kind) {
        (Cell::Null, Int) => q.bind(None::<i64>),
        (Cell::Null, Int4) => q.bind(None::<i32>),
        (Cell::Null, Bool) => q.bind(None::<bool>),
        (Cell::Null, Text) => q.bind(None::<String>),
        (Cell::Null, Bytes) => q.bind(None::<Vec<u8>>),
        (Cell::Int(i), Int) => q.bind(i),
        (Cell::Int(i), Int4) => q.bind(i32::try_from(i).map_err(|e| bad(table, e))?),
        (Cell::Int(i), Bool) => q.bind(i != 0),
        (Cell::Bytes(b), Text) => q.bind(String::from_utf8(b).map_err(|e| bad(table, e))?),
        (Cell::Bytes(b), Bytes) => q.bind(b),
        (cell, _) => return Err(bad(table, format!("unexpected value {cell:?}"))),
    })
}

/// What a migration copied: rows per table.
#[derive(Debug, Default)]
pub struct Copied {
    /// (table, rows), in copy order.
    pub tables: Vec<(&'static str, u64)>,
}

/// Copies the store of `data_dir` into `target`, which must hold no
/// deployment, and checks the copy. Nothing is decrypted.
pub async fn from_sqlite(data_dir: &Path, target: &PgStore) -> Result<Copied, StoreError> {
    let path = SqliteStore::file_in(data_dir);
    if !path.exists() {
        return Err(StoreError::Database(format!("{} holds no store", path.display())));
    }
    // Brought to the current schema first (what the copy expects).
    drop(SqliteStore::open(&path)?);
    let source = rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    source.execute_batch("BEGIN")?;
    let pool = target.pool();
    let mut tx = pool.begin().await.db()?;
    for table in ["secrets", "keyring", "audit", "accounts", "access_keys"] {
        let any: bool = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT EXISTS (SELECT 1 FROM {table})")))
            .fetch_one(&mut *tx)
            .await
            .db()?;
        if any {
            return Err(StoreError::Database(format!(
                "the PostgreSQL store is not empty ({table} has rows): migrate into a new database or schema"
            )));
        }
    }
    let mut copied = Copied::default();
    let mut digests = Vec::new();
    for table in TABLES {
        let names: Vec<&str> = table.columns.iter().map(|(n, _)| *n).collect();
        let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
        let insert = format!("INSERT INTO {} ({}) VALUES ({})", table.name, names.join(", "), placeholders.join(", "));
        let mut stmt = source.prepare(table.sqlite)?;
        let mut rows = stmt.query([])?;
        let (mut h, mut n) = (Sha256::new(), 0u64);
        while let Some(row) = rows.next()? {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(insert.clone()));
            for (i, (_, kind)) in table.columns.iter().enumerate() {
                let cell = Cell::of_sqlite(row.get_ref(i)?);
                cell.digest(&mut h);
                q = bind(q, table.name, cell, *kind)?;
            }
            q.execute(&mut *tx).await.db()?;
            n += 1;
        }
        copied.tables.push((table.name, n));
        digests.push(h.finalize());
    }
    // What the copy's own bookkeeping must say: the keys numbered after
    // the copied ones, and the chain's head where the trail ends.
    for (table, column) in [("secrets", "id"), ("function_logs", "id")] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), greatest((SELECT max({column}) FROM {table}), 1))"
        )))
        .execute(&mut *tx)
        .await
        .db()?;
    }
    sqlx::query(
        "UPDATE audit_head SET (seq, mac) = (
             SELECT seq, mac FROM (
                 SELECT seq, mac FROM audit
                 UNION ALL SELECT seq, mac FROM audit_anchor
                 UNION ALL SELECT 0, ''::bytea
             ) x ORDER BY seq DESC LIMIT 1)
         WHERE id = 1",
    )
    .execute(&mut *tx)
    .await
    .db()?;
    tx.commit().await.db()?;
    source.execute_batch("COMMIT")?;

    // The copy read back, table by table, must be what was read.
    for (table, copied_digest) in TABLES.iter().zip(digests) {
        let names: Vec<&str> = table.columns.iter().map(|(n, _)| *n).collect();
        let sql = format!("SELECT {} FROM {} ORDER BY {}", names.join(", "), table.name, table.order);
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(pool);
        let mut h = Sha256::new();
        while let Some(row) = rows.try_next().await.db()? {
            for (i, (_, kind)) in table.columns.iter().enumerate() {
                Cell::of_postgres(&row, i, *kind)?.digest(&mut h);
            }
        }
        if h.finalize() != copied_digest {
            return Err(StoreError::Corrupt(format!(
                "the copy of table {} does not read back as it was read; the PostgreSQL store is not usable as it is",
                table.name
            )));
        }
    }
    Ok(copied)
}
