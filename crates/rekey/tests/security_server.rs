//! The server holds under hostile clients and keeps its files to itself:
//! slow, idle and oversized clients, a connection cap, malformed bodies,
//! file modes, the Lambda Runtime API's exposure and the `--dev` clock.
//! Each test fails with its fix reverted.

mod common;

use common::signed::*;
use common::{Keys, Server};
use serde_json::json;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

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
    let mut headers = rekey_sigv4::sign(
        rekey_sigv4::Request {
            method: "POST",
            path: "/",
            headers: vec![
                ("host".into(), server.addr.clone()),
                ("x-amz-target".into(), "secretsmanager.ListSecrets".into()),
            ],
            body: b"{}",
        },
        &rekey_sigv4::Credentials {
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
