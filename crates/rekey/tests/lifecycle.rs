//! The secret lifecycle through the Rust AWS SDK against a real server.

mod common;

use aws_sdk_secretsmanager::primitives::Blob;
use common::{Server, error_of, stages, token};

#[tokio::test]
async fn full_lifecycle() {
    let server = Server::start();
    let c = server.client();

    let created = c
        .create_secret()
        .name("app/db")
        .description("the db")
        .secret_string("v1")
        .client_request_token(token(1))
        .send()
        .await
        .unwrap();
    let arn = created.arn().unwrap().to_string();
    assert!(arn.starts_with("arn:aws:secretsmanager:us-east-1:000000000000:secret:app/db-"));
    assert_eq!(arn.len(), "arn:aws:secretsmanager:us-east-1:000000000000:secret:app/db-".len() + 6);
    assert_eq!(created.version_id(), Some(token(1).as_str()));

    // Read by name, full ARN and partial ARN.
    for id in
        ["app/db".to_string(), arn.clone(), "arn:aws:secretsmanager:us-east-1:000000000000:secret:app/db".to_string()]
    {
        let v = c.get_secret_value().secret_id(&id).send().await.unwrap();
        assert_eq!(v.secret_string(), Some("v1"));
        assert_eq!(v.version_stages(), ["AWSCURRENT"]);
        assert_eq!(v.arn(), Some(arn.as_str()));
    }

    // Put moves AWSCURRENT and AWSPREVIOUS.
    let put = c
        .put_secret_value()
        .secret_id("app/db")
        .secret_string("v2")
        .client_request_token(token(2))
        .send()
        .await
        .unwrap();
    assert_eq!(put.version_stages(), ["AWSCURRENT"]);
    let s = stages(&c, "app/db").await;
    assert_eq!(s[&token(1)], ["AWSPREVIOUS"]);
    assert_eq!(s[&token(2)], ["AWSCURRENT"]);
    let prev = c.get_secret_value().secret_id("app/db").version_stage("AWSPREVIOUS").send().await.unwrap();
    assert_eq!(prev.secret_string(), Some("v1"));

    // A custom label and a pending version leave AWSCURRENT where it is.
    c.put_secret_value()
        .secret_id("app/db")
        .secret_binary(Blob::new(b"binary-v3".to_vec()))
        .client_request_token(token(3))
        .version_stages("AWSPENDING")
        .version_stages("CANARY")
        .send()
        .await
        .unwrap();
    let s = stages(&c, "app/db").await;
    assert_eq!(s[&token(3)], ["AWSPENDING", "CANARY"]);
    assert_eq!(c.get_secret_value().secret_id("app/db").send().await.unwrap().secret_string(), Some("v2"));
    let pending = c.get_secret_value().secret_id("app/db").version_stage("AWSPENDING").send().await.unwrap();
    assert_eq!(pending.secret_binary().map(|b| b.as_ref().to_vec()), Some(b"binary-v3".to_vec()));

    // Finish the "rotation" by hand: move AWSCURRENT to v3.
    c.update_secret_version_stage()
        .secret_id("app/db")
        .version_stage("AWSCURRENT")
        .remove_from_version_id(token(2))
        .move_to_version_id(token(3))
        .send()
        .await
        .unwrap();
    let s = stages(&c, "app/db").await;
    assert_eq!(s[&token(3)], ["AWSCURRENT", "AWSPENDING", "CANARY"]);
    assert_eq!(s[&token(2)], ["AWSPREVIOUS"]);
    assert!(!s.contains_key(&token(1)), "v1 lost its last label and is deprecated");

    // list-secret-version-ids hides deprecated versions unless asked.
    let listed = c.list_secret_version_ids().secret_id("app/db").send().await.unwrap();
    let ids: Vec<&str> = listed.versions().iter().filter_map(|v| v.version_id()).collect();
    assert_eq!(ids, [token(2).as_str(), token(3).as_str()]);
    assert!(listed.versions().iter().all(|v| v.kms_key_ids() == ["DefaultEncryptionKey"]));
    let all = c.list_secret_version_ids().secret_id("app/db").include_deprecated(true).send().await.unwrap();
    assert_eq!(all.versions().len(), 3);
    let deprecated = all.versions().iter().find(|v| v.version_id() == Some(token(1).as_str())).unwrap();
    assert!(deprecated.version_stages.is_none());
    // Paging.
    let page =
        c.list_secret_version_ids().secret_id("app/db").include_deprecated(true).max_results(2).send().await.unwrap();
    assert_eq!(page.versions().len(), 2);
    let rest = c
        .list_secret_version_ids()
        .secret_id("app/db")
        .include_deprecated(true)
        .max_results(2)
        .next_token(page.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.versions().len(), 1);
    assert!(rest.next_token().is_none());

    // Describe: dates, description, LastAccessedDate at day granularity.
    let d = c.describe_secret().secret_id("app/db").send().await.unwrap();
    assert_eq!(d.description(), Some("the db"));
    assert!(d.kms_key_id().is_none());
    assert!(d.tags.is_none());
    assert!(d.rotation_enabled().is_none());
    let accessed = d.last_accessed_date().expect("read today").secs();
    assert_eq!(accessed % 86_400, 0);
    assert!(d.created_date().unwrap().secs() <= d.last_changed_date().unwrap().secs());

    // Update: metadata only creates no version; a value does.
    let u = c.update_secret().secret_id("app/db").description("").send().await.unwrap();
    assert!(u.version_id().is_none());
    assert!(c.describe_secret().secret_id("app/db").send().await.unwrap().description().is_none());
    let u =
        c.update_secret().secret_id("app/db").secret_string("v4").client_request_token(token(4)).send().await.unwrap();
    assert_eq!(u.version_id(), Some(token(4).as_str()));
    let s = stages(&c, "app/db").await;
    assert_eq!(s[&token(4)], ["AWSCURRENT"]);
    assert_eq!(s[&token(3)], ["AWSPREVIOUS", "CANARY"], "a manual current write drops AWSPENDING");

    // Delete with a recovery window, then restore.
    let del = c.delete_secret().secret_id("app/db").recovery_window_in_days(7).send().await.unwrap();
    let deletion = del.deletion_date().unwrap().secs();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!((deletion - (now + 7 * 86_400)).abs() < 60, "DeletionDate is now + 7 days");
    let d = c.describe_secret().secret_id("app/db").send().await.unwrap();
    assert!(d.deleted_date().is_some());
    let (code, msg) = error_of(c.get_secret_value().secret_id("app/db").send().await.unwrap_err());
    assert_eq!(code, "InvalidRequestException");
    assert_eq!(msg, "You can't perform this operation on the secret because it was marked for deletion.");
    let (code, msg) = error_of(c.create_secret().name("app/db").secret_string("x").send().await.unwrap_err());
    assert_eq!(code, "InvalidRequestException");
    assert_eq!(msg, "You can't create this secret because a secret with this name is already scheduled for deletion.");
    c.restore_secret().secret_id("app/db").send().await.unwrap();
    assert!(c.describe_secret().secret_id("app/db").send().await.unwrap().deleted_date().is_none());
    assert_eq!(c.get_secret_value().secret_id("app/db").send().await.unwrap().secret_string(), Some("v4"));

    // Force delete: gone at once, and the name can be reused with a new ARN.
    c.delete_secret().secret_id("app/db").force_delete_without_recovery(true).send().await.unwrap();
    let (code, _) = error_of(c.describe_secret().secret_id("app/db").send().await.unwrap_err());
    assert_eq!(code, "ResourceNotFoundException");
    let again = c.create_secret().name("app/db").secret_string("new").send().await.unwrap();
    assert_ne!(again.arn(), Some(arn.as_str()));
    let (code, _) = error_of(c.get_secret_value().secret_id(&arn).send().await.unwrap_err());
    assert_eq!(code, "ResourceNotFoundException", "the old full ARN names nothing");
}

