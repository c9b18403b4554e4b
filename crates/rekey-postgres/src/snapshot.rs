//! Copies of a PostgreSQL store are PostgreSQL's to take (`pg_dump`, a
//! base backup, a standby): `rekey admin backup` says so rather than copy
//! a database it does not own.

use crate::PgStore;
use rekey_store::{Snapshot, StoreError};
use std::path::Path;

impl Snapshot for PgStore {
    async fn snapshot(&self, _to: &Path) -> Result<u64, StoreError> {
        Err(StoreError::Database(
            "this server's store is PostgreSQL: back it up with PostgreSQL's tools (pg_dump, a base backup or a standby)"
                .into(),
        ))
    }
}
