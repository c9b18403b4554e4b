//! Attacks on a real server, one per hole the security review found, each
//! refused with AWS's error (and each test fails with its fix reverted):
//! tenants stay apart, rotations act with the least privilege of whoever
//! configured them, and the server holds under hostile clients.

mod common;

use common::databases::{mariadb, mariadb_as, mariadb_available, pg_password_is, postgres_available, psql, unique};
use common::{Keys, Server, python, rotation_dir, wait_for};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const ADMIN_ACCOUNT: &str = "000000000000";
const VICTIM_ACCOUNT: &str = "222222222222";
const ALT_PG: &str = "builtin:postgres-alternating-users";
const ALT_MY: &str = "builtin:mysql-alternating-users";
const PASSWORD_FN: &str = "arn:aws:lambda:us-east-1:000000000000:function:pw";

/// The alternating-users built-ins for every account, on this machine's
/// databases; one attempt per rotation.
fn database_rotators() -> String {
    let mut config = String::from("[rotation]\nmax_attempts = 1\n");
    for builtin in [ALT_PG, ALT_MY] {
        config += &format!(
            "[[function]]\narn = \"{builtin}\"\ntype = \"{builtin}\"\naccounts = [\"*\"]\nallowed_hosts = [\"127.0.0.1\"]\nconnect_timeout_seconds = 2\n"
        );
    }
    config
}

/// `body` with a fresh ClientRequestToken where the operation takes one
/// and none is given (as the SDKs do).
fn with_token(op: &str, mut body: Value) -> Value {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1000);
    let takes_one = ["CreateSecret", "PutSecretValue", "RotateSecret", "UpdateSecret"];
    if takes_one.iter().any(|o| op.ends_with(o)) && body.get("ClientRequestToken").is_none() {
        body["ClientRequestToken"] = common::token(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)).into();
    }
    body
}

fn sm(server: &Server, keys: &Keys, op: &str, body: Value) -> Value {
    let body = with_token(op, body);
    let (status, out) = server.signed(keys, &format!("secretsmanager.{op}"), &body);
    assert_eq!(status, 200, "{op} {body}: {out}");
    out
}

fn admin(server: &Server, keys: &Keys, op: &str, body: Value) -> Value {
    let (status, out) = server.signed(keys, &format!("rekey.{op}"), &body);
    assert_eq!(status, 200, "rekey.{op} {body}: {out}");
    out
}

/// The error (`__type`, message) of a call that must fail.
fn refused(server: &Server, keys: &Keys, target: &str, body: Value) -> (String, String) {
    let body = with_token(target, body);
    let (status, out) = server.signed(keys, target, &body);
    assert_ne!(status, 200, "{target} {body} should be refused: {out}");
    (out["__type"].as_str().unwrap_or_default().to_string(), out["Message"].as_str().unwrap_or_default().to_string())
}

/// A user of the admin account with one identity policy, and its keys.
fn user(server: &Server, root: &Keys, name: &str, policy: Value) -> Keys {
    admin(server, root, "CreateUser", json!({"UserName": name}));
    admin(
        server,
        root,
        "PutUserPolicy",
        json!({"UserName": name, "PolicyName": "p", "PolicyDocument": policy.to_string()}),
    );
    Keys::from_json(&admin(server, root, "CreateAccessKey", json!({"UserName": name}))["AccessKey"])
}

/// Waits for the newest rotation of `id` to end, as `keys` sees it.
fn finished(server: &Server, keys: &Keys, id: &str) -> Value {
    wait_for(Duration::from_secs(60), "the rotation to end", || {
        let h = admin(server, keys, "ListRotations", json!({"SecretId": id}));
        let job = h["Rotations"].as_array()?.first()?.clone();
        (job["status"] != "active").then_some(job)
    })
}