#[tokio::test]
async fn secret_without_value_and_binary_secrets() {
    let server = Server::start();
    let c = server.client();
    let created = c.create_secret().name("empty").send().await.unwrap();
    assert!(created.version_id().is_none());
    let d = c.describe_secret().secret_id("empty").send().await.unwrap();
    assert!(d.version_ids_to_stages().is_none());
    let (code, msg) = error_of(c.get_secret_value().secret_id("empty").send().await.unwrap_err());
    assert_eq!(code, "ResourceNotFoundException");
    assert_eq!(msg, "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT");
    // The first value is always AWSCURRENT, even if only custom labels are asked for.
    let put = c
        .put_secret_value()
        .secret_id("empty")
        .secret_binary(Blob::new(vec![0u8, 1, 2, 255]))
        .version_stages("X")
        .send()
        .await
        .unwrap();
    let mut st = put.version_stages().to_vec();
    st.sort();
    assert_eq!(st, ["AWSCURRENT", "X"]);
    let v = c.get_secret_value().secret_id("empty").send().await.unwrap();
    assert_eq!(v.secret_binary().unwrap().as_ref(), &[0u8, 1, 2, 255]);
    assert!(v.secret_string().is_none());
}

#[tokio::test]
async fn idempotency_by_client_request_token() {
    let server = Server::start();
    let c = server.client();
    let a = c.create_secret().name("idem").secret_string("same").client_request_token(token(7)).send().await.unwrap();
    let b = c.create_secret().name("idem").secret_string("same").client_request_token(token(7)).send().await.unwrap();
    assert_eq!((a.arn(), a.version_id()), (b.arn(), b.version_id()));
    let (code, msg) = error_of(
        c.create_secret().name("idem").secret_string("other").client_request_token(token(7)).send().await.unwrap_err(),
    );
    assert_eq!(code, "ResourceExistsException");
    assert_eq!(
        msg,
        format!(
            "You can't use ClientRequestToken {} because that value is already in use for a version of secret {}.",
            token(7),
            a.arn().unwrap()
        )
    );
    let (code, msg) = error_of(
        c.create_secret().name("idem").secret_string("same").client_request_token(token(8)).send().await.unwrap_err(),
    );
    assert_eq!(code, "ResourceExistsException");
    assert_eq!(msg, "The operation failed because the secret idem already exists.");

    c.put_secret_value().secret_id("idem").secret_string("p").client_request_token(token(9)).send().await.unwrap();
    let replay =
        c.put_secret_value().secret_id("idem").secret_string("p").client_request_token(token(9)).send().await.unwrap();
    assert_eq!(replay.version_stages(), ["AWSCURRENT"]);
    let (code, _) = error_of(
        c.put_secret_value()
            .secret_id("idem")
            .secret_string("q")
            .client_request_token(token(9))
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "ResourceExistsException");
    // A binary with the same bytes is a different value.
    let (code, _) = error_of(
        c.put_secret_value()
            .secret_id("idem")
            .secret_binary(Blob::new(b"p".to_vec()))
            .client_request_token(token(9))
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "ResourceExistsException");
    let versions = c.list_secret_version_ids().secret_id("idem").include_deprecated(true).send().await.unwrap();
    assert_eq!(versions.versions().len(), 2, "replays created nothing");
    let u = c.update_secret().secret_id("idem").secret_string("p").client_request_token(token(9)).send().await.unwrap();
    assert_eq!(u.version_id(), Some(token(9).as_str()));
}

