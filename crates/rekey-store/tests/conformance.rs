//! The store conformance suite, run against the SQLite backend.

use rekey_store::sqlite::SqliteStore;

async fn open() -> (SqliteStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = SqliteStore::open(&SqliteStore::file_in(dir.path())).expect("an empty store");
    (store, dir)
}

rekey_store::conformance_suite!(open());