fn policy(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// Item 1, across accounts: a tenant points its own secret's `masterarn`
/// at another account's master secret (a partial ARN, then the full one)
/// and names the victim's user; rekey must not log in as that master.
/// Real PostgreSQL and MariaDB users in two accounts. Unless the master's
/// resource policy lets the tenant's account read it, which then works.
#[test]
fn a_master_secret_of_another_account_is_not_rekeys_to_use() {
    if !postgres_available() || !mariadb_available() {
        return;
    }
    let id = unique("x");
    let (pg_master, pg_victim) = (format!("vm_pg_{id}"), format!("vapp_pg_{id}"));
    let (my_master, my_victim, my_own) = (format!("vm_my_{id}"), format!("vapp_my_{id}"), format!("own_my_{id}"));
    psql(&format!(
        "CREATE ROLE {pg_master} LOGIN CREATEROLE PASSWORD 'victim-master-pw'; CREATE ROLE {pg_victim} LOGIN PASSWORD 'victim-app-pw'"
    ))
    .unwrap();
    mariadb(&format!(
        "CREATE USER '{my_master}'@'%' IDENTIFIED BY 'victim-master-pw'; GRANT ALL ON *.* TO '{my_master}'@'%' WITH GRANT OPTION; \
         CREATE USER '{my_victim}'@'%' IDENTIFIED BY 'victim-app-pw'; GRANT SELECT ON test.* TO '{my_victim}'@'%'; \
         CREATE USER '{my_own}'@'%' IDENTIFIED BY 'own-pw'; GRANT SELECT ON test.* TO '{my_own}'@'%'"
    ));
    let server = Server::start_logged(false, &database_rotators(), &[], None);
    let attacker = Keys::admin(&server);
    let victim =
        Keys::from_json(&admin(&server, &attacker, "CreateAccount", json!({"AccountId": VICTIM_ACCOUNT}))["AccessKey"]);
    let master = |engine: &str, user: &str| {
        json!({"engine": engine, "host": "127.0.0.1", "username": user, "password": "victim-master-pw", "dbname": "test"})
            .to_string()
    };
    let pg_arn = sm(
        &server,
        &victim,
        "CreateSecret",
        json!({"Name": "db/pg-master", "SecretString": master("postgres", &pg_master)}),
    )["ARN"]
        .as_str()
        .unwrap()
        .to_string();
    let my_arn = sm(
        &server,
        &victim,
        "CreateSecret",
        json!({"Name": "db/my-master", "SecretString": master("mysql", &my_master)}),
    )["ARN"]
        .as_str()
        .unwrap()
        .to_string();
    let partial = |name: &str| format!("arn:aws:secretsmanager:us-east-1:{VICTIM_ACCOUNT}:secret:{name}");
    let cases = [
        ("evil/pg-partial", ALT_PG, "postgres", &pg_victim, partial("db/pg-master")),
        ("evil/pg-full", ALT_PG, "postgres", &pg_victim, pg_arn.clone()),
        ("evil/my-partial", ALT_MY, "mysql", &my_victim, partial("db/my-master")),
        ("evil/my-full", ALT_MY, "mysql", &my_victim, my_arn.clone()),
    ];
    for (name, function, engine, victim_user, masterarn) in &cases {
        let value = json!({"engine": engine, "host": "127.0.0.1", "username": victim_user, "password": "guess", "dbname": "test", "masterarn": masterarn});
        sm(&server, &attacker, "CreateSecret", json!({"Name": name, "SecretString": value.to_string()}));
        let (kind, message) = refused(
            &server,
            &attacker,
            "secretsmanager.RotateSecret",
            json!({"SecretId": name, "RotationLambdaARN": function, "ClientRequestToken": common::token(1)}),
        );
        assert_eq!(kind, "AccessDeniedException", "{name}: {message}");
        assert!(
            message.starts_with(&format!(
                "User: arn:aws:iam::{ADMIN_ACCOUNT}:root is not authorized to perform: secretsmanager:GetSecretValue on resource: {masterarn}"
            )),
            "{name}: {message}"
        );
    }
    // Nothing reached the databases: the victims' users are untouched and
    // no clone was made.
    std::thread::sleep(Duration::from_millis(500));
    assert!(pg_password_is(&pg_victim, "victim-app-pw"));
    assert_eq!(psql(&format!("SELECT count(*) FROM pg_roles WHERE rolname = '{pg_victim}_clone'")).unwrap(), "0");
    mariadb_as(&my_victim, "victim-app-pw", "SELECT 1").unwrap();
    assert_eq!(mariadb(&format!("SELECT COUNT(*) FROM mysql.user WHERE User = '{my_victim}_clone'")), "0");

    // The victim lets the other account read its MariaDB master: now that
    // account may rotate its own user with it.
    let allow = policy(json!([{
        "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ADMIN_ACCOUNT}:root")},
        "Action": "secretsmanager:GetSecretValue", "Resource": "*"
    }]));
    sm(&server, &victim, "PutResourcePolicy", json!({"SecretId": "db/my-master", "ResourcePolicy": allow.to_string()}));
    let own = json!({"engine": "mysql", "host": "127.0.0.1", "username": my_own, "password": "own-pw", "dbname": "test", "masterarn": my_arn});
    sm(&server, &attacker, "CreateSecret", json!({"Name": "app/my", "SecretString": own.to_string()}));
    sm(
        &server,
        &attacker,
        "RotateSecret",
        json!({"SecretId": "app/my", "RotationLambdaARN": ALT_MY, "ClientRequestToken": common::token(2)}),
    );
    let job = finished(&server, &attacker, "app/my");
    assert_eq!(job["status"], "succeeded", "{job}");
    let now: Value = serde_json::from_str(
        sm(&server, &attacker, "GetSecretValue", json!({"SecretId": "app/my"}))["SecretString"].as_str().unwrap(),
    )
    .unwrap();
    mariadb_as(&format!("{my_own}_clone"), now["password"].as_str().unwrap(), "SELECT 1").unwrap();

    psql(&format!("DROP ROLE {pg_victim}; DROP ROLE {pg_master}"));
    mariadb(&format!(
        "DROP USER '{my_master}'@'%'; DROP USER '{my_victim}'@'%'; DROP USER '{my_own}'@'%'; DROP USER '{my_own}_clone'@'%'"
    ));
}

