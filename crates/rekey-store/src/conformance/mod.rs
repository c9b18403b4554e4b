//! The suite every backend must pass: what the service relies on a store
//! for, checked through the traits alone. A backend's tests run it with
//! [`conformance_suite!`](crate::conformance_suite) and a function that
//! opens an empty store:
//!
//! ```text
//! rekey_store::conformance_suite!(async { open_an_empty_store().await });
//! ```
//!
//! The checks: mutations are all or nothing and replace the label map
//! whole; a preloaded value serves idempotency checks; a purge takes
//! everything and its key is never reused; listings come in order, in
//! keyset pages, per namespace; purges and rotations come due; job leases
//! are claimed, expire, are taken over and end with the job; the first
//! key-encryption key written under an id is the one kept; principals;
//! the audit trail ([`audit`]).

mod audit;
pub use audit::*;

use crate::{Change, History, LeaseOwner, ListCursor, ListOrder, ListQuery, Mutation, SecretStore, SecretWrite, Store};
use rekey_model::identity::{AccessKeyRecord, UserName, UserPolicy, UserRecord};
use rekey_model::name::{AccountId, Arn, ArnSuffix, Namespace, Region, SecretName};
use rekey_model::rotation::{JobStatus, RotationJob, RotationMode};
use rekey_model::secret::{SealedValue, SecretMeta, SecretRecord, SecretState, VersionRecord};
use rekey_model::staging::{Labels, StagingLabel, VersionId};
use rekey_model::{ApiError, Timestamp};
use std::sync::Arc;

/// Runs every check of the suite as a `#[tokio::test]` of the calling
/// crate, each on a fresh store from `$open` (an expression, evaluated
/// once per test, whose future yields `(store, guard)`: the guard, a
/// temporary directory say, lives as long as the test).
///
/// A backend that needs a service the machine may lack passes `optional`
/// and an `$open` whose future yields an `Option`: a test with `None`
/// passes without running (the backend's tests say why).
#[macro_export]
macro_rules! conformance_suite {
    (optional $open:expr) => {
        $crate::conformance_suite!(@each (optional) $open);
    };
    ($open:expr) => {
        $crate::conformance_suite!(@each () $open);
    };
    (@each ($($optional:ident)?) $open:expr) => {
        $crate::conformance_suite!(@tests ($($optional)?) $open;
            a_mutation_is_all_or_nothing,
            a_preloaded_value_serves_idempotency,
            a_purge_takes_everything_and_its_key_is_never_reused,
            listings_come_in_order_in_keyset_pages,
            purges_and_rotations_come_due,
            leases_are_claimed_expire_and_are_taken_over,
            an_ended_job_keeps_no_lease,
            the_first_key_written_under_an_id_is_kept,
            principals_are_kept,
            audit_records_need_the_key,
            audit_records_are_found_and_chained,
            function_logs_are_kept_per_secret_and_dropped_by_age,
            audit_records_are_pruned_behind_an_anchor,
            audit_time_bounds_allow_records_out_of_order,
            audit_batched_reads_are_found_like_any_record,
            a_stored_step_is_not_rewritten_by_a_later_save,
            the_dev_clock_offset_and_the_newest_write_are_kept,
        );
    };
    (@tests () $open:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let (store, _guard) = $open.await;
                $crate::conformance::$name(&store).await;
            }
        )*
    };
    (@tests (optional) $open:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let Some((store, _guard)) = $open.await else { return };
                $crate::conformance::$name(&store).await;
            }
        )*
    };
}

const T0: i64 = 1_790_000_000_000;
const DAY: i64 = 86_400_000;

fn ns(account: &str, region: &str) -> Namespace {
    Namespace { account: AccountId::parse(account).expect("account"), region: Region::new(region) }
}

fn name(s: &str) -> SecretName {
    SecretName::parse(s).expect("name")
}

fn at(ms: i64) -> Timestamp {
    Timestamp::from_millis(ms)
}

fn record(ns: &Namespace, n: &str, created: i64) -> SecretRecord {
    SecretRecord {
        pk: 0,
        arn: Arn { namespace: ns.clone(), name: name(n), suffix: ArnSuffix::random() },
        created: at(created),
        last_changed: at(created),
        last_accessed: None,
        deleted: None,
        purge_at: None,
        rotate_at: None,
        meta: SecretMeta::default(),
    }
}

