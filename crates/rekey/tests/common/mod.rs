//! Test harness: a real `rekey serve --dev` on an ephemeral port with a
//! temporary data directory, and clients for it (the Rust AWS SDK, raw
//! HTTP, the `aws` CLI).

#![allow(dead_code)]

pub mod cluster;
pub mod databases;
pub mod rotation;
pub mod signed;
pub mod web;

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running server.
pub struct Server {
    child: Child,
    pub addr: String,
    /// `http` or `https`.
    pub scheme: String,
    pub data_dir: PathBuf,
    /// Lambda Runtime API addresses, by function ARN.
    pub runtimes: std::collections::HashMap<String, String>,
    config: Option<PathBuf>,
    _tmp: Option<tempfile::TempDir>,
}

pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_rekey")
}

/// Runs `rekey serve` with `args` to completion, for start-up failures.
pub fn serve_failing(data_dir: &Path, extra_env: &[(&str, &str)]) -> (bool, String) {
    let out = Command::new(binary())
        .args(["serve", "--dev", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .envs(extra_env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rekey");
    wait_timeout(out, Duration::from_secs(10))
}

/// Runs `rekey serve --dev` with this configuration, for start-up
/// failures: (whether it exited successfully, its stderr); a server that
/// starts is stopped after 10 s and counts as a success.
pub fn serve_config_failing(config: &str) -> (bool, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("rekey.toml"), config).expect("write config");
    let child = Command::new(binary())
        .args(["serve", "--dev", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path().join("data"))
        .arg("--config")
        .arg(dir.path().join("rekey.toml"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rekey");
    wait_timeout(child, Duration::from_secs(10))
}

fn wait_timeout(mut child: Child, limit: Duration) -> (bool, String) {
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
            return (status.success(), err);
        }
        if start.elapsed() > limit {
            child.kill().ok();
            child.wait().ok();
            return (true, "still running (it started)".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl Server {
    /// Starts a server on a fresh temporary data directory.
    pub fn start() -> Server {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut s = Server::start_in(tmp.path());
        s._tmp = Some(tmp);
        s
    }

    /// Starts a server on `data_dir` (which may hold an existing store).
    pub fn start_in(data_dir: &Path) -> Server {
        Server::launch(data_dir, None, true, &[])
    }

    /// Starts a server without `--dev` on a fresh data directory, with
    /// extra `rekey serve` arguments.
    pub fn start_signed(extra: &[&str]) -> Server {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut s = Server::launch(&tmp.path().join("data"), None, false, extra);
        s._tmp = Some(tmp);
        s
    }

    /// Starts a `--dev` server on `data_dir` (which may hold an existing
    /// store) with extra `rekey serve` arguments.
    pub fn start_in_with(data_dir: &Path, extra: &[&str]) -> Server {
        Server::launch(data_dir, None, true, extra)
    }

    /// Starts a server without `--dev` on `data_dir` with extra `rekey
    /// serve` arguments.
    pub fn start_signed_in(data_dir: &Path, extra: &[&str]) -> Server {
        Server::launch(data_dir, None, false, extra)
    }

    /// Starts a `--dev` server with extra `rekey serve` arguments.
    pub fn start_dev_with(extra: &[&str]) -> Server {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut s = Server::launch(&tmp.path().join("data"), None, true, extra);
        s._tmp = Some(tmp);
        s
    }

    /// Starts a server without `--dev` (every request signed) with this
    /// configuration; its administrator profile is `admin_credentials()`.
    pub fn start_signed_with_config(config: &str) -> Server {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("rekey.toml");
        std::fs::write(&path, config).expect("write config");
        let mut s = Server::launch(&tmp.path().join("data"), Some(path), false, &[]);
        s._tmp = Some(tmp);
        s
    }

    /// The administrator credentials file a server without `--dev` wrote.
    pub fn admin_credentials(&self) -> PathBuf {
        self.data_dir.join("admin-credentials")
    }

    /// Starts a server on a fresh data directory with this configuration
    /// file content.
    pub fn start_with_config(config: &str) -> Server {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("rekey.toml");
        std::fs::write(&path, config).expect("write config");
        let mut s = Server::launch(&tmp.path().join("data"), Some(path), true, &[]);
        s._tmp = Some(tmp);
        s
    }

    /// Starts again on the same data directory and configuration.
    pub fn restart(mut self) -> Server {
        let tmp = self._tmp.take();
        let (data_dir, config) = (self.data_dir.clone(), self.config.clone());
        self.kill();
        let mut s = Server::launch(&data_dir, config, true, &[]);
        s._tmp = tmp;
        s
    }

    /// Starts again without `--dev`, on the same data directory and
    /// configuration, after killing this one outright.
    pub fn restart_signed(self) -> Server {
        self.restart_signed_after(|_| {})
    }

    /// Like [`restart_signed`](Self::restart_signed), doing `between` to the
    /// data directory while no server runs.
    pub fn restart_signed_after(mut self, between: impl FnOnce(&Path)) -> Server {
        let tmp = self._tmp.take();
        let (data_dir, config) = (self.data_dir.clone(), self.config.clone());
        self.kill();
        between(&data_dir);
        let mut s = Server::launch(&data_dir, config, false, &[]);
        s._tmp = tmp;
        s
    }

    /// Starts a server (`--dev` or not) on a fresh data directory with
    /// this configuration and extra arguments, its log (stderr) kept in a
    /// file ([`log`](Self::log)) and, with `umask`, under that umask.
    pub fn start_logged(dev: bool, config: &str, extra: &[&str], umask: Option<u32>) -> Server {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("rekey.toml");
        std::fs::write(&path, config).expect("write config");
        let log = tmp.path().join("server.log");
        let mut s = Server::launch_with(&tmp.path().join("data"), Some(path), dev, extra, Some(log), umask);
        s._tmp = Some(tmp);
        s
    }

    /// What a server started by [`start_logged`](Self::start_logged) wrote to its log so far.
    pub fn log(&self) -> String {
        let path = self._tmp.as_ref().expect("a logged server").path().join("server.log");
        String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned()
    }

    fn launch(data_dir: &Path, config: Option<PathBuf>, dev: bool, extra: &[&str]) -> Server {
        Server::launch_with(data_dir, config, dev, extra, None, None)
    }

    fn launch_with(
        data_dir: &Path,
        config: Option<PathBuf>,
        dev: bool,
        extra: &[&str],
        log_file: Option<PathBuf>,
        umask: Option<u32>,
    ) -> Server {
        let mut cmd = Command::new(binary());
        cmd.arg("serve");
        if dev {
            cmd.arg("--dev");
        }
        cmd.args(["--listen", "127.0.0.1:0", "--purge-interval", "1", "--data-dir"]).arg(data_dir);
        if let Some(c) = &config {
            cmd.arg("--config").arg(c);
        }
        cmd.args(extra);
        // REKEY_TEST_LOG=debug shows a test's server log.
        let log = std::env::var("REKEY_TEST_LOG").ok();
        let stderr = match (&log_file, &log) {
            (Some(path), _) => Stdio::from(std::fs::File::create(path).expect("log file")),
            (None, Some(_)) => Stdio::inherit(),
            (None, None) => Stdio::null(),
        };
        if let Some(mask) = umask {
            use std::os::unix::process::CommandExt;
            // SAFETY: umask is async-signal-safe; the child calls nothing else before exec.
            unsafe {
                cmd.pre_exec(move || {
                    libc::umask(mask as libc::mode_t);
                    Ok(())
                });
            }
        }
        // A logged server logs everything (debug), to show what reaches the log.
        let level = log.as_deref().unwrap_or(if log_file.is_some() { "debug" } else { "warn" });
        let mut child = cmd.env("REKEY_LOG", level).stdout(Stdio::piped()).stderr(stderr).spawn().expect("spawn rekey");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut runtimes = std::collections::HashMap::new();
        let (scheme, addr) = loop {
            let mut line = String::new();
            out.read_line(&mut line).expect("read address");
            if let Some((scheme, a)) = line.trim().strip_prefix("rekey listening on ").and_then(|u| u.split_once("://"))
            {
                break (scheme.to_string(), a.to_string());
            }
            let Some((arn, at)) = line.trim().strip_prefix("rekey runtime API for ").and_then(|l| l.split_once(" on "))
            else {
                panic!("unexpected: {line:?}")
            };
            runtimes.insert(arn.to_string(), at.to_string());
        };
        Server { child, addr, scheme, data_dir: data_dir.to_path_buf(), runtimes, config, _tmp: None }
    }

    /// Runs `rekey <args>` against this server (`--endpoint-url` added):
    /// the parsed JSON it prints.
    pub fn rekey_json(&self, args: &[&str]) -> serde_json::Value {
        let out = Command::new(binary()).args(args).args(["--endpoint-url", &self.url()]).output().expect("run rekey");
        assert!(out.status.success(), "rekey {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("JSON output")
    }

    /// `http://127.0.0.1:PORT` (`https://localhost:PORT` over TLS, the
    /// name its certificate carries).
    pub fn url(&self) -> String {
        match self.scheme.as_str() {
            "https" => format!("https://{}", self.addr.replace("127.0.0.1", "localhost")),
            _ => format!("http://{}", self.addr),
        }
    }

    /// An SDK client for region us-east-1 and the default account.
    pub fn client(&self) -> Client {
        self.client_as("AKIDEXAMPLE", "us-east-1")
    }

    /// An SDK client with a given access key id and region.
    pub fn client_as(&self, access_key: &str, region: &str) -> Client {
        self.client_with(&Keys { id: access_key.into(), secret: "secret".into(), token: None }, region)
    }

    /// An SDK client signing with `keys`, in `region`.
    pub fn client_with(&self, keys: &Keys, region: &str) -> Client {
        let credentials = Credentials::new(&keys.id, &keys.secret, keys.token.clone(), None, "test");
        let config = aws_sdk_secretsmanager::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(self.url())
            .region(Region::new(region.to_string()))
            .credentials_provider(credentials)
            .build();
        Client::from_conf(config)
    }

    /// An SDK client with the administrator's keys of a server started
    /// without `--dev`, in us-east-1.
    pub fn admin_client(&self) -> Client {
        self.client_with(&Keys::admin(self), "us-east-1")
    }

    /// SIGKILL: no chance to flush or clean up.
    pub fn kill(mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }

    /// SIGKILL, keeping the handle (a node of a cluster stays in its place).
    pub fn sigkill(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the server to exit (after a signal the test sent).
    pub fn wait(mut self) -> std::process::ExitStatus {
        self.child.wait().expect("wait for rekey")
    }

    /// SIGTERM and wait.
    pub fn stop(mut self) {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        self.child.wait().ok();
    }

    /// SIGTERM; once it has exited (successfully, within `limit`), starts
    /// again (`--dev`) on the same data directory with `config` instead.
    pub fn stop_and_start_with(mut self, config: &str, limit: Duration) -> Server {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let start = std::time::Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(start.elapsed() < limit, "still running {limit:?} after SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(status.success(), "SIGTERM ends the server cleanly: {status}");
        let path = self.config.clone().expect("a server with a configuration file");
        std::fs::write(&path, config).expect("write config");
        let mut s = Server::launch(&self.data_dir, Some(path), true, &[]);
        s._tmp = self._tmp.take();
        s
    }

    /// `GET path` (the probes, `/metrics`): (status, body).
    pub fn get(&self, path: &str) -> (u16, String) {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        let status = answer[9..12].parse().unwrap();
        (status, answer.split("\r\n\r\n").nth(1).unwrap_or_default().to_string())
    }

    /// Raw awsJson1.1 call: (status, parsed body).
    pub fn raw(&self, op: &str, body: &str) -> (u16, serde_json::Value) {
        self.raw_request(op, body, "")
    }

    /// Raw call with a credential scope: `access_key` (12 digits select an
    /// account in `--dev`) in `region`.
    pub fn raw_as(&self, op: &str, body: &str, access_key: &str, region: &str) -> (u16, serde_json::Value) {
        let auth = format!(
            "Authorization: AWS4-HMAC-SHA256 Credential={access_key}/20260101/{region}/secretsmanager/aws4_request, SignedHeaders=host, Signature=0\r\n"
        );
        self.raw_request(op, body, &auth)
    }

    fn raw_request(&self, op: &str, body: &str, extra_headers: &str) -> (u16, serde_json::Value) {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        write!(
            s,
            "POST / HTTP/1.1\r\nHost: {}\r\nX-Amz-Target: secretsmanager.{op}\r\nContent-Type: application/x-amz-json-1.1\r\n{extra_headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.addr,
            body.len()
        )
        .unwrap();
        let mut resp = String::new();
        s.read_to_string(&mut resp).unwrap();
        let status: u16 = resp[9..12].parse().unwrap();
        let body = resp.split("\r\n\r\n").nth(1).unwrap_or_default();
        (status, serde_json::from_str(body).unwrap_or(serde_json::Value::Null))
    }
}

/// Credentials to sign raw requests with.
#[derive(Debug, Clone)]
pub struct Keys {
    pub id: String,
    pub secret: String,
    pub token: Option<String>,
}

impl Keys {
    /// The administrator's (the admin account's root), from the
    /// credentials file a signed server wrote.
    pub fn admin(server: &Server) -> Keys {
        let text = std::fs::read_to_string(server.admin_credentials()).expect("admin credentials");
        let field = |name: &str| text.lines().find_map(|l| l.strip_prefix(name)).expect(name).to_string();
        Keys { id: field("aws_access_key_id = "), secret: field("aws_secret_access_key = "), token: None }
    }

    /// From an answer's `AccessKey` or `Credentials` object.
    pub fn from_json(v: &serde_json::Value) -> Keys {
        let s = |k: &str| v[k].as_str().map(str::to_string);
        Keys {
            id: s("AccessKeyId").expect("AccessKeyId"),
            secret: s("SecretAccessKey").expect("SecretAccessKey"),
            token: s("SessionToken"),
        }
    }
}

impl Server {
    /// A call of `target` (`secretsmanager.<Op>` or `rekey.<Op>`) signed
    /// with `keys` for `region` by rekey's own SigV4 signer: (status, body).
    pub fn signed_in(
        &self,
        keys: &Keys,
        region: &str,
        target: &str,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        self.signed_raw(keys, region, target, body.to_string().as_bytes())
    }

    /// [`signed_in`](Self::signed_in) with a body of any bytes.
    pub fn signed_raw(&self, keys: &Keys, region: &str, target: &str, body: &[u8]) -> (u16, serde_json::Value) {
        use rekey_sigv4::{Credentials, Request, sign};
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
        let creds = Credentials {
            access_key_id: keys.id.clone(),
            secret_access_key: zeroize::Zeroizing::new(keys.secret.clone()),
            session_token: keys.token.clone(),
        };
        let headers = vec![
            ("host".to_string(), self.addr.clone()),
            ("content-type".to_string(), "application/x-amz-json-1.1".to_string()),
            ("x-amz-target".to_string(), target.to_string()),
        ];
        let signed = sign(Request { method: "POST", path: "/", headers, body }, &creds, region, "secretsmanager", now);
        self.send(&signed, body)
    }

    /// [`signed_in`](Self::signed_in) us-east-1.
    pub fn signed(&self, keys: &Keys, target: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        self.signed_in(keys, "us-east-1", target, body)
    }

    /// `POST /` with exactly these headers (Content-Length and Connection
    /// added) and body: (status, parsed body).
    pub fn send(&self, headers: &[(String, String)], body: &[u8]) -> (u16, serde_json::Value) {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        let mut head = String::from("POST / HTTP/1.1\r\n");
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", body.len()));
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(body).unwrap();
        let mut resp = String::new();
        s.read_to_string(&mut resp).unwrap();
        let status: u16 = resp[9..12].parse().unwrap();
        let body = resp.split("\r\n\r\n").nth(1).unwrap_or_default();
        (status, serde_json::from_str(body).unwrap_or(serde_json::Value::Null))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// The error type and message of a failed SDK call.
pub fn error_of<E, R>(err: aws_sdk_secretsmanager::error::SdkError<E, R>) -> (String, String)
where
    E: aws_sdk_secretsmanager::error::ProvideErrorMetadata,
{
    use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
    (err.code().unwrap_or_default().to_string(), err.message().unwrap_or_default().to_string())
}

/// VersionIdsToStages of a secret, each version's labels sorted.
pub async fn stages(client: &Client, id: &str) -> std::collections::BTreeMap<String, Vec<String>> {
    let d = client.describe_secret().secret_id(id).send().await.unwrap();
    d.version_ids_to_stages()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|(k, mut v)| {
            v.sort();
            (k, v)
        })
        .collect()
}

/// A 36-character client request token derived from `n`.
pub fn token(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// The `aws` CLI, if installed (the test script installs it into a venv).
/// In CI (`REKEY_REQUIRE_SERVICES=1`) a missing CLI fails the test.
pub fn aws_cli() -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|p| p.join("aws")).find(|p| p.is_file()));
    if found.is_none() {
        assert!(
            std::env::var("REKEY_REQUIRE_SERVICES").as_deref() != Ok("1"),
            "the aws CLI is required (REKEY_REQUIRE_SERVICES=1) but not on PATH"
        );
        eprintln!("skipping: the aws CLI is not on PATH (run the tests through scripts/test)");
    }
    found
}

/// The modules of `tests/requirements.txt` the Python tests import.
const PYTHON_MODULES: &str = "import boto3, awslambdaric, pymysql, prometheus_client";

/// A Python with the test requirements: the repository's venv (or
/// `REKEY_VENV`'s), which `scripts/test` creates, else the first `python3`
/// on PATH that has them all. A Python with boto3 alone would run some
/// tests and time out in others (the Lambda runtime client), so it is
/// passed over. In CI (`REKEY_REQUIRE_SERVICES=1`) none fails the test.
pub fn python() -> Option<PathBuf> {
    let venv = std::env::var_os("REKEY_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv"));
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).map(|p| p.join("python3")).collect::<Vec<_>>())
        .unwrap_or_default();
    let found = std::iter::once(venv.join("bin/python3")).chain(on_path).find(|p| {
        p.is_file()
            && Command::new(p).args(["-c", PYTHON_MODULES]).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
    });
    if found.is_none() {
        assert!(
            std::env::var("REKEY_REQUIRE_SERVICES").as_deref() != Ok("1"),
            "python3 with tests/requirements.txt is required (REKEY_REQUIRE_SERVICES=1) but neither the venv nor PATH has one"
        );
        eprintln!("skipping: no python3 with tests/requirements.txt (run the tests through scripts/test)");
    }
    found
}

/// The repository's `tests/rotation` directory (rotation functions).
pub fn rotation_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/rotation")
}

/// Polls `f` every 50 ms until it returns `Some`, for at most `limit`.
pub fn wait_for<T>(limit: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = std::time::Instant::now();
    loop {
        if let Some(t) = f() {
            return t;
        }
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