/// Item 1, inside one account: a user allowed only `app/*` points its
/// secret's `masterarn` at `prod/master`. RotateSecret needs
/// GetSecretValue on the master, as AWS needs it of the function's role.
#[test]
fn a_user_cannot_borrow_a_master_secret_it_may_not_read() {
    if !mariadb_available() {
        return;
    }
    let id = unique("u");
    let (master_user, victim_user) = (format!("pm_{id}"), format!("pv_{id}"));
    mariadb(&format!(
        "CREATE USER '{master_user}'@'%' IDENTIFIED BY 'prod-master-pw'; GRANT ALL ON *.* TO '{master_user}'@'%' WITH GRANT OPTION; \
         CREATE USER '{victim_user}'@'%' IDENTIFIED BY 'prod-app-pw'; GRANT SELECT ON test.* TO '{victim_user}'@'%'"
    ));
    let server = Server::start_logged(false, &database_rotators(), &[], None);
    let root = Keys::admin(&server);
    let app_only = |extra: Value| {
        let mut statements = vec![
            json!({"Effect": "Allow", "Action": "secretsmanager:*", "Resource": format!("arn:aws:secretsmanager:*:{ADMIN_ACCOUNT}:secret:app/*")}),
            json!({"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"}),
        ];
        statements.extend(extra.as_array().cloned().unwrap_or_default());
        policy(Value::Array(statements))
    };
    let limited = user(&server, &root, "limited", app_only(json!([])));
    let master = json!({"engine": "mysql", "host": "127.0.0.1", "username": master_user, "password": "prod-master-pw"});
    let master_arn =
        sm(&server, &root, "CreateSecret", json!({"Name": "prod/master", "SecretString": master.to_string()}))["ARN"]
            .as_str()
            .unwrap()
            .to_string();
    let evil = json!({"engine": "mysql", "host": "127.0.0.1", "username": victim_user, "password": "guess", "dbname": "test", "masterarn": "prod/master"});
    sm(&server, &limited, "CreateSecret", json!({"Name": "app/evil", "SecretString": evil.to_string()}));
    let rotate = json!({"SecretId": "app/evil", "RotationLambdaARN": ALT_MY, "ClientRequestToken": common::token(1)});
    let (kind, message) = refused(&server, &limited, "secretsmanager.RotateSecret", rotate.clone());
    assert_eq!(kind, "AccessDeniedException");
    assert_eq!(
        message,
        format!(
            "User: arn:aws:iam::{ADMIN_ACCOUNT}:user/limited is not authorized to perform: secretsmanager:GetSecretValue on resource: prod/master because no identity-based policy allows the secretsmanager:GetSecretValue action"
        )
    );
    std::thread::sleep(Duration::from_millis(500));
    mariadb_as(&victim_user, "prod-app-pw", "SELECT 1").unwrap();
    assert_eq!(mariadb(&format!("SELECT COUNT(*) FROM mysql.user WHERE User = '{victim_user}_clone'")), "0");

    // Allowed to read the master, the same user may rotate with it.
    admin(
        &server,
        &root,
        "PutUserPolicy",
        json!({"UserName": "limited", "PolicyName": "p", "PolicyDocument": app_only(json!([
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": master_arn}
        ])).to_string()}),
    );
    sm(&server, &limited, "RotateSecret", rotate);
    let job = finished(&server, &limited, "app/evil");
    assert_eq!(job["status"], "succeeded", "{job}");
    mariadb(&format!(
        "DROP USER '{master_user}'@'%'; DROP USER '{victim_user}'@'%'; DROP USER '{victim_user}_clone'@'%'"
    ));
}

/// Item 1, later: a scheduled rotation reads only the master whoever
/// last called RotateSecret was allowed (checked then), not whatever a
/// later write of the value names.
#[test]
fn a_scheduled_rotation_reads_only_the_master_that_was_authorized() {
    if !mariadb_available() {
        return;
    }
    let id = unique("s");
    let (master_user, app_user, victim_user) = (format!("sm_{id}"), format!("sa_{id}"), format!("sv_{id}"));
    mariadb(&format!(
        "CREATE USER '{master_user}'@'%' IDENTIFIED BY 'master-pw'; GRANT ALL ON *.* TO '{master_user}'@'%' WITH GRANT OPTION; \
         CREATE USER '{app_user}'@'%' IDENTIFIED BY 'app-pw'; GRANT SELECT ON test.* TO '{app_user}'@'%'; \
         CREATE USER '{victim_user}'@'%' IDENTIFIED BY 'victim-pw'; GRANT SELECT ON test.* TO '{victim_user}'@'%'"
    ));
    let server = Server::start_logged(true, &database_rotators(), &[], None);
    let c = |op: &str, body: Value| {
        let (status, out) = server.raw(op, &with_token(op, body).to_string());
        assert_eq!(status, 200, "{op}: {out}");
        out
    };
    let master = json!({"engine": "mysql", "host": "127.0.0.1", "username": master_user, "password": "master-pw"});
    let m1 = c("CreateSecret", json!({"Name": "m1", "SecretString": master.to_string()}))["ARN"]
        .as_str()
        .unwrap()
        .to_string();
    let m2 = c("CreateSecret", json!({"Name": "m2", "SecretString": master.to_string()}))["ARN"]
        .as_str()
        .unwrap()
        .to_string();
    let app = json!({"engine": "mysql", "host": "127.0.0.1", "username": app_user, "password": "app-pw", "dbname": "test", "masterarn": m1});
    c("CreateSecret", json!({"Name": "app", "SecretString": app.to_string()}));
    c(
        "RotateSecret",
        json!({"SecretId": "app", "RotationLambdaARN": ALT_MY, "RotationRules": {"AutomaticallyAfterDays": 1}, "ClientRequestToken": common::token(1)}),
    );
    let history = |n: usize| {
        wait_for(Duration::from_secs(60), "a rotation to end", || {
            let h = server.rekey_json(&["admin", "rotations", "--secret-id", "app"]);
            let jobs = h["Rotations"].as_array()?.clone();
            (jobs.len() == n && jobs[0]["status"] != "active").then(|| jobs[0].clone())
        })
    };
    assert_eq!(history(1)["status"], "succeeded");
    // Someone who may write the value points it at another master and a
    // victim user, and waits for the schedule.
    let evil = json!({"engine": "mysql", "host": "127.0.0.1", "username": victim_user, "password": "guess", "dbname": "test", "masterarn": m2});
    c(
        "PutSecretValue",
        json!({"SecretId": "app", "SecretString": evil.to_string(), "ClientRequestToken": common::token(2)}),
    );
    server.rekey_json(&["admin", "clock", "--advance", "3d"]);
    let job = history(2);
    assert_eq!(job["status"], "failed", "{job}");
    let error = job["last_error"].as_str().unwrap();
    assert!(
        error.contains(&format!(
            "AccessDeniedException: User: arn:aws:iam::{ADMIN_ACCOUNT}:role/rekey-rotation is not authorized to perform: secretsmanager:GetSecretValue on resource: {m2}"
        )),
        "{error}"
    );
    mariadb_as(&victim_user, "victim-pw", "SELECT 1").unwrap();
    assert_eq!(mariadb(&format!("SELECT COUNT(*) FROM mysql.user WHERE User = '{victim_user}_clone'")), "0");
    mariadb(&format!(
        "DROP USER '{master_user}'@'%'; DROP USER '{app_user}'@'%'; DROP USER IF EXISTS '{app_user}_clone'@'%'; DROP USER '{victim_user}'@'%'"
    ));
}

