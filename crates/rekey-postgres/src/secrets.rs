//! Secrets on PostgreSQL: one statement loads a secret whole (its row, its
//! versions and labels aggregated beside it, so that they come from one
//! snapshot), and every change runs under its name's lock (see
//! [`crate::locks::Locks::secret`]).
//!
//! A change's transaction: take the name's lock, load the state, decide
//! (the service's pure function), write, append its audit records, send
//! its notification, commit. A transaction that fails for a serialization
//! failure or a deadlock is tried again from the start; the decision, which
//! runs once, is reused only if the state it was made on is what the retry
//! loads, and otherwise the change fails rather than apply a stale decision.

use crate::audit::HeadQueue;
use crate::notify::Notifier;
use crate::{Db, PgStore};
use rekey_model::name::{Arn, ArnSuffix, Namespace, Region, SecretName};
use rekey_model::rotation::RotationJob;
use rekey_model::secret::{SealedValue, SecretRecord, SecretState, VersionRecord};
use rekey_model::staging::{Labels, StagingLabel, VersionId};
use rekey_model::{ApiError, Timestamp};
use rekey_store::audit::AuditKey;
use rekey_store::cache::{Published, StateCache};
use rekey_store::stored::{job_body, meta_body, meta_of};
use rekey_store::{
    Change, ListCursor, ListKey, ListOrder, ListQuery, Mutation, MutationInput, SecretStore, SecretWrite, StoreError,
};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};

/// Attempts of a change that keeps meeting serialization failures or
/// deadlocks (each after a random wait that grows: those that conflicted
/// do not meet again at once).
const ATTEMPTS: u32 = 32;
/// The longest wait between two attempts.
const MAX_WAIT_MS: u64 = 100;

/// The columns [`state_of`] reads: the secret's, then its versions and
/// labels as JSON arrays.
const STATE: &str = "s.id, s.account, s.region, s.name, s.suffix, s.created_ms, s.last_changed_ms, s.last_accessed_ms,
     s.deleted_ms, s.purge_at_ms, s.meta, s.rotate_at_ms,
     (SELECT coalesce(json_agg(json_build_array(v.version_id, v.created_ms, v.last_accessed_ms,
                                                v.ciphertext IS NOT NULL, v.kms_key_id) ORDER BY v.seq), '[]')
      FROM versions v WHERE v.secret_pk = s.id)::text,
     (SELECT coalesce(json_agg(json_build_array(l.label, l.version_id)), '[]')
      FROM labels l WHERE l.secret_pk = s.id)::text";

type VersionColumns = (String, i64, Option<i64>, bool, Option<String>);

fn ts(v: Option<i64>) -> Option<Timestamp> {
    v.map(Timestamp::from_millis)
}

fn corrupt(what: String) -> StoreError {
    StoreError::Corrupt(what)
}