fn version(id: &str, created: i64) -> VersionRecord {
    VersionRecord {
        version_id: VersionId::new(id),
        created: at(created),
        last_accessed: None,
        has_value: true,
        kms_key_id: None,
    }
}

fn sealed(tag: &str) -> SealedValue {
    SealedValue {
        kek_id: "kek".into(),
        wrapped_key: tag.as_bytes().to_vec(),
        ciphertext: format!("ct-{tag}").into_bytes(),
    }
}

fn write(secret: SecretRecord, versions: &[&str], labels: &[(&str, &str)]) -> SecretWrite {
    let created = secret.created.millis();
    SecretWrite {
        secret,
        put_versions: versions.iter().map(|v| (version(v, created), Some(sealed(v)))).collect(),
        delete_versions: Vec::new(),
        labels: Labels::from_pairs(labels.iter().map(|(l, v)| (StagingLabel::new(*l), VersionId::new(*v)))),
        rotation: None,
        end_rotations: None,
        replaces: None,
        audit: Vec::new(),
    }
}

/// Runs `decide` on the secret `n` of `ns` in one transaction.
async fn mutate<S: SecretStore, R: Send + 'static>(
    store: &S,
    ns: &Namespace,
    n: &str,
    decide: impl FnOnce(Option<SecretState>) -> Result<(Change, R), ApiError> + Send + 'static,
) -> Result<R, ApiError> {
    store
        .mutate(Mutation {
            namespace: ns.clone(),
            name: name(n),
            preload_value: None,
            decide: Box::new(move |input| decide(input.state)),
        })
        .await
}

/// Creates a secret with these versions (each with a value) and labels.
async fn create<S: SecretStore>(
    store: &S,
    secret: SecretRecord,
    versions: &[&str],
    labels: &[(&str, &str)],
) -> Arc<SecretState> {
    let (ns, n) = (secret.arn.namespace.clone(), secret.arn.name.to_string());
    let w = write(secret, versions, labels);
    mutate(store, &ns, &n, move |state| {
        assert!(state.is_none(), "a new name");
        Ok((Change::write(w), ()))
    })
    .await
    .expect("created");
    store.load(&ns, &name(&n)).await.expect("load").expect("stored")
}

fn labels_of(state: &SecretState) -> Vec<(String, String)> {
    state.labels.iter().map(|(l, v)| (l.as_str().to_string(), v.as_str().to_string())).collect()
}

/// A write lands whole: the secret, its versions in creation order,
/// their values and exactly the label map written; a decision that fails
/// or writes nothing changes nothing.
pub async fn a_mutation_is_all_or_nothing<S: Store>(store: &S) {
    store.check_writable().await.expect("an empty store takes a commit");
    let a = ns("111111111111", "us-east-1");
    let state =
        create(store, record(&a, "app/db", T0), &["v1", "v2"], &[("AWSPREVIOUS", "v1"), ("AWSCURRENT", "v2")]).await;
    assert!(state.secret.pk > 0, "a store key is assigned");
    let ids: Vec<&str> = state.versions.iter().map(|v| v.version_id.as_str()).collect();
    assert_eq!(ids, ["v1", "v2"], "oldest first");
    assert_eq!(labels_of(&state), [("AWSCURRENT".into(), "v2".into()), ("AWSPREVIOUS".into(), "v1".into())]);
    let value = store.read_value(state.secret.pk, &VersionId::new("v2")).await.unwrap().expect("a value");
    assert_eq!(*value, sealed("v2"));
    assert!(store.read_value(state.secret.pk, &VersionId::new("v9")).await.unwrap().is_none());

    // A decision that fails, having changed the state it was given:
    // nothing of it lands, and its error comes back as it was.
    let refused = mutate(store, &a, "app/db", |state| {
        let mut state = state.expect("exists");
        state.labels.detach("AWSCURRENT");
        Err::<(Change, ()), _>(ApiError::invalid_request("no"))
    })
    .await;
    assert_eq!(refused.unwrap_err().message, "no");
    assert_eq!(labels_of(&store.load(&a, &name("app/db")).await.unwrap().unwrap()), labels_of(&state));
    mutate(store, &a, "app/db", |_| Ok((Change::None, ()))).await.unwrap();

    // A new version and a label map without AWSPREVIOUS: the map is replaced whole.
    mutate(store, &a, "app/db", |state| {
        let state = state.expect("exists");
        let mut w = SecretWrite::of(&state);
        w.put_versions.push((version("v3", T0 + 1), Some(sealed("v3"))));
        w.labels = Labels::from_pairs([(StagingLabel::current(), VersionId::new("v3"))]);
        w.delete_versions.push(VersionId::new("v1"));
        w.secret.last_changed = at(T0 + 1);
        Ok((Change::write(w), ()))
    })
    .await
    .unwrap();
    let after = store.load(&a, &name("app/db")).await.unwrap().unwrap();
    assert_eq!(labels_of(&after), [("AWSCURRENT".into(), "v3".into())]);
    let ids: Vec<&str> = after.versions.iter().map(|v| v.version_id.as_str()).collect();
    assert_eq!(ids, ["v2", "v3"], "v1 deleted, v3 added last");
    assert_eq!(after.secret.last_changed, at(T0 + 1));
    assert!(store.read_value(after.secret.pk, &VersionId::new("v1")).await.unwrap().is_none());

    // Another namespace does not see it.
    assert!(store.load(&ns("111111111111", "eu-west-1"), &name("app/db")).await.unwrap().is_none());
    assert!(store.load(&ns("222222222222", "us-east-1"), &name("app/db")).await.unwrap().is_none());
}

