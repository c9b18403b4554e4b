//! Authorization end to end, without `--dev`: users and their identity
//! policies made with `rekey admin`, the real `aws` CLI and boto3 signing
//! as them, resource policies, cross-account access, key revocation, and
//! TLS (`--dev-tls`, `--tls-cert`/`--tls-key`, `aws:SecureTransport`).

mod common;

use common::{Server, aws_cli, python};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

const ACCOUNT: &str = "000000000000";
const FUNCTION: &str = "arn:aws:lambda:us-east-1:000000000000:function:pw";
/// A function of another account (as a real AWS Lambda would be).
const ELSEWHERE: &str = "arn:aws:lambda:us-east-1:123456789012:function:pw";

/// A signed server, its administrator, and a credentials file the test
/// adds users' profiles to.
struct Fixture {
    server: Server,
    dir: tempfile::TempDir,
    credentials: PathBuf,
}

impl Fixture {
    fn start(extra: &[&str]) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("rekey.toml");
        let function = |arn: &str| format!("[[function]]\narn = \"{arn}\"\ntype = \"builtin:password\"\n");
        // The other account's function serves this one too.
        let elsewhere = function(ELSEWHERE) + &format!("accounts = [\"{ACCOUNT}\"]\n");
        std::fs::write(&config, function(FUNCTION) + &elsewhere).unwrap();
        let mut args = vec!["--config", config.to_str().unwrap()];
        args.extend_from_slice(extra);
        let server = Server::start_signed(&args);
        let credentials = dir.path().join("credentials");
        std::fs::copy(server.admin_credentials(), &credentials).unwrap();
        Fixture { server, dir, credentials }
    }

    /// `rekey admin <args>` as `profile`: (success, JSON or stderr).
    fn admin_as(&self, profile: &str, args: &[&str]) -> Result<Value, String> {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rekey"));
        cmd.arg("admin")
            .args(args)
            .args(["--profile", profile, "--endpoint-url", &self.server.url()])
            .env("AWS_SHARED_CREDENTIALS_FILE", &self.credentials)
            .env_remove("AWS_CA_BUNDLE");
        if self.server.scheme == "https" {
            cmd.env("AWS_CA_BUNDLE", self.server.data_dir.join("dev-cert.pem"));
        }
        let out = cmd.output().unwrap();
        if out.status.success() {
            Ok(serde_json::from_slice(&out.stdout).unwrap())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    fn admin(&self, args: &[&str]) -> Value {
        self.admin_as("rekey-admin", args).unwrap_or_else(|e| panic!("rekey admin {args:?}: {e}"))
    }

    /// Creates a user with one policy and an access key, saved as profile `name`.
    fn user(&self, name: &str, policy: Value) -> String {
        self.admin(&["create-user", "--user-name", name]);
        let doc = self.dir.path().join(format!("{name}.json"));
        std::fs::write(&doc, policy.to_string()).unwrap();
        let file = format!("file://{}", doc.display());
        self.admin(&["attach-user-policy", "--user-name", name, "--policy-name", "p", "--policy-document", &file]);
        let key = self.admin(&["create-access-key", "--user-name", name]);
        self.save_profile(name, &key["AccessKey"]);
        key["AccessKey"]["AccessKeyId"].as_str().unwrap().to_string()
    }

    fn save_profile(&self, name: &str, key: &Value) {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().append(true).open(&self.credentials).unwrap();
        writeln!(
            f,
            "[{name}]\naws_access_key_id = {}\naws_secret_access_key = {}",
            key["AccessKeyId"].as_str().unwrap(),
            key["SecretAccessKey"].as_str().unwrap()
        )
        .unwrap();
    }

    /// `aws secretsmanager <args>` as `profile`: (exit code, stdout, stderr).
    fn aws(&self, bin: &Path, profile: &str, args: &[&str]) -> (i32, String, String) {
        let mut cmd = Command::new(bin);
        cmd.args(["--profile", profile, "--region", "us-east-1", "--endpoint-url", &self.server.url()])
            .args(["--output", "json", "secretsmanager"])
            .args(args)
            .env("AWS_SHARED_CREDENTIALS_FILE", &self.credentials)
            .env("AWS_CONFIG_FILE", self.dir.path().join("none"))
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_PROFILE");
        if self.server.scheme == "https" {
            cmd.env("AWS_CA_BUNDLE", self.server.data_dir.join("dev-cert.pem"));
        }
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn aws_ok(&self, bin: &Path, profile: &str, args: &[&str]) -> Value {
        let (code, out, err) = self.aws(bin, profile, args);
        assert_eq!(code, 0, "aws {args:?} as {profile}: {err}");
        if out.trim().is_empty() { Value::Null } else { serde_json::from_str(&out).unwrap() }
    }

    /// The error line of a failing `aws` call.
    fn aws_err(&self, bin: &Path, profile: &str, args: &[&str]) -> String {
        let (code, _, err) = self.aws(bin, profile, args);
        assert_ne!(code, 0, "aws {args:?} as {profile} should fail");
        err.trim().to_string()
    }
}

fn denied(op: &str, user: &str, action: &str, resource: Option<&str>, why: &str) -> String {
    let on = resource.map(|r| format!(" on resource: {r}")).unwrap_or_default();
    format!(
        "An error occurred (AccessDeniedException) when calling the {op} operation: User: arn:aws:iam::{ACCOUNT}:user/{user} is not authorized to perform: {action}{on} {why}"
    )
}

fn because(action: &str) -> String {
    format!("because no identity-based policy allows the {action} action")
}

#[test]
fn users_policies_and_the_aws_cli() {
    let Some(bin) = aws_cli() else { return };
    let f = Fixture::start(&[]);
    let admin = "rekey-admin";
    f.aws_ok(&bin, admin, &["create-secret", "--name", "app/db", "--secret-string", "v1"]);
    f.aws_ok(&bin, admin, &["create-secret", "--name", "other", "--secret-string", "o1"]);
    f.aws_ok(
        &bin,
        admin,
        &["create-secret", "--name", "app/tagged", "--secret-string", "t", "--tags", "Key=team,Value=blue"],
    );

    // A read-only user: may read app/*, nothing else.
    let reader_key = f.user(
        "reader",
        json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            "Resource": format!("arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:app/*")
        }]}),
    );
    let got = f.aws_ok(&bin, "reader", &["get-secret-value", "--secret-id", "app/db"]);
    assert_eq!(got["SecretString"], "v1");
    let rotate = ["rotate-secret", "--secret-id", "app/db", "--rotation-lambda-arn", FUNCTION];
    assert_eq!(
        f.aws_err(&bin, "reader", &rotate),
        denied(
            "RotateSecret",
            "reader",
            "secretsmanager:RotateSecret",
            Some("app/db"),
            &because("secretsmanager:RotateSecret")
        )
    );
    assert_eq!(
        f.aws_err(&bin, "reader", &["get-secret-value", "--secret-id", "other"]),
        denied(
            "GetSecretValue",
            "reader",
            "secretsmanager:GetSecretValue",
            Some("other"),
            &because("secretsmanager:GetSecretValue")
        )
    );
    // Allowed on app/*, a missing secret there is simply not found; the
    // denied caller above cannot tell.
    let err = f.aws_err(&bin, "reader", &["get-secret-value", "--secret-id", "app/missing"]);
    assert!(err.contains("(ResourceNotFoundException)"), "{err}");
    assert_eq!(
        f.aws_err(&bin, "reader", &["list-secrets"]),
        denied("ListSecrets", "reader", "secretsmanager:ListSecrets", None, &because("secretsmanager:ListSecrets"))
    );
    // Nothing was changed by the denied calls.
    let d = f.aws_ok(&bin, admin, &["describe-secret", "--secret-id", "app/db"]);
    assert!(d.get("RotationEnabled").is_none(), "{d}");

    // Rotation needs lambda:InvokeFunction on the function too.
    f.user(
        "rotator-without-lambda",
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}]}),
    );
    assert_eq!(
        f.aws_err(&bin, "rotator-without-lambda", &rotate),
        denied(
            "RotateSecret",
            "rotator-without-lambda",
            "lambda:InvokeFunction",
            Some(FUNCTION),
            &because("lambda:InvokeFunction")
        )
    );
    f.user(
        "rotator",
        json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"},
            {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": FUNCTION}
        ]}),
    );
    let rotated = f.aws_ok(&bin, "rotator", &rotate);
    assert!(rotated["VersionId"].is_string(), "{rotated}");
    common::wait_for(std::time::Duration::from_secs(20), "the rotation", || {
        let v = f.aws_ok(&bin, "reader", &["get-secret-value", "--secret-id", "app/db"]);
        (v["SecretString"] != "v1").then_some(())
    });

    // A registered function of another account, configured to serve this
    // one, is the operator's: the caller's identity decides (the root may).
    let elsewhere =
        f.aws_ok(&bin, admin, &["rotate-secret", "--secret-id", "other", "--rotation-lambda-arn", ELSEWHERE]);
    assert!(elsewhere["VersionId"].is_string(), "{elsewhere}");

    // A resource policy denying the reader wins over its identity allow.
    let policy = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny",
        "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:user/reader")},
        "Action": "secretsmanager:GetSecretValue",
        "Resource": "*"
    }]});
    f.aws_ok(&bin, admin, &["put-resource-policy", "--secret-id", "app/db", "--resource-policy", &policy.to_string()]);
    assert_eq!(
        f.aws_err(&bin, "reader", &["get-secret-value", "--secret-id", "app/db"]),
        denied(
            "GetSecretValue",
            "reader",
            "secretsmanager:GetSecretValue",
            Some("app/db"),
            "with an explicit deny in a resource-based policy"
        )
    );
    // Validating a policy also needs PutResourcePolicy, as at AWS.
    f.user(
        "validator",
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:ValidateResourcePolicy", "Resource": "*"}]}),
    );
    let err = f.aws_err(&bin, "validator", &["validate-resource-policy", "--resource-policy", &policy.to_string()]);
    assert!(err.ends_with("perform: secretsmanager:PutResourcePolicy because no identity-based policy allows the secretsmanager:PutResourcePolicy action"), "{err}");
    // Others are unaffected; the reader still reads what the policy does not cover.
    f.aws_ok(&bin, "rotator", &["get-secret-value", "--secret-id", "app/db"]);
    f.aws_ok(&bin, "reader", &["describe-secret", "--secret-id", "app/db"]);

    // Conditions on the secret's tags, and BatchGetSecretValue per secret.
    f.user(
        "blue",
        json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "secretsmanager:BatchGetSecretValue", "Resource": "*"},
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
             "Condition": {"StringEquals": {"secretsmanager:ResourceTag/team": "blue"}}}
        ]}),
    );
    let batch = f.aws_ok(&bin, "blue", &["batch-get-secret-value", "--secret-id-list", "app/tagged", "other"]);
    let values = batch["SecretValues"].as_array().unwrap();
    assert_eq!(values.len(), 1, "{batch}");
    assert_eq!(values[0]["Name"], "app/tagged");
    assert_eq!(batch["Errors"][0]["SecretId"], "other");
    assert_eq!(batch["Errors"][0]["ErrorCode"], "AccessDeniedException");
    // Listing by filter is ListSecrets, which the user lacks.
    let err = f.aws_err(&bin, "blue", &["batch-get-secret-value", "--filters", "Key=name,Values=app"]);
    assert!(err.contains("perform: secretsmanager:ListSecrets because"), "{err}");

    // The admin commands show what was made; users cannot use them on
    // others, nor create accounts.
    let keys = f.admin(&["list-access-keys", "--user-name", "reader"]);
    assert_eq!(keys["AccessKeyMetadata"][0]["AccessKeyId"], reader_key.as_str());
    let policies = f.admin(&["list-user-policies", "--user-name", "reader"]);
    assert_eq!(policies["Policies"][0]["PolicyName"], "p");
    let users = f.admin(&["list-users"]);
    let names: Vec<&str> = users["Users"].as_array().unwrap().iter().map(|u| u["UserName"].as_str().unwrap()).collect();
    assert_eq!(names, ["blue", "reader", "rotator", "rotator-without-lambda", "validator"]);
    let err = f.admin_as("reader", &["create-user", "--user-name", "mallory"]).unwrap_err();
    assert!(err.contains("AccessDeniedException") && err.contains("iam:CreateUser"), "{err}");
    let err = f.admin_as("rotator", &["create-account"]).unwrap_err();
    assert!(err.contains("AccessDeniedException"), "{err}");
    let err = f
        .admin_as(
            "rekey-admin",
            &[
                "attach-user-policy",
                "--user-name",
                "reader",
                "--policy-name",
                "bad",
                "--policy-document",
                r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*"}]}"#,
            ],
        )
        .unwrap_err();
    assert!(err.contains("MalformedPolicyDocumentException") && err.contains("cannot have a Principal"), "{err}");

    // Detaching the policy takes effect at once.
    f.admin(&["detach-user-policy", "--user-name", "rotator", "--policy-name", "p"]);
    let err = f.aws_err(&bin, "rotator", &["describe-secret", "--secret-id", "other"]);
    assert!(err.contains("(AccessDeniedException)"), "{err}");

    // A revoked key no longer signs.
    f.admin(&["delete-access-key", "--access-key-id", &reader_key]);
    let err = f.aws_err(&bin, "reader", &["describe-secret", "--secret-id", "app/db"]);
    assert!(err.contains("(UnrecognizedClientException)"), "{err}");
}

