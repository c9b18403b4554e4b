//! Function logs on PostgreSQL: the `function_logs` table.

use crate::{Db, PgStore};
use rekey_model::Timestamp;
use rekey_model::rotation::{JobId, RotationStep, SealedOutput};
use rekey_store::{FunctionLogRecord, FunctionLogStore, StoreError};

type LogRow = (String, String, i32, String, String, i64, Vec<u8>);

fn record(
    (job, secret_arn, attempt, step, function_arn, started, sealed): LogRow,
) -> Result<FunctionLogRecord, StoreError> {
    let step = RotationStep::parse(&step).ok_or_else(|| StoreError::Corrupt(format!("function log step {step}")))?;
    Ok(FunctionLogRecord {
        job: JobId::new(job),
        secret_arn,
        attempt: attempt as u32,
        step,
        function_arn,
        started: Timestamp::from_millis(started),
        sealed: SealedOutput(sealed),
    })
}

impl FunctionLogStore for PgStore {
    async fn append_function_log(&self, r: FunctionLogRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO function_logs (job_id, secret_arn, attempt, step, function_arn, started_ms, sealed)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(r.job.as_str())
        .bind(&r.secret_arn)
        .bind(r.attempt as i32)
        .bind(r.step.as_str())
        .bind(&r.function_arn)
        .bind(r.started.millis())
        .bind(&r.sealed.0)
        .execute(&self.pool)
        .await
        .db()?;
        Ok(())
    }

    async fn function_logs(
        &self,
        secret_arn: &str,
        job: Option<&JobId>,
        limit: usize,
    ) -> Result<Vec<FunctionLogRecord>, StoreError> {
        let rows: Vec<LogRow> = sqlx::query_as(
            "SELECT job_id, secret_arn, attempt, step, function_arn, started_ms, sealed FROM function_logs
             WHERE secret_arn = $1 AND ($2::text IS NULL OR job_id = $2) ORDER BY id DESC LIMIT $3",
        )
        .bind(secret_arn)
        .bind(job.map(JobId::as_str))
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.into_iter().map(record).collect()
    }

    async fn prune_function_logs(&self, before: Timestamp) -> Result<usize, StoreError> {
        let n = sqlx::query("DELETE FROM function_logs WHERE started_ms < $1")
            .bind(before.millis())
            .execute(&self.pool)
            .await
            .db()?;
        Ok(n.rows_affected() as usize)
    }
}