/// The sealed value a mutation asks to preload reaches its decision (the
/// service compares a retried request's value with the stored one).
pub async fn a_preloaded_value_serves_idempotency<S: Store>(store: &S) {
    let a = ns("111111111111", "us-east-1");
    create(store, record(&a, "token", T0), &["t1"], &[("AWSCURRENT", "t1")]).await;
    for (wanted, expected) in [("t1", Some(sealed("t1"))), ("t2", None)] {
        let got = store
            .mutate(Mutation {
                namespace: a.clone(),
                name: name("token"),
                preload_value: Some(VersionId::new(wanted)),
                decide: Box::new(|input| Ok((Change::None, input.preloaded.map(|v| (*v).clone())))),
            })
            .await
            .unwrap();
        assert_eq!(got, expected, "{wanted}");
    }
}

/// A purge removes the secret, its versions, values and jobs, and appends
/// its records with it; a secret created again under the name gets a new
/// key.
pub async fn a_purge_takes_everything_and_its_key_is_never_reused<S: Store>(store: &S) {
    store.set_audit_key(crate::audit::AuditKey::new([6; 32]));
    let a = ns("111111111111", "us-east-1");
    let first = create(store, record(&a, "gone", T0), &["g1"], &[("AWSCURRENT", "g1")]).await;
    let pk = first.secret.pk;
    let job = add_job(store, &a, "gone", "g1").await;
    let ended = rekey_model::audit::AuditEvent::service("EndSecretVersionDelete", &first.secret.arn, at(T0));
    let purge = Change::Purge { pk, audit: vec![ended] };
    mutate(store, &a, "gone", move |_| Ok((purge, ()))).await.unwrap();
    assert_eq!(store.audit_head().await.unwrap(), 1, "the purge's record went with it");
    assert!(store.load(&a, &name("gone")).await.unwrap().is_none());
    assert!(store.read_value(pk, &VersionId::new("g1")).await.unwrap().is_none());
    assert!(store.rotation(&job.id).await.unwrap().is_none(), "its jobs go with it");
    let again = create(store, record(&a, "gone", T0 + 5), &["g2"], &[("AWSCURRENT", "g2")]).await;
    assert_ne!(again.secret.pk, pk, "a new key");
    assert!(store.read_value(again.secret.pk, &VersionId::new("g1")).await.unwrap().is_none());
}