/// A secret's state from a row of [`STATE`].
fn state_of(row: &PgRow) -> Result<SecretState, StoreError> {
    let pk: i64 = row.try_get(0).db()?;
    let (account, region, name, suffix): (String, String, String, String) =
        (row.try_get(1).db()?, row.try_get(2).db()?, row.try_get(3).db()?, row.try_get(4).db()?);
    let account = rekey_model::name::AccountId::parse(&account).ok_or_else(|| corrupt(format!("account {account}")))?;
    let name = SecretName::parse(&name).map_err(|_| corrupt(format!("name {name}")))?;
    let suffix = ArnSuffix::parse(&suffix).ok_or_else(|| corrupt(format!("secret {pk}: bad suffix")))?;
    let meta: String = row.try_get(10).db()?;
    let secret = SecretRecord {
        pk,
        arn: Arn { namespace: Namespace { account, region: Region::new(region) }, name, suffix },
        created: Timestamp::from_millis(row.try_get(5).db()?),
        last_changed: Timestamp::from_millis(row.try_get(6).db()?),
        last_accessed: ts(row.try_get(7).db()?),
        deleted: ts(row.try_get(8).db()?),
        purge_at: ts(row.try_get(9).db()?),
        rotate_at: ts(row.try_get(11).db()?),
        meta: meta_of(pk, &meta)?,
    };
    let versions: String = row.try_get(12).db()?;
    let versions: Vec<VersionColumns> =
        serde_json::from_str(&versions).map_err(|e| corrupt(format!("secret {pk}: versions: {e}")))?;
    let labels: String = row.try_get(13).db()?;
    let labels: Vec<(String, String)> =
        serde_json::from_str(&labels).map_err(|e| corrupt(format!("secret {pk}: labels: {e}")))?;
    Ok(SecretState {
        secret,
        versions: versions
            .into_iter()
            .map(|(id, created, last_accessed, has_value, kms_key_id)| VersionRecord {
                version_id: VersionId::new(id),
                created: Timestamp::from_millis(created),
                last_accessed: ts(last_accessed),
                has_value,
                kms_key_id,
            })
            .collect(),
        labels: Labels::from_pairs(labels.into_iter().map(|(l, v)| (StagingLabel::new(l), VersionId::new(v)))),
    })
}

/// Loads a secret whole, in one statement (one snapshot), and, when
/// `preload` names a version, that version's sealed value.
async fn load(
    conn: &mut PgConnection,
    ns: &Namespace,
    name: &SecretName,
    preload: Option<&VersionId>,
) -> Result<(Option<SecretState>, Option<SealedValue>), StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {STATE}, p.kek_id, p.wrapped_key, p.ciphertext FROM secrets s
         LEFT JOIN versions p ON p.secret_pk = s.id AND p.version_id = $4
         WHERE s.account = $1 AND s.region = $2 AND s.name = $3"
    )))
    .bind(ns.account.as_str())
    .bind(ns.region.as_str())
    .bind(name.as_str())
    .bind(preload.map(VersionId::as_str))
    .fetch_optional(conn)
    .await
    .db()?;
    let Some(row) = row else { return Ok((None, None)) };
    let preloaded = match (row.try_get(14).db()?, row.try_get(15).db()?, row.try_get(16).db()?) {
        (Some(kek_id), Some(wrapped_key), Some(ciphertext)) => Some(SealedValue { kek_id, wrapped_key, ciphertext }),
        _ => None,
    };
    Ok((Some(state_of(&row)?), preloaded))
}

async fn read_value(conn: &mut PgConnection, pk: i64, version: &VersionId) -> Result<Option<SealedValue>, StoreError> {
    type Sealed = (Option<String>, Option<Vec<u8>>, Option<Vec<u8>>);
    let row: Option<Sealed> =
        sqlx::query_as("SELECT kek_id, wrapped_key, ciphertext FROM versions WHERE secret_pk = $1 AND version_id = $2")
            .bind(pk)
            .bind(version.as_str())
            .fetch_optional(conn)
            .await
            .db()?;
    Ok(match row {
        Some((Some(kek_id), Some(wrapped_key), Some(ciphertext))) => {
            Some(SealedValue { kek_id, wrapped_key, ciphertext })
        }
        _ => None,
    })
}

/// Removes a secret and everything it owns (by cascade).
async fn purge(conn: &mut PgConnection, pk: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM secrets WHERE id = $1").bind(pk).execute(conn).await.db()?;
    Ok(())
}

