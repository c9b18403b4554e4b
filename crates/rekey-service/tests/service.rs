//! Service-level tests on a real SQLite store, with a clock the test moves.

use rekey_model::api::*;
use rekey_model::name::{AccountId, Namespace, Region};
use rekey_model::{ErrorCode, SensitiveString, Timestamp};
use rekey_service::{Clock, ManualClock, Principal, RequestContext, Service};
use rekey_store::seal::{MasterKey, Seal};
use rekey_store::sqlite::SqliteStore;
use std::sync::Arc;

const DAY_MS: i64 = 86_400_000;

struct Fixture {
    service: Service<SqliteStore>,
    clock: Arc<ManualClock>,
    ctx: RequestContext,
    dir: tempfile::TempDir,
}

impl Fixture {
    /// Row counts of (versions, sealed values, labels), read from the file.
    fn rows(&self) -> (i64, i64, i64) {
        let c = rusqlite::Connection::open(SqliteStore::file_in(self.dir.path())).unwrap();
        let n = |t: &str| c.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0)).unwrap();
        (n("versions"), n("sealed_values"), n("labels"))
    }
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(&SqliteStore::file_in(dir.path())).unwrap());
    let seal = Arc::new(Seal::unlock(store.as_ref(), MasterKey::generate()).await.unwrap());
    // 2026-03-01T12:00:00Z
    let clock = Arc::new(ManualClock::at(Timestamp::from_millis(1_772_366_400_000)));
    let service = Service::new(store, seal, clock.clone());
    let account = AccountId::parse("123456789012").unwrap();
    let ctx = RequestContext::new(
        Namespace { account: account.clone(), region: Region::new("us-east-1") },
        Principal::root(account, "AKID".into()),
        rekey_model::request_id::RequestId::random(),
    );
    Fixture { service, clock, ctx, dir }
}

fn token(n: u32) -> Option<String> {
    Some(format!("{n:0>36}"))
}

async fn create(f: &Fixture, name: &str) {
    let input = CreateSecretRequest {
        name: name.into(),
        secret_string: Some(SensitiveString::new("v".into())),
        client_request_token: token(1),
        ..Default::default()
    };
    f.service.create_secret(&f.ctx, input).await.unwrap();
}

#[tokio::test]
async fn scheduled_deletions_are_purged_when_due_and_not_before() {
    let f = fixture().await;
    create(&f, "doomed").await;
    create(&f, "kept").await;
    let del =
        DeleteSecretRequest { secret_id: "doomed".into(), recovery_window_in_days: Some(7), ..Default::default() };
    let out = f.service.delete_secret(&f.ctx, del).await.unwrap();
    assert_eq!(out.deletion_date.unwrap().millis(), f.clock.now().millis() + 7 * DAY_MS);

    f.clock.advance_ms(7 * DAY_MS - 1);
    assert_eq!(f.service.purge_due().await, 0);
    let d = f.service.describe_secret(&f.ctx, DescribeSecretRequest { secret_id: "doomed".into() }).await.unwrap();
    assert!(d.deleted_date.is_some());

    f.clock.advance_ms(1);
    assert_eq!(f.service.purge_due().await, 1);
    let e = f.service.describe_secret(&f.ctx, DescribeSecretRequest { secret_id: "doomed".into() }).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::ResourceNotFoundException);
    f.service.describe_secret(&f.ctx, DescribeSecretRequest { secret_id: "kept".into() }).await.unwrap();
    // The name is free again.
    create(&f, "doomed").await;
}