/// Item 2: a user's key cannot mint a root key, session credentials
/// cannot administer, and deleting a key revokes its sessions.
#[test]
fn users_and_sessions_cannot_mint_keys() {
    let server = Server::start_logged(false, "", &[], None);
    let root = Keys::admin(&server);
    let alice = user(
        &server,
        &root,
        "alice",
        policy(json!([
            {"Effect": "Allow", "Action": ["iam:CreateAccessKey", "iam:ListAccessKeys", "iam:CreateUser"], "Resource": "*"},
            {"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}
        ])),
    );
    // No UserName: alice's own key, as IAM does; never the root's.
    let made = admin(&server, &alice, "CreateAccessKey", json!({}));
    assert_eq!(made["AccessKey"]["UserName"], "alice", "{made}");
    let keys = admin(&server, &root, "ListAccessKeys", json!({}));
    let roots = keys["AccessKeyMetadata"].as_array().unwrap().iter().filter(|k| k["UserName"].is_null()).count();
    assert_eq!(roots, 1, "only the administrator's own root key: {keys}");
    let second = Keys::from_json(&made["AccessKey"]);
    let (kind, _) = refused(&server, &second, "rekey.CreateAccount", json!({}));
    assert_eq!(kind, "AccessDeniedException");

    // Session credentials (of a user, and of the root) cannot administer.
    let session = Keys::from_json(&admin(&server, &alice, "GetSessionToken", json!({}))["Credentials"]);
    sm(&server, &session, "ListSecrets", json!({}));
    for (op, body) in [("CreateAccessKey", json!({})), ("CreateUser", json!({"UserName": "mallory"}))] {
        assert_eq!(
            refused(&server, &session, &format!("rekey.{op}"), body),
            ("AccessDeniedException".into(), format!("Cannot call {op} with session credentials"))
        );
    }
    let root_session = Keys::from_json(&admin(&server, &root, "GetSessionToken", json!({}))["Credentials"]);
    assert_eq!(
        refused(&server, &root_session, "rekey.CreateAccessKey", json!({})),
        ("AccessDeniedException".into(), "Cannot call CreateAccessKey with session credentials".into())
    );

    // Deleting alice's key revokes the session made from it.
    admin(&server, &root, "DeleteAccessKey", json!({"AccessKeyId": alice.id}));
    assert_eq!(
        refused(&server, &session, "secretsmanager.ListSecrets", json!({})),
        ("UnrecognizedClientException".into(), "The security token included in the request is invalid.".into())
    );
    sm(&server, &second, "ListSecrets", json!({}));
}

/// Item 3: a rotation function's credentials are temporary, scoped to
/// the secret it rotates, and revoked when its step ends.
#[test]
fn a_rotation_functions_credentials_reach_its_own_secret_only() {
    let Some(py) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let config = format!(
        "[rotation]\nmax_attempts = 1\n[[function]]\narn = \"{PASSWORD_FN}\"\ntype = \"exec\"\ncommand = [{:?}, {:?}, \"probe_scope.lambda_handler\"]\nenv = {{ PROBE_REPORT = {:?} }}\n",
        py.display().to_string(),
        rotation_dir().join("run_exec.py").display().to_string(),
        report.display().to_string(),
    );
    let server = Server::start_logged(false, &config, &[], None);
    let root = Keys::admin(&server);
    sm(&server, &root, "CreateSecret", json!({"Name": "other", "SecretString": "untouched"}));
    sm(&server, &root, "CreateSecret", json!({"Name": "mine", "SecretString": "v1"}));
    sm(
        &server,
        &root,
        "RotateSecret",
        json!({"SecretId": "mine", "RotationLambdaARN": PASSWORD_FN, "ClientRequestToken": common::token(1)}),
    );
    let job = finished(&server, &root, "mine");
    assert_eq!(job["status"], "failed", "the probe fails on purpose: {job}");
    let seen: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert!(seen["key"].as_str().unwrap().starts_with("ASIA"), "temporary credentials: {seen}");
    assert!(seen["token"].is_string(), "with a session token: {seen}");
    for (what, expected) in [
        ("describe_own", "allowed"),
        ("read_own", "allowed"),
        ("read_other", "AccessDeniedException"),
        ("write_other", "AccessDeniedException"),
        ("create", "AccessDeniedException"),
        ("list", "AccessDeniedException"),
    ] {
        assert_eq!(seen[what], expected, "{what}: {seen}");
    }
    assert_eq!(sm(&server, &root, "GetSecretValue", json!({"SecretId": "other"}))["SecretString"], "untouched");
    // The step is over: its credentials no longer work.
    let creds = Keys {
        id: seen["key"].as_str().unwrap().into(),
        secret: seen["secret"].as_str().unwrap().into(),
        token: seen["token"].as_str().map(str::to_string),
    };
    assert_eq!(
        refused(&server, &creds, "secretsmanager.DescribeSecret", json!({"SecretId": "mine"})).0,
        "UnrecognizedClientException"
    );
}

/// Item 4: what a function prints may be a secret: it is sealed, shown
/// only to callers who may read the secret's value, and never logged.
#[test]
fn a_functions_output_is_sealed_and_shown_only_to_readers() {
    const MARKER: &str = "hunter2-the-database-password";
    let config = format!(
        "[rotation]\nmax_attempts = 1\n[[function]]\narn = \"{PASSWORD_FN}\"\ntype = \"exec\"\ncommand = [\"sh\", \"-c\", \"cat >/dev/null; echo connecting with {MARKER} failed >&2; exit 1\"]\n"
    );
    let server = Server::start_logged(false, &config, &[], None);
    let root = Keys::admin(&server);
    let describer = user(
        &server,
        &root,
        "describer",
        policy(json!([{"Effect": "Allow", "Action": "secretsmanager:DescribeSecret", "Resource": "*"}])),
    );
    let reader = user(
        &server,
        &root,
        "reader",
        policy(
            json!([{"Effect": "Allow", "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"], "Resource": "*"}]),
        ),
    );
    sm(&server, &root, "CreateSecret", json!({"Name": "app/s", "SecretString": "v"}));
    sm(
        &server,
        &root,
        "RotateSecret",
        json!({"SecretId": "app/s", "RotationLambdaARN": PASSWORD_FN, "ClientRequestToken": common::token(1)}),
    );
    let job = finished(&server, &root, "app/s");
    assert_eq!(job["status"], "failed");

    let hidden = admin(&server, &describer, "ListRotations", json!({"SecretId": "app/s"}));
    assert!(!hidden.to_string().contains(MARKER), "{hidden}");
    let step = &hidden["Rotations"][0]["steps"][0];
    assert!(step["output_hidden"].is_string() && step["output"].is_null(), "{step}");
    assert_eq!(
        step["error"], "the command failed (exit status: 1) (its output is in the rotation history)",
        "the error itself says how, not what"
    );
    // ListRotations of the whole region, too.
    assert!(!admin(&server, &describer, "ListRotations", json!({})).to_string().contains(MARKER));
    let shown = admin(&server, &reader, "ListRotations", json!({"SecretId": "app/s"}));
    assert_eq!(shown["Rotations"][0]["steps"][0]["output"], format!("connecting with {MARKER} failed"));

    assert!(!server.log().contains(MARKER), "never in the server's log (at debug level): {}", server.log());
    for file in ["rekey.db", "rekey.db-wal"] {
        let bytes = std::fs::read(server.data_dir.join(file)).unwrap_or_default();
        assert!(!bytes.windows(MARKER.len()).any(|w| w == MARKER.as_bytes()), "{file} holds the output in clear");
    }
}