/// Writes a [`SecretWrite`] over `old` (the state it was decided on);
/// the secret's store key.
async fn apply_write(conn: &mut PgConnection, old: Option<&SecretState>, w: &SecretWrite) -> Result<i64, StoreError> {
    let s = &w.secret;
    let meta = meta_body(&s.meta)?;
    let pk = if s.pk == 0 {
        sqlx::query_scalar(
            "INSERT INTO secrets (account, region, name, suffix, created_ms, last_changed_ms, last_accessed_ms,
                                  deleted_ms, purge_at_ms, meta, rotate_at_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(s.arn.namespace.account.as_str())
        .bind(s.arn.namespace.region.as_str())
        .bind(s.arn.name.as_str())
        .bind(s.arn.suffix.as_str())
        .bind(s.created.millis())
        .bind(s.last_changed.millis())
        .bind(s.last_accessed.map(Timestamp::millis))
        .bind(s.deleted.map(Timestamp::millis))
        .bind(s.purge_at.map(Timestamp::millis))
        .bind(&meta)
        .bind(s.rotate_at.map(Timestamp::millis))
        .fetch_one(&mut *conn)
        .await
        .db()?
    } else {
        sqlx::query(
            "UPDATE secrets SET last_changed_ms = $2, last_accessed_ms = $3, deleted_ms = $4, purge_at_ms = $5,
                                meta = $6, rotate_at_ms = $7
             WHERE id = $1",
        )
        .bind(s.pk)
        .bind(s.last_changed.millis())
        .bind(s.last_accessed.map(Timestamp::millis))
        .bind(s.deleted.map(Timestamp::millis))
        .bind(s.purge_at.map(Timestamp::millis))
        .bind(&meta)
        .bind(s.rotate_at.map(Timestamp::millis))
        .execute(&mut *conn)
        .await
        .db()?;
        s.pk
    };
    for v in &w.delete_versions {
        sqlx::query("DELETE FROM versions WHERE secret_pk = $1 AND version_id = $2")
            .bind(pk)
            .bind(v.as_str())
            .execute(&mut *conn)
            .await
            .db()?;
    }
    for (v, sealed) in &w.put_versions {
        sqlx::query(
            "INSERT INTO versions (secret_pk, version_id, seq, created_ms, last_accessed_ms, kms_key_id,
                                   kek_id, wrapped_key, ciphertext)
             VALUES ($1, $2, (SELECT coalesce(max(seq), 0) + 1 FROM versions WHERE secret_pk = $1), $3, $4, $5,
                     $6, $7, $8)
             ON CONFLICT (secret_pk, version_id) DO UPDATE SET
                 last_accessed_ms = excluded.last_accessed_ms,
                 kms_key_id = excluded.kms_key_id,
                 kek_id = coalesce(excluded.kek_id, versions.kek_id),
                 wrapped_key = coalesce(excluded.wrapped_key, versions.wrapped_key),
                 ciphertext = coalesce(excluded.ciphertext, versions.ciphertext)",
        )
        .bind(pk)
        .bind(v.version_id.as_str())
        .bind(v.created.millis())
        .bind(v.last_accessed.map(Timestamp::millis))
        .bind(&v.kms_key_id)
        .bind(sealed.as_ref().map(|s| s.kek_id.as_str()))
        .bind(sealed.as_ref().map(|s| s.wrapped_key.as_slice()))
        .bind(sealed.as_ref().map(|s| s.ciphertext.as_slice()))
        .execute(&mut *conn)
        .await
        .db()?;
    }
    // Labels: write only what moved.
    let empty = Labels::default();
    let (removed, moved) = label_moves(old.map(|o| &o.labels).unwrap_or(&empty), &w.labels);
    for label in removed {
        sqlx::query("DELETE FROM labels WHERE secret_pk = $1 AND label = $2")
            .bind(pk)
            .bind(label)
            .execute(&mut *conn)
            .await
            .db()?;
    }
    for (label, version) in moved {
        {
            sqlx::query(
                "INSERT INTO labels (secret_pk, label, version_id) VALUES ($1, $2, $3)
                 ON CONFLICT (secret_pk, label) DO UPDATE SET version_id = excluded.version_id",
            )
            .bind(pk)
            .bind(label)
            .bind(version)
            .execute(&mut *conn)
            .await
            .db()?;
        }
    }
    if let Some(status) = w.end_rotations {
        sqlx::query("UPDATE rotations SET status = $2 WHERE secret_pk = $1 AND status = 'active'")
            .bind(pk)
            .bind(status.as_str())
            .execute(&mut *conn)
            .await
            .db()?;
    }
    if let Some(job) = &w.rotation {
        upsert_job(conn, pk, job).await?;
    }
    Ok(pk)
}

