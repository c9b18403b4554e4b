//! After a server has been given secret values, made some itself
//! (passwords, rotated values, access keys) and had a rotation function
//! print one, none of them is anywhere it keeps or shows on its own: its
//! data directory (database, WAL, backups), its audit trail (looked up, and
//! streamed to a sink), its log (at debug), its metrics.

mod common;

use base64::Engine;
use common::signed::*;
use common::{Keys, Server};
use serde_json::{Value, json};

#[test]
fn no_secret_value_is_kept_or_shown_in_clear() {
    const PRINTED: &str = "value-a-function-printed-5b1c";
    let out = tempfile::tempdir().unwrap();
    let sink = out.path().join("trail.jsonl");
    let config = format!(
        "[rotation]\nmax_attempts = 1\n\
         [[function]]\narn = \"{PASSWORD_FN}\"\ntype = \"builtin:password\"\naccounts = [\"*\"]\n\
         [[function]]\narn = \"arn:aws:lambda:us-east-1:000000000000:function:prints\"\ntype = \"exec\"\n\
         command = [\"sh\", \"-c\", \"cat >/dev/null; echo {PRINTED}; echo {PRINTED} >&2; exit 1\"]\n\
         [audit.sink]\npath = {:?}\n",
        sink.to_str().unwrap()
    );
    let server = Server::start_logged(false, &config, &[], None);
    let root = Keys::admin(&server);
    let mut values: Vec<String> = vec![PRINTED.into()];
    let mut given = |n: usize| {
        let v = format!("given-secret-value-{n}-8e2d4f");
        values.push(v.clone());
        v
    };

    let first = given(1);
    sm(&server, &root, "CreateSecret", json!({"Name": "s1", "SecretString": format!("{{\"password\":\"{first}\"}}")}));
    let binary = given(2);
    let encoded = base64::engine::general_purpose::STANDARD.encode(&binary);
    sm(&server, &root, "CreateSecret", json!({"Name": "s2", "SecretBinary": encoded}));
    sm(&server, &root, "PutSecretValue", json!({"SecretId": "s1", "SecretString": given(3)}));
    sm(&server, &root, "UpdateSecret", json!({"SecretId": "s1", "SecretString": given(4)}));
    sm(&server, &root, "GetSecretValue", json!({"SecretId": "s1"}));
    sm(&server, &root, "BatchGetSecretValue", json!({"SecretIdList": ["s1", "s2"]}));
    let password = sm(&server, &root, "GetRandomPassword", json!({}))["RandomPassword"].as_str().unwrap().to_string();
    sm(
        &server,
        &root,
        "CreateSecret",
        json!({"Name": "s3", "SecretString": format!("{{\"password\":\"{}\"}}", given(5))}),
    );
    sm(&server, &root, "RotateSecret", json!({"SecretId": "s3", "RotationLambdaARN": PASSWORD_FN}));
    assert_eq!(finished(&server, &root, "s3")["status"], "succeeded");
    let rotated = sm(&server, &root, "GetSecretValue", json!({"SecretId": "s3"}))["SecretString"].clone();
    let rotated: Value = serde_json::from_str(rotated.as_str().unwrap()).unwrap();
    sm(&server, &root, "CreateSecret", json!({"Name": "s4", "SecretString": given(6)}));
    let prints = "arn:aws:lambda:us-east-1:000000000000:function:prints";
    sm(&server, &root, "RotateSecret", json!({"SecretId": "s4", "RotationLambdaARN": prints}));
    assert_eq!(finished(&server, &root, "s4")["status"], "failed");
    let logs = admin(&server, &root, "ListFunctionLogs", json!({"SecretId": "s4"}));
    assert!(logs.to_string().contains(PRINTED), "the log is there for a reader: {logs}");
    sm(
        &server,
        &root,
        "ReplicateSecretToRegions",
        json!({"SecretId": "s1", "AddReplicaRegions": [{"Region": "eu-west-1"}]}),
    );
    let user = user(
        &server,
        &root,
        "u",
        policy(json!([{"Effect": "Allow", "Action": "secretsmanager:ListSecrets", "Resource": "*"}])),
    );
    admin(&server, &root, "Backup", json!({"Name": "scan.db"}));
    let mut made = vec![password, rotated["password"].as_str().unwrap().to_string(), user.secret.clone()];
    values.append(&mut made);
    values.push(encoded);

    // Everything the server keeps and shows on its own.
    common::wait_for(std::time::Duration::from_secs(20), "the sink to catch up", || {
        server.get("/metrics").1.contains("rekey_audit_sink_lag_rows 0\n").then_some(())
    });
    let mut places: Vec<(String, Vec<u8>)> = Vec::new();
    let mut files = vec![server.data_dir.clone(), out.path().to_path_buf()];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else if path.file_name().is_some_and(|n| n != "admin-credentials") {
            places.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    assert!(places.iter().any(|(p, _)| p.ends_with("scan.db")), "the backup is scanned");
    assert!(places.iter().any(|(p, _)| p.ends_with("trail.jsonl")), "the sink's file is scanned");
    places.push(("the log".into(), server.log().into_bytes()));
    places.push(("/metrics".into(), server.get("/metrics").1.into_bytes()));
    let trail = Value::Array(all_events(&server, &root)).to_string();
    assert!(trail.contains("BatchGetSecretValue") && trail.contains("RotationSucceeded"), "the trail is there");
    places.push(("the audit trail".into(), trail.into_bytes()));

    for value in &values {
        for (place, bytes) in &places {
            let found = bytes.windows(value.len()).any(|w| w == value.as_bytes());
            assert!(!found, "{value:?} is in {place} in clear");
        }
    }
}