/// Item 5: a registered function serves the account in its ARN (unless
/// configured wider); the database built-ins exist only where configured,
/// connect only to allowed hosts, and their connection errors do not tell
/// a closed port from an open one.
#[test]
fn functions_and_database_hosts_are_not_open_to_every_tenant() {
    let config = format!(
        "[rotation]\nmax_attempts = 1\n[[function]]\narn = \"{PASSWORD_FN}\"\ntype = \"builtin:password\"\n\
         [[function]]\narn = \"builtin:mysql-single-user\"\ntype = \"builtin:mysql-single-user\"\naccounts = [\"{ADMIN_ACCOUNT}\"]\nallowed_hosts = [\"127.0.0.1\"]\nconnect_timeout_seconds = 2\n"
    );
    let server = Server::start_logged(false, &config, &[], None);
    let root = Keys::admin(&server);
    let tenant =
        Keys::from_json(&admin(&server, &root, "CreateAccount", json!({"AccountId": VICTIM_ACCOUNT}))["AccessKey"]);
    let cannot_invoke = "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.";
    sm(&server, &tenant, "CreateSecret", json!({"Name": "t", "SecretString": "v"}));
    for function in [PASSWORD_FN, "builtin:mysql-single-user", "builtin:postgres-single-user"] {
        assert_eq!(
            refused(
                &server,
                &tenant,
                "secretsmanager.RotateSecret",
                json!({"SecretId": "t", "RotationLambdaARN": function})
            ),
            ("AccessDeniedException".into(), cannot_invoke.into()),
            "{function}"
        );
    }
    // The function's own account may use it.
    sm(&server, &root, "CreateSecret", json!({"Name": "p", "SecretString": "v"}));
    sm(&server, &root, "RotateSecret", json!({"SecretId": "p", "RotationLambdaARN": PASSWORD_FN}));

    // Hosts: one not allowed; a closed port and an open one that is no
    // database (this server's own) fail alike.
    let (_, port) = server.addr.rsplit_once(':').unwrap();
    let errors: Vec<String> = [("127.0.0.2", "3306"), ("127.0.0.1", "1"), ("127.0.0.1", port)]
        .iter()
        .map(|(host, port)| {
            let name = format!("db/{host}-{port}");
            let value = json!({"engine": "mysql", "host": host, "port": port, "username": "u", "password": "p"});
            sm(&server, &root, "CreateSecret", json!({"Name": name, "SecretString": value.to_string()}));
            sm(
                &server,
                &root,
                "RotateSecret",
                json!({"SecretId": name, "RotationLambdaARN": "builtin:mysql-single-user"}),
            );
            let job = finished(&server, &root, &name);
            assert_eq!(job["status"], "failed", "{job}");
            job["last_error"].as_str().unwrap().to_string()
        })
        .collect();
    assert!(
        errors[0].contains("the database host \"127.0.0.2\" is not one this rotator may connect to"),
        "{}",
        errors[0]
    );
    assert_eq!(errors[1], errors[2], "a closed port and an open one look alike");
    assert!(errors[1].contains("could not connect to the database"), "{}", errors[1]);

    // A database rotator without allowed_hosts is not set up at all.
    let (ok, err) = common::serve_config_failing(
        "[[function]]\narn = \"builtin:mysql-single-user\"\ntype = \"builtin:mysql-single-user\"\naccounts = [\"*\"]\n",
    );
    assert!(!ok && err.contains("`allowed_hosts` is empty"), "{err}");
}