/// Stores a rotation job of the secret `pk` (a new one, or over the one
/// with its id, which no node holds any more).
async fn upsert_job(conn: &mut PgConnection, pk: i64, job: &RotationJob) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO rotations (id, secret_pk, status, created_ms, body) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, body = excluded.body,
             lease_owner = NULL, lease_until_ms = NULL",
    )
    .bind(job.id.as_str())
    .bind(pk)
    .bind(job.status.as_str())
    .bind(job.created.millis())
    .bind(job_body(job)?)
    .execute(conn)
    .await
    .db()?;
    Ok(())
}

/// What moves from the labels `old` to `new`: the labels removed, and the
/// labels (with their versions) that are new or moved.
fn label_moves<'a>(old: &'a Labels, new: &'a Labels) -> (Vec<&'a str>, Vec<(&'a str, &'a str)>) {
    let removed = old.iter().filter(|(l, _)| new.holder(l.as_str()).is_none()).map(|(l, _)| l.as_str());
    let moved = new.iter().filter(|(l, v)| old.holder(l.as_str()) != Some(*v)).map(|(l, v)| (l.as_str(), v.as_str()));
    (removed.collect(), moved.collect())
}

/// A write to an existing secret as one statement (the hot path: puts,
/// label moves, rotations' steps): the secret's row, versions deleted and
/// put, labels removed and moved, rotations ended, and the notification,
/// in one round trip. Its parts run on one snapshot, so it is used only
/// where they touch different rows.
struct Update<'a> {
    w: &'a SecretWrite,
    /// Labels removed.
    unlabel: Vec<&'a str>,
    /// Labels new or moved, with their versions.
    label: Vec<(&'a str, &'a str)>,
}

impl<'a> Update<'a> {
    /// The one-statement form of `w` over `old`, where it has one.
    fn of(old: Option<&'a SecretState>, w: &'a SecretWrite) -> Option<Self> {
        let old = old.filter(|o| o.secret.pk == w.secret.pk && w.secret.pk != 0 && w.replaces.is_none())?;
        if w.put_versions.iter().any(|(v, _)| w.delete_versions.contains(&v.version_id)) {
            return None;
        }
        let (unlabel, label) = label_moves(&old.labels, &w.labels);
        Some(Update { w, unlabel, label })
    }