/// Every order, both directions, in pages of a few: each secret of the
/// namespace exactly once, in order (ties by store key), with or without
/// the secrets scheduled for deletion.
pub async fn listings_come_in_order_in_keyset_pages<S: Store>(store: &S) {
    let a = ns("111111111111", "us-east-1");
    let mut made = Vec::new();
    for i in 0..17i64 {
        // Creation times with ties, names out of creation order.
        let mut r = record(&a, &format!("s{:02}", (i * 7) % 17), T0 + (i / 3) * 1000);
        r.last_changed = at(T0 + ((i * 5) % 4) * 1000);
        if i % 5 == 0 {
            r.deleted = Some(at(T0));
            r.purge_at = Some(at(T0 + 30 * DAY));
        }
        made.push(create(store, r, &["v"], &[("AWSCURRENT", "v")]).await);
    }
    create(store, record(&ns("111111111111", "eu-west-1"), "elsewhere", T0), &["v"], &[("AWSCURRENT", "v")]).await;
    for order in [ListOrder::Created, ListOrder::LastChanged, ListOrder::Name] {
        for descending in [false, true] {
            for include_deleted in [false, true] {
                let mut expected: Vec<(ListCursor, i64)> = made
                    .iter()
                    .filter(|s| include_deleted || s.secret.deleted.is_none())
                    .map(|s| (order.cursor(&s.secret), s.secret.pk))
                    .collect();
                expected.sort_by(|x, y| {
                    let o = cursor_cmp(&x.0, &y.0);
                    if descending { o.reverse() } else { o }
                });
                let expected: Vec<i64> = expected.into_iter().map(|(_, pk)| pk).collect();
                let mut got = Vec::new();
                let mut after = None;
                loop {
                    let page = store
                        .list(ListQuery {
                            namespace: a.clone(),
                            order,
                            descending,
                            include_deleted,
                            after: after.clone(),
                            limit: 4,
                        })
                        .await
                        .unwrap();
                    assert!(page.len() <= 4);
                    got.extend(page.iter().map(|s| s.secret.pk));
                    match page.last() {
                        Some(last) if page.len() == 4 => after = Some(order.cursor(&last.secret)),
                        _ => break,
                    }
                }
                assert_eq!(got, expected, "{order:?} descending={descending} include_deleted={include_deleted}");
            }
        }
    }
}

fn cursor_cmp(a: &ListCursor, b: &ListCursor) -> std::cmp::Ordering {
    use crate::ListKey::{Millis, Name};
    let key = match (&a.key, &b.key) {
        (Millis(x), Millis(y)) => x.cmp(y),
        (Name(x), Name(y)) => x.cmp(y),
        _ => panic!("one order"),
    };
    key.then(a.pk.cmp(&b.pk))
}

/// Secrets come due for purging at their purge time and for rotation at
/// their rotation time, soonest first; not before.
pub async fn purges_and_rotations_come_due<S: Store>(store: &S) {
    let a = ns("111111111111", "us-east-1");
    let mut doomed = record(&a, "doomed", T0);
    doomed.deleted = Some(at(T0));
    doomed.purge_at = Some(at(T0 + 7 * DAY));
    create(store, doomed, &["v"], &[("AWSCURRENT", "v")]).await;
    for (n, days) in [("later", 3), ("sooner", 1)] {
        let mut r = record(&a, n, T0);
        r.rotate_at = Some(at(T0 + days * DAY));
        create(store, r, &["v"], &[("AWSCURRENT", "v")]).await;
    }
    assert!(store.due_for_purge(at(T0 + 7 * DAY - 1), 10).await.unwrap().is_empty());
    assert_eq!(store.due_for_purge(at(T0 + 7 * DAY), 10).await.unwrap(), [(a.clone(), name("doomed"))]);
    assert_eq!(store.next_rotation_due(at(T0)).await.unwrap(), Some(at(T0 + DAY)));
    assert_eq!(store.next_rotation_due(at(T0 + DAY)).await.unwrap(), Some(at(T0 + 3 * DAY)), "strictly after");
    assert_eq!(store.next_rotation_due(at(T0 + 3 * DAY)).await.unwrap(), None);
    assert!(store.due_for_rotation(at(T0 + DAY - 1), 10).await.unwrap().is_empty());
    assert_eq!(store.due_for_rotation(at(T0 + DAY), 10).await.unwrap(), [(a.clone(), name("sooner"))]);
    let both = store.due_for_rotation(at(T0 + 3 * DAY), 10).await.unwrap();
    assert_eq!(both.len(), 2);
    assert_eq!(store.due_for_rotation(at(T0 + 3 * DAY), 1).await.unwrap().len(), 1, "limited");
}

