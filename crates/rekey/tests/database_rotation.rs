//! Built-in rotation of real database users: PostgreSQL and MariaDB on
//! this machine (and in CI, where `REKEY_REQUIRE_SERVICES=1` makes a
//! missing one fail). Each rotator rotates five times in a row; failures
//! leave AWSCURRENT working and land in the rotation history.
//!
//! This machine's PostgreSQL trusts every connection from 127.0.0.1, so a
//! PostgreSQL login proves nothing about a password: there the tests check
//! the role's stored SCRAM verifier against the new and the old password
//! instead. MariaDB checks passwords, so there the new one must log in
//! and the old one must be refused.

mod common;

use common::databases::{
    mariadb, mariadb_as, mariadb_available, mariadb_denied_logins, pg_password_is, postgres_available, psql, required,
    unique,
};
use common::{Server, wait_for};
use serde_json::{Value, json};
use std::process::Command;
use std::time::Duration;

const FAST_RETRIES: &str = "[rotation]\nmax_attempts = 2\nretry_base_ms = 100\n";

/// `rekey secretsmanager …` against `server`: its JSON answer.
fn sm(server: &Server, args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_rekey"))
        .arg("secretsmanager")
        .args(args)
        .args(["--endpoint-url", &server.url(), "--region", "us-east-1", "--output", "json"])
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    if out.stdout.is_empty() { Value::Null } else { serde_json::from_slice(&out.stdout).unwrap() }
}

fn current(server: &Server, id: &str) -> Value {
    let v = sm(server, &["get-secret-value", "--secret-id", id]);
    serde_json::from_str(v["SecretString"].as_str().unwrap()).unwrap()
}

/// Waits for the newest rotation job of `id` to end; returns it.
fn finished_job(server: &Server, id: &str) -> Value {
    wait_for(Duration::from_secs(60), "the rotation to end", || {
        let h = server.rekey_json(&["admin", "rotations", "--secret-id", id]);
        let job = h["Rotations"].as_array()?.first()?.clone();
        (job["status"] != "active").then_some(job)
    })
}

/// Rotates `id` now and waits: the job, and the new AWSCURRENT value.
fn rotate(server: &Server, id: &str, extra: &[&str]) -> (Value, Value) {
    let mut args = vec!["rotate-secret", "--secret-id", id];
    args.extend(extra);
    let version = sm(server, &args)["VersionId"].as_str().unwrap().to_string();
    let job = finished_job(server, id);
    assert_eq!(job["token"], version.as_str(), "{job}");
    (job, current(server, id))
}

/// A database rotator at `arn`, allowed to connect to this machine's databases.
fn config(arn: &str, kind: &str) -> String {
    format!(
        "{FAST_RETRIES}[[function]]\narn = \"{arn}\"\ntype = \"{kind}\"\nconnect_timeout_seconds = 2\nallowed_hosts = [\"127.0.0.1\"]\n"
    )
}

const PG_FN: &str = "arn:aws:lambda:us-east-1:000000000000:function:pg";
const MY_FN: &str = "arn:aws:lambda:us-east-1:000000000000:function:mysql";