    async fn run(self, conn: &mut PgConnection, channel: &str, notice: String) -> Result<(), StoreError> {
        let (w, s) = (self.w, &self.w.secret);
        let puts = &w.put_versions;
        let sealed = |f: fn(&SealedValue) -> Vec<u8>| puts.iter().map(|(_, v)| v.as_ref().map(f)).collect::<Vec<_>>();
        sqlx::query(
            "WITH secret AS (
                 UPDATE secrets SET last_changed_ms = $2, last_accessed_ms = $3, deleted_ms = $4, purge_at_ms = $5,
                                    meta = $6, rotate_at_ms = $7
                 WHERE id = $1),
             gone AS (DELETE FROM versions WHERE secret_pk = $1 AND version_id = ANY($8::text[])),
             put AS (
                 INSERT INTO versions (secret_pk, version_id, seq, created_ms, last_accessed_ms, kms_key_id,
                                       kek_id, wrapped_key, ciphertext)
                 SELECT $1, v.id, (SELECT coalesce(max(seq), 0) FROM versions WHERE secret_pk = $1) + v.n,
                        v.created, v.accessed, v.kms, v.kek, v.wrapped, v.sealed
                 FROM unnest($9::text[], $10::bigint[], $11::bigint[], $12::text[], $13::text[], $14::bytea[],
                             $15::bytea[]) WITH ORDINALITY AS v (id, created, accessed, kms, kek, wrapped, sealed, n)
                 ON CONFLICT (secret_pk, version_id) DO UPDATE SET
                     last_accessed_ms = excluded.last_accessed_ms,
                     kms_key_id = excluded.kms_key_id,
                     kek_id = coalesce(excluded.kek_id, versions.kek_id),
                     wrapped_key = coalesce(excluded.wrapped_key, versions.wrapped_key),
                     ciphertext = coalesce(excluded.ciphertext, versions.ciphertext)),
             unlabelled AS (DELETE FROM labels WHERE secret_pk = $1 AND label = ANY($16::text[])),
             labelled AS (
                 INSERT INTO labels (secret_pk, label, version_id)
                 SELECT $1, l.label, l.version FROM unnest($17::text[], $18::text[]) AS l (label, version)
                 ON CONFLICT (secret_pk, label) DO UPDATE SET version_id = excluded.version_id),
             ended AS (
                 UPDATE rotations SET status = $19 WHERE $19::text IS NOT NULL AND secret_pk = $1 AND status = 'active')
             SELECT pg_notify($20, $21)",
        )
        .bind(s.pk)
        .bind(s.last_changed.millis())
        .bind(s.last_accessed.map(Timestamp::millis))
        .bind(s.deleted.map(Timestamp::millis))
        .bind(s.purge_at.map(Timestamp::millis))
        .bind(meta_body(&s.meta)?)
        .bind(s.rotate_at.map(Timestamp::millis))
        .bind(w.delete_versions.iter().map(VersionId::as_str).collect::<Vec<_>>())
        .bind(puts.iter().map(|(v, _)| v.version_id.as_str()).collect::<Vec<_>>())
        .bind(puts.iter().map(|(v, _)| v.created.millis()).collect::<Vec<_>>())
        .bind(puts.iter().map(|(v, _)| v.last_accessed.map(Timestamp::millis)).collect::<Vec<_>>())
        .bind(puts.iter().map(|(v, _)| v.kms_key_id.as_deref()).collect::<Vec<_>>())
        .bind(puts.iter().map(|(_, v)| v.as_ref().map(|v| v.kek_id.as_str())).collect::<Vec<_>>())
        .bind(sealed(|v| v.wrapped_key.clone()))
        .bind(sealed(|v| v.ciphertext.clone()))
        .bind(self.unlabel)
        .bind(self.label.iter().map(|(l, _)| *l).collect::<Vec<_>>())
        .bind(self.label.iter().map(|(_, v)| *v).collect::<Vec<_>>())
        .bind(w.end_rotations.map(|s| s.as_str()))
        .bind(channel)
        .bind(notice)
        .execute(&mut *conn)
        .await
        .db()?;
        if let Some(job) = &w.rotation {
            upsert_job(conn, s.pk, job).await?;
        }
        Ok(())
    }
}

/// What one attempt of a change came to.
enum Attempt<R> {
    Done(R),
    /// To be tried again (with the decision, once made).
    Retry(Option<Box<Decided<R>>>),
}

/// A decision, and the state it was made on.
struct Decided<R> {
    on: Option<SecretState>,
    change: Change,
    answer: R,
}

