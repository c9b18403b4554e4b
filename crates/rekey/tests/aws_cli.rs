//! The real `aws` CLI (PyPI `awscli`) against a real server.

mod common;

use common::{Server, aws_cli};
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

struct Cli<'a> {
    bin: &'a Path,
    server: &'a Server,
    home: tempfile::TempDir,
}

impl Cli<'_> {
    /// Runs `aws secretsmanager <args>`: (exit code, stdout, stderr).
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(self.bin)
            .arg("secretsmanager")
            .args(args)
            .args(["--endpoint-url", &self.server.url(), "--region", "us-east-1", "--output", "json"])
            .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
            .env("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
            .env("AWS_CONFIG_FILE", self.home.path().join("config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", self.home.path().join("credentials"))
            .env_remove("AWS_PROFILE")
            .env("AWS_PAGER", "")
            .output()
            .expect("run aws");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn json(&self, args: &[&str]) -> Value {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 0, "aws {args:?} failed: {err}");
        if out.trim().is_empty() { Value::Null } else { serde_json::from_str(&out).unwrap() }
    }
}

#[test]
fn lifecycle_with_the_aws_cli() {
    let Some(bin) = aws_cli() else { return };
    let server = Server::start();
    let cli = Cli { bin: &bin, server: &server, home: tempfile::tempdir().unwrap() };

    let created =
        cli.json(&["create-secret", "--name", "cli/secret", "--secret-string", "one", "--description", "via cli"]);
    let arn = created["ARN"].as_str().unwrap().to_string();
    let v1 = created["VersionId"].as_str().unwrap().to_string();
    assert!(arn.starts_with("arn:aws:secretsmanager:us-east-1:000000000000:secret:cli/secret-"));

    let got = cli.json(&["get-secret-value", "--secret-id", "cli/secret"]);
    assert_eq!(got["SecretString"], "one");
    assert_eq!(got["VersionStages"], serde_json::json!(["AWSCURRENT"]));
    // aws-cli v1 prints timestamps as received (epoch seconds), v2 as ISO 8601.
    assert!(got["CreatedDate"].is_number() || got["CreatedDate"].is_string(), "{got}");

    let put = cli.json(&["put-secret-value", "--secret-id", &arn, "--secret-string", "two"]);
    let v2 = put["VersionId"].as_str().unwrap().to_string();
    let pending = cli.json(&[
        "put-secret-value",
        "--secret-id",
        "cli/secret",
        "--secret-string",
        "three",
        "--version-stages",
        "AWSPENDING",
    ]);
    let v3 = pending["VersionId"].as_str().unwrap().to_string();
    cli.json(&[
        "update-secret-version-stage",
        "--secret-id",
        "cli/secret",
        "--version-stage",
        "AWSCURRENT",
        "--remove-from-version-id",
        &v2,
        "--move-to-version-id",
        &v3,
    ]);
    let d = cli.json(&["describe-secret", "--secret-id", "cli/secret"]);
    assert_eq!(d["Description"], "via cli");
    let stages = &d["VersionIdsToStages"];
    assert_eq!(stages[&v2], serde_json::json!(["AWSPREVIOUS"]));
    let mut s3: Vec<&str> = stages[&v3].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    s3.sort();
    assert_eq!(s3, ["AWSCURRENT", "AWSPENDING"]);
    assert!(stages.get(&v1).is_none());

    let versions = cli.json(&["list-secret-version-ids", "--secret-id", "cli/secret", "--include-deprecated"]);
    assert_eq!(versions["Versions"].as_array().unwrap().len(), 3);

    let del = cli.json(&["delete-secret", "--secret-id", "cli/secret", "--recovery-window-in-days", "7"]);
    assert!(!del["DeletionDate"].is_null());
    let (code, _, err) = cli.run(&["get-secret-value", "--secret-id", "cli/secret"]);
    assert_ne!(code, 0);
    assert!(
        err.contains("An error occurred (InvalidRequestException) when calling the GetSecretValue operation: You can't perform this operation on the secret because it was marked for deletion."),
        "{err}"
    );
    cli.json(&["restore-secret", "--secret-id", "cli/secret"]);
    assert_eq!(cli.json(&["get-secret-value", "--secret-id", "cli/secret"])["SecretString"], "three");
    cli.json(&["delete-secret", "--secret-id", "cli/secret", "--force-delete-without-recovery"]);

    let (code, _, err) = cli.run(&["describe-secret", "--secret-id", "cli/secret"]);
    assert_ne!(code, 0);
    assert!(
        err.contains("An error occurred (ResourceNotFoundException) when calling the DescribeSecret operation: Secrets Manager can't find the specified secret."),
        "{err}"
    );
    let pw = cli.json(&["get-random-password", "--password-length", "20", "--exclude-punctuation"]);
    assert_eq!(pw["RandomPassword"].as_str().unwrap().len(), 20);
}