#[tokio::test]
async fn errors_match_aws() {
    let server = Server::start();
    let c = server.client();
    c.create_secret().name("e").secret_string("x").client_request_token(token(1)).send().await.unwrap();

    let (code, msg) = error_of(c.get_secret_value().secret_id("missing").send().await.unwrap_err());
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
    );

    let (code, msg) = error_of(c.get_secret_value().secret_id("bad name!?").send().await.unwrap_err());
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg,
        "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!"
    );

    let (code, msg) = error_of(c.get_secret_value().secret_id("e").version_stage("NOPE").send().await.unwrap_err());
    assert_eq!(code, "ResourceNotFoundException");
    assert_eq!(msg, "Secrets Manager can't find the specified secret value for staging label: NOPE");

    let (code, msg) = error_of(c.get_secret_value().secret_id("e").version_id(token(5)).send().await.unwrap_err());
    assert_eq!(code, "ResourceNotFoundException");
    assert_eq!(msg, format!("Secrets Manager can't find the specified secret value for VersionId: {}", token(5)));

    let (code, msg) = error_of(
        c.get_secret_value().secret_id("e").version_id(token(1)).version_stage("AWSPREVIOUS").send().await.unwrap_err(),
    );
    assert_eq!(code, "InvalidRequestException");
    assert_eq!(msg, "You provided a VersionStage that is not associated to the provided VersionId.");

    let (code, msg) = error_of(
        c.create_secret()
            .name("both")
            .secret_string("a")
            .secret_binary(Blob::new(b"b".to_vec()))
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(msg, "You can't specify both a binary secret value and a string secret value in the same secret.");

    let (code, msg) = error_of(
        c.update_secret_version_stage()
            .secret_id("e")
            .version_stage("AWSCURRENT")
            .move_to_version_id(token(1))
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(
        msg,
        format!(
            "The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is currently attached to version {}, so you must explicitly reference that version in RemoveFromVersionId.",
            token(1)
        )
    );

    let (code, msg) = error_of(c.delete_secret().secret_id("e").recovery_window_in_days(3).send().await.unwrap_err());
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(msg, "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).");
    let (code, _) = error_of(
        c.delete_secret()
            .secret_id("e")
            .recovery_window_in_days(7)
            .force_delete_without_recovery(true)
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "InvalidParameterException");

    // Forcing the deletion of a secret that does not exist answers as if it did.
    let gone = c.delete_secret().secret_id("never-was").force_delete_without_recovery(true).send().await.unwrap();
    assert_eq!(gone.name(), Some("never-was"));
    assert!(gone.deletion_date().is_some());

    // Model constraints are ValidationExceptions, value hidden for secrets.
    let (code, msg) = error_of(c.get_random_password().password_length(4097).send().await.unwrap_err());
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg,
        "1 validation error detected: Value '4097' at 'passwordLength' failed to satisfy constraint: Member must have value less than or equal to 4096"
    );
    let (code, msg) =
        error_of(c.put_secret_value().secret_id("e").secret_string("x".repeat(65_537)).send().await.unwrap_err());
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg,
        "1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to 65536"
    );
    // The largest value is accepted.
    c.put_secret_value().secret_id("e").secret_string("y".repeat(65_536)).send().await.unwrap();
    // Nothing was changed by the failures.
    let s = c.describe_secret().secret_id("e").send().await.unwrap();
    assert_eq!(s.version_ids_to_stages().unwrap().len(), 2);
}