#[tokio::test]
async fn restored_secrets_are_not_purged() {
    let f = fixture().await;
    create(&f, "back").await;
    let del = DeleteSecretRequest { secret_id: "back".into(), recovery_window_in_days: Some(7), ..Default::default() };
    f.service.delete_secret(&f.ctx, del).await.unwrap();
    f.service.restore_secret(&f.ctx, RestoreSecretRequest { secret_id: "back".into() }).await.unwrap();
    f.clock.advance_ms(31 * DAY_MS);
    assert_eq!(f.service.purge_due().await, 0);
    let v = f
        .service
        .get_secret_value(&f.ctx, GetSecretValueRequest { secret_id: "back".into(), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(v.secret_string.unwrap().expose(), "v");
}

#[tokio::test]
async fn old_deprecated_versions_are_cleaned_beyond_the_quota() {
    let f = fixture().await;
    create(&f, "many").await;
    let put = |n: u32| PutSecretValueRequest {
        secret_id: "many".into(),
        secret_string: Some(SensitiveString::new(format!("value {n}"))),
        client_request_token: token(n),
        ..Default::default()
    };
    for n in 2..=100 {
        f.service.put_secret_value(&f.ctx, put(n)).await.unwrap();
    }
    // 100 versions created within 24 hours: the next one is refused.
    let e = f.service.put_secret_value(&f.ctx, put(101)).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::LimitExceededException);
    // A day later the oldest deprecated versions make room.
    f.clock.advance_ms(DAY_MS);
    for n in 101..=110 {
        f.service.put_secret_value(&f.ctx, put(n)).await.unwrap();
    }
    let listed = f
        .service
        .list_secret_version_ids(
            &f.ctx,
            ListSecretVersionIdsRequest {
                secret_id: "many".into(),
                include_deprecated: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let versions = listed.versions.unwrap();
    assert_eq!(versions.len(), 100);
    let ids: Vec<String> = versions.iter().map(|v| v.version_id.clone().unwrap()).collect();
    assert!(!ids.contains(&token(1).unwrap()), "the oldest deprecated version went first");
    assert!(ids.contains(&token(110).unwrap()) && ids.contains(&token(109).unwrap()));
    // Cleaned versions take their values with them.
    assert_eq!(f.rows(), (100, 100, 2));
}

#[tokio::test]
async fn purging_leaves_nothing_behind() {
    let f = fixture().await;
    create(&f, "gone").await;
    for n in 2..=5 {
        let put = PutSecretValueRequest {
            secret_id: "gone".into(),
            secret_string: Some(SensitiveString::new(format!("value {n}"))),
            client_request_token: token(n),
            ..Default::default()
        };
        f.service.put_secret_value(&f.ctx, put).await.unwrap();
    }
    assert_eq!(f.rows(), (5, 5, 2));
    let del = DeleteSecretRequest {
        secret_id: "gone".into(),
        force_delete_without_recovery: Some(true),
        ..Default::default()
    };
    f.service.delete_secret(&f.ctx, del).await.unwrap();
    assert_eq!(f.rows(), (0, 0, 0));
}

#[tokio::test]
async fn last_accessed_date_is_written_once_a_day() {
    let f = fixture().await;
    create(&f, "read").await;
    let get = || GetSecretValueRequest { secret_id: "read".into(), ..Default::default() };
    let describe = || DescribeSecretRequest { secret_id: "read".into() };
    assert!(f.service.describe_secret(&f.ctx, describe()).await.unwrap().last_accessed_date.is_none());
    f.service.get_secret_value(&f.ctx, get()).await.unwrap();
    // The access is recorded asynchronously; give the writer a moment.
    let mut seen = None;
    for _ in 0..100 {
        seen = f.service.describe_secret(&f.ctx, describe()).await.unwrap().last_accessed_date;
        if seen.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(seen, Some(f.clock.now().day_start()));
    f.clock.advance_ms(DAY_MS);
    f.service.get_secret_value(&f.ctx, get()).await.unwrap();
    let mut later = None;
    for _ in 0..100 {
        later = f.service.describe_secret(&f.ctx, describe()).await.unwrap().last_accessed_date;
        if later != seen {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(later, Some(f.clock.now().day_start()));
}

#[tokio::test]
async fn a_new_kms_key_reseals_the_staged_versions_and_leaves_no_old_values() {
    let f = fixture().await;
    create(&f, "k").await;
    let put = |n: u32| PutSecretValueRequest {
        secret_id: "k".into(),
        client_request_token: token(n),
        secret_string: Some(SensitiveString::new(format!("value {n}"))),
        ..Default::default()
    };
    f.service.put_secret_value(&f.ctx, put(2)).await.unwrap();
    f.service.put_secret_value(&f.ctx, put(3)).await.unwrap();
    assert_eq!(f.rows(), (3, 3, 2));
    let update =
        UpdateSecretRequest { secret_id: "k".into(), kms_key_id: Some("alias/app".into()), ..Default::default() };
    f.service.update_secret(&f.ctx, update).await.unwrap();
    let listed = f
        .service
        .list_secret_version_ids(
            &f.ctx,
            ListSecretVersionIdsRequest { secret_id: "k".into(), include_deprecated: Some(true), ..Default::default() },
        )
        .await
        .unwrap();
    let keys: Vec<(String, Vec<String>)> =
        listed.versions.unwrap().into_iter().map(|v| (v.version_id.unwrap(), v.kms_key_ids.unwrap())).collect();
    assert_eq!(
        keys,
        [
            (token(1).unwrap(), vec!["DefaultEncryptionKey".to_string()]),
            (token(2).unwrap(), vec!["alias/app".to_string()]),
            (token(3).unwrap(), vec!["alias/app".to_string()]),
        ],
        "AWSCURRENT and AWSPREVIOUS re-encrypted, the deprecated version left as it was"
    );
    // Still readable, and the old sealed values are gone: one per version.
    for (n, stage) in [(3, "AWSCURRENT"), (2, "AWSPREVIOUS")] {
        let got = f
            .service
            .get_secret_value(
                &f.ctx,
                GetSecretValueRequest { secret_id: "k".into(), version_stage: Some(stage.into()), version_id: None },
            )
            .await
            .unwrap();
        assert_eq!(got.secret_string.unwrap().expose(), format!("value {n}"));
    }
    assert_eq!(f.rows(), (3, 3, 2));
}

/// Each distinct KmsKeyId gets a key-encryption key, per account and at
/// most `KEKS_PER_ACCOUNT` of them: a tenant cannot grow the keyring
/// without end (3,000 made-up KmsKeyIds once made 3,001 rows), and two
/// accounts naming the same KmsKeyId do not share a key.
#[tokio::test]
async fn key_encryption_keys_are_per_account_and_bounded() {
    use rekey_store::seal::KEKS_PER_ACCOUNT;
    let f = fixture().await;
    let keyring = || {
        let c = rusqlite::Connection::open(SqliteStore::file_in(f.dir.path())).unwrap();
        c.query_row("SELECT count(*) FROM keyring", [], |r| r.get::<_, i64>(0)).unwrap() as usize
    };
    let create_with = |ctx: &RequestContext, n: usize| {
        let input = CreateSecretRequest {
            name: format!("k/{n}"),
            kms_key_id: Some(format!("alias/made-up-{n}")),
            secret_string: Some(SensitiveString::new("v".into())),
            client_request_token: token(1),
            ..Default::default()
        };
        let ctx = ctx.clone();
        let service = f.service.clone();
        async move { service.create_secret(&ctx, input).await }
    };
    let before = keyring();
    for n in 0..KEKS_PER_ACCOUNT {
        create_with(&f.ctx, n).await.unwrap();
    }
    assert_eq!(keyring(), before + KEKS_PER_ACCOUNT);
    let refused = create_with(&f.ctx, KEKS_PER_ACCOUNT).await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::LimitExceededException);
    assert_eq!(keyring(), before + KEKS_PER_ACCOUNT, "nothing more stored");
    // A KmsKeyId already in use still works, and another account has its own.
    let mut again = CreateSecretRequest {
        name: "k/again".into(),
        kms_key_id: Some("alias/made-up-0".into()),
        secret_string: Some(SensitiveString::new("v".into())),
        client_request_token: token(1),
        ..Default::default()
    };
    f.service.create_secret(&f.ctx, again.clone()).await.unwrap();
    let other = AccountId::parse("210987654321").unwrap();
    let ctx = RequestContext::new(
        Namespace { account: other.clone(), region: Region::new("us-east-1") },
        Principal::root(other, "AKID2".into()),
        rekey_model::request_id::RequestId::random(),
    );
    again.name = "k/other".into();
    f.service.create_secret(&ctx, again).await.unwrap();
    assert_eq!(keyring(), before + KEKS_PER_ACCOUNT + 1, "the other account's own key");
    let read = GetSecretValueRequest { secret_id: "k/other".into(), version_id: None, version_stage: None };
    assert_eq!(f.service.get_secret_value(&ctx, read).await.unwrap().secret_string.unwrap().expose(), "v");
}
