//! Rotation end to end: RotateSecret through the SDK and the `aws` CLI, a
//! Python rotation function written the way AWS documents them run through
//! every executor (`exec`, `http`, `runtime` with awslambdaric, `lambda`
//! against a SigV4-checking Invoke API double), `builtin:password`, failure
//! and retry, the test-only path, concurrency, cancel, abandon, and a
//! server killed between steps.

mod common;

use aws_sdk_secretsmanager::Client;
use common::{Server, error_of, python, rotation_dir, stages, token, wait_for};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const FN: &str = "arn:aws:lambda:us-east-1:000000000000:function:rotate-test";
const LONG: Duration = Duration::from_secs(60);

/// A helper process (function host or runtime worker), killed on drop.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// The control directory of the test function (see rotate_generic.py).
struct Control(tempfile::TempDir);

impl Control {
    fn new() -> Control {
        Control(tempfile::tempdir().unwrap())
    }
    fn path(&self) -> &Path {
        self.0.path()
    }
    fn set(&self, name: &str, content: &str) {
        std::fs::write(self.path().join(name), content).unwrap();
    }
    fn clear(&self, name: &str) {
        std::fs::remove_file(self.path().join(name)).ok();
    }
    fn log(&self) -> Vec<String> {
        std::fs::read_to_string(self.path().join("log")).unwrap_or_default().lines().map(str::to_string).collect()
    }
}

/// Starts `function_host.py <mode>`; returns it and its URL.
fn function_host(py: &Path, mode: &str, control: &Control) -> (Process, String) {
    let mut child = Command::new(py)
        .arg(rotation_dir().join("function_host.py"))
        .args([mode, "rotate_generic.lambda_handler"])
        .env("REKEY_TEST_CONTROL", control.path())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "000000000000")
        .env("AWS_SECRET_ACCESS_KEY", "x")
        .env("HOST_ACCESS_KEY_ID", "AKIDLAMBDATEST")
        .env("HOST_SECRET_ACCESS_KEY", "lambda/test/secret")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start function host");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let port = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("host said {line:?}")).to_string();
    (Process(child), format!("http://127.0.0.1:{port}"))
}

/// Fast retries so that failure paths finish in seconds.
const FAST_RETRIES: &str = "[rotation]\nmax_attempts = 2\nretry_base_ms = 100\n";

fn exec_config(py: &Path, control: &Control) -> String {
    format!(
        "{FAST_RETRIES}[[function]]\narn = \"{FN}\"\ntype = \"exec\"\ncommand = [{:?}, {:?}, \"rotate_generic.lambda_handler\"]\nenv = {{ REKEY_TEST_CONTROL = {:?} }}\n",
        py.display().to_string(),
        rotation_dir().join("run_exec.py").display().to_string(),
        control.path().display().to_string(),
    )
}

fn http_config(url: &str) -> String {
    format!("{FAST_RETRIES}[[function]]\narn = \"{FN}\"\ntype = \"http\"\nurl = \"{url}/\"\ntimeout_seconds = 30\n")
}

/// The test function behind the `http` executor, and a server using it.
fn behind_http(py: &Path) -> (Control, Process, Server) {
    let control = Control::new();
    let (host, url) = function_host(py, "http", &control);
    let server = Server::start_with_config(&http_config(&url));
    control.set("endpoint", &server.url());
    (control, host, server)
}

fn password_config(arn: &str) -> String {
    format!("[[function]]\narn = \"{arn}\"\ntype = \"builtin:password\"\n")
}

async fn value(c: &Client, id: &str, stage: &str) -> Option<String> {
    c.get_secret_value().secret_id(id).version_stage(stage).send().await.ok().map(|v| v.secret_string().unwrap().into())
}

/// The rotation history of a secret, through `rekey admin rotations`.
fn history(server: &Server, id: &str) -> Vec<Value> {
    server.rekey_json(&["admin", "rotations", "--secret-id", id])["Rotations"].as_array().unwrap().clone()
}

