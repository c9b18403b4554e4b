//! The databases on this machine (and in CI): PostgreSQL and MariaDB as
//! their superusers, for tests of the built-in database rotators.

use std::process::Command;

pub fn required() -> bool {
    std::env::var("REKEY_REQUIRE_SERVICES").as_deref() == Ok("1")
}

/// `psql` as the superuser on the `test` database; `None` if PostgreSQL is not there.
pub fn psql(sql: &str) -> Option<String> {
    let out = Command::new("psql")
        .args(["-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-AtX", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .ok()?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        // Refused statements and refused connections (too many clients)
        // fail loudly; an unreachable server is only absent.
        assert!(!err.contains("ERROR") && !err.contains("FATAL"), "psql {sql}: {err}");
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

pub fn postgres_available() -> bool {
    let up = psql("SELECT 1").is_some();
    if !up {
        assert!(!required(), "PostgreSQL is required (REKEY_REQUIRE_SERVICES=1) but not reachable on 127.0.0.1:5432");
        eprintln!("skipping: PostgreSQL is not reachable on 127.0.0.1:5432");
    }
    up
}

/// `mariadb` as `user` (root by default, no password); the output, or the error.
pub fn mariadb_as(user: &str, password: &str, sql: &str) -> Result<String, String> {
    let mut cmd = Command::new("mariadb");
    cmd.args(["-h", "127.0.0.1", "-P", "3306", "-u", user, "-N", "-B", "test", "-e", sql]);
    if !password.is_empty() {
        cmd.arg(format!("--password={password}"));
    }
    let out = cmd.output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

pub fn mariadb(sql: &str) -> String {
    mariadb_as("root", "", sql).unwrap_or_else(|e| panic!("mariadb {sql}: {e}"))
}

pub fn mariadb_available() -> bool {
    let up = mariadb_as("root", "", "SELECT 1").is_ok();
    if !up {
        assert!(!required(), "MariaDB is required (REKEY_REQUIRE_SERVICES=1) but not reachable on 127.0.0.1:3306");
        eprintln!("skipping: MariaDB is not reachable on 127.0.0.1:3306");
    }
    up
}

/// How many failed logins of `user` MariaDB's error log holds (it logs
/// "Access denied for user '<user>'@…" at `log_warnings` 2, its default),
/// or `None` when this server's log cannot be read here.
pub fn mariadb_denied_logins(user: &str) -> Option<usize> {
    let path = mariadb("SELECT @@log_error");
    let log = std::fs::read(path.trim()).ok()?;
    let needle = format!("Access denied for user '{user}'@");
    Some(String::from_utf8_lossy(&log).matches(&needle).count())
}

/// Whether `password` is the one PostgreSQL stores (as a SCRAM verifier) for `role`.
pub fn pg_password_is(role: &str, password: &str) -> bool {
    let verifier = psql(&format!("SELECT rolpassword FROM pg_authid WHERE rolname = '{role}'")).unwrap();
    let script = r#"
import base64, hashlib, hmac, sys
verifier, password = sys.argv[1], sys.argv[2]
method, rest = verifier.split('$', 1)
iterations_salt, keys = rest.split('$')
iterations, salt = iterations_salt.split(':')
stored_key = base64.b64decode(keys.split(':')[0])
salted = hashlib.pbkdf2_hmac('sha256', password.encode(), base64.b64decode(salt), int(iterations))
client_key = hmac.new(salted, b'Client Key', hashlib.sha256).digest()
print('yes' if hashlib.sha256(client_key).digest() == stored_key else 'no')
"#;
    let out = Command::new("python3").args(["-c", script, &verifier, password]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim() == "yes"
}

pub fn unique(prefix: &str) -> String {
    let n = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{prefix}_{}_{n}", std::process::id())
}