#[test]
fn postgres_single_user_rotates_five_times() {
    if !postgres_available() {
        return;
    }
    let role = unique("rk_pg");
    psql(&format!("CREATE ROLE {role} LOGIN PASSWORD 'initial-pw'")).unwrap();
    let server = Server::start_with_config(&config(PG_FN, "builtin:postgres-single-user"));
    let secret = json!({"engine": "postgres", "host": "127.0.0.1", "port": 5432, "username": role, "password": "initial-pw", "dbname": "test", "team": "kept"});
    sm(&server, &["create-secret", "--name", "db/pg", "--secret-string", &secret.to_string()]);
    let mut old = "initial-pw".to_string();
    for i in 0..5 {
        let extra: &[&str] = if i == 0 {
            &["--rotation-lambda-arn", PG_FN, "--rotation-rules", "AutomaticallyAfterDays=30"]
        } else {
            &[]
        };
        let (job, now) = rotate(&server, "db/pg", extra);
        assert_eq!(job["status"], "succeeded", "{job}");
        let new = now["password"].as_str().unwrap().to_string();
        assert_eq!(new.len(), 32);
        assert!(!new.contains(['/', '@', '"', '\'', '\\']), "AWS's excluded characters: {new}");
        assert_eq!(now["username"], role.as_str());
        assert_eq!(now["team"], "kept", "other keys survive");
        assert!(pg_password_is(&role, &new), "rotation {i}: the new password is the role's");
        assert!(!pg_password_is(&role, &old), "rotation {i}: the old password is not");
        old = new;
    }
    psql(&format!("DROP ROLE {role}"));
}

#[test]
fn postgres_alternating_users_by_tag_without_an_arn() {
    if !postgres_available() {
        return;
    }
    let (user, master) = (unique("rk_app"), unique("rk_master"));
    psql(&format!("CREATE ROLE {master} LOGIN CREATEROLE PASSWORD 'master-pw'")).unwrap();
    psql(&format!("CREATE ROLE {user} LOGIN PASSWORD 'app-pw'; CREATE TABLE IF NOT EXISTS rk_probe(x int); GRANT SELECT ON rk_probe TO {user}")).unwrap();
    // The built-in registered under its own name, for every account: the
    // tag names it, RotateSecret takes only rules.
    const ROTATOR: &str = "builtin:postgres-alternating-users";
    let server = Server::start_with_config(&(config(ROTATOR, ROTATOR) + "accounts = [\"*\"]\n"));
    let m = sm(&server, &["create-secret", "--name", "db/master", "--secret-string",
        &json!({"engine": "postgres", "host": "127.0.0.1", "username": master, "password": "master-pw", "dbname": "test"}).to_string()]);
    let master_arn = m["ARN"].as_str().unwrap();
    sm(&server, &["create-secret", "--name", "db/app", "--tags", "Key=rekey:rotator,Value=builtin:postgres-alternating-users", "--secret-string",
        &json!({"engine": "postgres", "host": "127.0.0.1", "port": 5432, "username": user, "password": "app-pw", "dbname": "test", "masterarn": master_arn}).to_string()]);
    let clone = format!("{user}_clone");
    let mut previous = json!({"username": user, "password": "app-pw"});
    for i in 0..5 {
        let extra: &[&str] = if i == 0 { &["--rotation-rules", "AutomaticallyAfterDays=1"] } else { &[] };
        let (job, now) = rotate(&server, "db/app", extra);
        assert_eq!(job["status"], "succeeded", "{job}");
        let expected_user = if i % 2 == 0 { &clone } else { &user };
        assert_eq!(now["username"], expected_user.as_str(), "rotation {i} alternates");
        assert!(pg_password_is(expected_user, now["password"].as_str().unwrap()));
        // The previous user keeps its password until the next rotation.
        assert!(
            pg_password_is(previous["username"].as_str().unwrap(), previous["password"].as_str().unwrap()),
            "rotation {i}"
        );
        previous = now;
    }
    // The clone has the original's privileges (it is a member of its role).
    assert_eq!(psql(&format!("SELECT pg_has_role('{clone}', '{user}', 'MEMBER')")).unwrap(), "t");
    assert_eq!(psql(&format!("SELECT has_table_privilege('{clone}', 'rk_probe', 'SELECT')")).unwrap(), "t");
    let d = sm(&server, &["describe-secret", "--secret-id", "db/app"]);
    assert_eq!(d["RotationEnabled"], true);
    assert_eq!(d["RotationLambdaARN"], "builtin:postgres-alternating-users");
    psql(&format!("DROP ROLE {clone}; REVOKE ALL ON rk_probe FROM {user}; DROP ROLE {user}; DROP ROLE {master}"));
}