impl PgStore {
    /// One attempt of a change: `Err` for a failure to report, `Ok(Retry)`
    /// when PostgreSQL asks for the transaction again.
    async fn attempt<R: Send + 'static>(
        &self,
        ns: &Namespace,
        name: &SecretName,
        preload: Option<&VersionId>,
        decide: &mut Option<rekey_store::Decide<R>>,
        decided: Option<Decided<R>>,
    ) -> Result<Attempt<R>, ApiError> {
        let key = (ns.clone(), name.clone());
        // The lock is taken with the BEGIN (one round trip; the key is a
        // number this store computed), and the state loaded after it.
        let begin = format!("BEGIN; SELECT pg_advisory_xact_lock({})", self.locks.secret(ns, name));
        let mut tx = match crate::begin(&self.pool, Some(begin)).await {
            Ok(tx) => tx,
            Err(StoreError::Conflict(_)) => return Ok(Attempt::Retry(decided.map(Box::new))),
            Err(e) => return Err(e.into()),
        };
        let (state, preloaded) = match load(&mut tx, ns, name, preload.filter(|_| decided.is_none())).await {
            Ok(loaded) => loaded,
            Err(StoreError::Conflict(_)) => return Ok(Attempt::Retry(decided.map(Box::new))),
            Err(e) => return Err(e.into()),
        };
        let decided = match decided {
            Some(d) if d.on == state => d,
            Some(_) => {
                return Err(ApiError::internal("The secret changed while its change was being retried; try again."));
            }
            None => {
                let decide = decide.take().expect("a change decides once");
                let (change, answer) =
                    decide(MutationInput { state: state.clone(), preloaded: preloaded.map(Arc::new) })?;
                Decided { on: state, change, answer }
            }
        };
        // The write, the commit and the cache's update run on a task of
        // their own: a request dropped midway (its client gone) could
        // otherwise commit unseen by this node's cache, which skips its own
        // notices, and the cache would keep the state from before.
        let writer = self.writer();
        let task = tokio::spawn(async move {
            let (ns, name) = (&key.0, &key.1);
            let outcome = match writer.write_change(&mut tx, ns, name, decided.on.as_ref(), &decided.change).await {
                Ok(()) => writer.head.commit_with(tx, writer.audit_key.get(), decided.change.audit()).await,
                Err(e) => Err(e),
            };
            // Whatever happened, this node's cache forgets the secret (its
            // notification to itself is skipped): the next read loads it.
            writer.cache.publish([(key, Published::Forget)]);
            (outcome, decided)
        });
        let (outcome, decided) = task.await.map_err(|_| ApiError::internal("A change's write did not finish."))?;
        match outcome {
            Ok(()) => Ok(Attempt::Done(decided.answer)),
            // Rolled back by PostgreSQL (even at the commit): nothing was
            // written. Any other failed commit may have committed, and is
            // not tried again.
            Err(StoreError::Conflict(_)) => Ok(Attempt::Retry(Some(Box::new(decided)))),
            Err(e) => Err(e.into()),
        }
    }

    /// What a change's write needs, apart from the store.
    fn writer(&self) -> Writer {
        Writer {
            cache: self.cache.clone(),
            notifier: self.notifier.clone(),
            head: self.head.clone(),
            audit_key: self.audit_key.clone(),
        }
    }
}

/// What writes a decided change (on a task of its own: see
/// [`PgStore::attempt`]).
struct Writer {
    cache: Arc<StateCache>,
    notifier: Notifier,
    head: Arc<HeadQueue>,
    audit_key: Arc<OnceLock<AuditKey>>,
}

impl Writer {
    /// Writes a decided change and its notification (its records are
    /// appended last, just before the commit).
    async fn write_change(
        &self,
        conn: &mut PgConnection,
        ns: &Namespace,
        name: &SecretName,
        current: Option<&SecretState>,
        change: &Change,
    ) -> Result<(), StoreError> {
        match change {
            Change::None => {}
            Change::Write(w) => {
                let mut current = current;
                if let Some(old) = w.replaces {
                    purge(conn, old).await?;
                    if let Some(replaced) = current.filter(|c| c.secret.pk == old) {
                        self.cache.forget_secret_values(replaced.secret.pk);
                        current = None;
                    }
                }
                let gone: Vec<VersionId> = w
                    .delete_versions
                    .iter()
                    .cloned()
                    .chain(w.put_versions.iter().filter(|(_, s)| s.is_some()).map(|(v, _)| v.version_id.clone()))
                    .collect();
                let versions = gone.iter().map(|v| v.as_str().to_string()).collect();
                // The new state is not published to the cache: a later
                // commit by another node could be announced before this
                // publication, which would then stay cached over it.
                let pk = if let Some(update) = Update::of(current, w) {
                    let notice = self.notifier.secret_notice(ns, name, w.secret.pk, versions);
                    update.run(conn, &self.notifier.channel, notice).await?;
                    w.secret.pk
                } else {
                    let pk = apply_write(conn, current, w).await?;
                    self.notifier.secret(conn, ns, name, pk, versions).await.db()?;
                    pk
                };
                self.cache.forget_values(pk, gone);
            }
            Change::Purge { pk, .. } => {
                purge(conn, *pk).await?;
                self.cache.forget_secret_values(*pk);
                self.notifier.secret(conn, ns, name, *pk, Vec::new()).await.db()?;
            }
        }
        Ok(())
    }
}