#[test]
fn cross_account_access_needs_the_resource_policy() {
    let Some(bin) = aws_cli() else { return };
    let f = Fixture::start(&[]);
    let created = f.aws_ok(&bin, "rekey-admin", &["create-secret", "--name", "shared", "--secret-string", "s"]);
    let arn = created["ARN"].as_str().unwrap().to_string();
    let other = f.admin(&["create-account", "--account-id", "222222222222"]);
    assert_eq!(other["AccountId"], "222222222222");
    f.save_profile("other-root", &other["AccessKey"]);
    let accounts = f.admin(&["list-accounts"]);
    assert_eq!(accounts["Accounts"].as_array().unwrap().len(), 2, "{accounts}");

    // Its root is allowed everything in its own account, but not here
    // without the secret's consent.
    let err = f.aws_err(&bin, "other-root", &["get-secret-value", "--secret-id", &arn]);
    assert_eq!(
        err,
        format!(
            "An error occurred (AccessDeniedException) when calling the GetSecretValue operation: User: arn:aws:iam::222222222222:root is not authorized to perform: secretsmanager:GetSecretValue on resource: {arn} because no resource-based policy allows the secretsmanager:GetSecretValue action"
        )
    );
    let policy = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
        "Action": "secretsmanager:GetSecretValue", "Resource": "*"
    }]});
    f.aws_ok(
        &bin,
        "rekey-admin",
        &["put-resource-policy", "--secret-id", "shared", "--resource-policy", &policy.to_string()],
    );
    let got = f.aws_ok(&bin, "other-root", &["get-secret-value", "--secret-id", &arn]);
    assert_eq!(got["SecretString"], "s");
    // Only what the policy names.
    let err = f.aws_err(&bin, "other-root", &["put-secret-value", "--secret-id", &arn, "--secret-string", "x"]);
    assert!(err.contains("because no resource-based policy allows the secretsmanager:PutSecretValue action"), "{err}");
    // Its own secrets are its own.
    f.aws_ok(&bin, "other-root", &["create-secret", "--name", "shared", "--secret-string", "mine"]);
    let mine = f.aws_ok(&bin, "other-root", &["get-secret-value", "--secret-id", "shared"]);
    assert!(mine["ARN"].as_str().unwrap().contains(":222222222222:secret:shared-"));
    // The non-administrator root cannot manage the first account.
    let err = f.admin_as("other-root", &["list-users", "--account-id", ACCOUNT]).unwrap_err();
    assert!(err.contains("AccessDeniedException"), "{err}");
}