/// Item 6: ForceOverwriteReplicaSecret writes over another region's
/// secret only for a caller allowed to write and delete that secret.
#[test]
fn overwriting_a_replica_region_needs_rights_there() {
    let server = Server::start_logged(false, "", &[], None);
    let root = Keys::admin(&server);
    let east_only = user(
        &server,
        &root,
        "east",
        policy(
            json!([{"Effect": "Allow", "Action": "secretsmanager:*", "Resource": format!("arn:aws:secretsmanager:us-east-1:{ADMIN_ACCOUNT}:secret:*")}]),
        ),
    );
    let create = with_token("CreateSecret", json!({"Name": "shared/x", "SecretString": "precious"}));
    let (status, out) = server.signed_in(&root, "eu-west-1", "secretsmanager.CreateSecret", &create);
    assert_eq!(status, 200, "{out}");
    sm(&server, &east_only, "CreateSecret", json!({"Name": "shared/x", "SecretString": "primary"}));
    let replicate = json!({"SecretId": "shared/x", "AddReplicaRegions": [{"Region": "eu-west-1"}], "ForceOverwriteReplicaSecret": true});
    let (kind, message) = refused(&server, &east_only, "secretsmanager.ReplicateSecretToRegions", replicate.clone());
    assert_eq!(kind, "AccessDeniedException");
    assert!(
        message.contains("secretsmanager:PutSecretValue on resource: arn:aws:secretsmanager:eu-west-1:"),
        "{message}"
    );
    let read_west = |keys: &Keys| {
        server.signed_in(keys, "eu-west-1", "secretsmanager.GetSecretValue", &json!({"SecretId": "shared/x"}))
    };
    assert_eq!(read_west(&root).1["SecretString"], "precious", "untouched");

    // The root may: the replica replaces it.
    let (status, out) = server.signed(&root, "secretsmanager.ReplicateSecretToRegions", &replicate);
    assert_eq!(status, 200, "{out}");
    assert_eq!(read_west(&root).1["SecretString"], "primary");
}

/// Item 7: slow and idle clients are cut off, a stranger's body is never
/// read, and idle connections do not starve others.
#[test]
fn the_server_holds_under_slow_and_idle_clients() {
    let server = Server::start_logged(false, "", &["--header-timeout", "1"], None);
    let connect = || {
        let s = TcpStream::connect(&server.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s
    };
    // Headers never finished: closed after the header timeout.
    let mut slow = connect();
    slow.write_all(b"POST / HTTP/1.1\r\nHost: x\r\n").unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 512];
    let _ = slow.read(&mut buf);
    assert!(started.elapsed() < Duration::from_secs(5), "closed after {:?}", started.elapsed());
    // An idle keep-alive connection too.
    let mut idle = connect();
    idle.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let n = idle.read(&mut buf).unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let started = Instant::now();
    assert_eq!(idle.read(&mut buf).unwrap_or(0), 0, "closed");
    assert!(started.elapsed() < Duration::from_secs(5), "idle for {:?}", started.elapsed());

    // A stranger declaring a large body is answered from its headers,
    // before the body is sent.
    let mut stranger = connect();
    stranger
        .write_all(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: secretsmanager.ListSecrets\r\nContent-Length: 400000\r\n\r\n{\"partial\":")
        .unwrap();
    let n = stranger.read(&mut buf).unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(answer.starts_with("HTTP/1.1 400") && answer.contains("MissingAuthenticationTokenException"), "{answer}");
    // A body declared too large is refused before it is read.
    let root = Keys::admin(&server);
    let mut headers = rekey_service::sigv4::sign(
        rekey_service::sigv4::Request {
            method: "POST",
            path: "/",
            headers: vec![
                ("host".into(), server.addr.clone()),
                ("x-amz-target".into(), "secretsmanager.ListSecrets".into()),
            ],
            body: b"{}",
        },
        &rekey_service::sigv4::Credentials {
            access_key_id: root.id.clone(),
            secret_access_key: zeroize::Zeroizing::new(root.secret.clone()),
            session_token: None,
        },
        "us-east-1",
        "secretsmanager",
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64,
    );
    headers.retain(|(k, _)| k != "x-amz-content-sha256");
    let mut big = connect();
    let head: String = headers.iter().map(|(k, v)| format!("{k}: {v}\r\n")).collect();
    big.write_all(format!("POST / HTTP/1.1\r\n{head}Content-Length: 600000\r\n\r\n").as_bytes()).unwrap();
    let n = big.read(&mut buf).unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(answer.starts_with("HTTP/1.1 413") && answer.contains("RequestEntityTooLargeException"), "{answer}");

    // 300 idle connections do not keep /health from answering at once.
    let idle: Vec<TcpStream> = (0..300).map(|_| TcpStream::connect(&server.addr).unwrap()).collect();
    let started = Instant::now();
    let mut health = connect();
    health.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    health.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(1), "answered after {:?}", started.elapsed());
    drop(idle);
}