#[tokio::test]
async fn raw_protocol_errors() {
    let server = Server::start();
    let missing = r#"{"Name":"raw","SecretString":"x"}"#;
    let (status, body) = server.raw("CreateSecret", missing);
    assert_eq!(status, 400);
    assert_eq!(body["__type"], "InvalidRequestException");
    assert_eq!(body["Message"], "You must provide a ClientRequestToken value. We recommend a UUID-type value.");
    // The missing token is reported before the both-values conflict (docs/behaviour.md §1.5).
    let (status, body) = server.raw("CreateSecret", r#"{"Name":"raw","SecretString":"x","SecretBinary":"eA=="}"#);
    assert_eq!((status, body["__type"].as_str()), (400, Some("InvalidRequestException")));
    let (_, body) = server.raw("PutSecretValue", r#"{"SecretId":"raw"}"#);
    assert_eq!(body["Message"], "You must provide a ClientRequestToken value. We recommend a UUID-type value.");
    // Metadata-only create needs no token.
    let (status, body) = server.raw("CreateSecret", r#"{"Name":"raw"}"#);
    assert_eq!(status, 200, "{body}");
    assert!(body.get("VersionId").is_none());
    let (status, body) = server.raw("PutSecretValue", r#"{"SecretId":"raw","SecretString":"x"}"#);
    assert_eq!((status, body["__type"].as_str()), (400, Some("InvalidRequestException")));
    let (status, body) = server.raw("NoSuchOperation", "{}");
    assert_eq!((status, body["__type"].as_str()), (400, Some("UnknownOperationException")));
    let (status, body) = server.raw("GetSecretValue", "{not json");
    assert_eq!((status, body["__type"].as_str()), (400, Some("SerializationException")));
    let (status, body) = server.raw("GetSecretValue", "{}");
    assert_eq!(status, 400);
    assert_eq!(
        body["Message"],
        "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null"
    );
    let (status, body) = server.raw("GetRandomPassword", r#"{"PasswordLength":12,"ExcludePunctuation":true}"#);
    assert_eq!(status, 200);
    let pw = body["RandomPassword"].as_str().unwrap();
    assert_eq!(pw.len(), 12);
    assert!(pw.chars().all(|c| c.is_ascii_alphanumeric()));
}

#[tokio::test]
async fn regions_and_accounts_are_namespaces() {
    let server = Server::start();
    let east = server.client_as("AKIDEXAMPLE", "us-east-1");
    let west = server.client_as("AKIDEXAMPLE", "eu-west-1");
    let other = server.client_as("111122223333", "us-east-1");
    let a = east.create_secret().name("shared").secret_string("east").send().await.unwrap();
    let b = west.create_secret().name("shared").secret_string("west").send().await.unwrap();
    let o = other.create_secret().name("shared").secret_string("other").send().await.unwrap();
    assert!(b.arn().unwrap().starts_with("arn:aws:secretsmanager:eu-west-1:000000000000:secret:shared-"));
    assert!(o.arn().unwrap().starts_with("arn:aws:secretsmanager:us-east-1:111122223333:secret:shared-"));
    assert_eq!(east.get_secret_value().secret_id("shared").send().await.unwrap().secret_string(), Some("east"));
    assert_eq!(west.get_secret_value().secret_id("shared").send().await.unwrap().secret_string(), Some("west"));
    assert_eq!(other.get_secret_value().secret_id("shared").send().await.unwrap().secret_string(), Some("other"));
    // An ARN of another region names nothing here.
    let (code, _) = error_of(west.get_secret_value().secret_id(a.arn().unwrap()).send().await.unwrap_err());
    assert_eq!(code, "ResourceNotFoundException");
}

/// DeleteSecret checks the recovery window's range before its clash with
/// ForceDeleteWithoutRecovery, as AWS does (docs/behaviour.md §13.3).
#[test]
fn delete_checks_the_window_before_force() {
    let server = Server::start();
    let (status, body) = server.raw(
        "CreateSecret",
        r#"{"Name": "a", "SecretString": "x", "ClientRequestToken": "00000000-0000-4000-8000-000000000001"}"#,
    );
    assert_eq!(status, 200, "{body}");
    for days in [0, 3, 31] {
        let (status, body) = server.raw(
            "DeleteSecret",
            &format!(r#"{{"SecretId": "a", "ForceDeleteWithoutRecovery": true, "RecoveryWindowInDays": {days}}}"#),
        );
        assert_eq!(status, 400);
        assert_eq!(body["Message"], "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).");
    }
    let (status, body) = server
        .raw("DeleteSecret", r#"{"SecretId": "a", "ForceDeleteWithoutRecovery": true, "RecoveryWindowInDays": 7}"#);
    assert_eq!(status, 400);
    assert_eq!(body["Message"], "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
    let (status, _) = server.raw("DescribeSecret", r#"{"SecretId": "a"}"#);
    assert_eq!(status, 200, "nothing was deleted");
}

/// SIGTERM: a request already under way (its body still coming) is
/// answered, new connections are refused, and the server exits cleanly.
#[test]
fn sigterm_finishes_requests_in_flight() {
    use std::io::{Read, Write};
    let server = Server::start();
    let body = format!(r#"{{"Name": "in-flight", "SecretString": "v", "ClientRequestToken": "{}"}}"#, token(1));
    let mut s = std::net::TcpStream::connect(&server.addr).unwrap();
    write!(
        s,
        "POST / HTTP/1.1\r\nHost: {}\r\nX-Amz-Target: secretsmanager.CreateSecret\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        server.addr,
        body.len(),
        &body[..10]
    )
    .unwrap();
    s.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let pid = server.pid();
    unsafe { libc::kill(pid as i32, libc::SIGTERM) };
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(std::net::TcpStream::connect(&server.addr).is_err(), "no longer accepting");
    s.write_all(&body.as_bytes()[10..]).unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"Name\":\"in-flight\""), "{answer}");
    let status = server.wait();
    assert!(status.success(), "{status}");
}
