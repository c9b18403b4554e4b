//! `rekey serve`'s options from the configuration file's `[server]`
//! table, the environment and flags (flag over variable over file), and
//! the JSON log, whose lines name the request they were logged for.

mod common;

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// Starts `rekey serve --config <file>` with `env` and `flags`; returns it
/// and its address.
fn serve(config: &std::path::Path, env: &[(&str, &str)], flags: &[&str], log: &std::path::Path) -> (Running, String) {
    let mut child = Command::new(common::binary())
        .args(["serve", "--config"])
        .arg(config)
        .args(flags)
        .envs(env.iter().copied())
        .env("REKEY_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let addr = line.trim().strip_prefix("rekey listening on http://").unwrap_or_else(|| panic!("{line:?}")).to_string();
    (Running(child), addr)
}

/// CreateSecret with no credential scope: (request id, the new ARN).
fn create(addr: &str, name: &str) -> (String, String) {
    let body = format!(
        r#"{{"Name": "{name}", "SecretString": "v", "ClientRequestToken": "00000000-0000-4000-8000-000000000001"}}"#
    );
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST / HTTP/1.1\r\nHost: {addr}\r\nX-Amz-Target: secretsmanager.CreateSecret\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let id = answer
        .lines()
        .find_map(|l| l.strip_prefix("x-amzn-requestid: ").or_else(|| l.strip_prefix("x-amzn-RequestId: ")))
        .unwrap_or_else(|| panic!("{answer}"))
        .trim()
        .to_string();
    let json: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    (id, json["ARN"].as_str().unwrap_or_else(|| panic!("{answer}")).to_string())
}

#[test]
fn options_come_from_flags_then_environment_then_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("rekey.toml");
    let data = dir.path().join("data");
    std::fs::write(
        &config,
        format!(
            "[server]\nlisten = \"127.0.0.1:0\"\ndev = true\nregion = \"eu-west-1\"\ndata_dir = {:?}\nlog_format = \"json\"\n",
            data.display().to_string()
        ),
    )
    .unwrap();
    let log = dir.path().join("log");
    let region_of = |arn: &str| arn.split(':').nth(3).unwrap().to_string();

    let (server, addr) = serve(&config, &[], &[], &log);
    assert!(data.join("rekey.db").exists(), "data_dir from the file");
    let (request, arn) = create(&addr, "from-the-file");
    assert_eq!(region_of(&arn), "eu-west-1");
    drop(server);
    // The JSON log: every line an object; the request's lines carry its id.
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let answered =
        lines.iter().find(|l| l["fields"]["message"] == "answered").unwrap_or_else(|| panic!("no access line: {text}"));
    assert_eq!(answered["spans"][0]["name"], "request", "{answered}");
    assert_eq!(answered["spans"][0]["id"], request.as_str(), "{answered}");
    assert_eq!(answered["fields"]["operation"], "CreateSecret");
    assert!(!text.contains("\"v\""), "no value in the log");

    let (server, addr) = serve(&config, &[("REKEY_REGION", "ap-south-1")], &[], &log);
    assert_eq!(region_of(&create(&addr, "from-the-environment").1), "ap-south-1");
    drop(server);
    let (server, addr) = serve(&config, &[("REKEY_REGION", "ap-south-1")], &["--region", "us-west-2"], &log);
    assert_eq!(region_of(&create(&addr, "from-the-flag").1), "us-west-2");
    drop(server);

    // Text logs on request, from the environment over the file.
    let (server, addr) = serve(&config, &[("REKEY_LOG_FORMAT", "text")], &[], &log);
    let (request, _) = create(&addr, "text-log");
    drop(server);
    let text = std::fs::read_to_string(&log).unwrap();
    let line = text.lines().find(|l| l.contains("answered")).unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains(&format!("request{{id={request}}}")), "{line}");

    // A switch the file turns on, the environment turns off: signatures
    // are required again.
    let (server, addr) = serve(&config, &[("REKEY_DEV", "false")], &[], &log);
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    write!(s, "POST / HTTP/1.1\r\nHost: {addr}\r\nX-Amz-Target: secretsmanager.ListSecrets\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}").unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.contains("MissingAuthenticationTokenException"), "{answer}");
    drop(server);

    // Mistakes are refused, by name.
    std::fs::write(&config, "[server]\nlisten = \"127.0.0.1:0\"\nstopped_clock = \"2027-01-01T00:00:00Z\"\n").unwrap();
    let out = Command::new(common::binary()).args(["serve", "--config"]).arg(&config).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("--stopped-clock needs --dev"), "{out:?}");
}
