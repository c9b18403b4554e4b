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

use crate::tables::Kind::{self, *};
use crate::tables::{Cell, TABLES};
use crate::{Db, PgStore};
use futures_util::TryStreamExt;
use rekey_store::StoreError;
use rekey_store::sqlite::SqliteStore;
use sha2::{Digest, Sha256};
use std::path::Path;

pub(crate) fn bad(table: &str, why: impl std::fmt::Display) -> StoreError {
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
    let mut tx = crate::begin(pool, None).await?;
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