/// Records an active job for the pending version `token` of secret `n`.
async fn add_job<S: Store>(store: &S, ns: &Namespace, n: &str, token: &str) -> RotationJob {
    let token = VersionId::new(token);
    mutate(store, ns, n, move |state| {
        let state = state.expect("exists");
        let job = RotationJob::new(state.secret.arn.clone(), token, "fn".into(), RotationMode::Rotate, at(T0));
        let mut w = SecretWrite::of(&state);
        w.rotation = Some(job.clone());
        Ok((Change::write(w), job))
    })
    .await
    .expect("job recorded")
}

/// One runner at a time: a held lease refuses every other claim (its
/// owner's too), only its owner saves or renews; once it expires another
/// runner takes the job at the step it reached and the first is shut out;
/// a release or a restart's release frees it at once.
pub async fn leases_are_claimed_expire_and_are_taken_over<S: Store>(store: &S) {
    let a = ns("111111111111", "us-east-1");
    create(store, record(&a, "leased", T0), &["v1"], &[("AWSCURRENT", "v1")]).await;
    let job = add_job(store, &a, "leased", "p1").await;
    let (one, two) = (LeaseOwner("node-1".into()), LeaseOwner("node-2".into()));
    assert_eq!(store.claimable_rotations(at(T0)).await.unwrap().len(), 1);

    let mut claimed = store.claim_rotation(&job.id, &one, at(T0), at(T0 + 60_000)).await.unwrap().expect("free");
    assert_eq!(claimed.id, job.id);
    assert!(store.claim_rotation(&job.id, &two, at(T0 + 1), at(T0 + 60_000)).await.unwrap().is_none(), "held");
    assert!(
        store.claim_rotation(&job.id, &one, at(T0 + 1), at(T0 + 60_000)).await.unwrap().is_none(),
        "held, by it too"
    );
    assert!(store.claimable_rotations(at(T0 + 59_999)).await.unwrap().is_empty(), "not claimable while held");
    assert_eq!(store.claimable_rotations(at(T0 + 60_000)).await.unwrap().len(), 1, "claimable once expired");
    claimed.attempts = 1;
    claimed.next_step = claimed.step_after(rekey_model::rotation::RotationStep::Create);
    assert!(store.save_rotation(claimed.clone(), &one).await.unwrap(), "its owner saves");
    assert!(!store.save_rotation(claimed.clone(), &two).await.unwrap(), "nobody else does");
    assert!(store.renew_rotation(&job.id, &one, at(T0 + 120_000)).await.unwrap());
    assert!(!store.renew_rotation(&job.id, &two, at(T0 + 120_000)).await.unwrap());
    assert!(
        store.claim_rotation(&job.id, &two, at(T0 + 119_999), at(T0 + 200_000)).await.unwrap().is_none(),
        "renewed"
    );

    // Expired: taken over where it stood; the first owner is shut out.
    let taken =
        store.claim_rotation(&job.id, &two, at(T0 + 120_000), at(T0 + 200_000)).await.unwrap().expect("expired");
    assert_eq!((taken.attempts, taken.next_step), (1, claimed.next_step), "at the step it reached");
    assert!(!store.save_rotation(claimed.clone(), &one).await.unwrap(), "the old owner cannot save");
    assert!(!store.renew_rotation(&job.id, &one, at(T0 + 300_000)).await.unwrap(), "nor renew");
    store.release_rotation(&job.id, &one).await.unwrap();
    assert!(
        store.claim_rotation(&job.id, &one, at(T0 + 120_001), at(T0 + 200_000)).await.unwrap().is_none(),
        "another's lease is not released"
    );

    // Released: free at once.
    store.release_rotation(&job.id, &two).await.unwrap();
    assert!(store.claim_rotation(&job.id, &one, at(T0 + 120_002), at(T0 + 900_000)).await.unwrap().is_some());
    assert_eq!(store.release_rotations_of(&one).await.unwrap(), 1, "a restart frees what it held");
    assert!(store.claim_rotation(&job.id, &two, at(T0 + 120_003), at(T0 + 900_000)).await.unwrap().is_some());
}

