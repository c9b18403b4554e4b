//! Which processes serve the store: each node notes itself in `nodes`
//! every [`BEAT`], by the database's clock (nodes' clocks may differ), so
//! that a node can tell whether others are serving (the master key is
//! rotated only when none is, see `Keyring::other_nodes_serving`).

use crate::{Db, PgStore};
use rekey_store::StoreError;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;

/// How often a node notes itself.
const BEAT: Duration = Duration::from_secs(5);
/// A node not seen for this long is taken to be gone.
const GONE_MS: i64 = 20_000;

const NOW_MS: &str = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

/// Notes `instance` as serving, every [`BEAT`], and forgets nodes gone a day.
pub async fn beat(pool: PgPool, instance: Arc<str>) {
    loop {
        let noted = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO nodes (instance, seen_ms) VALUES ($1, {NOW_MS})
             ON CONFLICT (instance) DO UPDATE SET seen_ms = excluded.seen_ms"
        )))
        .bind(&*instance)
        .execute(&pool)
        .await;
        if let Err(e) = noted {
            tracing::debug!(error = %e, "could not note this node as serving");
        }
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM nodes WHERE seen_ms < {NOW_MS} - 86400000")))
            .execute(&pool)
            .await;
        tokio::time::sleep(BEAT).await;
    }
}

impl PgStore {
    /// Other processes seen serving within [`GONE_MS`].
    pub(crate) async fn others_serving(&self) -> Result<usize, StoreError> {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM nodes WHERE instance <> $1 AND seen_ms > {NOW_MS} - $2"
        )))
        .bind(&*self.notifier.instance)
        .bind(GONE_MS)
        .fetch_one(&self.pool)
        .await
        .db()?;
        Ok(n as usize)
    }

    /// Forgets this process (a node stopping says it is gone at once).
    pub async fn leave(&self) {
        let _ = sqlx::query("DELETE FROM nodes WHERE instance = $1")
            .bind(&*self.notifier.instance)
            .execute(&self.pool)
            .await;
    }
}
