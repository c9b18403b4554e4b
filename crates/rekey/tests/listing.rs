//! Listing and batch reads through the Rust AWS SDK: ListSecrets filters,
//! orders and keyset pages (also under concurrent changes), and
//! BatchGetSecretValue.

mod common;

use common::{Server, error_of, token};

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

/// A filter without its key or its values is refused, in ListSecrets and
/// in BatchGetSecretValue (where ignoring it returned every secret's
/// value): docs/behaviour.md §13.1.
#[test]
fn filters_without_key_or_values_are_refused() {
    let server = Server::start();
    let (status, _) = server.raw(
        "CreateSecret",
        r#"{"Name": "a", "SecretString": "x", "ClientRequestToken": "00000000-0000-4000-8000-000000000001"}"#,
    );
    assert_eq!(status, 200);
    for op in ["ListSecrets", "BatchGetSecretValue"] {
        let (status, body) = server.raw(op, r#"{"Filters": [{"Values": ["a"]}]}"#);
        assert_eq!(
            (status, body["__type"].as_str(), body["Message"].as_str()),
            (400, Some("InvalidParameterException"), Some("Invalid filter key")),
            "{op}"
        );
        let (status, body) = server.raw(op, r#"{"Filters": [{"Key": "name"}]}"#);
        assert_eq!(
            (status, body["__type"].as_str(), body["Message"].as_str()),
            (400, Some("InvalidParameterException"), Some("Invalid filter values for key: name")),
            "{op}"
        );
        let (status, _) = server.raw(op, r#"{"Filters": [{"Key": "name", "Values": ["a"]}]}"#);
        assert_eq!(status, 200, "{op}");
    }
}