/// A job that ends is no longer claimed, renewed or saved, and a job
/// written again by a mutation (RotateSecret reactivating it) starts free.
pub async fn an_ended_job_keeps_no_lease<S: Store>(store: &S) {
    let a = ns("111111111111", "us-east-1");
    create(store, record(&a, "ends", T0), &["v1"], &[("AWSCURRENT", "v1")]).await;
    let job = add_job(store, &a, "ends", "p1").await;
    let one = LeaseOwner("node-1".into());
    let mut claimed = store.claim_rotation(&job.id, &one, at(T0), at(T0 + 60_000)).await.unwrap().unwrap();
    claimed.status = JobStatus::Failed;
    assert!(store.save_rotation(claimed.clone(), &one).await.unwrap(), "the end is saved");
    assert_eq!(store.rotation(&job.id).await.unwrap().unwrap().status, JobStatus::Failed);
    assert!(store.claimable_rotations(at(T0 + 120_000)).await.unwrap().is_empty(), "ended");
    assert!(!store.save_rotation(claimed.clone(), &one).await.unwrap(), "no longer active");
    assert!(!store.renew_rotation(&job.id, &one, at(T0 + 1)).await.unwrap());
    assert!(store.claim_rotation(&job.id, &one, at(T0 + 120_000), at(T0 + 180_000)).await.unwrap().is_none());

    // Reactivated through a mutation, while the old lease would still hold.
    let again = claimed.clone();
    mutate(store, &a, "ends", move |state| {
        let mut w = SecretWrite::of(&state.expect("exists"));
        let mut job = again;
        job.status = JobStatus::Active;
        w.rotation = Some(job);
        Ok((Change::write(w), ()))
    })
    .await
    .unwrap();
    let two = LeaseOwner("node-2".into());
    assert!(store.claim_rotation(&job.id, &two, at(T0 + 1), at(T0 + 60_000)).await.unwrap().is_some(), "free");
    let history = store.rotation_history(History::Namespace(a.clone()), 10).await.unwrap();
    assert_eq!(history.len(), 1);
    // Ending a secret's jobs in a mutation ends them for their runner too.
    mutate(store, &a, "ends", move |state| {
        let mut w = SecretWrite::of(&state.expect("exists"));
        w.end_rotations = Some(JobStatus::Cancelled);
        Ok((Change::write(w), ()))
    })
    .await
    .unwrap();
    assert!(!store.save_rotation(claimed, &two).await.unwrap(), "cancelled under its runner");
}

/// Concurrent creators of a key-encryption key agree: the first stored
/// under an id is the one every later insert returns; the family cap holds.
pub async fn the_first_key_written_under_an_id_is_kept<S: Store>(store: &S) {
    assert!(store.load_kek("kek-a").await.unwrap().is_none());
    assert_eq!(store.insert_kek("kek-a", b"first".to_vec(), "kek-", 2).await.unwrap(), Some(b"first".to_vec()));
    assert_eq!(store.insert_kek("kek-a", b"second".to_vec(), "kek-", 2).await.unwrap(), Some(b"first".to_vec()));
    assert_eq!(store.load_kek("kek-a").await.unwrap(), Some(b"first".to_vec()));
    assert_eq!(store.insert_kek("kek-b", b"b".to_vec(), "kek-", 2).await.unwrap(), Some(b"b".to_vec()));
    assert_eq!(store.insert_kek("kek-c", b"c".to_vec(), "kek-", 2).await.unwrap(), None, "two of the family exist");
    assert!(store.load_kek("kek-c").await.unwrap().is_none());
}