#[test]
fn mysql_single_user_rotates_five_times() {
    if !mariadb_available() {
        return;
    }
    let user = unique("rk_my");
    mariadb(&format!("CREATE USER '{user}'@'%' IDENTIFIED BY 'initial-pw'; GRANT SELECT ON test.* TO '{user}'@'%'"));
    let server = Server::start_with_config(&config(MY_FN, "builtin:mysql-single-user"));
    let secret = json!({"engine": "mysql", "host": "127.0.0.1", "port": 3306, "username": user, "password": "initial-pw", "dbname": "test"});
    sm(&server, &["create-secret", "--name", "db/my", "--secret-string", &secret.to_string()]);
    let mut old = "initial-pw".to_string();
    for i in 0..5 {
        let extra: &[&str] = if i == 0 { &["--rotation-lambda-arn", MY_FN] } else { &[] };
        let (job, now) = rotate(&server, "db/my", extra);
        assert_eq!(job["status"], "succeeded", "{job}");
        let new = now["password"].as_str().unwrap().to_string();
        assert_eq!(
            mariadb_as(&user, &new, "SELECT CURRENT_USER()").unwrap(),
            format!("{user}@%"),
            "rotation {i}: new logs in"
        );
        let refused = mariadb_as(&user, &old, "SELECT 1").unwrap_err();
        assert!(refused.contains("Access denied"), "rotation {i}: old refused: {refused}");
        old = new;
    }
    // The only failed logins of this user are the test's own five with an
    // old password: setSecret never tried the pending password before it
    // was set (each would be a line in the database's log).
    match mariadb_denied_logins(&user) {
        Some(denied) => assert_eq!(denied, 5, "failed logins of {user} in MariaDB's error log"),
        None => eprintln!("not checked: MariaDB's error log cannot be read here"),
    }
    mariadb(&format!("DROP USER '{user}'@'%'"));
}

#[test]
fn mysql_alternating_users_keep_the_previous_user_working() {
    if !mariadb_available() {
        return;
    }
    let (user, master) = (unique("rk_myapp"), unique("rk_mymaster"));
    let clone = format!("{user}_clone");
    mariadb(&format!(
        "CREATE USER '{master}'@'%' IDENTIFIED BY 'master-pw'; GRANT ALL ON *.* TO '{master}'@'%' WITH GRANT OPTION; \
         CREATE USER '{user}'@'%' IDENTIFIED BY 'app-pw'; GRANT SELECT, INSERT ON test.* TO '{user}'@'%'"
    ));
    let server = Server::start_with_config(&config(MY_FN, "builtin:mysql-alternating-users"));
    let m = sm(
        &server,
        &[
            "create-secret",
            "--name",
            "db/mymaster",
            "--secret-string",
            &json!({"engine": "mysql", "host": "127.0.0.1", "username": master, "password": "master-pw"}).to_string(),
        ],
    );
    sm(&server, &["create-secret", "--name", "db/myapp", "--secret-string",
        &json!({"engine": "mariadb", "host": "127.0.0.1", "port": 3306, "username": user, "password": "app-pw", "dbname": "test", "masterarn": m["ARN"]}).to_string()]);
    let mut previous = ("app-pw".to_string(), user.clone());
    for i in 0..5 {
        let extra: &[&str] = if i == 0 { &["--rotation-lambda-arn", MY_FN] } else { &[] };
        let (job, now) = rotate(&server, "db/myapp", extra);
        assert_eq!(job["status"], "succeeded", "{job}");
        let (name, password) =
            (now["username"].as_str().unwrap().to_string(), now["password"].as_str().unwrap().to_string());
        assert_eq!(name, if i % 2 == 0 { &clone } else { &user }.as_str());
        mariadb_as(&name, &password, "SELECT 1").unwrap_or_else(|e| panic!("rotation {i}: new user logs in: {e}"));
        mariadb_as(&previous.1, &previous.0, "SELECT 1")
            .unwrap_or_else(|e| panic!("rotation {i}: previous still works: {e}"));
        previous = (password, name);
    }
    let grants = mariadb(&format!("SHOW GRANTS FOR '{clone}'@'%'"));
    assert!(grants.contains("GRANT SELECT, INSERT ON `test`.*"), "the clone has the original's grants: {grants}");
    mariadb(&format!("DROP USER '{clone}'@'%'; DROP USER '{user}'@'%'; DROP USER '{master}'@'%'"));
}

