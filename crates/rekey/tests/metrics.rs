//! `/metrics` in Prometheus's text format, read by the Prometheus client
//! library's own parser, and the health probes.

mod common;

use common::signed::*;
use common::{Keys, Server, python};
use serde_json::{Value, json};
use std::io::Write;
use std::process::{Command, Stdio};

fn get(server: &Server, path: &str) -> (u16, String) {
    server.get(path)
}

/// Every sample, as `prometheus_client.parser` reads it: [name, labels, value].
const PARSE: &str = r#"
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        out.append([s.name, s.labels, s.value])
print(json.dumps(out))
"#;

fn value(samples: &[Value], name: &str, labels: Value) -> f64 {
    samples
        .iter()
        .find(|s| s[0] == name && s[1] == labels)
        .map(|s| s[2].as_f64().unwrap())
        .unwrap_or_else(|| panic!("no {name} {labels}"))
}

#[test]
fn metrics_parse_and_count_what_happened() {
    let Some(python) = python() else { return };
    let config = format!("[[function]]\narn = \"{PASSWORD_FN}\"\ntype = \"builtin:password\"\naccounts = [\"*\"]\n");
    let server = Server::start_signed_with_config(&config);
    let root = Keys::admin(&server);
    assert_eq!(get(&server, "/health/live"), (200, "ok".into()));
    assert_eq!(get(&server, "/health/ready"), (200, "ready".into()));
    sm(&server, &root, "CreateSecret", json!({"Name": "m", "SecretString": "v"}));
    for _ in 0..3 {
        sm(&server, &root, "GetSecretValue", json!({"SecretId": "m"}));
    }
    refused(&server, &root, "secretsmanager.GetSecretValue", json!({"SecretId": "missing"}));
    refused(&server, &root, "rekey.NoSuchOperation", json!({}));
    sm(&server, &root, "RotateSecret", json!({"SecretId": "m", "RotationLambdaARN": PASSWORD_FN}));
    assert_eq!(finished(&server, &root, "m")["status"], "succeeded");

    let (status, text) = get(&server, "/metrics");
    assert_eq!(status, 200);
    let mut child =
        Command::new(python).args(["-c", PARSE]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "the Prometheus parser refused:\n{text}");
    let samples: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();

    let requests = "rekey_requests_total";
    assert_eq!(value(&samples, requests, json!({"operation": "GetSecretValue", "outcome": "ok"})), 3.0);
    let missing = json!({"operation": "GetSecretValue", "outcome": "ResourceNotFoundException"});
    assert_eq!(value(&samples, requests, missing), 1.0);
    // A made-up admin operation does not make a label of its own.
    assert_eq!(value(&samples, requests, json!({"operation": "-", "outcome": "UnknownOperationException"})), 1.0);
    assert!(!text.contains("NoSuchOperation"));
    let latency = json!({"operation": "GetSecretValue"});
    assert_eq!(value(&samples, "rekey_request_duration_seconds_count", latency.clone()), 4.0);
    let rotated = json!({"executor": "builtin:password", "outcome": "succeeded"});
    assert_eq!(value(&samples, "rekey_rotations_total", rotated), 1.0);
    for step in ["createSecret", "setSecret", "testSecret", "finishSecret"] {
        assert_eq!(value(&samples, "rekey_rotation_step_duration_seconds_count", json!({"step": step})), 1.0, "{step}");
    }
    // The store's commits: groups of at least one write, each timed.
    let commits = value(&samples, "rekey_store_commit_group_size_count", json!({}));
    assert!(commits >= 1.0, "{commits}");
    assert!(value(&samples, "rekey_store_commit_group_size_sum", json!({})) >= commits);
    assert_eq!(value(&samples, "rekey_store_commit_seconds_count", json!({})), commits);
    assert!(value(&samples, "rekey_store_sync_seconds_count", json!({})) >= 1.0);
    // No tenant, secret or principal in any label.
    for needle in ["000000000000", "\"m\"", "arn:"] {
        assert!(!text.contains(needle), "{needle} in the metrics");
    }
}
