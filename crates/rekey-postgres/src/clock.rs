//! The `clock` capability on PostgreSQL: the `--dev` clock's offset in
//! `settings`, the newest write from the audit trail's last row.

use crate::{Db, PgStore};
use rekey_model::Timestamp;
use rekey_store::{ClockStore, StoreError};

/// The `settings` row holding the `--dev` clock's offset.
const DEV_CLOCK_OFFSET: &str = "dev_clock_offset_ms";

impl ClockStore for PgStore {
    async fn dev_clock_offset(&self) -> Result<i64, StoreError> {
        let v: Option<i64> = sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
            .bind(DEV_CLOCK_OFFSET)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        Ok(v.unwrap_or(0))
    }

    async fn save_dev_clock_offset(&self, offset_ms: i64) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = $2")
            .bind(DEV_CLOCK_OFFSET)
            .bind(offset_ms)
            .execute(&self.pool)
            .await
            .db()?;
        Ok(())
    }

    async fn newest_write(&self) -> Result<Option<Timestamp>, StoreError> {
        let ms: Option<i64> = sqlx::query_scalar(
            "SELECT greatest(time_ms, coalesce(time_last_ms, time_ms)) FROM audit ORDER BY seq DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await
        .db()?;
        Ok(ms.map(Timestamp::from_millis))
    }
}
