//! Rotations act with the least privilege of whoever configured them,
//! never as rekey: attacks on a real server, each refused (and each test
//! fails with its fix reverted). The master secret of a database rotation,
//! the credentials a function calls back with, what a function prints,
//! and which functions and database hosts a tenant may use.

mod common;

use common::databases::{mariadb, mariadb_as, mariadb_available, pg_password_is, postgres_available, psql, unique};
use common::signed::*;
use common::{Keys, Server, python, rotation_dir, wait_for};
use serde_json::{Value, json};
use std::time::Duration;

const ALT_PG: &str = "builtin:postgres-alternating-users";

const ALT_MY: &str = "builtin:mysql-alternating-users";

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
/// only to callers who may read the secret's value, and never logged. Its
/// whole output (both streams, every step) is the step's function log,
/// which only callers allowed GetSecretValue on the secret may read.
#[test]
fn a_functions_output_is_sealed_and_shown_only_to_readers() {
    const MARKER: &str = "hunter2-the-database-password";
    const SAID: &str = "stdout-of-the-function-7f3a";
    let config = format!(
        "[rotation]\nmax_attempts = 1\n[[function]]\narn = \"{PASSWORD_FN}\"\ntype = \"exec\"\ncommand = [\"sh\", \"-c\", \"cat >/dev/null; echo {SAID}; echo connecting with {MARKER} failed >&2; exit 1\"]\n"
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
        step["error"], "the command failed (exit status: 1) (its output is in the function log)",
        "the error itself says how, not what"
    );
    // ListRotations of the whole region, too.
    assert!(!admin(&server, &describer, "ListRotations", json!({})).to_string().contains(MARKER));
    let shown = admin(&server, &reader, "ListRotations", json!({"SecretId": "app/s"}));
    assert_eq!(shown["Rotations"][0]["steps"][0]["output"], format!("connecting with {MARKER} failed"));

    // The function log: refused to a caller who may only describe the
    // secret, as GetSecretValue is refused; whole for a reader.
    let (code, message) = refused(&server, &describer, "rekey.ListFunctionLogs", json!({"SecretId": "app/s"}));
    assert_eq!(code, "AccessDeniedException", "{message}");
    assert!(message.contains("secretsmanager:GetSecretValue"), "{message}");
    let logs = admin(&server, &reader, "ListFunctionLogs", json!({"SecretId": "app/s"}));
    let log = &logs["FunctionLogs"][0];
    assert_eq!(logs["FunctionLogs"].as_array().unwrap().len(), 1, "{logs}");
    assert_eq!((log["Step"].as_str(), log["Attempt"].as_u64()), (Some("createSecret"), Some(1)), "{log}");
    assert_eq!(log["JobId"], shown["Rotations"][0]["id"], "{log}");
    let lines: Vec<(&str, &str)> = log["Events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["Stream"].as_str().unwrap(), e["Message"].as_str().unwrap()))
        .collect();
    assert!(lines.contains(&("stdout", SAID)), "{lines:?}");
    assert!(lines.contains(&("stderr", &format!("connecting with {MARKER} failed"))), "{lines:?}");
    // By job too, and nothing for another job id.
    let job = log["JobId"].as_str().unwrap();
    let of_job = admin(&server, &reader, "ListFunctionLogs", json!({"SecretId": "app/s", "JobId": job}));
    assert_eq!(of_job["FunctionLogs"].as_array().unwrap().len(), 1);
    let other = admin(&server, &reader, "ListFunctionLogs", json!({"SecretId": "app/s", "JobId": "made-up"}));
    assert_eq!(other["FunctionLogs"], json!([]));
    // Through the CLI, with the reader's keys.
    let out = std::process::Command::new(common::binary())
        .args(["admin", "function-logs", "--secret-id", "app/s", "--endpoint-url", &server.url()])
        .env("AWS_ACCESS_KEY_ID", &reader.id)
        .env("AWS_SECRET_ACCESS_KEY", &reader.secret)
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(SAID), "{out:?}");
    // Reading the log is in the trail, without what it showed.
    let by_name = json!([{"AttributeKey": "EventName", "AttributeValue": "ListFunctionLogs"}]);
    let trail = admin(&server, &root, "LookupEvents", json!({"LookupAttributes": by_name}));
    assert!(trail["Events"].as_array().is_some_and(|e| e.len() >= 2), "{trail}");
    assert!(!trail.to_string().contains(MARKER) && !trail.to_string().contains(SAID), "{trail}");

    for said in [MARKER, SAID] {
        assert!(!server.log().contains(said), "never in the server's log (at debug level): {}", server.log());
        for file in ["rekey.db", "rekey.db-wal"] {
            let bytes = std::fs::read(server.data_dir.join(file)).unwrap_or_default();
            assert!(!bytes.windows(said.len()).any(|w| w == said.as_bytes()), "{file} holds the output in clear");
        }
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
