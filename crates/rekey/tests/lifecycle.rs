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
    // The missing token is reported before the both-values conflict (BEHAVIOUR §1.5).
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

#[tokio::test]
async fn list_secrets_filters_orders_and_pages() {
    use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType as Key, SortByType, SortOrderType, Tag};
    let server = Server::start();
    let c = server.client();
    let specs: [(&str, &str, (&str, &str)); 6] = [
        ("prod/db", "the main database", ("team", "core")),
        ("prod/api-key", "an API key", ("team", "edge")),
        ("dev/db", "a scratch database", ("env", "dev")),
        ("/root/secret", "asecret", ("team", "core")),
        ("Zeta", "thesecret", ("owner", "alice")),
        ("alpha", "DescTwo", ("owner", "bob")),
    ];
    for (i, (name, description, (k, v))) in specs.iter().enumerate() {
        c.create_secret()
            .name(*name)
            .description(*description)
            .tags(Tag::builder().key(*k).value(*v).build())
            .secret_string("x")
            .client_request_token(token(i as u64))
            .send()
            .await
            .unwrap();
    }
    c.create_secret().name("gone").secret_string("x").client_request_token(token(99)).send().await.unwrap();
    c.delete_secret().secret_id("gone").send().await.unwrap();

    let names = |out: &aws_sdk_secretsmanager::operation::list_secrets::ListSecretsOutput| -> Vec<String> {
        out.secret_list().iter().map(|e| e.name().unwrap().to_string()).collect()
    };
    // Default: creation order, deleted secrets left out.
    let all = c.list_secrets().send().await.unwrap();
    assert_eq!(names(&all), specs.iter().map(|s| s.0).collect::<Vec<_>>());
    assert!(all.next_token().is_none());
    let first = &all.secret_list()[0];
    assert_eq!(first.description(), Some("the main database"));
    assert_eq!(first.secret_versions_to_stages().unwrap()[&token(0)], ["AWSCURRENT"]);
    assert!(first.created_date().is_some() && first.last_changed_date().is_some());
    assert!(first.rotation_enabled().is_none());

    let with_deleted = c.list_secrets().include_planned_deletion(true).send().await.unwrap();
    assert_eq!(with_deleted.secret_list().len(), 7);
    assert!(with_deleted.secret_list()[6].deleted_date().is_some());

    let by_name = c.list_secrets().sort_by(SortByType::Name).sort_order(SortOrderType::Desc).send().await.unwrap();
    assert_eq!(names(&by_name), ["prod/db", "prod/api-key", "dev/db", "alpha", "Zeta", "/root/secret"]);

    // Pages of 2 through the SDK's paginator; every secret exactly once.
    let pages: Vec<_> = c.list_secrets().max_results(2).into_paginator().send().collect::<Vec<_>>().await;
    assert_eq!(pages.len(), 3);
    let paged: Vec<String> = pages.iter().flat_map(|p| names(p.as_ref().unwrap())).collect();
    assert_eq!(paged, names(&all));

    let filtered = |filters: Vec<Filter>| {
        let c = c.clone();
        async move { names(&c.list_secrets().set_filters(Some(filters)).send().await.unwrap()) }
    };
    let f = |key: Key, values: &[&str]| {
        Filter::builder().key(key).set_values(Some(values.iter().map(|v| v.to_string()).collect())).build()
    };
    assert_eq!(filtered(vec![f(Key::Name, &["prod/"])]).await, ["prod/db", "prod/api-key"]);
    assert_eq!(filtered(vec![f(Key::Name, &["!prod", "!/"])]).await.len(), 6, "values are ORed");
    assert_eq!(filtered(vec![f(Key::Name, &["!/"])]).await.len(), 5);
    assert_eq!(filtered(vec![f(Key::Description, &["a"])]).await, ["prod/api-key", "dev/db", "/root/secret"]);
    assert_eq!(filtered(vec![f(Key::Description, &["DATA"])]).await, ["prod/db", "dev/db"]);
    assert_eq!(filtered(vec![f(Key::TagValue, &["core"]), f(Key::Name, &["prod"])]).await, ["prod/db"]);
    assert_eq!(filtered(vec![f(Key::TagKey, &["own"])]).await, ["Zeta", "alpha"]);
    assert_eq!(filtered(vec![f(Key::All, &["d t"])]).await, ["prod/db", "alpha"], "db+the, Desc+Two");
    assert_eq!(filtered(vec![f(Key::All, &["desc two"])]).await, ["alpha"]);
    assert_eq!(filtered(vec![f(Key::All, &["api"])]).await, ["prod/api-key"]);
    assert!(filtered(vec![f(Key::All, &["+"])]).await.is_empty());

    // Filtered pages of 1: the paginator still visits every match once.
    let pages: Vec<_> = c
        .list_secrets()
        .max_results(1)
        .filters(f(Key::TagValue, &["core"]))
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    let paged: Vec<String> = pages.iter().flat_map(|p| names(p.as_ref().unwrap())).collect();
    assert_eq!(paged, ["prod/db", "/root/secret"]);

    let e = error_of(c.list_secrets().next_token("bogus").send().await.unwrap_err());
    assert_eq!(e, ("InvalidNextTokenException".into(), "The NextToken value is invalid.".into()));
    let token_for_name = c.list_secrets().max_results(1).sort_by(SortByType::Name).send().await.unwrap();
    let e = error_of(c.list_secrets().next_token(token_for_name.next_token().unwrap()).send().await.unwrap_err());
    assert_eq!(e.0, "InvalidNextTokenException", "a token only continues its own order");

    // Another account sees none of them.
    let other = server.client_as("111111111111", "us-east-1");
    assert!(other.list_secrets().send().await.unwrap().secret_list().is_empty());
}

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
async fn batch_get_by_ids_and_filters() {
    use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType};
    let server = Server::start();
    let c = server.client();
    for (i, name) in ["app/a", "app/b", "other"].iter().enumerate() {
        c.create_secret()
            .name(*name)
            .secret_string(format!("value-{name}"))
            .client_request_token(token(i as u64))
            .send()
            .await
            .unwrap();
    }
    let out = c
        .batch_get_secret_value()
        .secret_id_list("app/a")
        .secret_id_list("missing")
        .secret_id_list("other")
        .send()
        .await
        .unwrap();
    let got: Vec<(&str, &str)> =
        out.secret_values().iter().map(|v| (v.name().unwrap(), v.secret_string().unwrap())).collect();
    assert_eq!(got, [("app/a", "value-app/a"), ("other", "value-other")]);
    assert_eq!(out.secret_values()[0].version_stages(), ["AWSCURRENT"]);
    let errors = out.errors();
    assert_eq!(errors.len(), 1);
    assert_eq!((errors[0].secret_id(), errors[0].error_code()), (Some("missing"), Some("ResourceNotFoundException")));
    assert_eq!(errors[0].message(), Some("Secrets Manager can't find the specified secret."));

    let app = Filter::builder().key(FilterNameStringType::Name).values("app/").build();
    let pages: Vec<_> = c
        .batch_get_secret_value()
        .filters(app.clone())
        .max_results(1)
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    let names: Vec<String> = pages
        .iter()
        .flat_map(|p| p.as_ref().unwrap().secret_values().iter().map(|v| v.name().unwrap().to_string()))
        .collect();
    assert_eq!(names, ["app/a", "app/b"]);

    let e = error_of(c.batch_get_secret_value().secret_id_list("x").filters(app).send().await.unwrap_err());
    assert_eq!(
        e,
        (
            "InvalidParameterException".into(),
            "Either 'SecretIdList' or 'Filters' must be provided, but not both.".into()
        )
    );
    let e = error_of(c.batch_get_secret_value().secret_id_list("x").max_results(2).send().await.unwrap_err());
    assert_eq!(e.0, "InvalidParameterException");
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

    assert_eq!(server.raw("DeleteResourcePolicy", r#"{"SecretId":"p"}"#).1["PolicyName"], "default");
    c.delete_resource_policy().secret_id("p").send().await.unwrap();
    assert!(c.get_resource_policy().secret_id("p").send().await.unwrap().resource_policy().is_none());
    c.delete_secret().secret_id("p").send().await.unwrap();
    let e = error_of(c.get_resource_policy().secret_id("p").send().await.unwrap_err());
    assert_eq!(e.0, "InvalidRequestException");
}

#[tokio::test]
async fn replicas_follow_their_primary_and_refuse_writes() {
    use aws_sdk_secretsmanager::types::{ReplicaRegionType, StatusType, Tag};
    let server = Server::start();
    let east = server.client();
    let west = server.client_as("AKIDEXAMPLE", "us-west-2");
    let created = east
        .create_secret()
        .name("shared")
        .secret_string("v1")
        .client_request_token(token(1))
        .add_replica_regions(ReplicaRegionType::builder().region("us-west-2").build())
        .send()
        .await
        .unwrap();
    let status = created.replication_status();
    assert_eq!((status[0].region(), status[0].status()), (Some("us-west-2"), Some(&StatusType::InSync)));
    let arn = created.arn().unwrap().to_string();

    let got = west.get_secret_value().secret_id("shared").send().await.unwrap();
    assert_eq!(got.secret_string(), Some("v1"));
    assert_eq!(got.arn().unwrap(), arn.replace("us-east-1", "us-west-2"), "same name and suffix, other region");
    let d = west.describe_secret().secret_id("shared").send().await.unwrap();
    assert_eq!(d.primary_region(), Some("us-east-1"));
    assert_eq!(east.describe_secret().secret_id("shared").send().await.unwrap().primary_region(), Some("us-east-1"));

    // Changes of the primary reach the replica: value, labels, description, tags.
    east.put_secret_value()
        .secret_id("shared")
        .secret_string("v2")
        .client_request_token(token(2))
        .send()
        .await
        .unwrap();
    east.update_secret().secret_id("shared").description("now described").send().await.unwrap();
    east.tag_resource()
        .secret_id("shared")
        .tags(Tag::builder().key("team").value("core").build())
        .send()
        .await
        .unwrap();
    assert_eq!(west.get_secret_value().secret_id("shared").send().await.unwrap().secret_string(), Some("v2"));
    let previous = west.get_secret_value().secret_id("shared").version_stage("AWSPREVIOUS").send().await.unwrap();
    assert_eq!((previous.secret_string(), previous.version_id()), (Some("v1"), Some(token(1).as_str())));
    let d = west.describe_secret().secret_id("shared").send().await.unwrap();
    assert_eq!(d.description(), Some("now described"));
    assert_eq!(d.tags()[0].key(), Some("team"));
    assert_eq!(stages(&west, "shared").await, stages(&east, "shared").await);

    // A replica is read-only; a primary with replicas cannot be deleted.
    let replica_error = (
        "InvalidRequestException".to_string(),
        "Operation not permitted on a replica secret. Call must be made in primary secret's region.".to_string(),
    );
    let e = error_of(
        west.put_secret_value()
            .secret_id("shared")
            .secret_string("x")
            .client_request_token(token(3))
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(e, replica_error);
    let e = error_of(west.delete_secret().secret_id("shared").send().await.unwrap_err());
    assert_eq!(e, replica_error);
    let e = error_of(east.delete_secret().secret_id("shared").send().await.unwrap_err());
    assert_eq!(
        e,
        (
            "InvalidParameterException".into(),
            "You can't delete secret shared that still has replica regions [us-west-2]".into()
        )
    );

    // A name taken in the target region: Failed, unless forced.
    let eu = server.client_as("AKIDEXAMPLE", "eu-west-1");
    eu.create_secret().name("shared").secret_string("local").client_request_token(token(9)).send().await.unwrap();
    let r = east
        .replicate_secret_to_regions()
        .secret_id("shared")
        .add_replica_regions(ReplicaRegionType::builder().region("eu-west-1").build())
        .send()
        .await
        .unwrap();
    let eu_status = r.replication_status().iter().find(|s| s.region() == Some("eu-west-1")).unwrap();
    assert_eq!(eu_status.status(), Some(&StatusType::Failed));
    assert_eq!(
        eu.get_secret_value().secret_id("shared").send().await.unwrap().secret_string(),
        Some("local"),
        "untouched"
    );
    east.replicate_secret_to_regions()
        .secret_id("shared")
        .add_replica_regions(ReplicaRegionType::builder().region("eu-west-1").build())
        .force_overwrite_replica_secret(true)
        .send()
        .await
        .unwrap();
    assert_eq!(eu.get_secret_value().secret_id("shared").send().await.unwrap().secret_string(), Some("v2"));
    let e = error_of(
        east.replicate_secret_to_regions()
            .secret_id("shared")
            .add_replica_regions(ReplicaRegionType::builder().region("us-east-1").build())
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(e.0, "InvalidParameterException");

    // Promote the EU replica; remove the US one.
    eu.stop_replication_to_replica().secret_id("shared").send().await.unwrap();
    eu.put_secret_value()
        .secret_id("shared")
        .secret_string("eu own")
        .client_request_token(token(4))
        .send()
        .await
        .unwrap();
    let left = east
        .remove_regions_from_replication()
        .secret_id("shared")
        .remove_replica_regions("us-west-2")
        .send()
        .await
        .unwrap();
    assert!(left.replication_status().is_empty());
    let e = error_of(west.describe_secret().secret_id("shared").send().await.unwrap_err());
    assert_eq!(e.0, "ResourceNotFoundException");
    assert!(east.describe_secret().secret_id("shared").send().await.unwrap().primary_region().is_none());
    east.put_secret_value()
        .secret_id("shared")
        .secret_string("v3")
        .client_request_token(token(5))
        .send()
        .await
        .unwrap();
    assert_eq!(
        eu.get_secret_value().secret_id("shared").send().await.unwrap().secret_string(),
        Some("eu own"),
        "detached"
    );
    east.delete_secret().secret_id("shared").force_delete_without_recovery(true).send().await.unwrap();
}

/// 10,000 secrets listed 100 at a time while others are created and
/// deleted: every untouched secret exactly once, nothing twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pagination_under_concurrent_changes() {
    let server = Server::start();
    let c = server.client();
    const N: usize = 10_000;
    let create = |name: String| {
        let c = c.clone();
        async move { c.create_secret().name(name).secret_string("x").send().await.unwrap() }
    };
    let mut set = tokio::task::JoinSet::new();
    for i in 0..N {
        set.spawn(create(format!("stable-{i:05}")));
        if set.len() >= 64 {
            set.join_next().await.unwrap().unwrap();
        }
    }
    while set.join_next().await.is_some() {}
    for i in 0..200 {
        create(format!("churn-{i:03}")).await;
    }

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let churn = {
        let (c, stop) = (c.clone(), stop.clone());
        tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                c.create_secret().name(format!("new-{i:05}")).secret_string("x").send().await.unwrap();
                if i < 200 {
                    c.delete_secret()
                        .secret_id(format!("churn-{i:03}"))
                        .force_delete_without_recovery(true)
                        .send()
                        .await
                        .unwrap();
                }
                i += 1;
            }
            i
        })
    };
    let mut seen = std::collections::HashMap::<String, usize>::new();
    let mut pages = c.list_secrets().max_results(100).into_paginator().send();
    while let Some(page) = pages.next().await {
        for e in page.unwrap().secret_list() {
            *seen.entry(e.name().unwrap().to_string()).or_default() += 1;
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let created = churn.await.unwrap();
    assert!(created > 0, "changes ran during the listing");
    assert!(seen.values().all(|&n| n == 1), "a secret listed twice");
    let stable = seen.keys().filter(|k| k.starts_with("stable-")).count();
    assert_eq!(stable, N, "every untouched secret listed");
}
