//! MySQL and MariaDB: log in, change a user's password (MySQL 8.0.14+
//! keeping the old one as a secondary password until the next rotation),
//! create a clone user with the original's grants.

use super::{DatabaseOptions, Login, Tls, db_error, first_login};
use crate::functions::FunctionError;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlSslMode};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Row};
use std::time::Duration;
use zeroize::Zeroizing;

async fn connect(o: &DatabaseOptions, login: &Login) -> Result<MySqlConnection, sqlx::Error> {
    let mut opts = MySqlConnectOptions::new()
        .host(&login.host)
        .port(login.port.unwrap_or(3306))
        .username(&login.username)
        .password(&login.password)
        .ssl_mode(match login.tls {
            Tls::Prefer => MySqlSslMode::Preferred,
            Tls::Disable => MySqlSslMode::Disabled,
            Tls::Require => MySqlSslMode::Required,
            Tls::Verify => MySqlSslMode::VerifyIdentity,
        })
        .log_statements(tracing::log::LevelFilter::Off);
    if let Some(db) = &login.dbname {
        opts = opts.database(db);
    }
    if let Some(ca) = &o.ca_file {
        opts = opts.ssl_ca(ca);
    }
    match tokio::time::timeout(Duration::from_secs(o.connect_timeout_seconds), opts.connect()).await {
        Ok(r) => r,
        Err(_) => Err(sqlx::Error::PoolTimedOut),
    }
}

/// A string literal quoted by the server (`QUOTE()`), as its SQL mode wants it.
async fn quoted(conn: &mut MySqlConnection, s: &str) -> Result<Zeroizing<String>, FunctionError> {
    let q: String =
        sqlx::query_scalar("SELECT QUOTE(?)").bind(s).fetch_one(&mut *conn).await.map_err(|e| db_error("QUOTE", &e))?;
    Ok(Zeroizing::new(q))
}

/// `'user'@'%'`, the account a secret's username names.
async fn account(conn: &mut MySqlConnection, user: &str) -> Result<String, FunctionError> {
    Ok(format!("{}@'%'", quoted(conn, user).await?.as_str()))
}

fn is_mariadb(version: &str) -> bool {
    version.to_ascii_lowercase().contains("mariadb")
}

/// Whether the server keeps a secondary password (`RETAIN CURRENT
/// PASSWORD`): MySQL 8.0.14 and later; not MariaDB.
pub fn supports_dual_passwords(version: &str) -> bool {
    if is_mariadb(version) {
        return false;
    }
    let mut parts =
        version.split(|c: char| !c.is_ascii_digit()).filter(|p| !p.is_empty()).map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor, patch) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major, minor, patch) >= (8, 0, 14)
}

async fn execute(conn: &mut MySqlConnection, statement: &str, what: &str) -> Result<(), FunctionError> {
    sqlx::raw_sql(AssertSqlSafe(statement)).execute(&mut *conn).await.map_err(|e| db_error(what, &e))?;
    Ok(())
}

/// Single user: the first of `logins` that works sets its own password to
/// `target`'s. With dual passwords the old one keeps working as the
/// secondary until the next rotation discards it.
pub async fn set_own_password(
    o: &DatabaseOptions,
    logins: &[(&'static str, Login)],
    target: &Login,
) -> Result<(), FunctionError> {
    let (which, mut conn) = first_login(logins, |l| connect(o, l)).await?;
    let version: String =
        sqlx::query_scalar("SELECT VERSION()").fetch_one(&mut conn).await.map_err(|e| db_error("VERSION()", &e))?;
    let dual = supports_dual_passwords(&version);
    if which == "pending" && dual {
        // Already set; setting it again would retain it as its own secondary.
        let _ = conn.close().await;
        return Ok(());
    }
    let password = quoted(&mut conn, &target.password).await?;
    if dual {
        execute(&mut conn, "ALTER USER CURRENT_USER() DISCARD OLD PASSWORD", "DISCARD OLD PASSWORD").await?;
        let statement = Zeroizing::new(format!(
            "ALTER USER CURRENT_USER() IDENTIFIED BY {} RETAIN CURRENT PASSWORD",
            password.as_str()
        ));
        execute(&mut conn, &statement, "ALTER USER … RETAIN CURRENT PASSWORD").await?;
    } else if is_mariadb(&version) {
        // MariaDB wants the CREATE USER privilege for ALTER USER, even on
        // oneself; SET PASSWORD needs none.
        let statement = Zeroizing::new(format!("SET PASSWORD = PASSWORD({})", password.as_str()));
        execute(&mut conn, &statement, "SET PASSWORD").await?;
    } else {
        let statement = Zeroizing::new(format!("ALTER USER CURRENT_USER() IDENTIFIED BY {}", password.as_str()));
        execute(&mut conn, &statement, "ALTER USER").await?;
    }
    let _ = conn.close().await;
    Ok(())
}

/// Alternating users: as the master, create `target` with `original`'s
/// grants, or set its password.
pub async fn set_user_password(
    o: &DatabaseOptions,
    master: &Login,
    target: &Login,
    original: &str,
) -> Result<(), FunctionError> {
    let mut conn = connect(o, master).await.map_err(|e| db_error("logging in as the master user", &e))?;
    let user = account(&mut conn, &target.username).await?;
    let password = quoted(&mut conn, &target.password).await?;
    let exists: Option<String> = sqlx::query_scalar("SELECT User FROM mysql.user WHERE User = ? AND Host = '%'")
        .bind(&target.username)
        .fetch_optional(&mut conn)
        .await
        .map_err(|e| db_error("looking up the user", &e))?;
    if exists.is_none() {
        let create = Zeroizing::new(format!("CREATE USER {user} IDENTIFIED BY {}", password.as_str()));
        execute(&mut conn, &create, &format!("CREATE USER {}", target.username)).await?;
        // The clone gets every grant of the original: each `GRANT … TO
        // <original>` line again, to the clone.
        let from = account(&mut conn, original).await?;
        let grants = sqlx::raw_sql(AssertSqlSafe(format!("SHOW GRANTS FOR {from}")))
            .fetch_all(&mut conn)
            .await
            .map_err(|e| db_error(&format!("SHOW GRANTS FOR {original}"), &e))?;
        for row in grants {
            let line: String = row.try_get(0).map_err(|e| db_error("reading a grant", &e))?;
            let Some((grant, _)) = line.split_once(" TO ") else { continue };
            let statement = format!("{grant} TO {user}");
            execute(&mut conn, &statement, &format!("copying a grant to {}", target.username)).await?;
        }
    } else {
        let statement = Zeroizing::new(format!("ALTER USER {user} IDENTIFIED BY {}", password.as_str()));
        execute(&mut conn, &statement, &format!("ALTER USER {}", target.username)).await?;
    }
    let _ = conn.close().await;
    Ok(())
}

/// Logs in with `login` and runs a query.
pub async fn test_login(o: &DatabaseOptions, login: &Login) -> Result<(), FunctionError> {
    let mut conn = connect(o, login).await.map_err(|e| db_error("logging in with the pending secret", &e))?;
    sqlx::query("SELECT NOW()").execute(&mut conn).await.map_err(|e| db_error("SELECT NOW()", &e))?;
    let _ = conn.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dual_passwords_from_the_version() {
        assert!(supports_dual_passwords("8.0.14"));
        assert!(supports_dual_passwords("8.4.2-commercial"));
        assert!(!supports_dual_passwords("8.0.13"));
        assert!(!supports_dual_passwords("5.7.44-log"));
        assert!(!supports_dual_passwords("10.11.19-MariaDB-0+deb12u1"));
    }
}
