//! The store conformance suite on PostgreSQL: each test on a schema of its
//! own in the `test` database on 127.0.0.1:5432 (dropped afterwards). In
//! CI (`REKEY_REQUIRE_SERVICES=1`) PostgreSQL must be there; elsewhere the
//! tests pass without running when it is not, and say so.

use rekey_postgres::PgStore;
use sqlx::postgres::PgConnectOptions;

/// Drops the test's schema when the test ends.
struct Schema(String);

impl Drop for Schema {
    fn drop(&mut self) {
        let _ = std::process::Command::new("psql")
            .args(["-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-qAtX", "-c"])
            .arg(format!("DROP SCHEMA IF EXISTS {} CASCADE", self.0))
            .output();
    }
}

async fn open() -> Option<(PgStore, Schema)> {
    let base = PgConnectOptions::new().host("127.0.0.1").port(5432).username("postgres").database("test");
    let admin = match sqlx::PgPool::connect_with(base.clone()).await {
        Ok(pool) => pool,
        Err(e) => {
            assert!(
                std::env::var("REKEY_REQUIRE_SERVICES").as_deref() != Ok("1"),
                "PostgreSQL is required (REKEY_REQUIRE_SERVICES=1) but not reachable on 127.0.0.1:5432: {e}"
            );
            eprintln!("skipping: PostgreSQL is not reachable on 127.0.0.1:5432");
            return None;
        }
    };
    let schema = Schema(format!("rekey_test_{}", uuid::Uuid::new_v4().simple()));
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {}", schema.0))).execute(&admin).await.unwrap();
    admin.close().await;
    let store = PgStore::connect_with(base.options([("search_path", schema.0.as_str())])).await.unwrap();
    Some((store, schema))
}

rekey_store::conformance_suite!(optional open());
