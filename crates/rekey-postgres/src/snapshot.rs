//! Snapshots of a PostgreSQL store (`rekey admin backup`): every table of
//! the deployment read in one repeatable-read transaction (one instant;
//! writes go on) and written, as stored, into a new embedded-store file.
//! Nothing is decrypted. The file is what a SQLite store's backup is: it
//! restores into a data directory (`rekey admin restore`), and from there
//! moves to a PostgreSQL database again (`rekey admin migrate`). The file
//! is read back and checked table by table before it is reported.
//!
//! Only the deployment's state is copied: not the nodes' bookkeeping
//! (who serves, leases, the chain's head, which the copy's rows say).

use crate::tables::{Cell, Kind, TABLES, Table};
use crate::{Db, PgStore};
use futures_util::TryStreamExt;
use rekey_store::sqlite::SqliteStore;
use rekey_store::{Snapshot, StoreError};
use rusqlite::types::Value;
use sha2::{Digest, Sha256};
use std::path::Path;

/// Rows written to the file at a time.
const BATCH: usize = 512;

impl Snapshot for PgStore {
    async fn snapshot(&self, to: &Path) -> Result<u64, StoreError> {
        let file = SqliteStore::create_snapshot_file(to)?;
        match copy(self, file, to).await {
            Ok(()) => std::fs::metadata(to).map(|m| m.len()).map_err(|e| StoreError::Database(e.to_string())),
            Err(e) => {
                let _ = std::fs::remove_file(to);
                Err(e)
            }
        }
    }
}

/// Fills `file` (which it then closes) from `store`, and checks it.
async fn copy(store: &PgStore, file: rusqlite::Connection, to: &Path) -> Result<(), StoreError> {
    let mut tx = crate::begin(store.pool(), Some("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY".into())).await?;
    file.execute_batch("BEGIN")?;
    let mut digests = Vec::new();
    for table in TABLES {
        let names: Vec<&str> = table.columns.iter().map(|(n, _)| *n).collect();
        let sql = format!("SELECT {} FROM {} ORDER BY {}", names.join(", "), table.name, table.order);
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *tx);
        let (mut h, mut batch) = (Sha256::new(), Vec::with_capacity(BATCH));
        while let Some(row) = rows.try_next().await.db()? {
            let cells = (0..names.len())
                .map(|i| Cell::of_postgres(&row, i, table.columns[i].1))
                .collect::<Result<Vec<_>, _>>()?;
            cells.iter().for_each(|c| c.digest(&mut h));
            batch.push(cells);
            if batch.len() == BATCH {
                write(&file, table, std::mem::take(&mut batch))?;
            }
        }
        write(&file, table, batch)?;
        digests.push(h.finalize());
    }
    drop(tx);
    file.execute_batch("COMMIT")?;
    // The file read back, table by table, must be what was read.
    for (table, digest) in TABLES.iter().zip(digests) {
        let mut stmt = file.prepare(table.sqlite)?;
        let mut rows = stmt.query([])?;
        let mut h = Sha256::new();
        while let Some(row) = rows.next()? {
            for i in 0..table.columns.len() {
                Cell::of_sqlite(row.get_ref(i)?).digest(&mut h);
            }
        }
        if h.finalize() != digest {
            return Err(StoreError::Corrupt(format!(
                "the backup's table {} does not read back as it was read ({})",
                table.name,
                to.display()
            )));
        }
    }
    Ok(())
}

/// One cell as SQLite keeps the column's kind.
fn value(table: &Table, cell: Cell, kind: Kind) -> Result<Value, StoreError> {
    Ok(match (cell, kind) {
        (Cell::Null, _) => Value::Null,
        (Cell::Int(i), Kind::Int | Kind::Int4 | Kind::Bool) => Value::Integer(i),
        (Cell::Bytes(b), Kind::Text) => {
            Value::Text(String::from_utf8(b).map_err(|e| crate::import::bad(table.name, e))?)
        }
        (Cell::Bytes(b), Kind::Bytes) => Value::Blob(b),
        (cell, _) => return Err(crate::import::bad(table.name, format!("unexpected value {cell:?}"))),
    })
}

/// Writes rows of `table` into the file. A version's value goes to
/// `sealed_values`, which SQLite keeps apart and the version names.
fn write(file: &rusqlite::Connection, table: &Table, rows: Vec<Vec<Cell>>) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let values = |row: Vec<Cell>| -> Result<Vec<Value>, StoreError> {
        row.into_iter().zip(table.columns).map(|(cell, (_, kind))| value(table, cell, *kind)).collect()
    };
    if table.name == "versions" {
        let mut value_row =
            file.prepare_cached("INSERT INTO sealed_values (kek_id, wrapped_key, ciphertext) VALUES (?1, ?2, ?3)")?;
        let mut version = file.prepare_cached(
            "INSERT INTO versions (secret_pk, version_id, seq, created_ms, last_accessed_ms, kms_key_id, value_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for row in rows {
            let mut v = values(row)?;
            let sealed = v.split_off(6);
            let value_id = if sealed[0] == Value::Null {
                Value::Null
            } else {
                value_row.execute(rusqlite::params_from_iter(sealed))?;
                Value::Integer(file.last_insert_rowid())
            };
            v.push(value_id);
            version.execute(rusqlite::params_from_iter(v))?;
        }
        return Ok(());
    }
    let names: Vec<&str> = table.columns.iter().map(|(n, _)| *n).collect();
    let marks: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
    let mut insert = file.prepare_cached(&format!(
        "INSERT INTO {} ({}) VALUES ({})",
        table.name,
        names.join(", "),
        marks.join(", ")
    ))?;
    for row in rows {
        insert.execute(rusqlite::params_from_iter(values(row)?))?;
    }
    Ok(())
}