/// boto3 signs with a profile too, and `aws:SecureTransport`,
/// `aws:SourceIp`, `aws:CurrentTime` (the request's arrival) and
/// `aws:username` reach conditions.
#[test]
fn boto3_and_request_conditions() {
    let Some(py) = python() else { return };
    let f = Fixture::start(&[]);
    f.user(
        "carol",
        json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*",
             "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}},
            {"Effect": "Deny", "Action": "secretsmanager:DeleteSecret", "Resource": "*",
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            {"Effect": "Deny", "Action": "secretsmanager:CreateSecret",
             "NotResource": "arn:aws:secretsmanager:*:*:secret:${aws:username}/*"},
            {"Effect": "Deny", "Action": "secretsmanager:DescribeSecret", "Resource": "*",
             "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}},
            {"Effect": "Deny", "Action": "secretsmanager:ListSecretVersionIds", "Resource": "*",
             "Condition": {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}}
        ]}),
    );
    let script = r#"
import boto3, json, sys
s = boto3.Session(profile_name="carol", region_name="us-east-1")
c = s.client("secretsmanager", endpoint_url=sys.argv[1])
out = {}
out["own"] = c.create_secret(Name="carol/app", SecretString="x")["Name"]
for name, call in [("elsewhere", lambda: c.create_secret(Name="bob/app", SecretString="x")),
                   ("describe", lambda: c.describe_secret(SecretId="carol/app")),
                   ("versions", lambda: c.list_secret_version_ids(SecretId="carol/app")),
                   ("delete", lambda: c.delete_secret(SecretId="carol/app"))]:
    try:
        call()
        out[name] = "allowed"
    except c.exceptions.ClientError as e:
        out[name] = e.response["Error"]["Code"] + ": " + e.response["Error"]["Message"]
