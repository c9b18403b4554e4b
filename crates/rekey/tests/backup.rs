//! `rekey admin backup` while the server takes writes, the data directory
//! wiped, `rekey admin restore`: every secret, version, label, rotation job
//! and audit record comes back, and the chain still verifies.

mod common;

use common::signed::*;
use common::{Keys, Server, binary};
use serde_json::{Value, json};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// What can be read back of the settled secrets: values, versions and
/// labels, rotation configuration, rotation history, the audit records.
fn state(server: &Server, keys: &Keys) -> Value {
    let mut out = serde_json::Map::new();
    for i in 0..10 {
        let id = format!("s{i}");
        let versions = sm(server, keys, "ListSecretVersionIds", json!({"SecretId": id, "IncludeDeprecated": true}));
        let mut versions: Vec<Value> = versions["Versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| json!([v["VersionId"], v["VersionStages"], v["CreatedDate"]]))
            .collect();
        versions.sort_by_key(|v| v.to_string());
        let value = sm(server, keys, "GetSecretValue", json!({"SecretId": id}))["SecretString"].clone();
        let described = sm(server, keys, "DescribeSecret", json!({"SecretId": id}));
        out.insert(id, json!([versions, value, described["RotationEnabled"], described["LastRotatedDate"]]));
    }
    let jobs = admin(server, keys, "ListRotations", json!({"SecretId": "s0"}));
    out.insert("jobs".into(), jobs["Rotations"].clone());
    let records = admin(
        server,
        keys,
        "LookupEvents",
        json!({"LookupAttributes": [{"AttributeKey": "ResourceName", "AttributeValue": "s1"}], "MaxResults": 1000}),
    );
    let ids: Vec<Value> = records["Events"].as_array().unwrap().iter().map(|e| e["EventId"].clone()).collect();
    out.insert("s1 records".into(), ids.into());
    Value::Object(out)
}

#[test]
fn a_backup_taken_under_load_restores_everything() {
    let config = format!("[[function]]\narn = \"{PASSWORD_FN}\"\ntype = \"builtin:password\"\naccounts = [\"*\"]\n");
    let server = Server::start_signed_with_config(&config);
    let root = Keys::admin(&server);
    for i in 0..10 {
        let id = format!("s{i}");
        sm(&server, &root, "CreateSecret", json!({"Name": id, "SecretString": format!("{{\"password\":\"p{i}\"}}")}));
        sm(
            &server,
            &root,
            "PutSecretValue",
            json!({"SecretId": id, "SecretString": format!("{{\"password\":\"q{i}\"}}")}),
        );
        sm(
            &server,
            &root,
            "PutSecretValue",
            json!({"SecretId": id, "SecretString": "staged", "VersionStages": ["STAGED"]}),
        );
    }
    sm(&server, &root, "RotateSecret", json!({"SecretId": "s0", "RotationLambdaARN": PASSWORD_FN}));
    assert_eq!(finished(&server, &root, "s0")["status"], "succeeded");
    let before = state(&server, &root);

    // Writers on other secrets while the backup is taken.
    for i in 0..4 {
        sm(&server, &root, "CreateSecret", json!({"Name": format!("load{i}"), "SecretString": "0"}));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicUsize::new(0));
    let server = Arc::new(server);
    let writers: Vec<_> = (0..4)
        .map(|i| {
            let (server, root, stop, acked) = (server.clone(), root.clone(), stop.clone(), acked.clone());
            std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) && n < 90 {
                    n += 1;
                    sm(
                        &server,
                        &root,
                        "PutSecretValue",
                        json!({"SecretId": format!("load{i}"), "SecretString": format!("{n}")}),
                    );
                    acked.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    while acked.load(Ordering::Relaxed) < 20 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let aside = tempfile::tempdir().unwrap();
    let out = Command::new(binary())
        .args([
            "admin",
            "backup",
            "--name",
            "rekey.backup",
            "--endpoint-url",
            &server.url(),
            "--profile",
            "rekey-admin",
        ])
        .env("AWS_SHARED_CREDENTIALS_FILE", server.admin_credentials())
        .output()
        .unwrap();
    assert!(out.status.success(), "backup: {}", String::from_utf8_lossy(&out.stderr));
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().unwrap();
    }
    let written: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(written["Bytes"].as_u64().unwrap() > 0, "{written}");
    let taken = server.data_dir.join("backups/rekey.backup");
    assert_eq!(written["Path"], taken.to_str().unwrap());
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&taken).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    let (status, _) = server.signed(&root, "rekey.Backup", &json!({"Name": "rekey.backup"}));
    assert_ne!(status, 200, "a backup never writes over a file");
    // Copied off the host, as an operator would.
    let backup = aside.path().join("rekey.backup");
    std::fs::copy(&taken, &backup).unwrap();

    // Wipe the data directory, keeping the master key and the admin's
    // credentials apart (as an operator keeps them), and restore.
    let server = Arc::try_unwrap(server).ok().unwrap();
    let server = server.restart_signed_after(|data| {
        for keep in ["master.key", "admin-credentials"] {
            std::fs::copy(data.join(keep), aside.path().join(keep)).unwrap();
        }
        std::fs::remove_dir_all(data).unwrap();
        let out = Command::new(binary())
            .args(["admin", "restore", "--from", backup.to_str().unwrap(), "--data-dir", data.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(out.status.success(), "restore: {}", String::from_utf8_lossy(&out.stderr));
        let again = Command::new(binary())
            .args(["admin", "restore", "--from", backup.to_str().unwrap(), "--data-dir", data.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(!again.status.success(), "a restore never writes over a store");
        for keep in ["master.key", "admin-credentials"] {
            std::fs::copy(aside.path().join(keep), data.join(keep)).unwrap();
        }
    });
    let mut after = state(&server, &root);
    // Reading the state is recorded too: the records from before must all
    // be back, among newer ones.
    let (had, has) = (before["s1 records"].as_array().unwrap(), after["s1 records"].take());
    assert!(had.iter().all(|id| has.as_array().unwrap().contains(id)), "{had:?} in {has}");
    let mut before = before;
    before["s1 records"] = Value::Null;
    assert_eq!(after, before, "everything settled before the backup is back");
    let verdict = admin(&server, &root, "VerifyTrail", json!({}));
    assert_eq!(verdict["Intact"], true, "{verdict}");
    // The load's secrets are there, each at some acknowledged value.
    for i in 0..4 {
        sm(&server, &root, "GetSecretValue", json!({"SecretId": format!("load{i}")}));
    }
}

/// A backup is a file of the backup directory, never a path: its content
/// holds text tenants chose (names, descriptions), and a leaked
/// administrator key must not have rekey write it where another program
/// reads files (a cron directory, a shell profile).
#[test]
fn a_backup_goes_nowhere_but_the_backup_directory() {
    let server = Server::start_signed(&[]);
    let root = Keys::admin(&server);
    let outside = tempfile::tempdir().unwrap();
    let escape = outside.path().join("cron-job");
    for name in [escape.to_str().unwrap(), "../escape", "a/b", ".hidden", ""] {
        let (kind, _) = refused(&server, &root, "rekey.Backup", json!({"Name": name}));
        assert_eq!(kind, "InvalidParameterException", "{name:?}");
    }
    let (kind, _) = refused(&server, &root, "rekey.Backup", json!({"Path": escape.to_str().unwrap()}));
    assert_eq!(kind, "InvalidParameterException", "the old shape is refused");
    assert!(!escape.exists());
    assert!(!server.data_dir.join("escape").exists());
    assert!(std::fs::read_dir(outside.path()).unwrap().next().is_none(), "nothing written outside");
}
