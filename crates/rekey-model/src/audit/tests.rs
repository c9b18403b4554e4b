use super::*;
use serde_json::json;

#[test]
fn secrets_never_reach_the_parameters_wherever_they_are() {
    let put = json!({
        "SecretId": "app/db",
        "ClientRequestToken": "00000000-0000-4000-8000-000000000001",
        "SecretString": "hunter2",
        "SecretBinary": "aHVudGVyMg==",
        "RotationToken": "tok",
        "VersionStages": ["AWSCURRENT"]
    });
    assert_eq!(
        redact("PutSecretValueRequest", &put),
        json!({
            "secretId": "app/db",
            "clientRequestToken": "00000000-0000-4000-8000-000000000001",
            "versionStages": ["AWSCURRENT"]
        })
    );
    let batch = json!({"SecretValues": [{"ARN": "a", "Name": "n", "SecretString": "hunter2", "VersionId": "v"}]});
    assert_eq!(
        redact("BatchGetSecretValueResponse", &batch),
        json!({"secretValues": [{"arn": "a", "name": "n", "versionId": "v"}]})
    );
    assert_eq!(redact("GetRandomPasswordResponse", &json!({"RandomPassword": "x"})), json!({}));
}

#[test]
fn names_are_lower_camel_case_and_dates_as_cloudtrail_prints_them() {
    let tags =
        json!({"Name": "n", "Tags": [{"Key": "k", "Value": "v"}], "RotationRules": {"AutomaticallyAfterDays": 3}});
    assert_eq!(redact("CreateSecretRequest", &tags), json!({"name": "n", "tags": [{"key": "k", "value": "v"}]}));
    let rotate = json!({"SecretId": "s", "RotationLambdaARN": "f", "RotationRules": {"AutomaticallyAfterDays": 3}});
    assert_eq!(
        redact("RotateSecretRequest", &rotate),
        json!({"secretId": "s", "rotationLambdaARN": "f", "rotationRules": {"automaticallyAfterDays": 3}})
    );
    // 2024-01-19T14:39:19Z
    let deleted = json!({"ARN": "a", "Name": "n", "DeletionDate": 1_705_675_159.0});
    assert_eq!(
        redact("DeleteSecretResponse", &deleted),
        json!({"arn": "a", "name": "n", "deletionDate": "Jan 19, 2024, 2:39:19 PM"})
    );
    assert_eq!(cloudtrail_date(0), "Jan 1, 1970, 12:00:00 AM");
    assert_eq!(cloudtrail_date(43_200_000), "Jan 1, 1970, 12:00:00 PM");
}

#[test]
fn a_record_has_cloudtrails_shape() {
    let who =
        UserIdentity::caller("111111111111", "arn:aws:iam::111111111111:user/alice", "AKIAX", Some(("alice", "AIDAX")));
    let mut e =
        AuditEvent::new(EventType::AwsApiCall, "GetSecretValue", 1_705_675_159_000, who, "us-east-1", "111111111111");
    e.request_parameters = Some(json!({"secretId": "app/db"}));
    e.read_only = true;
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(v["eventTime"], "2024-01-19T14:39:19Z");
    assert_eq!(
        v["userIdentity"],
        json!({"type": "IAMUser", "principalId": "AIDAX", "arn": "arn:aws:iam::111111111111:user/alice", "accountId": "111111111111", "accessKeyId": "AKIAX", "userName": "alice"})
    );
    for key in [
        "eventVersion",
        "eventSource",
        "eventName",
        "awsRegion",
        "sourceIPAddress",
        "userAgent",
        "requestParameters",
        "responseElements",
        "requestID",
        "eventID",
        "readOnly",
        "eventType",
        "managementEvent",
        "recipientAccountId",
        "eventCategory",
    ] {
        assert!(v.get(key).is_some(), "{key} in {v}");
    }
    assert!(v.get("errorCode").is_none());
    assert_eq!(v["responseElements"], Value::Null);
    assert_eq!(e.secret(), Some("app/db"));
    let arn = "arn:aws:secretsmanager:us-east-1:111111111111:secret:app/db-AbCdEf";
    let crate::name::SecretRef::FullArn(parsed) = crate::name::SecretRef::parse(arn).unwrap() else { panic!() };
    let s = AuditEvent::service(events::ROTATION_SUCCEEDED, &parsed, Timestamp::from_millis(0));
    let v = serde_json::to_value(&s).unwrap();
    assert_eq!(v["userIdentity"], json!({"accountId": "111111111111", "invokedBy": "secretsmanager.amazonaws.com"}));
    assert_eq!(v["eventType"], "AwsServiceEvent");
    assert_eq!(s.secret(), Some(arn));
    assert_eq!(v["awsRegion"], "us-east-1");
    assert!(read_only(Operation::BatchGetSecretValue) && read_only(Operation::ValidateResourcePolicy));
    assert!(!read_only(Operation::PutSecretValue) && !read_only(Operation::RotateSecret));
    let mut cross = AuditEvent::new(
        EventType::AwsApiCall,
        "GetSecretValue",
        0,
        UserIdentity::default(),
        "us-east-1",
        "111111111111",
    );
    cross.request_parameters =
        Some(json!({"secretId": "arn:aws:secretsmanager:us-east-1:222222222222:secret:shared-AbCdEf"}));
    let both: Vec<String> = trails(cross.clone()).into_iter().map(|e| e.recipient_account_id).collect();
    assert_eq!(both, ["111111111111", "222222222222"], "the owner sees a cross-account call");
    cross.request_parameters =
        Some(json!({"secretId": "arn:aws:secretsmanager:us-east-1:111111111111:secret:own-AbCdEf"}));
    assert_eq!(trails(cross).len(), 1);
    let root = UserIdentity::caller("111111111111", "arn:aws:iam::111111111111:root", "AKIAR", None);
    assert_eq!((root.kind.as_deref(), root.principal_id.as_deref()), (Some("Root"), Some("111111111111")));
    let role = UserIdentity::caller("111111111111", "arn:aws:iam::111111111111:role/rekey-rotation", "ASIAX", None);
    assert_eq!(role.kind.as_deref(), Some("AssumedRole"));
}

