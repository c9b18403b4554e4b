//! The keyring on PostgreSQL: every node reads the same wrapped keys.
//! Creating one takes the keyring's lock, so that the family's size check
//! and the insert are one step across nodes.

use crate::{Db, PgStore};
use rekey_model::Timestamp;
use rekey_model::rotation::{JobId, RotationStep, StepLog};
use rekey_store::stored::reseal_job;
use rekey_store::{Keyring, MasterPhase, MasterRotation, Reseal, Sealed, ServingNode, StoreError};

impl Keyring for PgStore {
    async fn load_kek(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        sqlx::query_scalar("SELECT wrapped FROM keyring WHERE id = $1").bind(id).fetch_optional(&self.pool).await.db()
    }

    async fn insert_kek(
        &self,
        id: &str,
        wrapped: Vec<u8>,
        family: &str,
        max: usize,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let mut tx = crate::begin(&self.pool, None).await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(self.locks.keyring()).execute(&mut *tx).await.db()?;
        let stored: Option<Vec<u8>> = sqlx::query_scalar("SELECT wrapped FROM keyring WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .db()?;
        if stored.is_some() {
            return Ok(stored);
        }
        let members: i64 = sqlx::query_scalar("SELECT count(*) FROM keyring WHERE starts_with(id, $1)")
            .bind(family)
            .fetch_one(&mut *tx)
            .await
            .db()?;
        if members as usize >= max {
            return Ok(None);
        }
        sqlx::query("INSERT INTO keyring (id, wrapped) VALUES ($1, $2)")
            .bind(id)
            .bind(&wrapped)
            .execute(&mut *tx)
            .await
            .db()?;
        tx.commit().await.db()?;
        Ok(Some(wrapped))
    }

    fn shared(&self) -> bool {
        true
    }

    async fn master_rotation(&self) -> Result<Option<MasterRotation>, StoreError> {
        let row: Option<(String, Vec<u8>, String, String)> =
            sqlx::query_as("SELECT id, key_check, phase, started_by FROM master_rotation")
                .fetch_optional(&self.pool)
                .await
                .db()?;
        row.map(|(id, key_check, phase, started_by)| {
            let phase =
                MasterPhase::parse(&phase).ok_or_else(|| StoreError::Corrupt(format!("master rotation {id}")))?;
            Ok(MasterRotation { id, key_check, phase, started_by })
        })
        .transpose()
    }

    async fn begin_master_rotation(&self, id: &str, key_check: Vec<u8>) -> Result<MasterRotation, StoreError> {
        // At most one row (`one` is its key): a second begin finds the first.
        sqlx::query(
            "INSERT INTO master_rotation (id, key_check, phase, started_by) VALUES ($1, $2, $3, $4)
             ON CONFLICT (one) DO NOTHING",
        )
        .bind(id)
        .bind(key_check)
        .bind(MasterPhase::Staged.as_str())
        .bind(&*self.notifier.instance)
        .execute(&self.pool)
        .await
        .db()?;
        self.master_rotation()
            .await?
            .ok_or_else(|| StoreError::Conflict("the master key rotation ended at once".into()))
    }

    async fn set_master_phase(&self, id: &str, phase: MasterPhase) -> Result<(), StoreError> {
        sqlx::query("UPDATE master_rotation SET phase = $2 WHERE id = $1")
            .bind(id)
            .bind(phase.as_str())
            .execute(&self.pool)
            .await
            .db()?;
        Ok(())
    }

    async fn end_master_rotation(&self, id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM master_rotation WHERE id = $1").bind(id).execute(&self.pool).await.db()?;
        Ok(())
    }

    async fn note_master_key(&self, note: Option<&str>) -> Result<(), StoreError> {
        self.note_master_key_of_node(note).await
    }

    async fn serving_nodes(&self) -> Result<Vec<ServingNode>, StoreError> {
        self.serving().await
    }

    async fn reseal_all(&self, mut reseal: Reseal) -> Result<usize, StoreError> {
        let mut tx = crate::begin(&self.pool, None).await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(self.locks.keyring()).execute(&mut *tx).await.db()?;
        let mut replaced = 0;
        // (table, blob column, what its blobs are): rows keyed by a text `id`.
        type Kind = for<'a> fn(&'a str) -> Sealed<'a>;
        let keyed: [(&str, &str, Kind); 2] =
            [("keyring", "wrapped", |id| Sealed::Key(id)), ("access_keys", "secret", |id| Sealed::Credential(id))];
        for (table, column, kind) in keyed {
            let rows: Vec<(String, Vec<u8>)> =
                sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT id, {column} FROM {table} FOR UPDATE")))
                    .fetch_all(&mut *tx)
                    .await
                    .db()?;
            for (id, blob) in rows {
                if let Some(new) = reseal(kind(&id), &blob) {
                    sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE {table} SET {column} = $2 WHERE id = $1")))
                        .bind(&id)
                        .bind(new)
                        .execute(&mut *tx)
                        .await
                        .db()?;
                    replaced += 1;
                }
            }
        }
        // Only jobs whose steps kept an output are rewritten.
        let jobs: Vec<(String, String)> =
            sqlx::query_as("SELECT id, body FROM rotations WHERE body LIKE '%\"output\"%' FOR UPDATE")
                .fetch_all(&mut *tx)
                .await
                .db()?;
        for (id, body) in jobs {
            if let Some(body) = reseal_job(&id, &body, &mut reseal)? {
                sqlx::query("UPDATE rotations SET body = $2 WHERE id = $1")
                    .bind(&id)
                    .bind(body)
                    .execute(&mut *tx)
                    .await
                    .db()?;
                replaced += 1;
            }
        }
        // Logs are many and large: a page at a time.
        let mut after = 0i64;
        loop {
            let logs: Vec<(i64, String, i32, String, i64, Vec<u8>)> = sqlx::query_as(
                "SELECT id, job_id, attempt, step, started_ms, sealed FROM function_logs
                 WHERE id > $1 ORDER BY id LIMIT 256 FOR UPDATE",
            )
            .bind(after)
            .fetch_all(&mut *tx)
            .await
            .db()?;
            let Some(last) = logs.last() else { break };
            after = last.0;
            for (id, job, attempt, step, started, blob) in logs {
                let step =
                    RotationStep::parse(&step).ok_or_else(|| StoreError::Corrupt(format!("function log {id}")))?;
                let context =
                    StepLog::seal_context(&JobId::new(job), attempt as u32, step, Timestamp::from_millis(started));
                if let Some(new) = reseal(Sealed::Output(context), &blob) {
                    sqlx::query("UPDATE function_logs SET sealed = $2 WHERE id = $1")
                        .bind(id)
                        .bind(new)
                        .execute(&mut *tx)
                        .await
                        .db()?;
                    replaced += 1;
                }
            }
        }
        tx.commit().await.db()?;
        Ok(replaced)
    }
}
