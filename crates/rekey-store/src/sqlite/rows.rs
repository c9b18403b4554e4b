//! Mapping between rows and domain records, on any connection (a reader or
//! the writer's open transaction).

use crate::stored::{job_body, job_of, keep_stored_outputs, meta_body, meta_of, reseal_job};
use crate::{History, LeaseOwner, ListCursor, ListKey, ListOrder, ListQuery, SecretWrite, StoreError};
use rekey_model::Timestamp;
use rekey_model::name::{AccountId, Arn, ArnSuffix, Namespace, Region, SecretName};
use rekey_model::rotation::{JobId, RotationJob, RotationStep, StepLog};
use rekey_model::secret::{SealedValue, SecretRecord, SecretState, VersionRecord};
use rekey_model::staging::{Labels, StagingLabel, VersionId};
use rusqlite::{Connection, OptionalExtension, params};

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Database(e.to_string())
    }
}

fn ts(v: Option<i64>) -> Option<Timestamp> {
    v.map(Timestamp::from_millis)
}

/// Loads a secret with its versions and labels.
pub fn load(conn: &Connection, ns: &Namespace, name: &SecretName) -> Result<Option<SecretState>, StoreError> {
    let row = conn
        .prepare_cached(
            "SELECT id, suffix, created_ms, last_changed_ms, last_accessed_ms, deleted_ms, purge_at_ms, meta, rotate_at_ms
             FROM secrets WHERE account = ?1 AND region = ?2 AND name = ?3",
        )?
        .query_row(params![ns.account.as_str(), ns.region.as_str(), name.as_str()], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, Option<i64>>(5)?,
                r.get::<_, Option<i64>>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, Option<i64>>(8)?,
            ))
        })
        .optional()?;
    let Some((pk, suffix, created, last_changed, last_accessed, deleted, purge_at, meta, rotate_at)) = row else {
        return Ok(None);
    };
    let suffix = ArnSuffix::parse(&suffix).ok_or_else(|| StoreError::Corrupt(format!("secret {pk}: bad suffix")))?;
    let meta = meta_of(pk, &meta)?;
    let secret = SecretRecord {
        pk,
        arn: Arn { namespace: ns.clone(), name: name.clone(), suffix },
        created: Timestamp::from_millis(created),
        last_changed: Timestamp::from_millis(last_changed),
        last_accessed: ts(last_accessed),
        deleted: ts(deleted),
        purge_at: ts(purge_at),
        rotate_at: ts(rotate_at),
        meta,
    };
    let versions = conn
        .prepare_cached(
            "SELECT version_id, created_ms, last_accessed_ms, value_id IS NOT NULL, kms_key_id
             FROM versions WHERE secret_pk = ?1 ORDER BY seq",
        )?
        .query_map([pk], |r| {
            Ok(VersionRecord {
                version_id: VersionId::new(r.get::<_, String>(0)?),
                created: Timestamp::from_millis(r.get(1)?),
                last_accessed: ts(r.get(2)?),
                has_value: r.get(3)?,
                kms_key_id: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let labels = conn
        .prepare_cached("SELECT label, version_id FROM labels WHERE secret_pk = ?1")?
        .query_map([pk], |r| Ok((StagingLabel::new(r.get::<_, String>(0)?), VersionId::new(r.get::<_, String>(1)?))))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(SecretState { secret, versions, labels: Labels::from_pairs(labels) }))
}

/// The sealed value of one version.
pub fn read_value(conn: &Connection, pk: i64, version: &VersionId) -> Result<Option<SealedValue>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT s.kek_id, s.wrapped_key, s.ciphertext FROM versions v JOIN sealed_values s ON s.id = v.value_id
             WHERE v.secret_pk = ?1 AND v.version_id = ?2",
        )?
        .query_row(params![pk, version.as_str()], |r| {
            Ok(SealedValue { kek_id: r.get(0)?, wrapped_key: r.get(1)?, ciphertext: r.get(2)? })
        })
        .optional()?)
}

fn value_ids(conn: &Connection, pk: i64) -> Result<Vec<i64>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT value_id FROM versions WHERE secret_pk = ?1 AND value_id IS NOT NULL")?
        .query_map([pk], |r| r.get(0))?
        .collect::<Result<Vec<i64>, _>>()?)
}

fn delete_values(conn: &Connection, ids: &[i64]) -> Result<(), StoreError> {
    for id in ids {
        conn.prepare_cached("DELETE FROM sealed_values WHERE id = ?1")?.execute([id])?;
    }
    Ok(())
}