/// Accounts, users, their policies and keys: kept, listed and removed.
pub async fn principals_are_kept<S: Store>(store: &S) {
    let account = AccountId::parse("111111111111").unwrap();
    assert!(store.insert_account(&account, at(T0)).await.unwrap());
    assert!(!store.insert_account(&account, at(T0 + 1)).await.unwrap(), "once");
    assert_eq!(store.accounts().await.unwrap(), [(account.clone(), at(T0))]);
    let alice = UserName::parse("alice").expect("a user name");
    let user =
        UserRecord { account: account.clone(), name: alice.clone(), user_id: "AIDAALICE".into(), created: at(T0) };
    // A change goes in with its call's record, a change that changes
    // nothing without it.
    store.set_audit_key(crate::audit::AuditKey::new([4; 32]));
    let record = |name: &str| {
        let who =
            rekey_model::audit::UserIdentity::caller("111111111111", "arn:aws:iam::111111111111:root", "AKIA", None);
        let kind = rekey_model::audit::EventType::AwsApiCall;
        vec![rekey_model::audit::AuditEvent::new(kind, name, T0, who, "us-east-1", "111111111111")]
    };
    assert!(store.insert_user(user.clone(), record("CreateUser")).await.unwrap());
    assert!(!store.insert_user(user.clone(), record("CreateUser")).await.unwrap(), "one of a name");
    assert!(!store.delete_user_policy(&account, &alice, "none", record("DeleteUserPolicy")).await.unwrap());
    assert_eq!(store.audit_head().await.unwrap(), 1, "only the change that happened is recorded");
    assert_eq!(store.user(&account, &alice).await.unwrap(), Some(user.clone()));
    assert_eq!(store.users(&account).await.unwrap(), [user]);
    let policy = UserPolicy { name: "read".into(), document: "{}".into() };
    store.put_user_policy(&account, &alice, policy.clone(), Vec::new()).await.unwrap();
    assert_eq!(store.user_policies(&account, &alice).await.unwrap(), [policy]);
    assert!(store.delete_user_policy(&account, &alice, "read", Vec::new()).await.unwrap());
    assert!(!store.delete_user_policy(&account, &alice, "read", Vec::new()).await.unwrap());
    let key = AccessKeyRecord {
        access_key_id: "AKIAALICE".into(),
        account: account.clone(),
        user: Some(alice.clone()),
        sealed_secret: b"sealed".to_vec(),
        created: at(T0),
        active: true,
        session: None,
    };
    store.insert_access_key(key.clone(), Vec::new()).await.unwrap();
    assert_eq!(store.load_access_key("AKIAALICE").await.unwrap(), Some(key.clone()));
    assert_eq!(store.access_keys(&account, Some(&alice)).await.unwrap(), std::slice::from_ref(&key));
    assert_eq!(store.count_access_keys().await.unwrap(), 1);
    assert!(store.delete_access_key("AKIAALICE", Vec::new()).await.unwrap());
    assert!(store.load_access_key("AKIAALICE").await.unwrap().is_none());
    assert_eq!(store.count_access_keys().await.unwrap(), 0);
    // The first key goes in once: the second try finds one there.
    let first = AccessKeyRecord { access_key_id: "AKIAFIRST".into(), user: None, ..key.clone() };
    let (a, b) = tokio::join!(
        store.insert_first_access_key(first.clone()),
        store.insert_first_access_key(AccessKeyRecord { access_key_id: "AKIASECOND".into(), ..first.clone() })
    );
    assert_eq!([a.unwrap(), b.unwrap()].iter().filter(|x| **x).count(), 1, "one first key");
    assert_eq!(store.count_access_keys().await.unwrap(), 1);
    assert!(
        !store.insert_first_access_key(AccessKeyRecord { access_key_id: "AKIATHIRD".into(), ..first }).await.unwrap()
    );
}