impl PgStore {
    /// Whether the cache may be used (see [`crate::notify`]).
    pub(crate) fn caching(&self) -> bool {
        self.listening.load(Ordering::SeqCst)
    }
}

impl SecretStore for PgStore {
    async fn load(&self, ns: &Namespace, name: &SecretName) -> Result<Option<Arc<SecretState>>, StoreError> {
        let key = (ns.clone(), name.clone());
        let caching = self.caching();
        let epoch = match self.cache.get(&key) {
            Ok(state) if caching => return Ok(Some(state)),
            Ok(_) => None,
            Err(epoch) => Some(epoch),
        };
        let mut conn = self.pool.acquire().await.db()?;
        let state = load(&mut conn, ns, name, None).await?.0.map(Arc::new);
        if let (Some(s), Some(epoch), true) = (&state, epoch, caching) {
            self.cache.offer(key, s.clone(), epoch);
        }
        Ok(state)
    }

    async fn read_value(&self, pk: i64, version: &VersionId) -> Result<Option<Arc<SealedValue>>, StoreError> {
        let caching = self.caching();
        if caching && let Some(v) = self.cache.value(pk, version) {
            return Ok(Some(v));
        }
        let mut conn = self.pool.acquire().await.db()?;
        let value = read_value(&mut conn, pk, version).await?.map(Arc::new);
        if let (Some(v), true) = (&value, caching) {
            self.cache.offer_value(pk, version.clone(), v.clone());
        }
        Ok(value)
    }

