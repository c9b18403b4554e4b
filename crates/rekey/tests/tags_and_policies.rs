//! Tags and resource policies through the Rust AWS SDK (and raw requests
//! for the members newer than the SDK).

mod common;

use common::{Server, error_of, token};

#[tokio::test]
async fn tags_merge_and_go() {
    use aws_sdk_secretsmanager::types::Tag;
    let server = Server::start();
    let c = server.client();
    c.create_secret().name("t").secret_string("x").client_request_token(token(1)).send().await.unwrap();
    assert!(c.describe_secret().secret_id("t").send().await.unwrap().tags.is_none(), "never tagged: no Tags");
    let tag = |k: &str, v: &str| Tag::builder().key(k).value(v).build();
    c.tag_resource().secret_id("t").tags(tag("a", "1")).tags(tag("b", "2")).send().await.unwrap();
    c.tag_resource().secret_id("t").tags(tag("a", "one")).tags(tag("c", "3")).send().await.unwrap();
    let tags = |d: &aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput| -> Vec<(String, String)> {
        d.tags().iter().map(|t| (t.key().unwrap().into(), t.value().unwrap().into())).collect()
    };
    let d = c.describe_secret().secret_id("t").send().await.unwrap();
    assert_eq!(tags(&d), [("a".into(), "one".into()), ("b".into(), "2".into()), ("c".into(), "3".into())]);
    c.untag_resource().secret_id("t").tag_keys("b").tag_keys("nope").send().await.unwrap();
    c.untag_resource().secret_id("t").tag_keys("a").tag_keys("c").send().await.unwrap();
    let d = c.describe_secret().secret_id("t").send().await.unwrap();
    assert_eq!(d.tags, Some(vec![]), "all removed: Tags is []");

    let e = error_of(c.tag_resource().secret_id("t").tags(tag("aws:x", "1")).send().await.unwrap_err());
    assert_eq!(e.0, "InvalidParameterException");
    let many: Vec<Tag> = (0..51).map(|i| tag(&format!("k{i}"), "v")).collect();
    let e = error_of(c.tag_resource().secret_id("t").set_tags(Some(many)).send().await.unwrap_err());
    assert_eq!(e, ("LimitExceededException".into(), "You can't add more than 50 tags to a secret.".into()));
    assert_eq!(c.describe_secret().secret_id("t").send().await.unwrap().tags, Some(vec![]), "nothing changed");
    let e = error_of(c.tag_resource().secret_id("missing").tags(tag("a", "1")).send().await.unwrap_err());
    assert_eq!(e.0, "ResourceNotFoundException");
    c.delete_secret().secret_id("t").send().await.unwrap();
    let e = error_of(c.untag_resource().secret_id("t").tag_keys("a").send().await.unwrap_err());
    assert_eq!(e.0, "InvalidRequestException");
}

#[tokio::test]
async fn resource_policies() {
    let server = Server::start();
    let c = server.client();
    c.create_secret().name("p").secret_string("x").client_request_token(token(1)).send().await.unwrap();
    let got = c.get_resource_policy().secret_id("p").send().await.unwrap();
    assert!(got.resource_policy().is_none(), "no policy: ResourcePolicy left out");
    assert_eq!(
        server.raw("ListResourcePolicies", r#"{"SecretId":"p"}"#).1,
        serde_json::json!({"ResourcePolicies": []})
    );

    let policy = r#"{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                 "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]
}"#;
    let put =
        c.put_resource_policy().secret_id("p").resource_policy(policy).block_public_policy(true).send().await.unwrap();
    assert_eq!(put.name(), Some("p"));
    assert_eq!(
        c.get_resource_policy().secret_id("p").send().await.unwrap().resource_policy(),
        Some(policy),
        "kept as given"
    );
    let (status, listed) = server.raw("ListResourcePolicies", r#"{"SecretId":"p"}"#);
    assert_eq!((status, listed), (200, serde_json::json!({"ResourcePolicies": [{"PolicyName": "default"}]})));

    let public = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:*","Resource":"*"}]}"#;
    let e = error_of(
        c.put_resource_policy()
            .secret_id("p")
            .resource_policy(public)
            .block_public_policy(true)
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(e.0, "PublicPolicyException");
    assert_eq!(
        c.get_resource_policy().secret_id("p").send().await.unwrap().resource_policy(),
        Some(policy),
        "unchanged"
    );
    c.put_resource_policy().secret_id("p").resource_policy(public).send().await.unwrap();
    let e = error_of(
        c.put_resource_policy()
            .secret_id("p")
            .resource_policy(r#"{"Version":"2019-10-19","Statement":[]}"#)
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(e, ("MalformedPolicyDocumentException".into(), "This policy has invalid syntax.".into()));
    // PolicyName is newer than this SDK: raw requests.
    let body = serde_json::json!({"SecretId": "p", "ResourcePolicy": policy, "PolicyName": "other"}).to_string();
    assert_eq!(server.raw("PutResourcePolicy", &body).1["__type"], "InvalidParameterException");
    let body = serde_json::json!({"SecretId": "p", "ResourcePolicy": policy}).to_string();
    assert_eq!(server.raw("PutResourcePolicy", &body).1["PolicyName"], "default");

    let ok = c.validate_resource_policy().resource_policy(policy).send().await.unwrap();
    assert_eq!((ok.policy_validation_passed(), ok.validation_errors().len()), (true, 0));
    let broad = c.validate_resource_policy().secret_id("p").resource_policy(public).send().await.unwrap();
    assert!(!broad.policy_validation_passed());
    assert_eq!(broad.validation_errors()[0].check_name(), Some("BROAD_ACCESS"));
    let broken = c.validate_resource_policy().resource_policy("{").send().await.unwrap();
    assert_eq!(broken.validation_errors()[0].check_name(), Some("SYNTAX"));
    // Actions it does not have, operators that do not exist, and a deny
    // that would shut the caller out of the policy itself.
    let risky = r#"{"Version":"2012-10-17","Statement":[
        {"Sid":"typo","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"secretsmanager:GetSecretVal","Resource":"*"},
        {"Effect":"Deny","Principal":"*","Action":"secretsmanager:*","Resource":"*","Condition":{"StringEqualz":{"aws:username":"x"}}},
        {"Effect":"Deny","Principal":"*","Action":"secretsmanager:Put*","Resource":"*"}]}"#;
    let found = c.validate_resource_policy().secret_id("p").resource_policy(risky).send().await.unwrap();
    let checks: Vec<(&str, &str)> =
        found.validation_errors().iter().map(|e| (e.check_name().unwrap(), e.error_message().unwrap())).collect();
    assert_eq!(
        checks,
        [
            ("UNKNOWN_ACTION", "Statement typo: secretsmanager:GetSecretVal matches no Secrets Manager action."),
            ("UNKNOWN_CONDITION_OPERATOR", "Statement 2: StringEqualz is not a condition operator."),
            (
                "LOCKOUT",
                "The policy denies arn:aws:iam::000000000000:root secretsmanager:PutResourcePolicy: you could not change it afterwards."
            ),
        ]
    );

    assert_eq!(server.raw("DeleteResourcePolicy", r#"{"SecretId":"p"}"#).1["PolicyName"], "default");
    c.delete_resource_policy().secret_id("p").send().await.unwrap();
    assert!(c.get_resource_policy().secret_id("p").send().await.unwrap().resource_policy().is_none());
    c.delete_secret().secret_id("p").send().await.unwrap();
    let e = error_of(c.get_resource_policy().secret_id("p").send().await.unwrap_err());
    assert_eq!(e.0, "InvalidRequestException");
}