#[test]
fn failures_keep_awscurrent_and_are_in_the_history() {
    if !mariadb_available() {
        return;
    }
    let (user, master) = (unique("rk_fail"), unique("rk_weak"));
    // A "master" that may not create users.
    mariadb(&format!(
        "CREATE USER '{user}'@'%' IDENTIFIED BY 'app-pw'; GRANT SELECT ON test.* TO '{user}'@'%'; \
         CREATE USER '{master}'@'%' IDENTIFIED BY 'weak-pw'"
    ));
    let server = Server::start_with_config(&config(MY_FN, "builtin:mysql-alternating-users"));
    let app = |master_arn: &str, port: u16| {
        json!({"engine": "mysql", "host": "127.0.0.1", "port": port, "username": user, "password": "app-pw", "masterarn": master_arn}).to_string()
    };
    let wrong = sm(
        &server,
        &[
            "create-secret",
            "--name",
            "m/wrong",
            "--secret-string",
            &json!({"engine": "mysql", "host": "127.0.0.1", "username": "root", "password": "not-roots-password"})
                .to_string(),
        ],
    );
    let weak = sm(
        &server,
        &[
            "create-secret",
            "--name",
            "m/weak",
            "--secret-string",
            &json!({"engine": "mysql", "host": "127.0.0.1", "username": master, "password": "weak-pw"}).to_string(),
        ],
    );
    // A master secret whose database is not there (nothing listens on port 1).
    let down = sm(
        &server,
        &[
            "create-secret",
            "--name",
            "m/down",
            "--secret-string",
            &json!({"engine": "mysql", "host": "127.0.0.1", "port": 1, "username": master, "password": "weak-pw"})
                .to_string(),
        ],
    );
    let cases = [
        ("f/wrong-master", app(wrong["ARN"].as_str().unwrap(), 3306), "logging in as the master user"),
        ("f/no-privilege", app(weak["ARN"].as_str().unwrap(), 3306), "denied"),
        ("f/database-down", app(down["ARN"].as_str().unwrap(), 3306), "logging in as the master user"),
    ];
    for (id, value, why) in &cases {
        sm(&server, &["create-secret", "--name", id, "--secret-string", value]);
        let (job, now) = rotate(&server, id, &["--rotation-lambda-arn", MY_FN]);
        assert_eq!(job["status"], "failed", "{id}: {job}");
        assert_eq!(job["attempts"], 2, "{id}: retried: {job}");
        let error = job["last_error"].as_str().unwrap();
        assert!(error.contains("setSecret") && error.contains(why), "{id}: {error}");
        assert!(!error.contains("app-pw") && !error.contains("weak-pw"), "no password in errors: {error}");
        // AWSCURRENT untouched and still the working credentials.
        assert_eq!(now["password"], "app-pw", "{id}");
        mariadb_as(&user, "app-pw", "SELECT 1").unwrap();
    }
    // Nothing half-made: no clone user exists.
    assert_eq!(mariadb(&format!("SELECT COUNT(*) FROM mysql.user WHERE User = '{user}_clone'")), "0");
    mariadb(&format!("DROP USER '{user}'@'%'; DROP USER '{master}'@'%'"));
}

