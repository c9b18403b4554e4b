//! The AWS SDK for JavaScript v3 (`tests/js`, installed by `scripts/test`
//! with `npm ci`) against a signed server: its signatures pass rekey's
//! checks unchanged, with permanent and with session credentials.

mod common;

use common::{Keys, Server};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

/// `node` and the SDK, if installed; in CI (`REKEY_REQUIRE_SERVICES=1`)
/// their absence fails the test.
fn node_with_sdk() -> Option<(PathBuf, PathBuf)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/js");
    let node_ok = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    let installed = dir.join("node_modules/@aws-sdk/client-secrets-manager").is_dir();
    if !(node_ok && installed) {
        assert!(
            std::env::var("REKEY_REQUIRE_SERVICES").as_deref() != Ok("1"),
            "node and tests/js/node_modules are required (REKEY_REQUIRE_SERVICES=1); run scripts/test"
        );
        eprintln!("skipping: node or the JavaScript SDK is missing (run the tests through scripts/test)");
        return None;
    }
    Some((PathBuf::from("node"), dir.join("sdk.mjs")))
}

fn run(node: &Path, script: &Path, server: &Server, keys: &Keys, name: &str) -> Value {
    let mut cmd = Command::new(node);
    cmd.arg(script)
        .arg(name)
        .env("AWS_ENDPOINT_URL", server.url())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", &keys.id)
        .env("AWS_SECRET_ACCESS_KEY", &keys.secret)
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env_remove("AWS_PROFILE");
    match &keys.token {
        Some(token) => cmd.env("AWS_SESSION_TOKEN", token),
        None => cmd.env_remove("AWS_SESSION_TOKEN"),
    };
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "node: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_javascript_sdk_signs_as_rekey_requires() {
    let Some((node, script)) = node_with_sdk() else { return };
    let server = Server::start_signed(&[]);
    let root = Keys::admin(&server);
    let out = run(&node, &script, &server, &root, "js/permanent");
    assert_eq!(out["value"], "from-js-2", "{out}");
    assert!(
        out["arn"].as_str().unwrap().starts_with("arn:aws:secretsmanager:us-east-1:000000000000:secret:js/permanent-")
    );
    assert_eq!(out["stages"].as_object().unwrap().len(), 2, "AWSCURRENT and AWSPREVIOUS: {out}");
    assert_eq!(
        out["error"],
        json!({"name": "ResourceNotFoundException", "message": "Secrets Manager can't find the specified secret."})
    );

    let (status, session) = server.signed(&root, "rekey.GetSessionToken", &json!({}));
    assert_eq!(status, 200, "{session}");
    let out = run(&node, &script, &server, &Keys::from_json(&session["Credentials"]), "js/session");
    assert_eq!(out["value"], "from-js-2", "{out}");
}
