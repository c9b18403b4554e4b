//! PostgreSQL: log in, change a role's password, create a clone role.

use super::{DatabaseOptions, Login, Tls, db_error, first_login};
use crate::functions::FunctionError;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection};
use std::time::Duration;

async fn connect(o: &DatabaseOptions, login: &Login) -> Result<PgConnection, sqlx::Error> {
    let mut opts = PgConnectOptions::new_without_pgpass()
        .host(&login.host)
        .port(login.port.unwrap_or(5432))
        .username(&login.username)
        .password(&login.password)
        .ssl_mode(match login.tls {
            Tls::Prefer => PgSslMode::Prefer,
            Tls::Disable => PgSslMode::Disable,
            Tls::Require => PgSslMode::Require,
            Tls::Verify => PgSslMode::VerifyFull,
        })
        .options([("statement_timeout", format!("{}s", o.statement_timeout_seconds))])
        .log_statements(tracing::log::LevelFilter::Off);
    if let Some(db) = &login.dbname {
        opts = opts.database(db);
    }
    if let Some(ca) = &o.ca_file {
        opts = opts.ssl_root_cert(ca);
    }
    match tokio::time::timeout(Duration::from_secs(o.connect_timeout_seconds), opts.connect()).await {
        Ok(r) => r,
        Err(_) => Err(sqlx::Error::PoolTimedOut),
    }
}

/// Sets `role`'s password: the statement is built by the server
/// (`format('%I', '%L')`), so names and passwords are quoted correctly.
async fn alter_password(conn: &mut PgConnection, role: &str, password: &str) -> Result<(), FunctionError> {
    let statement: String = sqlx::query_scalar("SELECT format('ALTER ROLE %I WITH PASSWORD %L', $1::text, $2::text)")
        .bind(role)
        .bind(password)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| db_error("building ALTER ROLE", &e))?;
    let statement = zeroize::Zeroizing::new(statement);
    sqlx::raw_sql(AssertSqlSafe(statement.as_str()))
        .execute(&mut *conn)
        .await
        .map_err(|e| db_error(&format!("ALTER ROLE {role}"), &e))?;
    Ok(())
}

/// Single user: the first of `logins` that works sets `target`'s password.
pub async fn set_own_password(
    o: &DatabaseOptions,
    logins: &[(&'static str, Login)],
    target: &Login,
) -> Result<(), FunctionError> {
    let (_, mut conn) = first_login(logins, |l| connect(o, l)).await?;
    alter_password(&mut conn, &target.username, &target.password).await?;
    let _ = conn.close().await;
    Ok(())
}

/// Alternating users: as the master, create `target` as a login role that
/// is a member of `original` (so it has its privileges), or set its password.
pub async fn set_user_password(
    o: &DatabaseOptions,
    master: &Login,
    target: &Login,
    original: &str,
) -> Result<(), FunctionError> {
    let mut conn = connect(o, master).await.map_err(|e| db_error("logging in as the master user", &e))?;
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_roles WHERE rolname = $1")
        .bind(&target.username)
        .fetch_optional(&mut conn)
        .await
        .map_err(|e| db_error("looking up the role", &e))?;
    if exists.is_none() {
        let create: String =
            sqlx::query_scalar("SELECT format('CREATE ROLE %I WITH LOGIN PASSWORD %L', $1::text, $2::text)")
                .bind(&target.username)
                .bind(target.password.as_str())
                .fetch_one(&mut conn)
                .await
                .map_err(|e| db_error("building CREATE ROLE", &e))?;
        let create = zeroize::Zeroizing::new(create);
        let grant: String = sqlx::query_scalar("SELECT format('GRANT %I TO %I', $1::text, $2::text)")
            .bind(original)
            .bind(&target.username)
            .fetch_one(&mut conn)
            .await
            .map_err(|e| db_error("building GRANT", &e))?;
        // Both or neither: a clone without the original's grants is useless.
        let mut tx = conn.begin().await.map_err(|e| db_error("BEGIN", &e))?;
        sqlx::raw_sql(AssertSqlSafe(create.as_str()))
            .execute(&mut *tx)
            .await
            .map_err(|e| db_error(&format!("CREATE ROLE {}", target.username), &e))?;
        sqlx::raw_sql(AssertSqlSafe(grant))
            .execute(&mut *tx)
            .await
            .map_err(|e| db_error(&format!("GRANT {original} TO {}", target.username), &e))?;
        tx.commit().await.map_err(|e| db_error("COMMIT", &e))?;
    } else {
        alter_password(&mut conn, &target.username, &target.password).await?;
    }
    let _ = conn.close().await;
    Ok(())
}

/// Logs in with `login` and runs a query.
pub async fn test_login(o: &DatabaseOptions, login: &Login) -> Result<(), FunctionError> {
    let mut conn = connect(o, login).await.map_err(|e| db_error("logging in with the pending secret", &e))?;
    sqlx::query("SELECT now()").execute(&mut conn).await.map_err(|e| db_error("SELECT now()", &e))?;
    let _ = conn.close().await;
    Ok(())
}
