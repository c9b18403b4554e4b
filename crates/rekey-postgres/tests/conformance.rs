//! The store conformance suite on PostgreSQL: each test on a schema of its
//! own in the `test` database on 127.0.0.1:5432 (dropped afterwards). In
//! CI (`REKEY_REQUIRE_SERVICES=1`) PostgreSQL must be there; elsewhere the
//! tests pass without running when it is not, and say so.

use rekey_postgres::PgStore;
use sqlx::postgres::PgConnectOptions;

/// Drops the test's schema when the test ends, after closing the store's
/// connections (named for the schema): one left in a transaction by the
/// test's end would hold locks the drop waits for, while this drop holds
/// up the runtime that would end that transaction.
struct Schema(String);

impl Drop for Schema {
    fn drop(&mut self) {
        let _ = std::process::Command::new("psql")
            .args(["-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-qAtX"])
            .arg("-c")
            .arg(format!(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '{}'",
                self.0
            ))
            .arg("-c")
            .arg(format!("DROP SCHEMA IF EXISTS {} CASCADE", self.0))
            .output();
    }
}

async fn open() -> Option<(PgStore, Schema)> {
    open_with(&[]).await
}

/// A store on a new schema, its connections with these settings too.
async fn open_with(settings: &[(&str, &str)]) -> Option<(PgStore, Schema)> {
    let base = PgConnectOptions::new().host("127.0.0.1").port(5432).username("postgres").database("test");
    let admin = match sqlx::PgPool::connect_with(base.clone()).await {
        Ok(pool) => pool,
        Err(e) => {
            assert!(
                std::env::var("REKEY_REQUIRE_SERVICES").as_deref() != Ok("1"),
                "PostgreSQL is required (REKEY_REQUIRE_SERVICES=1) but not reachable on 127.0.0.1:5432: {e}"
            );
            eprintln!("skipping: PostgreSQL is not reachable on 127.0.0.1:5432");
            return None;
        }
    };
    let schema = Schema(format!("rekey_test_{}", uuid::Uuid::new_v4().simple()));
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {}", schema.0))).execute(&admin).await.unwrap();
    admin.close().await;
    let options = base
        .application_name(&schema.0)
        .options([("search_path", schema.0.as_str())])
        .options(settings.iter().copied());
    let store = PgStore::connect_with(options).await.unwrap();
    Some((store, schema))
}

rekey_store::conformance_suite!(optional open());

/// A new secret's row (no store key yet) of account 111111111111 in
/// us-east-1.
fn new_secret(name: &str) -> rekey_model::secret::SecretRecord {
    use rekey_model::Timestamp;
    use rekey_model::name::{AccountId, Arn, ArnSuffix, Namespace, Region, SecretName};
    let namespace = Namespace { account: AccountId::parse("111111111111").unwrap(), region: Region::new("us-east-1") };
    rekey_model::secret::SecretRecord {
        pk: 0,
        arn: Arn { namespace, name: SecretName::parse(name).unwrap(), suffix: ArnSuffix::random() },
        created: Timestamp::from_millis(1),
        last_changed: Timestamp::from_millis(1),
        last_accessed: None,
        deleted: None,
        purge_at: None,
        rotate_at: None,
        meta: rekey_model::secret::SecretMeta::default(),
    }
}

