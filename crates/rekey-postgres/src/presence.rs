//! Which processes serve the store: each node notes itself in `nodes`
//! every [`BEAT`], by the database's clock (nodes' clocks may differ), so
//! that the nodes can tell who serves (a master-key rotation waits for
//! every node serving, see `rekey_store::master_rotation`).

use crate::{Db, PgStore};
use rekey_store::{ServingNode, StoreError};
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
    /// The processes seen serving within [`GONE_MS`], this one included.
    pub(crate) async fn serving(&self) -> Result<Vec<ServingNode>, StoreError> {
        let rows: Vec<(String, Option<String>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT instance, master_key FROM nodes WHERE seen_ms > {NOW_MS} - $1 ORDER BY instance"
        )))
        .bind(GONE_MS)
        .fetch_all(&self.pool)
        .await
        .db()?;
        let me = &*self.notifier.instance;
        Ok(rows
            .into_iter()
            .map(|(instance, master_key)| ServingNode { this: instance == me, instance, master_key })
            .collect())
    }

    /// Notes what this process has of a master-key rotation's new key.
    pub(crate) async fn note_master_key_of_node(&self, note: Option<&str>) -> Result<(), StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO nodes (instance, seen_ms, master_key) VALUES ($1, {NOW_MS}, $2)
             ON CONFLICT (instance) DO UPDATE SET master_key = excluded.master_key"
        )))
        .bind(&*self.notifier.instance)
        .bind(note)
        .execute(&self.pool)
        .await
        .db()?;
        Ok(())
    }

    /// Forgets this process (a node stopping says it is gone at once).
    pub async fn leave(&self) {
        let _ = sqlx::query("DELETE FROM nodes WHERE instance = $1")
            .bind(&*self.notifier.instance)
            .execute(&self.pool)
            .await;
    }
}
