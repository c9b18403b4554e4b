//! The `clock` capability in SQLite: the `--dev` clock's offset in the
//! `settings` table, the newest write from the audit trail's last row.

use super::SqliteStore;
use crate::{ClockStore, StoreError};
use rekey_model::Timestamp;
use rusqlite::OptionalExtension;

/// The `settings` row holding the `--dev` clock's offset.
const DEV_CLOCK_OFFSET: &str = "dev_clock_offset_ms";

impl ClockStore for SqliteStore {
    async fn dev_clock_offset(&self) -> Result<i64, StoreError> {
        self.read(|c| {
            let v: Option<i64> = c
                .prepare_cached("SELECT value FROM settings WHERE name = ?1")?
                .query_row([DEV_CLOCK_OFFSET], |r| r.get(0))
                .optional()?;
            Ok(v.unwrap_or(0))
        })
    }

    async fn save_dev_clock_offset(&self, offset_ms: i64) -> Result<(), StoreError> {
        self.write(move |c| {
            c.prepare_cached(
                "INSERT INTO settings (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET value = ?2",
            )?
            .execute(rusqlite::params![DEV_CLOCK_OFFSET, offset_ms])?;
            Ok(())
        })
        .await
    }

    async fn newest_write(&self) -> Result<Option<Timestamp>, StoreError> {
        self.read(|c| {
            let ms: Option<i64> = c
                .prepare_cached(
                    "SELECT max(time_ms, coalesce(time_last_ms, time_ms)) FROM audit ORDER BY seq DESC LIMIT 1",
                )?
                .query_row([], |r| r.get(0))
                .optional()?;
            Ok(ms.map(Timestamp::from_millis))
        })
    }
}