/// The three examples of the `rotate-secret` reference page, as written
/// there, each ending in a completed rotation.
#[test]
fn rotate_secret_reference_examples() {
    let Some(bin) = aws_cli() else { return };
    let function = "arn:aws:lambda:us-west-2:1234566789012:function:SecretsManagerTestRotationLambda";
    let server = Server::start_with_config(&format!(
        "[[function]]\narn = \"{function}\"\ntype = \"builtin:password\"\naccounts = [\"*\"]\n"
    ));
    let cli = Cli { bin: &bin, server: &server, home: tempfile::tempdir().unwrap() };
    let created = cli.json(&["create-secret", "--name", "MyTestDatabaseSecret", "--secret-string", "first"]);
    let arn = created["ARN"].as_str().unwrap().to_string();

    let examples: [&[&str]; 3] = [
        &[
            "rotate-secret",
            "--secret-id",
            "MyTestDatabaseSecret",
            "--rotation-lambda-arn",
            function,
            "--rotation-rules",
            "{\"ScheduleExpression\": \"cron(0 8/8 * * ? *)\", \"Duration\": \"2h\"}",
        ],
        &[
            "rotate-secret",
            "--secret-id",
            "MyTestDatabaseSecret",
            "--rotation-lambda-arn",
            function,
            "--rotation-rules",
            "{\"ScheduleExpression\": \"rate(10 days)\"}",
        ],
        &["rotate-secret", "--secret-id", "MyTestDatabaseSecret"],
    ];
    let mut previous = "first".to_string();
    for (i, example) in examples.iter().enumerate() {
        let out = cli.json(example);
        let keys: Vec<&String> = out.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["ARN", "Name", "VersionId"], "example {}", i + 1);
        assert_eq!((out["ARN"].as_str(), out["Name"].as_str()), (Some(arn.as_str()), Some("MyTestDatabaseSecret")));
        let version = out["VersionId"].as_str().unwrap().to_string();
        let current = common::wait_for(std::time::Duration::from_secs(30), "the rotation", || {
            let v = cli.json(&["get-secret-value", "--secret-id", "MyTestDatabaseSecret"]);
            (v["VersionId"] == version.as_str()).then_some(v)
        });
        assert_eq!(current["VersionStages"], serde_json::json!(["AWSCURRENT"]), "AWSPENDING cleaned off");
        assert_ne!(current["SecretString"], previous.as_str());
        let old =
            cli.json(&["get-secret-value", "--secret-id", "MyTestDatabaseSecret", "--version-stage", "AWSPREVIOUS"]);
        assert_eq!(old["SecretString"], previous.as_str(), "example {}", i + 1);
        previous = current["SecretString"].as_str().unwrap().to_string();
    }
    let d = cli.json(&["describe-secret", "--secret-id", "MyTestDatabaseSecret"]);
    assert_eq!(d["RotationEnabled"], true);
    assert_eq!(d["RotationLambdaARN"], function);
    // As given, plus the computed AutomaticallyAfterDays beside a days expression.
    assert_eq!(
        d["RotationRules"],
        serde_json::json!({"ScheduleExpression": "rate(10 days)", "AutomaticallyAfterDays": 10})
    );
    assert!(d["LastRotatedDate"].is_number(), "{d}");
}