/// A change PostgreSQL gives up (a serialization failure) is tried again.
/// With every transaction SERIALIZABLE, concurrent changes to different
/// secrets all lock the audit chain's head, and all but one of each
/// round fail with a serialization failure: every change still lands,
/// once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_given_up_by_the_database_are_tried_again() {
    use rekey_model::audit::AuditEvent;
    use rekey_model::name::{AccountId, Namespace, Region, SecretName};
    use rekey_model::{Timestamp, staging::Labels};
    use rekey_store::{AuditStore, Change, Mutation, SecretStore, SecretWrite};
    use std::sync::Arc;
    let Some((store, _schema)) = open_with(&[("default_transaction_isolation", "serializable")]).await else { return };
    store.set_audit_key(rekey_store::audit::AuditKey::new([7; 32]));
    let store = Arc::new(store);
    let ns = Namespace { account: AccountId::parse("111111111111").unwrap(), region: Region::new("us-east-1") };
    let mut tasks = tokio::task::JoinSet::new();
    const N: usize = 24;
    for i in 0..N {
        let (store, ns) = (store.clone(), ns.clone());
        tasks.spawn(async move {
            let name = SecretName::parse(&format!("s{i}")).unwrap();
            let secret = new_secret(name.as_str());
            let event = AuditEvent::service("CreateSecret", &secret.arn, Timestamp::from_millis(1));
            let decide: rekey_store::Decide<()> = Box::new(move |input| {
                assert!(input.state.is_none());
                let mut w = SecretWrite {
                    secret,
                    put_versions: Vec::new(),
                    delete_versions: Vec::new(),
                    labels: Labels::default(),
                    rotation: None,
                    end_rotations: None,
                    replaces: None,
                    audit: Vec::new(),
                };
                w.audit.push(event);
                Ok((Change::write(w), ()))
            });
            store.mutate(Mutation { namespace: ns, name, preload_value: None, decide }).await
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap().unwrap_or_else(|e| panic!("a change failed: {}", e.message));
    }
    assert_eq!(store.audit_head().await.unwrap(), N as i64, "each change recorded once");
    let verdict = store.verify_audit().await.unwrap();
    assert_eq!(verdict, rekey_store::audit::AuditVerdict::Intact { records: N as u64 });
}

/// A secret is found by its name through an index, whatever the planner
/// knows: on a table with no statistics (autovacuum may be off), the
/// lookup every change and cache miss makes reads one secret, not every
/// secret of the account.
#[tokio::test]
async fn a_secret_is_found_by_name_through_an_index() {
    let Some((store, _schema)) = open().await else { return };
    let pool = store.pool();
    sqlx::query(
        "INSERT INTO secrets (account, region, name, suffix, created_ms, last_changed_ms, meta)
         SELECT '111111111111', 'us-east-1', 'app/' || i, 'AbCdEf', i, i, '{}' FROM generate_series(1, 3000) AS i",
    )
    .execute(pool)
    .await
    .unwrap();
    let plan: Vec<String> = sqlx::query_scalar(
        "EXPLAIN (ANALYZE, COSTS OFF) SELECT s.id FROM secrets s
         WHERE s.account = '111111111111' AND s.region = 'us-east-1' AND s.name = 'app/1234'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let plan = plan.join("\n");
    assert!(plan.contains("Index Cond") && plan.contains("name = "), "{plan}");
    assert!(!plan.contains("Rows Removed by Filter"), "{plan}");
}

/// A change whose caller goes away midway (a request dropped when its
/// client leaves) either lands or not, and this node's cache holds what
/// the database holds afterwards either way: the node skips its own
/// notices, so a commit its cache did not see would be served stale.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_dropped_midway_leaves_the_cache_true() {
    use rekey_model::Timestamp;
    use rekey_model::audit::AuditEvent;
    use rekey_model::name::{AccountId, Namespace, Region, SecretName};
    use rekey_model::secret::{SealedValue, VersionRecord};
    use rekey_model::staging::{Labels, StagingLabel, VersionId};
    use rekey_store::{AuditStore, Change, Mutation, SecretStore, SecretWrite};
    use std::time::Duration;
    let Some((store, _schema)) = open().await else { return };
    store.set_audit_key(rekey_store::audit::AuditKey::new([7; 32]));
    let ns = Namespace { account: AccountId::parse("111111111111").unwrap(), region: Region::new("us-east-1") };
    let name = SecretName::parse("app/db").unwrap();
    let version = |id: &str| {
        let record = VersionRecord {
            version_id: VersionId::new(id.to_string()),
            created: Timestamp::from_millis(1),
            last_accessed: None,
            has_value: true,
            kms_key_id: None,
        };
        let sealed = SealedValue { kek_id: "k".into(), wrapped_key: vec![1; 40], ciphertext: vec![2; 40] };
        (record, Some(sealed))
    };
    // Puts version `id` and moves AWSCURRENT onto it.
    let put = |id: String| {
        let decide: rekey_store::Decide<()> = Box::new(move |input| {
            let mut w = match input.state {
                Some(state) => SecretWrite::of(&state),
                None => SecretWrite::of(&rekey_model::secret::SecretState {
                    secret: new_secret("app/db"),
                    versions: Vec::new(),
                    labels: Labels::default(),
                }),
            };
            w.put_versions.push(version(&id));
            w.labels = Labels::from_pairs([(StagingLabel::current(), VersionId::new(id))]);
            w.audit.push(AuditEvent::service("PutSecretValue", &w.secret.arn, Timestamp::from_millis(1)));
            Ok((Change::write(w), ()))
        });
        Mutation { namespace: ns.clone(), name: name.clone(), preload_value: None, decide }
    };
    store.mutate(put("v0".into())).await.unwrap();
    let in_database = || async {
        sqlx::query_scalar::<_, String>("SELECT version_id FROM labels WHERE label = 'AWSCURRENT'")
            .fetch_one(store.pool())
            .await
            .unwrap()
    };
    // Changes dropped, and of those the ones that committed all the same.
    let (mut dropped, mut dropped_landed) = (0, 0);
    for i in 1..=60u64 {
        store.load(&ns, &name).await.unwrap().expect("cached");
        // Cut short anywhere from before the lock to after the commit.
        let cut = Duration::from_micros(i * 60);
        let was_dropped = match tokio::time::timeout(cut, store.mutate(put(format!("v{i}")))).await {
            Ok(done) => {
                done.unwrap();
                false
            }
            Err(_) => true,
        };
        tokio::time::sleep(Duration::from_millis(30)).await;
        // A dropped change's task may still be between its commit and its
        // cache update (a machine under load): the cache must come to hold
        // what the database holds, within a bound (never, without the task).
        let since = std::time::Instant::now();
        let current = loop {
            let current = in_database().await;
            let cached = store.load(&ns, &name).await.unwrap().unwrap();
            let cached = cached.labels.holder("AWSCURRENT").map(|v| v.as_str().to_string());
            if cached.as_deref() == Some(current.as_str()) {
                break current;
            }
            assert!(since.elapsed() < Duration::from_secs(2), "try {i}: cached {cached:?}, stored {current}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        dropped += usize::from(was_dropped);
        dropped_landed += usize::from(was_dropped && current == format!("v{i}"));
    }
    assert!(dropped > 0, "no change was cut short");
    eprintln!("{dropped} changes dropped midway, {dropped_landed} of them committed");
}

/// A principal change whose caller goes away after its commit still moves
/// this node's principals generation (keys and grants cached on this node
/// are looked at again): otherwise a narrowed policy or a deleted key would
/// keep working here for the key cache's minute.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_principal_change_dropped_midway_still_moves_the_generation() {
    use rekey_model::Timestamp;
    use rekey_model::identity::{UserName, UserPolicy, UserRecord};
    use rekey_model::name::AccountId;
    use rekey_store::{AuditStore, PrincipalStore};
    use std::time::Duration;
    let Some((store, _schema)) = open().await else { return };
    store.set_audit_key(rekey_store::audit::AuditKey::new([7; 32]));
    let account = AccountId::parse("111111111111").unwrap();
    let alice = UserName::parse("alice").unwrap();
    store.insert_account(&account, Timestamp::from_millis(1)).await.unwrap();
    let user = UserRecord {
        account: account.clone(),
        name: alice.clone(),
        user_id: "AIDAALICE".into(),
        created: Timestamp::from_millis(1),
    };
    assert!(store.insert_user(user, Vec::new()).await.unwrap());
    let mut dropped_landed = 0;
    for i in 1..=40u64 {
        tokio::time::sleep(Duration::from_millis(30)).await;
        let before = store.principals_generation();
        let document = format!("{{\"v\":{i}}}");
        let policy = UserPolicy { name: "p".into(), document: document.clone() };
        let change = store.put_user_policy(&account, &alice, policy, Vec::new());
        let dropped = tokio::time::timeout(Duration::from_micros(i * 50), change).await.is_err();
        tokio::time::sleep(Duration::from_millis(30)).await;
        let stored: Option<String> = sqlx::query_scalar("SELECT document FROM user_policies WHERE policy_name = 'p'")
            .fetch_optional(store.pool())
            .await
            .unwrap();
        if stored.as_deref() == Some(document.as_str()) {
            dropped_landed += usize::from(dropped);
            assert!(store.principals_generation() > before, "try {i}: committed, but the generation did not move");
        }
    }
    eprintln!("{dropped_landed} changes dropped after their commit");
}

/// One master-key rotation at a time: a second begin finds the first; the
/// phase moves only for the rotation named; a node's note is its own and
/// the nodes serving list it; the end clears the rotation.
#[tokio::test]
async fn one_master_key_rotation_at_a_time() {
    use rekey_store::{Keyring, MasterPhase};
    let Some((store, _schema)) = open().await else { return };
    assert!(store.shared());
    assert_eq!(store.master_rotation().await.unwrap(), None);
    let first = store.begin_master_rotation("r1", vec![1, 2]).await.unwrap();
    assert_eq!(
        (first.id.as_str(), first.phase, first.key_check.as_slice()),
        ("r1", MasterPhase::Staged, &[1u8, 2][..])
    );
    let second = store.begin_master_rotation("r2", vec![3]).await.unwrap();
    assert_eq!(second, first, "the rotation under way stays");
    store.set_master_phase("r2", MasterPhase::Sealing).await.unwrap();
    assert_eq!(store.master_rotation().await.unwrap().unwrap().phase, MasterPhase::Staged);
    store.set_master_phase("r1", MasterPhase::Sealing).await.unwrap();
    assert_eq!(store.master_rotation().await.unwrap().unwrap().phase, MasterPhase::Sealing);
    store.note_master_key(Some("r1:held")).await.unwrap();
    let nodes = store.serving_nodes().await.unwrap();
    let me: Vec<_> = nodes.iter().filter(|n| n.this).collect();
    assert_eq!(me.len(), 1, "{nodes:?}");
    assert_eq!((me[0].master_key.as_deref(), me[0].instance.as_str()), (Some("r1:held"), first.started_by.as_str()));
    store.end_master_rotation("r2").await.unwrap();
    assert!(store.master_rotation().await.unwrap().is_some(), "only the rotation named ends");
    store.end_master_rotation("r1").await.unwrap();
    assert_eq!(store.master_rotation().await.unwrap(), None);
}

/// A change dropped while it waits for its name's lock (its client gone)
/// leaves no transaction open: the connection is not handed back to the
/// pool inside a transaction that holds the lock, where the next user's
/// statements would run uncommitted.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_change_dropped_while_it_waits_for_its_lock_leaves_no_transaction_open() {
    use rekey_model::name::{AccountId, Namespace, Region, SecretName};
    use rekey_store::{Change, Mutation, SecretStore};
    use sqlx::Connection;
    use std::time::Duration;
    let Some((store, schema)) = open().await else { return };
    let store = std::sync::Arc::new(store);
    let ns = Namespace { account: AccountId::parse("111111111111").unwrap(), region: Region::new("us-east-1") };
    let name = SecretName::parse("held").unwrap();
    // A change that decides nothing, after saying it holds its name's lock
    // and holding it for `hold`.
    let change = |hold: Duration, holding: Option<tokio::sync::oneshot::Sender<()>>| {
        let decide: rekey_store::Decide<()> = Box::new(move |_| {
            holding.map(|h| h.send(()));
            std::thread::sleep(hold);
            Ok((Change::None, ()))
        });
        Mutation { namespace: ns.clone(), name: name.clone(), preload_value: None, decide }
    };
    let (holding, held) = tokio::sync::oneshot::channel();
    let holder = tokio::spawn({
        let (store, change) = (store.clone(), change(Duration::from_millis(400), Some(holding)));
        async move { store.mutate(change).await }
    });
    held.await.unwrap();
    let waited = tokio::time::timeout(Duration::from_millis(100), store.mutate(change(Duration::ZERO, None))).await;
    assert!(waited.is_err(), "the second change waited for the lock: {waited:?}");
    holder.await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let url = "postgres://postgres@127.0.0.1:5432/test";
    let mut watcher = sqlx::PgConnection::connect(url).await.unwrap();
    let open: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND state LIKE 'idle in transaction%'",
    )
    .bind(&schema.0)
    .fetch_one(&mut watcher)
    .await
    .unwrap();
    assert_eq!(open, 0, "a connection was left in a transaction");
}