print(json.dumps(out))
"#;
    let out = Command::new(py)
        .args(["-c", script, &f.server.url()])
        .env("AWS_SHARED_CREDENTIALS_FILE", &f.credentials)
        .env("AWS_CONFIG_FILE", f.dir.path().join("none"))
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["own"], "carol/app");
    assert_eq!(
        got["elsewhere"],
        "AccessDeniedException: User: arn:aws:iam::000000000000:user/carol is not authorized to perform: secretsmanager:CreateSecret on resource: bob/app with an explicit deny in an identity-based policy"
    );
    assert!(got["delete"].as_str().unwrap().ends_with("with an explicit deny in an identity-based policy"), "{got}");
    assert!(
        got["describe"].as_str().unwrap().contains("DescribeSecret on resource: carol/app with an explicit deny"),
        "{got}"
    );
    assert_eq!(got["versions"], "allowed", "{got}");
}

/// `--dev-tls` serves HTTPS with a self-signed certificate the CLI trusts
/// through AWS_CA_BUNDLE; a signed server takes `--tls-cert`/`--tls-key`,
/// and over TLS `aws:SecureTransport` is true.
#[test]
fn tls_serving() {
    let Some(bin) = aws_cli() else { return };
    let dev = Server::start_dev_with(&["--dev-tls"]);
    assert_eq!(dev.scheme, "https");
    let cert = dev.data_dir.join("dev-cert.pem");
    use std::os::unix::fs::PermissionsExt;
    let key = dev.data_dir.join("dev-key.pem");
    assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    let run = |url: &str, ca: Option<&Path>| {
        let mut cmd = Command::new(&bin);
        cmd.args([
            "--region",
            "us-east-1",
            "--endpoint-url",
            url,
            "--output",
            "json",
            "secretsmanager",
            "list-secrets",
        ])
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "x")
        .env_remove("AWS_PROFILE");
        match ca {
            Some(ca) => cmd.env("AWS_CA_BUNDLE", ca),
            None => cmd.env_remove("AWS_CA_BUNDLE"),
        };
        cmd.output().unwrap()
    };
    let ok = run(&dev.url(), Some(&cert));
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    // Without trusting the certificate, the CLI refuses.
    let refused = run(&dev.url(), None);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("SSL"), "{}", String::from_utf8_lossy(&refused.stderr));

    // A signed server with the pair given as files.
    let pair = tempfile::tempdir().unwrap();
    let (c, k) = (pair.path().join("cert.pem"), pair.path().join("key.pem"));
    std::fs::copy(&cert, &c).unwrap();
    std::fs::copy(&key, &k).unwrap();
    drop(dev);
    let f = Fixture::start(&["--tls-cert", c.to_str().unwrap(), "--tls-key", k.to_str().unwrap()]);
    assert_eq!(f.server.scheme, "https");
    std::fs::copy(&c, f.server.data_dir.join("dev-cert.pem")).unwrap();
    f.user(
        "tls-only",
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}),
    );
    f.aws_ok(&bin, "tls-only", &["create-secret", "--name", "over-tls", "--secret-string", "x"]);
}