/// A schedule end to end: RotationRules round-trip through the CLI, the
/// NextRotationDate is the end of the next window, and moving the `--dev`
/// clock into that window makes the scheduler rotate inside it.
#[test]
fn scheduled_rotation_fires_inside_its_window() {
    let Some(bin) = aws_cli() else { return };
    let function = "arn:aws:lambda:us-east-1:000000000000:function:pw";
    let server =
        Server::start_with_config(&format!("[[function]]\narn = \"{function}\"\ntype = \"builtin:password\"\n"));
    let cli = Cli { bin: &bin, server: &server, home: tempfile::tempdir().unwrap() };
    cli.json(&["create-secret", "--name", "scheduled", "--secret-string", "first"]);

    let (code, _, err) = cli.run(&[
        "rotate-secret",
        "--secret-id",
        "scheduled",
        "--rotation-lambda-arn",
        function,
        "--rotation-rules",
        "{\"ScheduleExpression\": \"cron(0 8/8 * * ? 2027)\"}",
    ]);
    assert_ne!(code, 0);
    assert!(
        err.contains("An error occurred (InvalidParameterException) when calling the RotateSecret operation: Invalid cron() expression cron(0 8/8 * * ? 2027): the year field must be *."),
        "{err}"
    );

    let rules = serde_json::json!({"ScheduleExpression": "cron(0 8/8 * * ? *)", "Duration": "2h"});
    cli.json(&[
        "rotate-secret",
        "--secret-id",
        "scheduled",
        "--rotation-lambda-arn",
        function,
        "--rotation-rules",
        &rules.to_string(),
    ]);
    let d = common::wait_for(Duration::from_secs(30), "the first rotation", || {
        let d = cli.json(&["describe-secret", "--secret-id", "scheduled"]);
        d["LastRotatedDate"].is_number().then_some(d)
    });
    assert_eq!(d["RotationRules"], rules, "round-tripped as given");
    let rotated = d["LastRotatedDate"].as_f64().unwrap() as i64;
    // Windows are 08:00-10:00 and 16:00-18:00 UTC. The next is the first
    // to start after the first rotation (the one that rotation fell in, if
    // any, is used up).
    let day = rotated - rotated.rem_euclid(86_400);
    let windows: Vec<i64> = (0..3).flat_map(|d| [day + d * 86_400 + 8 * 3600, day + d * 86_400 + 16 * 3600]).collect();
    let next = *windows.iter().find(|&&w| w > rotated).unwrap();
    assert_eq!(d["NextRotationDate"].as_f64().unwrap() as i64, next + 7200 - 1, "the last second of the next window");

    // Into the window, past the point the scheduler picked.
    let at = rekey_model::calendar::format_utc((next + 7200 - 600) * 1000);
    let clock = server.rekey_json(&["admin", "clock", "--set", &at]);
    assert_eq!(clock["Utc"], at.as_str());
    let jobs = common::wait_for(Duration::from_secs(30), "the scheduled rotation", || {
        let jobs = server.rekey_json(&["admin", "rotations", "--secret-id", "scheduled"])["Rotations"].clone();
        (jobs.as_array().unwrap().len() == 2 && jobs[0]["status"] == "succeeded").then_some(jobs)
    });
    let started = jobs[0]["created"].as_f64().unwrap() as i64;
    assert!((next..next + 7200).contains(&started), "started at {started}, window {next}..{}", next + 7200);
    let d = cli.json(&["describe-secret", "--secret-id", "scheduled"]);
    let following = *windows.iter().find(|&&w| w > next).unwrap();
    assert_eq!(d["NextRotationDate"].as_f64().unwrap() as i64, following + 7200 - 1);
}

