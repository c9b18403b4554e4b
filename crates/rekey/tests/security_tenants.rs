//! Tenants stay apart: keys and sessions cannot mint keys, a signed
//! request cannot be altered, another region's secret cannot be
//! overwritten without rights there, and one tenant cannot grow the
//! keyring or take the server down with a schedule. Attacks on a real
//! server, each refused (and each test fails with its fix reverted).

mod common;

use common::signed::*;
use common::{Keys, Server};
use serde_json::{Value, json};

/// Item 2: a user's key cannot mint a root key, session credentials
/// cannot administer, and deleting a key revokes its sessions.
#[test]
fn users_and_sessions_cannot_mint_keys() {
    let server = Server::start_logged(false, "", &[], None);
    let root = Keys::admin(&server);
    let alice = user(
        &server,
        &root,
        "alice",
        policy(json!([
            {"Effect": "Allow", "Action": ["iam:CreateAccessKey", "iam:ListAccessKeys", "iam:CreateUser"], "Resource": "*"},
            {"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}
        ])),
    );
    // No UserName: alice's own key, as IAM does; never the root's.
    let made = admin(&server, &alice, "CreateAccessKey", json!({}));
    assert_eq!(made["AccessKey"]["UserName"], "alice", "{made}");
    let keys = admin(&server, &root, "ListAccessKeys", json!({}));
    let roots = keys["AccessKeyMetadata"].as_array().unwrap().iter().filter(|k| k["UserName"].is_null()).count();
    assert_eq!(roots, 1, "only the administrator's own root key: {keys}");
    let second = Keys::from_json(&made["AccessKey"]);
    let (kind, _) = refused(&server, &second, "rekey.CreateAccount", json!({}));
    assert_eq!(kind, "AccessDeniedException");

    // Session credentials (of a user, and of the root) cannot administer.
    let session = Keys::from_json(&admin(&server, &alice, "GetSessionToken", json!({}))["Credentials"]);
    sm(&server, &session, "ListSecrets", json!({}));
    for (op, body) in [("CreateAccessKey", json!({})), ("CreateUser", json!({"UserName": "mallory"}))] {
        assert_eq!(
            refused(&server, &session, &format!("rekey.{op}"), body),
            ("AccessDeniedException".into(), format!("Cannot call {op} with session credentials"))
        );
    }
    let root_session = Keys::from_json(&admin(&server, &root, "GetSessionToken", json!({}))["Credentials"]);
    assert_eq!(
        refused(&server, &root_session, "rekey.CreateAccessKey", json!({})),
        ("AccessDeniedException".into(), "Cannot call CreateAccessKey with session credentials".into())
    );

    // Deleting alice's key revokes the session made from it.
    admin(&server, &root, "DeleteAccessKey", json!({"AccessKeyId": alice.id}));
    assert_eq!(
        refused(&server, &session, "secretsmanager.ListSecrets", json!({})),
        ("UnrecognizedClientException".into(), "The security token included in the request is invalid.".into())
    );
    sm(&server, &second, "ListSecrets", json!({}));
}

/// Item 6: ForceOverwriteReplicaSecret writes over another region's
/// secret only for a caller allowed to write and delete that secret.
#[test]
fn overwriting_a_replica_region_needs_rights_there() {
    let server = Server::start_logged(false, "", &[], None);
    let root = Keys::admin(&server);
    let east_only = user(
        &server,
        &root,
        "east",
        policy(
            json!([{"Effect": "Allow", "Action": "secretsmanager:*", "Resource": format!("arn:aws:secretsmanager:us-east-1:{ADMIN_ACCOUNT}:secret:*")}]),
        ),
    );
    let create = with_token("CreateSecret", json!({"Name": "shared/x", "SecretString": "precious"}));
    let (status, out) = server.signed_in(&root, "eu-west-1", "secretsmanager.CreateSecret", &create);
    assert_eq!(status, 200, "{out}");
    sm(&server, &east_only, "CreateSecret", json!({"Name": "shared/x", "SecretString": "primary"}));
    let replicate = json!({"SecretId": "shared/x", "AddReplicaRegions": [{"Region": "eu-west-1"}], "ForceOverwriteReplicaSecret": true});
    let (kind, message) = refused(&server, &east_only, "secretsmanager.ReplicateSecretToRegions", replicate.clone());
    assert_eq!(kind, "AccessDeniedException");
    assert!(
        message.contains("secretsmanager:PutSecretValue on resource: arn:aws:secretsmanager:eu-west-1:"),
        "{message}"
    );
    let read_west = |keys: &Keys| {
        server.signed_in(keys, "eu-west-1", "secretsmanager.GetSecretValue", &json!({"SecretId": "shared/x"}))
    };
    assert_eq!(read_west(&root).1["SecretString"], "precious", "untouched");

    // The root may: the replica replaces it.
    let (status, out) = server.signed(&root, "secretsmanager.ReplicateSecretToRegions", &replicate);
    assert_eq!(status, 200, "{out}");
    assert_eq!(read_west(&root).1["SecretString"], "primary");
}

/// A request signed by hand over `signed` headers (`x-amz-date` added)
/// with `payload` as its payload hash, sent with `extra` headers added
/// after signing.
fn hand_signed(
    server: &Server,
    keys: &Keys,
    region: &str,
    signed: &[(&str, &str)],
    extra: &[(&str, &str)],
    payload: &str,
    body: &str,
) -> (u16, Value) {
    use rekey_sigv4::canonical::{amz_dates, canonical_headers};
    use rekey_sigv4::key::{signature, signing_key, string_to_sign};
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let (date, stamp) = amz_dates(now);
    let mut headers: Vec<(String, String)> = signed.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    headers.push(("x-amz-date".into(), stamp.clone()));
    headers.sort();
    let names = headers.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(";");
    let canonical = format!("POST\n/\n\n{}\n{names}\n{payload}", canonical_headers(&headers));
    let scope = format!("{date}/{region}/secretsmanager/aws4_request");
    let sig = hex::encode(signature(
        &signing_key(&keys.secret, &date, region, "secretsmanager"),
        &string_to_sign(&stamp, &scope, &canonical),
    ));
    headers.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    headers.push((
        "authorization".into(),
        format!("AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={names}, Signature={sig}", keys.id),
    ));
    server.send(&headers, body.as_bytes())
}

/// Item 8: no part of a signed request can be swapped: its operation, its
/// body; and its region is a region.
#[test]
fn a_signed_request_cannot_be_altered() {
    let server = Server::start_logged(false, "", &[], None);
    let root = Keys::admin(&server);
    sm(&server, &root, "CreateSecret", json!({"Name": "keep", "SecretString": "v"}));
    let host = server.addr.clone();
    let body = r#"{"SecretId":"keep","ForceDeleteWithoutRecovery":true}"#;
    let body_hash = rekey_sigv4::canonical::sha256_hex(body.as_bytes());
    // Signed over host and date: DescribeSecret retargeted to DeleteSecret.
    let (status, out) = hand_signed(
        &server,
        &root,
        "us-east-1",
        &[("host", &host)],
        &[("x-amz-target", "secretsmanager.DeleteSecret")],
        &body_hash,
        body,
    );
    assert_eq!(
        (status, out["Message"].as_str()),
        (400, Some("'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.")),
        "{out}"
    );
    // UNSIGNED-PAYLOAD: the body could be anything.
    let (status, out) = hand_signed(
        &server,
        &root,
        "us-east-1",
        &[
            ("host", &host),
            ("x-amz-target", "secretsmanager.DeleteSecret"),
            ("x-amz-content-sha256", "UNSIGNED-PAYLOAD"),
        ],
        &[],
        "UNSIGNED-PAYLOAD",
        body,
    );
    assert_eq!((status, out["__type"].as_str()), (400, Some("InvalidSignatureException")), "{out}");
    assert_eq!(sm(&server, &root, "GetSecretValue", json!({"SecretId": "keep"}))["SecretString"], "v", "not deleted");
    // A region that would change how ARNs split.
    let (status, out) = hand_signed(
        &server,
        &root,
        "x:111111111111",
        &[("host", &host), ("x-amz-target", "secretsmanager.ListSecrets")],
        &[],
        &rekey_sigv4::canonical::sha256_hex(b"{}"),
        "{}",
    );
    assert_eq!(
        (status, out["Message"].as_str()),
        (400, Some("Credential should be scoped to a valid region. ")),
        "{out}"
    );
    // Signed properly, the same calls work.
    let (status, out) = hand_signed(
        &server,
        &root,
        "us-east-1",
        &[("host", &host), ("x-amz-target", "secretsmanager.ListSecrets")],
        &[],
        &rekey_sigv4::canonical::sha256_hex(b"{}"),
        "{}",
    );
    assert_eq!(status, 200, "{out}");
}

/// Item 9: made-up KmsKeyIds cannot grow the keyring without end (3,000
/// CreateSecret calls once made 3,001 key-encryption keys): past 100 per
/// account they are refused, and another account has its own.
#[test]
fn kms_key_ids_are_bounded_per_account() {
    let server = Server::start();
    let create = |account: &str, n: usize| {
        let body = with_token(
            "CreateSecret",
            json!({"Name": format!("k/{n}"), "SecretString": "v", "KmsKeyId": format!("alias/made-up-{n}")}),
        );
        server.raw_as("CreateSecret", &body.to_string(), account, "us-east-1")
    };
    for n in 0..100 {
        let (status, out) = create(ADMIN_ACCOUNT, n);
        assert_eq!(status, 200, "{n}: {out}");
    }
    let (status, out) = create(ADMIN_ACCOUNT, 100);
    assert_eq!(
        (status, out["__type"].as_str(), out["Message"].as_str()),
        (400, Some("LimitExceededException"), Some("An account can use at most 100 different KmsKeyId values."))
    );
    let (status, out) = create(VICTIM_ACCOUNT, 100);
    assert_eq!(status, 200, "another account: {out}");
}

/// Found by fuzzing: a schedule whose windows come decades apart (the
/// fifth Tuesday of February) made the next window's computation panic
/// inside the store's writer once the clock passed Feb 2028, taking the
/// server down for every tenant. RotateSecret refuses it, and the server
/// keeps working at any date.
#[test]
fn a_schedule_decades_apart_is_refused() {
    let server =
        Server::start_with_config(&format!("[[function]]\narn = \"{PASSWORD_FN}\"\ntype = \"builtin:password\"\n"));
    let call = |op: &str, body: Value| server.raw(op, &with_token(op, body).to_string());
    assert_eq!(call("CreateSecret", json!({"Name": "s", "SecretString": "v"})).0, 200);
    let rotate = json!({"SecretId": "s", "RotationLambdaARN": PASSWORD_FN, "RotateImmediately": false,
        "RotationRules": {"ScheduleExpression": "cron(0 2 ? 2 TUE#5 *)", "Duration": "1h"}});
    let (status, out) = call("RotateSecret", rotate);
    assert_eq!((status, out["__type"].as_str()), (400, Some("InvalidParameterException")), "{out}");
    server.rekey_json(&["admin", "clock", "--advance", "1200d"]);
    assert_eq!(call("PutSecretValue", json!({"SecretId": "s", "SecretString": "w"})).0, 200, "the server still works");
}
