//! Rotation through each executor: a Python rotation function written
//! the way AWS documents them, run by `exec`, behind `http`, behind the
//! Lambda Invoke API (a double that checks every SigV4 signature), pulled
//! by awslambdaric workers from rekey's Runtime API (started by hand, and
//! supervised by rekey); their failures, timeouts and credentials.

mod common;

use aws_sdk_secretsmanager::Client;
use common::rotation::*;
use common::{Server, python, rotation_dir, token};
use std::process::{Command, Stdio};
use std::time::Duration;

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
/// container credentials provider, pointed at rekey); what a worker
/// prints is the log of the step it holds, never another's; nobody else
/// gets events or credentials; the workers come back when rekey restarts.
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
    let other_old = create(&c, "workers/other", "original").await;
    let rotated = |c: Client, id: &'static str, n: u64, old: String| async move {
        c.rotate_secret().secret_id(id).client_request_token(token(n)).rotation_lambda_arn(FN).send().await.unwrap();
        let start = std::time::Instant::now();
        loop {
            let current = value(&c, id, "AWSCURRENT").await.unwrap();
            if current != old {
                assert_eq!(value(&c, id, "AWSPREVIOUS").await.as_deref(), Some(old.as_str()));
                return current;
            }
            assert!(start.elapsed() < LONG, "no rotation");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    // Two secrets at once, their steps spread over the two workers.
    let (second, _) = tokio::join!(
        rotated(c.clone(), "workers/secret", 2, old.clone()),
        rotated(c.clone(), "workers/other", 2, other_old)
    );
    assert!(control.log().contains(&format!("finishSecret {} done", token(2))), "{:?}", control.log());
    // What the workers printed is each step's function log: every step's
    // own line, and none of the other secret's.
    let root = common::Keys::admin(&server);
    for (id, not) in [("workers/secret", ":workers/other-"), ("workers/other", ":workers/secret-")] {
        let (_, logs) = server.signed(&root, "rekey.ListFunctionLogs", &serde_json::json!({"SecretId": id}));
        let logs = logs["FunctionLogs"].as_array().unwrap_or_else(|| panic!("{logs}"));
        for step in ["createSecret", "setSecret", "testSecret", "finishSecret"] {
            let log = logs.iter().find(|l| l["Step"] == step).unwrap_or_else(|| panic!("{id} {step}: {logs:?}"));
            let lines = log_lines(log);
            let own = format!(":{id}-");
            assert!(
                lines
                    .iter()
                    .any(|(s, m)| s == "stdout" && m.starts_with("rotating ") && m.contains(&own) && m.contains(step)),
                "{id} {step}: {lines:?}"
            );
            assert!(lines.iter().all(|(_, m)| !m.contains(not)), "{id} {step}: {lines:?}");
        }
    }
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
    rotated(c, "workers/secret", 3, second).await;
}
