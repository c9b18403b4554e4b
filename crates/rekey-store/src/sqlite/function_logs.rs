//! Function logs in SQLite: the `function_logs` table.

use super::SqliteStore;
use crate::StoreError;
use crate::function_logs::{FunctionLogRecord, FunctionLogStore};
use rekey_model::Timestamp;
use rekey_model::rotation::{JobId, RotationStep, SealedOutput};
use rusqlite::Row;

fn record(r: &Row<'_>) -> rusqlite::Result<Result<FunctionLogRecord, StoreError>> {
    let step: String = r.get(3)?;
    let Some(step) = RotationStep::parse(&step) else {
        return Ok(Err(StoreError::Corrupt(format!("function log step {step}"))));
    };
    Ok(Ok(FunctionLogRecord {
        job: JobId::new(r.get::<_, String>(0)?),
        secret_arn: r.get(1)?,
        attempt: r.get(2)?,
        step,
        function_arn: r.get(4)?,
        started: Timestamp::from_millis(r.get(5)?),
        sealed: SealedOutput(r.get(6)?),
    }))
}

impl FunctionLogStore for SqliteStore {
    async fn append_function_log(&self, r: FunctionLogRecord) -> Result<(), StoreError> {
        self.write(move |c| {
            c.prepare_cached(
                "INSERT INTO function_logs (job_id, secret_arn, attempt, step, function_arn, started_ms, sealed)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(rusqlite::params![
                r.job.as_str(),
                r.secret_arn,
                r.attempt,
                r.step.as_str(),
                r.function_arn,
                r.started.millis(),
                r.sealed.0
            ])?;
            Ok(())
        })
        .await
    }

    async fn function_logs(
        &self,
        secret_arn: &str,
        job: Option<&JobId>,
        limit: usize,
    ) -> Result<Vec<FunctionLogRecord>, StoreError> {
        const COLUMNS: &str = "job_id, secret_arn, attempt, step, function_arn, started_ms, sealed";
        self.read(|c| {
            let limit = limit as i64;
            let rows: Vec<_> = match job {
                Some(job) => c
                    .prepare_cached(&format!(
                        "SELECT {COLUMNS} FROM function_logs WHERE secret_arn = ?1 AND job_id = ?2 ORDER BY id DESC LIMIT ?3"
                    ))?
                    .query_map(rusqlite::params![secret_arn, job.as_str(), limit], record)?
                    .collect::<Result<_, _>>()?,
                None => c
                    .prepare_cached(&format!(
                        "SELECT {COLUMNS} FROM function_logs WHERE secret_arn = ?1 ORDER BY id DESC LIMIT ?2"
                    ))?
                    .query_map(rusqlite::params![secret_arn, limit], record)?
                    .collect::<Result<_, _>>()?,
            };
            rows.into_iter().collect()
        })
    }

    async fn prune_function_logs(&self, before: Timestamp) -> Result<usize, StoreError> {
        self.write(move |c| {
            Ok(c.prepare_cached("DELETE FROM function_logs WHERE started_ms < ?1")?.execute([before.millis()])?)
        })
        .await
    }
}