/// A body is kept as sent only when it holds nothing a record may not:
/// members of the input only, scalars, nothing sensitive, and short.
#[test]
fn a_body_is_kept_as_sent_only_when_redaction_would_keep_it_whole() {
    let of = |op: Operation, body: &str| {
        // As dispatch parses it: an empty body is an empty object.
        let parsed: Value = if body.trim().is_empty() { json!({}) } else { serde_json::from_str(body).unwrap() };
        Parameters::of(op, body.as_bytes(), &parsed)
    };
    let kept = of(Operation::GetSecretValue, r#"{"SecretId":"app/db","VersionStage":"AWSPREVIOUS"}"#);
    assert!(matches!(kept, Parameters::Body(_)), "{kept:?}");
    assert_eq!(kept.redacted("GetSecretValue"), json!({"secretId": "app/db", "versionStage": "AWSPREVIOUS"}));
    assert_eq!(kept.secret().as_deref(), Some("app/db"));
    assert!(matches!(of(Operation::GetSecretValue, " "), Parameters::Body(_)), "an empty body is an empty object");
    assert_eq!(of(Operation::GetSecretValue, " ").redacted("GetSecretValue"), json!({}));

    for (op, body) in [
        // A member the model does not have (it could hold anything).
        (Operation::GetSecretValue, r#"{"SecretId":"app/db","SecretString":"hunter2"}"#.to_string()),
        // An input with sensitive members.
        (Operation::PutSecretValue, r#"{"SecretId":"app/db","SecretString":"hunter2"}"#.to_string()),
        // Not scalars.
        (Operation::ListSecrets, r#"{"Filters":[{"Key":"name","Values":["a"]}]}"#.to_string()),
        // Too long to keep inline.
        (Operation::GetSecretValue, format!(r#"{{"SecretId":"{}"}}"#, "a".repeat(BODY_MAX))),
    ] {
        let p = of(op, &body);
        let Parameters::Redacted(v) = &p else { panic!("{op:?} {body}: kept as sent") };
        assert!(!v.to_string().contains("hunter2"), "{v}");
    }
}

#[test]
fn an_api_call_record_id_is_its_request_id_scrambled() {
    let request = crate::request_id::RequestId::random();
    let id = event_id_of(request);
    assert_eq!(id, event_id_of(request), "the same in every trail");
    assert_ne!(id.as_bytes(), request.as_bytes());
    assert_eq!(id.get_version_num(), 4);
    assert_ne!(event_id_of(crate::request_id::RequestId::random()), id);
}

/// A body that repeats a member means what the service read from it (the
/// last one): a read that names another account's secret twice, once by
/// name and once by ARN, is in the owner's trail and found by the secret.
#[test]
fn a_repeated_member_names_what_the_service_read() {
    let arn = "arn:aws:secretsmanager:us-east-1:222222222222:secret:shared-AbCdEf";
    let body = format!(r#"{{"SecretId":"mine","SecretId":"{arn}"}}"#);
    let parsed: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(parsed["SecretId"], arn, "the service reads the last");
    let params = Parameters::of(Operation::GetSecretValue, body.as_bytes(), &parsed);
    assert_eq!(params.secret().as_deref(), Some(arn));
    assert_eq!(params.redacted("GetSecretValue"), json!({ "secretId": arn }));
}