/// Waits until the newest job of `id` has left `active`; returns it.
async fn finished_job(server: &Server, id: &str) -> Value {
    let start = std::time::Instant::now();
    loop {
        if let Some(job) = history(server, id).first()
            && job["status"] != "active"
        {
            return job.clone();
        }
        assert!(start.elapsed() < LONG, "rotation of {id} did not finish: {:?}", history(server, id));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What the function printed at the job's last failed step (shown to a
/// caller who may read the secret, as `--dev` callers may).
fn last_output(job: &Value) -> String {
    let steps = job["steps"].as_array().unwrap();
    let failed = steps.iter().rev().find(|s| s["error"].is_string()).unwrap_or_else(|| panic!("no failed step: {job}"));
    failed["output"].as_str().unwrap_or_else(|| panic!("no output: {job}")).to_string()
}

async fn create(c: &Client, name: &str, value: &str) -> String {
    c.create_secret().name(name).secret_string(value).client_request_token(token(1)).send().await.unwrap();
    value.to_string()
}

/// A completed rotation: the new value is AWSCURRENT, the old one
/// AWSPREVIOUS, no AWSPENDING left, the job and dates recorded.
async fn assert_rotated(server: &Server, c: &Client, id: &str, old: &str, pending: &str) {
    let job = finished_job(server, id).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["token"], pending);
    let current = value(c, id, "AWSCURRENT").await.unwrap();
    assert_ne!(current, old);
    assert_eq!(value(c, id, "AWSPREVIOUS").await.as_deref(), Some(old));
    let s = stages(c, id).await;
    assert_eq!(s[pending], ["AWSCURRENT"], "{s:?}");
    assert_eq!(s[&token(1)], ["AWSPREVIOUS"]);
    let d = c.describe_secret().secret_id(id).send().await.unwrap();
    assert_eq!(d.rotation_enabled(), Some(true));
    assert!(d.last_rotated_date().is_some());
}

async fn rotate(c: &Client, id: &str, n: u64) -> String {
    let out = c.rotate_secret().secret_id(id).client_request_token(token(n)).send().await.unwrap();
    assert_eq!(out.version_id(), Some(token(n).as_str()));
    assert_eq!(out.name(), Some(id));
    token(n)
}

/// A newcomer's first rotation: `builtin:password` on a server with no
/// configuration at all. A JSON secret keeps its other keys (its
/// `password` is replaced); a plain one is replaced whole. A built-in
/// that needs configuration is not there without it.
#[tokio::test]
async fn builtin_password_needs_no_configuration() {
    let server = Server::start();
    let c = server.client();
    let old = create(&c, "first/db", r#"{"username":"app","password":"old"}"#).await;
    let rotate_with_builtin = |id: &'static str, n: u64| {
        let c = c.clone();
        async move {
            c.rotate_secret()
                .secret_id(id)
                .client_request_token(token(n))
                .rotation_lambda_arn("builtin:password")
                .send()
                .await
                .unwrap();
        }
    };
    rotate_with_builtin("first/db", 2).await;
    assert_rotated(&server, &c, "first/db", &old, &token(2)).await;
    let doc: Value = serde_json::from_str(&value(&c, "first/db", "AWSCURRENT").await.unwrap()).unwrap();
    assert_eq!(doc["username"], "app");
    assert_eq!(doc["password"].as_str().unwrap().len(), 32);
    let plain = create(&c, "first/token", "plain-old-value").await;
    rotate_with_builtin("first/token", 3).await;
    assert_rotated(&server, &c, "first/token", &plain, &token(3)).await;
    assert_eq!(value(&c, "first/token", "AWSCURRENT").await.unwrap().len(), 32);
    let e = error_of(
        c.rotate_secret()
            .secret_id("first/token")
            .rotation_lambda_arn("builtin:postgres-single-user")
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(e.0, "AccessDeniedException");
}

#[tokio::test]
async fn builtin_password_rotates_a_json_key() {
    let config = format!("{}json_key = \"password\"\npassword_length = 40\n", password_config(FN));
    let server = Server::start_with_config(&config);
    let c = server.client();
    let old = create(&c, "app/db", r#"{"username":"app","password":"old"}"#).await;
    let out = c
        .rotate_secret()
        .secret_id("app/db")
        .client_request_token(token(2))
        .rotation_lambda_arn(FN)
        .rotation_rules(
            aws_sdk_secretsmanager::types::RotationRulesType::builder().automatically_after_days(30).build(),
        )
        .send()
        .await
        .unwrap();
    assert!(out.arn().unwrap().contains(":secret:app/db-"));
    assert_rotated(&server, &c, "app/db", &old, &token(2)).await;
    let doc: Value = serde_json::from_str(&value(&c, "app/db", "AWSCURRENT").await.unwrap()).unwrap();
    assert_eq!(doc["username"], "app");
    assert_eq!(doc["password"].as_str().unwrap().len(), 40);
    let d = c.describe_secret().secret_id("app/db").send().await.unwrap();
    assert_eq!(d.rotation_lambda_arn(), Some(FN));
    assert_eq!(d.rotation_rules().unwrap().automatically_after_days(), Some(30));
    // 23:59:59 UTC, 30 days after today.
    let next = d.next_rotation_date().unwrap().secs();
    assert_eq!(next % 86_400, 86_399);
    let last = d.last_rotated_date().unwrap().secs();
    assert_eq!(next / 86_400, last / 86_400 + 30);
    // ListSecrets shows the same rotation fields.
    let listed = c.list_secrets().send().await.unwrap();
    let e = &listed.secret_list()[0];
    assert_eq!((e.rotation_enabled(), e.rotation_lambda_arn()), (Some(true), Some(FN)));
    assert_eq!(e.rotation_rules(), d.rotation_rules());
    assert_eq!((e.last_rotated_date(), e.next_rotation_date()), (d.last_rotated_date(), d.next_rotation_date()));
    let job = &history(&server, "app/db")[0];
    let steps: Vec<&str> = job["steps"].as_array().unwrap().iter().map(|s| s["step"].as_str().unwrap()).collect();
    assert_eq!(steps, ["createSecret", "setSecret", "testSecret", "finishSecret"]);
    assert_eq!(job["attempts"], 1);

    // Rotating again without configuration uses the stored one.
    rotate(&c, "app/db", 3).await;
    let job = finished_job(&server, "app/db").await;
    assert_eq!((job["status"].as_str(), job["token"].as_str()), (Some("succeeded"), Some(token(3).as_str())));
    assert_eq!(history(&server, "app/db").len(), 2);
}

#[tokio::test]
async fn synchronous_errors_change_nothing() {
    let server = Server::start_with_config(&password_config(FN));
    let c = server.client();
    create(&c, "s", "v").await;

    let e = error_of(c.rotate_secret().secret_id("s").client_request_token(token(2)).send().await.unwrap_err());
    assert_eq!(
        e,
        ("InvalidRequestException".into(), "No Lambda rotation function ARN is associated with this secret.".into())
    );

    let missing = "arn:aws:lambda:us-east-1:000000000000:function:nope";
    let rules = aws_sdk_secretsmanager::types::RotationRulesType::builder().automatically_after_days(7).build();
    let e = error_of(
        c.rotate_secret()
            .secret_id("s")
            .client_request_token(token(2))
            .rotation_lambda_arn(missing)
            .rotation_rules(rules)
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(e.0, "AccessDeniedException");
    assert_eq!(
        e.1,
        "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com."
    );
    let d = c.describe_secret().secret_id("s").send().await.unwrap();
    assert_eq!((d.rotation_enabled(), d.rotation_lambda_arn(), d.rotation_rules()), (None, None, None));
    assert_eq!(stages(&c, "s").await.len(), 1);

    let both = aws_sdk_secretsmanager::types::RotationRulesType::builder()
        .automatically_after_days(7)
        .schedule_expression("rate(10 days)")
        .build();
    let e = error_of(
        c.rotate_secret()
            .secret_id("s")
            .client_request_token(token(2))
            .rotation_lambda_arn(FN)
            .rotation_rules(both)
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(
        e,
        (
            "InvalidParameterException".into(),
            "You cannot specify both rotation frequency and schedule expression together.".into()
        )
    );

    let (status, body) = server.raw("RotateSecret", &format!(r#"{{"SecretId":"s","RotationLambdaARN":"{FN}"}}"#));
    assert_eq!(status, 400);
    assert_eq!(body["__type"], "InvalidParameterException");
    assert_eq!(body["Message"], "You must provide a ClientRequestToken value. We recommend a UUID-type value.");

    let e = error_of(c.rotate_secret().secret_id("nope").client_request_token(token(2)).send().await.unwrap_err());
    assert_eq!(e.0, "ResourceNotFoundException");
    let e = error_of(c.cancel_rotate_secret().secret_id("s").send().await.unwrap_err());
    assert_eq!(e.0, "InvalidRequestException");

    c.delete_secret().secret_id("s").send().await.unwrap();
    let e = error_of(
        c.rotate_secret()
            .secret_id("s")
            .client_request_token(token(2))
            .rotation_lambda_arn(FN)
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(e.0, "InvalidRequestException");
    assert!(e.1.contains("marked for deletion"), "{e:?}");
    assert!(history(&server, "s").is_empty());
}

/// The AWS-style Python function through `exec`.
#[tokio::test]
async fn python_function_through_exec() {
    let Some(py) = python() else { return };
    let control = Control::new();
    let server = Server::start_with_config(&exec_config(&py, &control));
    let c = server.client();
    let old = create(&c, "exec/secret", "original").await;
    c.rotate_secret()
        .secret_id("exec/secret")
        .client_request_token(token(2))
        .rotation_lambda_arn(FN)
        .send()
        .await
        .unwrap();
    assert_rotated(&server, &c, "exec/secret", &old, &token(2)).await;
    let done: Vec<String> = control.log().into_iter().filter(|l| l.ends_with(" done")).collect();
    assert_eq!(done.len(), 4, "{done:?}");
    // Every event carried a RotationToken (a UUID, 36 characters).
    let starts: Vec<String> = control.log().into_iter().filter(|l| l.contains(" start ")).collect();
    assert_eq!(starts.len(), 4);
    assert!(starts.iter().all(|l| l.ends_with("rotation-token-length=36")), "{starts:?}");
}

/// The same function behind the `http` executor.
#[tokio::test]
async fn python_function_through_http() {
    let Some(py) = python() else { return };
    let (_control, _host, server) = behind_http(&py);
    let c = server.client();
    let old = create(&c, "http/secret", "original").await;
    c.rotate_secret()
        .secret_id("http/secret")
        .client_request_token(token(2))
        .rotation_lambda_arn(FN)
        .send()
        .await
        .unwrap();
    assert_rotated(&server, &c, "http/secret", &old, &token(2)).await;
}

/// The same function behind the Lambda Invoke API (a test double that
/// checks every request's SigV4 signature with botocore).
#[tokio::test]
async fn python_function_through_lambda_invoke() {
    let Some(py) = python() else { return };
    let control = Control::new();
    let (_host, url) = function_host(&py, "lambda", &control);
    let config = format!(
        "{FAST_RETRIES}[[function]]\narn = \"{FN}\"\ntype = \"lambda\"\nendpoint = \"{url}\"\naccess_key_id = \"AKIDLAMBDATEST\"\nsecret_access_key = \"lambda/test/secret\"\n"
    );
    let server = Server::start_with_config(&config);
    control.set("endpoint", &server.url());
    let c = server.client();
    let old = create(&c, "lambda/secret", "original").await;
    c.rotate_secret()
        .secret_id("lambda/secret")
        .client_request_token(token(2))
        .rotation_lambda_arn(FN)
        .send()
        .await
        .unwrap();
    assert_rotated(&server, &c, "lambda/secret", &old, &token(2)).await;

    // A function error comes back as X-Amz-Function-Error and fails the step.
    control.set("fail-setSecret", "");
    rotate(&c, "lambda/secret", 3).await;
    let job = finished_job(&server, "lambda/secret").await;
    assert_eq!(job["status"], "failed");
    assert_eq!(
        job["last_error"].as_str().unwrap(),
        format!(
            "Error when executing lambda {FN} during setSecret step: the function reported an error (Unhandled) (its output is in the function log)"
        )
    );
    assert_eq!(last_output(&job), "RuntimeError: injected failure in setSecret");

    // The function log of that step: Lambda's log tail (what the handler
    // printed, and the traceback) and the error it answered with.
    let logs = function_log(&server, "lambda/secret", &job);
    let set = logs.iter().find(|l| l["Step"] == "setSecret").unwrap_or_else(|| panic!("{logs:?}"));
    let lines = log_lines(set);
    assert!(lines.iter().any(|(s, m)| s == "tail" && m.contains("setSecret for version")), "{lines:?}");
    assert!(lines.iter().any(|(s, m)| s == "tail" && m.contains("RuntimeError")), "{lines:?}");
    assert!(lines.iter().any(|(s, m)| s == "error" && m.contains("injected failure in setSecret")), "{lines:?}");
    assert!(logs.iter().any(|l| l["Step"] == "createSecret"), "a step that succeeded has its log too: {logs:?}");
}

/// The function logs of `job`, newest first (`rekey admin function-logs`).
fn function_log(server: &Server, id: &str, job: &Value) -> Vec<Value> {
    let job = job["id"].as_str().unwrap();
    let out = server.rekey_json(&["admin", "function-logs", "--secret-id", id, "--job", job]);
    out["FunctionLogs"].as_array().unwrap().clone()
}

/// A step log's lines: (stream, message).
fn log_lines(log: &Value) -> Vec<(String, String)> {
    let events = log["Events"].as_array().unwrap_or_else(|| panic!("no events: {log}"));
    events.iter().map(|e| (e["Stream"].as_str().unwrap().into(), e["Message"].as_str().unwrap().into())).collect()
}

/// The same function in a long-running awslambdaric worker pulling steps
/// from rekey's Lambda Runtime API.
#[tokio::test]
async fn python_function_through_the_runtime_api() {
    let Some(py) = python() else { return };
    // On loopback as configured by default, and behind a token (which
    // the worker's AWS_LAMBDA_RUNTIME_API carries as a path prefix).
    for token_line in ["", "token = \"worker-token-0123456789\"\n"] {
        let control = Control::new();
        let config = format!(
            "{FAST_RETRIES}[[function]]\narn = \"{FN}\"\ntype = \"runtime\"\nlisten = \"127.0.0.1:0\"\n{token_line}"
        );
        let server = Server::start_with_config(&config);
        let runtime_api = match token_line {
            "" => server.runtimes[FN].clone(),
            _ => format!("{}/worker-token-0123456789", server.runtimes[FN]),
        };
        let worker = Command::new(&py)
            .args(["-m", "awslambdaric", "rotate_generic.lambda_handler"])
            .current_dir(rotation_dir())
            .env("PYTHONPATH", rotation_dir())
            .env("AWS_LAMBDA_RUNTIME_API", &runtime_api)
            .env("SECRETS_MANAGER_ENDPOINT", server.url())
            .env("REKEY_TEST_CONTROL", control.path())
            .env("AWS_REGION", "us-east-1")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "000000000000")
            .env("AWS_SECRET_ACCESS_KEY", "x")
            .stdout(Stdio::null())
            .spawn()
            .expect("start awslambdaric");
        let _worker = Process(worker);
        let c = server.client();
        let old = create(&c, "runtime/secret", "original").await;
        c.rotate_secret()
            .secret_id("runtime/secret")
            .client_request_token(token(2))
            .rotation_lambda_arn(FN)
            .send()
            .await
            .unwrap();
        assert_rotated(&server, &c, "runtime/secret", &old, &token(2)).await;

        // A handler exception is posted to /error and fails the step.
        control.set("fail-testSecret", "");
        rotate(&c, "runtime/secret", 3).await;
        let job = finished_job(&server, "runtime/secret").await;
        assert_eq!(job["status"], "failed");
        assert!(last_output(&job).contains("injected failure in testSecret"), "{job}");
        // The `/error` document is the step's function log.
        let logs = function_log(&server, "runtime/secret", &job);
        let test = logs.iter().find(|l| l["Step"] == "testSecret").unwrap_or_else(|| panic!("{logs:?}"));
        assert!(log_lines(test).iter().any(|(s, m)| s == "error" && m.contains("injected failure")), "{test}");
    }
}

/// A function failing at each step: AWSCURRENT untouched and readable,
/// AWSPENDING left where the function left it, the failure in the history,
/// the next RotateSecret refused until AWSPENDING is removed.
#[tokio::test]
async fn failures_at_each_step() {
    let Some(py) = python() else { return };
    let (control, _host, server) = behind_http(&py);
    let c = server.client();
    let mut n = 10;
    for step in ["createSecret", "setSecret", "testSecret", "finishSecret"] {
        let id = format!("fail/{step}");
        let old = create(&c, &id, "original").await;
        control.set(&format!("fail-{step}"), "");
        let pending = token(n);
        c.rotate_secret().secret_id(&id).client_request_token(&pending).rotation_lambda_arn(FN).send().await.unwrap();
        let job = finished_job(&server, &id).await;
        assert_eq!(job["status"], "failed", "{job}");
        assert_eq!(job["attempts"], 2, "both attempts ran: {job}");
        assert_eq!(
            job["last_error"].as_str().unwrap(),
            format!(
                "Error when executing lambda {FN} during {step} step: the function answered HTTP 500 Internal Server Error (its output is in the function log)"
            )
        );
        assert_eq!(last_output(&job), format!("RuntimeError: injected failure in {step}"));
        let failed: Vec<&Value> = job["steps"].as_array().unwrap().iter().filter(|s| s["error"].is_string()).collect();
        assert_eq!(failed.len(), 2);
        assert!(failed.iter().all(|s| s["step"] == step));

        assert_eq!(value(&c, &id, "AWSCURRENT").await.as_deref(), Some(old.as_str()), "current untouched");
        let s = stages(&c, &id).await;
        assert_eq!(s[&token(1)], ["AWSCURRENT"]);
        assert_eq!(s[&pending], ["AWSPENDING"]);
        // Only after createSecret succeeded does the pending version hold a value.
        assert_eq!(value(&c, &id, "AWSPENDING").await.is_some(), step != "createSecret", "{step}");

        let e = error_of(c.rotate_secret().secret_id(&id).client_request_token(token(n + 1)).send().await.unwrap_err());
        assert_eq!(
            e,
            (
                "InvalidRequestException".into(),
                "A previous rotation isn't complete. That rotation will be reattempted.".into()
            )
        );
        c.update_secret_version_stage()
            .secret_id(&id)
            .version_stage("AWSPENDING")
            .remove_from_version_id(&pending)
            .send()
            .await
            .unwrap();
        control.clear(&format!("fail-{step}"));
        let next = rotate(&c, &id, n + 2).await;
        let job = finished_job(&server, &id).await;
        assert_eq!(job["status"], "succeeded", "{job}");
        assert_eq!(stages(&c, &id).await[&next], ["AWSCURRENT"]);
        n += 10;
    }
}

/// RotateImmediately=false: only testSecret, on a temporary AWSPENDING copy
/// of the current value, and no trace but the configuration.
#[tokio::test]
async fn no_rotate_immediately_only_tests() {
    let Some(py) = python() else { return };
    let (control, _host, server) = behind_http(&py);
    let c = server.client();
    create(&c, "test/only", "original").await;
    let before = stages(&c, "test/only").await;
    let out = c
        .rotate_secret()
        .secret_id("test/only")
        .client_request_token(token(2))
        .rotation_lambda_arn(FN)
        .rotation_rules(
            aws_sdk_secretsmanager::types::RotationRulesType::builder().automatically_after_days(10).build(),
        )
        .rotate_immediately(false)
        .send()
        .await
        .unwrap();
    assert_eq!(out.version_id(), Some(token(2).as_str()));
    let job = finished_job(&server, "test/only").await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["mode"], "test");
    let steps: Vec<&str> = job["steps"].as_array().unwrap().iter().map(|s| s["step"].as_str().unwrap()).collect();
    assert_eq!(steps, ["testSecret"]);
    assert!(
        control.log().contains(&format!("testSecret {} pending-equals-current=True", token(2))),
        "{:?}",
        control.log()
    );

    assert_eq!(stages(&c, "test/only").await, before, "the temporary version is gone");
    let listed = c.list_secret_version_ids().secret_id("test/only").include_deprecated(true).send().await.unwrap();
    assert_eq!(listed.versions().len(), 1);
    assert_eq!(value(&c, "test/only", "AWSCURRENT").await.as_deref(), Some("original"));
    let d = c.describe_secret().secret_id("test/only").send().await.unwrap();
    assert_eq!(d.rotation_enabled(), Some(true));
    assert_eq!(d.rotation_lambda_arn(), Some(FN));
    assert_eq!(d.rotation_rules().unwrap().automatically_after_days(), Some(10));
    assert!(d.last_rotated_date().is_none());
    assert!(d.next_rotation_date().is_some());
}

/// 20 concurrent RotateSecret calls: one rotation, the rest refused; the
/// same token again (or concurrently) creates no second version.
#[tokio::test]
async fn concurrent_rotations_on_one_secret() {
    let Some(py) = python() else { return };
    let (control, _host, server) = behind_http(&py);
    control.set("slow-createSecret", "2");
    let c = server.client();
    create(&c, "busy", "original").await;
    c.rotate_secret().secret_id("busy").rotation_lambda_arn(FN).rotate_immediately(false).send().await.unwrap();
    finished_job(&server, "busy").await;

    let calls = (0..20).map(|i| {
        let c = c.clone();
        tokio::spawn(
            async move { c.rotate_secret().secret_id("busy").client_request_token(token(100 + i)).send().await },
        )
    });
    let mut won = Vec::new();
    let mut refused = 0;
    for (i, call) in calls.enumerate() {
        match call.await.unwrap() {
            Ok(out) => won.push((i, out.version_id().unwrap().to_string())),
            Err(e) => {
                assert_eq!(
                    error_of(e),
                    (
                        "InvalidRequestException".into(),
                        "A previous rotation isn't complete. That rotation will be reattempted.".into()
                    )
                );
                refused += 1;
            }
        }
    }
    assert_eq!((won.len(), refused), (1, 19), "{won:?}");
    let winner = won[0].1.clone();

    // Retries with the winner's token (some concurrent) answer the same and add nothing.
    let retries = (0..5).map(|_| {
        let c = c.clone();
        let t = winner.clone();
        tokio::spawn(async move { c.rotate_secret().secret_id("busy").client_request_token(t).send().await })
    });
    for r in retries {
        assert_eq!(r.await.unwrap().unwrap().version_id(), Some(winner.as_str()));
    }
    let job = finished_job(&server, "busy").await;
    assert_eq!(job["status"], "succeeded");
    assert_eq!(history(&server, "busy").len(), 2, "the configuration test and one rotation");
    let versions = c.list_secret_version_ids().secret_id("busy").include_deprecated(true).send().await.unwrap();
    assert_eq!(versions.versions().len(), 2);
    assert_eq!(stages(&c, "busy").await[&winner], ["AWSCURRENT"]);
}

/// CancelRotateSecret stops the rotation without cleaning up; a manual
/// PutSecretValue abandons one.
#[tokio::test]
async fn cancel_and_abandon() {
    let Some(py) = python() else { return };
    let (control, _host, server) = behind_http(&py);
    control.set("slow-setSecret", "2");
    let c = server.client();
    create(&c, "cancel/me", "original").await;
    let pending = rotate_with(&c, "cancel/me", 2).await;
    let out = c.cancel_rotate_secret().secret_id("cancel/me").send().await.unwrap();
    assert_eq!(out.version_id(), Some(pending.as_str()));
    let job = finished_job(&server, "cancel/me").await;
    assert_eq!(job["status"], "cancelled");
    let d = c.describe_secret().secret_id("cancel/me").send().await.unwrap();
    assert_eq!(d.rotation_enabled(), Some(false));
    assert_eq!(d.rotation_lambda_arn(), Some(FN), "configuration kept");
    assert!(d.next_rotation_date().is_none());
    // The in-flight step ends, and nothing runs after it.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(!control.log().iter().any(|l| l.starts_with("testSecret")), "{:?}", control.log());
    assert_eq!(stages(&c, "cancel/me").await[&pending], ["AWSPENDING"], "no cleanup");
    assert_eq!(value(&c, "cancel/me", "AWSCURRENT").await.as_deref(), Some("original"));

    create(&c, "abandon/me", "original").await;
    let pending = rotate_with(&c, "abandon/me", 3).await;
    c.put_secret_value()
        .secret_id("abandon/me")
        .secret_string("manual")
        .client_request_token(token(4))
        .send()
        .await
        .unwrap();
    let job = finished_job(&server, "abandon/me").await;
    assert_eq!(job["status"], "abandoned");
    let s = stages(&c, "abandon/me").await;
    assert!(!s.values().flatten().any(|l| l == "AWSPENDING"), "{s:?}");
    assert_eq!(value(&c, "abandon/me", "AWSCURRENT").await.as_deref(), Some("manual"));
    assert!(s.get(&pending).is_none_or(|l| l.is_empty()), "{s:?}");
}

/// A manual value change while createSecret runs abandons the rotation;
/// the value createSecret then writes as AWSPENDING is left over and loses
/// the label (it was a race that CI hit now and then).
#[tokio::test]
async fn a_pending_value_written_after_abandonment_is_not_left_pending() {
    let Some(py) = python() else { return };
    let (control, _host, server) = behind_http(&py);
    control.set("slow-createSecret", "2");
    let c = server.client();
    create(&c, "late/pending", "original").await;
    let pending = rotate_with(&c, "late/pending", 2).await;
    // createSecret has checked that its version is AWSPENDING and sleeps.
    let logged = |what: String| {
        wait_for(LONG, &what, || control.log().iter().any(|l| l.starts_with(&what)).then_some(()));
    };
    logged(format!("createSecret {pending} start"));
    c.put_secret_value()
        .secret_id("late/pending")
        .secret_string("manual")
        .client_request_token(token(3))
        .send()
        .await
        .unwrap();
    assert_eq!(finished_job(&server, "late/pending").await["status"], "abandoned");
    // Then createSecret writes its value as AWSPENDING, and returns.
    logged(format!("createSecret {pending} done"));
    let start = std::time::Instant::now();
    let s = loop {
        let s = stages(&c, "late/pending").await;
        if !s.values().flatten().any(|l| l == "AWSPENDING") || start.elapsed() > LONG {
            break s;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(!s.values().flatten().any(|l| l == "AWSPENDING"), "{s:?}");
    assert!(s.get(&pending).is_none_or(|l| l.is_empty()), "{s:?}");
    assert_eq!(value(&c, "late/pending", "AWSCURRENT").await.as_deref(), Some("manual"));
    assert!(!control.log().iter().any(|l| l.starts_with("setSecret")), "nothing runs after: {:?}", control.log());
}

async fn rotate_with(c: &Client, id: &str, n: u64) -> String {
    c.rotate_secret().secret_id(id).client_request_token(token(n)).rotation_lambda_arn(FN).send().await.unwrap();
    token(n)
}

/// SIGKILL between steps; after a restart the rotation completes.
#[tokio::test]
async fn rotation_survives_a_crash_between_steps() {
    let Some(py) = python() else { return };
    let (control, _host, server) = behind_http(&py);
    control.set("slow-setSecret", "1");
    let c = server.client();
    let old = create(&c, "crash", "original").await;
    let pending = rotate_with(&c, "crash", 2).await;
    let created = format!("createSecret {pending} done");
    wait_for(LONG, "createSecret to finish", || control.log().contains(&created).then_some(()));
    let pending_value = value(&c, "crash", "AWSPENDING").await.unwrap();
    // SIGKILL while setSecret runs, and start again on the same store.
    let server = server.restart();
    control.set("endpoint", &server.url());
    let c = server.client();
    assert_rotated(&server, &c, "crash", &old, &pending).await;
    assert_eq!(value(&c, "crash", "AWSCURRENT").await.unwrap(), pending_value, "createSecret's value survived");
    let job = &history(&server, "crash")[0];
    assert_eq!(job["attempts"], 1, "resumed, not restarted: {job}");
    let creates = job["steps"].as_array().unwrap().iter().filter(|s| s["step"] == "createSecret").count();
    assert_eq!(creates, 1, "{job}");
}

/// `exec`: a non-zero exit fails the step with the child's stderr; a step
/// over its timeout is killed and fails.
#[tokio::test]
async fn exec_failures_and_timeouts() {
    let slow = "arn:aws:lambda:us-east-1:000000000000:function:slow";
    let config = format!(
        "[rotation]\nmax_attempts = 1\n[[function]]\narn = \"{FN}\"\ntype = \"exec\"\ncommand = [\"sh\", \"-c\", \"cat >/dev/null; echo broken: $AWS_REGION $SECRETS_MANAGER_ENDPOINT >&2; exit 3\"]\n[[function]]\narn = \"{slow}\"\ntype = \"exec\"\ncommand = [\"sleep\", \"30\"]\ntimeout_seconds = 1\n"
    );
    let server = Server::start_with_config(&config);
    let c = server.client();
    create(&c, "broken", "v").await;
    rotate_with(&c, "broken", 2).await;
    let job = finished_job(&server, "broken").await;
    assert_eq!(job["status"], "failed");
    assert_eq!(
        job["last_error"].as_str().unwrap(),
        format!(
            "Error when executing lambda {FN} during createSecret step: the command failed (exit status: 3) (its output is in the function log)"
        )
    );
    assert_eq!(last_output(&job), format!("broken: us-east-1 {}", server.url()));

    create(&c, "slow", "v").await;
    let started = std::time::Instant::now();
    c.rotate_secret().secret_id("slow").client_request_token(token(2)).rotation_lambda_arn(slow).send().await.unwrap();
    let job = finished_job(&server, "slow").await;
    assert!(started.elapsed() < Duration::from_secs(10), "the child was not left running");
    assert_eq!(
        job["last_error"].as_str().unwrap(),
        format!("Error when executing lambda {slow} during createSecret step: timed out after 1 s")
    );
    assert_eq!(value(&c, "slow", "AWSCURRENT").await.as_deref(), Some("v"));
}

/// Without `--dev`, an `exec` function calls back with temporary
/// credentials of the secret's account's rotation role (signature and
/// session token verified) and the rotation completes.
#[tokio::test]
async fn exec_functions_authenticate_outside_dev_mode() {
    let Some(py) = python() else { return };
    let control = Control::new();
    let server = Server::start_signed_with_config(&exec_config(&py, &control));
    let c = server.admin_client();
    let old = create(&c, "signed/secret", "original").await;
    c.rotate_secret()
        .secret_id("signed/secret")
        .client_request_token(token(2))
        .rotation_lambda_arn(FN)
        .send()
        .await
        .unwrap();
    let start = std::time::Instant::now();
    loop {
        let d = c.describe_secret().secret_id("signed/secret").send().await.unwrap();
        if d.last_rotated_date().is_some() {
            break;
        }
        assert!(start.elapsed() < LONG, "no rotation: {:?}", control.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let current = value(&c, "signed/secret", "AWSCURRENT").await.unwrap();
    assert_ne!(current, old);
    assert_eq!(value(&c, "signed/secret", "AWSPREVIOUS").await.as_deref(), Some(old.as_str()));
}

/// A `runtime` function with a `command`: rekey itself runs the unmodified
/// AWS-style function in two awslambdaric workers, outside dev mode. Each
/// worker calls back with the credentials of the step it holds (the SDK's
/// container credentials provider, pointed at rekey); nobody else gets
/// events or credentials; the workers come back when rekey restarts.
#[tokio::test]
async fn supervised_runtime_workers() {
    let Some(py) = python() else { return };
    let control = Control::new();
    let dir = rotation_dir();
    let config = format!(
        "{FAST_RETRIES}[[function]]\narn = \"{FN}\"\ntype = \"runtime\"\nlisten = \"127.0.0.1:0\"\n\
         command = [{py:?}, \"-m\", \"awslambdaric\", \"rotate_generic.lambda_handler\"]\nworkers = 2\ncwd = {dir:?}\n\
         env = {{ PYTHONPATH = {dir:?}, REKEY_TEST_CONTROL = {:?} }}\n",
        control.path()
    );
    let server = Server::start_logged(false, &config, &[], None);
    let c = server.admin_client();
    let old = create(&c, "workers/secret", "original").await;
    let rotated = |c: Client, n: u64, old: String| async move {
        c.rotate_secret()
            .secret_id("workers/secret")
            .client_request_token(token(n))
            .rotation_lambda_arn(FN)
            .send()
            .await
            .unwrap();
        let start = std::time::Instant::now();
        loop {
            let current = value(&c, "workers/secret", "AWSCURRENT").await.unwrap();
            if current != old {
                assert_eq!(value(&c, "workers/secret", "AWSPREVIOUS").await.as_deref(), Some(old.as_str()));
                return current;
            }
            assert!(start.elapsed() < LONG, "no rotation");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let second = rotated(c.clone(), 2, old.clone()).await;
    assert!(control.log().contains(&format!("finishSecret {} done", token(2))), "{:?}", control.log());
    // What the workers print is kept nowhere (it could not be told which
    // step's it is); a step that succeeded leaves no log.
    let root = common::Keys::admin(&server);
    let (_, logs) = server.signed(&root, "rekey.ListFunctionLogs", &serde_json::json!({"SecretId": "workers/secret"}));
    assert_eq!(logs["FunctionLogs"], serde_json::json!([]), "{logs}");
    // Nothing is open to anyone else: no unprefixed paths, no credentials
    // without a worker's token, none for a made-up token.
    let api = server.runtimes[FN].clone();
    let get = |path: &str, auth: Option<&str>| {
        let mut s = std::net::TcpStream::connect(&api).unwrap();
        let auth = auth.map(|a| format!("Authorization: {a}\r\n")).unwrap_or_default();
        std::io::Write::write_all(
            &mut s,
            format!("GET {path} HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n").as_bytes(),
        )
        .unwrap();
        let mut out = String::new();
        std::io::Read::read_to_string(&mut s, &mut out).unwrap();
        out.lines().next().unwrap_or_default().to_string()
    };
    assert!(get("/2018-06-01/runtime/invocation/next", None).contains(" 404 "));
    assert!(get("/made-up-token/2018-06-01/runtime/invocation/next", None).contains(" 403 "));
    assert!(get("/credentials", None).contains(" 403 "));
    assert!(get("/credentials", Some("made-up-token")).contains(" 403 "));
    // The log is plain text (not a terminal) and holds none of what the workers saw.
    let log = server.log();
    assert!(!log.contains('\u{1b}'), "colour codes in the log");
    assert!(!log.contains(&second) && !log.contains(&old));

    // Killed outright and started again: new workers, and rotation goes on.
    let server = server.restart_signed();
    let c = server.admin_client();
    rotated(c, 3, second).await;
}

/// SIGTERM while a step runs: the server stops at once (the step is not
/// waited for), gives up the job's lease, and another node (another
/// `node_id`) takes the job over straight away, where it stood; without
/// the release it would wait for the lease to expire (the step's 60 s
/// timeout and a margin).
#[tokio::test]
async fn sigterm_releases_rotation_leases() {
    let Some(py) = python() else { return };
    let control = Control::new();
    let node =
        |name: &str| exec_config(&py, &control).replace("[rotation]\n", &format!("[rotation]\nnode_id = \"{name}\"\n"));
    let server = Server::start_with_config(&node("first"));
    let c = server.client();
    let old = create(&c, "sigterm/secret", "original").await;
    control.set("slow-setSecret", "30");
    c.rotate_secret()
        .secret_id("sigterm/secret")
        .client_request_token(token(2))
        .rotation_lambda_arn(FN)
        .send()
        .await
        .unwrap();
    wait_for(LONG, "setSecret to start", || {
        control.log().iter().any(|l| l.starts_with("setSecret") && l.contains(" start")).then_some(())
    });
    control.clear("slow-setSecret");
    let server = server.stop_and_start_with(&node("second"), Duration::from_secs(15));
    let c = server.client();
    let start = std::time::Instant::now();
    let job = finished_job(&server, "sigterm/secret").await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert!(start.elapsed() < Duration::from_secs(30), "taken over at once, not after the lease expired");
    assert_rotated(&server, &c, "sigterm/secret", &old, &token(2)).await;
}