/// The same policy over plain HTTP is refused.
#[test]
fn secure_transport_is_false_over_plain_http() {
    let Some(bin) = aws_cli() else { return };
    let f = Fixture::start(&[]);
    f.user(
        "tls-only",
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}),
    );
    let err = f.aws_err(&bin, "tls-only", &["create-secret", "--name", "plain", "--secret-string", "x"]);
    assert!(err.contains("(AccessDeniedException)"), "{err}");
}

/// Temporary credentials: `rekey admin get-session-token` gives a key that
/// signs only with its session token, with the user's permissions.
#[test]
fn session_tokens() {
    let Some(bin) = aws_cli() else { return };
    let f = Fixture::start(&[]);
    f.aws_ok(&bin, "rekey-admin", &["create-secret", "--name", "app/db", "--secret-string", "v1"]);
    f.user(
        "reader",
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}),
    );
    let token = f.admin_as("reader", &["get-session-token", "--duration-seconds", "900"]).unwrap();
    let creds = &token["Credentials"];
    assert!(creds["AccessKeyId"].as_str().unwrap().starts_with("ASIA"), "{token}");
    let expires = creds["Expiration"].as_f64().unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64();
    assert!((expires - now - 900.0).abs() < 60.0, "{expires} vs {now}");
    let profile = |name: &str, token: Option<&str>| {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new().append(true).open(&f.credentials).unwrap();
        writeln!(
            file,
            "[{name}]\naws_access_key_id = {}\naws_secret_access_key = {}",
            creds["AccessKeyId"].as_str().unwrap(),
            creds["SecretAccessKey"].as_str().unwrap()
        )
        .unwrap();
        if let Some(t) = token {
            writeln!(file, "aws_session_token = {t}").unwrap();
        }
    };
    profile("temporary", creds["SessionToken"].as_str());
    profile("no-token", None);
    profile("wrong-token", Some("not-the-token"));
    let got = f.aws_ok(&bin, "temporary", &["get-secret-value", "--secret-id", "app/db"]);
    assert_eq!(got["SecretString"], "v1");
    // The user's permissions, no more.
    let err = f.aws_err(&bin, "temporary", &["describe-secret", "--secret-id", "app/db"]);
    assert!(err.contains("User: arn:aws:iam::000000000000:user/reader is not authorized"), "{err}");
    for profile in ["no-token", "wrong-token"] {
        let err = f.aws_err(&bin, profile, &["get-secret-value", "--secret-id", "app/db"]);
        assert!(
            err.contains("(UnrecognizedClientException)")
                && err.contains("The security token included in the request is invalid."),
            "{profile}: {err}"
        );
    }
    // A permanent key with a token is refused too.
    let key = f.admin(&["create-access-key", "--user-name", "reader"]);
    f.save_profile("permanent-with-token", &key["AccessKey"]);
    {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new().append(true).open(&f.credentials).unwrap();
        writeln!(file, "aws_session_token = {}", creds["SessionToken"].as_str().unwrap()).unwrap();
    }
    let err = f.aws_err(&bin, "permanent-with-token", &["get-secret-value", "--secret-id", "app/db"]);
    assert!(err.contains("(UnrecognizedClientException)"), "{err}");
    // Session credentials make no more.
    let err = f.admin_as("temporary", &["get-session-token"]).unwrap_err();
    assert!(err.contains("Cannot call GetSessionToken with session credentials"), "{err}");
    let err = f.admin_as("reader", &["get-session-token", "--duration-seconds", "60"]).unwrap_err();
    assert!(err.contains("DurationSeconds must be between 900 and 129600"), "{err}");
}
