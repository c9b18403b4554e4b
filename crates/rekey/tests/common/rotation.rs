//! What the rotation tests share: the Python test function's control
//! directory and hosts, configurations for each executor, and reading a
//! secret's rotation history and function logs back.

use super::{Server, rotation_dir, stages, token};
use aws_sdk_secretsmanager::Client;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const FN: &str = "arn:aws:lambda:us-east-1:000000000000:function:rotate-test";
pub const LONG: Duration = Duration::from_secs(60);

/// A helper process (function host or runtime worker), killed on drop.
pub struct Process(pub Child);

impl Drop for Process {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// The control directory of the test function (see rotate_generic.py).
pub struct Control(tempfile::TempDir);

impl Control {
    pub fn new() -> Control {
        Control(tempfile::tempdir().unwrap())
    }
    pub fn path(&self) -> &Path {
        self.0.path()
    }
    pub fn set(&self, name: &str, content: &str) {
        std::fs::write(self.path().join(name), content).unwrap();
    }
    pub fn clear(&self, name: &str) {
        std::fs::remove_file(self.path().join(name)).ok();
    }
    pub fn log(&self) -> Vec<String> {
        std::fs::read_to_string(self.path().join("log")).unwrap_or_default().lines().map(str::to_string).collect()
    }
}

/// Starts `function_host.py <mode>`; returns it and its URL.
pub fn function_host(py: &Path, mode: &str, control: &Control) -> (Process, String) {
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
pub const FAST_RETRIES: &str = "[rotation]\nmax_attempts = 2\nretry_base_ms = 100\n";

pub fn exec_config(py: &Path, control: &Control) -> String {
    format!(
        "{FAST_RETRIES}[[function]]\narn = \"{FN}\"\ntype = \"exec\"\ncommand = [{:?}, {:?}, \"rotate_generic.lambda_handler\"]\nenv = {{ REKEY_TEST_CONTROL = {:?} }}\n",
        py.display().to_string(),
        rotation_dir().join("run_exec.py").display().to_string(),
        control.path().display().to_string(),
    )
}

pub fn http_config(url: &str) -> String {
    format!("{FAST_RETRIES}[[function]]\narn = \"{FN}\"\ntype = \"http\"\nurl = \"{url}/\"\ntimeout_seconds = 30\n")
}

/// The test function behind the `http` executor, and a server using it.
pub fn behind_http(py: &Path) -> (Control, Process, Server) {
    let control = Control::new();
    let (host, url) = function_host(py, "http", &control);
    let server = Server::start_with_config(&http_config(&url));
    control.set("endpoint", &server.url());
    (control, host, server)
}

pub fn password_config(arn: &str) -> String {
    format!("[[function]]\narn = \"{arn}\"\ntype = \"builtin:password\"\n")
}

pub async fn value(c: &Client, id: &str, stage: &str) -> Option<String> {
    c.get_secret_value().secret_id(id).version_stage(stage).send().await.ok().map(|v| v.secret_string().unwrap().into())
}

/// The rotation history of a secret, through `rekey admin rotations`.
pub fn history(server: &Server, id: &str) -> Vec<Value> {
    server.rekey_json(&["admin", "rotations", "--secret-id", id])["Rotations"].as_array().unwrap().clone()
}

/// Waits until the newest job of `id` has left `active`; returns it.
pub async fn finished_job(server: &Server, id: &str) -> Value {
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
pub fn last_output(job: &Value) -> String {
    let steps = job["steps"].as_array().unwrap();
    let failed = steps.iter().rev().find(|s| s["error"].is_string()).unwrap_or_else(|| panic!("no failed step: {job}"));
    failed["output"].as_str().unwrap_or_else(|| panic!("no output: {job}")).to_string()
}

pub async fn create(c: &Client, name: &str, value: &str) -> String {
    c.create_secret().name(name).secret_string(value).client_request_token(token(1)).send().await.unwrap();
    value.to_string()
}

/// A completed rotation: the new value is AWSCURRENT, the old one
/// AWSPREVIOUS, no AWSPENDING left, the job and dates recorded.
pub async fn assert_rotated(server: &Server, c: &Client, id: &str, old: &str, pending: &str) {
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

pub async fn rotate(c: &Client, id: &str, n: u64) -> String {
    let out = c.rotate_secret().secret_id(id).client_request_token(token(n)).send().await.unwrap();
    assert_eq!(out.version_id(), Some(token(n).as_str()));
    assert_eq!(out.name(), Some(id));
    token(n)
}

/// The function logs of `job`, newest first (`rekey admin function-logs`).
pub fn function_log(server: &Server, id: &str, job: &Value) -> Vec<Value> {
    let job = job["id"].as_str().unwrap();
    let out = server.rekey_json(&["admin", "function-logs", "--secret-id", id, "--job", job]);
    out["FunctionLogs"].as_array().unwrap().clone()
}

/// A step log's lines: (stream, message).
pub fn log_lines(log: &Value) -> Vec<(String, String)> {
    let events = log["Events"].as_array().unwrap_or_else(|| panic!("no events: {log}"));
    events.iter().map(|e| (e["Stream"].as_str().unwrap().into(), e["Message"].as_str().unwrap().into())).collect()
}

pub async fn rotate_with(c: &Client, id: &str, n: u64) -> String {
    c.rotate_secret().secret_id(id).client_request_token(token(n)).rotation_lambda_arn(FN).send().await.unwrap();
    token(n)
}