/// The ListSecrets filter matrix through boto3's paginator, and a filter
/// through the `aws` CLI.
#[test]
fn list_secrets_filters_with_boto3_and_the_cli() {
    let Some(bin) = aws_cli() else { return };
    let Some(py) = common::python() else { return };
    let server = Server::start();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/api/list_filters.py");
    let out = Command::new(py).arg(script).arg(server.url()).output().unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let cli = Cli { bin: &bin, server: &server, home: tempfile::tempdir().unwrap() };
    let listed = cli.json(&["list-secrets", "--filters", "Key=description,Values=a", "Key=name,Values=s-"]);
    let mut names: Vec<&str> =
        listed["SecretList"].as_array().unwrap().iter().map(|e| e["Name"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["s-a", "s-an", "s-asecret"]);
    // The CLI pages through everything by itself (page size 2 here).
    let all = cli.json(&["list-secrets", "--page-size", "2"]);
    assert_eq!(all["SecretList"].as_array().unwrap().len(), 6);
}

/// Without `--dev`: the first start writes an administrator profile; the
/// `aws` CLI and the Rust SDK authenticate with it; unsigned, unknown-key
/// and wrongly signed requests get AWS's errors.
#[test]
fn serve_without_dev_requires_signatures() {
    let Some(bin) = aws_cli() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rekey"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .env("REKEY_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
    let addr = line.trim().strip_prefix("rekey listening on http://").unwrap().to_string();
    let url = format!("http://{addr}");
    let creds = data.join("admin-credentials");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&creds).unwrap().permissions().mode() & 0o777, 0o600);
    let text = std::fs::read_to_string(&creds).unwrap();
    assert!(text.contains("[rekey-admin]") && text.contains("aws_access_key_id = AKIA"));

    let aws = |profile_file: &std::path::Path, args: &[&str]| {
        Command::new(&bin)
            .args([
                "--profile",
                "rekey-admin",
                "--region",
                "us-east-1",
                "--endpoint-url",
                &url,
                "--output",
                "json",
                "secretsmanager",
            ])
            .args(args)
            .env("AWS_SHARED_CREDENTIALS_FILE", profile_file)
            .env("AWS_CONFIG_FILE", tmp.path().join("none"))
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_PROFILE")
            .output()
            .unwrap()
    };
    let out = aws(&creds, &["create-secret", "--name", "signed", "--secret-string", "s3cret"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = aws(&creds, &["get-secret-value", "--secret-id", "signed"]);
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["SecretString"], "s3cret");
    assert!(got["ARN"].as_str().unwrap().contains(":000000000000:secret:signed-"));

    // A wrong secret key: InvalidSignatureException.
    let wrong = tmp.path().join("wrong");
    let id = text.lines().find_map(|l| l.strip_prefix("aws_access_key_id = ")).unwrap();
    std::fs::write(
        &wrong,
        format!("[rekey-admin]\naws_access_key_id = {id}\naws_secret_access_key = not-the-secret\n"),
    )
    .unwrap();
    let out = aws(&wrong, &["get-secret-value", "--secret-id", "signed"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("(InvalidSignatureException)")
            && err.contains("The request signature we calculated does not match"),
        "{err}"
    );
    // An unknown key: UnrecognizedClientException.
    std::fs::write(&wrong, "[rekey-admin]\naws_access_key_id = AKIAUNKNOWNKEY000000\naws_secret_access_key = x\n")
        .unwrap();
    let err = String::from_utf8_lossy(&aws(&wrong, &["list-secrets"]).stderr).into_owned();
    assert!(
        err.contains("(UnrecognizedClientException)")
            && err.contains("The security token included in the request is invalid."),
        "{err}"
    );

    // Unsigned: MissingAuthenticationTokenException.
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    use std::io::{Read, Write};
    write!(s, "POST / HTTP/1.1\r\nHost: {addr}\r\nX-Amz-Target: secretsmanager.ListSecrets\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}").unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 400"), "{resp}");
    assert!(resp.contains(r#""__type":"MissingAuthenticationTokenException""#), "{resp}");

    // Plain HTTP on a non-loopback address is refused without a flag.
    child.kill().ok();
    child.wait().ok();
    let again = Command::new(env!("CARGO_BIN_EXE_rekey"))
        .args(["serve", "--listen", "0.0.0.0:0", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("refusing to serve plain HTTP on 0.0.0.0:0"));
}