/// A secret rotated by the built-in can then be rotated by an AWS-style
/// Python function (pymysql, run through `exec`), and back again.
#[test]
fn builtin_and_aws_style_function_take_turns() {
    if !mariadb_available() {
        return;
    }
    let Some(py) = common::python() else { return };
    const PY_FN: &str = "arn:aws:lambda:us-east-1:000000000000:function:aws-style-mysql";
    let user = unique("rk_turns");
    mariadb(&format!("CREATE USER '{user}'@'%' IDENTIFIED BY 'initial-pw'; GRANT SELECT ON test.* TO '{user}'@'%'"));
    let config = format!(
        "{}[[function]]\narn = \"{PY_FN}\"\ntype = \"exec\"\ncommand = [{:?}, {:?}, \"mysql_single_user.lambda_handler\"]\n",
        config(MY_FN, "builtin:mysql-single-user"),
        py.display().to_string(),
        common::rotation_dir().join("run_exec.py").display().to_string(),
    );
    let server = Server::start_with_config(&config);
    let secret = json!({"engine": "mysql", "host": "127.0.0.1", "port": 3306, "username": user, "password": "initial-pw", "dbname": "test"});
    sm(&server, &["create-secret", "--name", "db/turns", "--secret-string", &secret.to_string()]);
    let mut old = "initial-pw".to_string();
    for (i, function) in [MY_FN, PY_FN, MY_FN, PY_FN].iter().enumerate() {
        let (job, now) = rotate(&server, "db/turns", &["--rotation-lambda-arn", function]);
        assert_eq!(job["status"], "succeeded", "rotation {i} by {function}: {job}");
        let new = now["password"].as_str().unwrap().to_string();
        mariadb_as(&user, &new, "SELECT 1").unwrap_or_else(|e| panic!("rotation {i} by {function}: new: {e}"));
        assert!(mariadb_as(&user, &old, "SELECT 1").is_err(), "rotation {i} by {function}: old refused");
        old = new;
    }
    mariadb(&format!("DROP USER '{user}'@'%'"));
}

/// `examples/db-app`: an application reading its credentials through boto3
/// keeps querying, without one failure, while its secret rotates three
/// times (alternating users).
#[test]
fn an_application_keeps_working_across_rotations() {
    if !mariadb_available() {
        return;
    }
    let Some(py) = common::python() else { return };
    let (user, master) = (unique("rk_live"), unique("rk_livemaster"));
    mariadb(&format!(
        "CREATE USER '{master}'@'%' IDENTIFIED BY 'master-pw'; GRANT ALL ON *.* TO '{master}'@'%' WITH GRANT OPTION; \
         CREATE USER '{user}'@'%' IDENTIFIED BY 'app-pw'; GRANT SELECT ON test.* TO '{user}'@'%'"
    ));
    let server = Server::start_with_config(&config(MY_FN, "builtin:mysql-alternating-users"));
    let m = sm(
        &server,
        &[
            "create-secret",
            "--name",
            "live/master",
            "--secret-string",
            &json!({"engine": "mysql", "host": "127.0.0.1", "username": master, "password": "master-pw"}).to_string(),
        ],
    );
    sm(&server, &["create-secret", "--name", "live/app", "--secret-string",
        &json!({"engine": "mysql", "host": "127.0.0.1", "port": 3306, "username": user, "password": "app-pw", "dbname": "test", "masterarn": m["ARN"]}).to_string()]);
    let dir = tempfile::tempdir().unwrap();
    let stats = dir.path().join("stats.json");
    let app = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/db-app/app.py");
    let mut child = Command::new(&py)
        .args([app.to_str().unwrap(), "live/app", "6", stats.to_str().unwrap()])
        .env("AWS_ENDPOINT_URL", server.url())
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(800));
    for i in 0..3 {
        let extra: &[&str] = if i == 0 { &["--rotation-lambda-arn", MY_FN] } else { &[] };
        let (job, _) = rotate(&server, "live/app", extra);
        assert_eq!(job["status"], "succeeded", "{job}");
        std::thread::sleep(Duration::from_millis(1200));
    }
    assert!(child.wait().unwrap().success());
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
    assert_eq!(s["failed"], 0, "{s}");
    assert!(s["ok"].as_u64().unwrap() > 100, "{s}");
    // Its credentials work until the rotation after next changes that
    // user's password: then, once, it reads the secret again.
    assert!(s["refreshes"].as_u64().unwrap() >= 1, "it picked up a rotated secret: {s}");
    assert_eq!(s["users"][0], user.as_str(), "{s}");
    mariadb(&format!("DROP USER '{user}_clone'@'%'; DROP USER '{user}'@'%'; DROP USER '{master}'@'%'"));
}

