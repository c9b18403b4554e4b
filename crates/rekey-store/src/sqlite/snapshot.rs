//! Snapshots of the SQLite store: `VACUUM INTO` on a read transaction
//! (one consistent instant; the writer goes on), and the restore that puts
//! a snapshot in place as an empty data directory's database.

use super::SqliteStore;
use crate::{Snapshot, StoreError};
use rusqlite::{Connection, OpenFlags};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

impl Snapshot for SqliteStore {
    async fn snapshot(&self, to: &Path) -> Result<u64, StoreError> {
        let io = |e: std::io::Error| StoreError::Database(format!("{}: {e}", to.display()));
        // SQLite writes into an empty file that exists: made 0600 here, and
        // never one that holds anything.
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(to).map_err(io)?;
        let target = to.to_str().ok_or_else(|| StoreError::Database("the path is not UTF-8".into()))?.to_string();
        // Its own connection (VACUUM runs outside any transaction, as one
        // read of one instant), on a thread of its own: a large store
        // takes a while.
        let path = self.path.clone();
        let done = tokio::task::spawn_blocking(move || -> Result<(), StoreError> {
            let c = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
            super::configure(&c)?;
            c.execute("VACUUM INTO ?1", [&target])?;
            Ok(())
        })
        .await
        .unwrap_or_else(|e| Err(StoreError::Database(e.to_string())));
        if let Err(e) = done {
            let _ = std::fs::remove_file(to);
            return Err(e);
        }
        Ok(std::fs::metadata(to).map_err(io)?.len())
    }
}

impl SqliteStore {
    /// A new, empty store file at `path` (0600; it must not exist) with the
    /// current schema, in rollback-journal mode (one file, as a snapshot
    /// is), for another backend's snapshot to fill through the connection
    /// returned.
    pub fn create_snapshot_file(path: &Path) -> Result<Connection, StoreError> {
        let io = |e: std::io::Error| StoreError::Database(format!("{}: {e}", path.display()));
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(io)?;
        let mut c = Connection::open(path)?;
        super::configure(&c)?;
        super::schema::migrate(&mut c)?;
        Ok(c)
    }

    /// Puts the snapshot `from` in place as the database of `data_dir`,
    /// which must hold no store yet (created 0700 if missing), after
    /// checking that it is an intact rekey store.
    pub fn restore(from: &Path, data_dir: &Path) -> Result<(), StoreError> {
        let io = |p: &Path, e: std::io::Error| StoreError::Database(format!("{}: {e}", p.display()));
        let check = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let verdict: String = check.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if verdict != "ok" {
            return Err(StoreError::Corrupt(format!("{}: {verdict}", from.display())));
        }
        let tables: i64 = check.query_row(
            "SELECT count(*) FROM sqlite_master WHERE name IN ('secrets', 'audit', 'keyring')",
            [],
            |r| r.get(0),
        )?;
        if tables != 3 {
            return Err(StoreError::Corrupt(format!("{} is not a rekey store", from.display())));
        }
        drop(check);
        {
            use std::os::unix::fs::DirBuilderExt;
            std::fs::DirBuilder::new().recursive(true).mode(0o700).create(data_dir).map_err(|e| io(data_dir, e))?;
        }
        let db = SqliteStore::file_in(data_dir);
        let mut out = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&db).map_err(|e| {
            match e.kind() {
                std::io::ErrorKind::AlreadyExists => StoreError::Database(format!(
                    "{} already holds a store; restore into an empty data directory",
                    data_dir.display()
                )),
                _ => io(&db, e),
            }
        })?;
        let mut input = std::fs::File::open(from).map_err(|e| io(from, e))?;
        std::io::copy(&mut input, &mut out).map_err(|e| io(&db, e))?;
        out.sync_all().map_err(|e| io(&db, e))?;
        Ok(())
    }
}
