//! The master key: rotated while the server takes reads and writes
//! (nothing lost, no request fails, the old key refused afterwards), and
//! taken from the environment or a command instead of a file.

mod common;

use common::signed::*;
use common::{Keys, Server, binary, serve_failing};
use serde_json::json;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

#[test]
fn the_master_key_rotates_under_load() {
    const SAID: &str = "printed-by-the-failing-function";
    let config = format!(
        "[rotation]\nmax_attempts = 1\n[[function]]\narn = \"{PASSWORD_FN}\"\ntype = \"exec\"\ncommand = [\"sh\", \"-c\", \"cat >/dev/null; echo {SAID} >&2; exit 1\"]\n"
    );
    let server = Server::start_signed_with_config(&config);
    let root = Keys::admin(&server);
    // Something of each kind sealed under the key: values under KEKs of
    // two KmsKeyIds, a user's access key, a function's output and log.
    sm(
        &server,
        &root,
        "CreateSecret",
        json!({"Name": "kms", "SecretString": "under-a-named-kek", "KmsKeyId": "alias/app"}),
    );
    let user_keys = user(
        &server,
        &root,
        "reader",
        policy(json!([{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}])),
    );
    sm(&server, &root, "CreateSecret", json!({"Name": "rotated", "SecretString": "v"}));
    sm(&server, &root, "RotateSecret", json!({"SecretId": "rotated", "RotationLambdaARN": PASSWORD_FN}));
    assert_eq!(finished(&server, &root, "rotated")["status"], "failed");
    // (Each writer goes round its secrets: a secret takes 100 versions a day.)
    const ROUND: u64 = 20;
    for i in 0..4 {
        for k in 0..ROUND {
            sm(&server, &root, "CreateSecret", json!({"Name": format!("load{i}-{k}"), "SecretString": "0"}));
        }
    }
    let old_key = std::fs::read_to_string(server.data_dir.join("master.key")).unwrap();

    // Writers and readers, each counting what was acknowledged.
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicUsize::new(0));
    let server = Arc::new(server);
    let load: Vec<_> = (0..4)
        .map(|i| {
            let (server, root, stop, acked) = (server.clone(), root.clone(), stop.clone(), acked.clone());
            std::thread::spawn(move || {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) && n < 95 * ROUND {
                    n += 1;
                    let id = format!("load{i}-{}", n % ROUND);
                    sm(&server, &root, "PutSecretValue", json!({"SecretId": id, "SecretString": format!("{n}")}));
                    let read = sm(&server, &root, "GetSecretValue", json!({"SecretId": id}));
                    assert_eq!(read["SecretString"], format!("{n}"));
                    acked.fetch_add(1, Ordering::Relaxed);
                }
                n
            })
        })
        .collect();
    let running =
        |load: &[std::thread::JoinHandle<u64>]| assert!(load.iter().all(|t| !t.is_finished()), "a writer stopped");
    while acked.load(Ordering::Relaxed) < 40 {
        running(&load);
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let out = Command::new(binary())
        .args(["admin", "rotate-master-key", "--endpoint-url", &server.url(), "--profile", "rekey-admin"])
        .env("AWS_SHARED_CREDENTIALS_FILE", server.admin_credentials())
        .output()
        .unwrap();
    assert!(out.status.success(), "rotate-master-key: {}", String::from_utf8_lossy(&out.stderr));
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(answer["Resealed"].as_u64().unwrap() >= 5, "{answer}");
    // The load goes on past the rotation, then stops; every thread's
    // requests all succeeded (a failure panics it).
    let after = acked.load(Ordering::Relaxed);
    while acked.load(Ordering::Relaxed) < after + 40 {
        running(&load);
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    stop.store(true, Ordering::Relaxed);
    let written: Vec<u64> = load.into_iter().map(|t| t.join().expect("no request failed")).collect();

    let new_key = std::fs::read_to_string(server.data_dir.join("master.key")).unwrap();
    assert_ne!(new_key, old_key);
    assert!(!server.data_dir.join("master.key.next").exists());
    let check = |server: &Server| {
        for (i, &n) in written.iter().enumerate() {
            // The last value each writer put into each of its secrets.
            for last in (n.saturating_sub(ROUND) + 1)..=n {
                let v = sm(server, &root, "GetSecretValue", json!({"SecretId": format!("load{i}-{}", last % ROUND)}));
                assert_eq!(v["SecretString"], last.to_string(), "nothing acknowledged is lost");
            }
        }
        assert_eq!(
            sm(server, &root, "GetSecretValue", json!({"SecretId": "kms"}))["SecretString"],
            "under-a-named-kek"
        );
        assert_eq!(
            sm(server, &user_keys, "GetSecretValue", json!({"SecretId": "kms"}))["SecretString"],
            "under-a-named-kek"
        );
        let logs = admin(server, &root, "ListFunctionLogs", json!({"SecretId": "rotated"}));
        assert!(logs.to_string().contains(SAID), "{logs}");
        let jobs = admin(server, &root, "ListRotations", json!({"SecretId": "rotated"}));
        assert_eq!(jobs["Rotations"][0]["steps"][0]["output"], SAID, "{jobs}");
        let verdict = admin(server, &root, "VerifyTrail", json!({}));
        assert_eq!(verdict["Intact"], true, "{verdict}");
    };
    check(&server);

    // After a restart, with the new key only.
    let server = Arc::try_unwrap(server).ok().unwrap().restart_signed();
    check(&server);

    // The old key opens nothing (tried on a copy of the stopped store).
    let aside = tempfile::tempdir().unwrap();
    let copy = aside.path().join("data");
    drop(server.restart_signed_after(|data| {
        assert!(Command::new("cp").arg("-a").arg(data).arg(&copy).status().unwrap().success());
    }));
    std::fs::write(copy.join("master.key"), &old_key).unwrap();
    let (ok, stderr) = serve_failing(&copy, &[]);
    assert!(!ok && stderr.contains("does not match"), "{stderr}");
}

/// The key from REKEY_MASTER_KEY or a command: nothing written to the data
/// directory, the same key opens the store again, another is refused, and
/// such a key cannot be rotated by the server (it does not hold it).
#[test]
fn the_master_key_from_the_environment_or_a_command() {
    let dir = tempfile::tempdir().unwrap();
    let key = "ab".repeat(32);
    let data = dir.path().join("data");
    let script = dir.path().join("fetch-key");
    std::fs::write(&script, format!("#!/bin/sh\necho {key}\n")).unwrap();
    let command = format!("sh {}", script.display());

    let server = Server::start_in_with(&data, &["--master-key-command", &command]);
    assert!(data.join("rekey.db").exists() && !data.join("master.key").exists(), "no key file written");
    let c = server.raw(
        "CreateSecret",
        r#"{"Name": "kept", "SecretString": "v", "ClientRequestToken": "00000000-0000-4000-8000-000000000001"}"#,
    );
    assert_eq!(c.0, 200, "{c:?}");
    let refused =
        Command::new(binary()).args(["admin", "rotate-master-key", "--endpoint-url", &server.url()]).output().unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && stderr.contains("does not come from a file"), "{stderr}");
    server.stop();

    // The same key from the environment opens it; nothing shows the key.
    let (ok, stderr) = serve_failing(&data, &[("REKEY_MASTER_KEY", key.as_str())]);
    assert!(ok, "started with the same key: {stderr}");
    let (ok, stderr) = serve_failing(&data, &[("REKEY_MASTER_KEY", &"cd".repeat(32))]);
    assert!(!ok && stderr.contains("does not match"), "{stderr}");
    let (ok, stderr) = serve_failing(&data, &[("REKEY_MASTER_KEY_COMMAND", "echo oops >&2; exit 3")]);
    assert!(!ok && stderr.contains("the master key command failed"), "{stderr}");
    let (ok, stderr) = serve_failing(&data, &[("REKEY_MASTER_KEY", "not-hex")]);
    assert!(!ok && stderr.contains("REKEY_MASTER_KEY is not 64 hex characters"), "{stderr}");
    assert!(!stderr.contains("not-hex"), "the value is not echoed: {stderr}");
    let (ok, stderr) =
        serve_failing(&data, &[("REKEY_MASTER_KEY", key.as_str()), ("REKEY_MASTER_KEY_COMMAND", "true")]);
    assert!(!ok && stderr.contains("give the master key one way"), "{stderr}");

    let server = Server::start_in_with(&data, &["--master-key-command", &command]);
    let read = server.raw("GetSecretValue", r#"{"SecretId": "kept"}"#);
    assert_eq!(read.1["SecretString"], "v", "{read:?}");
}