/// `ssl` in the secret: `"required"` rotates over TLS (this machine's
/// PostgreSQL has a self-signed certificate), `true` verifies the
/// certificate and so refuses it, `false` connects in plain.
#[test]
fn postgres_tls_modes() {
    if !postgres_available() {
        return;
    }
    if psql("SHOW ssl").as_deref() != Some("on") {
        assert!(!required(), "this test expects PostgreSQL with ssl = on");
        eprintln!("skipping: PostgreSQL has no TLS");
        return;
    }
    let role = unique("rk_tls");
    psql(&format!("CREATE ROLE {role} LOGIN PASSWORD 'initial-pw'")).unwrap();
    let server = Server::start_with_config(&config(PG_FN, "builtin:postgres-single-user"));
    for (id, ssl, ok) in [
        ("tls/required", json!("required"), true),
        ("tls/plain", json!(false), true),
        ("tls/verified", json!(true), false),
    ] {
        let secret = json!({"engine": "postgres", "host": "127.0.0.1", "username": role, "password": "initial-pw", "dbname": "test", "ssl": ssl});
        sm(&server, &["create-secret", "--name", id, "--secret-string", &secret.to_string()]);
        let (job, now) = rotate(&server, id, &["--rotation-lambda-arn", PG_FN]);
        if ok {
            assert_eq!(job["status"], "succeeded", "{id}: {job}");
            assert!(pg_password_is(&role, now["password"].as_str().unwrap()), "{id}");
        } else {
            assert_eq!(job["status"], "failed", "{id}: {job}");
            // Connection failures are generic in the history (the TLS
            // detail is in the server's debug log).
            let error = job["last_error"].as_str().unwrap();
            assert!(error.contains("could not connect to the database"), "{id}: {error}");
        }
    }
    psql(&format!("DROP ROLE {role}"));
}

/// Password rules per secret: its `rekey:password-length` and
/// `rekey:exclude-characters` tags override the rotator's defaults.
#[test]
fn password_rules_per_secret() {
    if !mariadb_available() {
        return;
    }
    let user = unique("rk_rules");
    mariadb(&format!("CREATE USER '{user}'@'%' IDENTIFIED BY 'initial-pw'; GRANT SELECT ON test.* TO '{user}'@'%'"));
    let server = Server::start_with_config(&config(MY_FN, "builtin:mysql-single-user"));
    let secret =
        json!({"engine": "mysql", "host": "127.0.0.1", "username": user, "password": "initial-pw", "dbname": "test"});
    sm(
        &server,
        &[
            "create-secret",
            "--name",
            "db/rules",
            "--secret-string",
            &secret.to_string(),
            "--tags",
            "Key=rekey:password-length,Value=20",
            "Key=rekey:exclude-characters,Value=abcdefghijklmnopqrstuvwxyz",
        ],
    );
    let (job, now) = rotate(&server, "db/rules", &["--rotation-lambda-arn", MY_FN]);
    assert_eq!(job["status"], "succeeded", "{job}");
    let password = now["password"].as_str().unwrap();
    assert_eq!(password.len(), 20);
    assert!(!password.chars().any(|c| c.is_ascii_lowercase()), "{password}");
    mariadb_as(&user, password, "SELECT 1").unwrap();
    mariadb(&format!("DROP USER '{user}'@'%'"));
}