    async fn mutate<R: Send + 'static>(&self, m: Mutation<R>) -> Result<R, ApiError> {
        let Mutation { namespace, name, preload_value, decide } = m;
        let mut decide = Some(decide);
        let mut decided = None;
        for attempt in 0..ATTEMPTS {
            match self.attempt(&namespace, &name, preload_value.as_ref(), &mut decide, decided.take()).await? {
                Attempt::Done(r) => return Ok(r),
                Attempt::Retry(d) => decided = d.map(|d| *d),
            }
            let ceiling = (1u64 << attempt.min(7)).min(MAX_WAIT_MS);
            tokio::time::sleep(std::time::Duration::from_millis(rand::random_range(0..=ceiling))).await;
        }
        Err(ApiError::internal("The change kept conflicting with others; try again."))
    }

    async fn check_writable(&self) -> Result<(), StoreError> {
        let mut tx = crate::begin(&self.pool, None).await?;
        // A write that takes a commit (a read-only standby refuses it).
        sqlx::query("SELECT txid_current()").execute(&mut *tx).await.db()?;
        tx.commit().await.db()
    }

    fn record_access(&self, secret: &SecretState, version: &VersionId, day: Timestamp) {
        let (pool, cache, notifier) = (self.pool.clone(), self.cache.clone(), self.notifier.clone());
        let ns = secret.secret.arn.namespace.clone();
        let name = secret.secret.arn.name.clone();
        let pk = secret.secret.pk;
        let version = version.clone();
        tokio::spawn(async move {
            let result = async {
                let mut tx = pool.begin().await?;
                let changed = sqlx::query(
                    "UPDATE secrets SET last_accessed_ms = $2
                     WHERE id = $1 AND (last_accessed_ms IS NULL OR last_accessed_ms < $2)",
                )
                .bind(pk)
                .bind(day.millis())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                let changed = changed
                    + sqlx::query(
                        "UPDATE versions SET last_accessed_ms = $3
                         WHERE secret_pk = $1 AND version_id = $2 AND (last_accessed_ms IS NULL OR last_accessed_ms < $3)",
                    )
                    .bind(pk)
                    .bind(version.as_str())
                    .bind(day.millis())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if changed > 0 {
                    notifier.secret(&mut tx, &ns, &name, pk, Vec::new()).await?;
                }
                tx.commit().await?;
                Ok::<_, sqlx::Error>(changed > 0)
            }
            .await;
            match result {
                Ok(true) => cache.publish([((ns, name), Published::Forget)]),
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "could not record LastAccessedDate"),
            }
        });
    }

    async fn due_for_purge(&self, now: Timestamp, limit: usize) -> Result<Vec<(Namespace, SecretName)>, StoreError> {
        self.due(
            "SELECT account, region, name FROM secrets WHERE purge_at_ms <= $1 ORDER BY purge_at_ms LIMIT $2",
            now,
            limit,
        )
        .await
    }

    async fn list(&self, q: ListQuery) -> Result<Vec<Arc<SecretState>>, StoreError> {
        let key = match q.order {
            ListOrder::Created => "s.created_ms",
            ListOrder::LastChanged => "s.last_changed_ms",
            ListOrder::LastAccessed => "coalesce(s.last_accessed_ms, -1)",
            ListOrder::Name => "s.name",
        };
        let (cmp, dir) = if q.descending { ("<", "DESC") } else { (">", "ASC") };
        // Names sort by bytes, as SQLite's do.
        let (key, collate) = if q.order == ListOrder::Name { (key, " COLLATE \"C\"") } else { (key, "") };
        let after = match &q.after {
            Some(ListCursor { key: ListKey::Millis(_), .. }) => format!("AND ({key}, s.id) {cmp} ($4::bigint, $5)"),
            Some(ListCursor { key: ListKey::Name(_), .. }) => {
                format!("AND ({key}{collate}, s.id) {cmp} ($4::text{collate}, $5)")
            }
            None => String::new(),
        };
        let sql = format!(
            "SELECT {STATE} FROM secrets s
             WHERE s.account = $1 AND s.region = $2 AND ($3 OR s.deleted_ms IS NULL) {after}
             ORDER BY {key}{collate} {dir}, s.id {dir} LIMIT $6"
        );
        let ns = &q.namespace;
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(ns.account.as_str())
            .bind(ns.region.as_str())
            .bind(q.include_deleted);
        query = match &q.after {
            Some(ListCursor { key: ListKey::Millis(ms), pk }) => query.bind(*ms).bind(*pk),
            Some(ListCursor { key: ListKey::Name(n), pk }) => query.bind(n.clone()).bind(*pk),
            None => query.bind(None::<i64>).bind(0i64),
        };
        let rows = query.bind(q.limit as i64).fetch_all(&self.pool).await.db()?;
        rows.iter().map(|r| state_of(r).map(Arc::new)).collect()
    }
}

impl PgStore {
    /// Secrets a due-query names: (namespace, name).
    pub(crate) async fn due(
        &self,
        sql: &'static str,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<(Namespace, SecretName)>, StoreError> {
        let rows: Vec<(String, String, String)> =
            sqlx::query_as(sql).bind(now.millis()).bind(limit as i64).fetch_all(&self.pool).await.db()?;
        rows.into_iter()
            .map(|(a, r, n)| {
                let account = rekey_model::name::AccountId::parse(&a).ok_or_else(|| corrupt(format!("account {a}")))?;
                let name = SecretName::parse(&n).map_err(|_| corrupt(format!("name {n}")))?;
                Ok((Namespace { account, region: Region::new(r) }, name))
            })
            .collect()
    }
}