/// Removes a secret and everything it owns (versions and labels by
/// cascade, then the values they pointed at).
pub fn purge(conn: &Connection, pk: i64) -> Result<(), StoreError> {
    let values = value_ids(conn, pk)?;
    conn.prepare_cached("DELETE FROM secrets WHERE id = ?1")?.execute([pk])?;
    delete_values(conn, &values)
}

/// Writes a [`SecretWrite`] over `old` (the state it was decided on);
/// returns the secret's store key. The caller owns the transaction.
pub fn apply_write(conn: &Connection, old: Option<&SecretState>, w: &SecretWrite) -> Result<i64, StoreError> {
    let s = &w.secret;
    let meta = meta_body(&s.meta)?;
    let pk = if s.pk == 0 {
        conn.prepare_cached(
            "INSERT INTO secrets (account, region, name, suffix, created_ms, last_changed_ms, last_accessed_ms,
                                  deleted_ms, purge_at_ms, meta, rotate_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?
        .execute(params![
            s.arn.namespace.account.as_str(),
            s.arn.namespace.region.as_str(),
            s.arn.name.as_str(),
            s.arn.suffix.as_str(),
            s.created.millis(),
            s.last_changed.millis(),
            s.last_accessed.map(Timestamp::millis),
            s.deleted.map(Timestamp::millis),
            s.purge_at.map(Timestamp::millis),
            meta,
            s.rotate_at.map(Timestamp::millis),
        ])?;
        conn.last_insert_rowid()
    } else {
        conn.prepare_cached(
            "UPDATE secrets SET last_changed_ms = ?2, last_accessed_ms = ?3, deleted_ms = ?4, purge_at_ms = ?5, meta = ?6,
                                rotate_at_ms = ?7
             WHERE id = ?1",
        )?
        .execute(params![
            s.pk,
            s.last_changed.millis(),
            s.last_accessed.map(Timestamp::millis),
            s.deleted.map(Timestamp::millis),
            s.purge_at.map(Timestamp::millis),
            meta,
            s.rotate_at.map(Timestamp::millis),
        ])?;
        s.pk
    };
    for v in &w.delete_versions {
        let value: Option<Option<i64>> = conn
            .prepare_cached("DELETE FROM versions WHERE secret_pk = ?1 AND version_id = ?2 RETURNING value_id")?
            .query_row(params![pk, v.as_str()], |r| r.get(0))
            .optional()?;
        delete_values(conn, &value.flatten().into_iter().collect::<Vec<_>>())?;
    }
    for (v, sealed) in &w.put_versions {
        // A version sealed anew (a changed KmsKeyId) drops its old value.
        let replaced: Option<i64> = match sealed {
            Some(_) => conn
                .prepare_cached("SELECT value_id FROM versions WHERE secret_pk = ?1 AND version_id = ?2")?
                .query_row(params![pk, v.version_id.as_str()], |r| r.get(0))
                .optional()?
                .flatten(),
            None => None,
        };
        let value_id = match sealed {
            Some(s) => {
                conn.prepare_cached("INSERT INTO sealed_values (kek_id, wrapped_key, ciphertext) VALUES (?1, ?2, ?3)")?
                    .execute(params![s.kek_id, s.wrapped_key, s.ciphertext])?;
                Some(conn.last_insert_rowid())
            }
            None => None,
        };
        conn.prepare_cached(
            "INSERT INTO versions (secret_pk, version_id, seq, created_ms, last_accessed_ms, kms_key_id, value_id)
             VALUES (?1, ?2, (SELECT coalesce(max(seq), 0) + 1 FROM versions WHERE secret_pk = ?1), ?3, ?4, ?5, ?6)
             ON CONFLICT (secret_pk, version_id) DO UPDATE SET
                 last_accessed_ms = excluded.last_accessed_ms,
                 kms_key_id = excluded.kms_key_id,
                 value_id = coalesce(excluded.value_id, value_id)",
        )?
        .execute(params![
            pk,
            v.version_id.as_str(),
            v.created.millis(),
            v.last_accessed.map(Timestamp::millis),
            v.kms_key_id,
            value_id,
        ])?;
        delete_values(conn, &replaced.into_iter().collect::<Vec<_>>())?;
    }
    // Labels: write only what moved.
    let empty = Labels::default();
    let old_labels = old.map(|o| &o.labels).unwrap_or(&empty);
    for (label, _) in old_labels.iter() {
        if w.labels.holder(label.as_str()).is_none() {
            conn.prepare_cached("DELETE FROM labels WHERE secret_pk = ?1 AND label = ?2")?
                .execute(params![pk, label.as_str()])?;
        }
    }
    for (label, version) in w.labels.iter() {
        if old_labels.holder(label.as_str()) != Some(version) {
            conn.prepare_cached(
                "INSERT INTO labels (secret_pk, label, version_id) VALUES (?1, ?2, ?3)
                 ON CONFLICT (secret_pk, label) DO UPDATE SET version_id = excluded.version_id",
            )?
            .execute(params![pk, label.as_str(), version.as_str()])?;
        }
    }
    if let Some(status) = w.end_rotations {
        conn.prepare_cached("UPDATE rotations SET status = ?2 WHERE secret_pk = ?1 AND status = 'active'")?
            .execute(params![pk, status.as_str()])?;
    }
    if let Some(job) = &w.rotation {
        conn.prepare_cached(
            "INSERT INTO rotations (id, secret_pk, status, created_ms, body) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET status = excluded.status, body = excluded.body,
                 lease_owner = NULL, lease_until_ms = NULL",
        )?
        .execute(params![job.id.as_str(), pk, job.status.as_str(), job.created.millis(), job_body(job)?])?;
    }
    Ok(pk)
}

fn jobs(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<Vec<RotationJob>, StoreError> {
    let rows = conn
        .prepare_cached(sql)?
        .query_map(params, |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    rows.iter().map(|(status, body)| job_of(status, body)).collect()
}

/// Stores an active job's progress for the holder of its lease; false
/// if it is no longer active or another holds the lease.
///
/// A step's record, once stored, is not changed by a later save: its
/// sealed output stays as stored (a master-key rotation may have sealed
/// it anew while the runner held the job, in memory, as it was).
pub fn save_rotation(conn: &Connection, job: &RotationJob, owner: &LeaseOwner) -> Result<bool, StoreError> {
    let stored: Option<String> = conn
        .prepare_cached("SELECT body FROM rotations WHERE id = ?1")?
        .query_row([job.id.as_str()], |r| r.get(0))
        .optional()?;
    let job = keep_stored_outputs(job, stored.as_deref())?;
    let n = conn
        .prepare_cached(
            "UPDATE rotations SET status = ?2, body = ?3 WHERE id = ?1 AND status = 'active' AND lease_owner = ?4",
        )?
        .execute(params![job.id.as_str(), job.status.as_str(), job_body(&job)?, owner.0])?;
    Ok(n == 1)
}

/// Takes the lease of an active job nobody holds at `now`.
pub fn claim_rotation(
    conn: &Connection,
    id: &JobId,
    owner: &LeaseOwner,
    now: Timestamp,
    until: Timestamp,
) -> Result<Option<RotationJob>, StoreError> {
    let claimed = jobs(
        conn,
        "UPDATE rotations SET lease_owner = ?2, lease_until_ms = ?4
         WHERE id = ?1 AND status = 'active' AND (lease_owner IS NULL OR lease_until_ms <= ?3)
         RETURNING status, body",
        params![id.as_str(), owner.0, now.millis(), until.millis()],
    )?;
    Ok(claimed.into_iter().next())
}

/// Extends a lease its owner still holds on an active job.
pub fn renew_rotation(conn: &Connection, id: &JobId, owner: &LeaseOwner, until: Timestamp) -> Result<bool, StoreError> {
    let n = conn
        .prepare_cached(
            "UPDATE rotations SET lease_until_ms = ?3 WHERE id = ?1 AND status = 'active' AND lease_owner = ?2",
        )?
        .execute(params![id.as_str(), owner.0, until.millis()])?;
    Ok(n == 1)
}

/// Gives up a lease (of one job, or every one of `owner`'s); how many.
pub fn release_rotations(conn: &Connection, id: Option<&JobId>, owner: &LeaseOwner) -> Result<usize, StoreError> {
    Ok(conn
        .prepare_cached(
            "UPDATE rotations SET lease_owner = NULL, lease_until_ms = NULL
             WHERE lease_owner = ?1 AND (?2 IS NULL OR id = ?2)",
        )?
        .execute(params![owner.0, id.map(JobId::as_str)])?)
}

/// One job.
pub fn rotation(conn: &Connection, id: &JobId) -> Result<Option<RotationJob>, StoreError> {
    Ok(jobs(conn, "SELECT status, body FROM rotations WHERE id = ?1", [id.as_str()])?.pop())
}

/// Active jobs without a lease at `now`, oldest first.
pub fn claimable_rotations(conn: &Connection, now: Timestamp) -> Result<Vec<RotationJob>, StoreError> {
    jobs(
        conn,
        "SELECT status, body FROM rotations
         WHERE status = 'active' AND (lease_owner IS NULL OR lease_until_ms <= ?1) ORDER BY created_ms",
        [now.millis()],
    )
}

/// Jobs newest first, of one secret or all.
pub fn rotation_history(conn: &Connection, of: &History, limit: usize) -> Result<Vec<RotationJob>, StoreError> {
    match of {
        History::Secret(pk) => jobs(
            conn,
            "SELECT status, body FROM rotations WHERE secret_pk = ?1 ORDER BY created_ms DESC, id LIMIT ?2",
            params![pk, limit as i64],
        ),
        History::Namespace(ns) => jobs(
            conn,
            "SELECT r.status, r.body FROM rotations r JOIN secrets s ON s.id = r.secret_pk
             WHERE s.account = ?1 AND s.region = ?2 ORDER BY r.created_ms DESC, r.id LIMIT ?3",
            params![ns.account.as_str(), ns.region.as_str(), limit as i64],
        ),
    }
}

/// A page of a namespace's secrets.
pub fn list(conn: &Connection, q: &ListQuery) -> Result<Vec<SecretState>, StoreError> {
    let key = match q.order {
        ListOrder::Created => "created_ms",
        ListOrder::LastChanged => "last_changed_ms",
        ListOrder::LastAccessed => "coalesce(last_accessed_ms, -1)",
        ListOrder::Name => "name",
    };
    let (cmp, dir) = if q.descending { ("<", "DESC") } else { (">", "ASC") };
    let after = if q.after.is_some() { format!("AND ({key}, id) {cmp} (?4, ?5)") } else { String::new() };
    let sql = format!(
        "SELECT name FROM secrets
         WHERE account = ?1 AND region = ?2 AND (?3 OR deleted_ms IS NULL) {after}
         ORDER BY {key} {dir}, id {dir} LIMIT ?6"
    );
    let (after_key, after_pk): (rusqlite::types::Value, i64) = match &q.after {
        Some(ListCursor { key: ListKey::Millis(ms), pk }) => ((*ms).into(), *pk),
        Some(ListCursor { key: ListKey::Name(n), pk }) => (n.clone().into(), *pk),
        None => (rusqlite::types::Value::Null, 0),
    };
    let ns = &q.namespace;
    let names = conn
        .prepare_cached(&sql)?
        .query_map(
            params![ns.account.as_str(), ns.region.as_str(), q.include_deleted, after_key, after_pk, q.limit as i64],
            |r| r.get::<_, String>(0),
        )?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(names.len());
    for n in names {
        let name = SecretName::parse(&n).map_err(|_| StoreError::Corrupt(format!("name {n}")))?;
        out.extend(load(conn, ns, &name)?);
    }
    Ok(out)
}

/// Marks a read of the secret and version on `day`, at most once a day.
pub fn record_access(conn: &Connection, pk: i64, version: &VersionId, day: Timestamp) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE secrets SET last_accessed_ms = ?2 WHERE id = ?1 AND (last_accessed_ms IS NULL OR last_accessed_ms < ?2)",
    )?
    .execute(params![pk, day.millis()])?;
    conn.prepare_cached(
        "UPDATE versions SET last_accessed_ms = ?3
         WHERE secret_pk = ?1 AND version_id = ?2 AND (last_accessed_ms IS NULL OR last_accessed_ms < ?3)",
    )?
    .execute(params![pk, version.as_str(), day.millis()])?;
    Ok(())
}

/// Secrets whose purge time has come.
pub fn due_for_purge(
    conn: &Connection,
    now: Timestamp,
    limit: usize,
) -> Result<Vec<(Namespace, SecretName)>, StoreError> {
    due(
        conn,
        "SELECT account, region, name FROM secrets WHERE purge_at_ms <= ?1 ORDER BY purge_at_ms LIMIT ?2",
        now,
        limit,
    )
}

/// Live secrets whose scheduled rotation time has come (an index range:
/// the cost follows the number due, not the number of secrets).
pub fn due_for_rotation(
    conn: &Connection,
    now: Timestamp,
    limit: usize,
) -> Result<Vec<(Namespace, SecretName)>, StoreError> {
    due(
        conn,
        "SELECT account, region, name FROM secrets
         WHERE rotate_at_ms <= ?1 AND deleted_ms IS NULL ORDER BY rotate_at_ms LIMIT ?2",
        now,
        limit,
    )
}

/// The soonest scheduled rotation of a live secret after `after`.
pub fn next_rotation_due(conn: &Connection, after: Timestamp) -> Result<Option<Timestamp>, StoreError> {
    let ms: Option<i64> = conn
        .prepare_cached("SELECT min(rotate_at_ms) FROM secrets WHERE rotate_at_ms > ?1 AND deleted_ms IS NULL")?
        .query_row([after.millis()], |r| r.get(0))?;
    Ok(ms.map(Timestamp::from_millis))
}

fn due(conn: &Connection, sql: &str, now: Timestamp, limit: usize) -> Result<Vec<(Namespace, SecretName)>, StoreError> {
    let rows = conn
        .prepare_cached(sql)?
        .query_map(params![now.millis(), limit as i64], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(a, r, n)| {
            let account = AccountId::parse(&a).ok_or_else(|| StoreError::Corrupt(format!("account {a}")))?;
            let name = SecretName::parse(&n).map_err(|_| StoreError::Corrupt(format!("name {n}")))?;
            Ok((Namespace { account, region: Region::new(r) }, name))
        })
        .collect()
}

/// A keyring entry.
pub fn load_kek(conn: &Connection, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(conn.prepare_cached("SELECT wrapped FROM keyring WHERE id = ?1")?.query_row([id], |r| r.get(0)).optional()?)
}

/// Inserts a keyring entry unless present; returns the stored one, or
/// `None` when it is new and its family (the ids starting with `family`)
/// already has `max` entries.
pub fn insert_kek(
    conn: &Connection,
    id: &str,
    wrapped: &[u8],
    family: &str,
    max: usize,
) -> Result<Option<Vec<u8>>, StoreError> {
    if let Some(stored) = load_kek(conn, id)? {
        return Ok(Some(stored));
    }
    let members: i64 = conn
        .prepare_cached("SELECT count(*) FROM keyring WHERE substr(id, 1, length(?1)) = ?1")?
        .query_row([family], |r| r.get(0))?;
    if members as usize >= max {
        return Ok(None);
    }
    conn.prepare_cached("INSERT INTO keyring (id, wrapped) VALUES (?1, ?2)")?.execute(params![id, wrapped])?;
    Ok(Some(wrapped.to_vec()))
}

/// Re-seals everything sealed directly under the master key, in the
/// caller's transaction (see `Keyring::reseal_all`).
pub fn reseal_all(conn: &Connection, reseal: &mut crate::Reseal) -> Result<usize, StoreError> {
    use crate::Sealed;
    // (table, blob column, what its blobs are): rows keyed by a text `id`.
    type Kind = for<'a> fn(&'a str) -> Sealed<'a>;
    let keyed: [(&str, &str, Kind); 2] =
        [("keyring", "wrapped", |id| Sealed::Key(id)), ("access_keys", "secret", |id| Sealed::Credential(id))];
    let mut replaced = 0;
    for (table, column, kind) in keyed {
        let rows: Vec<(String, Vec<u8>)> = conn
            .prepare(&format!("SELECT id, {column} FROM {table}"))?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (id, blob) in rows {
            if let Some(new) = reseal(kind(&id), &blob) {
                conn.prepare_cached(&format!("UPDATE {table} SET {column} = ?2 WHERE id = ?1"))?
                    .execute(params![id, new])?;
                replaced += 1;
            }
        }
    }
    // Only jobs whose steps kept an output are rewritten.
    let jobs: Vec<(String, String)> = conn
        .prepare("SELECT id, body FROM rotations WHERE body LIKE '%\"output\"%'")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (id, body) in jobs {
        if let Some(body) = reseal_job(&id, &body, reseal)? {
            conn.prepare_cached("UPDATE rotations SET body = ?2 WHERE id = ?1")?.execute(params![id, body])?;
            replaced += 1;
        }
    }
    // Logs are many and large: a page at a time.
    let mut after = 0i64;
    loop {
        let logs: Vec<(i64, String, u32, String, i64, Vec<u8>)> = conn
            .prepare_cached(
                "SELECT id, job_id, attempt, step, started_ms, sealed FROM function_logs WHERE id > ?1 ORDER BY id LIMIT 256",
            )?
            .query_map([after], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?
            .collect::<Result<_, _>>()?;
        let Some(last) = logs.last() else { break };
        after = last.0;
        for (id, job, attempt, step, started, blob) in logs {
            let step = RotationStep::parse(&step).ok_or_else(|| StoreError::Corrupt(format!("function log {id}")))?;
            let context = StepLog::seal_context(&JobId::new(job), attempt, step, Timestamp::from_millis(started));
            if let Some(new) = reseal(Sealed::Output(context), &blob) {
                conn.prepare_cached("UPDATE function_logs SET sealed = ?2 WHERE id = ?1")?.execute(params![id, new])?;
                replaced += 1;
            }
        }
    }
    Ok(replaced)
}
