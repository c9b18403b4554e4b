//! `rekey secretsmanager …` beyond byte-for-byte output: configuration as
//! the aws CLI reads it (profiles, credentials files, endpoint variables,
//! CA bundles) against a signed server, YAML output read back by a YAML
//! parser, `--debug` redaction, help and exit codes for configuration.

mod common;

use common::Server;
use std::path::Path;
use std::process::{Command, Output};

fn rekey(args: &[&str], env: &[(&str, &Path)], vars: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rekey"));
    cmd.arg("secretsmanager").args(args);
    for k in [
        "AWS_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_SECRETS_MANAGER",
        "AWS_CA_BUNDLE",
        "AWS_DEFAULT_OUTPUT",
    ] {
        cmd.env_remove(k);
    }
    cmd.env("AWS_CONFIG_FILE", "/nonexistent").env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent").env("AWS_PAGER", "");
    for (k, v) in env {
        cmd.env(k, v);
    }
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.output().expect("run rekey")
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn profiles_credentials_and_endpoints_against_a_signed_server() {
    let server = Server::start_signed(&[]);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let creds = server.admin_credentials();
    // The admin key's profile, the endpoint from the profile, text from the profile.
    let files = [("AWS_CONFIG_FILE", config.as_path()), ("AWS_SHARED_CREDENTIALS_FILE", creds.as_path())];
    std::fs::write(&config, format!(
        "[default]\nregion = us-east-1\n\n[profile rekey-admin]\nregion = us-east-1\noutput = text\nendpoint_url = {}\n", server.url()
    )).unwrap();
    let o = rekey(
        &[
            "create-secret",
            "--name",
            "cfg/one",
            "--secret-string",
            "s3cret",
            "--profile",
            "rekey-admin",
            "--query",
            "Name",
        ],
        &files,
        &[],
    );
    assert_eq!(stdout(&o), "cfg/one\n");
    // AWS_PROFILE and AWS_ENDPOINT_URL_SECRETS_MANAGER (over the profile's endpoint_url).
    let o = rekey(
        &["get-secret-value", "--secret-id", "cfg/one", "--query", "SecretString", "--output", "json"],
        &files,
        &[
            ("AWS_PROFILE", "rekey-admin"),
            ("AWS_ENDPOINT_URL_SECRETS_MANAGER", &server.url()),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
        ],
    );
    assert_eq!(stdout(&o), "\"s3cret\"\n");
    // Wrong credentials: the server's signature error, exit 254.
    let o = rekey(
        &["list-secrets", "--endpoint-url", &server.url(), "--region", "us-east-1"],
        &[],
        &[("AWS_ACCESS_KEY_ID", "AKIANOTAKEY000000000"), ("AWS_SECRET_ACCESS_KEY", "nope")],
    );
    assert_eq!(o.status.code(), Some(254));
    assert!(String::from_utf8_lossy(&o.stderr).contains("UnrecognizedClientException"), "{o:?}");
    // --no-sign-request: refused by a server that is not --dev.
    let o = rekey(
        &["list-secrets", "--endpoint-url", &server.url(), "--region", "us-east-1", "--no-sign-request"],
        &[],
        &[],
    );
    assert_eq!(o.status.code(), Some(254));
    // Configuration errors: 253.
    let o = rekey(
        &["list-secrets", "--endpoint-url", &server.url()],
        &[],
        &[("AWS_ACCESS_KEY_ID", "a"), ("AWS_SECRET_ACCESS_KEY", "b")],
    );
    assert_eq!(o.status.code(), Some(253));
    assert!(String::from_utf8_lossy(&o.stderr).contains("You must specify a region"), "{o:?}");
    let o = rekey(&["list-secrets", "--endpoint-url", &server.url(), "--region", "us-east-1"], &[], &[]);
    assert_eq!(o.status.code(), Some(253));
    assert!(String::from_utf8_lossy(&o.stderr).contains("Unable to locate credentials"), "{o:?}");
    // Unreachable endpoint: 255.
    let o = rekey(
        &[
            "list-secrets",
            "--endpoint-url",
            "http://127.0.0.1:9",
            "--region",
            "us-east-1",
            "--cli-connect-timeout",
            "1",
        ],
        &[],
        &[("AWS_ACCESS_KEY_ID", "a"), ("AWS_SECRET_ACCESS_KEY", "b")],
    );
    assert_eq!(o.status.code(), Some(255));
    assert!(String::from_utf8_lossy(&o.stderr).contains("Could not connect to the endpoint URL"), "{o:?}");
}

#[test]
fn tls_with_a_ca_bundle() {
    let server = Server::start_dev_with(&["--dev-tls"]);
    let cert = server.data_dir.join("dev-cert.pem");
    let keys = [("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"), ("AWS_SECRET_ACCESS_KEY", "secret")];
    let args = ["list-secrets", "--endpoint-url", &server.url(), "--region", "us-east-1"];
    // Untrusted without the bundle, trusted with it, or with verification off.
    let o = rekey(&args, &[], &keys);
    assert_eq!(o.status.code(), Some(255), "{o:?}");
    let with: Vec<&str> = args.iter().copied().chain(["--ca-bundle", cert.to_str().unwrap()]).collect();
    assert!(stdout(&rekey(&with, &[], &keys)).contains("SecretList"));
    assert!(stdout(&rekey(&args, &[("AWS_CA_BUNDLE", &cert)], &keys)).contains("SecretList"));
    let insecure: Vec<&str> = args.iter().copied().chain(["--no-verify-ssl"]).collect();
    assert!(stdout(&rekey(&insecure, &[], &keys)).contains("SecretList"));
}

#[test]
fn yaml_reads_back_as_the_json_and_debug_redacts() {
    let server = Server::start();
    let keys = [("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"), ("AWS_SECRET_ACCESS_KEY", "secret"), ("AWS_REGION", "us-east-1")];
    let url = server.url();
    let with = |extra: &[&str]| -> Vec<String> {
        extra.iter().map(|s| s.to_string()).chain(["--endpoint-url".to_string(), url.clone()]).collect()
    };
    let run = |extra: &[&str]| {
        let a = with(extra);
        rekey(&a.iter().map(String::as_str).collect::<Vec<_>>(), &[], &keys)
    };
    stdout(&run(&[
        "create-secret",
        "--name",
        "y/one",
        "--secret-string",
        "line1\nline2: 'quoted' #x",
        "--tags",
        "Key=on,Value=yes",
        "Key=n,Value=0123",
    ]));
    stdout(&run(&[
        "put-secret-value",
        "--secret-id",
        "y/one",
        "--secret-string",
        "true",
        "--version-stages",
        "2024-01-01",
        "AWSCURRENT",
    ]));
    {
        for cmd in [
            &["describe-secret", "--secret-id", "y/one"][..],
            &["get-secret-value", "--secret-id", "y/one"],
            &["list-secrets"],
            &["list-secret-version-ids", "--secret-id", "y/one"],
        ] {
            let json: serde_json::Value =
                serde_json::from_str(&stdout(&run(&[cmd, &["--output", "json"]].concat()))).unwrap();
            let yaml = stdout(&run(&[cmd, &["--output", "yaml"]].concat()));
            let stream = stdout(&run(&[cmd, &["--output", "yaml-stream"]].concat()));
            // Read back by a YAML 1.2 parser (as v2 writes it: `on` and `yes`
            // are strings there, unlike YAML 1.1 readers such as PyYAML).
            for (text, want) in [(yaml, json.clone()), (stream, serde_json::json!([json]))] {
                let core = serde_saphyr::options! { strict_booleans: true };
                let back: serde_json::Value = serde_saphyr::from_str_with_options(&text, core)
                    .unwrap_or_else(|e| panic!("not YAML ({e}):\n{text}"));
                assert_eq!(back, want, "{cmd:?}:\n{text}");
            }
        }
    }
    // --debug: requests and answers logged, the value and the signature not.
    let o = run(&["get-secret-value", "--secret-id", "y/one", "--debug"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(stdout(&o).contains("\"SecretString\": \"true\""));
    assert!(err.contains("GetSecretValue") && err.contains("<redacted>"), "{err}");
    assert!(!err.contains("\"SecretString\":\"true\""), "{err}");
    let signature = err.split("Signature=").nth(1).unwrap_or_default();
    assert!(signature.starts_with("<redacted>"), "{err}");
    let o = run(&["put-secret-value", "--secret-id", "y/one", "--secret-string", "hush-hush", "--debug"]);
    assert!(o.status.success());
    assert!(!String::from_utf8_lossy(&o.stderr).contains("hush-hush"));
}

#[test]
fn help_version_and_usage() {
    let o = rekey(&["rotate-secret", "help"], &[], &[]);
    let help = stdout(&o);
    assert!(help.contains("--rotation-rules (structure)"), "{help}");
    assert!(help.contains("[--rotate-immediately | --no-rotate-immediately]"), "{help}");
    assert!(help.contains("--secret-id <value>"), "{help}");
    let all = stdout(&rekey(&["help"], &[], &[]));
    assert!(all.contains("o rotate-secret") && all.contains("o batch-get-secret-value"), "{all}");
    assert!(stdout(&rekey(&["--version"], &[], &[])).starts_with("rekey/"));
    // A near miss is suggested, as v2 does (the goldens hold the exact text).
    let o = rekey(&["rotate-secrt"], &[], &[]);
    assert_eq!(o.status.code(), Some(252));
    assert!(String::from_utf8_lossy(&o.stderr).contains("Maybe you meant:\n\n  * rotate-secret\n"));
    let o = rekey(&["rotate-secret", "--secret-id", "x", "--rotation-rules", "{bad json"], &[], &[]);
    assert_eq!(o.status.code(), Some(252));
    assert!(String::from_utf8_lossy(&o.stderr).contains("Error parsing parameter '--rotation-rules': Invalid JSON"));
    let o =
        rekey(&["get-secret-value", "--secret-id", "x", "--cli-input-json", "file:///nonexistent/in.json"], &[], &[]);
    assert_eq!(o.status.code(), Some(252));
    assert!(String::from_utf8_lossy(&o.stderr).contains("No such file or directory"));
}

#[test]
fn ctrl_c_exits_130() {
    // An endpoint that accepts and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let child = Command::new(env!("CARGO_BIN_EXE_rekey"))
        .args(["secretsmanager", "list-secrets", "--endpoint-url", &url, "--region", "us-east-1"])
        .env("AWS_ACCESS_KEY_ID", "a")
        .env("AWS_SECRET_ACCESS_KEY", "b")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (_conn, _) = listener.accept().unwrap();
    // SAFETY: signals a child process this test started.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    assert_eq!(out.stdout, b"\n");
}

/// The operations newer than awscli 1 (so without a golden test):
/// cross-account replicas through the CLI, in every output format.
#[test]
fn cross_account_replicas_through_the_cli() {
    let server = Server::start();
    let url = server.url();
    let run = |account: &str, args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--endpoint-url", &url, "--region", "us-east-1"]);
        rekey(&all, &[], &[("AWS_ACCESS_KEY_ID", account), ("AWS_SECRET_ACCESS_KEY", "x")])
    };
    let primary = stdout(&run(
        "000000000000",
        &["create-secret", "--name", "xa", "--secret-string", "v1", "--query", "ARN", "--output", "text"],
    ));
    let replica = stdout(&run(
        "111111111111",
        &[
            "create-secret",
            "--name",
            "xa-copy",
            "--cross-account-primary-arn",
            primary.trim(),
            "--query",
            "ARN",
            "--output",
            "text",
        ],
    ));
    let linked = stdout(&run(
        "000000000000",
        &[
            "associate-cross-account-replica",
            "--secret-id",
            "xa",
            "--cross-account-replica-arn",
            replica.trim(),
            "--output",
            "text",
        ],
    ));
    assert!(linked.contains("InSync"), "{linked}");
    let copy = stdout(&run(
        "111111111111",
        &["get-secret-value", "--secret-id", "xa-copy", "--query", "SecretString", "--output", "text"],
    ));
    assert_eq!(copy, "v1\n");
    let table = stdout(&run(
        "000000000000",
        &[
            "disassociate-cross-account-replica",
            "--secret-id",
            "xa",
            "--cross-account-replica-arn",
            replica.trim(),
            "--output",
            "table",
        ],
    ));
    assert!(table.contains("DisassociateCrossAccountReplica"), "{table}");
}
