//! The audit trail on a real server: every call (successful or not) and
//! every rotation outcome is a CloudTrail record, found by LookupEvents'
//! filters; no secret value reaches it; reading it is authorized and
//! recorded; editing the database behind rekey's back is named by
//! `rekey admin audit verify`.

mod common;

use common::signed::*;
use common::{Keys, Server, binary};
use serde_json::{Value, json};
use std::process::Command;

fn config() -> String {
    format!("[[function]]\narn = \"{PASSWORD_FN}\"\ntype = \"builtin:password\"\naccounts = [\"*\"]\n")
}

/// Every record about `secret`, oldest first.
fn trail(server: &Server, keys: &Keys, secret: &str) -> Vec<Value> {
    let mut records = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut body =
            json!({"LookupAttributes": [{"AttributeKey": "ResourceName", "AttributeValue": secret}], "MaxResults": 3});
        if let Some(t) = &token {
            body["NextToken"] = t.clone().into();
        }
        let page = admin(server, keys, "LookupEvents", body);
        for e in page["Events"].as_array().unwrap() {
            records.push(serde_json::from_str::<Value>(e["CloudTrailEvent"].as_str().unwrap()).unwrap());
        }
        match page["NextToken"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    records.reverse();
    records
}

fn names(records: &[Value]) -> Vec<&str> {
    records.iter().map(|r| r["eventName"].as_str().unwrap()).collect()
}

#[test]
fn calls_and_rotations_are_recorded_without_their_secrets() {
    let server = Server::start_signed_with_config(&config());
    let root = Keys::admin(&server);
    let alice = user(
        &server,
        &root,
        "alice",
        policy(json!([{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}])),
    );
    let created = sm(&server, &root, "CreateSecret", json!({"Name": "app/db", "SecretString": "first-Value-1f2e"}));
    sm(&server, &root, "PutSecretValue", json!({"SecretId": "app/db", "SecretString": "second-Value-9a8b"}));
    sm(&server, &alice, "GetSecretValue", json!({"SecretId": created["ARN"]}));
    let (code, _) = refused(
        &server,
        &alice,
        "secretsmanager.PutSecretValue",
        json!({"SecretId": "app/db", "SecretString": "third-Value-77"}),
    );
    assert_eq!(code, "AccessDeniedException");
    sm(&server, &root, "RotateSecret", json!({"SecretId": "app/db", "RotationLambdaARN": PASSWORD_FN}));
    let job = finished(&server, &root, "app/db");
    assert_eq!(job["status"], "succeeded", "{job}");
    let rotated = sm(&server, &root, "GetSecretValue", json!({"SecretId": "app/db"}))["SecretString"]
        .as_str()
        .unwrap()
        .to_string();

    let all = trail(&server, &root, "app/db");
    // The records of changes (and failures) in the order they happened;
    // a read's record is committed up to a moment after the read.
    let (reads, records): (Vec<Value>, Vec<Value>) = all.iter().cloned().partition(|r| r["readOnly"] == true);
    // The built-in rotator's own calls are its role's, as a Lambda
    // function's would be.
    assert_eq!(
        names(&records),
        [
            "CreateSecret",
            "PutSecretValue",
            "PutSecretValue",
            "RotateSecret",
            "RotationStarted",
            "PutSecretValue",
            "UpdateSecretVersionStage",
            "RotationSucceeded"
        ],
        "{all:#?}"
    );
    for by_role in [&records[5], &records[6]] {
        assert_eq!(by_role["userIdentity"]["type"], "AssumedRole", "{by_role}");
        assert_eq!(by_role["userIdentity"]["arn"], format!("arn:aws:iam::{ADMIN_ACCOUNT}:role/rekey-rotation"));
        assert_eq!(by_role["userAgent"], format!("rekey-rotation ({PASSWORD_FN})"), "{by_role}");
        assert!(by_role.get("errorCode").is_none(), "{by_role}");
    }
    assert!(records[5]["requestParameters"].get("secretString").is_none(), "{}", records[5]);
    assert_ne!(records[5]["requestID"], records[6]["requestID"], "each call has an id of its own");
    let (mine, roles): (Vec<Value>, Vec<Value>) =
        reads.iter().cloned().partition(|r| r["userIdentity"]["type"] != "AssumedRole");
    assert_eq!(names(&mine), ["GetSecretValue", "GetSecretValue"], "{all:#?}");
    // createSecret looks for the pending value (not there yet), reads
    // AWSCURRENT; testSecret reads the pending value.
    assert_eq!(names(&roles), ["GetSecretValue", "GetSecretValue", "GetSecretValue"], "{all:#?}");
    let reads = mine;
    let arn = created["ARN"].as_str().unwrap();
    let create = &records[0];
    assert_eq!(create["eventSource"], "secretsmanager.amazonaws.com");
    assert_eq!(create["eventType"], "AwsApiCall");
    assert_eq!(create["eventVersion"], "1.08");
    assert_eq!(create["awsRegion"], "us-east-1");
    assert_eq!(create["recipientAccountId"], ADMIN_ACCOUNT);
    assert_eq!(create["readOnly"], false);
    assert_eq!(create["managementEvent"], true);
    assert_eq!(create["sourceIPAddress"], "127.0.0.1");
    assert_eq!(create["userIdentity"]["type"], "Root");
    assert_eq!(create["userIdentity"]["accountId"], ADMIN_ACCOUNT);
    assert_eq!(create["userIdentity"]["accessKeyId"], root.id.as_str());
    assert_eq!(create["requestParameters"]["name"], "app/db");
    assert!(create["requestParameters"]["clientRequestToken"].is_string());
    assert!(create["requestParameters"].get("secretString").is_none(), "{create}");
    assert_eq!(create["responseElements"], json!({"arn": arn, "name": "app/db", "versionId": created["VersionId"]}));
    assert!(create.get("errorCode").is_none());

    let read = &reads[0];
    assert_eq!(read["userIdentity"]["type"], "IAMUser");
    assert_eq!(read["userIdentity"]["userName"], "alice");
    assert_eq!(read["userIdentity"]["accessKeyId"], alice.id.as_str());
    assert_eq!(read["readOnly"], true);
    assert_eq!(read["requestParameters"], json!({"secretId": arn}));
    assert_eq!(read["responseElements"], Value::Null);
    let (request_id, event_id) = (read["requestID"].as_str().unwrap(), read["eventID"].as_str().unwrap());
    let is_uuid = |id: &str| rekey_model::request_id::RequestId::parse(id).is_some();
    assert!(is_uuid(request_id) && is_uuid(event_id), "{read}");
    assert_ne!(request_id, event_id);

    let denied = &records[2];
    assert_eq!(denied["errorCode"], "AccessDeniedException");
    assert!(denied["errorMessage"].as_str().unwrap().contains("alice"), "{denied}");
    assert_eq!(denied["responseElements"], Value::Null);

    let put = &records[1];
    assert_eq!(put["responseElements"]["versionStages"], json!(["AWSCURRENT"]));
    let started = &records[4];
    assert_eq!(started["eventType"], "AwsServiceEvent");
    assert_eq!(
        started["userIdentity"],
        json!({"accountId": ADMIN_ACCOUNT, "invokedBy": "secretsmanager.amazonaws.com"})
    );
    assert_eq!(started["additionalEventData"]["SecretId"], arn);
    assert_eq!(records[3]["requestParameters"]["rotationLambdaARN"], PASSWORD_FN);

    // A read whose body carries a member the model does not have: its
    // record keeps the parameters the model knows, redacted, never the body.
    sm(&server, &root, "GetSecretValue", json!({"SecretId": "app/db", "Smuggled": "smuggled-Value-5c4d"}));
    // No value, old or new, anywhere in the account's trail.
    let everything = admin(&server, &root, "LookupEvents", json!({"MaxResults": 1000})).to_string();
    for secret in ["first-Value-1f2e", "second-Value-9a8b", "third-Value-77", "smuggled-Value-5c4d", rotated.as_str()] {
        assert!(!everything.contains(secret), "{secret} is in the trail");
    }
    // Nor in the files: a read's body is kept as sent only when it holds
    // nothing but the input's members.
    for entry in std::fs::read_dir(&server.data_dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap_or_default();
        assert!(!bytes.windows(19).any(|w| w == b"smuggled-Value-5c4d"), "the smuggled member is stored");
    }

    // The filters.
    let by = |key: &str, value: &str| {
        let page = admin(
            &server,
            &root,
            "LookupEvents",
            json!({"LookupAttributes": [{"AttributeKey": key, "AttributeValue": value}], "MaxResults": 1000}),
        );
        let mut found = page["Events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["EventName"].as_str().unwrap().to_string())
            .collect::<Vec<_>>();
        // (Sorted: a read's record may be committed after a later change's.)
        found.sort();
        found
    };
    assert_eq!(by("Username", "alice"), ["GetSecretValue", "PutSecretValue"]);
    assert_eq!(by("AccessKeyId", &alice.id), ["GetSecretValue", "PutSecretValue"]);
    assert_eq!(by("EventName", "RotationSucceeded"), ["RotationSucceeded"]);
    assert!(
        by("ReadOnly", "true").iter().all(|n| n.starts_with("Get") || n.starts_with("List") || n.starts_with("Lookup"))
    );

    // Reading the trail takes rekey:LookupEvents, and is recorded.
    let (code, _) = refused(&server, &alice, "rekey.LookupEvents", json!({}));
    assert_eq!(code, "AccessDeniedException");
    let lookups = by("EventName", "LookupEvents");
    assert!(lookups.len() >= 2, "{lookups:?}");

    let verdict = admin(&server, &root, "VerifyTrail", json!({}));
    assert_eq!(verdict["Intact"], true, "{verdict}");
    let (code, _) = refused(&server, &alice, "rekey.VerifyTrail", json!({}));
    assert_eq!(code, "AccessDeniedException");
}

/// `rekey admin audit verify` names a record edited in the database, and
/// `rekey admin audit lookup` reads the trail.
#[test]
fn an_edited_record_is_named_by_the_cli() {
    let server = Server::start_signed(&[]);
    let root = Keys::admin(&server);
    for i in 0..4 {
        sm(&server, &root, "CreateSecret", json!({"Name": format!("s{i}"), "SecretString": "v"}));
    }
    let cli = |args: &[&str]| {
        Command::new(binary())
            .args(["admin", "audit"])
            .args(args)
            .args(["--endpoint-url", &server.url(), "--profile", "rekey-admin"])
            .env("AWS_SHARED_CREDENTIALS_FILE", server.admin_credentials())
            .output()
            .expect("run rekey admin audit")
    };
    let out = cli(&["lookup", "--event-name", "CreateSecret", "--max-results", "10"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let page: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(page["Events"].as_array().unwrap().len(), 4, "{page}");
    let out = cli(&["verify"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let db = rusqlite::Connection::open(server.data_dir.join("rekey.db")).unwrap();
    let (seq, record): (i64, String) = db
        .query_row(
            "SELECT seq, record FROM audit WHERE event_name = 'CreateSecret' ORDER BY seq LIMIT 1 OFFSET 2",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let edited = record.replace("\"s2\"", "\"innocent\"");
    assert_ne!(edited, record);
    db.execute("UPDATE audit SET record = ?1 WHERE seq = ?2", rusqlite::params![edited, seq]).unwrap();
    let out = cli(&["verify"]);
    assert!(!out.status.success(), "an edited trail verifies");
    let verdict: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verdict["Intact"], false);
    assert_eq!(verdict["Sequence"], seq, "{verdict}");
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("record {seq}")));
}

/// A call on another account's secret (allowed by its resource policy, or
/// not) is in the owner's trail as well as the caller's; neither account
/// reads the other's trail.
#[test]
fn the_owner_of_a_secret_sees_calls_from_other_accounts() {
    let server = Server::start_signed(&[]);
    let root = Keys::admin(&server);
    let owner =
        Keys::from_json(&admin(&server, &root, "CreateAccount", json!({"AccountId": VICTIM_ACCOUNT}))["AccessKey"]);
    let shared = sm(&server, &owner, "CreateSecret", json!({"Name": "shared", "SecretString": "v"}));
    let arn = shared["ARN"].as_str().unwrap();
    let grant = policy(json!([{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ADMIN_ACCOUNT}:root")},
        "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]));
    sm(&server, &owner, "PutResourcePolicy", json!({"SecretId": arn, "ResourcePolicy": grant.to_string()}));
    sm(&server, &root, "GetSecretValue", json!({"SecretId": arn}));
    // The member repeated, a name first: the call reads the last (the
    // owner's secret), and so does its record, in the owner's trail.
    let repeated = format!(r#"{{"SecretId":"unknown","SecretId":"{arn}"}}"#);
    let (status, read) = server.signed_raw(&root, "us-east-1", "secretsmanager.GetSecretValue", repeated.as_bytes());
    assert_eq!((status, read["ARN"].as_str()), (200, Some(arn)), "{read}");
    let (code, _) = refused(&server, &root, "secretsmanager.DescribeSecret", json!({"SecretId": arn}));
    assert_eq!(code, "AccessDeniedException");

    let seen = trail(&server, &owner, "shared");
    let mut by_others: Vec<(&str, &str)> = seen
        .iter()
        .filter(|r| r["userIdentity"]["accountId"] == ADMIN_ACCOUNT)
        .map(|r| (r["eventName"].as_str().unwrap(), r["errorCode"].as_str().unwrap_or("")))
        .collect();
    by_others.sort();
    assert_eq!(
        by_others,
        [("DescribeSecret", "AccessDeniedException"), ("GetSecretValue", ""), ("GetSecretValue", "")],
        "{seen:#?}"
    );
    assert!(seen.iter().all(|r| r["recipientAccountId"] == VICTIM_ACCOUNT));
    let mine = trail(&server, &root, "shared");
    let mut mine = names(&mine);
    mine.sort();
    assert_eq!(
        mine,
        ["DescribeSecret", "GetSecretValue", "GetSecretValue"],
        "the caller's trail has its own calls only"
    );
    let (code, _) = refused(&server, &owner, "rekey.LookupEvents", json!({"AccountId": ADMIN_ACCOUNT}));
    assert_eq!(code, "AccessDeniedException", "one account does not read another's trail");

    // Naming a secret that does not exist, in the owner's account or in
    // one nobody has, writes nothing into those trails.
    let made_up = format!("arn:aws:secretsmanager:us-east-1:{VICTIM_ACCOUNT}:secret:nothing-AbCdEf");
    let nobody = "arn:aws:secretsmanager:us-east-1:999999999999:secret:spam-AbCdEf";
    for id in [made_up.as_str(), nobody] {
        refused(&server, &root, "secretsmanager.GetSecretValue", json!({"SecretId": id}));
    }
    let theirs = admin(&server, &root, "LookupEvents", json!({"AccountId": VICTIM_ACCOUNT, "MaxResults": 1000}));
    assert!(!theirs.to_string().contains("nothing-AbCdEf"), "{theirs}");
    let nobodys = admin(&server, &root, "LookupEvents", json!({"AccountId": "999999999999"}));
    assert_eq!(nobodys["Events"], json!([]), "{nobodys}");
    let mine = admin(&server, &root, "LookupEvents", json!({"MaxResults": 1000})).to_string();
    assert!(mine.contains("spam-AbCdEf") && mine.contains("nothing-AbCdEf"), "the caller's own trail has both");
}

/// BatchGetSecretValue is also a GetSecretValue per secret retrieved;
/// deletion, restoration and the purge are service events.
#[test]
fn batches_deletions_and_purges_are_recorded() {
    let server = Server::start_dev_with(&[]);
    let dev = Keys { id: "AKIDEXAMPLE".into(), secret: "x".into(), token: None };
    for name in ["b1", "b2"] {
        sm(&server, &dev, "CreateSecret", json!({"Name": name, "SecretString": "v"}));
    }
    sm(&server, &dev, "BatchGetSecretValue", json!({"SecretIdList": ["b1", "b2", "missing"]}));
    sm(&server, &dev, "DeleteSecret", json!({"SecretId": "b1", "RecoveryWindowInDays": 7}));
    sm(&server, &dev, "RestoreSecret", json!({"SecretId": "b1"}));
    sm(&server, &dev, "DeleteSecret", json!({"SecretId": "b2", "RecoveryWindowInDays": 7}));
    admin(&server, &dev, "Clock", json!({"AdvanceSeconds": 8 * 86_400}));
    let b2 = common::wait_for(std::time::Duration::from_secs(30), "the purge's record", || {
        let records = trail(&server, &dev, "b2");
        names(&records).contains(&"EndSecretVersionDelete").then_some(records)
    });
    let b2_read = b2.iter().find(|r| r["eventName"] == "GetSecretValue").expect("b2's read").clone();
    let mut b2 = names(&b2);
    b2.sort();
    assert_eq!(
        b2,
        ["CreateSecret", "DeleteSecret", "EndSecretVersionDelete", "GetSecretValue", "StartSecretVersionDelete"]
    );
    let b1 = trail(&server, &dev, "b1");
    let (reads, changes): (Vec<Value>, Vec<Value>) = b1.iter().cloned().partition(|r| r["readOnly"] == true);
    assert_eq!(names(&reads), ["GetSecretValue"]);
    assert_eq!(
        names(&changes),
        ["CreateSecret", "DeleteSecret", "StartSecretVersionDelete", "RestoreSecret", "CancelSecretVersionDelete"]
    );
    // The batch call itself names no one secret.
    let batch = admin(
        &server,
        &dev,
        "LookupEvents",
        json!({"LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "BatchGetSecretValue"}]}),
    );
    assert_eq!(batch["Events"].as_array().unwrap().len(), 1, "{batch}");
    // One request, three records: the batch call's and one per secret
    // retrieved, each with an id of its own.
    let batch_call: Value = serde_json::from_str(batch["Events"][0]["CloudTrailEvent"].as_str().unwrap()).unwrap();
    let records = [&batch_call, &reads[0], &b2_read];
    assert!(records.iter().all(|r| r["requestID"] == batch_call["requestID"]), "{records:#?}");
    let ids: std::collections::HashSet<&str> = records.iter().map(|r| r["eventID"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 3, "{records:#?}");

    // A forced deletion: its record went with the purge, once.
    sm(&server, &dev, "CreateSecret", json!({"Name": "b3", "SecretString": "v"}));
    sm(&server, &dev, "DeleteSecret", json!({"SecretId": "b3", "ForceDeleteWithoutRecovery": true}));
    let b3 = trail(&server, &dev, "b3");
    assert_eq!(names(&b3), ["CreateSecret", "DeleteSecret"], "{b3:#?}");
}

/// Every event id in the sink's files (the current one and the rotated),
/// each as often as it was delivered.
fn delivered(dir: &std::path::Path) -> Vec<String> {
    let mut ids = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_file() {
            continue;
        }
        let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&path).unwrap().permissions());
        assert_eq!(mode & 0o777, 0o600, "{}", path.display());
        for line in std::fs::read_to_string(&path).unwrap().lines() {
            let batch: Value = serde_json::from_str(line).unwrap();
            for r in batch["Records"].as_array().unwrap() {
                ids.push(r["eventID"].as_str().unwrap().to_string());
            }
        }
    }
    ids
}

/// The sink's path breaks (a directory where the file was) during a write
/// load: no request fails, and once it is repaired every record arrives,
/// once, in files rotated by size.
#[test]
fn a_broken_sink_holds_up_nothing_and_delivers_the_gap_later() {
    let dir = tempfile::tempdir().unwrap();
    let sink = dir.path().join("trail.jsonl");
    let config = format!("[audit.sink]\npath = {:?}\nmax_file_bytes = 20000\n", sink.to_str().unwrap());
    let server = Server::start_logged(false, &config, &[], None);
    let root = Keys::admin(&server);
    for i in 0..20 {
        sm(&server, &root, "CreateSecret", json!({"Name": format!("s{i}"), "SecretString": "v"}));
    }
    common::wait_for(std::time::Duration::from_secs(10), "the sink's first line", || sink.is_file().then_some(()));
    // Moved away (as logrotate would), and a directory in its place.
    std::fs::rename(&sink, dir.path().join("moved.jsonl")).unwrap();
    std::fs::create_dir(&sink).unwrap();
    for i in 0..20 {
        sm(&server, &root, "PutSecretValue", json!({"SecretId": format!("s{i}"), "SecretString": "w"}));
        sm(&server, &root, "GetSecretValue", json!({"SecretId": format!("s{i}")}));
    }
    common::wait_for(std::time::Duration::from_secs(10), "the sink to fail", || {
        server.log().contains("audit sink failing").then_some(())
    });
    // Still ready (requests go on), saying so; the lag shows in /metrics.
    let (status, said) = server.get("/health/ready");
    assert_eq!(status, 200);
    assert!(said.starts_with("ready; the audit sink fails since "), "{said}");
    let gauge = |name: &str| -> i64 {
        let text = server.get("/metrics").1;
        let line = text.lines().find(|l| l.starts_with(&format!("{name} "))).unwrap_or_else(|| panic!("{text}"));
        line.split(' ').nth(1).unwrap().parse().unwrap()
    };
    assert_eq!(gauge("rekey_audit_sink_up"), 0);
    // The sink may have delivered some of the writes above through its open
    // file before it noticed; these ten come after it is known to fail.
    for i in 0..10 {
        sm(&server, &root, "PutSecretValue", json!({"SecretId": format!("s{i}"), "SecretString": "x"}));
    }
    assert!(gauge("rekey_audit_sink_lag_rows") >= 10, "the writes since it failed");
    std::fs::remove_dir(&sink).unwrap();
    // Everything in the store up to now (the lookups' own records follow).
    let stored: Vec<String> =
        all_events(&server, &root).iter().map(|e| e["EventId"].as_str().unwrap().to_string()).collect();
    assert!(stored.len() >= 60, "{} records", stored.len());
    let ids = common::wait_for(std::time::Duration::from_secs(60), "the gap to be delivered", || {
        let ids = delivered(dir.path());
        stored.iter().all(|id| ids.contains(id)).then_some(ids)
    });
    let unique: std::collections::BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "each record once");
    assert_eq!(server.get("/health/ready"), (200, "ready".to_string()));
    assert_eq!(gauge("rekey_audit_sink_up"), 1);
    let files = std::fs::read_dir(dir.path()).unwrap().count();
    assert!(files >= 2, "rotated by size: {files} files");
}

/// A replica that comes in sync is a `ReplicationSucceeded` service event
/// in the primary's trail, naming the replica's region.
#[test]
fn replication_is_recorded() {
    let server = Server::start_signed_with_config(&config());
    let root = Keys::admin(&server);
    sm(&server, &root, "CreateSecret", json!({"Name": "replicated", "SecretString": "v"}));
    sm(
        &server,
        &root,
        "ReplicateSecretToRegions",
        json!({"SecretId": "replicated", "AddReplicaRegions": [{"Region": "eu-west-1"}]}),
    );
    let by_name = json!([{"AttributeKey": "EventName", "AttributeValue": "ReplicationSucceeded"}]);
    let record = common::wait_for(std::time::Duration::from_secs(20), "ReplicationSucceeded", || {
        let page = admin(&server, &root, "LookupEvents", json!({"LookupAttributes": by_name}));
        let event = page["Events"].as_array()?.first()?.clone();
        serde_json::from_str::<Value>(event["CloudTrailEvent"].as_str()?).ok()
    });
    assert_eq!(record["eventType"], "AwsServiceEvent", "{record}");
    assert_eq!(record["userIdentity"]["invokedBy"], "secretsmanager.amazonaws.com", "{record}");
    assert_eq!(record["additionalEventData"]["ReplicaRegion"], "eu-west-1", "{record}");
    let described = sm(&server, &root, "DescribeSecret", json!({"SecretId": "replicated"}));
    assert_eq!(record["additionalEventData"]["SecretId"], described["ARN"], "{record}");
    assert_eq!(described["ReplicationStatus"][0]["Status"], "InSync");
}

/// Retention: once records are older than `audit_days` (the clock moved
/// on), the store drops them (after the sink delivered them) and the rest
/// still verifies; function logs go by their own age; the sink keeps only
/// `max_files` rotated files.
#[test]
fn old_records_and_sink_files_go() {
    let dir = tempfile::tempdir().unwrap();
    let sink = dir.path().join("trail.jsonl");
    let config = format!(
        "[retention]\naudit_days = 1\nfunction_log_days = 1\n[audit.sink]\npath = {:?}\nmax_file_bytes = 3000\nmax_files = 2\n",
        sink.to_str().unwrap()
    );
    let server = Server::start_with_config(&config);
    let create = |name: &str| {
        let body = format!(
            r#"{{"Name": "{name}", "SecretString": "v", "ClientRequestToken": "00000000-0000-4000-8000-000000000001"}}"#
        );
        assert_eq!(server.raw("CreateSecret", &body).0, 200);
    };
    for i in 0..20 {
        create(&format!("old{i}"));
    }
    let lookup = || server.rekey_json(&["admin", "audit", "lookup", "--max-results", "1000"]);
    let old = lookup()["Events"].as_array().unwrap().len();
    assert!(old >= 20, "{old}");
    common::wait_for(std::time::Duration::from_secs(10), "the sink to deliver", || {
        server.get("/metrics").1.contains("rekey_audit_sink_lag_rows 0\n").then_some(())
    });
    server.rekey_json(&["admin", "clock", "--advance", "2d"]);
    create("fresh");
    let events = common::wait_for(std::time::Duration::from_secs(20), "old records to go", || {
        let events = lookup()["Events"].as_array().unwrap().clone();
        (events.len() < old).then_some(events)
    });
    let names: Vec<String> = events
        .iter()
        .map(|e| serde_json::from_str::<Value>(e["CloudTrailEvent"].as_str().unwrap()).unwrap())
        .filter_map(|r| r["requestParameters"]["name"].as_str().map(str::to_string))
        .collect();
    assert!(names.iter().all(|n| n == "fresh"), "{names:?}");
    let verified = server.rekey_json(&["admin", "audit", "verify"]);
    assert_eq!(verified["Intact"], true, "{verified}");
    let files = std::fs::read_dir(dir.path()).unwrap().count();
    assert!(files <= 3, "the current file and two rotated: {files}");
}

/// A principal change is recorded once, with its change (in its
/// transaction); one refused is recorded with its error; neither record
/// holds a new key's secret.
#[test]
fn principal_changes_are_recorded_once() {
    let server = Server::start_signed(&[]);
    let root = Keys::admin(&server);
    let keys = user(
        &server,
        &root,
        "p",
        policy(json!([{"Effect": "Allow", "Action": "secretsmanager:ListSecrets", "Resource": "*"}])),
    );
    let (code, _) = refused(&server, &root, "rekey.CreateUser", json!({"UserName": "p"}));
    assert_eq!(code, "ResourceExistsException");
    admin(&server, &root, "DeleteAccessKey", json!({"AccessKeyId": keys.id}));
    let all = admin(&server, &root, "LookupEvents", json!({"MaxResults": 1000}));
    let records: Vec<Value> = all["Events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| serde_json::from_str(e["CloudTrailEvent"].as_str().unwrap()).unwrap())
        .collect();
    let of = |name: &str| records.iter().filter(|r| r["eventName"] == name).cloned().collect::<Vec<Value>>();
    let created = of("CreateUser");
    assert_eq!(created.len(), 2, "{created:#?}");
    assert_eq!(created.iter().filter(|r| r["errorCode"] == "ResourceExistsException").count(), 1);
    for name in ["PutUserPolicy", "CreateAccessKey", "DeleteAccessKey"] {
        assert_eq!(of(name).len(), 1, "{name}: {records:#?}");
    }
    assert_eq!(of("CreateAccessKey")[0]["eventSource"], "rekey.admin");
    assert!(!all.to_string().contains(&keys.secret), "the key's secret is not recorded");
}

/// Every operation of the model, once answered and once refused, is one
/// record of that event name, read-only as CloudTrail marks it, with the
/// refusal's error code and message, or none.
#[test]
fn every_operation_is_recorded_answered_or_refused() {
    let server = Server::start_signed_with_config(&config());
    let root = Keys::admin(&server);
    let grant = policy(json!([{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ADMIN_ACCOUNT}:root")},
        "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]))
    .to_string();
    let created = sm(&server, &root, "CreateSecret", json!({"Name": "t", "SecretString": "v"}));
    let version = created["VersionId"].clone();
    let missing = json!({"SecretId": "missing"});
    // (operation, a call it answers, a call it refuses)
    let calls: Vec<(&str, Option<Value>, Value)> = vec![
        ("CreateSecret", Some(json!({"Name": "t2", "SecretString": "v"})), json!({"Name": "t", "SecretString": "v"})),
        ("DescribeSecret", Some(json!({"SecretId": "t"})), missing.clone()),
        ("GetSecretValue", Some(json!({"SecretId": "t"})), missing.clone()),
        ("PutSecretValue", Some(json!({"SecretId": "t", "SecretString": "w"})), missing.clone()),
        ("UpdateSecret", Some(json!({"SecretId": "t", "Description": "d"})), missing.clone()),
        ("ListSecretVersionIds", Some(json!({"SecretId": "t"})), missing.clone()),
        ("ListSecrets", Some(json!({})), json!({"MaxResults": 0})),
        ("TagResource", Some(json!({"SecretId": "t", "Tags": [{"Key": "k", "Value": "v"}]})), missing.clone()),
        ("UntagResource", Some(json!({"SecretId": "t", "TagKeys": ["k"]})), missing.clone()),
        (
            "PutResourcePolicy",
            Some(json!({"SecretId": "t", "ResourcePolicy": grant})),
            json!({"SecretId": "t", "ResourcePolicy": "{"}),
        ),
        ("GetResourcePolicy", Some(json!({"SecretId": "t"})), missing.clone()),
        ("ValidateResourcePolicy", Some(json!({"ResourcePolicy": grant})), json!({})),
        ("DeleteResourcePolicy", Some(json!({"SecretId": "t"})), missing.clone()),
        ("ListResourcePolicies", Some(json!({"SecretId": "t"})), missing.clone()),
        ("GetRandomPassword", Some(json!({})), json!({"PasswordLength": 0})),
        ("BatchGetSecretValue", Some(json!({"SecretIdList": ["t"]})), json!({})),
        (
            "UpdateSecretVersionStage",
            Some(json!({"SecretId": "t", "VersionStage": "STAGED", "MoveToVersionId": version})),
            missing.clone(),
        ),
        ("RotateSecret", Some(json!({"SecretId": "t", "RotationLambdaARN": PASSWORD_FN})), missing.clone()),
        ("CancelRotateSecret", Some(json!({"SecretId": "t"})), missing.clone()),
        (
            "ReplicateSecretToRegions",
            Some(json!({"SecretId": "t", "AddReplicaRegions": [{"Region": "eu-west-1"}]})),
            missing.clone(),
        ),
        (
            "RemoveRegionsFromReplication",
            Some(json!({"SecretId": "t", "RemoveReplicaRegions": ["eu-west-1"]})),
            missing.clone(),
        ),
        ("StopReplicationToReplica", None, json!({"SecretId": "t"})),
        ("AssociateCrossAccountReplica", None, missing.clone()),
        ("DisassociateCrossAccountReplica", None, missing.clone()),
        ("DeleteSecret", Some(json!({"SecretId": "t", "RecoveryWindowInDays": 7})), missing.clone()),
        ("RestoreSecret", Some(json!({"SecretId": "t"})), missing.clone()),
    ];
    let mut seen = std::collections::BTreeSet::new();
    let newest = |op: &str| -> Value {
        let by_name = json!([{"AttributeKey": "EventName", "AttributeValue": op}]);
        let page = admin(&server, &root, "LookupEvents", json!({"LookupAttributes": by_name, "MaxResults": 50}));
        let records: Vec<Value> = page["Events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| serde_json::from_str(e["CloudTrailEvent"].as_str().unwrap()).unwrap())
            .collect();
        records.into_iter().find(|r| r["userIdentity"]["type"] == "Root").unwrap_or_else(|| panic!("no {op} record"))
    };
    let read_only = |op: &str| ["Describe", "Get", "List", "Validate", "BatchGet"].iter().any(|p| op.starts_with(p));
    for (op, answered, refused_body) in calls {
        seen.insert(op);
        if let Some(body) = answered {
            sm(&server, &root, op, body);
            if op == "RotateSecret" {
                assert_eq!(finished(&server, &root, "t")["status"], "succeeded");
            }
            let record = newest(op);
            assert_eq!(record["eventName"], op);
            assert_eq!(record["readOnly"], read_only(op), "{record}");
            assert!(record.get("errorCode").is_none(), "{op}: {record}");
            assert!(record["requestParameters"].get("secretString").is_none(), "{record}");
        }
        let (code, message) = refused(&server, &root, &format!("secretsmanager.{op}"), refused_body);
        let record = newest(op);
        assert_eq!(record["errorCode"], code.as_str(), "{op}: {record}");
        assert_eq!(record["errorMessage"], message.as_str(), "{op}: {record}");
        assert_eq!(record["readOnly"], read_only(op), "{record}");
    }
    let all: std::collections::BTreeSet<&str> = rekey_model::api::Operation::ALL.iter().map(|o| o.name()).collect();
    assert_eq!(seen, all, "every operation of the model is tried");
}
