//! Rotation jobs on PostgreSQL. A claim is one conditional update of the
//! job's lease that skips a row another node is claiming at that moment
//! (`FOR UPDATE SKIP LOCKED`): of the nodes that try, one gets the job and
//! the others move on at once instead of queueing behind it.

use crate::{Db, PgStore};
use rekey_model::Timestamp;
use rekey_model::name::{Namespace, SecretName};
use rekey_model::rotation::{JobId, RotationJob};
use rekey_store::stored::{job_body, job_of, keep_stored_outputs};
use rekey_store::{History, LeaseOwner, RotationStore, StoreError};

fn jobs(rows: Vec<(String, String)>) -> Result<Vec<RotationJob>, StoreError> {
    rows.iter().map(|(status, body)| job_of(status, body)).collect()
}

impl RotationStore for PgStore {
    async fn claim_rotation(
        &self,
        id: &JobId,
        owner: &LeaseOwner,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<Option<RotationJob>, StoreError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "UPDATE rotations SET lease_owner = $2, lease_until_ms = $4
             WHERE id = (SELECT id FROM rotations
                         WHERE id = $1 AND status = 'active' AND (lease_owner IS NULL OR lease_until_ms <= $3)
                         FOR UPDATE SKIP LOCKED)
               AND status = 'active' AND (lease_owner IS NULL OR lease_until_ms <= $3)
             RETURNING status, body",
        )
        .bind(id.as_str())
        .bind(&owner.0)
        .bind(now.millis())
        .bind(until.millis())
        .fetch_all(&self.pool)
        .await
        .db()?;
        Ok(jobs(rows)?.pop())
    }

    async fn renew_rotation(&self, id: &JobId, owner: &LeaseOwner, until: Timestamp) -> Result<bool, StoreError> {
        let n = sqlx::query(
            "UPDATE rotations SET lease_until_ms = $3 WHERE id = $1 AND status = 'active' AND lease_owner = $2",
        )
        .bind(id.as_str())
        .bind(&owner.0)
        .bind(until.millis())
        .execute(&self.pool)
        .await
        .db()?;
        Ok(n.rows_affected() == 1)
    }

    async fn release_rotation(&self, id: &JobId, owner: &LeaseOwner) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE rotations SET lease_owner = NULL, lease_until_ms = NULL WHERE lease_owner = $1 AND id = $2",
        )
        .bind(&owner.0)
        .bind(id.as_str())
        .execute(&self.pool)
        .await
        .db()?;
        Ok(())
    }

    async fn release_rotations_of(&self, owner: &LeaseOwner) -> Result<usize, StoreError> {
        let n = sqlx::query("UPDATE rotations SET lease_owner = NULL, lease_until_ms = NULL WHERE lease_owner = $1")
            .bind(&owner.0)
            .execute(&self.pool)
            .await
            .db()?;
        Ok(n.rows_affected() as usize)
    }

    async fn save_rotation(&self, job: RotationJob, owner: &LeaseOwner) -> Result<bool, StoreError> {
        let mut tx = crate::begin(&self.pool, None).await?;
        let stored: Option<String> = sqlx::query_scalar("SELECT body FROM rotations WHERE id = $1 FOR UPDATE")
            .bind(job.id.as_str())
            .fetch_optional(&mut *tx)
            .await
            .db()?;
        let job = keep_stored_outputs(&job, stored.as_deref())?;
        let n = sqlx::query(
            "UPDATE rotations SET status = $2, body = $3 WHERE id = $1 AND status = 'active' AND lease_owner = $4",
        )
        .bind(job.id.as_str())
        .bind(job.status.as_str())
        .bind(job_body(&job)?)
        .bind(&owner.0)
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()?;
        Ok(n.rows_affected() == 1)
    }

    async fn rotation(&self, id: &JobId) -> Result<Option<RotationJob>, StoreError> {
        let rows = sqlx::query_as("SELECT status, body FROM rotations WHERE id = $1")
            .bind(id.as_str())
            .fetch_all(&self.pool)
            .await
            .db()?;
        Ok(jobs(rows)?.pop())
    }

    async fn claimable_rotations(&self, now: Timestamp) -> Result<Vec<RotationJob>, StoreError> {
        let rows = sqlx::query_as(
            "SELECT status, body FROM rotations
             WHERE status = 'active' AND (lease_owner IS NULL OR lease_until_ms <= $1) ORDER BY created_ms",
        )
        .bind(now.millis())
        .fetch_all(&self.pool)
        .await
        .db()?;
        jobs(rows)
    }

    async fn rotation_history(&self, of: History, limit: usize) -> Result<Vec<RotationJob>, StoreError> {
        let rows = match of {
            History::Secret(pk) => sqlx::query_as(
                "SELECT status, body FROM rotations WHERE secret_pk = $1 ORDER BY created_ms DESC, id LIMIT $2",
            )
            .bind(pk)
            .bind(limit as i64)
            .fetch_all(&self.pool)
            .await
            .db()?,
            History::Namespace(ns) => sqlx::query_as(
                "SELECT r.status, r.body FROM rotations r JOIN secrets s ON s.id = r.secret_pk
                 WHERE s.account = $1 AND s.region = $2 ORDER BY r.created_ms DESC, r.id LIMIT $3",
            )
            .bind(ns.account.as_str())
            .bind(ns.region.as_str())
            .bind(limit as i64)
            .fetch_all(&self.pool)
            .await
            .db()?,
        };
        jobs(rows)
    }

    async fn due_for_rotation(&self, now: Timestamp, limit: usize) -> Result<Vec<(Namespace, SecretName)>, StoreError> {
        self.due(
            "SELECT account, region, name FROM secrets
             WHERE rotate_at_ms <= $1 AND deleted_ms IS NULL ORDER BY rotate_at_ms LIMIT $2",
            now,
            limit,
        )
        .await
    }

    async fn next_rotation_due(&self, after: Timestamp) -> Result<Option<Timestamp>, StoreError> {
        let ms: Option<i64> =
            sqlx::query_scalar("SELECT min(rotate_at_ms) FROM secrets WHERE rotate_at_ms > $1 AND deleted_ms IS NULL")
                .bind(after.millis())
                .fetch_one(&self.pool)
                .await
                .db()?;
        Ok(ms.map(Timestamp::from_millis))
    }
}