/// Item 7: at the connection cap the server stops accepting; a waiting
/// client is served once an idle connection times out.
#[test]
fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let server = Server::start_logged(true, "", &["--max-connections", "4", "--header-timeout", "2"], None);
    let hold: Vec<TcpStream> = (0..4).map(|_| TcpStream::connect(&server.addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    let mut late = TcpStream::connect(&server.addr).unwrap();
    late.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    late.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    late.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let waited = started.elapsed();
    assert!(waited > Duration::from_millis(1000) && waited < Duration::from_secs(6), "served after {waited:?}");
    drop(hold);
}

/// A request signed by hand over `signed` headers (`x-amz-date` added)
/// with `payload` as its payload hash, sent with `extra` headers added
/// after signing.
fn hand_signed(
    server: &Server,
    keys: &Keys,
    region: &str,
    signed: &[(&str, &str)],
    extra: &[(&str, &str)],
    payload: &str,
    body: &str,
) -> (u16, Value) {
    use rekey_service::sigv4::{amz_dates, canonical_headers, hex, signature, signing_key, string_to_sign};
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let (date, stamp) = amz_dates(now);
    let mut headers: Vec<(String, String)> = signed.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    headers.push(("x-amz-date".into(), stamp.clone()));
    headers.sort();
    let names = headers.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(";");
    let canonical = format!("POST\n/\n\n{}\n{names}\n{payload}", canonical_headers(&headers));
    let scope = format!("{date}/{region}/secretsmanager/aws4_request");
    let sig = hex(&signature(
        &signing_key(&keys.secret, &date, region, "secretsmanager"),
        &string_to_sign(&stamp, &scope, &canonical),
    ));
    headers.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    headers.push((
        "authorization".into(),
        format!("AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={names}, Signature={sig}", keys.id),
    ));
    server.send(&headers, body.as_bytes())
}

/// Item 8: no part of a signed request can be swapped: its operation, its
/// body; and its region is a region.
#[test]
fn a_signed_request_cannot_be_altered() {
    let server = Server::start_logged(false, "", &[], None);
    let root = Keys::admin(&server);
    sm(&server, &root, "CreateSecret", json!({"Name": "keep", "SecretString": "v"}));
    let host = server.addr.clone();
    let body = r#"{"SecretId":"keep","ForceDeleteWithoutRecovery":true}"#;
    let body_hash = rekey_service::sigv4::sha256_hex(body.as_bytes());
    // Signed over host and date: DescribeSecret retargeted to DeleteSecret.
    let (status, out) = hand_signed(
        &server,
        &root,
        "us-east-1",
        &[("host", &host)],
        &[("x-amz-target", "secretsmanager.DeleteSecret")],
        &body_hash,
        body,
    );
    assert_eq!(
        (status, out["Message"].as_str()),
        (400, Some("'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.")),
        "{out}"
    );
    // UNSIGNED-PAYLOAD: the body could be anything.
    let (status, out) = hand_signed(
        &server,
        &root,
        "us-east-1",
        &[
            ("host", &host),
            ("x-amz-target", "secretsmanager.DeleteSecret"),
            ("x-amz-content-sha256", "UNSIGNED-PAYLOAD"),
        ],
        &[],
        "UNSIGNED-PAYLOAD",
        body,
    );
    assert_eq!((status, out["__type"].as_str()), (400, Some("InvalidSignatureException")), "{out}");
    assert_eq!(sm(&server, &root, "GetSecretValue", json!({"SecretId": "keep"}))["SecretString"], "v", "not deleted");
    // A region that would change how ARNs split.
    let (status, out) = hand_signed(
        &server,
        &root,
        "x:111111111111",
        &[("host", &host), ("x-amz-target", "secretsmanager.ListSecrets")],
        &[],
        &rekey_service::sigv4::sha256_hex(b"{}"),
        "{}",
    );
    assert_eq!(
        (status, out["Message"].as_str()),
        (400, Some("Credential should be scoped to a valid region. ")),
        "{out}"
    );
    // Signed properly, the same calls work.
    let (status, out) = hand_signed(
        &server,
        &root,
        "us-east-1",
        &[("host", &host), ("x-amz-target", "secretsmanager.ListSecrets")],
        &[],
        &rekey_service::sigv4::sha256_hex(b"{}"),
        "{}",
    );
    assert_eq!(status, 200, "{out}");
}

/// Item 9: every file in the data directory is 0600 whatever the umask.
#[test]
fn every_file_is_the_owners_alone() {
    let server = Server::start_logged(false, "", &[], Some(0));
    let root = Keys::admin(&server);
    sm(&server, &root, "CreateSecret", json!({"Name": "s", "SecretString": "v"}));
    let mut seen = Vec::new();
    for entry in std::fs::read_dir(&server.data_dir).unwrap() {
        let entry = entry.unwrap();
        use std::os::unix::fs::PermissionsExt;
        let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
        let name = entry.file_name().to_string_lossy().into_owned();
        assert_eq!(mode, 0o600, "{name} has mode {mode:o}");
        seen.push(name);
    }
    for expected in ["rekey.db", "rekey.db-wal", "rekey.db-shm", "master.key", "admin-credentials"] {
        assert!(seen.iter().any(|n| n == expected), "{expected} in {seen:?}");
    }
}

/// Item 9: a data directory others may enter is warned about.
#[test]
fn a_shared_data_directory_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let log = dir.path().join("log");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rekey"))
        .args(["serve", "--dev", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("has mode 755: other users may see into it"), "{text}");
}

/// Item 9: the Lambda Runtime API stays on loopback unless it has a
/// token, and then answers only requests that carry it.
#[test]
fn the_runtime_api_is_closed_to_strangers() {
    let open = "[[function]]\narn = \"arn:aws:lambda:us-east-1:000000000000:function:rt\"\ntype = \"runtime\"\nlisten = \"0.0.0.0:0\"\n";
    let (ok, err) = common::serve_config_failing(open);
    assert!(!ok && err.contains("beyond loopback, without a `token`"), "{err}");

    const TOKEN: &str = "0123456789abcdef-worker-token";
    let server = Server::start_logged(
        true,
        &format!("{}token = \"{TOKEN}\"\n", open.replace("0.0.0.0:0", "127.0.0.1:0")),
        &[],
        None,
    );
    let at = server.runtimes.values().next().unwrap().clone();
    let post = |path: &str| {
        let mut s = TcpStream::connect(&at).unwrap();
        write!(s, "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}").unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        answer[9..12].to_string()
    };
    assert_eq!(post("/2018-06-01/runtime/init/error"), "404", "no path without the token");
    assert_eq!(post("/0123456789abcdef-worker-tokeX/2018-06-01/runtime/init/error"), "403");
    assert_eq!(post(&format!("/{TOKEN}/2018-06-01/runtime/init/error")), "202");
}

/// Item 9: the `--dev` clock cannot be moved to where time wraps.
#[test]
fn the_clock_cannot_wrap() {
    let server = Server::start_logged(true, "", &[], None);
    let dev = Keys { id: "AKIDEXAMPLE".into(), secret: "x".into(), token: None };
    for body in [
        json!({"AdvanceSeconds": 9_223_372_036_854_775i64}),
        json!({"Set": 1e300}),
        json!({"Set": 253_402_300_800.0f64}),
    ] {
        let (kind, message) = refused(&server, &dev, "rekey.Clock", body.clone());
        assert_eq!(kind, "InvalidParameterException", "{body}");
        assert_eq!(message, "The clock cannot move past 9999-12-31T23:59:59Z.");
    }
    let now = admin(&server, &dev, "Clock", json!({}))["Now"].as_f64().unwrap();
    let real = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64();
    assert!((now - real).abs() < 60.0, "the clock did not move: {now} against {real}");
    admin(&server, &dev, "Clock", json!({"Set": 253_402_300_799.0f64}));
}

/// Malformed input never gets a 5xx: 2,000 mutations of valid bodies
/// (bytes flipped, cut, repeated, types swapped) sent to every operation.
#[test]
fn malformed_requests_never_get_a_server_error() {
    let server = Server::start();
    let seeds = [
        r#"{"Name":"m/1","SecretString":"v","ClientRequestToken":"00000000-0000-4000-8000-000000000001","Tags":[{"Key":"a","Value":"b"}]}"#,
        r#"{"SecretId":"m/1","VersionStage":"AWSCURRENT","MoveToVersionId":"00000000-0000-4000-8000-000000000001"}"#,
        r#"{"SecretId":"m/1","RotationRules":{"ScheduleExpression":"cron(0 16 ? * TUE#2 *)","Duration":"3h"}}"#,
        r#"{"Filters":[{"Key":"name","Values":["!m","a"]}],"MaxResults":5,"SortOrder":"asc","NextToken":"x"}"#,
        r#"{"SecretId":"m/1","ResourcePolicy":"{\"Version\":\"2012-10-17\",\"Statement\":[]}","BlockPublicPolicy":true}"#,
        r#"{"SecretIdList":["m/1","arn:aws:secretsmanager:us-east-1:000000000000:secret:m/1"],"AddReplicaRegions":[{"Region":"eu-west-1"}]}"#,
    ];
    let operations = [
        "CreateSecret",
        "GetSecretValue",
        "PutSecretValue",
        "UpdateSecret",
        "DescribeSecret",
        "ListSecrets",
        "BatchGetSecretValue",
        "ListSecretVersionIds",
        "UpdateSecretVersionStage",
        "DeleteSecret",
        "RestoreSecret",
        "RotateSecret",
        "CancelRotateSecret",
        "TagResource",
        "UntagResource",
        "PutResourcePolicy",
        "GetResourcePolicy",
        "DeleteResourcePolicy",
        "ValidateResourcePolicy",
        "ReplicateSecretToRegions",
        "RemoveRegionsFromReplication",
        "StopReplicationToReplica",
        "GetRandomPassword",
    ];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for n in 0..2000 {
        let mut body = seeds[next() as usize % seeds.len()].as_bytes().to_vec();
        for _ in 0..1 + next() % 4 {
            let at = next() as usize % body.len().max(1);
            match next() % 5 {
                0 => body[at] = next() as u8,
                1 => body.truncate(at),
                2 => body.splice(at..at, b"{\"\":[[[1e999,-0,\"\\u0000\"]]]}".iter().copied()).for_each(drop),
                3 => body = body.iter().copied().chain(body.clone()).collect(),
                _ => body.insert(at, b"\"[]{}:,0tfn\\"[next() as usize % 12]),
            }
        }
        let op = operations[next() as usize % operations.len()];
        let text = String::from_utf8_lossy(&body);
        let (status, out) = server.raw(op, &text);
        assert!(status < 500, "#{n} {op} {text}: {status} {out}");
    }
}

/// Item 9: made-up KmsKeyIds cannot grow the keyring without end (3,000
/// CreateSecret calls once made 3,001 key-encryption keys): past 100 per
/// account they are refused, and another account has its own.
#[test]
fn kms_key_ids_are_bounded_per_account() {
    let server = Server::start();
    let create = |account: &str, n: usize| {
        let body = with_token(
            "CreateSecret",
            json!({"Name": format!("k/{n}"), "SecretString": "v", "KmsKeyId": format!("alias/made-up-{n}")}),
        );
        server.raw_as("CreateSecret", &body.to_string(), account, "us-east-1")
    };
    for n in 0..100 {
        let (status, out) = create(ADMIN_ACCOUNT, n);
        assert_eq!(status, 200, "{n}: {out}");
    }
    let (status, out) = create(ADMIN_ACCOUNT, 100);
    assert_eq!(
        (status, out["__type"].as_str(), out["Message"].as_str()),
        (400, Some("LimitExceededException"), Some("An account can use at most 100 different KmsKeyId values."))
    );
    let (status, out) = create(VICTIM_ACCOUNT, 100);
    assert_eq!(status, 200, "another account: {out}");
}

/// Found by fuzzing: a schedule whose windows come decades apart (the
/// fifth Tuesday of February) made the next window's computation panic
/// inside the store's writer once the clock passed Feb 2028, taking the
/// server down for every tenant. RotateSecret refuses it, and the server
/// keeps working at any date.
#[test]
fn a_schedule_decades_apart_is_refused() {
    let server =
        Server::start_with_config(&format!("[[function]]\narn = \"{PASSWORD_FN}\"\ntype = \"builtin:password\"\n"));
    let call = |op: &str, body: Value| server.raw(op, &with_token(op, body).to_string());
    assert_eq!(call("CreateSecret", json!({"Name": "s", "SecretString": "v"})).0, 200);
    let rotate = json!({"SecretId": "s", "RotationLambdaARN": PASSWORD_FN, "RotateImmediately": false,
        "RotationRules": {"ScheduleExpression": "cron(0 2 ? 2 TUE#5 *)", "Duration": "1h"}});
    let (status, out) = call("RotateSecret", rotate);
    assert_eq!((status, out["__type"].as_str()), (400, Some("InvalidParameterException")), "{out}");
    server.rekey_json(&["admin", "clock", "--advance", "1200d"]);
    assert_eq!(call("PutSecretValue", json!({"SecretId": "s", "SecretString": "w"})).0, 200, "the server still works");
}