/// Function logs come back per secret (and job), newest first, bounded by
/// `limit`, and go when they are older than the cut-off.
pub async fn function_logs_are_kept_per_secret_and_dropped_by_age<S: Store>(store: &S) {
    use crate::FunctionLogRecord;
    use rekey_model::rotation::{JobId, RotationStep, SealedOutput};
    let (a, b) = (JobId::new("job-a"), JobId::new("job-b"));
    let log = |job: &JobId, secret: &str, step: RotationStep, day: i64| FunctionLogRecord {
        job: job.clone(),
        secret_arn: secret.into(),
        attempt: 1,
        step,
        function_arn: "arn:aws:lambda:us-east-1:111111111111:function:f".into(),
        started: at(T0 + day * DAY),
        sealed: SealedOutput(vec![day as u8; 3]),
    };
    let (one, two) = ("arn:aws:secretsmanager:us-east-1:111111111111:secret:one-AbCdEf", "arn:…:two");
    for record in [
        log(&a, one, RotationStep::Create, 0),
        log(&a, one, RotationStep::Set, 1),
        log(&b, one, RotationStep::Create, 2),
        log(&b, two, RotationStep::Create, 2),
    ] {
        store.append_function_log(record).await.expect("append");
    }
    let steps = |logs: Vec<FunctionLogRecord>| logs.into_iter().map(|l| (l.job, l.step)).collect::<Vec<_>>();
    assert_eq!(
        steps(store.function_logs(one, None, 10).await.expect("read")),
        [(b.clone(), RotationStep::Create), (a.clone(), RotationStep::Set), (a.clone(), RotationStep::Create)]
    );
    assert_eq!(steps(store.function_logs(one, None, 1).await.expect("read")), [(b.clone(), RotationStep::Create)]);
    let of_a = store.function_logs(one, Some(&a), 10).await.expect("read");
    assert_eq!(of_a[1], log(&a, one, RotationStep::Create, 0), "kept as written");
    assert_eq!(steps(of_a), [(a.clone(), RotationStep::Set), (a.clone(), RotationStep::Create)]);
    assert_eq!(store.prune_function_logs(at(T0 + 2 * DAY)).await.expect("prune"), 2);
    assert_eq!(steps(store.function_logs(one, None, 10).await.expect("read")), [(b, RotationStep::Create)]);
    assert_eq!(store.function_logs(two, None, 10).await.expect("read").len(), 1);
}

/// A step's record, once stored, stays as stored: a runner saving the job
/// as it holds it in memory does not undo what a master-key rotation
/// sealed anew meanwhile (its earlier steps' outputs).
pub async fn a_stored_step_is_not_rewritten_by_a_later_save<S: Store>(store: &S) {
    use rekey_model::rotation::{RotationStep, SealedOutput, StepRecord};
    let a = ns("111111111111", "us-east-1");
    create(store, record(&a, "resealed", T0), &["v1"], &[("AWSCURRENT", "v1")]).await;
    let job = add_job(store, &a, "resealed", "p1").await;
    let owner = LeaseOwner("node-1".into());
    let mut held = store.claim_rotation(&job.id, &owner, at(T0), at(T0 + 60_000)).await.unwrap().expect("free");
    let step = |step, output: Option<u8>| StepRecord {
        attempt: 1,
        step,
        started: at(T0),
        millis: 1,
        error: output.map(|_| "failed".into()),
        output: output.map(|b| SealedOutput(vec![b; 4])),
        interrupted: false,
    };
    held.steps.push(step(RotationStep::Create, Some(1)));
    assert!(store.save_rotation(held.clone(), &owner).await.unwrap());
    let resealed = store
        .reseal_all(Box::new(|item, _| matches!(item, crate::Sealed::Output(_)).then(|| vec![2; 4])))
        .await
        .unwrap();
    assert_eq!(resealed, 1);
    held.steps.push(step(RotationStep::Create, None));
    assert!(store.save_rotation(held, &owner).await.unwrap());
    let stored = store.rotation(&job.id).await.unwrap().expect("job");
    assert_eq!(stored.steps.len(), 2);
    assert_eq!(stored.steps[0].output, Some(SealedOutput(vec![2; 4])), "as the rotation sealed it");
}

/// The `--dev` clock's offset is kept (0 before it ever moved); the
/// newest write is the audit trail's last record's time, a batch of
/// reads' last.
pub async fn the_dev_clock_offset_and_the_newest_write_are_kept<S: Store>(store: &S) {
    assert_eq!(store.dev_clock_offset().await.unwrap(), 0);
    store.save_dev_clock_offset(3 * DAY).await.unwrap();
    store.save_dev_clock_offset(5 * DAY).await.unwrap();
    assert_eq!(store.dev_clock_offset().await.unwrap(), 5 * DAY);

    assert_eq!(store.newest_write().await.unwrap(), None);
    store.set_audit_key(crate::audit::AuditKey::new([7; 32]));
    let who = rekey_model::audit::UserIdentity::caller("111111111111", "arn:aws:iam::111111111111:root", "AKIA", None);
    let kind = rekey_model::audit::EventType::AwsApiCall;
    let write = rekey_model::audit::AuditEvent::new(kind, "PutSecretValue", T0 + DAY, who, "us-east-1", "111111111111");
    store.append_audit(vec![write]).await.unwrap();
    assert_eq!(store.newest_write().await.unwrap(), Some(at(T0 + DAY)));
}
